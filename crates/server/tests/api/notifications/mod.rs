//! Notifications (issue 25) through the real pieces: readings pushed through the ingest
//! API, mail to a real SMTP server on loopback (aiosmtpd), webhooks to a real HTTP
//! receiver on loopback, and the worker's passes driven with the clock the test sets.

use crate::{env_of, error_of, post_json, Env};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use hmac::{Hmac, Mac};
use seqhealth_api::notify::{DeliveryLog, DeliveryStatus, NotifyPrefs, WebhookCreated};
use seqhealth_api::Role;
use seqhealth_demo::smtp_sink::SmtpSink;
use seqhealth_demo::DEMO_PASSWORD;
use seqhealth_server::jobs::notify::{Notifier, NotifyConfig};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const NIMBUS: &str = "NB552091";
const ATLAS: &str = "A00317";

/// The worker, mailing the sink; no grouping delay, retries after 1 s, 2 s, …
fn notifier(env: &Env, sink: &SmtpSink) -> Notifier {
    let mailer = seqhealth_server::mail::Mailer::new(
        Some(&sink.url()),
        std::path::Path::new("/nonexistent"),
        "seqhealth <seqhealth@lab.example>",
        "https://seq.example.org",
    )
    .unwrap();
    Notifier::new(
        env.db.clone(),
        mailer,
        NotifyConfig {
            every: Duration::from_secs(1),
            group_secs: 0,
            retry_base_secs: 1,
            lease_secs: 60,
        },
    )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A reagent chiller at `celsius` now (critical above 10 °C).
async fn chiller(env: &Env, serial: &str, celsius: f64) {
    let batch = json!({
        "batch_id": format!("chiller-{serial}-{celsius}-{}", now()),
        "readings": [{ "at": chrono::Utc::now(), "subsystem": "thermal",
                       "sensor": "chiller_temp_c", "value": celsius }],
    });
    let (s, v) = env.ingest("telemetry", env.token(serial), &batch).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn send_json(
    env: &Env,
    method: Method,
    path: &str,
    cookie: &str,
    body: Value,
) -> (StatusCode, Vec<u8>) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, cookie)
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, b, _) = env.send(req).await;
    (s, b)
}

/// Another manager of Northgate (the lab of Nimbus), logged in: their session cookie.
async fn northgate_manager(env: &Env, email: &str, name: &str) -> String {
    let lab: i64 = sqlx::query_scalar("SELECT lab_id FROM instruments WHERE serial = $1")
        .bind(NIMBUS)
        .fetch_one(&env.db)
        .await
        .unwrap();
    seqhealth_server::domain::provision::create_user(
        &env.db,
        lab,
        email,
        name,
        Role::Manager,
        DEMO_PASSWORD,
    )
    .await
    .unwrap();
    env.login(email).await
}

/// The path of the first unsubscribe link in a mail's text.
fn unsubscribe_path(mail: &str) -> String {
    let token = mail
        .split("/api/v1/unsubscribe/")
        .nth(1)
        .expect("an unsubscribe link")
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_')
        .next()
        .unwrap();
    format!("/api/v1/unsubscribe/{token}")
}

/// Lin, a second manager of Northgate, who reads critical warnings in the digest.
async fn lin_in_the_digest(env: &Env) -> String {
    let lin = northgate_manager(env, "lin@northgate.example", "Lin Manager").await;
    let mut prefs: NotifyPrefs = env.get_json("/api/v1/account/notifications", &lin).await;
    for (kind, mode) in prefs.modes.iter_mut() {
        if *kind == seqhealth_api::notify::NotifyKind::CriticalWarning {
            assert_eq!(
                *mode,
                seqhealth_api::notify::NotifyMode::Immediately,
                "a manager's default"
            );
            *mode = seqhealth_api::notify::NotifyMode::Digest;
        }
    }
    let (s, b) = send_json(
        env,
        Method::PUT,
        "/api/v1/account/notifications",
        &lin,
        serde_json::to_value(&prefs).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    lin
}

/// Who a message is to.
fn to(message: &str) -> &str {
    message
        .lines()
        .find_map(|l| l.strip_prefix("To: "))
        .unwrap_or("")
}

/// The messages at the sink after a pause long enough for a stray one to arrive.
async fn settled(sink: &SmtpSink, at_least: usize) -> Vec<String> {
    sink.messages(at_least).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    sink.messages(at_least).await
}

/// A webhook receiver on loopback: answers with `answers` in turn (then 200), keeps what
/// it was sent.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

async fn receiver(answers: &[u16]) -> Receiver {
    let seen: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let answers = Arc::new(Mutex::new(
        answers.iter().copied().collect::<VecDeque<u16>>(),
    ));
    let keep = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let (keep, answers) = (keep.clone(), answers.clone());
            async move {
                keep.lock().unwrap().push((headers, body));
                let code = answers.lock().unwrap().pop_front().unwrap_or(200);
                StatusCode::from_u16(code).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, seen }
}

async fn add_webhook(env: &Env, cookie: &str, url: &str) -> WebhookCreated {
    let (s, b) = post_json(
        env,
        "/api/v1/webhooks",
        cookie,
        json!({ "name": "Lab chat", "url": url }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    serde_json::from_slice(&b).unwrap()
}

/// Checks `X-Seqhealth-Signature` as a receiver would, with its own HMAC.
fn signed(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let sig = headers["x-seqhealth-signature"].to_str().unwrap();
    let (t, v1) = sig.split_once(",v1=").unwrap();
    let t = t.strip_prefix("t=").unwrap();
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(format!("{t}.").as_bytes());
    m.update(body);
    hex::encode(m.finalize().into_bytes()) == v1
}

mod language;
mod mail;
mod webhooks;
