//! What instruments push: idempotency and bad input.

use super::*;

#[tokio::test]
async fn ingest_is_idempotent() {
    let env = env().await;
    let p = &env.fleet[0];
    let run = serde_json::to_value(&runs(p.instrument, &cfg())[0]).unwrap();
    let (s, v) = env.ingest("runs", &p.token, &run).await;
    assert_eq!(s, StatusCode::OK);
    assert!(serde_json::from_value::<IngestAck>(v).unwrap().stored);
    let (s, v) = env.ingest("runs", &p.token, &run).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!serde_json::from_value::<IngestAck>(v).unwrap().stored);
    assert_eq!(env.count("runs").await, 1);

    let batch = serde_json::to_value(&telemetry(p.instrument, &cfg())[0]).unwrap();
    let (s, v) = env.ingest("telemetry", &p.token, &batch).await;
    assert_eq!(s, StatusCode::OK);
    let ack: IngestAck = serde_json::from_value(v).unwrap();
    assert!(ack.stored && ack.readings > 0);
    let readings = env.count("sensor_readings").await;
    assert_eq!(readings as usize, ack.readings);
    let (_, v) = env.ingest("telemetry", &p.token, &batch).await;
    assert!(!serde_json::from_value::<IngestAck>(v).unwrap().stored);
    assert_eq!(env.count("sensor_readings").await, readings);
    assert_eq!(env.count("telemetry_batches").await, 1);
}

#[tokio::test]
async fn bad_ingest_answers_4xx_with_json_and_changes_nothing() {
    let env = env().await;
    let token = env.token("A00317").to_string();
    let good = serde_json::to_value(&runs(env.fleet[0].instrument, &cfg())[0]).unwrap();
    let mut unknown_field = good.clone();
    unknown_field["experiment_name"] = json!("Patient 12 tumour");
    let mut bad_q30 = good.clone();
    bad_q30["summary"]["pct_q30"] = json!(130.0);
    let mut bad_id = good.clone();
    bad_id["run_id"] = json!("");
    let cases: Vec<(&str, String, Option<&str>, StatusCode, &str)> = vec![
        (
            "malformed",
            "{\"run_id\": ".into(),
            Some(&token),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "unknown field",
            unknown_field.to_string(),
            Some(&token),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            "out of range",
            bad_q30.to_string(),
            Some(&token),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "empty id",
            bad_id.to_string(),
            Some(&token),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "wrong token",
            good.to_string(),
            Some("0000"),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "no token",
            good.to_string(),
            None,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "oversized",
            format!("{{\"pad\": \"{}\"}}", "x".repeat(3 * 1024 * 1024)),
            Some(&token),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (name, body, token, status, error) in cases {
        let mut req =
            Request::post("/api/v1/ingest/runs").header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let (s, b, _) = env.send(req.body(Body::from(body)).unwrap()).await;
        assert_eq!(s, status, "{name}: {}", String::from_utf8_lossy(&b));
        let e = error_of(&b);
        assert_eq!(e.error, error, "{name}: {}", e.detail);
        assert!(!e.detail.is_empty(), "{name}");
    }
    // A telemetry batch with one bad reading is refused whole.
    let mut batch = serde_json::to_value(&telemetry(env.fleet[0].instrument, &cfg())[0]).unwrap();
    batch["readings"][3]["sensor"] = json!("Robert'); DROP TABLE runs;--");
    let (s, v) = env.ingest("telemetry", &token, &batch).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("readings[3].sensor"),
        "{v}"
    );
    for table in [
        "runs",
        "telemetry_batches",
        "sensor_readings",
        "operation_events",
    ] {
        assert_eq!(env.count(table).await, 0, "{table} is untouched");
    }
}

#[tokio::test]
async fn readings_from_a_clock_far_ahead_are_refused_and_change_nothing() {
    let env = env().await;
    let token = env.token("A00317").to_string();
    let future = chrono::Utc::now() + chrono::Duration::days(400);
    let batch = json!({
        "batch_id": "from-the-future",
        "readings": [
            { "at": chrono::Utc::now(), "subsystem": "optical", "sensor": "laser_power_pct", "value": 99.0 },
            { "at": future, "subsystem": "optical", "sensor": "laser_power_pct", "value": 50.0 }
        ],
    });
    let (s, v) = env.ingest("telemetry", &token, &batch).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("readings[1].at"),
        "{v}"
    );
    for table in [
        "telemetry_batches",
        "sensor_readings",
        "sensor_latest",
        "sensor_buckets",
        "warnings",
    ] {
        assert_eq!(env.count(table).await, 0, "{table}");
    }
    let mut run = serde_json::to_value(&runs(env.fleet[0].instrument, &cfg())[0]).unwrap();
    run["started_at"] = json!(future);
    let (s, _) = env.ingest("runs", &token, &run).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Out of order and duplicated batches leave one copy of each reading and true buckets.
    let batches = telemetry(
        env.fleet
            .iter()
            .find(|p| p.instrument.serial == "A00317")
            .unwrap()
            .instrument,
        &cfg(),
    );
    for b in batches.iter().rev().chain(batches.iter()) {
        let (s, _) = env
            .ingest("telemetry", &token, &serde_json::to_value(b).unwrap())
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let readings: usize = batches.iter().map(|b| b.readings.len()).sum();
    assert_eq!(env.count("sensor_readings").await as usize, readings);
    let bucketed: i64 =
        sqlx::query_scalar("SELECT CAST(SUM(n) AS BIGINT) FROM sensor_buckets WHERE width = 86400")
            .fetch_one(&env.db)
            .await
            .unwrap();
    assert_eq!(
        bucketed as usize, readings,
        "every reading counted once in the daily buckets"
    );
}
