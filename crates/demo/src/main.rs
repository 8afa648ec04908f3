//! `seqhealth-demo`: the server as `seqhealth-server` runs it, on an empty database
//! filled with the demo labs and the simulated fleet, whose year of history is pushed
//! through the ingest API like any agent's, and which keeps reporting every minute.

use chrono::{DurationRound, TimeDelta, Utc};
use clap::Parser;
use seqhealth_agent::simulate::SimConfig;
use seqhealth_demo as demo;
use seqhealth_server::launch::{self, ServeArgs};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(version, about = "seqhealth demo: the server with a simulated fleet")]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
    /// Seed of the simulated fleet (same seed, same fleet).
    #[arg(long, default_value_t = 42)]
    demo_seed: u64,
    /// Write the simulated instruments' tokens (serial → token, JSON, owner-only) here, for
    /// `seqhealth-agent simulate --tokens`.
    #[arg(long)]
    demo_tokens: Option<PathBuf>,
    /// Real Illumina run folders to summarise and push for demo instruments of the same
    /// model (e.g. ../shared/interop/runs); skipped when absent.
    #[arg(long)]
    demo_run_folders: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    launch::log_to_stderr();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let started = launch::start(&cli.serve).await?;
    // The demo pushes through the API like any agent: over HTTPS it trusts this server's
    // certificate (kept in a temporary file while the server runs).
    let mut _demo_ca = None;
    if let Some(pem) = &started.trust_pem {
        let file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
        std::fs::write(file.path(), pem).map_err(|e| e.to_string())?;
        demo::trust(file.path().to_path_buf());
        _demo_ca = Some(file);
    }
    run_demo(
        &started.pool,
        &started.base,
        cli.demo_seed,
        cli.demo_tokens.as_deref(),
        cli.demo_run_folders.as_deref(),
    )
    .await?;
    print!("{}", banner(&started.base, &cli.serve));
    launch::wait(started).await
}

/// What the demo says once it is ready: where to open it, who to log in as, and where
/// the mail it sends (invitations, reset links) can be read.
fn banner(base: &str, serve: &ServeArgs) -> String {
    let mut out = format!("\n  seqhealth demo is running at {base}\n\n");
    for (_, email, _, role) in demo::DEMO_USERS
        .iter()
        .filter(|u| u.3 == seqhealth_api::Role::Manager)
    {
        out += &format!(
            "  log in as {email} / {}  ({})\n",
            demo::DEMO_PASSWORD,
            role.as_str()
        );
    }
    out += &match &serve.smtp_url {
        Some(_) => "\n  mail (invitations, reset links) goes through --smtp-url\n".to_string(),
        // Absolute, so it can be opened from any directory.
        None => format!(
            "\n  mail (invitations, reset links) is written as .eml files to {}\n",
            std::path::absolute(&serve.mail_dir)
                .unwrap_or_else(|_| serve.mail_dir.clone())
                .display()
        ),
    };
    out + "\n  Ctrl-C stops it.\n\n"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_says_where_the_mail_folder_is_as_an_absolute_path() {
        let cli = Cli::try_parse_from(["seqhealth-demo", "--mail-dir", "demo-mail"]).unwrap();
        let text = banner("http://127.0.0.1:8080", &cli.serve);
        let dir = std::env::current_dir().unwrap().join("demo-mail");
        assert!(
            text.contains(&format!("written as .eml files to {}\n", dir.display())),
            "{text}"
        );
        assert!(text.contains("log in as ada@northgate.example"), "{text}");
        let cli =
            Cli::try_parse_from(["seqhealth-demo", "--smtp-url", "smtp://u:pw@h:587"]).unwrap();
        let text = banner("http://127.0.0.1:8080", &cli.serve);
        assert!(
            text.contains("goes through --smtp-url") && !text.contains("pw"),
            "{text}"
        );
    }
}
