//! `seqhealth-bench-at-rest`: what encryption at rest costs, side by side in one run
//! (never a pass/fail test).
//!
//! Each round builds two fresh SQLite databases, one unencrypted and one encrypted with
//! SQLCipher (a random key), in alternating order (plain first in odd rounds, encrypted
//! first in even ones, so neither always runs on a warmer machine). On each: a simulated
//! fleet is pushed through the real ingest API over loopback HTTP (readings/s), then the
//! dashboard's read endpoints are timed from concurrent clients (p50/p95/p99). Prints a
//! Markdown table per round and the medians.
//!
//!     cargo run --profile server -p seqhealth-server --bin seqhealth-bench-at-rest -- \
//!         [--instruments 20] [--days 120] [--rounds 5] [--clients 20] [--requests 400]

use chrono::{DurationRound, TimeDelta, Utc};
use seqhealth_agent::simulate::SimConfig;
use seqhealth_server::store::{self as db, DatabaseKey};
use seqhealth_server::{app, serve, AppState};
use std::time::{Duration, Instant};

#[path = "common/load.rs"]
mod load;

struct Args {
    instruments: usize,
    days: i64,
    rounds: usize,
    clients: usize,
    requests: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        instruments: 20,
        days: 120,
        rounds: 5,
        clients: 20,
        requests: 400,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let n = value
            .parse::<usize>()
            .map_err(|_| format!("{flag} takes a whole number, not {value:?}"))?
            .max(1);
        match flag.as_str() {
            "--instruments" => a.instruments = n,
            "--days" => a.days = n as i64,
            "--rounds" => a.rounds = n,
            "--clients" => a.clients = n,
            "--requests" => a.requests = n,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(a)
}

/// Milliseconds at quantile `p` of sorted durations.
fn quantile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// One database's figures.
struct Figures {
    encrypted: bool,
    readings_per_s: f64,
    ingest_secs: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    reads_per_s: f64,
    /// Per endpoint: p95 ms.
    endpoint_p95: Vec<(&'static str, f64)>,
    /// A full scan of the readings on a new connection (SQLite's page cache empty, the
    /// operating system's warm): every page read and, encrypted, decrypted. Median ms.
    scan_ms: f64,
    readings: usize,
    bytes: u64,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    load::finish("seqhealth-bench-at-rest", args(), run).await
}

async fn run(a: Args) -> Result<(), String> {
    let cipher = db::cipher_version()
        .await
        .ok_or("this build's SQLite is not SQLCipher")?;
    let end = Utc::now()
        .duration_trunc(TimeDelta::hours(1))
        .map_err(|e| e.to_string())?;
    let cfg = SimConfig {
        days: a.days,
        ..SimConfig::demo(7, end)
    };
    println!("## seqhealth-bench-at-rest\n");
    println!(
        "SQLCipher {cipher} (AES-256-CBC, HMAC-SHA512 per 4 KiB page, raw key) against plain \
         SQLite, same build. {} instruments × {} days pushed by 8 agents over loopback HTTP; \
         then {} clients × {} requests on each of 7 dashboard endpoints. {} rounds, the order \
         alternating.\n",
        a.instruments, a.days, a.clients, a.requests, a.rounds
    );
    println!(
        "| round | database | ingest readings/s | ingest s | reads p50 ms | reads p95 ms | \
         reads p99 ms | reads/s | scan ms | file + WAL MB |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let mut all: Vec<Figures> = Vec::new();
    for round in 1..=a.rounds {
        let order = if round % 2 == 1 {
            [false, true]
        } else {
            [true, false]
        };
        for encrypted in order {
            let f = measure(&a, &cfg, encrypted).await?;
            println!(
                "| {round} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | {:.1} | {:.1} |",
                name(encrypted),
                f.readings_per_s,
                f.ingest_secs,
                f.p50,
                f.p95,
                f.p99,
                f.reads_per_s,
                f.scan_ms,
                f.bytes as f64 / 1e6
            );
            all.push(f);
        }
    }

    let med = |encrypted: bool, get: &dyn Fn(&Figures) -> f64| {
        median(
            all.iter()
                .filter(|f| f.encrypted == encrypted)
                .map(get)
                .collect(),
        )
    };
    println!(
        "\n{} readings per database.\n\n| median of {} rounds | plain | encrypted | \
         encrypted / plain |\n|---|---:|---:|---:|",
        all[0].readings, a.rounds
    );
    type Row<'a> = (&'a str, &'a dyn Fn(&Figures) -> f64, usize);
    let rows: [Row; 7] = [
        ("ingest readings/s", &|f| f.readings_per_s, 0),
        ("reads p50 ms", &|f| f.p50, 1),
        ("reads p95 ms", &|f| f.p95, 1),
        ("reads p99 ms", &|f| f.p99, 1),
        ("reads/s", &|f| f.reads_per_s, 0),
        (
            "full scan of the readings, cold page cache, ms",
            &|f| f.scan_ms,
            1,
        ),
        ("file + WAL MB", &|f| f.bytes as f64 / 1e6, 1),
    ];
    for (label, get, decimals) in rows {
        let (p, e) = (med(false, get), med(true, get));
        println!(
            "| {label} | {p:.decimals$} | {e:.decimals$} | {:.2}× |",
            e / p
        );
    }
    println!("\n| endpoint p95 ms (median) | plain | encrypted |\n|---|---:|---:|");
    let names: Vec<&str> = all[0].endpoint_p95.iter().map(|e| e.0).collect();
    for (i, endpoint) in names.iter().enumerate() {
        let p = med(false, &|f| f.endpoint_p95[i].1);
        let e = med(true, &|f| f.endpoint_p95[i].1);
        println!("| {endpoint} | {p:.1} | {e:.1} |");
    }
    Ok(())
}

fn name(encrypted: bool) -> &'static str {
    if encrypted {
        "encrypted"
    } else {
        "plain"
    }
}

async fn measure(a: &Args, cfg: &SimConfig, encrypted: bool) -> Result<Figures, String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let dir = tempfile::tempdir().map_err(|x| e(&x))?;
    let file = dir.path().join("bench.db");
    let key = encrypted.then(DatabaseKey::generate);
    let (pool, _) = db::open(&format!("sqlite://{}", file.display()), key.as_ref())
        .await
        .map_err(|x| e(&x))?;
    let fleet = load::bench_lab(&pool, a.instruments).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|x| e(&x))?;
    let base = format!("http://{}", listener.local_addr().map_err(|x| e(&x))?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        app(AppState::new(pool.clone()), None),
        async {
            let _ = stopped.await;
        },
    ));

    // Ingest: every instrument's history, 8 pushers at once.
    let pushed = seqhealth_demo::push_in_parallel(
        &base,
        &fleet
            .iter()
            .map(|(t, _, token)| (*t, token.clone()))
            .collect::<Vec<_>>(),
        cfg,
        8,
    )
    .await?;
    let (readings, ingest_secs) = (pushed.readings, pushed.secs);

    // Reads: the dashboard's endpoints, one after another, each from `clients` at once.
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(a.clients)
        .build()
        .map_err(|x| e(&x))?;
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
    let id = fleet[0].1;
    let endpoints: [(&'static str, String); 7] = [
        ("fleet", "/api/v1/fleet".into()),
        ("instrument", format!("/api/v1/instruments/{id}")),
        ("runs", format!("/api/v1/instruments/{id}/runs")),
        (
            "telemetry (30 days, hourly)",
            format!("/api/v1/instruments/{id}/telemetry?metric=laser_power_pct"),
        ),
        (
            "telemetry (all, daily)",
            format!(
                "/api/v1/instruments/{id}/telemetry?metric=laser_power_pct&from={}",
                (cfg.end - TimeDelta::days(cfg.days)).format("%Y-%m-%d")
            ),
        ),
        (
            "predictions",
            format!("/api/v1/instruments/{id}/predictions"),
        ),
        ("warnings (open)", "/api/v1/warnings".into()),
    ];
    let mut all = Vec::new();
    let mut endpoint_p95 = Vec::new();
    let mut read_secs = 0.0;
    for (label, path) in endpoints {
        let url = format!("{base}{path}");
        let (times, secs) = load::measure(&http, &url, a.clients, a.requests).await?;
        read_secs += secs;
        endpoint_p95.push((label, quantile(&times, 0.95)));
        all.extend(times);
    }
    all.sort();

    // Every page of the readings through SQLite (and SQLCipher): the cost in its purest form.
    let options =
        db::options(&format!("sqlite://{}", file.display()), key.as_ref()).map_err(|x| e(&x))?;
    let mut scans = Vec::new();
    for _ in 0..5 {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = options.connect().await.map_err(|x| e(&x))?;
        let t = Instant::now();
        let (n, _): (i64, f64) =
            sqlx::query_as("SELECT COUNT(*), TOTAL(value) FROM sensor_readings")
                .fetch_one(&mut conn)
                .await
                .map_err(|x| e(&x))?;
        scans.push(t.elapsed().as_secs_f64() * 1000.0);
        if n as usize != readings {
            return Err(format!("{n} readings stored, {readings} pushed"));
        }
        let _ = conn.close().await;
    }
    let bytes = ["", "-wal"]
        .iter()
        .map(|s| {
            let mut p = file.as_os_str().to_owned();
            p.push(s);
            std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
        })
        .sum();
    let _ = stop.send(());
    server.await.map_err(|x| e(&x))?.map_err(|x| e(&x))?;
    pool.close().await;
    Ok(Figures {
        encrypted,
        readings_per_s: readings as f64 / ingest_secs,
        ingest_secs,
        p50: quantile(&all, 0.5),
        p95: quantile(&all, 0.95),
        p99: quantile(&all, 0.99),
        reads_per_s: all.len() as f64 / read_secs,
        endpoint_p95,
        scan_ms: median(scans),
        readings,
        bytes,
    })
}
