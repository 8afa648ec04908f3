//! `seqhealth-agent`: the instrument-side program.

use chrono::{DurationRound, TimeDelta, Utc};
use clap::{Parser, Subcommand};
use seqhealth_agent::fleet::DEMO_FLEET;
use seqhealth_agent::push::{push_history, Pusher};
use seqhealth_agent::simulate::{runs, telemetry, SimConfig};
use seqhealth_agent::{extract, report};
use std::collections::HashMap;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(version, about = "seqhealth instrument agent")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Push a year of simulated history for demo instruments.
    Simulate {
        /// The seqhealth server, e.g. http://127.0.0.1:8080
        #[arg(long, env = "SEQHEALTH_SERVER")]
        server: String,
        /// JSON object mapping each simulated serial number to its instrument token.
        #[arg(long)]
        tokens: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 365)]
        days: i64,
    },
    /// Summarise a run folder's InterOp metrics, RunInfo.xml and RunParameters.xml.
    Summarize {
        /// The run folder (the one holding RunInfo.xml and InterOp/).
        run_folder: PathBuf,
        /// One JSON object with the run, non-index, per-read and per-lane figures
        /// (null where the folder has no such metric; densities in K/mm²).
        #[arg(long, conflicts_with = "dry_run")]
        json: bool,
        /// Print exactly the JSON body that would leave the instrument for this run.
        #[arg(long)]
        dry_run: bool,
    },
    /// Watch a runs directory: summarise each finished run (RTAComplete.txt or
    /// CopyComplete.txt), spool it, and push it outbound; while the server is unreachable
    /// the spool keeps everything and is drained later, in order. Never listens on a port.
    Watch {
        /// The directory the instrument writes its run folders into.
        runs_dir: PathBuf,
        /// The seqhealth server, e.g. https://seqhealth.example.org
        #[arg(long, env = "SEQHEALTH_SERVER")]
        server: String,
        /// File holding this instrument's token (keep it readable by the agent only).
        #[arg(long)]
        token_file: PathBuf,
        /// Where runs wait to be sent.
        #[arg(long, default_value = "seqhealth-spool")]
        spool: PathBuf,
        /// A PEM certificate (or bundle) to trust besides the system's, e.g. a lab's own CA.
        #[arg(long)]
        ca: Option<PathBuf>,
        /// Seconds between scans of the runs directory.
        #[arg(long, default_value_t = 60)]
        every: u64,
        /// Scan and drain once, then exit: 0 when all was delivered, 3 when the server
        /// could not be reached (the spool keeps the rest), 4 when the token was refused.
        #[arg(long)]
        once: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Summarize {
            run_folder,
            json,
            dry_run,
        } => summarize(&run_folder, json, dry_run),
        Command::Watch {
            runs_dir,
            server,
            token_file,
            spool,
            ca,
            every,
            once,
        } => {
            watch(
                &runs_dir,
                &server,
                &token_file,
                &spool,
                ca.as_deref(),
                every,
                once,
            )
            .await
        }
        Command::Simulate {
            server,
            tokens,
            seed,
            days,
        } => {
            let text = match std::fs::read_to_string(&tokens) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("cannot read {}: {e}", tokens.display());
                    return ExitCode::FAILURE;
                }
            };
            let tokens: HashMap<String, String> = match serde_json::from_str(&text) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!(
                        "{} is not a JSON object of serial → token: {e}",
                        tokens.display()
                    );
                    return ExitCode::FAILURE;
                }
            };
            // Whole hours, as the server's demo: same seed in the same hour, same data.
            let end = Utc::now()
                .duration_trunc(TimeDelta::hours(1))
                .unwrap_or_else(|_| Utc::now());
            let cfg = SimConfig {
                days,
                ..SimConfig::demo(seed, end)
            };
            for inst in DEMO_FLEET.iter().filter(|i| tokens.contains_key(i.serial)) {
                let pusher = Pusher::new(&server, &tokens[inst.serial]);
                match push_history(&pusher, &runs(inst, &cfg), &telemetry(inst, &cfg)).await {
                    Ok(s) => {
                        // A closed pipe (`| head`) is not an error of the push.
                        let _ = writeln!(
                            std::io::stdout(),
                            "{}: {} runs, {} readings, {} events",
                            inst.serial,
                            s.runs,
                            s.readings,
                            s.events
                        );
                    }
                    Err(e) => {
                        eprintln!("{}: {e}", inst.serial);
                        return ExitCode::FAILURE;
                    }
                }
            }
            ExitCode::SUCCESS
        }
    }
}

/// `watch`: scan, spool, drain; back off while the server is away.
async fn watch(
    runs_dir: &Path,
    server: &str,
    token_file: &Path,
    spool_dir: &Path,
    ca: Option<&Path>,
    every: u64,
    once: bool,
) -> ExitCode {
    use seqhealth_agent::spool::{DrainEnd, Spool};
    use seqhealth_agent::watch::{queue_new, Handled};
    let token = match std::fs::read_to_string(token_file) {
        Ok(t) if !t.trim().is_empty() => t.trim().to_string(),
        Ok(_) => {
            return fail(&format!(
                "{}: the token file is empty",
                token_file.display()
            ))
        }
        Err(e) => {
            return fail(&format!(
                "cannot read the token file {}: {e}",
                token_file.display()
            ))
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(token_file).is_ok_and(|m| m.permissions().mode() & 0o077 != 0) {
            let _ = writeln!(
                std::io::stderr(),
                "warning: {} is readable by others; `chmod 600` it",
                token_file.display()
            );
        }
    }
    let pusher = match Pusher::with_ca(server, &token, ca) {
        Ok(p) => p,
        Err(e) => return fail(&e.to_string()),
    };
    let spool = match Spool::open(spool_dir) {
        Ok(s) => s,
        Err(e) => {
            return fail(&format!(
                "cannot open the spool {}: {e}",
                spool_dir.display()
            ))
        }
    };
    let say = |line: String| {
        let _ = writeln!(std::io::stdout(), "{line}");
    };
    let every = std::time::Duration::from_secs(every.max(1));
    let mut wait = every;
    loop {
        match queue_new(runs_dir, &spool) {
            Ok(handled) => {
                for h in handled {
                    match h {
                        Handled::Queued { folder, run_id } => {
                            say(format!("queued {run_id} ({folder})"))
                        }
                        Handled::Failed { folder, reason } => {
                            say(format!("cannot summarise {folder}: {reason}"))
                        }
                    }
                }
            }
            Err(e) => say(format!("cannot scan {}: {e}", runs_dir.display())),
        }
        let report = match spool.drain(&pusher).await {
            Ok(r) => r,
            Err(e) => return fail(&format!("spool {}: {e}", spool_dir.display())),
        };
        if report.sent + report.duplicates + report.rejected > 0 {
            say(format!(
                "sent {}, already there {}, refused {} (see {}/rejected), waiting {}",
                report.sent,
                report.duplicates,
                report.rejected,
                spool_dir.display(),
                report.remaining
            ));
        }
        match report.end {
            DrainEnd::Empty => wait = every,
            DrainEnd::Paused(why) => {
                // Back off up to 5 minutes; the spool keeps everything meanwhile.
                wait = (wait * 2)
                    .min(std::time::Duration::from_secs(300))
                    .max(every);
                say(format!(
                    "server unavailable ({why}); {} run(s) kept in the spool",
                    report.remaining
                ));
                if once {
                    return ExitCode::from(3);
                }
            }
            DrainEnd::TokenRefused(why) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "seqhealth-agent: the server refused this instrument's token ({why}); it may have been revoked: enroll the instrument again. {} run(s) kept in the spool",
                    report.remaining
                );
                return ExitCode::from(4);
            }
        }
        if once {
            return ExitCode::SUCCESS;
        }
        tokio::time::sleep(wait).await;
    }
}

/// `summarize`: the report (table or `--json`) or the outgoing body (`--dry-run`).
/// Bad input is one line on stderr and a failure status; warnings about left-out InterOp
/// files go to stderr (in `--json` they are part of the object instead).
fn summarize(folder: &Path, json: bool, dry_run: bool) -> ExitCode {
    if !folder.is_dir() {
        return fail(&format!(
            "{}: no such run folder (not a directory)",
            folder.display()
        ));
    }
    let summary = match seqhealth_interop::summarize(folder) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    let text = if dry_run {
        serde_json::to_string(&extract::run_ingest(&summary))
    } else if json {
        serde_json::to_string_pretty(&report::report(&summary))
    } else {
        Ok(report::table(&report::report(&summary)))
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => return fail(&format!("cannot encode the summary as JSON: {e}")),
    };
    if !json {
        for w in &summary.warnings {
            let _ = writeln!(std::io::stderr(), "warning: {}", one_line(w));
        }
    }
    let mut out = std::io::stdout().lock();
    let written = if text.ends_with('\n') {
        write!(out, "{text}")
    } else {
        writeln!(out, "{text}")
    }
    .and_then(|()| out.flush());
    match written {
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() != ErrorKind::BrokenPipe => fail(&format!("cannot write output: {e}")),
        _ => ExitCode::SUCCESS,
    }
}

/// One line on stderr, failure status.
fn fail(msg: &str) -> ExitCode {
    // Even a closed stderr must not turn bad input into a panic.
    let _ = writeln!(std::io::stderr(), "seqhealth-agent: {}", one_line(msg));
    ExitCode::FAILURE
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
