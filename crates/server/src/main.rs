//! `seqhealth-server`: parses flags, opens the database, and serves; or backs the
//! database up, restores it, or changes its key (`backup`, `restore`, `rekey`).

use chrono::{DurationRound, TimeDelta, Utc};
use clap::{Parser, Subcommand};
use seqhealth_agent::simulate::SimConfig;
use seqhealth_server::db::{self, AtRest, DatabaseKey};
use seqhealth_server::{app, demo, serve, serve_tls, tls, AppState};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tokio::net::TcpListener;

#[derive(Parser, Debug)]
#[command(version, about = "seqhealth: instrument health for sequencing labs")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on.
    #[arg(long, env = "SEQHEALTH_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Database URL: SQLite by default (the file is created if missing), or a PostgreSQL
    /// server shared by several server processes (postgres://user:password@host/db, with
    /// sslmode=verify-full or require across a network).
    #[arg(
        long,
        env = "SEQHEALTH_DATABASE_URL",
        default_value = "sqlite://seqhealth.db",
        global = true
    )]
    database_url: String,
    /// A file holding the database key: 64 hex digits, a 256-bit AES key (`openssl rand
    /// -hex 32`); the database is encrypted with it (SQLCipher). Or put the digits in
    /// SEQHEALTH_DATABASE_KEY. Never the key itself on the command line. Without a key the
    /// database is not encrypted, and the server says so at start.
    #[arg(long, env = "SEQHEALTH_DATABASE_KEY_FILE", global = true)]
    database_key_file: Option<PathBuf>,
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

/// The database's key in an environment variable (64 hex digits), instead of a file.
const KEY_ENV: &str = "SEQHEALTH_DATABASE_KEY";
/// `rekey`'s new key in an environment variable, instead of --new-key-file.
const NEW_KEY_ENV: &str = "SEQHEALTH_NEW_DATABASE_KEY";

#[derive(Subcommand, Debug)]
enum Command {
    /// Copy the database to a new file while the server keeps running and ingesting: a
    /// consistent snapshot (one read transaction, `VACUUM INTO`), encrypted with the
    /// database's key when it has one, reopened and checked before it is reported.
    Backup {
        /// The backup file to create (never overwritten).
        path: PathBuf,
    },
    /// Bring a backup back as the database (--database-url). The key is the one the
    /// database had when the backup was made.
    Restore {
        /// The backup file made by `backup`.
        path: PathBuf,
        /// Replace an existing database (only when no server has it open).
        #[arg(long)]
        force: bool,
    },
    /// Re-encrypt the database with a new key, keeping every row (the server stopped).
    /// Without a current key, encrypts an unencrypted database.
    Rekey {
        /// A file holding the new key (64 hex digits); or SEQHEALTH_NEW_DATABASE_KEY.
        #[arg(long, env = "SEQHEALTH_NEW_DATABASE_KEY_FILE")]
        new_key_file: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "seqhealth_server=info,tower_http=warn".into()),
        )
        // Logs on stderr, as the README says; stdout keeps what the user is told.
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let done = match &cli.command {
        None => run(cli).await,
        Some(command) => admin(&cli, command).await,
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// The key given by --database-key-file (or SEQHEALTH_DATABASE_KEY_FILE) or by
/// SEQHEALTH_DATABASE_KEY; at most one of them.
fn database_key(file: Option<&Path>) -> Result<Option<DatabaseKey>, String> {
    key_from(
        file,
        KEY_ENV,
        "--database-key-file (SEQHEALTH_DATABASE_KEY_FILE)",
    )
}

fn key_from(file: Option<&Path>, env: &str, flag: &str) -> Result<Option<DatabaseKey>, String> {
    let from_env = std::env::var(env).ok().filter(|v| !v.trim().is_empty());
    match (file, from_env) {
        (Some(_), Some(_)) => Err(format!(
            "both {flag} and {env} are set: give the key one way"
        )),
        (Some(path), None) => {
            let (key, warning) = DatabaseKey::read_file(path)?;
            if let Some(w) = warning {
                tracing::warn!("{w}");
            }
            Ok(Some(key))
        }
        (None, Some(digits)) => DatabaseKey::parse(&digits)
            .map(Some)
            .map_err(|e| format!("{env}: {e}")),
        (None, None) => Ok(None),
    }
}

/// `backup`, `restore`, `rekey`: one operation on the database file, said on stdout.
/// (Without a command, the server serves.)
async fn admin(cli: &Cli, command: &Command) -> Result<(), String> {
    let key = database_key(cli.database_key_file.as_deref())?;
    let url = &cli.database_url;
    if db::Backend::of_url(url) == db::Backend::Postgres {
        return Err(
            "backup, restore and rekey work on the embedded SQLite database's file; \
             for PostgreSQL use its own tools (pg_dump / pg_restore, or base backups)"
                .into(),
        );
    }
    let how = |at_rest: AtRest| match at_rest {
        AtRest::Encrypted => "encrypted with the database's key",
        _ => "NOT encrypted (the database has no key)",
    };
    let rows = |tables: &db::TableCounts| tables.iter().map(|t| t.1).sum::<i64>();
    match command {
        Command::Backup { path } => {
            let t = std::time::Instant::now();
            let c = db::backup(url, key.as_ref(), path)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "backup of {url} written to {} in {:.1} s: {} bytes, {}; reopened and checked: \
                 {} tables, {} rows",
                c.path.display(),
                t.elapsed().as_secs_f64(),
                c.bytes,
                how(c.at_rest),
                c.tables.len(),
                rows(&c.tables)
            );
        }
        Command::Restore { path, force } => {
            let c = db::restore(url, key.as_ref(), path, *force)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{} restored from {}: {} bytes, {}; reopened and checked: {} tables, {} rows",
                c.path.display(),
                path.display(),
                c.bytes,
                how(c.at_rest),
                c.tables.len(),
                rows(&c.tables)
            );
        }
        Command::Rekey { new_key_file } => {
            let new = key_from(
                new_key_file.as_deref(),
                NEW_KEY_ENV,
                "--new-key-file (SEQHEALTH_NEW_DATABASE_KEY_FILE)",
            )?
            .ok_or_else(|| {
                format!("rekey needs the new key: --new-key-file <file> or {NEW_KEY_ENV}")
            })?;
            let tables = db::rekey(url, key.as_ref(), &new)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{url} is now encrypted with the new key ({} tables, {} rows kept); the old \
                 key no longer opens it. Backups made before keep the key they were made with.",
                tables.len(),
                rows(&tables)
            );
        }
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<(), String> {
    let tls = tls_config(&cli)?;
    if tls.is_none() {
        tls::check_plain_http(cli.addr)?;
    }
    let key = database_key(cli.database_key_file.as_deref())?;
    // Checked before anything writes to the file: a wrong key stops here, file untouched.
    let (pool, _) = db::open(&cli.database_url, key.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    let shown = db::redact(&cli.database_url);
    if db::backend(&pool) == db::Backend::Postgres {
        match db::postgres_tls(&pool).await {
            Ok(Some(true)) => tracing::info!("database {shown}: PostgreSQL over TLS"),
            _ => tracing::warn!(
                "database {shown}: connected to PostgreSQL WITHOUT TLS: readings, sessions and \
                 password hashes cross the network in the clear; add sslmode=verify-full (or \
                 require) to --database-url (README, Security)"
            ),
        }
        tracing::info!(
            "database {shown}: PostgreSQL's data at rest is protected by its server's volume \
             encryption, not by seqhealth (README, Security)"
        );
    } else if key.is_some() {
        tracing::info!(
            "database {shown} encrypted at rest (SQLCipher {}, AES-256)",
            db::cipher_version().await.unwrap_or_default()
        );
    } else {
        tracing::warn!(
            "database {} is NOT encrypted at rest: give it a key with --database-key-file \
             or SEQHEALTH_DATABASE_KEY (README, Security)",
            shown
        );
    }
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
    pool: &sqlx::AnyPool,
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
