//! Shared by the agent's integration tests: where the real run folders are, the CLI, and
//! the server's ingest checks (reimplemented here, so the agent is held to them without
//! depending on the server crate).

#![allow(dead_code)]

use seqhealth_api::RunIngest;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `shared/interop` next to the checkout, or `None` (the caller prints a skip message).
pub fn shared_interop() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop");
    if dir.join("runs").is_dir() && dir.join("reference").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} not found (the shared real run folders are not on this machine)",
            dir.display()
        );
        None
    }
}

/// Every run folder under `shared/interop/runs`, sorted by name.
pub fn run_folders(shared: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(shared.join("runs"))
        .expect("runs/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

pub fn agent() -> Command {
    Command::new(env!("CARGO_BIN_EXE_seqhealth-agent"))
}

pub fn run_agent(args: &[&std::ffi::OsStr]) -> Output {
    agent().args(args).output().expect("the agent binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// `seqhealth-agent summarize --dry-run <folder>`, its output parsed as the wire type.
pub fn dry_run(folder: &Path) -> (Output, Option<RunIngest>) {
    let out = run_agent(&[
        "summarize".as_ref(),
        "--dry-run".as_ref(),
        folder.as_os_str(),
    ]);
    let ingest = out
        .status
        .success()
        .then(|| serde_json::from_slice::<RunIngest>(&out.stdout))
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{}: dry-run is not a RunIngest: {e}", folder.display()))
        });
    (out, ingest)
}

// ------------------------------------------------- the server's ingest checks

fn check_id(field: &str, v: &str) -> Result<(), String> {
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:+".contains(c));
    ok.then_some(())
        .ok_or_else(|| format!("`{field}` must be 1–128 of A–Z a–z 0–9 - _ . : +, not {v:?}"))
}

fn check_text(field: &str, v: &Option<String>) -> Result<(), String> {
    match v {
        Some(s) if s.len() > 128 || s.chars().any(char::is_control) => Err(format!(
            "`{field}` must be at most 128 printable characters, not {s:?}"
        )),
        _ => Ok(()),
    }
}

fn check_range(field: &str, v: Option<f64>, lo: f64, hi: f64) -> Result<(), String> {
    match v {
        Some(x) if !(x.is_finite() && (lo..=hi).contains(&x)) => {
            Err(format!("`{field}` must be between {lo} and {hi}, not {x}"))
        }
        _ => Ok(()),
    }
}

/// What `crates/server/src/routes/ingest.rs` `validate_run` accepts (read structure held
/// to the stricter digits-and-dashes form the agent promises).
pub fn validate(run: &RunIngest) -> Result<(), String> {
    check_id("run_id", &run.run_id)?;
    let rs = &run.read_structure;
    if rs.is_empty() || rs.len() > 64 || !rs.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Err(format!(
            "`read_structure` must look like 151-8-8-151, not {rs:?}"
        ));
    }
    if let Some(done) = run.completed_at {
        if done < run.started_at {
            return Err("`completed_at` is before `started_at`".into());
        }
    }
    let c = &run.configuration;
    check_text("control_software_version", &c.control_software_version)?;
    check_text("rta_version", &c.rta_version)?;
    check_text("flow_cell_id", &c.flow_cell_id)?;
    check_text("flow_cell_lot", &c.flow_cell_lot)?;
    check_text("reagent_kit_lot", &c.reagent_kit_lot)?;
    check_text("chemistry", &c.chemistry)?;
    let s = &run.summary;
    check_range("yield_gb", s.yield_gb, 0.0, 100_000.0)?;
    check_range("pct_q30", s.pct_q30, 0.0, 100.0)?;
    check_range("pct_pf", s.pct_pf, 0.0, 100.0)?;
    check_range(
        "cluster_density_k_mm2",
        s.cluster_density_k_mm2,
        0.0,
        100_000.0,
    )?;
    check_range("error_rate", s.error_rate, 0.0, 100.0)
}
