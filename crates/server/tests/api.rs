//! The HTTP API through `app()` with tower's `oneshot`: no socket, a real SQLite file.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use seqhealth_agent::simulate::{runs, telemetry, SimConfig};
use seqhealth_api::{ApiError, Fleet, Health, IngestAck, InstrumentDetail, RunList, SessionInfo};
use seqhealth_server::demo::{provision, Provisioned, DEMO_PASSWORD};
use seqhealth_server::{app, db, AppState};
use serde_json::{json, Value};

struct Env {
    app: Router,
    db: sqlx::SqlitePool,
    fleet: Vec<Provisioned>,
    _dir: tempfile::TempDir,
}

fn cfg() -> SimConfig {
    SimConfig {
        days: 60,
        ..SimConfig::demo(7, "2026-06-30T00:00:00Z".parse().unwrap())
    }
}

/// Three instruments in two labs: two of Northgate's, one of Riverside's.
async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let pool = db::connect(&url).await.unwrap();
    let fleet = provision(&pool, Some(&["A00317", "NB552091", "M03302"]))
        .await
        .unwrap()
        .unwrap();
    let app = app(AppState::new(pool.clone()), None);
    Env {
        app,
        db: pool,
        fleet,
        _dir: dir,
    }
}

impl Env {
    fn token(&self, serial: &str) -> &str {
        &self
            .fleet
            .iter()
            .find(|p| p.instrument.serial == serial)
            .unwrap()
            .token
    }
    fn id(&self, serial: &str) -> i64 {
        self.fleet
            .iter()
            .find(|p| p.instrument.serial == serial)
            .unwrap()
            .id
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, Vec<u8>, Option<String>) {
        use tower::ServiceExt;
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let cookie = resp
            .headers()
            .get(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_string());
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, body, cookie)
    }

    async fn ingest(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        let req = Request::post(format!("/api/v1/ingest/{path}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (s, b, _) = self.send(req).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    /// Pushes the simulated history of every provisioned instrument.
    async fn fill(&self) {
        for p in &self.fleet {
            for b in telemetry(p.instrument, &cfg()) {
                let (s, v) = self
                    .ingest("telemetry", &p.token, &serde_json::to_value(&b).unwrap())
                    .await;
                assert_eq!(s, StatusCode::OK, "{v}");
            }
            for r in runs(p.instrument, &cfg()) {
                let (s, v) = self
                    .ingest("runs", &p.token, &serde_json::to_value(&r).unwrap())
                    .await;
                assert_eq!(s, StatusCode::OK, "{v}");
            }
        }
    }

    async fn login(&self, email: &str) -> String {
        let body = json!({ "email": email, "password": DEMO_PASSWORD });
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (s, b, cookie) = self.send(req).await;
        assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
        let cookie = cookie.expect("login sets a cookie");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        cookie.split(';').next().unwrap().to_string()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, Vec<u8>) {
        let mut req = Request::get(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let (s, b, _) = self.send(req.body(Body::empty()).unwrap()).await;
        (s, b)
    }

    /// A read that must succeed, decoded.
    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str, cookie: &str) -> T {
        let (s, b) = self.get(path, Some(cookie)).await;
        assert_eq!(s, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&b));
        serde_json::from_slice(&b).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

fn error_of(body: &[u8]) -> ApiError {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not an API error ({e}): {}", String::from_utf8_lossy(body)))
}

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
async fn reads_without_a_session_answer_401() {
    let env = env().await;
    let id = env.id("A00317");
    for path in [
        "/api/v1/fleet".to_string(),
        format!("/api/v1/instruments/{id}"),
        format!("/api/v1/instruments/{id}/runs"),
        "/api/v1/session".into(),
        "/api/v1/warnings".into(),
    ] {
        let (s, b) = env.get(&path, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(error_of(&b).error, "unauthenticated");
        let (s, _) = env.get(&path, Some("seqhealth_session=forged")).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path} with a forged cookie");
    }
}

#[tokio::test]
async fn login_logout_and_wrong_passwords() {
    let env = env().await;
    let body = json!({ "email": "ada@northgate.example", "password": "nope" });
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, b, cookie) = env.send(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(cookie.is_none());
    assert_eq!(error_of(&b).detail, "wrong email or password");
    let body = json!({ "email": "nobody@example.org", "password": "nope" });
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, b, _) = env.send(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        error_of(&b).detail,
        "wrong email or password",
        "the same message: no account enumeration"
    );

    let cookie = env.login("ROSALIND@riverside.example").await;
    let (s, b) = env.get("/api/v1/session", Some(&cookie)).await;
    assert_eq!(s, StatusCode::OK);
    let info: SessionInfo = serde_json::from_slice(&b).unwrap();
    assert_eq!(info.lab.name, "Riverside Clinical Sequencing");
    let req = Request::builder()
        .method(Method::DELETE)
        .uri("/api/v1/session")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = env.send(req).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = env.get("/api/v1/fleet", Some(&cookie)).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the session is gone server-side, not only in the browser"
    );
}

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
async fn dashboard_routes_fall_back_to_index_html_but_api_paths_do_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!DOCTYPE html><title>seqhealth</title>",
    )
    .unwrap();
    std::fs::write(dir.path().join("app-1234.js"), "console.log(1)").unwrap();
    let pool = db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let app = app(AppState::new(pool), Some(dir.path()));
    use tower::ServiceExt;
    for (path, status, needle) in [
        ("/", StatusCode::OK, "<title>seqhealth"),
        ("/instruments/7", StatusCode::OK, "<title>seqhealth"),
        ("/login", StatusCode::OK, "<title>seqhealth"),
        ("/app-1234.js", StatusCode::OK, "console.log"),
        (
            "/api/v1/no-such-thing",
            StatusCode::NOT_FOUND,
            "\"error\":\"not_found\"",
        ),
    ] {
        let resp = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{path}");
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&body).contains(needle), "{path}");
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_and_sent_precompressed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!DOCTYPE html><title>seqhealth</title>",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("seqhealth-0123456789abcdef.js"),
        "console.log('plain')",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("seqhealth-0123456789abcdef.js.br"),
        "brotli bytes",
    )
    .unwrap();
    let pool = db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let app = app(AppState::new(pool), Some(dir.path()));
    use tower::ServiceExt;
    let get = |path: &str, encoding: Option<&str>| {
        let mut req = Request::get(path);
        if let Some(e) = encoding {
            req = req.header(header::ACCEPT_ENCODING, e);
        }
        app.clone().oneshot(req.body(Body::empty()).unwrap())
    };
    let resp = get("/seqhealth-0123456789abcdef.js", Some("gzip, br"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(
        resp.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let resp = get("/seqhealth-0123456789abcdef.js", None).await.unwrap();
    assert!(resp.headers().get(header::CONTENT_ENCODING).is_none());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"console.log('plain')");
    for path in ["/", "/instruments/3"] {
        let resp = get(path, Some("br")).await.unwrap();
        assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-cache", "{path}");
    }
}

async fn post_json(env: &Env, path: &str, cookie: &str, body: Value) -> (StatusCode, Vec<u8>) {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, cookie)
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, b, _) = env.send(req).await;
    (s, b)
}

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
        chiller.message.contains("above critical limit"),
        "{}",
        chiller.message
    );
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
        resolved.acknowledged_by.as_deref(),
        Some("Ada Lovelace"),
        "who acknowledged is kept"
    );
}

#[tokio::test]
async fn telemetry_comes_as_buckets_never_more_than_a_thousand_points() {
    use seqhealth_api::TelemetrySeries;
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let id = env.id("NB552091");
    let get = |q: String| {
        let env = &env;
        let ada = ada.clone();
        async move {
            let (s, b) = env
                .get(
                    &format!("/api/v1/instruments/{id}/telemetry?{q}"),
                    Some(&ada),
                )
                .await;
            (s, b)
        }
    };
    // A month: hourly buckets, and every stored reading counted once.
    let (s, b) = get("metric=chiller_temp_c&from=2026-06-01&to=2026-06-30".into()).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let month: TelemetrySeries = serde_json::from_slice(&b).unwrap();
    assert_eq!(month.bucket_seconds, 3600);
    assert_eq!(month.sensor.label, "Reagent chiller temperature");
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sensor_readings WHERE instrument_id = ? AND sensor = 'chiller_temp_c' AND at >= ? AND at < ?",
    )
    .bind(id)
    .bind(month.from.timestamp())
    .bind(month.to.timestamp())
    .fetch_one(&env.db)
    .await
    .unwrap();
    assert!(stored > 100);
    assert_eq!(month.points.iter().map(|p| p.n).sum::<i64>(), stored);
    assert!(month
        .points
        .iter()
        .all(|p| p.min <= p.mean && p.mean <= p.max));
    assert!(month.points.windows(2).all(|w| w[0].at < w[1].at));

    // Resending a batch changes no bucket.
    let batch = serde_json::to_value(
        &telemetry(
            env.fleet.iter().find(|p| p.id == id).unwrap().instrument,
            &cfg(),
        )[0],
    )
    .unwrap();
    env.ingest("telemetry", env.token("NB552091"), &batch).await;
    let mut again = batch.clone();
    again["batch_id"] = json!("a-new-id-with-old-readings");
    env.ingest("telemetry", env.token("NB552091"), &again).await;
    let (_, b) = get("metric=chiller_temp_c&from=2026-06-01&to=2026-06-30".into()).await;
    assert_eq!(
        serde_json::from_slice::<TelemetrySeries>(&b).unwrap(),
        month
    );

    // Two years: daily; ten years: several days a point; always at most 1,000 points.
    for (q, width) in [
        ("from=2025-01-01&to=2026-12-31", 86_400),
        ("from=2017-01-01&to=2026-12-31", 4 * 86_400),
    ] {
        let (s, b) = get(format!("metric=laser_power_pct&{q}")).await;
        assert_eq!(s, StatusCode::OK);
        let series: TelemetrySeries = serde_json::from_slice(&b).unwrap();
        assert_eq!(series.bucket_seconds, width, "{q}");
        assert!(
            !series.points.is_empty() && series.points.len() <= 1000,
            "{q}: {}",
            series.points.len()
        );
    }

    // Bad metric, bad range, another lab's instrument.
    let (s, b) = get("metric=sample_names".into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        error_of(&b).detail.contains("laser_power_pct"),
        "names the valid metrics"
    );
    let (s, _) = get("metric=chiller_temp_c&from=2026-07-01&to=2026-06-01".into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let other = env.id("M03302");
    let (s, _) = env
        .get(
            &format!("/api/v1/instruments/{other}/telemetry?metric=chiller_temp_c"),
            Some(&ada),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_decaying_laser_gets_a_predicted_replacement_and_a_healthy_one_does_not() {
    use seqhealth_server::predictions::for_instrument;
    let env = env().await;
    env.fill().await;
    // Thirty days before the simulated end: the simulator's laser crossed 80 % of rated
    // power on day 307.45 of its one-year story (100 − 25·f^1.3 = 80), about 2026-05-03.
    let now = (cfg().end - chrono::Duration::days(30)).timestamp();
    let atlas = for_instrument(&env.db, env.id("A00317"), now)
        .await
        .unwrap();
    let laser = atlas
        .iter()
        .find(|p| p.component == "Laser")
        .expect("a prediction for the laser");
    assert_eq!(laser.limit, 80.0);
    assert!(laser.slope_per_day < 0.0);
    let truth = (cfg().end - chrono::Duration::days(365)).timestamp()
        + (0.8f64.powf(1.0 / 1.3) * 365.0 * 86_400.0) as i64;
    let t = |d: chrono::DateTime<chrono::Utc>| d.timestamp();
    assert!(
        (t(laser.predicted_at) - truth).abs() < 7 * 86_400,
        "predicted {} vs true {truth}",
        laser.predicted_at
    );
    assert!(
        t(laser.earliest) - 3 * 86_400 <= truth && truth <= t(laser.latest) + 3 * 86_400,
        "{laser:?}"
    );
    assert!(laser.earliest <= laser.predicted_at && laser.predicted_at <= laser.latest);
    assert!(laser.replace_by < laser.earliest);
    assert!(laser.basis_days >= 14);
    let nimbus = for_instrument(&env.db, env.id("NB552091"), now)
        .await
        .unwrap();
    assert!(
        nimbus.iter().all(|p| p.component != "Laser"),
        "a healthy laser is not predicted to fail: {nimbus:?}"
    );

    // Over HTTP: scoped to the lab like every read.
    let ada = env.login("ada@northgate.example").await;
    let (s, b) = env
        .get(
            &format!("/api/v1/instruments/{}/predictions", env.id("A00317")),
            Some(&ada),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    serde_json::from_slice::<seqhealth_api::PredictionList>(&b).unwrap();
    let (s, _) = env
        .get(
            &format!("/api/v1/instruments/{}/predictions", env.id("M03302")),
            Some(&ada),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn control_limits_flag_the_bad_reagent_lot_runs() {
    use seqhealth_agent::simulate::BAD_REAGENT_LOT;
    let dir = tempfile::tempdir().unwrap();
    let pool = db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let fleet = provision(&pool, Some(&["VH00412"])).await.unwrap().unwrap();
    let env = Env {
        app: app(AppState::new(pool.clone()), None),
        db: pool,
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

#[tokio::test]
async fn silent_subsystems_raise_missing_data_warnings_that_resolve_when_data_returns() {
    use seqhealth_api::{InstrumentDetail, WarningList};
    use seqhealth_server::warnings::sweep_missing_data;
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
async fn every_response_carries_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!DOCTYPE html><title>seqhealth</title>",
    )
    .unwrap();
    let pool = db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let app = app(AppState::new(pool), Some(dir.path()));
    use tower::ServiceExt;
    for path in ["/", "/instruments/1", "/api/v1/fleet", "/api/v1/nope"] {
        let resp = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let h = resp.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn cross_origin_state_changes_are_refused() {
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let login = json!({ "email": "ada@northgate.example", "password": DEMO_PASSWORD }).to_string();
    for (origin, site, status) in [
        (Some("https://evil.example"), None, StatusCode::FORBIDDEN),
        (None, Some("cross-site"), StatusCode::FORBIDDEN),
        (
            Some("http://seqhealth.local"),
            Some("same-origin"),
            StatusCode::OK,
        ),
        (None, None, StatusCode::OK),
    ] {
        let mut req = Request::post("/api/v1/session")
            .header(header::HOST, "seqhealth.local")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        if let Some(s) = site {
            req = req.header("sec-fetch-site", s);
        }
        let (s, b, _) = env.send(req.body(Body::from(login.clone())).unwrap()).await;
        assert_eq!(
            s,
            status,
            "{origin:?} {site:?}: {}",
            String::from_utf8_lossy(&b)
        );
    }
    // A cross-origin logout with a valid cookie leaves the session alone.
    let req = Request::builder()
        .method(Method::DELETE)
        .uri("/api/v1/session")
        .header(header::HOST, "seqhealth.local")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, &ada)
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = env.send(req).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = env.get("/api/v1/fleet", Some(&ada)).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn repeated_failed_logins_are_slowed_with_the_same_words_for_everyone() {
    let env = env().await;
    let attempt = |email: &'static str, password: &'static str| {
        let body = json!({ "email": email, "password": password }).to_string();
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        env.send(req)
    };
    for _ in 0..seqhealth_server::limits::PER_ACCOUNT {
        let (s, _, _) = attempt("ada@northgate.example", "guess").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits, and the answer does not say whether it was right.
    let (s, b, cookie) = attempt("ada@northgate.example", DEMO_PASSWORD).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(cookie.is_none());
    assert_eq!(error_of(&b).error, "too_many_requests");
    // Another account is unaffected.
    let (s, _, _) = attempt("rosalind@riverside.example", DEMO_PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
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
    let bucketed: i64 = sqlx::query_scalar("SELECT SUM(n) FROM sensor_buckets WHERE width = 86400")
        .fetch_one(&env.db)
        .await
        .unwrap();
    assert_eq!(
        bucketed as usize, readings,
        "every reading counted once in the daily buckets"
    );
}

#[tokio::test]
async fn a_repeated_error_code_raises_a_warning_that_clears_when_the_errors_stop() {
    use seqhealth_api::{Subsystem, WarningList};
    use seqhealth_server::warnings::sweep_missing_data;
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
