//! `seqhealth-bench`: performance figures side by side in one run (never a pass/fail test).
//!
//! Builds a fresh SQLite database with a simulated fleet pushed through the real ingest
//! API over loopback HTTP (ingest throughput), then times every dashboard read endpoint at
//! a given concurrency (p50/p95/p99 and response sizes), and lists the dashboard's
//! first-load sizes from `dist/`. Prints Markdown tables.
//!
//!     cargo run --profile server -p seqhealth-server --bin seqhealth-bench -- \
//!         [--instruments 100] [--days 365] [--clients 50] [--requests 2000] [--dist dist]
//!         [--keep DIR]   (keep DIR/bench.db; log in as bench@lab.example / bench-password)
//!         [--reuse DIR]  (time the reads on a kept DIR/bench.db again, without ingesting)
//!         [--database-url postgres://…]   (an empty PostgreSQL database instead of SQLite)

use chrono::{DurationRound, TimeDelta, Utc};
use seqhealth_agent::simulate::SimConfig;
use seqhealth_server::{app, serve, store as db, AppState};
use std::path::PathBuf;
use std::time::Duration;

#[path = "common/load.rs"]
mod load;

struct Args {
    instruments: usize,
    days: i64,
    clients: usize,
    requests: usize,
    dist: PathBuf,
    /// Keep the database here (a directory) for other benchmarks, e.g. the browser's
    /// time to a useful screen; a temporary directory otherwise.
    keep: Option<PathBuf>,
    /// An empty database to run on instead of a new SQLite file (a PostgreSQL one).
    database_url: Option<String>,
    /// A database kept by an earlier `--keep`: skip the ingest, time the reads again.
    reuse: Option<PathBuf>,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        instruments: 100,
        days: 365,
        clients: 50,
        requests: 2000,
        dist: "dist".into(),
        keep: None,
        database_url: None,
        reuse: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag} takes a whole number, not {value:?}"))
        };
        match flag.as_str() {
            "--instruments" => a.instruments = num()?.max(1),
            "--days" => a.days = num()?.max(1) as i64,
            "--clients" => a.clients = num()?.max(1),
            "--requests" => a.requests = num()?.max(1),
            "--dist" => a.dist = value.into(),
            "--keep" => a.keep = Some(value.into()),
            "--database-url" => a.database_url = Some(value),
            "--reuse" => a.reuse = Some(value.into()),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(a)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    load::finish("seqhealth-bench", args(), run).await
}

fn e(e: &dyn std::fmt::Display) -> String {
    e.to_string()
}

async fn run(a: Args) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|x| e(&x))?;
    // The simulated history ends at this hour.
    let end = Utc::now()
        .duration_trunc(TimeDelta::hours(1))
        .map_err(|x| e(&x))?;
    let pool = match &a.reuse {
        Some(dir) => open_kept(dir).await?,
        None => open_new(&a, tmp.path()).await?,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|x| e(&x))?;
    let base = format!("http://{}", listener.local_addr().map_err(|x| e(&x))?);
    let dist = a
        .dist
        .join("index.html")
        .is_file()
        .then_some(a.dist.as_path());
    tokio::spawn(serve(
        listener,
        app(AppState::new(pool.clone()), dist),
        std::future::pending(),
    ));
    let id = match &a.reuse {
        Some(_) => kept_lab(&a, &pool).await?,
        None => ingest(&a, &pool, &base, end).await?,
    };
    reads(&a, &base, id, end).await?;
    first_load(&a);
    Ok(())
}

/// Opens the database an earlier `--keep` run left in `dir`.
async fn open_kept(dir: &std::path::Path) -> Result<sqlx::AnyPool, String> {
    let file = dir.join("bench.db");
    if !file.is_file() {
        return Err(format!("{} has no bench.db to reuse", dir.display()));
    }
    db::connect(&format!("sqlite://{}", file.display()))
        .await
        .map_err(|x| e(&x))
}

/// Says what the kept database holds; returns its first instrument.
async fn kept_lab(a: &Args, pool: &sqlx::AnyPool) -> Result<i64, String> {
    let (id, instruments): (Option<i64>, i64) =
        sqlx::query_as("SELECT MIN(id), COUNT(*) FROM instruments")
            .fetch_one(pool)
            .await
            .map_err(|x| e(&x))?;
    let id = id.ok_or("the kept database has no instruments")?;
    println!("## seqhealth-bench (reads only)\n");
    println!(
        "{instruments} instruments, in a database kept by an earlier run; {} clients × {} requests per endpoint\n",
        a.clients, a.requests
    );
    Ok(id)
}

/// An empty database: a new SQLite file (in `--keep` or `tmp`) or `--database-url`'s.
async fn open_new(a: &Args, tmp: &std::path::Path) -> Result<sqlx::AnyPool, String> {
    let dir = match &a.keep {
        Some(keep) => {
            std::fs::create_dir_all(keep).map_err(|x| e(&x))?;
            if keep.join("bench.db").exists() {
                return Err(format!("{} already has a bench.db", keep.display()));
            }
            keep.clone()
        }
        None => tmp.to_path_buf(),
    };
    let url = match &a.database_url {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", dir.join("bench.db").display()),
    };
    db::connect(&url).await.map_err(|x| e(&x))
}

/// The lab, its manager and the simulated fleet's history pushed through the ingest API
/// at `base`; prints the ingest figures and returns the first instrument.
async fn ingest(
    a: &Args,
    pool: &sqlx::AnyPool,
    base: &str,
    end: chrono::DateTime<Utc>,
) -> Result<i64, String> {
    let fleet = load::bench_lab(pool, a.instruments).await?;

    // Ingest: every instrument's history, 8 pushers at once, as a fleet reporting in.
    let cfg = SimConfig {
        days: a.days,
        ..SimConfig::demo(7, end)
    };
    let pushed = seqhealth_demo::push_in_parallel(
        base,
        &fleet
            .iter()
            .map(|(t, _, token)| (*t, token.clone()))
            .collect::<Vec<_>>(),
        &cfg,
        8,
    )
    .await?;
    let (readings, run_count, ingest_secs) = (pushed.readings, pushed.runs, pushed.secs);

    println!("## seqhealth-bench\n");
    println!(
        "{} instruments × {} days; {} readings in {} batches, {} runs; {} clients × {} requests per endpoint\n",
        a.instruments,
        a.days,
        readings,
        fleet.len() * (a.days as usize).div_ceil(7),
        run_count,
        a.clients,
        a.requests
    );
    let backend = match db::backend(pool) {
        db::Backend::Sqlite => "SQLite",
        db::Backend::Postgres => "PostgreSQL",
    };
    println!("| ingest ({backend}, 8 pushers, HTTP on loopback) | figure |\n|---|---|");
    println!("| wall time | {ingest_secs:.1} s |");
    println!(
        "| readings accepted and folded into buckets | {:.0} /s |",
        readings as f64 / ingest_secs
    );
    println!(
        "| runs | {:.0} /s (after the telemetry) |\n",
        run_count as f64 / ingest_secs
    );
    Ok(fleet[0].1)
}

/// Every dashboard read endpoint: alone (one client: what a request costs) and under load
/// (`clients` at once: what queueing adds).
async fn reads(a: &Args, base: &str, id: i64, end: chrono::DateTime<Utc>) -> Result<(), String> {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = |headers: reqwest::header::HeaderMap| {
        reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .pool_max_idle_per_host(a.clients)
            .build()
            .map_err(|x| e(&x))
    };
    let http = client(reqwest::header::HeaderMap::new())?;
    // As a browser asks: the body comes gzipped (not unzipped here; a browser does that).
    let mut gzip = reqwest::header::HeaderMap::new();
    gzip.insert(
        reqwest::header::ACCEPT_ENCODING,
        reqwest::header::HeaderValue::from_static("gzip, deflate, br, zstd"),
    );
    let browser = client(gzip)?;
    let login = serde_json::json!({ "email": "bench@lab.example", "password": "bench-password" });
    let r = http
        .post(format!("{base}/api/v1/session"))
        .json(&login)
        .send()
        .await
        .map_err(|x| e(&x))?;
    if !r.status().is_success() {
        return Err(format!("login failed: {}", r.status()));
    }
    // Every read a dashboard screen makes, with the arguments the dashboard sends.
    let endpoints = [
        ("session", "/api/v1/session".to_string()),
        ("fleet", "/api/v1/fleet".to_string()),
        ("instrument", format!("/api/v1/instruments/{id}")),
        ("runs (1 year)", format!("/api/v1/instruments/{id}/runs")),
        (
            "runs (2 years, the widest window)",
            format!(
                "/api/v1/instruments/{id}/runs?from={}",
                (end - TimeDelta::days(730)).format("%Y-%m-%d")
            ),
        ),
        (
            "telemetry (30 days, hourly)",
            format!("/api/v1/instruments/{id}/telemetry?metric=laser_power_pct"),
        ),
        (
            "telemetry (1 year, daily)",
            format!(
                "/api/v1/instruments/{id}/telemetry?metric=laser_power_pct&from={}",
                (end - TimeDelta::days(365)).format("%Y-%m-%d")
            ),
        ),
        (
            "predictions",
            format!("/api/v1/instruments/{id}/predictions"),
        ),
        ("warnings (open)", "/api/v1/warnings".to_string()),
        (
            "warnings (every status)",
            "/api/v1/warnings?status=all".to_string(),
        ),
        ("replacements", "/api/v1/replacements".to_string()),
        ("planned runs", "/api/v1/planned-runs".to_string()),
        ("audit log", "/api/v1/audit?instrument=".to_string()),
        ("calendar", "/api/v1/calendar".to_string()),
    ];
    // The kept lists again, as a browser asks for them: gzipped once per data version.
    let gzipped = [
        "fleet",
        "warnings (every status)",
        "replacements",
        "audit log",
    ];
    let endpoints = endpoints
        .iter()
        .map(|(name, path)| (name.to_string(), path.clone(), &http))
        .chain(
            endpoints
                .iter()
                .filter(|(n, _)| gzipped.contains(n))
                .map(|(name, path)| {
                    (
                        format!("{name}, gzip (as a browser asks)"),
                        path.clone(),
                        &browser,
                    )
                }),
        );
    let one = (a.requests / 5).clamp(20, 200);
    println!(
        "| endpoint | first ms | 1 client p50 ms | p50 ms | p95 ms | p99 ms | req/s | response bytes |\n|---|---|---|---|---|---|---|---|"
    );
    for (name, path, http) in endpoints {
        let url = format!("{base}{path}");
        // The first answer: a kept one (the fleet, the lists) is computed afresh for it.
        let first = std::time::Instant::now();
        let size = http
            .get(&url)
            .send()
            .await
            .map_err(|x| e(&x))?
            .bytes()
            .await
            .map_err(|x| e(&x))?
            .len();
        let first = first.elapsed().as_secs_f64() * 1e3;
        let (alone, _) = load::measure(http, &url, 1, one).await?;
        let (all, wall) = load::measure(http, &url, a.clients, a.requests).await?;
        println!(
            "| {name} | {first:.1} | {:.2} | {:.1} | {:.1} | {:.1} | {:.0} | {size} |",
            percentile(&alone, 0.5),
            percentile(&all, 0.5),
            percentile(&all, 0.95),
            percentile(&all, 0.99),
            all.len() as f64 / wall
        );
    }
    Ok(())
}

/// First load: what a browser fetches before the fleet can show.
fn first_load(a: &Args) {
    if let Ok(rd) = std::fs::read_dir(&a.dist) {
        let mut files: Vec<PathBuf> = rd
            .filter_map(|x| x.ok().map(|x| x.path()))
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x == "wasm" || x == "js" || x == "css" || x == "html")
            })
            .collect();
        files.sort();
        println!("\n| first load | raw bytes | gzip | brotli |\n|---|---|---|---|");
        let (mut raw_t, mut gz_t, mut br_t) = (0u64, 0u64, 0u64);
        for f in files {
            let len = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let (raw, gz, br) = (
                len(f.clone()),
                len(f.with_extension(format!(
                    "{}.gz",
                    f.extension().unwrap_or_default().to_string_lossy()
                ))),
                len(f.with_extension(format!(
                    "{}.br",
                    f.extension().unwrap_or_default().to_string_lossy()
                ))),
            );
            raw_t += raw;
            gz_t += gz;
            br_t += br;
            println!(
                "| {} | {raw} | {gz} | {br} |",
                f.file_name().unwrap_or_default().to_string_lossy()
            );
        }
        println!("| **total** | {raw_t} | {gz_t} | {br_t} |");
    }
}
