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

/// Issue "Security, second round", item 7: a serial is unique within a lab; another lab's
/// serial is neither revealed (409) nor blocked.
#[tokio::test]
async fn a_serial_is_unique_within_a_lab_and_tells_nothing_of_other_labs() {
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let rosalind = env.login("rosalind@riverside.example").await;
    // NB552091 is Northgate's; Riverside adds its own instrument with that serial.
    let same = json!({ "model": "NextSeq 2000", "serial": "nb552091", "nickname": "River one", "site": "B" });
    let (s, b) = post_json(&env, "/api/v1/instruments", &rosalind, same.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    // Twice in one lab is a conflict that speaks of that lab only.
    let (s, b) = post_json(&env, "/api/v1/instruments", &rosalind, same).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        error_of(&b)
            .detail
            .contains("NB552091 is already registered in your lab: River one"),
        "{}",
        error_of(&b).detail
    );
    // Each lab sees its own instrument under the serial, and only its own.
    for (cookie, nickname) in [(&ada, "Atlas"), (&rosalind, "River one")] {
        let fleet: Fleet = env.get_json("/api/v1/fleet", cookie).await;
        let mine: Vec<_> = fleet
            .instruments
            .iter()
            .filter(|i| i.serial == "NB552091")
            .collect();
        assert_eq!(mine.len(), 1, "{nickname}");
        if nickname == "River one" {
            assert_eq!(mine[0].nickname, nickname);
        }
    }
}

/// Upgrading a database made before serials were per lab keeps every row, id and link,
/// and the instrument's triggers (SQLite rebuilds the table: migration 0010).
#[tokio::test]
async fn an_older_database_upgrades_to_serials_per_lab_keeping_every_row() {
    use sqlx::Row;
    if on_postgres("an_older_database_upgrades_to_serials_per_lab_keeping_every_row") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("migrations");
    std::fs::create_dir(&old).unwrap();
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for e in std::fs::read_dir(&here).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.as_str() < "0010" {
            std::fs::copy(&p, old.join(&name)).unwrap();
        }
    }
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    {
        let opts = seqhealth_server::store::options(&url, None).unwrap();
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        sqlx::migrate::Migrator::new(old.as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        sqlx::raw_sql(
            "INSERT INTO labs (id, name, time_zone) VALUES (1, 'A', 'UTC'), (2, 'B', 'UTC');
             INSERT INTO instruments (id, lab_id, serial, model, nickname, site, token_hash)
                 VALUES (7, 1, 'M01', 'MiSeq', 'Old one', 'S', 'h7');
             INSERT INTO runs (instrument_id, run_id, started_at, read_structure)
                 VALUES (7, 'R1', 1000, '151T');",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let db = seqhealth_server::store::connect(&url).await.unwrap();
    let row = sqlx::query("SELECT id, lab_id, serial, nickname FROM instruments")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(row.get::<i64, _>(0), 7);
    assert_eq!(row.get::<String, _>(3), "Old one");
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM runs WHERE instrument_id = 7")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(runs, 1, "the run still belongs to its instrument");
    let version = |db: sqlx::AnyPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT data_version FROM labs WHERE id = 2")
            .fetch_one(&db)
            .await
            .unwrap()
    };
    let before = version(db.clone()).await;
    // The same serial in the other lab; the trigger still counts the lab's change.
    sqlx::query(
        "INSERT INTO instruments (lab_id, serial, model, nickname, site, token_hash)
         VALUES (2, 'M01', 'MiSeq', 'New one', 'S', 'h8')",
    )
    .execute(&db)
    .await
    .unwrap();
    assert_eq!(version(db.clone()).await, before + 1);
    let dup = sqlx::query(
        "INSERT INTO instruments (lab_id, serial, model, nickname, site, token_hash)
         VALUES (2, 'M01', 'MiSeq', 'Twice', 'S', 'h9')",
    )
    .execute(&db)
    .await;
    assert!(dup.is_err(), "unique within a lab");
    // Foreign keys are on again and hold.
    let orphan = sqlx::query(
        "INSERT INTO runs (instrument_id, run_id, started_at, read_structure) VALUES (999, 'R2', 1, '1T')",
    )
    .execute(&db)
    .await;
    assert!(orphan.is_err(), "foreign keys enforced after the rebuild");
}

/// Issue "A real lab can run seqhealth": a manager invites a colleague with a one-time
/// link (7 days); the colleague joins with the role given; viewers cannot invite.
#[tokio::test]
async fn a_manager_invites_a_colleague_who_joins_with_the_link() {
    use seqhealth_api::{InvitationLink, Role, SessionInfo, Team};
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let grace = env.login("grace@northgate.example").await;
    let (s, _) = post_json(
        &env,
        "/api/v1/invitations",
        &grace,
        json!({ "email": "lise@northgate.example", "role": "viewer" }),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "viewers do not invite");
    for (bad, why) in [
        (
            json!({ "email": "not an email", "role": "viewer" }),
            "not an email",
        ),
        (
            json!({ "email": "grace@northgate.example", "role": "viewer" }),
            "already has",
        ),
    ] {
        let (s, b) = post_json(&env, "/api/v1/invitations", &ada, bad).await;
        assert!(s.is_client_error());
        assert!(error_of(&b).detail.contains(why), "{}", error_of(&b).detail);
    }
    let invite = json!({ "email": "Lise@Northgate.example", "role": "viewer" });
    let (s, b) = post_json(&env, "/api/v1/invitations", &ada, invite.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    let first: InvitationLink = serde_json::from_slice(&b).unwrap();
    let days = (first.expires_at - chrono::Utc::now()).num_hours();
    assert!((167..=168).contains(&days), "{days} h");
    // Inviting again replaces the link: the first stops working.
    let (_, b) = post_json(&env, "/api/v1/invitations", &ada, invite).await;
    let link: InvitationLink = serde_json::from_slice(&b).unwrap();
    let (s, _) = env
        .get(&format!("/api/v1/invitations/{}", first.token), None)
        .await;
    assert_eq!(s, StatusCode::GONE);
    // Everyone in the lab sees who is invited; Riverside does not.
    let team: Team = env.get_json("/api/v1/users", &grace).await;
    assert!(team
        .invited
        .iter()
        .any(|i| i.email == "lise@northgate.example" && i.role == Role::Viewer));
    let theirs: Team = env
        .get_json(
            "/api/v1/users",
            &env.login("rosalind@riverside.example").await,
        )
        .await;
    assert!(
        theirs.invited.is_empty() && theirs.users.iter().all(|u| !u.email.contains("northgate"))
    );
    // The colleague joins: a viewer of Northgate, logged in.
    let (s, b) = post_json(
        &env,
        &format!("/api/v1/invitations/{}/accept", link.token),
        "",
        json!({ "name": "Lise Meitner", "password": "fission at the kitchen table" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let who: SessionInfo = serde_json::from_slice(&b).unwrap();
    assert_eq!(who.user.role, Role::Viewer);
    assert_eq!(who.lab.name, "Northgate Genomics Core");
    let team: Team = env.get_json("/api/v1/users", &ada).await;
    assert!(team.invited.is_empty());
    assert!(team.users.iter().any(|u| u.name == "Lise Meitner"));
}

/// The code names the instrument it is for and the address the agent must use: the
/// server's `--public-url`, not the address a manager's browser happens to use.
#[tokio::test]
async fn an_enrollment_code_names_its_instrument_and_the_public_address() {
    use tower::ServiceExt;
    let env = env().await;
    let mail = tempfile::tempdir().unwrap();
    let mailer = seqhealth_server::mail::Mailer::new(
        None,
        mail.path(),
        "seqhealth <seqhealth@lab.example>",
        "https://seq.example.org/",
    )
    .unwrap();
    let app = seqhealth_server::app(AppState::with_mailer(env.db.clone(), mailer), None);
    let ada = env.login("ada@northgate.example").await;
    let req = Request::post("/api/v1/instruments")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &ada)
        .body(Body::from(
            json!({ "model": "MiSeq", "serial": "M07777", "nickname": "Bench MiSeq" }).to_string(),
        ))
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let code: seqhealth_api::EnrollmentCode =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(code.server_url, "https://seq.example.org");
    assert_eq!(code.instrument, "Bench MiSeq (MiSeq M07777)");
    // Without a public address the dashboard uses its own page's.
    let (s, b) = post_json(
        &env,
        &format!("/api/v1/instruments/{}/enrollment-code", code.instrument_id),
        &ada,
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let again: seqhealth_api::EnrollmentCode = serde_json::from_slice(&b).unwrap();
    assert_eq!(again.server_url, "");
    assert_eq!(again.instrument, "Bench MiSeq (MiSeq M07777)");
}
