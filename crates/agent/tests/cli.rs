//! The `seqhealth-agent summarize` command line: exit status and one-line errors on bad
//! input, the `--json` fields, the table, and a closed stdout pipe.

mod common;

use common::{agent, dry_run, run_agent, shared_interop, stderr, stdout, validate};
use seqhealth_agent::extract::run_ingest_at;
use seqhealth_interop::run_info::parse_run_info_str;
use seqhealth_interop::stats::Stat;
use seqhealth_interop::{GroupSummary, ReadLaneSummary, RunParameters, RunSummary};
use serde_json::Value;
use std::process::Stdio;

fn one_error_line(args: &[&std::ffi::OsStr]) -> String {
    let out = run_agent(args);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert_eq!(out.status.code(), Some(1), "{args:?}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout {:?}", stdout(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn missing_folder_is_one_line_and_a_failure() {
    let missing = std::env::temp_dir().join("seqhealth-agent-no-such-run-folder-7c1e");
    for flags in [&[][..], &["--json"][..], &["--dry-run"][..]] {
        let mut args: Vec<&std::ffi::OsStr> = vec!["summarize".as_ref()];
        args.extend(flags.iter().map(std::ffi::OsStr::new));
        args.push(missing.as_os_str());
        let err = one_error_line(&args);
        assert!(err.contains(&*missing.to_string_lossy()), "{err}");
        assert!(err.contains("no such run folder"), "{err}");
    }
}

#[test]
fn bad_folders_are_one_line_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path();
    let err = one_error_line(&[
        "summarize".as_ref(),
        "--dry-run".as_ref(),
        folder.as_os_str(),
    ]);
    assert!(err.contains("RunInfo.xml not found"), "{err}");

    std::fs::write(
        folder.join("RunInfo.xml"),
        "<RunInfo><Run><Reads><Read Number=\"x\"\n",
    )
    .unwrap();
    let err = one_error_line(&["summarize".as_ref(), folder.as_os_str()]);
    assert!(err.contains("RunInfo.xml"), "{err}");

    std::fs::write(folder.join("RunInfo.xml"), "").unwrap();
    let err = one_error_line(&["summarize".as_ref(), "--json".as_ref(), folder.as_os_str()]);
    assert!(err.contains("RunInfo.xml"), "{err}");
}

#[test]
fn json_and_dry_run_do_not_combine() {
    let out = run_agent(&[
        "summarize".as_ref(),
        "--json".as_ref(),
        "--dry-run".as_ref(),
        ".".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
}

fn has_keys(v: &Value, keys: &[&str], what: &str) {
    for k in keys {
        let x = v
            .get(k)
            .unwrap_or_else(|| panic!("{what}: no `{k}` in {v}"));
        assert!(
            x.is_null() || x.is_number() || x.is_string() || x.is_boolean(),
            "{what}.{k} = {x}"
        );
    }
}

#[test]
fn json_has_the_documented_fields_with_null_for_missing_metrics() {
    let Some(shared) = shared_interop() else {
        return;
    };
    let runs = shared.join("runs");
    for (folder, q30_present, errors_present) in [
        ("illuminate_miseq_2013-04_16_2-index", true, false),
        ("illuminate_hiseq2500_140213_average_run", false, false),
        ("illuminate_nextseq500_160404_HW37NBGXX", false, true),
    ] {
        let out = run_agent(&[
            "summarize".as_ref(),
            "--json".as_ref(),
            runs.join(folder).as_os_str(),
        ]);
        assert!(out.status.success(), "{folder}: {}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
        assert!(v.is_object());
        has_keys(&v, &["run_id", "instrument_serial"], folder);
        assert!(
            v["run_id"].is_string() && v["instrument_serial"].is_string(),
            "{v}"
        );
        let group = [
            "yield_g",
            "percent_gt_q30",
            "error_rate",
            "first_cycle_intensity",
        ];
        has_keys(&v["total"], &group, "total");
        has_keys(&v["nonindex"], &group, "nonindex");
        let reads = v["reads"].as_array().expect("reads");
        assert!(!reads.is_empty());
        for r in reads {
            has_keys(
                r,
                &[
                    "read",
                    "is_index",
                    "yield_g",
                    "percent_gt_q30",
                    "error_rate",
                ],
                "reads[]",
            );
        }
        let lanes = v["lanes"].as_array().expect("lanes");
        assert!(!lanes.is_empty());
        for l in lanes {
            has_keys(
                l,
                &[
                    "read",
                    "lane",
                    "density",
                    "percent_pf",
                    "percent_gt_q30",
                    "error_rate",
                ],
                "lanes[]",
            );
            assert!(
                l["density"].is_number() && l["percent_pf"].is_number(),
                "{l}"
            );
        }
        assert_eq!(
            v["nonindex"]["percent_gt_q30"].is_number(),
            q30_present,
            "{folder}"
        );
        assert_eq!(
            v["nonindex"]["error_rate"].is_number(),
            errors_present,
            "{folder}"
        );
        assert_eq!(
            lanes[0]["percent_gt_q30"].is_number(),
            q30_present,
            "{folder}"
        );
    }
}

#[test]
fn table_is_short_and_readable() {
    let Some(shared) = shared_interop() else {
        return;
    };
    let folder = shared.join("runs/illuminate_miseq_2013-04_16_2-index");
    let out = run_agent(&["summarize".as_ref(), folder.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "130417_M00169_0050_000000000-A2D9U",
        "M00169",
        "non-index",
        "read 2 (I)",
        "151-6-151",
        "density K/mm2",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
    assert!(text.lines().count() < 30, "{text}");
}

#[test]
fn closed_stdout_pipe_is_not_a_panic() {
    let Some(shared) = shared_interop() else {
        return;
    };
    let folder = shared.join("runs/illuminate_nextseq500_160404_HW37NBGXX");
    for flag in ["--json", "--dry-run", "--"] {
        let mut child = agent()
            .args(["summarize", flag])
            .arg(&folder)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end before the agent has parsed the folder and written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{flag}: {err}");
        assert!(out.status.success(), "{flag}: {:?} {err}", out.status);
    }
}

/// Values that do not fit the server's checks are dropped or reduced, never sent as-is.
#[test]
fn out_of_range_and_odd_values_are_dropped_not_sent() {
    let info = parse_run_info_str(
        "<RunInfo><Run Id=\"run 7/ä;DROP\" Number=\"7\"><Flowcell>FC\u{7}1</Flowcell>\
         <Date>garbage</Date><Reads><Read Number=\"1\" NumCycles=\"151\" IsIndexedRead=\"N\"/>\
         <Read Number=\"2\" NumCycles=\"8\" IsIndexedRead=\"Y\"/></Reads></Run></RunInfo>",
    )
    .unwrap();
    let stat = |mean: f64| Stat {
        mean,
        stddev: 0.0,
        median: mean,
    };
    let lane = ReadLaneSummary {
        read: 1,
        lane: 1,
        tile_count: 2,
        density_per_mm2: Some(stat(f64::INFINITY)),
        density_pf_per_mm2: None,
        percent_pf: Some(stat(101.0)),
        cluster_count: None,
        cluster_count_pf: None,
        reads: None,
        reads_pf: None,
        phasing: None,
        prephasing: None,
        percent_aligned: None,
        error_rate: None,
        first_cycle_intensity: None,
        percent_q30: Some(f64::NAN),
        yield_g: None,
        projected_yield_g: None,
    };
    let summary = RunSummary {
        run_info: info,
        run_parameters: Some(RunParameters {
            application_version: Some("2.0\n5".into()),
            rta_version: Some("v".repeat(129)),
            chemistry: Some("  NextSeq High  ".into()),
            ..RunParameters::default()
        }),
        total: GroupSummary::default(),
        nonindex: GroupSummary {
            yield_g: Some(-1.0),
            percent_q30: Some(100.000_1),
            percent_pf: Some(f64::NAN),
            error_rate: Some(0.25),
            ..GroupSummary::default()
        },
        reads: Vec::new(),
        lanes: vec![lane],
        per_cycle_q30: Vec::new(),
        sources: Vec::new(),
        warnings: Vec::new(),
    };
    let fallback = "2026-01-02T03:04:05Z".parse().unwrap();
    let ingest = run_ingest_at(&summary, fallback);
    validate(&ingest).unwrap();
    assert_eq!(ingest.run_id, "run_7___DROP");
    assert_eq!(ingest.read_structure, "151-8");
    assert_eq!(
        ingest.started_at, fallback,
        "no date anywhere: the fallback"
    );
    let c = &ingest.configuration;
    assert_eq!(c.control_software_version, None);
    assert_eq!(c.rta_version, None);
    assert_eq!(c.flow_cell_id, None);
    assert_eq!(c.chemistry.as_deref(), Some("NextSeq High"));
    let s = &ingest.summary;
    assert_eq!(
        (
            s.yield_gb,
            s.pct_q30,
            s.pct_pf,
            s.cluster_density_k_mm2,
            s.error_rate
        ),
        (None, None, None, None, Some(0.25))
    );
}

#[test]
fn the_flow_cell_type_is_sent_as_the_instrument_names_it() {
    let Some(shared) = shared_interop() else {
        return;
    };
    for (folder, expected) in [
        (
            "illuminate_hiseq2500_140213_average_run",
            Some("HiSeq Rapid Flow Cell v1"),
        ),
        // MiSeq names its flow cell by the kit version.
        ("illuminate_miseq_2013-04_16_2-index", Some("Version2")),
        ("illuminate_nextseq500_160404_HW37NBGXX", None),
    ] {
        let (out, ingest) = dry_run(&shared.join("runs").join(folder));
        let ingest = ingest.unwrap_or_else(|| panic!("{folder}: {}", stderr(&out)));
        assert_eq!(
            ingest.configuration.flow_cell_type.as_deref(),
            expected,
            "{folder}"
        );
    }
}
