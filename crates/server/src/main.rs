//! `seqhealth-server`: parses flags, opens the database, and serves.

use chrono::{DurationRound, TimeDelta, Utc};
use clap::Parser;
use seqhealth_agent::simulate::SimConfig;
use seqhealth_server::{app, db, demo, serve, AppState};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use tokio::net::TcpListener;

#[derive(Parser, Debug)]
#[command(version, about = "seqhealth: instrument health for sequencing labs")]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "SEQHEALTH_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Database URL; SQLite by default (the file is created if missing).
    #[arg(
        long,
        env = "SEQHEALTH_DATABASE_URL",
        default_value = "sqlite://seqhealth.db"
    )]
    database_url: String,
    /// The built dashboard (Trunk's output); without it only the API is served.
    #[arg(long, env = "SEQHEALTH_DIST", default_value = "dist")]
    dist: PathBuf,
    /// On an empty database: create the demo labs, users and simulated fleet, push a year
    /// of its history through the ingest API, and keep it reporting.
    #[arg(long, env = "SEQHEALTH_DEMO")]
    demo: bool,
    /// Seconds between sweeps for instruments that stopped reporting.
    #[arg(long, env = "SEQHEALTH_SWEEP_SECS", default_value_t = 300)]
    sweep_secs: u64,
    /// Seed of the simulated fleet (same seed, same fleet).
    #[arg(long, default_value_t = 42)]
    demo_seed: u64,
    /// With --demo: write the simulated instruments' tokens (serial → token, JSON, owner-only)
    /// here, for `seqhealth-agent simulate --tokens`.
    #[arg(long)]
    demo_tokens: Option<PathBuf>,
    /// With --demo: real Illumina run folders to summarise and push for demo instruments
    /// of the same model (e.g. ../shared/interop/runs); skipped when absent.
    #[arg(long)]
    demo_run_folders: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "seqhealth_server=info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let pool = db::connect(&cli.database_url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", cli.database_url))?;
    let dist = cli
        .dist
        .join("index.html")
        .is_file()
        .then_some(cli.dist.as_path());
    if dist.is_none() {
        tracing::warn!(dist = %cli.dist.display(), "no built dashboard there (run `make build`); serving the API only");
    }
    let listener = TcpListener::bind(cli.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let router = app(AppState::new(pool.clone()), dist);
    let server = tokio::spawn(serve(listener, router, shutdown_signal()));
    tokio::spawn(seqhealth_server::warnings::sweep_forever(
        pool.clone(),
        std::time::Duration::from_secs(cli.sweep_secs.max(1)),
    ));
    let base = format!("http://{addr}");
    tracing::info!("seqhealth listening on {base}");

    if cli.demo {
        run_demo(
            &pool,
            &base,
            cli.demo_seed,
            cli.demo_tokens.as_deref(),
            cli.demo_run_folders.as_deref(),
        )
        .await?;
    }
    server
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

async fn run_demo(
    pool: &sqlx::SqlitePool,
    base: &str,
    seed: u64,
    tokens_file: Option<&std::path::Path>,
    run_folders: Option<&std::path::Path>,
) -> Result<(), String> {
    // Whole days, so the same seed on the same day gives the same history.
    let end = Utc::now()
        .duration_trunc(TimeDelta::hours(1))
        .map_err(|e| e.to_string())?;
    let cfg = SimConfig::demo(seed, end);
    match demo::provision(pool, None)
        .await
        .map_err(|e| e.to_string())?
    {
        None => tracing::info!("database already has labs: demo data kept as it is"),
        Some(fleet) => {
            if let Some(path) = tokens_file {
                write_tokens(path, &fleet)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            tracing::info!(
                "pushing a year of simulated history for {} instruments…",
                fleet.len()
            );
            let t = std::time::Instant::now();
            let s = demo::push_fleet(base, &fleet, &cfg)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(
                "demo fleet ready in {:.1} s: {} runs, {} readings, {} events",
                t.elapsed().as_secs_f64(),
                s.runs,
                s.readings,
                s.events
            );
            if let Some(dir) = run_folders.filter(|d| d.is_dir()) {
                let real = demo::push_real_runs(base, &fleet, dir).await;
                tracing::info!("pushed {} real runs from {}", real.len(), dir.display());
            }
            tokio::spawn(demo::report_live(
                pool.clone(),
                base.to_string(),
                fleet,
                cfg,
                std::time::Duration::from_secs(60),
            ));
        }
    }
    println!("\n  seqhealth demo is running at {base}\n");
    for (_, email, _, role) in demo::DEMO_USERS
        .iter()
        .filter(|u| u.3 == seqhealth_api::Role::Manager)
    {
        println!(
            "  log in as {email} / {}  ({})",
            demo::DEMO_PASSWORD,
            role.as_str()
        );
    }
    println!("\n  Ctrl-C stops it.\n");
    Ok(())
}

/// Tokens are secrets: the file is created readable by its owner only.
fn write_tokens(path: &std::path::Path, fleet: &[demo::Provisioned]) -> std::io::Result<()> {
    use std::io::Write;
    let map: std::collections::BTreeMap<&str, &str> = fleet
        .iter()
        .map(|p| (p.instrument.serial, p.token.as_str()))
        .collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path)?;
    f.write_all(serde_json::to_string_pretty(&map)?.as_bytes())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
