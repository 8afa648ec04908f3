//! Shared by the agent's integration tests: where the real run folders are, the CLI, and
//! the server's ingest checks (reimplemented here, so the agent is held to them without
//! depending on the server crate).

#![allow(dead_code)]

pub mod capture;

use seqhealth_api::RunIngest;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Whether this is a CI run (`CI` set, and not to "", "0" or "false"): there a missing
/// `shared/interop` is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "FALSE"))
}

/// `shared/interop` next to the checkout, or `None` (the caller returns: the test is
/// skipped, with a message). Under CI a missing folder panics instead, so the tests that
/// need the real run folders cannot pass by skipping.
pub fn shared_interop() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop");
    if dir.join("runs").is_dir() && dir.join("reference").is_dir() {
        return Some(dir);
    }
    assert!(
        !in_ci(),
        "{} not found: the shared real run folders (runs/ and reference/) are required when CI is set",
        dir.display()
    );
    eprintln!(
        "skipped: {} not found (the shared real run folders are not on this machine)",
        dir.display()
    );
    None
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
    let run = || agent().args(args).output().expect("the agent binary runs");
    let mut out = run();
    // Under Wine a busy session now and then fails to start a process at all
    // (STATUS_DLL_INIT_FAILED, before a line of ours runs): start it again.
    for _ in 0..3 {
        if out.status.code() != Some(0xC000_0142_u32 as i32) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        out = run();
    }
    out
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

/// What the server accepts (the shared rules in `seqhealth_api::validate`), with the read
/// structure held to the stricter digits-and-dashes form the agent promises.
pub fn validate(run: &RunIngest) -> Result<(), String> {
    seqhealth_api::validate::run(run, chrono::Utc::now())?;
    let rs = &run.read_structure;
    if !rs.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Err(format!(
            "`read_structure` must be digits and dashes, not {rs:?}"
        ));
    }
    Ok(())
}
