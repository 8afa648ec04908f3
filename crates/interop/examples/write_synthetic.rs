//! Write synthetic run folders with this crate's InterOp writer, for the developer-only
//! cross-check against Illumina's library and the benchmark:
//!
//! ```sh
//! cargo run --release -p seqhealth-interop --example write_synthetic -- <out-dir> [preset…]
//! ```
//!
//! Each preset becomes `<out-dir>/<preset>/` (RunInfo.xml + InterOp/). Without presets,
//! all cross-check presets are written; `big` (about 1 GB of QMetricsOut.bin) only when
//! named. `list` prints the presets.

use std::path::Path;
use std::process::ExitCode;

use seqhealth_interop::write::{nextseq_bins, novaseq_bins, QCollapsedFile, QFile, SyntheticRun};

/// (name, what it exercises, the run) for every preset.
fn presets() -> Vec<(&'static str, &'static str, SyntheticRun)> {
    let q = |version, bins| QFile { version, bins };
    let rta3 = |qf: QFile| SyntheticRun {
        q: Some(qf),
        ..SyntheticRun::default()
    };
    vec![
        (
            "q5-binned",
            "Q v5, 7 NextSeq bins (three arrays), 50 counts; Tile v3, Error v4, Extraction v3",
            rta3(q(5, nextseq_bins())),
        ),
        ("q5-unbinned", "Q v5 without bins", rta3(q(5, Vec::new()))),
        (
            "q6-binned",
            "Q v6, 7 NextSeq bins, 7 counts",
            rta3(q(6, nextseq_bins())),
        ),
        ("q6-unbinned", "Q v6 without bins", rta3(q(6, Vec::new()))),
        (
            "q7-binned",
            "Q v7, 3 NovaSeq bins (triples), u32 tiles",
            rta3(q(7, novaseq_bins())),
        ),
        (
            "q7-unbinned",
            "Q v7 without bins (50 counts, as documented; the official library refuses these)",
            rta3(q(7, Vec::new())),
        ),
        (
            "q2030-v6-with-q7",
            "QMetrics2030Out v6 (22-byte records) beside Q v7; its ≥Q30 share is 10 points lower",
            SyntheticRun {
                q_collapsed: Some(QCollapsedFile {
                    version: 6,
                    bins: novaseq_bins(),
                    median: true,
                }),
                collapsed_q30_shift: 0.10,
                ..rta3(q(7, novaseq_bins()))
            },
        ),
        (
            "q2030-v2-only",
            "QMetrics2030Out v2 (18-byte records), no QMetricsOut",
            SyntheticRun {
                q: None,
                q_collapsed: Some(QCollapsedFile {
                    version: 2,
                    bins: Vec::new(),
                    median: false,
                }),
                collapsed_q30_shift: 0.05,
                ..SyntheticRun::default()
            },
        ),
        (
            "tile-v2-extraction-v2",
            "Tile v2 (with phasing), Error v3, Extraction v2 (4 channels), Q v6 binned",
            SyntheticRun {
                channels: ["A", "C", "G", "T"].map(String::from).to_vec(),
                tile_version: Some(2),
                error_version: Some(3),
                extraction_version: Some(2),
                ..rta3(q(6, nextseq_bins()))
            },
        ),
    ]
}

/// ~1 GB of QMetricsOut.bin: 8 lanes × 2 surfaces × 6 swaths × 98 tiles, 251+10+10+251
/// cycles, Q v6 unbinned (206-byte records; the official library refuses unbinned v7), with
/// Tile v3, Error v4 and Extraction v3.
fn big() -> SyntheticRun {
    SyntheticRun {
        run_id: "250101_SYNBIG_0001_ASYNTHBIG".into(),
        reads: vec![(251, false), (10, true), (10, true), (251, false)],
        lanes: 8,
        surfaces: 2,
        swaths: 6,
        tiles_per_swath: 98,
        q: Some(QFile {
            version: 6,
            bins: Vec::new(),
        }),
        ..SyntheticRun::default()
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: write_synthetic <out-dir> [preset…|big|list]");
        return ExitCode::FAILURE;
    };
    let all = presets();
    if out == "list" {
        for (name, what, _) in &all {
            println!("{name}: {what}");
        }
        println!(
            "big: ~1 GB QMetricsOut.bin (Q v6 unbinned, 206-byte records), 8 lanes, 9408 tiles"
        );
        return ExitCode::SUCCESS;
    }
    let wanted: Vec<&str> = if args.len() > 1 {
        args[1..].iter().map(String::as_str).collect()
    } else {
        all.iter().map(|p| p.0).collect()
    };
    for name in wanted {
        let run = if name == "big" {
            big()
        } else if let Some((_, _, r)) = all.iter().find(|p| p.0 == name) {
            r.clone()
        } else {
            eprintln!("unknown preset {name} (try `list`)");
            return ExitCode::FAILURE;
        };
        let dir = Path::new(out).join(name);
        match run.write(&dir) {
            Ok(w) => {
                let files: Vec<String> =
                    w.files.iter().map(|(f, n)| format!("{f} {n} B")).collect();
                println!("{}: {}", dir.display(), files.join(", "));
            }
            Err(e) => {
                eprintln!("{}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
