//! Run-derived hardware signals on the real run folders in `shared/interop/runs`: what
//! each folder can give, and figures within what those instruments show.

mod common;

use common::runs;

use seqhealth_interop::signals::{derive, RunSignals};
use seqhealth_interop::summarize;

fn signals(folder: &str) -> Option<RunSignals> {
    let dir = runs()?.join(folder);
    let s = summarize(&dir).unwrap();
    let out = derive(&dir, &s);
    println!("{folder}: {out:?}");
    Some(out)
}

fn near(v: Option<f64>, want: f64, tol: f64) -> bool {
    v.is_some_and(|x| (x - want).abs() <= tol)
}

/// The figures of every folder with extraction metrics, to the precision the README's
/// table gives them; a change to a derivation shows here.
#[test]
fn real_folders_give_their_hardware_signals() {
    let cases = [
        // folder, FWHM, surface Δ, cycle-1 intensity, change %/cycle, min/cycle, phasing, prephasing
        (
            "illuminate_miseq_2013-04_16_2-index",
            3.122,
            0.164,
            175.3,
            1.069,
            4.10,
            0.054,
            0.139,
        ),
        (
            "illuminate_miseq_2014-02_11_50kit_single_read",
            2.351,
            0.014,
            277.2,
            0.716,
            3.83,
            0.146,
            0.121,
        ),
        (
            "illuminate_miseq_2013-04_10_has_errors",
            2.968,
            0.138,
            202.4,
            1.016,
            4.18,
            0.064,
            0.201,
        ),
        (
            "illuminate_nextseq500_160404_HW37NBGXX",
            2.802,
            0.017,
            5193.3,
            -0.456,
            4.17,
            0.115,
            0.171,
        ),
        (
            "illuminate_hiseq2500_140213_average_run",
            2.544,
            0.059,
            8693.3,
            -0.331,
            6.60,
            0.102,
            0.139,
        ),
    ];
    for (folder, fwhm, surf, c1, change, minutes, ph, pre) in cases {
        let Some(s) = signals(folder) else { return };
        assert!(near(s.fwhm_px, fwhm, 0.001), "{folder}: {s:?}");
        assert!(
            near(s.surface_fwhm_delta_px, surf, 0.001),
            "{folder}: {s:?}"
        );
        assert!(near(s.c1_intensity, c1, 0.1), "{folder}: {s:?}");
        assert!(
            near(s.intensity_change_pct_per_cycle, change, 0.001),
            "{folder}: {s:?}"
        );
        assert!(near(s.cycle_minutes, minutes, 0.01), "{folder}: {s:?}");
        assert!(near(s.phasing_pct, ph, 0.001), "{folder}: {s:?}");
        assert!(near(s.prephasing_pct, pre, 0.001), "{folder}: {s:?}");
        // No image of these runs is far out of focus (one MiSeq image of 700 is).
        assert!(
            s.out_of_focus_pct.is_some_and(|p| p < 0.5),
            "{folder}: {s:?}"
        );
        assert!(
            s.last_image_at.is_some_and(|t| t > 1_300_000_000),
            "{folder}: {s:?}"
        );
    }
}

/// Per laser (red: A and C, or the red channel; green: G and T, or the green channel): the
/// figures an independent reading of the same files gives (a short Python script: the
/// 90th-percentile intensities and FWHMs of ExtractionMetricsOut.bin, first record of a
/// lane/tile/cycle kept, images with no imaged channel skipped), and consistency with the
/// per-run figures, which average the same channels.
#[test]
fn real_folders_give_focus_and_early_intensity_per_laser() {
    let cases = [
        // folder, FWHM red, FWHM green, early intensity red, green (cycles 1–5 of read 1)
        (
            "illuminate_miseq_2013-04_16_2-index",
            3.1277,
            3.1170,
            235.18,
            120.28,
        ),
        (
            "illuminate_miseq_2014-02_11_50kit_single_read",
            2.3925,
            2.3089,
            310.23,
            247.84,
        ),
        (
            "illuminate_miseq_2013-04_10_has_errors",
            2.9887,
            2.9474,
            227.72,
            177.49,
        ),
        (
            "illuminate_nextseq500_160404_HW37NBGXX",
            2.8818,
            2.7213,
            5337.54,
            4222.73,
        ),
        (
            "illuminate_hiseq2500_140213_average_run",
            2.5930,
            2.4942,
            10883.63,
            5804.65,
        ),
    ];
    for (folder, f_red, f_green, i_red, i_green) in cases {
        let Some(s) = signals(folder) else { return };
        let [fr, fg, fb] = s.fwhm_px_by_laser;
        let [ir, ig, ib] = s.early_intensity_by_laser;
        assert!(
            near(fr, f_red, 0.0001) && near(fg, f_green, 0.0001),
            "{folder}: {s:?}"
        );
        assert!(
            near(ir, i_red, 0.01) && near(ig, i_green, 0.01),
            "{folder}: {s:?}"
        );
        assert_eq!((fb, ib), (None, None), "{folder}: no blue channel");
        // Each laser lights as many channels as the other (2 + 2, or 1 + 1), so the run's
        // focus is the mean of the two lasers'.
        let both = (fr.unwrap() + fg.unwrap()) / 2.0;
        assert!(near(s.fwhm_px, both, 1e-9), "{folder}: {s:?}");
    }
}

/// A folder whose extraction file is empty still gives what TileMetrics holds; the
/// run's time comes from RunInfo then.
#[test]
fn an_empty_extraction_file_leaves_only_phasing() {
    let Some(s) = signals("illuminate_hiseq2500_140213_frankendataset") else {
        return;
    };
    assert!(near(s.phasing_pct, 0.102, 0.001), "{s:?}");
    assert_eq!(
        (s.fwhm_px, s.c1_intensity, s.cycle_minutes, s.last_image_at),
        (None, None, None, None)
    );
}
