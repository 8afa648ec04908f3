//! Dashboard reads: the fleet, an instrument, its runs and their control limits; lab scoping.

use super::*;

#[tokio::test]
async fn fleet_is_scoped_to_the_callers_lab() {
    let env = env().await;
    env.fill().await;
    let cookie = env.login("ada@northgate.example").await;
    let (s, b) = env.get("/api/v1/fleet", Some(&cookie)).await;
    assert_eq!(s, StatusCode::OK);
    let fleet: Fleet = serde_json::from_slice(&b).unwrap();
    assert_eq!(fleet.lab.name, "Northgate Genomics Core");
    assert_eq!(fleet.lab.time_zone, "Europe/London");
    let mut serials: Vec<_> = fleet
        .instruments
        .iter()
        .map(|i| i.serial.as_str())
        .collect();
    serials.sort();
    assert_eq!(serials, ["A00317", "NB552091"]);
    let chiller = fleet
        .instruments
        .iter()
        .find(|i| i.serial == "NB552091")
        .unwrap();
    assert_eq!(
        chiller.health.thermal,
        Health::Critical,
        "the failing chiller shows"
    );
    assert_eq!(chiller.health.mechanical, Health::Ok);
    assert!(chiller.last_run_pct_q30.is_some() && chiller.last_report_at.is_some());

    // Riverside's instrument is invisible to Northgate: 404, not 403.
    let other = env.id("M03302");
    let (s, b) = env
        .get(&format!("/api/v1/instruments/{other}"), Some(&cookie))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&b).error, "not_found");
    let (s, _) = env
        .get(&format!("/api/v1/instruments/{other}/runs"), Some(&cookie))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn instrument_detail_and_runs_window() {
    let env = env().await;
    env.fill().await;
    let cookie = env.login("ada@northgate.example").await;
    let id = env.id("NB552091");
    let (s, b) = env
        .get(&format!("/api/v1/instruments/{id}"), Some(&cookie))
        .await;
    assert_eq!(s, StatusCode::OK);
    let d: InstrumentDetail = serde_json::from_slice(&b).unwrap();
    assert_eq!(
        (d.serial.as_str(), d.model.as_str(), d.nickname.as_str()),
        ("NB552091", "NextSeq 550", "Nimbus")
    );
    assert_eq!(
        d.control_software_version.as_deref(),
        Some("4.2.0.10"),
        "newest software version wins"
    );
    assert!(d.data_sharing);

    let all = runs(
        env.fleet.iter().find(|p| p.id == id).unwrap().instrument,
        &cfg(),
    );
    let (s, b) = env
        .get(
            &format!("/api/v1/instruments/{id}/runs?from=2026-01-01&to=2026-12-31"),
            Some(&cookie),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let list: RunList = serde_json::from_slice(&b).unwrap();
    assert_eq!(list.runs.len(), all.len());
    assert!(
        list.runs
            .windows(2)
            .all(|w| w[0].started_at <= w[1].started_at),
        "oldest first"
    );
    assert_eq!(list.runs[0].run_id, all[0].run_id);
    // Every field as it was sent, floats to the last bit.
    let mut sent = all.clone();
    sent.sort_by(|a, b| (a.started_at, &a.run_id).cmp(&(b.started_at, &b.run_id)));
    for (got, r) in list.runs.iter().zip(&sent) {
        let bits = |v: Option<f64>| v.map(f64::to_bits);
        assert_eq!(
            (
                &got.run_id,
                got.started_at,
                got.completed_at,
                &got.read_structure
            ),
            (&r.run_id, r.started_at, r.completed_at, &r.read_structure)
        );
        let s = &r.summary;
        assert_eq!(
            [
                bits(got.yield_gb),
                bits(got.pct_q30),
                bits(got.pct_pf),
                bits(got.cluster_density_k_mm2),
                bits(got.error_rate)
            ],
            [
                bits(s.yield_gb),
                bits(s.pct_q30),
                bits(s.pct_pf),
                bits(s.cluster_density_k_mm2),
                bits(s.error_rate)
            ],
            "{}",
            r.run_id
        );
        let c = &r.configuration;
        assert_eq!(
            (
                &got.reagent_kit_lot,
                &got.flow_cell_lot,
                &got.flow_cell_type,
                &got.control_software_version
            ),
            (
                &c.reagent_kit_lot,
                &c.flow_cell_lot,
                &c.flow_cell_type,
                &c.control_software_version
            )
        );
        assert!(got.flow_cell_type.is_some(), "{}", r.run_id);
    }

    // A narrower window holds only the runs started inside it.
    let (s, b) = env
        .get(
            &format!("/api/v1/instruments/{id}/runs?from=2026-06-01&to=2026-06-15"),
            Some(&cookie),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let june: RunList = serde_json::from_slice(&b).unwrap();
    let (from, to): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) = (
        "2026-06-01T00:00:00Z".parse().unwrap(),
        "2026-06-16T00:00:00Z".parse().unwrap(),
    );
    let expected = all
        .iter()
        .filter(|r| r.started_at >= from && r.started_at < to)
        .count();
    assert_eq!(june.runs.len(), expected);
    assert!(expected > 0);
}

#[tokio::test]
async fn bad_date_ranges_and_ids_answer_400_or_404_with_json() {
    let env = env().await;
    let cookie = env.login("ada@northgate.example").await;
    let id = env.id("A00317");
    for q in [
        "from=yesterday",
        "to=2026-13-40",
        "from=2026-06-02&to=2026-06-01",
    ] {
        let (s, b) = env
            .get(&format!("/api/v1/instruments/{id}/runs?{q}"), Some(&cookie))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}");
        let e = error_of(&b);
        assert_eq!(e.error, "bad_request");
        assert!(!e.detail.is_empty());
    }
    for path in [
        "/api/v1/instruments/999999",
        "/api/v1/instruments/abc",
        "/api/v1/nothing-here",
    ] {
        let (s, b) = env.get(path, Some(&cookie)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_of(&b).error, "not_found");
    }
}

#[tokio::test]
async fn control_limits_flag_the_bad_reagent_lot_runs() {
    use seqhealth_agent::simulate::BAD_REAGENT_LOT;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_db_url(dir.path()).await;
    let pool = db::connect(&url).await.unwrap();
    let fleet = provision(&pool, Some(&["VH00412"])).await.unwrap().unwrap();
    let state = AppState::new(pool.clone());
    let env = Env {
        app: app(state.clone(), None),
        state,
        db: pool,
        url,
        fleet,
        _dir: dir,
    };
    let year = SimConfig::demo(7, "2026-06-30T00:00:00Z".parse().unwrap());
    let p = &env.fleet[0];
    for r in runs(p.instrument, &year) {
        let (s, v) = env
            .ingest("runs", &p.token, &serde_json::to_value(&r).unwrap())
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let ada = env.login("ada@northgate.example").await;
    let (s, b) = env
        .get(
            &format!(
                "/api/v1/instruments/{}/runs?from=2025-06-01&to=2026-06-30",
                p.id
            ),
            Some(&ada),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let list: RunList = serde_json::from_slice(&b).unwrap();
    assert!(
        !list.control.is_empty(),
        "control limits for the read structures in view"
    );
    let c = &list.control[0];
    assert!(
        c.lower < c.center && c.center < c.upper && c.baseline_runs >= 8,
        "{c:?}"
    );
    assert_eq!(c.floor, Some(85.0), "NextSeq 2000 2×151 floor");
    let is_bad = |r: &seqhealth_api::RunRow| r.reagent_kit_lot.as_deref() == Some(BAD_REAGENT_LOT);
    let bad: Vec<_> = list.runs.iter().filter(|r| is_bad(r)).collect();
    assert!(bad.len() >= 3);
    let flagged = |r: &&&seqhealth_api::RunRow| {
        r.q30_signals
            .iter()
            .any(|s| s.side == "below" && s.severity >= seqhealth_api::Severity::Warning)
    };
    let caught = bad.iter().filter(flagged).count();
    assert!(
        caught * 10 >= bad.len() * 8,
        "{caught} of {} bad-lot runs flagged",
        bad.len()
    );
    let good: Vec<_> = list.runs.iter().filter(|r| !is_bad(r)).collect();
    let false_alarms = good.iter().filter(flagged).count();
    assert!(
        false_alarms * 10 <= good.len(),
        "{false_alarms} of {} good runs flagged",
        good.len()
    );
}

/// The fleet's rows, the warnings list and predictions are kept between reads (cache.rs);
/// every change under them must show on the very next read.
#[tokio::test]
async fn kept_fleet_rows_lists_and_predictions_follow_every_change_at_once() {
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let token = env.token("A00317").to_string();
    let id = env.id("A00317");
    let fleet = |cookie: String| {
        let env = &env;
        async move {
            let (s, b) = env.get("/api/v1/fleet", Some(&cookie)).await;
            assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
            let fleet: Fleet = serde_json::from_slice(&b).unwrap();
            fleet.instruments.into_iter().find(|i| i.id == id).unwrap()
        }
    };
    let version = || async {
        sqlx::query_scalar::<_, i64>("SELECT data_version FROM instruments WHERE id = $1")
            .bind(id)
            .fetch_one(&env.db)
            .await
            .unwrap()
    };
    let first = fleet(ada.clone()).await;
    assert_eq!(first.health.thermal, Health::Unknown);
    assert_eq!(fleet(ada.clone()).await, first, "a second read is the same");

    // The chiller far above its critical limit: critical on the next read.
    let now = chrono::Utc::now() - chrono::Duration::minutes(5);
    let push = |batch_id: &'static str, at: chrono::DateTime<chrono::Utc>, value: f64| {
        let batch = json!({
            "batch_id": batch_id,
            "readings": [{ "at": at, "subsystem": "thermal", "sensor": "chiller_temp_c", "value": value }],
        });
        let (env, token) = (&env, token.clone());
        async move {
            let (s, v) = env.ingest("telemetry", &token, &batch).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
    };
    let before = version().await;
    push("hot", now, 15.0).await;
    assert!(
        version().await > before,
        "a new reading bumps the instrument's version"
    );
    assert_eq!(fleet(ada.clone()).await.health.thermal, Health::Critical);
    let open_warnings = || async {
        let (s, b) = env.get("/api/v1/warnings", Some(&ada)).await;
        assert_eq!(s, StatusCode::OK);
        let list: seqhealth_api::WarningList = serde_json::from_slice(&b).unwrap();
        list.warnings
            .iter()
            .filter(|w| w.instrument_id == id)
            .map(|w| w.rule.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(open_warnings().await, ["threshold:chiller_temp_c"]);
    // Back in band: the warning resolves and the subsystem is OK again at once.
    push("cool", now + chrono::Duration::minutes(1), 4.0).await;
    assert_eq!(fleet(ada.clone()).await.health.thermal, Health::Ok);
    assert!(
        open_warnings().await.is_empty(),
        "the kept list follows the resolution"
    );
    // An older resent value does not move the newest reading, so nothing changes.
    let v = version().await;
    push("late", now - chrono::Duration::hours(1), 4.5).await;
    let after_late = fleet(ada.clone()).await;
    assert_eq!(after_late.health.thermal, Health::Ok);
    assert!(
        version().await > v,
        "its daily bucket changed: predictions must recompute"
    );

    // A run: the fleet's last-run column follows.
    let run = runs(
        env.fleet.iter().find(|p| p.id == id).unwrap().instrument,
        &cfg(),
    )
    .pop()
    .unwrap();
    let (s, v) = env
        .ingest("runs", &token, &serde_json::to_value(&run).unwrap())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let with_run = fleet(ada.clone()).await;
    assert_eq!(with_run.last_run_pct_q30, run.summary.pct_q30);
    assert!(with_run.last_run_at.is_some() && first.last_run_at.is_none());

    // Another lab's change does not touch Northgate's version, and Riverside sees its own.
    let lab_version = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT data_version FROM labs WHERE id = (SELECT lab_id FROM instruments WHERE id = $1)",
        )
        .bind(id)
        .fetch_one(&env.db)
        .await
        .unwrap()
    };
    let northgate = lab_version().await;
    let riverside_token = env.token("M03302").to_string();
    let batch = json!({
        "batch_id": "riverside",
        "readings": [{ "at": now, "subsystem": "thermal", "sensor": "chiller_temp_c", "value": 15.0 }],
    });
    let (s, v) = env.ingest("telemetry", &riverside_token, &batch).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(lab_version().await, northgate);
    assert_eq!(fleet(ada.clone()).await, with_run);
}

#[tokio::test]
async fn a_window_with_more_runs_than_a_page_keeps_the_newest() {
    use seqhealth_api::{RunConfiguration, RunIngest, RunSummary, MAX_RUNS};
    let env = env().await;
    let cookie = env.login("ada@northgate.example").await;
    let serial = "A00317";
    let start: chrono::DateTime<chrono::Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    let total = MAX_RUNS + 2;
    for k in 0..total {
        let run = RunIngest {
            run_id: format!("run-{k:05}"),
            started_at: start + chrono::Duration::hours(k as i64),
            completed_at: None,
            read_structure: "151-8-8-151".into(),
            configuration: RunConfiguration {
                control_software_version: None,
                rta_version: None,
                flow_cell_id: None,
                flow_cell_lot: None,
                reagent_kit_lot: None,
                chemistry: None,
                flow_cell_type: None,
            },
            summary: RunSummary {
                yield_gb: Some(k as f64 / 3.0),
                pct_q30: Some(90.0 - (k % 7) as f64 * 0.1),
                pct_pf: None,
                cluster_density_k_mm2: None,
                error_rate: None,
            },
        };
        let (s, v) = env
            .ingest(
                "runs",
                env.token(serial),
                &serde_json::to_value(&run).unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let id = env.id(serial);
    let list: RunList = env
        .get_json(
            &format!("/api/v1/instruments/{id}/runs?from=2025-12-01&to=2026-12-31"),
            &cookie,
        )
        .await;
    assert!(list.truncated);
    assert_eq!(list.runs.len(), MAX_RUNS);
    assert_eq!(list.runs[0].run_id, "run-00002", "the oldest two fall off");
    assert_eq!(
        list.runs[MAX_RUNS - 1].run_id,
        format!("run-{:05}", total - 1)
    );
    assert_eq!(list.runs[0].yield_gb, Some(2.0 / 3.0));
    assert_eq!(list.runs[0].pct_pf, None);
    // One fewer than the page: all of them, not truncated.
    let list: RunList = env
        .get_json(
            &format!("/api/v1/instruments/{id}/runs?from=2026-01-01T03:00:00Z&to=2026-12-31"),
            &cookie,
        )
        .await;
    assert!(!list.truncated);
    assert_eq!(list.runs.len(), total - 3);
}

#[tokio::test]
async fn kept_lists_are_gzipped_for_browsers_that_accept_it() {
    use flate2::read::GzDecoder;
    use std::io::Read;
    use tower::ServiceExt;
    let env = env().await;
    env.fill().await;
    let cookie = env.login("ada@northgate.example").await;
    for path in [
        "/api/v1/fleet",
        "/api/v1/warnings?status=all",
        "/api/v1/replacements",
        "/api/v1/audit",
    ] {
        let (s, plain) = env.get(path, Some(&cookie)).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        for _ in 0..2 {
            // Twice: the second is served from the kept gzip.
            let req = Request::get(path)
                .header(header::COOKIE, &cookie)
                .header(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")
                .body(Body::empty())
                .unwrap();
            let resp = env.app.clone().oneshot(req).await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
            let headers = resp.headers().clone();
            assert_eq!(headers[header::VARY], "accept-encoding", "{path}");
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            let unzipped = if plain.len() >= 1_024 {
                assert_eq!(headers[header::CONTENT_ENCODING], "gzip", "{path}");
                assert!(
                    body.len() < plain.len(),
                    "{path}: {} of {}",
                    body.len(),
                    plain.len()
                );
                let mut out = Vec::new();
                GzDecoder::new(&body[..]).read_to_end(&mut out).unwrap();
                out
            } else {
                assert!(headers.get(header::CONTENT_ENCODING).is_none(), "{path}");
                body.to_vec()
            };
            assert_eq!(unzipped, plain, "{path}: the same JSON");
        }
    }
}

/// The fleet lists what needs attention first: critical, then warnings, then instruments
/// without data, then healthy ones (by site and name within each).
#[tokio::test]
async fn the_fleet_lists_what_needs_attention_first() {
    let env = env_of(&["M04210", "VH00412", "A02250", "NB552091", "M06617"]).await;
    // Northgate: Mira (M04210) healthy, Vega (VH00412) healthy, Nimbus (NB552091) with a
    // failing chiller; only Mira and Nimbus report, Vega has never sent anything.
    let cfg = SimConfig { days: 30, ..cfg() };
    for p in env
        .fleet
        .iter()
        .filter(|p| p.instrument.serial != "VH00412")
    {
        for b in telemetry(p.instrument, &cfg) {
            let (s, v) = env
                .ingest("telemetry", &p.token, &serde_json::to_value(&b).unwrap())
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
    }
    let cookie = env.login("ada@northgate.example").await;
    let fleet: Fleet = env.get_json("/api/v1/fleet", &cookie).await;
    let order: Vec<&str> = fleet
        .instruments
        .iter()
        .map(|i| i.serial.as_str())
        .collect();
    assert_eq!(
        order,
        ["NB552091", "VH00412", "M04210"],
        "critical, no data, OK"
    );
}
