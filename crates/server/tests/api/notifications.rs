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

/// Lin, a second manager of Northgate, who reads critical warnings in the digest.
async fn lin_in_the_digest(env: &Env) -> String {
    let lab: i64 = sqlx::query_scalar("SELECT lab_id FROM instruments WHERE serial = $1")
        .bind(NIMBUS)
        .fetch_one(&env.db)
        .await
        .unwrap();
    seqhealth_server::domain::provision::create_user(
        &env.db,
        lab,
        "lin@northgate.example",
        "Lin Manager",
        Role::Manager,
        DEMO_PASSWORD,
    )
    .await
    .unwrap();
    let lin = env.login("lin@northgate.example").await;
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

#[tokio::test]
async fn a_critical_warning_mails_the_managers_who_chose_immediately_within_one_pass() {
    let env = env_of(&[NIMBUS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    let lin = lin_in_the_digest(&env).await;
    let start = Instant::now();
    chiller(&env, NIMBUS, 14.2).await;
    let pass = worker.pass(now()).await.unwrap();
    assert_eq!((pass.sent, pass.failed), (1, 0), "{pass:?}");
    let mail = settled(&sink, 1).await;
    println!(
        "warning to mail at the SMTP server (loopback): {} ms",
        start.elapsed().as_millis()
    );
    assert_eq!(
        mail.len(),
        1,
        "Ada only: Lin reads the digest, Grace is a viewer"
    );
    let m = &mail[0];
    assert_eq!(to(m), "ada@northgate.example", "{m}");
    assert!(
        m.contains(&format!("Subject: Nimbus ({NIMBUS}): critical warning")) || m.contains(NIMBUS),
        "{m}"
    );
    let link = format!(
        "https://seq.example.org/instruments/{}#warnings",
        env.id(NIMBUS)
    );
    assert!(m.contains(&link), "the link opens the warning: {m}");
    assert!(m.contains("/api/v1/unsubscribe/"), "{m}");
    // The delivery log: managers only.
    let ada = env.login("ada@northgate.example").await;
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    assert_eq!(log.deliveries.len(), 1);
    let d = &log.deliveries[0];
    assert_eq!(
        (d.channel.as_str(), d.target.as_str(), d.status, d.attempts),
        ("email", "ada@northgate.example", DeliveryStatus::Sent, 1)
    );
    let grace = env.login("grace@northgate.example").await;
    assert_eq!(
        env.get("/api/v1/notifications/deliveries", Some(&grace))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let lins: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &lin).await;
    assert_eq!(lins, log, "one lab, one log");
    // The warning staying critical tells nobody again; another pass sends nothing.
    chiller(&env, NIMBUS, 14.8).await;
    let again = worker.pass(now()).await.unwrap();
    assert_eq!(again.sent, 0, "{again:?}");

    // The unsubscribe link: a page with a button (a mail scanner opening it changes
    // nothing), then the button.
    let token = m
        .split("/api/v1/unsubscribe/")
        .nth(1)
        .unwrap()
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_')
        .next()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/unsubscribe/{token}");
    let (s, page) = env.get(&path, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page).contains("Stop mail about critical warnings"));
    let prefs: NotifyPrefs = env.get_json("/api/v1/account/notifications", &ada).await;
    assert!(prefs.modes.contains(&(
        seqhealth_api::notify::NotifyKind::CriticalWarning,
        seqhealth_api::notify::NotifyMode::Immediately
    )));
    let (s, done, _) = env
        .send(Request::post(&path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8_lossy(&done)
        .contains("ada@northgate.example gets no more mail about critical warnings"));
    let prefs: NotifyPrefs = env.get_json("/api/v1/account/notifications", &ada).await;
    assert!(prefs.modes.contains(&(
        seqhealth_api::notify::NotifyKind::CriticalWarning,
        seqhealth_api::notify::NotifyMode::Never
    )));
    let forged = path.replace(&token[..3], "999");
    assert_eq!(env.get(&forged, None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unacknowledged_critical_warning_escalates_to_every_manager_and_the_webhook() {
    let env = env_of(&[NIMBUS, ATLAS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    let _lin = lin_in_the_digest(&env).await;
    let ada = env.login("ada@northgate.example").await;
    let hook = receiver(&[]).await;
    let made = add_webhook(&env, &ada, &hook.url).await;
    let (s, b) = send_json(
        &env,
        Method::PUT,
        "/api/v1/notifications/settings",
        &ada,
        json!({ "digest_at": "07:30", "escalate_after_minutes": 1, "remind_every_hours": 24 }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let grace = env.login("grace@northgate.example").await;
    let (s, _) = send_json(
        &env,
        Method::PUT,
        "/api/v1/notifications/settings",
        &grace,
        json!({ "digest_at": "07:30", "escalate_after_minutes": 1, "remind_every_hours": 24 }),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    chiller(&env, NIMBUS, 13.0).await;
    chiller(&env, ATLAS, 13.0).await;
    let t0 = now();
    let first = worker.pass(t0).await.unwrap();
    // Ada's two mails (one per instrument) and two webhook deliveries.
    assert_eq!(first.sent, 4, "{first:?}");
    // Atlas's warning is acknowledged in time; Nimbus's is not.
    let warnings: seqhealth_api::WarningList = env.get_json("/api/v1/warnings", &ada).await;
    let atlas = warnings
        .warnings
        .iter()
        .find(|w| w.instrument_id == env.id(ATLAS) && w.rule == "threshold:chiller_temp_c")
        .unwrap();
    let (s, _) = post_json(
        &env,
        &format!("/api/v1/warnings/{}/acknowledge", atlas.id),
        &ada,
        json!({ "reason": "door left open, closed" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let early = worker.pass(t0 + 30).await.unwrap();
    assert_eq!(early.sent, 0, "not yet: {early:?}");
    let late = worker.pass(t0 + 61).await.unwrap();
    assert_eq!(
        late.sent, 3,
        "Ada, Lin (a manager, though she chose the digest) and the webhook: {late:?}"
    );
    let mail = settled(&sink, 4).await;
    let escalated: Vec<&String> = mail.iter().filter(|m| m.contains("ESCALATED")).collect();
    let mut whom: Vec<&str> = escalated.iter().map(|m| to(m)).collect();
    whom.sort();
    assert_eq!(whom, ["ada@northgate.example", "lin@northgate.example"]);
    assert!(escalated
        .iter()
        .all(|m| m.contains(NIMBUS) && !m.contains(ATLAS)));
    let seen = hook.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "two first alerts, one escalation");
    let body: Value = serde_json::from_slice(&seen[2].1).unwrap();
    assert_eq!(body["escalated"], json!(true), "{body}");
    assert!(
        body["text"].as_str().unwrap().contains("ESCALATED"),
        "{body}"
    );
    assert_eq!(body["events"][0]["instrument_id"], json!(env.id(NIMBUS)));
    assert!(
        seen.iter().all(|(h, b)| signed(&made.secret, h, b)),
        "every delivery is signed"
    );
    // Once only.
    assert_eq!(worker.pass(t0 + 120).await.unwrap().sent, 0);
}

#[tokio::test]
async fn a_webhook_that_fails_twice_gets_one_delivery_in_three_attempts() {
    let env = env_of(&[NIMBUS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    let ada = env.login("ada@northgate.example").await;
    let hook = receiver(&[500, 503]).await;
    let made = add_webhook(&env, &ada, &hook.url).await;
    assert!(made.secret.starts_with("whsec_"));
    chiller(&env, NIMBUS, 12.5).await;
    let t0 = now();
    let p1 = worker.pass(t0).await.unwrap();
    assert_eq!(
        (p1.sent, p1.retrying),
        (1, 1),
        "the mail went, the webhook waits: {p1:?}"
    );
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    let hook_row = log
        .deliveries
        .iter()
        .find(|d| d.channel == "webhook")
        .unwrap();
    assert_eq!(hook_row.status, DeliveryStatus::Retrying);
    assert!(
        hook_row.last_error.as_deref().unwrap().contains("500"),
        "{hook_row:?}"
    );
    // Not before its backoff (1 s, then 2 s).
    assert_eq!(worker.pass(t0).await.unwrap().retrying, 0);
    assert_eq!(worker.pass(t0 + 1).await.unwrap().retrying, 1);
    assert_eq!(
        worker.pass(t0 + 2).await.unwrap().sent,
        0,
        "the second wait is 2 s"
    );
    assert_eq!(worker.pass(t0 + 3).await.unwrap().sent, 1);
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    let hooks: Vec<_> = log
        .deliveries
        .iter()
        .filter(|d| d.channel == "webhook")
        .collect();
    assert_eq!(hooks.len(), 1, "one delivery in the log");
    assert_eq!(
        (hooks[0].status, hooks[0].attempts),
        (DeliveryStatus::Sent, 3)
    );
    let seen = hook.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    let keys: Vec<&str> = seen
        .iter()
        .map(|(h, _)| h["idempotency-key"].to_str().unwrap())
        .collect();
    assert!(
        keys.iter().all(|k| *k == keys[0] && k.starts_with("dlv_")),
        "a replay is recognisable: {keys:?}"
    );
    assert!(seen.iter().all(|(h, b)| signed(&made.secret, h, b)));
    assert!(!signed("whsec_wrong", &seen[0].0, &seen[0].1));
    let body: Value = serde_json::from_slice(&seen[2].1).unwrap();
    assert!(
        body["events"][0]["key"]
            .as_str()
            .unwrap()
            .starts_with("evt_"),
        "{body}"
    );

    // A 4xx (not 429) stops it at once; a removed webhook gets nothing more.
    let refusing = receiver(&[410]).await;
    let second = add_webhook(&env, &ada, &refusing.url).await;
    let (s, _) = post_json(
        &env,
        &format!("/api/v1/webhooks/{}/test", second.webhook.id),
        &ada,
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let p = worker.pass(t0 + 4).await.unwrap();
    assert_eq!(p.failed, 1, "{p:?}");
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    assert_eq!(log.deliveries[0].status, DeliveryStatus::Failed);
    assert!(log.deliveries[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("410"));
    // Bad addresses are refused with a reason.
    for (url, why) in [
        ("http://hooks.example.org/x", "https://"),
        ("ftp://x.example.org", "https://"),
        ("https://user:pw@x.example.org/", "user name"),
    ] {
        let (s, b) = post_json(
            &env,
            "/api/v1/webhooks",
            &ada,
            json!({ "name": "x", "url": url }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{url}");
        assert!(
            error_of(&b).detail.contains(why),
            "{url}: {}",
            error_of(&b).detail
        );
    }
    let (s, _) = send_json(
        &env,
        Method::DELETE,
        &format!("/api/v1/webhooks/{}", made.webhook.id),
        &ada,
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let hooks: Vec<seqhealth_api::notify::Webhook> = env.get_json("/api/v1/webhooks", &ada).await;
    assert_eq!(hooks.len(), 1);
}

#[tokio::test]
async fn the_digest_goes_at_the_labs_time_with_the_days_changes_and_only_once() {
    let env = env_of(&[NIMBUS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    chiller(&env, NIMBUS, 8.5).await; // a warning, not critical: everyone's digest
    let t0 = now();
    let p = worker.pass(t0).await.unwrap();
    assert_eq!(p.sent, 0, "nobody chose warnings immediately: {p:?}");
    // The next 07:30 in the lab's zone.
    let zone: String = sqlx::query_scalar(
        "SELECT l.time_zone FROM labs l JOIN instruments i ON i.lab_id = l.id WHERE i.serial = $1",
    )
    .bind(NIMBUS)
    .fetch_one(&env.db)
    .await
    .unwrap();
    let tz: chrono_tz::Tz = zone.parse().unwrap();
    let local = chrono::DateTime::from_timestamp(t0, 0)
        .unwrap()
        .with_timezone(&tz);
    let today = local
        .date_naive()
        .and_hms_opt(7, 30, 0)
        .unwrap()
        .and_local_timezone(tz)
        .unwrap();
    if today.timestamp() > t0 {
        // Set up before today's digest time: today's is the lab's first day, no digest.
        assert_eq!(
            worker.pass(today.timestamp() + 60).await.unwrap().digests,
            0
        );
    }
    let at = today + chrono::Duration::days(1);
    let before = worker.pass(at.timestamp() - 60).await.unwrap();
    assert_eq!(before.digests, 0, "not before 07:30 {zone}");
    let digest = worker.pass(at.timestamp()).await.unwrap();
    assert_eq!(
        (digest.digests, digest.sent),
        (2, 2),
        "Ada and Grace: {digest:?}"
    );
    let mail = settled(&sink, 2).await;
    assert_eq!(mail.len(), 2);
    assert!(
        mail.iter().all(|m| m.contains("Daily digest for")
            && m.contains("1 change")
            && m.contains(NIMBUS)),
        "{mail:?}"
    );
    assert!(
        mail.iter().all(|m| m.contains(&format!("({zone})"))),
        "times in the lab's zone, named"
    );
    assert_eq!(
        worker.pass(at.timestamp() + 600).await.unwrap().digests,
        0,
        "once a day"
    );
    // The next day, nothing new: no digest at all.
    assert_eq!(
        worker.pass(at.timestamp() + 86_400).await.unwrap().digests,
        0
    );
}

#[tokio::test]
async fn a_silenced_instrument_and_quiet_hours_hold_mail_back() {
    let env = env_of(&[NIMBUS, ATLAS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    let ada = env.login("ada@northgate.example").await;
    let path = format!("/api/v1/instruments/{}/silence", env.id(NIMBUS));
    let until = chrono::Utc::now() + chrono::Duration::hours(4);
    let (s, b) = post_json(&env, &path, &ada, json!({ "until": until, "reason": "" })).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a reason is needed");
    assert!(error_of(&b).detail.contains("reason"));
    let (s, _) = post_json(
        &env,
        &path,
        &ada,
        json!({ "until": until, "reason": "service visit, chiller swap" }),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let audit: seqhealth_api::AuditList = env.get_json("/api/v1/audit", &ada).await;
    assert!(audit
        .entries
        .iter()
        .any(|e| e.detail.contains("service visit, chiller swap")));
    let detail_path = format!("/api/v1/instruments/{}", env.id(NIMBUS));
    let detail: seqhealth_api::InstrumentDetail = env.get_json(&detail_path, &ada).await;
    assert_eq!(
        detail.silenced_until.map(|t| t.timestamp()),
        Some(until.timestamp()),
        "the page shows the silence"
    );
    assert_eq!(
        detail.silence_reason.as_deref(),
        Some("service visit, chiller swap")
    );
    chiller(&env, NIMBUS, 15.0).await;
    let p = worker.pass(now()).await.unwrap();
    assert_eq!(p.sent, 0, "silenced: {p:?}");
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM notify_events ORDER BY id DESC LIMIT 1")
            .fetch_one(&env.db)
            .await
            .unwrap();
    assert_eq!(outcome.as_deref(), Some("silenced"));
    // Still on the dashboard.
    let warnings: seqhealth_api::WarningList = env.get_json("/api/v1/warnings", &ada).await;
    assert!(warnings
        .warnings
        .iter()
        .any(|w| w.instrument_id == env.id(NIMBUS)));
    let (s, _) = send_json(&env, Method::DELETE, &path, &ada, json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let detail: seqhealth_api::InstrumentDetail = env.get_json(&detail_path, &ada).await;
    assert_eq!(
        (detail.silenced_until, detail.silence_reason),
        (None, None),
        "ended"
    );

    // Quiet hours around now hold Ada's mail until they end.
    let mut prefs: NotifyPrefs = env.get_json("/api/v1/account/notifications", &ada).await;
    let zone: String =
        sqlx::query_scalar("SELECT time_zone FROM labs WHERE name LIKE 'Northgate%'")
            .fetch_one(&env.db)
            .await
            .unwrap();
    let minute = seqhealth_server::domain::notify::fanout::lab_minute(now(), &zone);
    let hhmm = |m: i64| {
        format!(
            "{:02}:{:02}",
            m.rem_euclid(1_440) / 60,
            m.rem_euclid(1_440) % 60
        )
    };
    prefs.quiet_from = Some(hhmm(minute - 1));
    prefs.quiet_to = Some(hhmm(minute + 60));
    let (s, b) = send_json(
        &env,
        Method::PUT,
        "/api/v1/account/notifications",
        &ada,
        serde_json::to_value(&prefs).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    chiller(&env, ATLAS, 15.0).await;
    let p = worker.pass(now()).await.unwrap();
    assert_eq!((p.fanned_out, p.sent), (1, 0), "made, held: {p:?}");
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    let held = log.deliveries[0].clone();
    assert_eq!(held.status, DeliveryStatus::Pending);
    let wait = held.next_at.unwrap() - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::minutes(55) && wait <= chrono::Duration::minutes(61),
        "until the quiet hours end: {wait}"
    );
    worker.pass(now() + 3_700).await.unwrap();
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    let sent = log.deliveries.iter().find(|d| d.id == held.id).unwrap();
    assert_eq!(sent.status, DeliveryStatus::Sent, "after the quiet hours");
    prefs.quiet_to = Some("24:00".into());
    let (s, b) = send_json(
        &env,
        Method::PUT,
        "/api/v1/account/notifications",
        &ada,
        serde_json::to_value(&prefs).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(error_of(&b).detail.contains("quiet_to"));
}

/// Two workers at once (two server processes on one database: separate pools) send each
/// delivery once: claims are taken under the write lock (on PostgreSQL, by the suite's
/// run against it, its advisory lock).
#[tokio::test]
async fn two_workers_at_once_send_each_delivery_once() {
    use seqhealth_api::notify::NotifyKind;
    use seqhealth_server::domain::notify::outbox::{self, NewEvent, Reason};
    let env = env_of(&[NIMBUS, ATLAS]).await;
    let ada = env.login("ada@northgate.example").await;
    let hook = receiver(&[]).await;
    add_webhook(&env, &ada, &hook.url).await;
    let lab: i64 = sqlx::query_scalar("SELECT lab_id FROM instruments WHERE serial = $1")
        .bind(NIMBUS)
        .fetch_one(&env.db)
        .await
        .unwrap();
    let t0 = now();
    for n in 0..60 {
        let mut tx = seqhealth_server::store::begin_write(&env.db).await.unwrap();
        let e = NewEvent {
            lab_id: lab,
            instrument_id: Some(env.id(if n % 2 == 0 { NIMBUS } else { ATLAS })),
            kind: NotifyKind::CriticalWarning,
            reason: Reason::Opened,
            warning_id: None,
            replacement_id: None,
            title: format!("event {n}"),
            detail: "two workers".into(),
        };
        outbox::record(&mut tx, e, t0).await.unwrap();
        tx.commit().await.unwrap();
        // One message per event: fanned out one by one.
        seqhealth_server::domain::notify::fanout::fan_out(&env.db, t0, 0)
            .await
            .unwrap();
    }
    let worker = |pool: sqlx::AnyPool| {
        Notifier::new(
            pool,
            seqhealth_server::mail::Mailer::off(),
            NotifyConfig {
                every: Duration::from_secs(1),
                group_secs: 0,
                retry_base_secs: 1,
                lease_secs: 60,
            },
        )
    };
    let (a, b) = (
        worker(seqhealth_server::store::connect(&env.url).await.unwrap()),
        worker(seqhealth_server::store::connect(&env.url).await.unwrap()),
    );
    let (pa, pb) = tokio::join!(a.pass(t0), b.pass(t0));
    let (pa, pb) = (pa.unwrap(), pb.unwrap());
    assert_eq!(
        pa.sent + pb.sent,
        120,
        "60 mails and 60 webhook posts: {pa:?} {pb:?}"
    );
    let seen = hook.seen.lock().unwrap().clone();
    let mut keys: Vec<&str> = seen
        .iter()
        .map(|(h, _)| h["idempotency-key"].to_str().unwrap())
        .collect();
    keys.sort();
    let all = keys.len();
    keys.dedup();
    assert_eq!((all, keys.len()), (60, 60), "each delivery once");
    println!("two workers: {} and {} deliveries", pa.sent, pb.sent);
}

/// The mail server down: the delivery waits as "retrying" with the reason, and goes out
/// when the server is back.
#[tokio::test]
async fn mail_waits_while_the_mail_server_is_down_and_goes_out_when_it_returns() {
    let env = env_of(&[NIMBUS]).await;
    let ada = env.login("ada@northgate.example").await;
    // Nothing listens on this port: the mail server is down.
    let down = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mailer = seqhealth_server::mail::Mailer::new(
        Some(&format!("smtp://127.0.0.1:{down}?tls=none")),
        std::path::Path::new("/nonexistent"),
        "seqhealth <seqhealth@lab.example>",
        "https://seq.example.org",
    )
    .unwrap();
    let config = NotifyConfig {
        every: Duration::from_secs(1),
        group_secs: 0,
        retry_base_secs: 1,
        lease_secs: 60,
    };
    let worker = Notifier::new(env.db.clone(), mailer, config);
    chiller(&env, NIMBUS, 13.5).await;
    let t0 = now();
    let p = worker.pass(t0).await.unwrap();
    assert_eq!((p.sent, p.retrying), (0, 1), "{p:?}");
    let p = worker.pass(t0 + 1).await.unwrap();
    assert_eq!(p.retrying, 1, "{p:?}");
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    let d = &log.deliveries[0];
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Retrying, 2));
    assert!(
        d.last_error
            .as_deref()
            .unwrap()
            .contains(&format!("127.0.0.1:{down}")),
        "{d:?}"
    );
    // Back (here: the same lab's server now reaches a working one).
    let sink = SmtpSink::start();
    let back = notifier(&env, &sink);
    assert_eq!(back.pass(t0 + 60).await.unwrap().sent, 1);
    let mail = sink.messages(1).await;
    assert_eq!(to(&mail[0]), "ada@northgate.example");
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    assert_eq!(
        (log.deliveries[0].status, log.deliveries[0].attempts),
        (DeliveryStatus::Sent, 3)
    );
}

/// An instrument gone silent: what follows from its silence is told inside the one
/// "gone silent" message (webhooks get both in one delivery), and not again on its own
/// while the silence lasts; the dashboard still lists every warning.
#[tokio::test]
async fn what_follows_an_instrument_s_silence_is_folded_into_its_message() {
    let env = env_of(&[NIMBUS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    let ada = env.login("ada@northgate.example").await;
    let hook = receiver(&[]).await;
    add_webhook(&env, &ada, &hook.url).await;
    // The sweep's finding, as `warnings::sweep_missing_data` stores it.
    let t = now();
    let silent: i64 = sqlx::query_scalar(
        "INSERT INTO warnings (instrument_id, subsystem, rule, severity, status, raised_at, updated_at, message)
         VALUES ($1, 'fluidics', 'missing_data:fluidics', 'warning', 'active', $2, $3, 'no fluidics data for 3 h')
         RETURNING id",
    )
    .bind(env.id(NIMBUS))
    .bind(t)
    .bind(t)
    .fetch_one(&env.db)
    .await
    .unwrap();
    {
        let mut conn = env.db.acquire().await.unwrap();
        seqhealth_server::domain::notify::outbox::warning_event(
            &mut conn,
            silent,
            seqhealth_server::domain::notify::outbox::Reason::Opened,
            t,
        )
        .await
        .unwrap();
    }
    chiller(&env, NIMBUS, 14.0).await;
    worker.pass(now()).await.unwrap();
    let seen = hook.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "one delivery for both");
    let body: Value = serde_json::from_slice(&seen[0].1).unwrap();
    let kinds: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["silent", "critical_warning"], "{body}");
    // Later, while still silent: a new finding is folded, not sent on its own.
    let batch = json!({
        "batch_id": "laser-while-silent",
        "readings": [{ "at": chrono::Utc::now(), "subsystem": "optical",
                       "sensor": "laser_power_pct", "value": 40.0 }],
    });
    let (s, v) = env.ingest("telemetry", env.token(NIMBUS), &batch).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let p = worker.pass(now()).await.unwrap();
    assert_eq!(p.sent, 0, "{p:?}");
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM notify_events ORDER BY id DESC LIMIT 1")
            .fetch_one(&env.db)
            .await
            .unwrap();
    assert_eq!(outcome.as_deref(), Some("folded"));
    let warnings: seqhealth_api::WarningList = env.get_json("/api/v1/warnings", &ada).await;
    assert!(warnings
        .warnings
        .iter()
        .any(|w| w.rule == "threshold:laser_power_pct"));
}
