//! `seqhealth-server`: parses flags, opens the database, and serves.

use chrono::{DurationRound, TimeDelta, Utc};
use clap::Parser;
use seqhealth_agent::simulate::SimConfig;
use seqhealth_server::{app, db, demo, serve, serve_tls, tls, AppState};
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
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(long, env = "SEQHEALTH_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "SEQHEALTH_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate for localhost made at start (demos;
    /// browsers warn about it, agents need it as --ca).
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    self_signed: bool,
    /// With --self-signed: write the certificate (PEM) here, for `seqhealth-agent --ca`.
    #[arg(long, requires = "self_signed")]
    self_signed_out: Option<PathBuf>,
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
    let tls = tls_config(&cli)?;
    if tls.is_none() {
        tls::check_plain_http(cli.addr)?;
    }
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
    // The demo pushes through the API like any agent: over HTTPS it trusts this server's
    // certificate (kept in a temporary file while the server runs).
    let mut _demo_ca = None;
    if let (Some((_, pem)), true) = (&tls, cli.demo) {
        let file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
        std::fs::write(file.path(), pem).map_err(|e| e.to_string())?;
        demo::trust(file.path().to_path_buf());
        _demo_ca = Some(file);
    }
    let (server, base) = match tls {
        Some((config, _)) => (
            tokio::spawn(serve_tls(listener, config, router, shutdown_signal())),
            format!("https://localhost:{}", addr.port()),
        ),
        None => (
            tokio::spawn(serve(listener, router, shutdown_signal())),
            format!("http://{addr}"),
        ),
    };
    tokio::spawn(seqhealth_server::warnings::sweep_forever(
        pool.clone(),
        std::time::Duration::from_secs(cli.sweep_secs.max(1)),
    ));
    tracing::info!("seqhealth listening on {addr}: {base}");

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

/// The TLS settings the flags ask for, and the certificate(s) a client of this server
/// trusts (PEM); `None` for plain HTTP.
fn tls_config(cli: &Cli) -> Result<Option<(std::sync::Arc<tls::ServerConfig>, String)>, String> {
    if let (Some(cert), Some(key)) = (&cli.tls_cert, &cli.tls_key) {
        let config = tls::server_config(tls::load_pem(cert, key)?)?;
        println!("  serving HTTPS (TLS 1.2 and 1.3) with {}", cert.display());
        let pem = std::fs::read_to_string(cert).map_err(|e| e.to_string())?;
        return Ok(Some((config, pem)));
    }
    if !cli.self_signed {
        return Ok(None);
    }
    let made = tls::self_signed(&["localhost", "127.0.0.1", "::1"])?;
    let written = match &cli.self_signed_out {
        Some(path) => {
            std::fs::write(path, &made.cert_pem)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Some(path.clone())
        }
        None => None,
    };
    println!(
        "  serving HTTPS with a SELF-SIGNED certificate for localhost, made at start: \
         browsers will warn; agents need it as --ca{}",
        written
            .as_ref()
            .map(|p| format!(" ({})", p.display()))
            .unwrap_or_default()
    );
    Ok(Some((tls::server_config(made.identity)?, made.cert_pem)))
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
