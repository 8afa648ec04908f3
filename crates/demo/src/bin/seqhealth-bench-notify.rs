//! `seqhealth-bench-notify`: notification figures (issue 25), printed, never a pass/fail
//! test. On a fresh SQLite database with the demo's labs:
//!
//! 1. from a critical reading pushed through the ingest API over loopback HTTP to its
//!    email at a real SMTP server on loopback (aiosmtpd), with one worker pass in between
//!    (the server runs a pass every `--notify-secs`, 5 s by default, so add up to that);
//! 2. how many deliveries per second the worker sends: `--events` events, each its own
//!    message to a manager (mail written as .eml files) and to a webhook receiver on
//!    loopback that answers at once.
//!
//!     cargo run --profile server -p seqhealth-demo --bin seqhealth-bench-notify -- [--events 1000]

use axum::http::StatusCode;
use seqhealth_api::notify::{NewWebhook, NotifyKind};
use seqhealth_demo::provision;
use seqhealth_demo::smtp_sink::SmtpSink;
use seqhealth_server::domain::notify::outbox::{self, NewEvent, Reason};
use seqhealth_server::domain::notify::{fanout, webhooks};
use seqhealth_server::jobs::notify::{Notifier, NotifyConfig};
use seqhealth_server::mail::Mailer;
use seqhealth_server::{app, serve, store as db, AppState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

fn config() -> NotifyConfig {
    NotifyConfig {
        group_secs: 0,
        ..NotifyConfig::default()
    }
}

#[tokio::main]
async fn main() {
    let events: usize = std::env::args()
        .skip_while(|a| a != "--events")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let dir = tempfile::tempdir().unwrap();
    let pool = db::connect(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ))
    .await
    .unwrap();
    let fleet = provision(&pool, Some(&["NB552091", "A00317", "VH00412"]))
        .await
        .unwrap()
        .unwrap();

    // 1. Reading → email, through the ingest API and a real SMTP server.
    let sink = SmtpSink::start();
    let mailer = Mailer::new(
        Some(&sink.url()),
        dir.path(),
        "seqhealth <b@lab.example>",
        "http://x",
    )
    .unwrap();
    let worker = Notifier::new(pool.clone(), mailer, config());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(
        listener,
        app(AppState::new(pool.clone()), None),
        std::future::pending(),
    ));
    let http = reqwest::Client::new();
    let mut latencies = Vec::new();
    for (n, p) in fleet.iter().enumerate() {
        let start = Instant::now();
        let body = serde_json::json!({
            "batch_id": format!("bench-{n}"),
            "readings": [{ "at": chrono::Utc::now(), "subsystem": "thermal",
                           "sensor": "chiller_temp_c", "value": 14.0 }],
        });
        let r = http
            .post(format!("{base}/api/v1/ingest/telemetry"))
            .bearer_auth(&p.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        let ingested = start.elapsed();
        worker.pass(chrono::Utc::now().timestamp()).await.unwrap();
        sink.messages(n + 1).await;
        latencies.push((ingested, start.elapsed()));
    }
    println!("| critical reading → email at the SMTP server (loopback, one pass) | ingest answered | mail arrived |");
    println!("|---|---|---|");
    for (i, (ingested, mailed)) in latencies.iter().enumerate() {
        println!(
            "| warning {} | {:.1} ms | {:.1} ms |",
            i + 1,
            ingested.as_secs_f64() * 1e3,
            mailed.as_secs_f64() * 1e3
        );
    }

    // 2. Deliveries per second: one event per message, a manager's mail (.eml files) and
    //    a webhook on loopback for each.
    let received = Arc::new(AtomicUsize::new(0));
    let count = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let count = count.clone();
            async move {
                count.fetch_add(1, Ordering::Relaxed);
                StatusCode::OK
            }
        }),
    );
    let hook_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", hook_listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(hook_listener, receiver).await });
    let lab_id: i64 = sqlx::query_scalar("SELECT lab_id FROM instruments WHERE id = $1")
        .bind(fleet[0].id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let manager: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE lab_id = $1 AND role = 'manager'")
            .bind(lab_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let now = chrono::Utc::now().timestamp();
    {
        let mut conn = pool.acquire().await.unwrap();
        let hook = NewWebhook {
            name: "bench".into(),
            url: hook_url,
        };
        webhooks::create(&mut conn, lab_id, manager, &hook, now)
            .await
            .unwrap();
    }
    // Earlier deliveries done, so the pass below times only these.
    worker.pass(now).await.unwrap();
    let made = Instant::now();
    let mut deliveries = 0;
    for n in 0..events {
        let mut tx = db::begin_write(&pool).await.unwrap();
        let e = NewEvent {
            lab_id,
            instrument_id: Some(fleet[n % fleet.len()].id),
            kind: NotifyKind::CriticalWarning,
            reason: Reason::Opened,
            warning_id: None,
            replacement_id: None,
            title: format!("bench event {n}"),
            detail: "benchmark".into(),
            title_said: None,
            detail_said: None,
        };
        outbox::record(&mut tx, e, now).await.unwrap();
        tx.commit().await.unwrap();
        deliveries += fanout::fan_out(&pool, now, 0).await.unwrap();
    }
    let making = made.elapsed();
    let folder = Notifier::new(
        pool.clone(),
        Mailer::new(
            None,
            &dir.path().join("mail"),
            "seqhealth <b@lab.example>",
            "http://x",
        )
        .unwrap(),
        config(),
    );
    let start = Instant::now();
    let mut sent = 0;
    while sent < deliveries {
        let p = folder.pass(now).await.unwrap();
        assert_eq!((p.failed, p.retrying), (0, 0), "{p:?}");
        sent += p.sent;
    }
    let took = start.elapsed();
    println!("\n| deliveries | written (outbox + fan-out) | sent in | deliveries/s | webhook requests received |");
    println!("|---|---|---|---|---|");
    println!(
        "| {deliveries} ({events} mails to .eml files + {events} webhook posts) | {:.2} s | {:.2} s | {:.0} | {} |",
        making.as_secs_f64(),
        took.as_secs_f64(),
        deliveries as f64 / took.as_secs_f64(),
        received.load(Ordering::Relaxed)
    );
}
