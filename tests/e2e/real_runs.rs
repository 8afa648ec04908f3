//! Health from real instruments: a MiSeq the lab adds and enrolls, fed by nothing but the
//! shared real run folders through the agent's own code (no simulator, no sensor), shows
//! every subsystem's health "from the last run" and the derived signals' charts.

use crate::harness::*;
use seqhealth_agent::push::Pusher;
use seqhealth_agent::spool::Spool;
use seqhealth_agent::watch::queue_new;

/// Sends what the agent's watch code spooled, in order, as the agent does.
async fn send_spooled(agent: &Pusher, spool: &Spool) -> usize {
    let mut sent = 0;
    for path in spool.pending().unwrap() {
        let bytes = std::fs::read(&path).unwrap();
        if path.to_string_lossy().ends_with(".telemetry.json") {
            let batch = serde_json::from_slice(&bytes).unwrap();
            agent.telemetry(&batch).await.unwrap();
        } else {
            agent
                .run(&serde_json::from_slice(&bytes).unwrap())
                .await
                .unwrap();
        }
        std::fs::remove_file(&path).unwrap();
        sent += 1;
    }
    sent
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instrument_fed_only_by_its_run_folders_has_derived_health() {
    let Some(shared) = shared_runs() else { return };
    let (mut server, browser) = start_as("ada@northgate.example").await;
    let base = server.base.clone();
    let b = &browser;

    // Ada adds a MiSeq; its agent enrolls with the one-time code.
    let ada = as_ada(&base).await;
    let code: seqhealth_api::EnrollmentCode = ada
        .post(format!("{base}/api/v1/instruments"))
        .json(
            &serde_json::json!({ "model": "MiSeq", "serial": "M07777", "nickname": "Bench MiSeq" }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let enrolled = Pusher::with_ca(&base, "", None)
        .unwrap()
        .enroll(&code.code)
        .await
        .unwrap();

    // Its runs folder: three real MiSeq runs, summarised and spooled by the agent's watch
    // code, then sent as the agent sends them.
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    for f in [
        "illuminate_miseq_2013-04_16_2-index",
        "illuminate_miseq_2013-04_10_has_errors",
        "illuminate_miseq_2014-02_11_50kit_single_read",
    ] {
        copy_dir(&shared.join(f), &runs.join(f));
        std::fs::write(runs.join(f).join("RTAComplete.txt"), "done").unwrap();
    }
    let spool = Spool::open(&tmp.path().join("spool")).unwrap();
    queue_new(&runs, &spool).unwrap();
    let agent = Pusher::new(&base, &enrolled.token);
    let sent = send_spooled(&agent, &spool).await;
    assert_eq!(sent, 6, "three runs and their three signal batches");

    b.client
        .goto(&format!("{base}/instruments/{}", code.instrument_id))
        .await
        .unwrap();
    let health = b.wait_text("main", &["from the last run"]).await;
    // The page opens with its verdict and links to its sections; open warnings come
    // before the configuration.
    assert_eq!(
        b.text("p.verdict").await,
        "OK: every subsystem within its band."
    );
    assert_eq!(b.count("nav.sections a").await, 5);
    let order = b
        .client
        .execute(
            "return document.getElementById('open-warnings-heading')
                .compareDocumentPosition(document.getElementById('config-heading'));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(order.as_u64().unwrap() & 4, 4, "warnings first");
    assert!(
        !health.contains("No data"),
        "every subsystem has health: {health}"
    );
    // The derived signals are charted, with their MiSeq bands; no simulated sensor is.
    // Eight run figures and four per laser (focus and early intensity, red and green).
    b.wait_count("figure.sensor", 12).await;
    assert_eq!(b.count("figure.sensor[data-sensor='run_fwhm_px']").await, 1);
    assert_eq!(
        b.count("figure.sensor[data-sensor='chiller_temp_c']").await,
        0
    );
    b.screenshot("real-runs-instrument").await;

    // A month of recent runs (the project's InterOp writer) whose cycle-1 intensity falls
    // by 6 counts a run: the chart draws them with the MiSeq band, and the prediction
    // counts the runs left at this instrument's pace.
    let now = Utc::now().timestamp();
    let recent = tmp.path().join("recent");
    for k in 0..30u32 {
        let run_id = format!("261101_M07777_{:04}_000000000-SYN{k:02}", k + 1);
        let dir = recent.join(&run_id);
        seqhealth_interop::write::SyntheticRun {
            run_id,
            instrument: "M07777".into(),
            reads: vec![(51, false)],
            lanes: 1,
            channels: ["A", "C", "G", "T"].map(String::from).to_vec(),
            tile_version: Some(2),
            extraction_version: Some(2),
            focus_fwhm: 2.6,
            intensity: (390.0 - 6.0 * f64::from(k)) / 1.3,
            intensity_decay_per_cycle: -0.008,
            imaged_from: Some((now - i64::from(29 - k) * 86_400 - 6 * 3_600, 4.0)),
            seed: 11 + u64::from(k),
            ..Default::default()
        }
        .write(&dir)
        .unwrap();
        std::fs::write(dir.join("RTAComplete.txt"), "done").unwrap();
    }
    queue_new(&recent, &spool).unwrap();
    assert_eq!(send_spooled(&agent, &spool).await, 60);
    b.client.refresh().await.unwrap();
    let predictions = b.wait_text("main", &["more runs at"]).await;
    assert!(predictions.contains("a week"), "{predictions}");
    b.wait_text("main", &["from the last run"]).await;
    b.screenshot_of(
        "section[aria-labelledby='sensors-heading']",
        "real-runs-signals",
    )
    .await;
    b.screenshot("real-runs-recent").await;
    b.screenshot_of(
        "section[aria-labelledby='sensors-heading']",
        "real-runs-signals",
    )
    .await;
    browser.close().await;
    server.stop().await;
}
