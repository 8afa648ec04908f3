//! The real `seqhealth-server` process is killed with SIGKILL twice in the middle of a
//! long ingest burst from several concurrent agents, and restarted on the same SQLite
//! file. The agents retry what failed, then resend everything: every reading, event, batch
//! and run is present exactly once and every aggregate equals a recomputation from the
//! raw readings.

#[path = "api/consistency.rs"]
mod consistency;

use seqhealth_agent::push::{PushError, Pusher};
use seqhealth_agent::simulate::{runs, telemetry, SimConfig};
use seqhealth_api::{RunIngest, TelemetryBatch};
use seqhealth_demo::provision;
use seqhealth_server::store as db;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const SERIALS: [&str; 6] = [
    "M04210", "NB551470", "NB552091", "VH00412", "A00317", "M03302",
];

fn cfg() -> SimConfig {
    SimConfig {
        days: 60,
        reading_every_hours: 2,
        // A day per batch: many small transactions, so a kill lands between and inside them.
        batch_days: 1,
        ..SimConfig::demo(11, "2026-06-30T00:00:00Z".parse().unwrap())
    }
}

enum Item {
    Batch(TelemetryBatch),
    Run(RunIngest),
}

async fn start(db_url: &str, addr: &str, log: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
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

async fn kill(child: &mut Child) {
    child.start_kill().unwrap(); // SIGKILL
    let status = child.wait().await.unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9), "{status:?}");
}

/// Sends one item until the server takes it: a transport error or a 5xx is retried, as
/// the agent's spool does; anything else is a failure. Returns whether it was new.
async fn send(pusher: &Pusher, item: &Item) -> bool {
    loop {
        let r = match item {
            Item::Batch(b) => pusher.telemetry(b).await,
            Item::Run(r) => pusher.run(r).await,
        };
        match r {
            Ok(ack) => return ack.stored,
            Err(PushError::Transport(_)) => {}
            Err(PushError::Refused { status, .. }) if status.is_server_error() => {}
            Err(e) => panic!("refused: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_burst_then_resend_leaves_every_reading_and_run_exactly_once() {
    let t0 = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    let log = dir.path().join("server.log");
    let pool = db::connect(&url).await.unwrap();
    let fleet = provision(&pool, Some(&SERIALS)).await.unwrap().unwrap();
    pool.close().await;
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let base = format!("http://{addr}");

    // Each agent's history, runs among the batches in time order.
    let mut expected_readings = BTreeSet::new();
    let mut expected_events = BTreeSet::new();
    let (mut n_batches, mut n_runs) = (0, 0);
    let mut agents = Vec::new();
    for p in &fleet {
        let mut items: Vec<(i64, Item)> = Vec::new();
        for b in telemetry(p.instrument, &cfg()) {
            for r in &b.readings {
                expected_readings.insert((p.id, r.sensor.clone(), r.at.timestamp()));
            }
            for e in &b.events {
                expected_events.insert((p.id, e.at.timestamp(), e.code.clone()));
            }
            let at = b.readings.first().map(|r| r.at.timestamp()).unwrap_or(0);
            items.push((at, Item::Batch(b)));
            n_batches += 1;
        }
        for r in runs(p.instrument, &cfg()) {
            items.push((r.started_at.timestamp(), Item::Run(r)));
            n_runs += 1;
        }
        items.sort_by_key(|(at, _)| *at);
        let items: Vec<Item> = items.into_iter().map(|(_, i)| i).collect();
        agents.push((Pusher::new(&base, &p.token), Arc::new(items)));
    }
    let total = n_batches + n_runs;

    let mut server = start(&url, &addr, &log).await;
    let acked = Arc::new(AtomicUsize::new(0));
    let stored = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (pusher, items) in &agents {
        let (pusher, items) = (pusher.clone(), items.clone());
        let (acked, stored) = (acked.clone(), stored.clone());
        tasks.push(tokio::spawn(async move {
            for item in items.iter() {
                if send(&pusher, item).await {
                    stored.fetch_add(1, Ordering::SeqCst);
                }
                acked.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    // Two kills, at about a third and at two thirds of the burst.
    let mut killed_at = Vec::new();
    for fraction in [3, 6] {
        while acked.load(Ordering::SeqCst) < total * fraction / 10 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        kill(&mut server).await;
        killed_at.push(acked.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(300)).await;
        server = start(&url, &addr, &log).await;
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert!(
        killed_at.iter().all(|&k| k > 0 && k < total),
        "{killed_at:?} of {total}"
    );
    let first_pass_new = stored.load(Ordering::SeqCst);

    // The agents resend everything: all of it is already there.
    let mut tasks = Vec::new();
    for (pusher, items) in &agents {
        let (pusher, items) = (pusher.clone(), items.clone());
        tasks.push(tokio::spawn(async move {
            let mut new = 0;
            for item in items.iter() {
                new += send(&pusher, item).await as usize;
            }
            new
        }));
    }
    let mut resent_new = 0;
    for t in tasks {
        resent_new += t.await.unwrap();
    }
    assert_eq!(resent_new, 0, "a full resend stored something again");
    kill(&mut server).await;

    let pool = db::connect(&url).await.unwrap();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap() as usize
        }
    };
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    assert_eq!(
        count("SELECT COUNT(*) FROM sensor_readings").await,
        expected_readings.len()
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM operation_events").await,
        expected_events.len()
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM telemetry_batches").await,
        n_batches
    );
    assert_eq!(count("SELECT COUNT(*) FROM runs").await, n_runs);
    let stored_readings: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT instrument_id, sensor, at FROM sensor_readings")
            .fetch_all(&pool)
            .await
            .unwrap();
    let stored_readings: BTreeSet<_> = stored_readings.into_iter().collect();
    assert_eq!(stored_readings, expected_readings);
    consistency::assert_aggregates_match_readings(&pool).await;
    eprintln!(
        "{} agents, {n_batches} batches ({} readings) and {n_runs} runs; SIGKILL after {killed_at:?} \
         answers; {} stored on the first pass (the rest were answers lost to a kill); {:.1} s",
        agents.len(),
        expected_readings.len(),
        first_pass_new,
        t0.elapsed().as_secs_f64()
    );
}
