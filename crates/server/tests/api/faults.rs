//! The database's disk fills up or it becomes read-only while the server runs: ingest
//! answers 503 with a JSON body and stores nothing, the agent keeps its runs in the spool,
//! and once the database recovers the spool drains and nothing is lost.
//!
//! The faults are SQLite's own: `PRAGMA max_page_count` pinned to the file's current size
//! (every write that needs a new page fails with SQLITE_FULL, as on a full disk) and
//! `PRAGMA query_only` (SQLITE_READONLY), set on each pooled connection as it is handed out.

use super::consistency::assert_aggregates_match_readings;
use super::*;
use seqhealth_agent::push::{PushError, Pusher};
use seqhealth_agent::spool::{DrainEnd, Spool};
use sqlx::any::AnyConnectOptions;
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

const HEALTHY: u8 = 0;
const DISK_FULL: u8 = 1;
const READ_ONLY: u8 = 2;

/// Puts the fault of `mode` on one connection (or takes it off).
async fn take_fault(conn: &mut sqlx::AnyConnection, mode: u8) -> Result<(), sqlx::Error> {
    // max_page_count cannot go below the file's size: 1 pins it there.
    let (pages, query_only) = match mode {
        DISK_FULL => ("1", "0"),
        READ_ONLY => ("1073741823", "1"),
        _ => ("1073741823", "0"),
    };
    sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!("PRAGMA query_only = {query_only}"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The server's pool on `url`, whose connections take the fault in `mode` when acquired
/// or opened (the pool closes a connection a failed transaction left unusable and opens
/// another: that one must be faulty too).
async fn faulty_pool(url: &str, mode: Arc<AtomicU8>) -> sqlx::AnyPool {
    // The file exists and is in WAL mode already (db::connect made it).
    let options = AnyConnectOptions::from_str(url).unwrap();
    let on_connect = mode.clone();
    seqhealth_server::store::pool_options()
        .max_connections(4)
        .after_connect(move |conn, _| {
            let mode = on_connect.load(Ordering::SeqCst);
            Box::pin(async move {
                sqlx::query("PRAGMA busy_timeout = 10000")
                    .execute(&mut *conn)
                    .await?;
                take_fault(conn, mode).await
            })
        })
        .before_acquire(move |conn, _| {
            let mode = mode.load(Ordering::SeqCst);
            Box::pin(async move { take_fault(conn, mode).await.map(|()| true) })
        })
        .connect_with(options)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_or_read_only_database_answers_503_the_agent_spools_and_nothing_is_lost() {
    if on_postgres("a_full_or_read_only_database…") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let setup = db::connect(&url).await.unwrap();
    let fleet = provision(&setup, Some(&["A00317", "NB552091"]))
        .await
        .unwrap()
        .unwrap();
    setup.close().await;
    let mode = Arc::new(AtomicU8::new(HEALTHY));
    let pool = faulty_pool(&url, mode.clone()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(seqhealth_server::serve(
        listener,
        app(AppState::new(pool.clone()), None),
        std::future::pending(),
    ));

    let p = &fleet[0];
    let pusher = Pusher::new(&base, &p.token);
    let batches = telemetry(p.instrument, &cfg());
    let year = SimConfig { days: 365, ..cfg() };
    let all_runs = runs(p.instrument, &year);
    assert!(
        batches.len() >= 4 && all_runs.len() >= 82,
        "{}",
        all_runs.len()
    );
    // Healthy: the first batches and runs go in.
    for b in &batches[..2] {
        assert!(pusher.telemetry(b).await.unwrap().stored);
    }
    for r in &all_runs[..2] {
        assert!(pusher.run(r).await.unwrap().stored);
    }
    let count = |table: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let before = (
        count("sensor_readings").await,
        count("sensor_buckets").await,
        count("telemetry_batches").await,
        count("runs").await,
    );

    let spool_dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(spool_dir.path()).unwrap();
    let mut next_run = 2;
    let mut runs_in = 2;
    for (fault, name) in [(DISK_FULL, "disk full"), (READ_ONLY, "read-only")] {
        mode.store(fault, Ordering::SeqCst);
        // Telemetry: 503 with the API's JSON error, nothing half-written.
        for b in &batches[2..4] {
            match pusher.telemetry(b).await {
                Err(PushError::Refused { status, body }) => {
                    assert_eq!(status.as_u16(), 503, "{name}: {body:?}");
                    assert_eq!(body.error, "unavailable", "{name}");
                    assert!(!body.detail.is_empty(), "{name}");
                }
                other => panic!("{name}: telemetry answered {other:?}"),
            }
        }
        // Runs: the agent spools them and its drain pauses at the first 503, keeping the
        // rest. (A full disk still takes what fits in the pages it has: a few small runs
        // may go in first; a read-only database takes none.)
        for r in &all_runs[next_run..next_run + 40] {
            spool.put(r).unwrap();
        }
        next_run += 40;
        let pending = spool.pending().unwrap().len();
        let report = spool.drain(&pusher).await.unwrap();
        assert!(
            matches!(&report.end, DrainEnd::Paused(why) if why.contains("503")),
            "{name}: {report:?}"
        );
        assert_eq!(report.rejected, 0, "{name}: {report:?}");
        assert!(report.remaining > 0, "{name}: {report:?}");
        assert_eq!(
            report.sent + report.remaining,
            pending,
            "{name}: {report:?}"
        );
        if fault == READ_ONLY {
            assert_eq!(report.sent, 0, "{name}: {report:?}");
        }
        runs_in += report.sent;
        assert_eq!(spool.pending().unwrap().len(), report.remaining, "{name}");
        mode.store(HEALTHY, Ordering::SeqCst);
        let now = (
            count("sensor_readings").await,
            count("sensor_buckets").await,
            count("telemetry_batches").await,
            count("runs").await,
        );
        assert_eq!(
            now,
            (before.0, before.1, before.2, runs_in as i64),
            "{name}: a refused write changed the database"
        );
    }

    // Recovered: the spool drains, the refused batches are sent again, nothing is lost.
    let report = spool.drain(&pusher).await.unwrap();
    assert_eq!(report.end, DrainEnd::Empty, "{report:?}");
    assert_eq!(runs_in + report.sent, next_run, "{report:?}");
    assert!(spool.pending().unwrap().is_empty());
    for b in &batches[2..] {
        assert!(pusher.telemetry(b).await.unwrap().stored, "{}", b.batch_id);
    }
    let readings: usize = batches.iter().map(|b| b.readings.len()).sum();
    assert_eq!(count("sensor_readings").await as usize, readings);
    assert_eq!(count("telemetry_batches").await as usize, batches.len());
    assert_eq!(count("runs").await as usize, next_run);
    assert_aggregates_match_readings(&pool).await;
}
