//! Data at rest (issue 9): the SQLite file is encrypted with SQLCipher (AES-256) under a
//! key from a file or the environment.
//!
//! - Planted plaintext (an instrument's nickname and serial, a reagent-kit and a flow-cell
//!   lot) pushed through the real server is found in none of the database file, its WAL or
//!   a backup; without a key the same values are plainly there (the search works).
//! - A wrong key, no key for an encrypted file, or a key for a plain one: the real
//!   `seqhealth-server` exits non-zero with a clear message and the files are untouched
//!   (bytes and mtimes).
//! - `backup` while agents keep pushing → `restore` into a fresh path → a fresh server on
//!   it: every table equal, row for row; a backup taken mid-burst is consistent.
//! - `rekey` keeps every row; the old key then fails; a plain database is encrypted by it.
//! - `restore` replaces a database only with `--force`, and never one in use.

#[path = "api/consistency.rs"]
mod consistency;

use seqhealth_agent::fleet::DEMO_FLEET;
use seqhealth_agent::push::Pusher;
use seqhealth_agent::simulate::{runs, telemetry, SimConfig};
use seqhealth_api::{RunIngest, TelemetryBatch};
use seqhealth_demo::provision;
use seqhealth_server::domain::provision::{create_instrument, create_lab, NewInstrument};
use seqhealth_server::store::{self as db, AtRest, DatabaseKey, OpenError};
use seqhealth_server::{app, serve, AppState};
use sqlx::AnyPool;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Values that must never be readable in the files.
const NICKNAME: &str = "Wrenfield-Kestrel-7731";
const SERIAL: &str = "PLNT90417QX";
const KIT_LOT: &str = "RGTLOT-58213-QZ";
const FLOW_CELL_LOT: &str = "FCLOT-33190-QZ";
const PLANTED: [&str; 4] = [NICKNAME, SERIAL, KIT_LOT, FLOW_CELL_LOT];

const SERIALS: [&str; 4] = ["M04210", "NB551470", "VH00412", "A00317"];

fn cfg(days: i64) -> SimConfig {
    SimConfig {
        days,
        reading_every_hours: 2,
        batch_days: 1,
        ..SimConfig::demo(9, "2026-06-30T00:00:00Z".parse().unwrap())
    }
}

fn url_of(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// A new random key in a new owner-only file.
fn new_key(dir: &Path, name: &str) -> (PathBuf, DatabaseKey) {
    let key = DatabaseKey::generate();
    let path = dir.join(name);
    key.write_new_file(&path).unwrap();
    (path, key)
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The planted values found in a file (empty when it does not exist).
fn planted_in(path: &Path) -> Vec<&'static str> {
    let bytes = std::fs::read(path).unwrap_or_default();
    PLANTED
        .into_iter()
        .filter(|p| contains(&bytes, p))
        .collect()
}

/// The planted values found in a database file or its WAL (a closed pool does not always
/// leave its WAL checkpointed and removed).
fn planted_in_db(file: &Path) -> BTreeSet<&'static str> {
    let mut found: BTreeSet<_> = planted_in(file).into_iter().collect();
    found.extend(planted_in(&sidecar(file, "-wal")));
    found
}

/// A server in this process on `pool`, plain HTTP on loopback.
struct Server {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(pool: &AnyPool) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let router = app(AppState::new(pool.clone()), None);
    let task = tokio::spawn(serve(listener, router, async {
        let _ = rx.await;
    }));
    Server {
        base,
        stop: Some(tx),
        task,
    }
}

impl Server {
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap().unwrap();
    }
}

/// Runs the real `seqhealth-server` with `args` and only the environment given (no key
/// inherited from the test's own environment). Returns (success, stdout, stderr).
async fn cli<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_seqhealth-server"));
    cmd.args(args).env("RUST_LOG", "warn").env("NO_COLOR", "1");
    for var in [
        "SEQHEALTH_DATABASE_KEY",
        "SEQHEALTH_DATABASE_KEY_FILE",
        "SEQHEALTH_NEW_DATABASE_KEY",
        "SEQHEALTH_NEW_DATABASE_KEY_FILE",
        "SEQHEALTH_DATABASE_URL",
        "SEQHEALTH_ADDR",
        "SEQHEALTH_DEMO",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("seqhealth-server did not finish")
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// Every table (from sqlite_master, `sqlite_sequence` included), each row rendered with
/// SQLite's `quote()`, sorted: two databases with equal dumps hold the same data.
async fn dump(pool: &AnyPool) -> BTreeMap<String, Vec<String>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%'
         ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap();
        let row = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let mut rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {row} FROM \"{table}\""))
            .fetch_all(pool)
            .await
            .unwrap();
        rows.sort();
        out.insert(table, rows);
    }
    out
}

async fn dump_file(path: &Path, key: Option<&DatabaseKey>) -> BTreeMap<String, Vec<String>> {
    let (pool, _) = db::open(&url_of(path), key).await.unwrap();
    let d = dump(&pool).await;
    pool.close().await;
    d
}

/// The first run of a simulated instrument, with the planted lots.
fn planted_run() -> RunIngest {
    let mut run = runs(&DEMO_FLEET[0], &cfg(30)).remove(0);
    run.configuration.reagent_kit_lot = Some(KIT_LOT.into());
    run.configuration.flow_cell_lot = Some(FLOW_CELL_LOT.into());
    run
}

/// A lab with the planted instrument, its run and a few days of its sensors, pushed
/// through the real server on `pool` (left running: the WAL holds the latest writes).
async fn plant(pool: &AnyPool) -> Server {
    let lab = create_lab(pool, "Planted Lab", "Europe/Paris")
        .await
        .unwrap();
    let new = NewInstrument {
        serial: SERIAL,
        model: DEMO_FLEET[0].model.name(),
        nickname: NICKNAME,
        site: "Bench 3",
    };
    let (_, token) = create_instrument(pool, lab, &new).await.unwrap();
    let server = start(pool).await;
    let pusher = Pusher::new(&server.base, &token);
    for b in telemetry(&DEMO_FLEET[0], &cfg(5)) {
        assert!(pusher.telemetry(&b).await.unwrap().stored);
    }
    assert!(pusher.run(&planted_run()).await.unwrap().stored);
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_values_are_in_no_file_when_encrypted_and_plainly_there_without_a_key() {
    assert!(db::cipher_version().await.is_some(), "SQLCipher is linked");
    for encrypted in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("planted.db");
        let key = encrypted.then(|| new_key(dir.path(), "key").1);
        let (pool, at_rest) = db::open(&url_of(&file), key.as_ref()).await.unwrap();
        assert_eq!(at_rest, AtRest::New);
        let server = plant(&pool).await;

        // While it runs: the file and its WAL (the newest pages are only there).
        let wal = sidecar(&file, "-wal");
        assert!(std::fs::metadata(&wal).unwrap().len() > 0, "a WAL in use");
        let backup = dir.path().join("planted.backup");
        let copied = db::backup(&url_of(&file), key.as_ref(), &backup)
            .await
            .unwrap();
        let header = std::fs::read(&file).unwrap()[..16].to_vec();
        let found = [&file, &wal, &backup].map(|p| planted_in(p));
        server.stop().await;
        pool.close().await;
        // After a clean close everything is checkpointed into the file itself.
        let found_closed = planted_in_db(&file);

        if encrypted {
            assert_eq!(copied.at_rest, AtRest::Encrypted);
            assert_ne!(&header, b"SQLite format 3\0", "the header is encrypted too");
            for (f, p) in found.iter().enumerate() {
                assert!(p.is_empty(), "file {f} holds {p:?} in clear");
            }
            assert!(found_closed.is_empty(), "{found_closed:?}");
            // The key does open it, and the values are there.
            let d = dump_file(&file, key.as_ref()).await;
            let all = format!("{d:?}");
            for p in PLANTED {
                assert!(all.contains(p), "{p} not stored");
            }
        } else {
            // The control: without a key the search finds every value, so its silence
            // above means something.
            assert_eq!(copied.at_rest, AtRest::Plain);
            assert_eq!(&header, b"SQLite format 3\0");
            let seen: BTreeSet<&str> = found.iter().flatten().copied().collect();
            assert_eq!(seen, PLANTED.into_iter().collect(), "{found:?}");
            assert_eq!(planted_in(&backup).len(), PLANTED.len());
            assert_eq!(found_closed.len(), PLANTED.len());
        }
    }
}

/// Size, modification time and a hash of the bytes of the database file and its WAL and
/// shared-memory files (`None` for one that does not exist).
type Snapshot = Vec<Option<(u64, SystemTime, u64)>>;
fn snapshot(file: &Path) -> Snapshot {
    use std::hash::{Hash, Hasher};
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|s| {
            let p = sidecar(file, s);
            let meta = std::fs::metadata(&p).ok()?;
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::fs::read(&p).unwrap().hash(&mut h);
            Some((meta.len(), meta.modified().unwrap(), h.finish()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_key_is_refused_before_anything_touches_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = new_key(dir.path(), "right.key");
    let (wrong_file, wrong) = new_key(dir.path(), "wrong.key");
    let file = dir.path().join("locked.db");
    let url = url_of(&file);
    let (pool, _) = db::open(&url, Some(&key)).await.unwrap();
    provision(&pool, Some(&SERIALS)).await.unwrap().unwrap();
    let rows = dump(&pool).await;
    // What a crash leaves: the file and a WAL holding the newest pages (copied while the
    // pool is open and idle).
    let crashed = dir.path().join("crashed.db");
    std::fs::copy(&file, &crashed).unwrap();
    std::fs::copy(sidecar(&file, "-wal"), sidecar(&crashed, "-wal")).unwrap();
    pool.close().await;
    settle(&file).await;

    let wrong_path = wrong_file.display().to_string();
    let wrong_hex = std::fs::read_to_string(&wrong_file)
        .unwrap()
        .trim()
        .to_string();
    for file in [crashed, file.clone()] {
        refused_untouched(&file, &key_file, &wrong_path, &wrong_hex).await;
        match db::open(&url_of(&file), Some(&wrong)).await {
            Err(OpenError::WrongKey(p)) => assert_eq!(p, file),
            other => panic!("{:?}", other.map(|_| ())),
        }
        assert_eq!(dump_file(&file, Some(&key)).await, rows);
    }

    // A key for a file that is not encrypted.
    let plain = dir.path().join("plain.db");
    db::connect(&url_of(&plain)).await.unwrap().close().await;
    settle(&plain).await;
    let plain_before = snapshot(&plain);

    let plain_url = url_of(&plain);
    let (ok, _, stderr) = cli(
        &[
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            &plain_url,
            "--database-key-file",
            key_file.to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert!(!ok);
    assert!(
        stderr.contains(&format!(
            "{} is not encrypted, but a database key was given",
            plain.display()
        )),
        "{stderr}"
    );
    assert_eq!(snapshot(&plain), plain_before);

    // The right key, from the environment: the server starts and the data is there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let right_hex = std::fs::read_to_string(&key_file).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_seqhealth-server"))
        .args([
            "--addr",
            &listen,
            "--database-url",
            &url,
            "--dist",
            "/nonexistent",
        ])
        .env("SEQHEALTH_DATABASE_KEY", right_hex.trim())
        .env_remove("SEQHEALTH_DATABASE_KEY_FILE")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(&listen).await.is_err() {
        assert!(child.try_wait().unwrap().is_none(), "the server exited");
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().await.unwrap();
    assert_eq!(dump_file(&file, Some(&key)).await, rows);
}

/// Arguments, environment, and what stderr must say.
type Case<'a> = (Vec<String>, Vec<(&'a str, &'a str)>, String);

/// Every way of giving a wrong key (file, environment, the subcommands) or none is refused
/// with its message, the key is never printed, and `file` and its WAL, shared-memory and
/// journal files keep their bytes and modification times.
async fn refused_untouched(file: &Path, key_file: &Path, wrong_path: &str, wrong_hex: &str) {
    let url = url_of(file);
    let key_file = key_file.to_str().unwrap();
    let before = snapshot(file);
    assert!(before[0].is_some());
    let serve = |extra: &[&str]| -> Vec<String> {
        let mut args = strings(&["--addr", "127.0.0.1:0", "--dist", "/nonexistent"]);
        args.extend(strings(&["--database-url", &url]));
        args.extend(strings(extra));
        args
    };
    let expect_wrong = format!(
        "the database key does not open {}: wrong key, or the file is not a seqhealth database",
        file.display()
    );
    let backup_to = sidecar(file, ".backup");
    let backup_to = backup_to.display().to_string();
    let cases: Vec<Case> = vec![
        // A wrong key from a file, from the environment; and for the subcommands.
        (
            serve(&["--database-key-file", wrong_path]),
            vec![],
            expect_wrong.clone(),
        ),
        (
            serve(&[]),
            vec![("SEQHEALTH_DATABASE_KEY", wrong_hex)],
            expect_wrong.clone(),
        ),
        (
            serve(&[]),
            vec![("SEQHEALTH_DATABASE_KEY_FILE", wrong_path)],
            expect_wrong.clone(),
        ),
        (
            strings(&[
                "backup",
                &backup_to,
                "--database-url",
                &url,
                "--database-key-file",
                wrong_path,
            ]),
            vec![],
            expect_wrong.clone(),
        ),
        (
            strings(&["rekey", "--database-url", &url, "--new-key-file", key_file]),
            vec![("SEQHEALTH_DATABASE_KEY", wrong_hex)],
            expect_wrong.clone(),
        ),
        // No key for an encrypted file.
        (
            serve(&[]),
            vec![],
            format!(
                "{} is encrypted (or is not a SQLite database) and no key was given",
                file.display()
            ),
        ),
        // A key that is not a key.
        (
            serve(&[]),
            vec![("SEQHEALTH_DATABASE_KEY", "correct horse battery staple")],
            "SEQHEALTH_DATABASE_KEY: a database key is 64 hexadecimal digits".into(),
        ),
    ];
    for (args, env, message) in cases {
        let (ok, _, stderr) = cli(&args, &env).await;
        assert!(!ok, "{args:?} started");
        assert!(stderr.contains(&message), "{args:?}: {stderr}");
        assert!(!stderr.contains(wrong_hex), "the key is printed: {stderr}");
        assert_eq!(snapshot(file), before, "{args:?} touched the file");
    }
    assert!(
        !Path::new(&backup_to).exists(),
        "a failed backup leaves no file"
    );
}

/// Waits until a closed pool's last connection has checkpointed and removed the WAL
/// (sqlx finishes closing SQLite connections on their own threads).
async fn settle(file: &Path) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while sidecar(file, "-wal").exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// One agent's history, runs among the batches in time order.
enum Item {
    Batch(TelemetryBatch),
    Run(RunIngest),
}

fn history(serial: &str) -> Vec<Item> {
    let inst = DEMO_FLEET.iter().find(|i| i.serial == serial).unwrap();
    let mut items: Vec<(i64, Item)> = Vec::new();
    for b in telemetry(inst, &cfg(60)) {
        let at = b.readings.first().map(|r| r.at.timestamp()).unwrap_or(0);
        items.push((at, Item::Batch(b)));
    }
    for r in runs(inst, &cfg(60)) {
        items.push((r.started_at.timestamp(), Item::Run(r)));
    }
    items.sort_by_key(|(at, _)| *at);
    items.into_iter().map(|(_, i)| i).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_under_ingest_then_restore_into_a_fresh_server_gives_every_table_equal() {
    let t0 = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = new_key(dir.path(), "db.key");
    let key_arg = key_file.to_str().unwrap();
    let file = dir.path().join("live.db");
    let url = url_of(&file);
    let (pool, _) = db::open(&url, Some(&key)).await.unwrap();
    let fleet = provision(&pool, Some(&SERIALS)).await.unwrap().unwrap();
    let server = start(&pool).await;

    // Four agents push their history at once; every acknowledged batch is noted with when.
    let acked: Arc<Mutex<Vec<(Instant, i64, String)>>> = Arc::default();
    let mut total = 0;
    let mut agents = Vec::new();
    for p in &fleet {
        let items = history(p.instrument.serial);
        total += items.len();
        let (pusher, acked, id) = (Pusher::new(&server.base, &p.token), acked.clone(), p.id);
        agents.push(tokio::spawn(async move {
            for item in &items {
                match item {
                    Item::Batch(b) => {
                        pusher.telemetry(b).await.unwrap();
                        let mut a = acked.lock().unwrap();
                        a.push((Instant::now(), id, b.batch_id.clone()));
                    }
                    Item::Run(r) => {
                        pusher.run(r).await.unwrap();
                    }
                }
            }
        }));
    }
    let batches_total: usize = fleet
        .iter()
        .map(|p| {
            let inst = p.instrument;
            telemetry(inst, &cfg(60)).len()
        })
        .sum();

    // A third of the way in, `backup` from another process while the agents keep pushing.
    while acked.lock().unwrap().len() < batches_total / 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mid = dir.path().join("mid.backup");
    let began = Instant::now();
    let acked_at_start = acked.lock().unwrap().len();
    let (ok, out, err) = cli(
        &[
            "backup",
            mid.to_str().unwrap(),
            "--database-url",
            &url,
            "--database-key-file",
            key_arg,
        ],
        &[],
    )
    .await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("encrypted with the database's key"), "{out}");
    let acked_at_end = acked.lock().unwrap().len();
    assert!(
        acked_at_end < batches_total,
        "the ingest was over before the backup finished"
    );
    let before_backup: BTreeSet<(i64, String)> = acked
        .lock()
        .unwrap()
        .iter()
        .filter(|(at, _, _)| *at < began)
        .map(|(_, id, b)| (*id, b.clone()))
        .collect();
    for a in agents {
        a.await.unwrap();
    }

    // Quiet now: a second backup, restored into a fresh path by the real binary.
    let last = dir.path().join("last.backup");
    let (ok, out, err) = cli(
        &[
            "backup",
            last.to_str().unwrap(),
            "--database-url",
            &url,
            "--database-key-file",
            key_arg,
        ],
        &[],
    )
    .await;
    assert!(ok, "{out}{err}");
    let restored = dir.path().join("restored.db");
    let restored_url = url_of(&restored);
    let (ok, out, err) = cli(
        &[
            "restore",
            last.to_str().unwrap(),
            "--database-url",
            &restored_url,
        ],
        &[("SEQHEALTH_DATABASE_KEY_FILE", key_arg)],
    )
    .await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("restored from"), "{out}");

    // A fresh server on the restored file: every table equal, row for row.
    let live = dump(&pool).await;
    let (restored_pool, at_rest) = db::open(&restored_url, Some(&key)).await.unwrap();
    assert_eq!(at_rest, AtRest::Encrypted);
    let fresh = start(&restored_pool).await;
    let restored_rows = dump(&restored_pool).await;
    assert_eq!(
        live.keys().collect::<Vec<_>>(),
        restored_rows.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &live {
        assert_eq!(rows, &restored_rows[table], "table {table} differs");
    }
    assert_eq!(live["telemetry_batches"].len(), batches_total);
    // …and it serves them: an agent's resend is known, a manager sees the same runs.
    let p = &fleet[0];
    let first = history(p.instrument.serial)
        .into_iter()
        .find_map(|i| match i {
            Item::Batch(b) => Some(b),
            _ => None,
        });
    let ack = Pusher::new(&fresh.base, &p.token)
        .telemetry(&first.unwrap())
        .await
        .unwrap();
    assert!(!ack.stored, "the restored server knows the batch");
    let runs_on = |base: String| async move {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let login = serde_json::json!({
            "email": "ada@northgate.example",
            "password": seqhealth_demo::DEMO_PASSWORD
        });
        let r = http
            .post(format!("{base}/api/v1/session"))
            .json(&login)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let r = http
            .get(format!(
                "{base}/api/v1/instruments/{}/runs?from=2025-06-01&to=2026-07-01",
                p.id
            ))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        r.json::<seqhealth_api::RunList>().await.unwrap()
    };
    let (on_live, on_fresh) = (
        runs_on(server.base.clone()).await,
        runs_on(fresh.base.clone()).await,
    );
    assert!(!on_live.runs.is_empty());
    assert!(on_live == on_fresh, "the two servers answer different runs");
    fresh.stop().await;
    restored_pool.close().await;

    // The mid-burst backup, restored: a consistent moment of the ingest. Every batch
    // acknowledged before it began is there, whole; the aggregates equal a recomputation.
    let mid_restored = dir.path().join("mid-restored.db");
    let (ok, out, err) = cli(
        &[
            "restore",
            mid.to_str().unwrap(),
            "--database-url",
            &url_of(&mid_restored),
            "--database-key-file",
            key_arg,
        ],
        &[],
    )
    .await;
    assert!(ok, "{out}{err}");
    let (mid_pool, _) = db::open(&url_of(&mid_restored), Some(&key)).await.unwrap();
    let in_backup: Vec<(i64, String)> =
        sqlx::query_as("SELECT instrument_id, batch_id FROM telemetry_batches")
            .fetch_all(&mid_pool)
            .await
            .unwrap();
    let in_backup: BTreeSet<(i64, String)> = in_backup.into_iter().collect();
    assert!(
        before_backup.is_subset(&in_backup),
        "{} batches acknowledged before the backup are missing from it",
        before_backup.difference(&in_backup).count()
    );
    assert!(
        in_backup.len() < batches_total,
        "the backup is a moment mid-burst"
    );
    let live_batches: BTreeSet<String> = live["telemetry_batches"].iter().cloned().collect();
    let mid_rows = dump(&mid_pool).await;
    assert!(mid_rows["telemetry_batches"]
        .iter()
        .all(|b| live_batches.contains(b)));
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mid_pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    consistency::assert_aggregates_match_readings(&mid_pool).await;
    mid_pool.close().await;
    for b in [&mid, &last, &restored, &mid_restored] {
        let bytes = std::fs::read(b).unwrap();
        assert_ne!(
            &bytes[..16],
            b"SQLite format 3\0",
            "{} is plain",
            b.display()
        );
        for s in SERIALS {
            assert!(!contains(&bytes, s), "{} holds {s} in clear", b.display());
        }
    }
    server.stop().await;
    pool.close().await;
    eprintln!(
        "{total} items from {} agents; the mid backup began after {acked_at_start} batches and \
         ended after {acked_at_end} of {batches_total} ({} in it); {:.1} s",
        fleet.len(),
        in_backup.len(),
        t0.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rekey_keeps_every_row_and_the_old_key_then_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (old_file, old) = new_key(dir.path(), "old.key");
    let (new_file, new) = new_key(dir.path(), "new.key");
    let file = dir.path().join("rekeyed.db");
    let url = url_of(&file);
    let (pool, _) = db::open(&url, Some(&old)).await.unwrap();
    let server = plant(&pool).await;
    let rows = dump(&pool).await;

    // Not while the server has it open.
    let args = [
        "rekey",
        "--database-url",
        &url,
        "--database-key-file",
        old_file.to_str().unwrap(),
        "--new-key-file",
        new_file.to_str().unwrap(),
    ];
    let (ok, _, stderr) = cli(&args, &[]).await;
    assert!(!ok);
    assert!(stderr.contains("is in use (a running server?)"), "{stderr}");
    assert_eq!(dump(&pool).await, rows, "the refused rekey changed nothing");
    server.stop().await;
    pool.close().await;

    let (ok, out, err) = cli(&args, &[]).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("now encrypted with the new key"), "{out}");
    assert_eq!(dump_file(&file, Some(&new)).await, rows);
    assert!(matches!(
        db::open(&url, Some(&old)).await,
        Err(OpenError::WrongKey(_))
    ));
    assert!(planted_in_db(&file).is_empty());

    // Again, both keys from the environment.
    let third = DatabaseKey::generate();
    let current_hex = std::fs::read_to_string(new_file.as_path()).unwrap();
    let third_file = dir.path().join("third.key");
    third.write_new_file(&third_file).unwrap();
    let third_digits = std::fs::read_to_string(&third_file).unwrap();
    let (ok, out, err) = cli(
        &["rekey", "--database-url", &url],
        &[
            ("SEQHEALTH_DATABASE_KEY", current_hex.trim()),
            ("SEQHEALTH_NEW_DATABASE_KEY", third_digits.trim()),
        ],
    )
    .await;
    assert!(ok, "{out}{err}");
    assert_eq!(dump_file(&file, Some(&third)).await, rows);
    assert!(matches!(
        db::open(&url, Some(&new)).await,
        Err(OpenError::WrongKey(_))
    ));

    // An unencrypted database is encrypted by a rekey without a current key.
    let plain = dir.path().join("plain.db");
    let plain_url = url_of(&plain);
    let (pool, at_rest) = db::open(&plain_url, None).await.unwrap();
    assert_eq!(at_rest, AtRest::New);
    let server = plant(&pool).await;
    server.stop().await;
    let rows = dump(&pool).await;
    pool.close().await;
    assert_eq!(planted_in_db(&plain).len(), PLANTED.len());
    let (ok, out, err) = cli(
        &[
            "rekey",
            "--database-url",
            &plain_url,
            "--new-key-file",
            new_file.to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert!(ok, "{out}{err}");
    assert!(
        planted_in_db(&plain).is_empty(),
        "{:?}",
        planted_in_db(&plain)
    );
    assert_eq!(dump_file(&plain, Some(&new)).await, rows);
    assert!(matches!(
        db::open(&plain_url, None).await,
        Err(OpenError::KeyNeeded(_))
    ));
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode, 0o600, "{mode:o}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_replaces_a_database_only_when_forced_and_never_one_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = new_key(dir.path(), "db.key");
    let key_arg = key_file.to_str().unwrap();
    let file = dir.path().join("one.db");
    let url = url_of(&file);
    let (pool, _) = db::open(&url, Some(&key)).await.unwrap();
    let server = plant(&pool).await;
    let backup = dir.path().join("one.backup");
    let (ok, out, err) = cli(
        &[
            "backup",
            backup.to_str().unwrap(),
            "--database-url",
            &url,
            "--database-key-file",
            key_arg,
        ],
        &[],
    )
    .await;
    assert!(ok, "{out}{err}");
    let at_backup = dump(&pool).await;
    // A backup never overwrites.
    let (ok, _, stderr) = cli(
        &[
            "backup",
            backup.to_str().unwrap(),
            "--database-url",
            &url,
            "--database-key-file",
            key_arg,
        ],
        &[],
    )
    .await;
    assert!(!ok);
    assert!(
        stderr.contains("already exists: it is never overwritten"),
        "{stderr}"
    );

    // The database moves on after the backup.
    sqlx::query("UPDATE instruments SET site = 'Moved' WHERE serial = $1")
        .bind(SERIAL)
        .execute(&pool)
        .await
        .unwrap();
    let moved = dump(&pool).await;
    assert_ne!(moved, at_backup);

    let restore = |force: bool| {
        let mut args = vec![
            "restore".to_string(),
            backup.display().to_string(),
            "--database-url".into(),
            url.clone(),
            "--database-key-file".into(),
            key_arg.into(),
        ];
        if force {
            args.push("--force".into());
        }
        args
    };
    let run = |args: Vec<String>| async move { cli(&args, &[]).await };
    let (ok, _, stderr) = run(restore(false)).await;
    assert!(!ok);
    assert!(
        stderr.contains("restore never replaces a database unless given --force"),
        "{stderr}"
    );
    let (ok, _, stderr) = run(restore(true)).await;
    assert!(!ok, "replaced a database in use");
    assert!(stderr.contains("is in use (a running server?)"), "{stderr}");
    assert_eq!(
        dump(&pool).await,
        moved,
        "the refused restores changed nothing"
    );
    server.stop().await;
    pool.close().await;

    // A wrong key for the backup is refused before anything is replaced.
    let (_, wrong) = new_key(dir.path(), "wrong.key");
    assert!(matches!(
        db::restore(&url, Some(&wrong), &backup, true).await,
        Err(OpenError::WrongKey(p)) if p == backup
    ));
    assert_eq!(dump_file(&file, Some(&key)).await, moved);

    let (ok, out, err) = run(restore(true)).await;
    assert!(ok, "{out}{err}");
    assert_eq!(dump_file(&file, Some(&key)).await, at_backup);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restoring"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
