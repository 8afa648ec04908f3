//! `seqhealth-agent`: the instrument-side program.

use chrono::{DurationRound, TimeDelta, Utc};
use clap::{Parser, Subcommand};
use seqhealth_agent::fleet::DEMO_FLEET;
use seqhealth_agent::push::{push_history, Pusher};
use seqhealth_agent::simulate::{runs, telemetry, SimConfig};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
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
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
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
