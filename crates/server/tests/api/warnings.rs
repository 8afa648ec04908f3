//! Warnings: thresholds, acknowledgement, missing data, repeated error codes.

use super::*;

#[tokio::test]
async fn out_of_band_readings_raise_warnings_that_managers_acknowledge_and_that_resolve() {
    use seqhealth_api::{Severity, Subsystem, WarningList, WarningRow, WarningStatus};
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let (s, b) = env.get("/api/v1/warnings", Some(&ada)).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let list: WarningList = serde_json::from_slice(&b).unwrap();
    let chiller_id = env.id("NB552091");
    let chiller = list
        .warnings
        .iter()
        .find(|w| w.instrument_id == chiller_id && w.rule == "threshold:chiller_temp_c")
        .expect("the failing chiller raised a warning");
    assert_eq!(
        (chiller.severity, chiller.subsystem, chiller.status),
        (
            Severity::Critical,
            Subsystem::Thermal,
            WarningStatus::Active
        )
    );
    assert!(
        chiller
            .message
            .contains(", above the 10.0 °C critical limit"),
        "{}",
        chiller.message
    );
    // It says what to do.
    assert!(
        chiller.message.ends_with(
            "; check the reagent chiller's door, fan and coolant, and move reagents elsewhere \
             while it is warm; if it does not recover, book a replacement of the reagent chiller"
        ),
        "{}",
        chiller.message
    );
    // Kept open by a later reading, it says when the one its message quotes came.
    assert_eq!(chiller.latest_at, None, "raised by its latest reading");
    let later = chiller.raised_at + chrono::Duration::days(3);
    let batch = json!({
        "batch_id": "still-hot-1",
        "readings": [{ "at": later, "subsystem": "thermal", "sensor": "chiller_temp_c", "value": 11.7 }],
    });
    let (s, v) = env.ingest("telemetry", env.token("NB552091"), &batch).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let list: WarningList = env.get_json("/api/v1/warnings", &ada).await;
    let followed = list.warnings.iter().find(|w| w.id == chiller.id).unwrap();
    assert_eq!(followed.raised_at, chiller.raised_at);
    assert_eq!(followed.latest_at, Some(later));
    assert!(followed.message.contains("11.7"), "{}", followed.message);
    let riverside = env.id("M03302");
    assert!(
        list.warnings.iter().all(|w| w.instrument_id != riverside),
        "Riverside's warnings stay in Riverside"
    );

    // Filters, and a bad filter.
    let only: WarningList = env
        .get_json("/api/v1/warnings?severity=critical&subsystem=thermal", &ada)
        .await;
    assert!(!only.warnings.is_empty());
    assert!(only
        .warnings
        .iter()
        .all(|w| w.severity == Severity::Critical && w.subsystem == Subsystem::Thermal));
    for q in [
        "status=bogus",
        "severity=high",
        "subsystem=plumbing",
        "instrument=x",
    ] {
        let (s, b) = env.get(&format!("/api/v1/warnings?{q}"), Some(&ada)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(error_of(&b).error, "bad_request");
    }

    // Acknowledging: viewers may not, another lab cannot see it, a reason is required, once only.
    let path = format!("/api/v1/warnings/{}/acknowledge", chiller.id);
    let grace = env.login("grace@northgate.example").await;
    let (s, b) = post_json(&env, &path, &grace, json!({ "reason": "seen" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(error_of(&b).error, "forbidden");
    let rosalind = env.login("rosalind@riverside.example").await;
    let (s, _) = post_json(&env, &path, &rosalind, json!({ "reason": "seen" })).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = post_json(&env, &path, &ada, json!({ "reason": "   " })).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, b) = post_json(
        &env,
        &path,
        &ada,
        json!({ "reason": "Service engineer booked for Tuesday" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let acked: WarningRow = serde_json::from_slice(&b).unwrap();
    assert_eq!(acked.status, WarningStatus::Acknowledged);
    assert_eq!(acked.acknowledged_by.as_deref(), Some("Ada Lovelace"));
    assert_eq!(
        acked.acknowledge_reason.as_deref(),
        Some("Service engineer booked for Tuesday")
    );
    assert!(acked.acknowledged_at.is_some());
    let (s, b) = post_json(&env, &path, &ada, json!({ "reason": "again" })).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(error_of(&b).detail.contains("acknowledged"));

    // The chiller is repaired: a normal reading resolves the warning; it stays in the history.
    let at = chrono::Utc::now().timestamp();
    let batch = json!({
        "batch_id": "repair-1",
        "readings": [{ "at": chrono::DateTime::from_timestamp(at, 0).unwrap(), "subsystem": "thermal", "sensor": "chiller_temp_c", "value": 4.1 }],
    });
    let (s, v) = env.ingest("telemetry", env.token("NB552091"), &batch).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let open: WarningList = env
        .get_json(&format!("/api/v1/warnings?instrument={chiller_id}"), &ada)
        .await;
    assert!(
        open.warnings.iter().all(|w| w.id != chiller.id),
        "resolved warnings are not open"
    );
    let history: WarningList = env
        .get_json(
            &format!("/api/v1/warnings?status=resolved&instrument={chiller_id}"),
            &ada,
        )
        .await;
    let resolved = history
        .warnings
        .iter()
        .find(|w| w.id == chiller.id)
        .expect("kept as history");
    assert_eq!(resolved.status, WarningStatus::Resolved);
    assert!(resolved.resolved_at.is_some());
    assert_eq!(
        resolved.latest_at, None,
        "history shows when it was raised and resolved"
    );
    assert_eq!(
        resolved.acknowledged_by.as_deref(),
        Some("Ada Lovelace"),
        "who acknowledged is kept"
    );
}

#[tokio::test]
async fn silent_subsystems_raise_missing_data_warnings_that_resolve_when_data_returns() {
    use seqhealth_api::{InstrumentDetail, WarningList};
    use seqhealth_server::domain::warnings::sweep_missing_data;
    let env = env().await;
    env.fill().await;
    let end = cfg().end.timestamp();
    // A day after the last readings (usually every 6 h): late, but not a fault.
    assert_eq!(sweep_missing_data(&env.db, end + 86_400).await.unwrap(), 0);
    // Four days of silence: every subsystem of every instrument is missing data.
    assert_eq!(
        sweep_missing_data(&env.db, end + 4 * 86_400).await.unwrap(),
        3 * 4
    );
    let ada = env.login("ada@northgate.example").await;
    let id = env.id("A00317");
    let list: WarningList = env
        .get_json(
            &format!("/api/v1/warnings?instrument={id}&subsystem=mechanical"),
            &ada,
        )
        .await;
    let missing = list
        .warnings
        .iter()
        .find(|w| w.rule == "missing_data:mechanical")
        .expect("a missing-data warning");
    assert!(
        missing.message.contains("no mechanical readings for"),
        "{}",
        missing.message
    );
    let detail: InstrumentDetail = env
        .get_json(&format!("/api/v1/instruments/{id}"), &ada)
        .await;
    assert_eq!(
        detail.health.mechanical,
        Health::Warning,
        "missing data shows in the subsystem's health"
    );
    let last = detail
        .freshness
        .mechanical
        .expect("freshness is reported")
        .timestamp();
    assert!(last <= end && last > end - 86_400);

    // The instrument reports again: its warnings resolve at the next sweep, the others stay.
    let at = chrono::DateTime::from_timestamp(end + 4 * 86_400 + 60, 0).unwrap();
    let readings: Vec<Value> = seqhealth_agent::simulate::SIM_SENSORS
        .iter()
        .map(|(sensor, subsystem)| json!({ "at": at, "subsystem": subsystem, "sensor": sensor, "value": 1.0 }))
        .collect();
    let (s, v) = env
        .ingest(
            "telemetry",
            env.token("A00317"),
            &json!({ "batch_id": "back-online", "readings": readings }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        sweep_missing_data(&env.db, end + 4 * 86_400 + 120)
            .await
            .unwrap(),
        2 * 4
    );
    let list: WarningList = env
        .get_json(
            &format!("/api/v1/warnings?instrument={id}&subsystem=mechanical"),
            &ada,
        )
        .await;
    assert!(
        list.warnings
            .iter()
            .all(|w| !w.rule.starts_with("missing_data")),
        "{list:?}"
    );
}

#[tokio::test]
async fn a_repeated_error_code_raises_a_warning_that_clears_when_the_errors_stop() {
    use seqhealth_api::{Subsystem, WarningList};
    use seqhealth_server::domain::warnings::sweep_missing_data;
    let env = env().await;
    let token = env.token("M03302").to_string();
    let t0 = chrono::Utc::now() - chrono::Duration::hours(3);
    let event = |m: i64, severity: &str| json!({ "at": t0 + chrono::Duration::minutes(m), "subsystem": "fluidics", "code": "FLUIDICS_BUBBLE_DETECTED", "severity": severity });
    // Two errors and a warning-level event: not yet.
    let batch = json!({ "batch_id": "e1", "events": [event(0, "error"), event(30, "warning"), event(60, "error")] });
    assert_eq!(
        env.ingest("telemetry", &token, &batch).await.0,
        StatusCode::OK
    );
    let rosalind = env.login("rosalind@riverside.example").await;
    let list: WarningList = env.get_json("/api/v1/warnings", &rosalind).await;
    assert!(list.warnings.is_empty(), "{list:?}");
    // A third error within the day.
    let batch = json!({ "batch_id": "e2", "events": [event(120, "error")] });
    assert_eq!(
        env.ingest("telemetry", &token, &batch).await.0,
        StatusCode::OK
    );
    let list: WarningList = env.get_json("/api/v1/warnings", &rosalind).await;
    let w = list
        .warnings
        .iter()
        .find(|w| w.rule == "repeated:FLUIDICS_BUBBLE_DETECTED")
        .expect("a warning");
    assert_eq!(w.subsystem, Subsystem::Fluidics);
    assert!(w.message.contains("logged 3 times"), "{}", w.message);
    // Two quiet days later the sweep resolves it.
    sweep_missing_data(&env.db, (t0 + chrono::Duration::days(2)).timestamp())
        .await
        .unwrap();
    let list: WarningList = env
        .get_json("/api/v1/warnings?status=resolved", &rosalind)
        .await;
    assert!(list.warnings.iter().any(|x| x.id == w.id), "{list:?}");
}

#[tokio::test]
async fn a_fast_change_inside_the_band_raises_a_rate_warning_that_clears_when_it_settles() {
    use seqhealth_api::{WarningList, WarningStatus};
    let env = env().await;
    let token = env.token("A00317").to_string();
    let ada = env.login("ada@northgate.example").await;
    let start = chrono::Utc::now() - chrono::Duration::hours(100);
    // Hourly chiller readings: steady at 4 °C, then warming 2 °C/day, still inside 2–7 °C.
    let reading = |h: i64, value: f64| {
        json!({ "at": start + chrono::Duration::hours(h), "subsystem": "thermal",
                "sensor": "chiller_temp_c", "value": value })
    };
    let steady: Vec<Value> = (0..24)
        .map(|h| reading(h, 4.0 + 0.01 * (h % 3) as f64))
        .collect();
    let warming: Vec<Value> = (24..54)
        .map(|h| reading(h, 4.0 + 2.0 * (h - 24) as f64 / 24.0))
        .collect();
    for (id, readings) in [("steady", steady), ("warming", warming)] {
        let (s, v) = env
            .ingest(
                "telemetry",
                &token,
                &json!({ "batch_id": id, "readings": readings, "events": [] }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let list: WarningList = env.get_json("/api/v1/warnings", &ada).await;
    let rate = list
        .warnings
        .iter()
        .find(|w| w.rule == "rate:chiller_temp_c")
        .expect("warming 2 °C/day raises a rate-of-change warning");
    assert!(rate.message.contains("rising"), "{}", rate.message);
    assert!(
        list.warnings
            .iter()
            .all(|w| w.rule != "threshold:chiller_temp_c"),
        "still inside its band: no threshold warning"
    );
    // It settles at 6.5 °C for two days: the warning resolves by itself.
    let settled: Vec<Value> = (54..100).map(|h| reading(h, 6.5)).collect();
    let (s, v) = env
        .ingest(
            "telemetry",
            &token,
            &json!({ "batch_id": "settled", "readings": settled, "events": [] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let all: WarningList = env.get_json("/api/v1/warnings?status=all", &ada).await;
    let after = all.warnings.iter().find(|w| w.id == rate.id).unwrap();
    assert_eq!(after.status, WarningStatus::Resolved);
}

#[tokio::test]
async fn a_q30_drift_raises_a_run_quality_warning_before_runs_fail() {
    use seqhealth_api::{RunControl, Severity, WarningList, WarningStatus};
    let env = env().await;
    let token = env.token("A00317").to_string();
    let ada = env.login("ada@northgate.example").await;
    let start = chrono::Utc::now() - chrono::Duration::days(60);
    let mut n = 0;
    // One run a day of the same read structure, %≥Q30 as given.
    let mut push = |q30s: Vec<f64>| {
        let runs: Vec<Value> = q30s
            .into_iter()
            .map(|q| {
                n += 1;
                let at = start + chrono::Duration::days(n);
                json!({
                    "run_id": format!("run-{n:03}"), "started_at": at, "completed_at": at + chrono::Duration::hours(20),
                    "read_structure": "151-8-8-151",
                    "configuration": { "control_software_version": "1.8.0", "rta_version": "v3.4.4",
                        "flow_cell_id": null, "flow_cell_lot": null, "reagent_kit_lot": null, "chemistry": null },
                    "summary": { "yield_gb": 2500.0, "pct_q30": q, "pct_pf": 80.0,
                        "cluster_density_k_mm2": 2900.0, "error_rate": 0.3 }
                })
            })
            .collect();
        runs
    };
    let open = |list: &WarningList| {
        list.warnings
            .iter()
            .find(|w| w.rule == "spc:q30:151-8-8-151")
            .cloned()
    };
    // The fleet's last run, judged against its kind's limits as it arrived.
    let atlas = env.id("A00317");
    let last_run = || async {
        let fleet: seqhealth_api::Fleet = env.get_json("/api/v1/fleet", &ada).await;
        let row = fleet.instruments.into_iter().find(|i| i.id == atlas);
        row.unwrap().last_run_control
    };
    assert_eq!(last_run().await, RunControl::NoLimits, "no run yet");
    // A steady baseline: no warning.
    let baseline: Vec<f64> = (0..20)
        .map(|i| 90.0 + [0.4, -0.4, 0.2, -0.2][i % 4])
        .collect();
    let mut baseline = push(baseline).into_iter();
    for body in baseline.by_ref().take(2) {
        let (s, v) = env.ingest("runs", &token, &body).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    assert_eq!(last_run().await, RunControl::NoLimits, "too few for limits");
    for body in baseline {
        let (s, v) = env.ingest("runs", &token, &body).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let list: WarningList = env.get_json("/api/v1/warnings", &ada).await;
    assert!(open(&list).is_none(), "in control");
    assert_eq!(last_run().await, RunControl::InControl);
    // Two of three runs well below: a warning, though the runs still pass the spec floor (75 %).
    for body in push(vec![88.8, 90.1, 88.7]) {
        env.ingest("runs", &token, &body).await;
    }
    let list: WarningList = env.get_json("/api/v1/warnings", &ada).await;
    let w = open(&list).expect("a drift raises a run-quality warning");
    assert_eq!(
        (w.severity, w.status),
        (Severity::Warning, WarningStatus::Active)
    );
    assert!(
        w.message.contains("2 of 3 beyond 2σ") && w.message.contains("run-023"),
        "{}",
        w.message
    );
    // The fleet colours that run as the instrument page's runs table flags it.
    let runs: seqhealth_api::RunList = env
        .get_json(&format!("/api/v1/instruments/{atlas}/runs"), &ada)
        .await;
    let newest = runs.runs.last().unwrap();
    assert_eq!(newest.run_id, "run-023");
    let expected = newest
        .q30_signals
        .iter()
        .max_by_key(|s| s.severity)
        .cloned()
        .expect("flagged on the instrument page");
    assert_eq!(last_run().await, RunControl::Flagged(expected.clone()));
    assert_eq!(
        (
            expected.rule.as_str(),
            expected.side.as_str(),
            expected.severity
        ),
        ("2 of 3 beyond 2σ", "below", Severity::Warning)
    );
    // Back in control: it resolves by itself.
    for body in push(vec![90.2, 89.9, 90.3]) {
        env.ingest("runs", &token, &body).await;
    }
    let all: WarningList = env.get_json("/api/v1/warnings?status=all", &ada).await;
    let after = all.warnings.iter().find(|x| x.id == w.id).unwrap();
    assert_eq!(after.status, WarningStatus::Resolved);

    // Drifting again, and then the agent is upgraded and names its flow cell: its runs are
    // a new group, and the old group's warning, which no run will ever clear, resolves.
    for body in push(vec![88.8, 90.1, 88.7]) {
        env.ingest("runs", &token, &body).await;
    }
    let list: WarningList = env.get_json("/api/v1/warnings", &ada).await;
    let again = open(&list).expect("the drift again");
    let mut named = push(vec![90.0]).remove(0);
    named["configuration"]["flow_cell_type"] = json!("S4");
    let (s, v) = env.ingest("runs", &token, &named).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let all: WarningList = env.get_json("/api/v1/warnings?status=all", &ada).await;
    let after = all.warnings.iter().find(|x| x.id == again.id).unwrap();
    assert_eq!(after.status, WarningStatus::Resolved);
}

#[tokio::test]
async fn q30_control_limits_are_kept_per_flow_cell_type() {
    use seqhealth_api::{RunList, WarningList};
    let env = env().await;
    let token = env.token("A00317").to_string();
    let ada = env.login("ada@northgate.example").await;
    let id = env.id("A00317");
    let start = chrono::Utc::now() - chrono::Duration::days(90);
    let mut n = 0;
    // 2×150 runs alternating an SP flow cell (~92 %) and an S4 (~86 %): one read
    // structure, two levels.
    let mut push = |flow_cell: &str, q30s: &[f64]| -> Vec<Value> {
        q30s.iter()
            .map(|q| {
                n += 1;
                let at = start + chrono::Duration::hours(12 * n);
                json!({
                    "run_id": format!("fc-{n:03}"), "started_at": at, "completed_at": null,
                    "read_structure": "151-8-8-151",
                    "configuration": { "control_software_version": "1.8.0", "rta_version": "v3.4.4",
                        "flow_cell_id": null, "flow_cell_lot": null, "reagent_kit_lot": null,
                        "chemistry": null, "flow_cell_type": flow_cell },
                    "summary": { "yield_gb": 2500.0, "pct_q30": q, "pct_pf": 80.0,
                        "cluster_density_k_mm2": 2900.0, "error_rate": 0.3 }
                })
            })
            .collect()
    };
    let wiggle = [0.4, -0.4, 0.2, -0.2];
    for i in 0..20 {
        for (fc, level) in [("SP", 92.0), ("S4", 86.0)] {
            for body in push(fc, &[level + wiggle[i % 4]]) {
                let (s, v) = env.ingest("runs", &token, &body).await;
                assert_eq!(s, StatusCode::OK, "{v}");
            }
        }
    }
    // Pooled, the S4 runs would sit 3σ below the SP runs and be flagged every time; apart,
    // each type is in control.
    let runs: RunList = env
        .get_json(&format!("/api/v1/instruments/{id}/runs"), &ada)
        .await;
    assert_eq!(runs.runs.len(), 40);
    let mut types: Vec<(Option<String>, f64)> = runs
        .control
        .iter()
        .map(|c| (c.flow_cell_type.clone(), (c.center * 10.0).round() / 10.0))
        .collect();
    types.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        types,
        vec![(Some("S4".into()), 86.0), (Some("SP".into()), 92.0)]
    );
    assert!(runs.runs.iter().all(|r| r.q30_signals.is_empty()));
    let list: WarningList = env.get_json("/api/v1/warnings", &ada).await;
    assert!(
        list.warnings.iter().all(|w| !w.rule.starts_with("spc:")),
        "{:?}",
        list.warnings
    );
    // A drift on S4 alone is that type's warning, named so.
    for body in push("S4", &[84.6, 86.1, 84.5]) {
        env.ingest("runs", &token, &body).await;
    }
    let list: WarningList = env.get_json("/api/v1/warnings", &ada).await;
    let w = list
        .warnings
        .iter()
        .find(|w| w.rule == "spc:q30:151-8-8-151:S4")
        .expect("the S4 drift raises its warning");
    assert!(w.message.contains("(151-8-8-151 on S4)"), "{}", w.message);
}
