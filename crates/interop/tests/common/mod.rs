//! What the integration tests share: where the real run folders are.

use std::path::{Path, PathBuf};

/// `../shared/interop/runs` beside the checkout; `None` (said on stdout) where it is
/// absent, except on CI, which must have it.
pub fn runs() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop/runs");
    if dir.is_dir() {
        return Some(dir);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "FALSE"));
    assert!(
        !ci,
        "{} is missing, and CI must run this test",
        dir.display()
    );
    println!("skipping: {} not found", dir.display());
    None
}
