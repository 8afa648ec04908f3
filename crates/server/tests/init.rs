//! A lab that never saw `--demo`: `seqhealth-server init` on an empty database (the real
//! binary), then the first manager's one-time link through the API.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use seqhealth_api::{Invitation, Role, SessionInfo};
use seqhealth_server::{app, store, AppState};
use serde_json::json;
use std::process::Command;
use tower::ServiceExt;

const BIN: &str = env!("CARGO_BIN_EXE_seqhealth-server");

fn init(url: &str, args: &[&str]) -> (bool, String) {
    let mut all = vec!["init"];
    all.extend_from_slice(args);
    run(url, &all)
}

/// The real binary, one subcommand, on the database at `url`: success and what it said.
fn run(url: &str, args: &[&str]) -> (bool, String) {
    run_with(url, args, &[])
}

/// [`run`] with these environment variables set.
fn run_with(url: &str, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(BIN)
        .args([
            "--database-url",
            url,
            "--public-url",
            "https://seq.example.org/",
        ])
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<serde_json::Value>,
    cookie: Option<&str>,
) -> (StatusCode, Vec<u8>, Option<String>) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let cookie = resp
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string());
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, body, cookie)
}

#[tokio::test]
async fn init_sets_up_a_lab_whose_first_manager_accepts_a_one_time_link() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("lab.db").display());

    // Bad input is named, and nothing is made.
    let (ok, text) = init(
        &url,
        &[
            "--lab",
            "Core",
            "--time-zone",
            "Mars/Olympus",
            "--manager-email",
            "ada@core.example",
        ],
    );
    assert!(!ok && text.contains("not an IANA time zone"), "{text}");
    let (ok, text) = init(
        &url,
        &[
            "--lab",
            "Core",
            "--time-zone",
            "Europe/Berlin",
            "--manager-email",
            "ada",
        ],
    );
    assert!(!ok && text.contains("not an email address"), "{text}");

    let (ok, text) = init(
        &url,
        &[
            "--lab",
            "Core Genomics",
            "--time-zone",
            "Europe/Berlin",
            "--manager-email",
            "Ada@Core.example",
        ],
    );
    assert!(ok, "{text}");
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("https://seq.example.org/accept/"))
        .unwrap_or_else(|| panic!("a link: {text}"));
    let token = link.rsplit('/').next().unwrap().to_string();
    assert_eq!(token.len(), 64, "{link}");
    // Once: a second init on a set-up database refuses and says how to add a lab.
    let (ok, again) = init(
        &url,
        &[
            "--lab",
            "Other",
            "--time-zone",
            "UTC",
            "--manager-email",
            "bob@other.example",
        ],
    );
    assert!(!ok && again.contains("--another-lab"), "{again}");

    let db = store::connect(&url).await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE token_hash = $1")
        .bind(&token)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(stored, 0, "only the link's hash is stored");
    let app = app(AppState::new(db.clone()), None);
    let path = format!("/api/v1/invitations/{token}");

    let (s, b, _) = call(&app, "GET", &path, None, None).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let inv: Invitation = serde_json::from_slice(&b).unwrap();
    assert_eq!(
        (inv.lab.as_str(), inv.email.as_str(), inv.role),
        ("Core Genomics", "ada@core.example", Role::Manager)
    );

    // A weak password is refused with the reason; nothing is made.
    let accept = format!("{path}/accept");
    let (s, b, _) = call(
        &app,
        "POST",
        &accept,
        Some(json!({ "name": "Ada", "password": "short" })),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&b).contains("at least 12"));
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(users, 0);

    let (s, b, cookie) = call(
        &app,
        "POST",
        &accept,
        Some(json!({ "name": "Ada Lovelace", "password": "violet kettle on the moor" })),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let who: SessionInfo = serde_json::from_slice(&b).unwrap();
    assert_eq!(who.user.role, Role::Manager);
    assert_eq!(who.lab.time_zone, "Europe/Berlin");
    let cookie = cookie.expect("logged in");
    let (s, _, _) = call(&app, "GET", "/api/v1/fleet", None, Some(&cookie)).await;
    assert_eq!(s, StatusCode::OK, "an empty fleet, not an error");

    // Used up; a forged link is no link; the audit log has both steps.
    let (s, b, _) = call(&app, "GET", &path, None, None).await;
    assert_eq!(s, StatusCode::GONE, "{}", String::from_utf8_lossy(&b));
    let (s, _, _) = call(
        &app,
        "POST",
        &accept,
        Some(json!({ "name": "Eve", "password": "violet kettle on the moor" })),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::GONE);
    let forged = format!("/api/v1/invitations/{}", "ab".repeat(32));
    let (s, _, _) = call(&app, "GET", &forged, None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = call(&app, "GET", "/api/v1/invitations/xyz", None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(actions, ["lab set up", "joined"]);
    // The manager logs in with the password chosen.
    let (s, _, _) = call(
        &app,
        "POST",
        "/api/v1/session",
        Some(json!({ "email": "ada@core.example", "password": "violet kettle on the moor" })),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // Operators: list everyone, invite someone, and a lab keeps its one manager.
    let (ok, list) = run(&url, &["users", "list"]);
    assert!(ok, "{list}");
    assert!(
        list.contains("Core Genomics\tAda Lovelace\tada@core.example\tmanager\tactive"),
        "{list}"
    );
    let (ok, added) = run(
        &url,
        &[
            "users",
            "add",
            "--lab",
            "core genomics",
            "--email",
            "lise@core.example",
        ],
    );
    assert!(ok, "{added}");
    assert!(added.contains("https://seq.example.org/accept/"), "{added}");
    // The list says who is on their way in, and who has logged in when.
    let (_, list) = run(&url, &["users", "list"]);
    assert!(
        list.contains("Core Genomics\t\tlise@core.example\tviewer\tinvited\tnever"),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with("Core Genomics\tAda Lovelace\t") && l.ends_with(" UTC")),
        "Ada has logged in: {list}"
    );
    let (ok, nope) = run(
        &url,
        &["users", "add", "--lab", "Nope", "--email", "x@core.example"],
    );
    assert!(!ok && nope.contains("labs: Core Genomics"), "{nope}");
    let (ok, last) = run(&url, &["users", "disable", "--email", "ada@core.example"]);
    assert!(!ok && last.contains("last active manager"), "{last}");

    // Ada forgot her password: an operator's reset link lets her choose a new one.
    let (ok, made) = run(
        &url,
        &["users", "reset-link", "--email", "ada@core.example"],
    );
    assert!(ok, "{made}");
    let reset = made
        .split_whitespace()
        .find(|w| w.starts_with("https://seq.example.org/reset/"))
        .unwrap_or_else(|| panic!("a link: {made}"))
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/resets/{reset}");
    let (s, b, _) = call(&app, "GET", &path, None, None).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    assert!(String::from_utf8_lossy(&b).contains("ada@core.example"));
    let (s, _, _) = call(
        &app,
        "POST",
        &path,
        Some(json!({ "password": "ada" })),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, b, cookie) = call(
        &app,
        "POST",
        &path,
        Some(json!({ "password": "difference engine plans" })),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    assert!(cookie.is_some(), "logged in");
    let (s, _, _) = call(
        &app,
        "POST",
        &path,
        Some(json!({ "password": "difference engine plans" })),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::GONE, "once");
    let login = |password: &str| json!({ "email": "ada@core.example", "password": password });
    let (s, _, _) = call(
        &app,
        "POST",
        "/api/v1/session",
        Some(login("violet kettle on the moor")),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the old password is gone");
    let (s, _, _) = call(
        &app,
        "POST",
        "/api/v1/session",
        Some(login("difference engine plans")),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

/// `--help` names the environment variables but never prints a secret taken from them.
#[test]
fn help_does_not_print_passwords_from_the_environment() {
    let out = Command::new(BIN)
        .arg("--help")
        .env("SEQHEALTH_SMTP_URL", "smtp://u:S3cretPw@h:587")
        .env(
            "SEQHEALTH_DATABASE_URL",
            "postgres://seq:DbPassw0rd@db.example.org/seq",
        )
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("SEQHEALTH_SMTP_URL"), "{text}");
    assert!(!text.contains("S3cretPw"), "{text}");
    assert!(!text.contains("DbPassw0rd"), "{text}");
}

/// The token of the one link (`/accept/…`) in what the binary printed.
fn link_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.starts_with("https://seq.example.org/accept/"))
        .unwrap_or_else(|| panic!("a link: {text}"))
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

/// `init` takes the lab, its time zone, its manager and `--another-lab` from the
/// environment too (a container's settings); a second lab joins a set-up server.
#[test]
fn init_reads_the_environment_and_adds_another_lab() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("lab.db").display());
    let (ok, text) = run_with(
        &url,
        &["init"],
        &[
            ("SEQHEALTH_LAB", "Core Genomics"),
            ("SEQHEALTH_TIME_ZONE", "Europe/Berlin"),
            ("SEQHEALTH_MANAGER_EMAIL", "ada@core.example"),
        ],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("\"Core Genomics\" is set up (Europe/Berlin)"),
        "{text}"
    );
    assert!(text.contains("ada@core.example"), "{text}");
    link_in(&text);

    let second = [
        "init",
        "--lab",
        "Clinical",
        "--time-zone",
        "America/Chicago",
        "--manager-email",
        "bob@clinical.example",
    ];
    let (ok, text) = run(&url, &second);
    assert!(!ok && text.contains("--another-lab"), "{text}");
    let (ok, text) = run(&url, &[&second[..], &["--another-lab"]].concat());
    assert!(ok, "{text}");
    assert!(
        text.contains("\"Clinical\" is set up (America/Chicago)"),
        "{text}"
    );
    link_in(&text);
    let (ok, text) = run_with(
        &url,
        &["init"],
        &[
            ("SEQHEALTH_LAB", "Third"),
            ("SEQHEALTH_TIME_ZONE", "UTC"),
            ("SEQHEALTH_MANAGER_EMAIL", "cy@third.example"),
            ("SEQHEALTH_ANOTHER_LAB", "true"),
        ],
    );
    assert!(ok, "{text}");
    let (ok, list) = run(&url, &["users", "list"]);
    assert!(ok, "{list}");
    let (ok, nope) = run(
        &url,
        &["users", "add", "--lab", "x", "--email", "x@x.example"],
    );
    assert!(!ok, "{nope}");
    for lab in ["Core Genomics", "Clinical", "Third"] {
        assert!(nope.contains(lab), "{lab}: {nope}");
    }
}

/// `users disable` by an operator: the person's sessions end and they cannot log in.
#[tokio::test]
async fn an_operator_disables_someone_who_then_cannot_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("lab.db").display());
    let (ok, text) = init(
        &url,
        &[
            "--lab",
            "Core",
            "--time-zone",
            "UTC",
            "--manager-email",
            "ada@core.example",
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = run(
        &url,
        &[
            "users",
            "add",
            "--lab",
            "Core",
            "--email",
            "lise@core.example",
        ],
    );
    assert!(ok, "{text}");
    let token = link_in(&text);
    let db = store::connect(&url).await.unwrap();
    let app = app(AppState::new(db.clone()), None);
    let password = "fission in the snow";
    let (s, b, cookie) = call(
        &app,
        "POST",
        &format!("/api/v1/invitations/{token}/accept"),
        Some(json!({ "name": "Lise", "password": password })),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let cookie = cookie.expect("logged in");

    let (ok, text) = run(&url, &["users", "disable", "--email", "Lise@Core.example"]);
    assert!(ok, "{text}");
    assert!(text.contains("is deactivated"), "{text}");
    let (s, _, _) = call(&app, "GET", "/api/v1/fleet", None, Some(&cookie)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "her session ended");
    let login = json!({ "email": "lise@core.example", "password": password });
    let (s, _, _) = call(&app, "POST", "/api/v1/session", Some(login), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (ok, list) = run(&url, &["users", "list"]);
    assert!(
        ok && list.contains("lise@core.example\tviewer\tdeactivated"),
        "{list}"
    );
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(actions.contains(&"deactivated".to_string()), "{actions:?}");
}
