//! Fuzz RunParameters.xml parsing (the XML reader included): any bytes give the
//! allow-listed parameters or an error, never a panic.
//!
//! The crate's public entry point for this file takes a run folder
//! (`read_run_parameters`; the XML tree type is private), so each input is written to
//! `RunParameters.xml` in a per-process temporary folder and read from there.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!(
            "seqhealth-fuzz-run-parameters-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = folder();
    if std::fs::write(dir.join("RunParameters.xml"), data).is_err() {
        return;
    }
    let _ = seqhealth_interop::run_parameters::read_run_parameters(dir);
});
