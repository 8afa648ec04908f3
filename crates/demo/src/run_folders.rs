//! The shared real run folders (`../shared/interop/runs` beside the checkout) for the
//! tests that push them: found, or `None` with a message where they are absent (CI always
//! has them: there a missing folder fails the test).

use std::path::{Path, PathBuf};

pub fn shared_runs() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop/runs");
    if dir.is_dir() {
        return Some(dir);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "FALSE"));
    assert!(
        !ci,
        "../shared/interop/runs is missing, and CI must run this test"
    );
    eprintln!("skipping: ../shared/interop/runs is not beside this checkout");
    None
}

/// Copies a folder and everything in it (a run folder into a test's runs directory).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
