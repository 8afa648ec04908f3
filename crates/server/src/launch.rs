//! Starting the server as `seqhealth-server` runs it: flags, the database (checked before
//! anything writes to it), TLS, the listener, the periodic sweep. `seqhealth-demo` starts
//! it the same way and then fills it.

use crate::http::tls;
use crate::store::{self as db, DatabaseKey};
use crate::{app_with, jobs, serve_tls, serve_with, AppState, Dashboard};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tokio::net::TcpListener;

/// How the server serves: the flags of `seqhealth-server` (and of `seqhealth-demo`, which
/// serves the same way).
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SEQHEALTH_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Database URL: SQLite by default (the file is created if missing), or a PostgreSQL
    /// server shared by several server processes (postgres://user:password@host/db, with
    /// sslmode=verify-full or require across a network).
    #[arg(
        long,
        env = "SEQHEALTH_DATABASE_URL",
        default_value = "sqlite://seqhealth.db",
        global = true,
        // `--help` would print a PostgreSQL URL's password from the environment.
        hide_env_values = true
    )]
    pub database_url: String,
    /// A file holding the database key: 64 hex digits, a 256-bit AES key (`openssl rand
    /// -hex 32`); the database is encrypted with it (SQLCipher). Or put the digits in
    /// SEQHEALTH_DATABASE_KEY. Never the key itself on the command line. Without a key the
    /// database is not encrypted, and the server says so at start.
    #[arg(long, env = "SEQHEALTH_DATABASE_KEY_FILE", global = true)]
    pub database_key_file: Option<PathBuf>,
    /// Serve the dashboard from this folder (Trunk's output) instead of the one built into
    /// the binary: for development, where `make build` then shows at once.
    #[arg(long, env = "SEQHEALTH_DIST")]
    pub dist: Option<PathBuf>,
    /// Seconds between sweeps for instruments that stopped reporting.
    #[arg(long, env = "SEQHEALTH_SWEEP_SECS", default_value_t = 300)]
    pub sweep_secs: u64,
    /// Seconds between passes of the notification worker (escalations, digests, mail
    /// and webhook deliveries and their retries).
    #[arg(long, env = "SEQHEALTH_NOTIFY_SECS", default_value_t = 5)]
    pub notify_secs: u64,
    /// Events of one instrument within this many seconds go out as one message.
    #[arg(long, env = "SEQHEALTH_NOTIFY_GROUP_SECS", default_value_t = 120)]
    pub notify_group_secs: u64,
    /// The first retry of a failed delivery waits this many seconds; each next doubles
    /// (up to an hour), for a day.
    #[arg(long, env = "SEQHEALTH_NOTIFY_RETRY_SECS", default_value_t = 30)]
    pub notify_retry_secs: u64,
    /// A delivery claimed by a server process that died is sent again after this many
    /// seconds.
    #[arg(long, env = "SEQHEALTH_NOTIFY_LEASE_SECS", default_value_t = 120)]
    pub notify_lease_secs: u64,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(long, env = "SEQHEALTH_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "SEQHEALTH_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate for localhost made at start (demos;
    /// browsers warn about it, agents need it as --ca).
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    pub self_signed: bool,
    /// With --self-signed: write the certificate (PEM) here, for `seqhealth-agent --ca`.
    #[arg(long, requires = "self_signed")]
    pub self_signed_out: Option<PathBuf>,
    /// The address people reach this server at (https://seqhealth.example.org): what links
    /// in messages and printed by `init` point to. Default: http://<--addr>.
    #[arg(long, env = "SEQHEALTH_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Send mail (invitations, reset links) through this SMTP server:
    /// smtp[s]://user:password@host:port (never printed with its password).
    #[arg(long, env = "SEQHEALTH_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of that mail.
    #[arg(
        long,
        env = "SEQHEALTH_MAIL_FROM",
        default_value = "seqhealth <seqhealth@localhost>"
    )]
    pub mail_from: String,
    /// Without --smtp-url, each message is written here as an .eml file instead.
    #[arg(long, env = "SEQHEALTH_MAIL_DIR", default_value = "mail")]
    pub mail_dir: PathBuf,
    /// Connections open at once from everyone together; more are closed at once.
    #[arg(long, env = "SEQHEALTH_MAX_CONNECTIONS", default_value_t = 4_096)]
    pub max_connections: usize,
    /// Connections open at once from one address (an IPv6 /64); a lab behind one NAT
    /// shares it.
    #[arg(
        long,
        env = "SEQHEALTH_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 256
    )]
    pub max_connections_per_address: usize,
}

impl ServeArgs {
    /// Where a person's browser reaches this server, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.addr),
        }
    }
}

/// The database's key in an environment variable (64 hex digits), instead of a file.
pub const KEY_ENV: &str = "SEQHEALTH_DATABASE_KEY";
/// `rekey`'s new key in an environment variable, instead of --new-key-file.
pub const NEW_KEY_ENV: &str = "SEQHEALTH_NEW_DATABASE_KEY";

/// The key given by --database-key-file (or SEQHEALTH_DATABASE_KEY_FILE) or by
/// SEQHEALTH_DATABASE_KEY; at most one of them.
pub fn database_key(file: Option<&Path>) -> Result<Option<DatabaseKey>, String> {
    key_from(
        file,
        KEY_ENV,
        "--database-key-file (SEQHEALTH_DATABASE_KEY_FILE)",
    )
}

pub fn key_from(file: Option<&Path>, env: &str, flag: &str) -> Result<Option<DatabaseKey>, String> {
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

/// A server that is listening.
pub struct Started {
    pub pool: sqlx::AnyPool,
    /// Where clients reach it: `http://127.0.0.1:8080` or `https://localhost:8443`.
    pub base: String,
    /// The certificate a client of this server trusts (PEM), when it serves HTTPS.
    pub trust_pem: Option<String>,
    /// Ends when the server has stopped (SIGINT/SIGTERM), with its error if any.
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Opens the database, listens and serves (with the sweep) until SIGINT/SIGTERM.
pub async fn start(args: &ServeArgs) -> Result<Started, String> {
    let tls = tls_config(args)?;
    if tls.is_none() {
        tls::check_plain_http(args.addr)?;
    }
    let key = database_key(args.database_key_file.as_deref())?;
    // Checked before anything writes to the file: a wrong key stops here, file untouched.
    let (pool, _) = db::open(&args.database_url, key.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    let shown = db::redact(&args.database_url);
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
    let dashboard = match &args.dist {
        Some(dist) if dist.join("index.html").is_file() => {
            tracing::info!(dist = %dist.display(), "serving the dashboard from this folder");
            Dashboard::Folder(dist)
        }
        Some(dist) => {
            tracing::warn!(dist = %dist.display(), "no built dashboard there (run `make build`); serving the API only");
            Dashboard::Off
        }
        None if crate::http::web::has_built_in() => Dashboard::BuiltIn,
        None => {
            tracing::warn!("this binary was built without the dashboard (run `make build` first, or give --dist); serving the API only");
            Dashboard::Off
        }
    };
    let listener = TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mailer = crate::mail::Mailer::new(
        args.smtp_url.as_deref(),
        &args.mail_dir,
        &args.mail_from,
        &args.public_url(),
    )?;
    tracing::info!("{}", mailer.describe());
    let notifier = jobs::notify::Notifier::new(
        pool.clone(),
        mailer.clone(),
        jobs::notify::NotifyConfig {
            every: std::time::Duration::from_secs(args.notify_secs.max(1)),
            group_secs: args.notify_group_secs as i64,
            retry_base_secs: args.notify_retry_secs.max(1) as i64,
            lease_secs: args.notify_lease_secs.max(1) as i64,
        },
    );
    let router = app_with(AppState::with_mailer(pool.clone(), mailer), dashboard);
    let trust_pem = tls.as_ref().map(|(_, pem)| pem.clone());
    let serving = crate::Serving {
        limits: crate::http::connections::Limits {
            total: args.max_connections.max(1),
            per_address: args.max_connections_per_address.max(1),
        },
        ..Default::default()
    };
    let (server, base) = match tls {
        Some((config, _)) => (
            tokio::spawn(serve_tls(
                listener,
                config,
                router,
                shutdown_signal(),
                serving,
            )),
            format!("https://localhost:{}", addr.port()),
        ),
        None => (
            tokio::spawn(serve_with(listener, router, shutdown_signal(), serving)),
            format!("http://{addr}"),
        ),
    };
    tokio::spawn(jobs::sweep::sweep_forever(
        pool.clone(),
        std::time::Duration::from_secs(args.sweep_secs.max(1)),
    ));
    tokio::spawn(notifier.run_forever());
    tracing::info!("seqhealth listening on {addr}: {base}");

    Ok(Started {
        pool,
        base,
        trust_pem,
        server,
    })
}

/// Waits for the server to stop.
pub async fn wait(started: Started) -> Result<(), String> {
    started
        .server
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// The TLS settings the flags ask for, and the certificate(s) a client of this server
/// trusts (PEM); `None` for plain HTTP.
fn tls_config(
    cli: &ServeArgs,
) -> Result<Option<(std::sync::Arc<tls::ServerConfig>, String)>, String> {
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

/// Logs on stderr, as the README says (stdout keeps what the user is told); `RUST_LOG`
/// filters them.
pub fn log_to_stderr() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                "seqhealth_server=info,seqhealth_demo=info,tower_http=warn".into()
            }),
        )
        .with_writer(std::io::stderr)
        .init();
}
