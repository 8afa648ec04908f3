//! `seqhealth-agent summarize --dry-run` against every real run folder in
//! `shared/interop/runs`: the body is a valid `RunIngest` that the server's checks accept,
//! and its figures are the official InterOp library's (`shared/interop/reference`).

mod common;

use common::{dry_run, run_folders, shared_interop, stderr, validate};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `reference/<folder>.json`, or `<folder>__noError.json` for the folder whose bad
/// ErrorMetricsOut.bin the official library could only summarise without; `None` for the
/// folders the official library refuses outright.
fn reference(shared: &Path, folder: &str) -> Option<Value> {
    let dir = shared.join("reference");
    [format!("{folder}.json"), format!("{folder}__noError.json")]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("reference readable");
            serde_json::from_str(&text).expect("reference is JSON")
        })
}

fn close(what: &str, ours: Option<f64>, theirs: Option<f64>, tol: f64, failures: &mut Vec<String>) {
    let ok = match (ours, theirs) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= tol,
        _ => false,
    };
    if !ok {
        failures.push(format!(
            "{what}: ours {ours:?}, official {theirs:?} (±{tol})"
        ));
    }
}

/// Mean over lanes of read 1's mean density, in K/mm², from the reference file.
fn reference_density_k(r: &Value) -> Option<f64> {
    let lanes = r["read_lane"].as_array()?;
    let first = lanes.first()?["read"].as_u64()?;
    let d: Vec<f64> = lanes
        .iter()
        .filter(|l| l["read"].as_u64() == Some(first))
        .filter_map(|l| l["density_per_mm2"]["mean"].as_f64())
        .collect();
    (!d.is_empty()).then(|| d.iter().sum::<f64>() / d.len() as f64 / 1000.0)
}

#[test]
fn every_real_run_folder() {
    let Some(shared) = shared_interop() else {
        return;
    };
    let folders: Vec<PathBuf> = run_folders(&shared);
    assert!(
        folders.len() >= 6,
        "expected the shared run folders, found {folders:?}"
    );
    let (mut accepted, mut refused) = (0, 0);
    let mut failures = Vec::new();
    for dir in &folders {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (out, ingest) = dry_run(dir);
        let Some(reference) = reference(&shared, &name) else {
            // The official library refuses these (legacy RunInfo.xml, no RunParameters.xml):
            // so do we, with one line naming the folder and the reason.
            assert!(
                !out.status.success(),
                "{name}: refused by the official library, accepted by us"
            );
            let err = stderr(&out);
            assert_eq!(
                err.lines().count(),
                1,
                "{name}: one error line, got {err:?}"
            );
            assert!(
                err.contains(&name) && err.contains("RunParameters.xml"),
                "{name}: {err}"
            );
            assert!(
                out.stdout.is_empty(),
                "{name}: nothing on stdout when refusing"
            );
            refused += 1;
            continue;
        };
        let ingest = ingest.unwrap_or_else(|| panic!("{name}: dry-run failed: {}", stderr(&out)));
        accepted += 1;
        // Exactly one JSON object on one line: the bytes that would be POSTed.
        let text = String::from_utf8(out.stdout.clone()).unwrap();
        assert_eq!(text.matches('\n').count(), 1, "{name}: one line: {text}");
        if let Err(e) = validate(&ingest) {
            failures.push(format!("{name}: the server would refuse it: {e}"));
        }
        let info = &reference["run_info"];
        assert_eq!(
            Some(ingest.run_id.as_str()),
            info["name"].as_str(),
            "{name}"
        );
        let structure: Vec<String> = info["reads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["cycles"].as_u64().unwrap().to_string())
            .collect();
        assert_eq!(ingest.read_structure, structure.join("-"), "{name}");
        let date = info["date"].as_str().unwrap();
        assert_eq!(
            ingest.started_at.format("%y%m%d").to_string(),
            date,
            "{name}: started_at from RunInfo's date"
        );
        let ni = &reference["nonindex"];
        let s = &ingest.summary;
        let mut f = Vec::new();
        close(
            "pct_q30",
            s.pct_q30,
            ni["percent_gt_q30"].as_f64(),
            0.01,
            &mut f,
        );
        close(
            "error_rate",
            s.error_rate,
            ni["error_rate"].as_f64(),
            1e-4,
            &mut f,
        );
        close(
            "yield_gb",
            s.yield_gb,
            ni["yield_g"].as_f64(),
            1e-3 * ni["yield_g"].as_f64().unwrap_or(0.0),
            &mut f,
        );
        close(
            "pct_pf",
            s.pct_pf,
            reference["derived"]["percent_pf_clusters"].as_f64(),
            1e-4,
            &mut f,
        );
        close(
            "cluster_density_k_mm2",
            s.cluster_density_k_mm2,
            reference_density_k(&reference),
            1e-3,
            &mut f,
        );
        failures.extend(f.into_iter().map(|m| format!("{name}: {m}")));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        accepted >= 6 && refused >= 3,
        "accepted {accepted}, refused {refused}"
    );
    println!(
        "{accepted} folders summarised and valid, {refused} refused as the official library does"
    );
}
