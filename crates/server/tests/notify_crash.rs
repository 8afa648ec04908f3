//! Notifications survive a crash (issue 25): the real `seqhealth-server` process is
//! killed with SIGKILL while a burst of 200 events goes out to a webhook receiver on
//! loopback, and restarted on the same SQLite file. Every event reaches the receiver at
//! least once, and a replay carries the same idempotency key, so a receiver that checks
//! it processes each once.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use seqhealth_api::notify::{NewWebhook, NotifyKind};
use seqhealth_demo::provision;
use seqhealth_server::domain::notify::outbox::{self, NewEvent, Reason};
use seqhealth_server::domain::notify::webhooks;
use seqhealth_server::store as db;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const EVENTS: usize = 200;

async fn start(db_url: &str, addr: &str, dir: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_seqhealth-server"))
        .args([
            "--addr",
            addr,
            "--database-url",
            db_url,
            "--sweep-secs",
            "3600",
        ])
        .args(["--dist", "/nonexistent"])
        .args(["--notify-secs", "1", "--notify-group-secs", "0"])
        .args(["--notify-retry-secs", "1", "--notify-lease-secs", "3"])
        .arg("--mail-dir")
        .arg(dir.join("mail"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child
}

/// What the receiver saw: each event key with how often it came, and each delivery key.
#[derive(Default)]
struct Seen {
    events: BTreeMap<String, usize>,
    deliveries: BTreeMap<String, usize>,
    requests: usize,
    /// Requests being answered now, and when the last one arrived.
    in_flight: usize,
    last_arrival: Option<Instant>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_delivery_loses_no_notification_and_replays_carry_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("notify.db").display());
    let pool = db::connect(&url).await.unwrap();
    let fleet = provision(&pool, Some(&["NB552091", "A00317", "M04210"]))
        .await
        .unwrap()
        .unwrap();

    // The receiver: slow enough (150 ms an answer) that the kill lands mid-request.
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let keep = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let keep = keep.clone();
            async move {
                // Counted as it arrives: a request the kill cuts off still counts, so a
                // replay shows as a key seen twice.
                {
                    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    let mut s = keep.lock().unwrap();
                    s.requests += 1;
                    s.in_flight += 1;
                    s.last_arrival = Some(Instant::now());
                    let key = headers["idempotency-key"].to_str().unwrap().to_string();
                    *s.deliveries.entry(key).or_default() += 1;
                    for e in v["events"].as_array().unwrap() {
                        *s.events
                            .entry(e["key"].as_str().unwrap().to_string())
                            .or_default() += 1;
                    }
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
                keep.lock().unwrap().in_flight -= 1;
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
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
    {
        let mut conn = pool.acquire().await.unwrap();
        let req = NewWebhook {
            name: "receiver".into(),
            url: hook_url,
        };
        webhooks::create(
            &mut conn,
            lab_id,
            manager,
            &req,
            chrono::Utc::now().timestamp(),
        )
        .await
        .unwrap();
    }
    let ours: Vec<i64> = {
        let mut ids = Vec::new();
        for p in &fleet {
            let lab: i64 = sqlx::query_scalar("SELECT lab_id FROM instruments WHERE id = $1")
                .bind(p.id)
                .fetch_one(&pool)
                .await
                .unwrap();
            if lab == lab_id {
                ids.push(p.id);
            }
        }
        ids
    };

    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let mut server = start(&url, &addr, dir.path()).await;

    // The burst: 200 critical events, each written in its own transaction as a warning's
    // would be, spread over the lab's instruments, about 15 ms apart.
    let t0 = Instant::now();
    let mut killed_after = None;
    for n in 0..EVENTS {
        let instrument = ours[n % ours.len()];
        let mut tx = db::begin_write(&pool).await.unwrap();
        let e = NewEvent {
            lab_id,
            instrument_id: Some(instrument),
            kind: NotifyKind::CriticalWarning,
            reason: Reason::Opened,
            warning_id: None,
            replacement_id: None,
            title: format!("burst event {n}"),
            detail: "a test burst".into(),
            title_said: None,
            detail_said: None,
        };
        outbox::record(&mut tx, e, chrono::Utc::now().timestamp())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        tokio::time::sleep(Duration::from_millis(15)).await;
        // Kill it once deliveries are going out, and mid-request if the receiver is busy.
        let mid_request = {
            let s = seen.lock().unwrap();
            s.requests >= 2
                && s.in_flight > 0
                && s.last_arrival
                    .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        };
        if killed_after.is_none() && mid_request {
            server.start_kill().unwrap(); // SIGKILL
            let status = server.wait().await.unwrap();
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(9), "{status:?}");
            killed_after = Some(seen.lock().unwrap().events.len());
        }
    }
    let killed_after = killed_after.expect("the kill happened during the burst");
    let restart = Instant::now();
    let _server = start(&url, &addr, dir.path()).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = seen.lock().unwrap().events.len();
        if n >= EVENTS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {n} of {EVENTS} events arrived after the restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    {
        let s = seen.lock().unwrap();
        let expected: BTreeSet<String> = s.events.keys().cloned().collect();
        assert_eq!(expected.len(), EVENTS, "every event, each with its own key");
        let replayed_events = s.events.values().filter(|n| **n > 1).count();
        let replayed_deliveries = s.deliveries.values().filter(|n| **n > 1).count();
        println!(
        "{EVENTS} events: {} webhook requests for {} deliveries; killed with {killed_after} events \
         received; all {EVENTS} in {:.1} s after the restart ({:.1} s in all); {replayed_deliveries} \
         deliveries ({replayed_events} events) replayed, recognisable by their keys",
        s.requests,
        s.deliveries.len(),
        restart.elapsed().as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
        assert!(
            replayed_deliveries >= 1,
            "the delivery the kill cut off was sent again, with its key"
        );
    } // the receiver's handler takes this lock
      // Every delivery in the log ends sent.
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notify_deliveries WHERE channel = 'webhook' AND status <> 'sent'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut pending = pending;
    while pending > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        pending = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notify_deliveries WHERE channel = 'webhook' AND status <> 'sent'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
    }
    assert_eq!(pending, 0, "every webhook delivery is marked sent");
}
