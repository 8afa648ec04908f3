//! Carries the built dashboard inside the server binary: every file of the workspace's
//! `dist/` (Trunk's output with its `.br`/`.gz` siblings, from `make build`), or of the
//! folder in `SEQHEALTH_EMBED_DIST`, becomes an entry of `$OUT_DIR/dashboard.rs`. Without
//! a build there, the binary carries none and says so at start (`--dist` serves a folder).

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=SEQHEALTH_EMBED_DIST");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dist = std::env::var_os("SEQHEALTH_EMBED_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../dist"));
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        collect(&dist, &dist, &mut files);
        files.sort();
    }
    let mut out = String::from("/// The dashboard built into this binary: (path, bytes, ETag).\n");
    out.push_str("pub static FILES: &[(&str, &[u8], &str)] = &[\n");
    for (name, path) in &files {
        let bytes = std::fs::read(path).expect("a dist file");
        // FNV-1a of the content: a validator for If-None-Match, stable across builds.
        let tag = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
        writeln!(
            out,
            "    ({name:?}, include_bytes!({:?}), \"\\\"{tag:016x}\\\"\"),",
            path.canonicalize().expect("a dist file").display()
        )
        .expect("a String takes writes");
    }
    out.push_str("];\n");
    let target =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("dashboard.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let name = rel.to_string_lossy().replace('\\', "/");
            files.push((name, path));
        }
    }
}
