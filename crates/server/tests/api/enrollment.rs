//! Adding an instrument, enrolling its agent with a one-time code, revoking its token,
//! and the agent's data-sharing switch.

use super::*;
use seqhealth_api::{Connection, Enrollment, EnrollmentCode};

fn new_instrument() -> Value {
    json!({ "model": "NextSeq 2000", "serial": "VH09999", "nickname": "Orion", "site": "Core lab" })
}

async fn enroll(env: &Env, code: &str) -> (StatusCode, Vec<u8>) {
    let req = Request::post("/api/v1/enroll")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "code": code }).to_string()))
        .unwrap();
    let (s, b, _) = env.send(req).await;
    (s, b)
}

#[tokio::test]
async fn a_manager_adds_an_instrument_whose_agent_enrolls_once_with_its_code() {
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let grace = env.login("grace@northgate.example").await;
    let before = env.count("instruments").await;

    // Viewers cannot add; bad input is named; a taken serial is a conflict.
    let (s, _) = post_json(&env, "/api/v1/instruments", &grace, new_instrument()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (bad, field) in [
        (
            json!({ "model": "Sanger 3730", "serial": "X1", "nickname": "n" }),
            "model",
        ),
        (
            json!({ "model": "MiSeq", "serial": "M 0/1", "nickname": "n" }),
            "serial",
        ),
        (
            json!({ "model": "MiSeq", "serial": "M01", "nickname": "" }),
            "nickname",
        ),
        (
            json!({ "model": "MiSeq", "serial": "NB552091", "nickname": "dup" }),
            "already registered",
        ),
    ] {
        let (s, b) = post_json(&env, "/api/v1/instruments", &ada, bad.clone()).await;
        assert!(s.is_client_error(), "{bad}");
        assert!(
            error_of(&b).detail.contains(field),
            "{field}: {}",
            error_of(&b).detail
        );
    }
    assert_eq!(env.count("instruments").await, before, "nothing created");

    let (s, b) = post_json(&env, "/api/v1/instruments", &ada, new_instrument()).await;
    assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    let code: EnrollmentCode = serde_json::from_slice(&b).unwrap();
    assert_eq!(code.code.len(), 11);
    let hours = (code.expires_at - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((23.9..=24.0).contains(&hours), "{hours} h");
    let fleet: Fleet = env.get_json("/api/v1/fleet", &ada).await;
    let orion = fleet
        .instruments
        .iter()
        .find(|i| i.serial == "VH09999")
        .unwrap();
    assert_eq!(orion.connection, Connection::AwaitingEnrollment);
    let theirs: Fleet = env
        .get_json(
            "/api/v1/fleet",
            &env.login("rosalind@riverside.example").await,
        )
        .await;
    assert!(theirs.instruments.iter().all(|i| i.serial != "VH09999"));

    // Wrong and malformed codes: 4xx, clear, nothing changes.
    let codes = env.count("enrollment_codes").await;
    for (bad, status, error) in [
        ("ZZZZZ-ZZZZZ", StatusCode::NOT_FOUND, "unknown_code"),
        ("12", StatusCode::BAD_REQUEST, "invalid_code"),
    ] {
        let (s, b) = enroll(&env, bad).await;
        assert_eq!((s, error_of(&b).error.as_str()), (status, error), "{bad}");
    }
    assert_eq!(env.count("enrollment_codes").await, codes);

    // The code, typed in lower case with spaces, enrolls; the token pushes a run.
    let typed = code.code.to_lowercase().replace('-', " ");
    let (s, b) = enroll(&env, &typed).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let enrolled: Enrollment = serde_json::from_slice(&b).unwrap();
    assert_eq!(
        (enrolled.serial.as_str(), enrolled.nickname.as_str()),
        ("VH09999", "Orion")
    );
    let stored: String =
        sqlx::query_scalar("SELECT token_hash FROM instruments WHERE serial = 'VH09999'")
            .fetch_one(&env.db)
            .await
            .unwrap();
    assert_ne!(stored, enrolled.token, "only a hash is stored");
    let batch = json!({ "batch_id": "first", "readings": [
        { "at": chrono::Utc::now() - chrono::Duration::minutes(5), "subsystem": "thermal",
          "sensor": "chiller_temp_c", "value": 4.1 }], "events": [] });
    let (s, v) = env.ingest("telemetry", &enrolled.token, &batch).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let detail: InstrumentDetail = env
        .get_json(
            &format!("/api/v1/instruments/{}", enrolled.instrument_id),
            &ada,
        )
        .await;
    assert_eq!(detail.connection, Connection::Enrolled);
    assert!(detail.last_report_at.is_some() && detail.enrolled_at.is_some());

    // Once only.
    let (s, b) = enroll(&env, &code.code).await;
    assert_eq!(
        (s, error_of(&b).error.as_str()),
        (StatusCode::CONFLICT, "code_used")
    );

    // An enrolled instrument gets no new code until its token is revoked.
    let path = |what: &str| format!("/api/v1/instruments/{}/{what}", enrolled.instrument_id);
    let (s, _) = post_json(&env, &path("enrollment-code"), &ada, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = post_json(&env, &path("revoke"), &grace, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = post_json(&env, &path("revoke"), &ada, json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let batch2 = json!({ "batch_id": "after-revoke", "readings": [], "events": [] });
    let (s, v) = env.ingest("telemetry", &enrolled.token, &batch2).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"], "token_revoked");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("revoked by a lab manager"),
        "{v}"
    );
    let detail: InstrumentDetail = env
        .get_json(
            &format!("/api/v1/instruments/{}", enrolled.instrument_id),
            &ada,
        )
        .await;
    assert_eq!(detail.connection, Connection::Revoked);

    // Re-enrolled with a new code: a new token works, the old one stays refused.
    let (s, b) = post_json(&env, &path("enrollment-code"), &ada, json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let again: EnrollmentCode = serde_json::from_slice(&b).unwrap();
    let (s, b) = enroll(&env, &again.code).await;
    assert_eq!(s, StatusCode::OK);
    let second: Enrollment = serde_json::from_slice(&b).unwrap();
    assert_ne!(second.token, enrolled.token);
    let (s, _) = env.ingest("telemetry", &second.token, &batch2).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = env
        .ingest(
            "telemetry",
            &enrolled.token,
            &json!({ "batch_id": "x", "readings": [], "events": [] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // The audit log tells it.
    let audit: seqhealth_api::AuditList = env.get_json("/api/v1/audit", &ada).await;
    let actions: Vec<&str> = audit.entries.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "instrument added",
        "enrolled",
        "token revoked",
        "enrollment code issued",
    ] {
        assert!(actions.contains(&a), "{a}: {actions:?}");
    }
}

#[tokio::test]
async fn an_expired_code_is_refused_and_creates_nothing() {
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let (_, b) = post_json(&env, "/api/v1/instruments", &ada, new_instrument()).await;
    let code: EnrollmentCode = serde_json::from_slice(&b).unwrap();
    sqlx::query("UPDATE enrollment_codes SET expires_at = $1")
        .bind(chrono::Utc::now().timestamp() - 1)
        .execute(&env.db)
        .await
        .unwrap();
    let (s, b) = enroll(&env, &code.code).await;
    assert_eq!(
        (s, error_of(&b).error.as_str()),
        (StatusCode::GONE, "code_expired")
    );
    let hash: String =
        sqlx::query_scalar("SELECT token_hash FROM instruments WHERE serial = 'VH09999'")
            .fetch_one(&env.db)
            .await
            .unwrap();
    assert!(hash.starts_with("pending:"), "still awaiting its agent");
}

#[tokio::test]
async fn the_agents_sharing_switch_shows_on_the_instrument_page() {
    use seqhealth_api::InstrumentDetail;
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let token = env.token("A00317").to_string();
    let id = env.id("A00317");
    let off_at = chrono::Utc::now() - chrono::Duration::minutes(10);
    let (s, v) = env
        .ingest(
            "sharing",
            &token,
            &json!({ "enabled": false, "at": off_at }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A late, older report does not undo it.
    let (s, _) = env
        .ingest(
            "sharing",
            &token,
            &json!({ "enabled": true, "at": off_at - chrono::Duration::hours(1) }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let d: InstrumentDetail = env
        .get_json(&format!("/api/v1/instruments/{id}"), &ada)
        .await;
    assert!(!d.data_sharing);
    assert_eq!(
        d.data_sharing_since.map(|t| t.timestamp()),
        Some(off_at.timestamp())
    );
    let (s, _) = env
        .ingest(
            "sharing",
            &token,
            &json!({ "enabled": true, "at": chrono::Utc::now() }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let d: InstrumentDetail = env
        .get_json(&format!("/api/v1/instruments/{id}"), &ada)
        .await;
    assert!(d.data_sharing);
}
