//! QMetrics2030Out.bin in the summary: preferred over QMetricsOut.bin when it has records
//! (as the official `summarize_run_metrics`), ignored with a warning when it is bad.

use seqhealth_interop::write::{novaseq_bins, QCollapsedFile, QFile, SyntheticRun};
use seqhealth_interop::{summarize, RunSummary};

fn run(name: &str, r: &SyntheticRun) -> RunSummary {
    let dir = tempfile_dir(name);
    r.write(&dir).unwrap();
    let s = summarize(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    s
}

fn tempfile_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("seqhealth-q2030-{}-{name}", std::process::id()))
}

fn base() -> SyntheticRun {
    SyntheticRun {
        q: Some(QFile {
            version: 7,
            bins: novaseq_bins(),
        }),
        ..SyntheticRun::default()
    }
}

#[test]
fn collapsed_file_wins_over_q_metrics() {
    let q_only = run("q", &base());
    let both = run(
        "both",
        &SyntheticRun {
            q_collapsed: Some(QCollapsedFile {
                version: 6,
                bins: novaseq_bins(),
                median: true,
            }),
            collapsed_q30_shift: 0.10,
            ..base()
        },
    );
    let collapsed_only = run(
        "collapsed",
        &SyntheticRun {
            q: None,
            q_collapsed: Some(QCollapsedFile {
                version: 2,
                bins: Vec::new(),
                median: false,
            }),
            collapsed_q30_shift: 0.10,
            ..base()
        },
    );
    let (a, b, c) = (
        q_only.total.percent_q30.unwrap(),
        both.total.percent_q30.unwrap(),
        collapsed_only.total.percent_q30.unwrap(),
    );
    assert!(
        a - b > 5.0,
        "the 2030 file (10 points lower) was not used: {a} vs {b}"
    );
    assert!((b - c).abs() < 1e-9, "{b} vs {c}");
    // Yield is the same total either way (the shift only moves calls below Q30).
    let (ya, yb) = (q_only.total.yield_g.unwrap(), both.total.yield_g.unwrap());
    assert!((ya - yb).abs() / ya < 0.01, "{ya} vs {yb}");
    assert!(both
        .sources
        .iter()
        .any(|s| s.file == "InterOp/QMetrics2030Out.bin"));
    assert_eq!(both.per_cycle_q30.len(), base().total_cycles() as usize);
    assert!(both.warnings.is_empty(), "{:?}", both.warnings);
    // Lane rows carry the collapsed figures too.
    let lane = both
        .lanes
        .iter()
        .find(|l| l.read == 1 && l.lane == 1)
        .unwrap();
    assert!(lane.percent_q30.unwrap() < a - 5.0);
}

#[test]
fn a_bad_collapsed_file_is_left_out_and_q_metrics_used() {
    let good = run("good", &base());
    let dir = tempfile_dir("bad");
    base().write(&dir).unwrap();
    std::fs::write(dir.join("InterOp/QMetrics2030Out.bin"), [9u8, 22]).unwrap();
    let s = summarize(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(s.total.percent_q30, good.total.percent_q30);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("QMetrics2030Out.bin") && w.contains("version 9")),
        "{:?}",
        s.warnings
    );
}

/// A synthetic run with a collapsed Q file summarises without warnings and with every
/// figure. (Here rather than in `write`'s unit tests, so `write` does not import the
/// crate root that declares it.)
#[test]
fn synthetic_run_summarises() {
    let dir = tempfile_dir("synthetic");
    let run = SyntheticRun {
        q_collapsed: Some(QCollapsedFile {
            version: 6,
            bins: novaseq_bins(),
            median: true,
        }),
        ..SyntheticRun::default()
    };
    let written = run.write(&dir).unwrap();
    assert_eq!(written.files.len(), 5);
    let s = summarize(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let q30 = s.total.percent_q30.unwrap();
    assert!((85.0..99.0).contains(&q30), "{q30}");
    assert_eq!(s.lanes.len(), 2 * 3);
    assert!(s.total.error_rate.is_some() && s.total.first_cycle_intensity.is_some());
}
