//! `seqhealth-agent`: the instrument-side program.

use chrono::{DurationRound, TimeDelta, Utc};
use clap::{Args, Parser, Subcommand};
use seqhealth_agent::config::{self, AgentConfig};
use seqhealth_agent::fleet::DEMO_FLEET;
use seqhealth_agent::log::{self, RotatingLog};
use seqhealth_agent::push::{check_server_url, push_history, PushError, Pusher};
use seqhealth_agent::service;
use seqhealth_agent::simulate::{runs, telemetry, SimConfig};
use seqhealth_agent::spool::{DrainEnd, Spool};
use seqhealth_agent::watch::{queue_new, Handled};
use seqhealth_agent::{extract, report};
use seqhealth_api::SharingReport;
use std::collections::HashMap;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod service_cli;
use service_cli::service_command;

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
    Watch(WatchArgs),
    /// Enroll this instrument with the one-time code a lab manager got when adding it:
    /// saves the instrument's own token (readable by you only) and the configuration
    /// `watch --config` uses.
    Enroll {
        /// The seqhealth server, e.g. https://seqhealth.example.org
        #[arg(long, env = "SEQHEALTH_SERVER")]
        server: String,
        /// The enrollment code shown on the dashboard, e.g. K7QM2-XR4TD.
        #[arg(long)]
        code: String,
        /// A PEM certificate (or bundle) to trust besides the system's, e.g. a lab's own CA.
        #[arg(long)]
        ca: Option<PathBuf>,
        #[arg(long, default_value = config::CONFIG_FILE)]
        config: PathBuf,
        #[arg(long, default_value = config::TOKEN_FILE)]
        token_file: PathBuf,
    },
    /// Turn "send performance data" on or off. Off: nothing at all leaves the instrument
    /// (runs wait in the spool); on: the spool is sent, with no gap.
    Sharing {
        #[arg(value_parser = ["on", "off"])]
        state: String,
        #[arg(long, default_value = config::CONFIG_FILE)]
        config: PathBuf,
    },
    /// Run `watch` as a Windows service: install, uninstall.
    Service {
        #[command(subcommand)]
        action: ServiceCommand,
    },
}

/// What `watch` (and the Windows service, which runs it) is given.
#[derive(Args, Clone)]
struct WatchArgs {
    /// The directory the instrument writes its run folders into.
    runs_dir: PathBuf,
    /// The configuration `enroll` wrote (server, token file, CA, sharing switch);
    /// instead of --server and --token-file.
    #[arg(long, conflicts_with_all = ["server", "token_file"])]
    config: Option<PathBuf>,
    /// The seqhealth server, e.g. https://seqhealth.example.org
    #[arg(long, env = "SEQHEALTH_SERVER", required_unless_present = "config")]
    server: Option<String>,
    /// File holding this instrument's token (keep it readable by the agent only).
    #[arg(long, required_unless_present = "config")]
    token_file: Option<PathBuf>,
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
    /// Also keep what is said in a rotating log here (seqhealth-agent.log, at most 5 files
    /// of 1 MiB); the Windows service always logs, by default into `logs` beside the spool.
    #[arg(long)]
    log_dir: Option<PathBuf>,
    /// A JSON-lines file (or a folder of them) of the lab's own sensor readings,
    /// `{"sensor": "room_temp_c", "at": "<RFC 3339>", "value": 21.4}` a line: read
    /// as it grows, each reading sent once.
    #[arg(long, requires = "feed_sensor")]
    feed: Option<PathBuf>,
    /// A sensor the feed may carry (repeat for each); others are refused.
    #[arg(long, requires = "feed")]
    feed_sensor: Vec<String>,
}

impl WatchArgs {
    /// The local feed and its declared sensors: from the flags, else from the
    /// configuration (`feed`, `feed_sensors`); each sensor checked against the allow-list.
    fn local_feed(&self) -> Result<Option<(PathBuf, Vec<String>)>, String> {
        let feed = match (&self.feed, &self.config) {
            (Some(path), _) => Some((path.clone(), self.feed_sensor.clone())),
            (None, Some(config)) => {
                let c = AgentConfig::load(config).map_err(|e| e.to_string())?;
                c.feed.map(|path| (path, c.feed_sensors))
            }
            (None, None) => None,
        };
        if let Some((path, sensors)) = &feed {
            if sensors.is_empty() {
                return Err(format!(
                    "the feed {} declares no sensor (--feed-sensor, or feed_sensors in the configuration)",
                    path.display()
                ));
            }
            seqhealth_agent::feed::check_declared(sensors)
                .map_err(|e| format!("feed sensors: {e}"))?;
        }
        Ok(feed)
    }
}

#[derive(Subcommand)]
enum ServiceCommand {
    /// Windows (as administrator): register `watch` as a service that starts at boot (as
    /// LocalSystem, restarted after a failure) and start it. Takes what `watch` takes; the
    /// paths are made absolute. On Linux, use the systemd unit in the README.
    Install {
        #[arg(long, default_value = service::SERVICE_NAME)]
        name: String,
        #[command(flatten)]
        watch: WatchArgs,
    },
    /// Windows (as administrator): stop the service and remove it. The spool, the
    /// configuration, the token and the logs stay.
    Uninstall {
        #[arg(long, default_value = service::SERVICE_NAME)]
        name: String,
    },
    /// What the Service Control Manager starts: `watch` until the service is stopped.
    #[command(hide = true)]
    Run {
        #[arg(long, default_value = service::SERVICE_NAME)]
        name: String,
        #[command(flatten)]
        watch: WatchArgs,
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
        Command::Watch(args) => {
            if let Some(dir) = &args.log_dir {
                if let Err(e) = open_log(dir) {
                    return e;
                }
            }
            let feed = match args.local_feed() {
                Ok(f) => f,
                Err(e) => return fail(&e),
            };
            let target = match Target::from_args(&args) {
                Ok(t) => t,
                Err(code) => return code,
            };
            watch(
                &args.runs_dir,
                &target,
                &args.spool,
                args.every,
                args.once,
                feed.as_ref(),
            )
            .await
        }
        Command::Service { action } => service_command(action).await,
        Command::Enroll {
            server,
            code,
            ca,
            config,
            token_file,
        } => enroll(&server, &code, ca, &config, &token_file).await,
        Command::Sharing { state, config } => sharing(state == "on", &config).await,
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
            // The tokens travel in clear over http://: only to this machine (the demo).
            if let Err(e) = check_server_url(&server) {
                return fail(&e.to_string());
            }
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

/// Where `watch` sends, from flags or from the configuration file.
struct Target {
    server: String,
    token_file: PathBuf,
    ca: Option<PathBuf>,
    /// Re-read each round for the sharing switch.
    config: Option<PathBuf>,
}

impl Target {
    fn from_args(args: &WatchArgs) -> Result<Target, ExitCode> {
        match (&args.config, &args.server, &args.token_file) {
            (Some(path), _, _) => match AgentConfig::load(path) {
                Ok(c) => Ok(Target {
                    server: c.server,
                    token_file: c.token_file,
                    ca: c.ca.or(args.ca.clone()),
                    config: Some(path.clone()),
                }),
                Err(e) => Err(fail(&format!("{}: {e}", path.display()))),
            },
            (None, Some(server), Some(token_file)) => Ok(Target {
                server: server.clone(),
                token_file: token_file.clone(),
                ca: args.ca.clone(),
                config: None,
            }),
            _ => Err(fail("give --config, or both --server and --token-file")),
        }
    }
}

/// From now on what `watch` says is also kept in `dir`'s rotating log.
fn open_log(dir: &Path) -> Result<(), ExitCode> {
    match RotatingLog::open(dir, log::MAX_BYTES, log::KEEP) {
        Ok(l) => {
            log::install(l);
            Ok(())
        }
        Err(e) => Err(fail(&format!(
            "cannot open the log in {}: {e}",
            dir.display()
        ))),
    }
}

/// `enroll`: the code → the instrument's token (owner-only file) and the configuration.
async fn enroll(
    server: &str,
    code: &str,
    ca: Option<PathBuf>,
    config_path: &Path,
    token_file: &Path,
) -> ExitCode {
    let pusher = match Pusher::with_ca(server, "", ca.as_deref()) {
        Ok(p) => p,
        Err(e) => return fail(&e.to_string()),
    };
    let enrolled = match pusher.enroll(code).await {
        Ok(e) => e,
        Err(PushError::Refused { body, .. }) => {
            return fail(&format!("enrollment refused: {}", body.detail))
        }
        Err(e) => return fail(&e.to_string()),
    };
    if let Err(e) = config::write_atomically(token_file, enrolled.token.as_bytes(), true) {
        return fail(&format!(
            "cannot save the token to {}: {e}",
            token_file.display()
        ));
    }
    // Absolute, so `watch --config` (and the Windows service, which starts elsewhere)
    // finds the token from any folder.
    let token_file = std::path::absolute(token_file).unwrap_or_else(|_| token_file.to_path_buf());
    let cfg = AgentConfig {
        server: server.trim_end_matches('/').to_string(),
        token_file: token_file.clone(),
        ca,
        sharing: true,
        sharing_changed_at: Utc::now(),
        instrument: Some(format!(
            "{} ({}, {})",
            enrolled.nickname, enrolled.model, enrolled.serial
        )),
        feed: None,
        feed_sensors: Vec::new(),
    };
    if let Err(e) = cfg.save(config_path) {
        return fail(&format!("cannot save {}: {e}", config_path.display()));
    }
    println!(
        "Enrolled as {} ({} {}). The token is in {} (readable by you only); the configuration in {}.\nStart sending: seqhealth-agent watch <runs-dir> --config {}",
        enrolled.nickname,
        enrolled.model,
        enrolled.serial,
        token_file.display(),
        config_path.display(),
        config_path.display()
    );
    ExitCode::SUCCESS
}

/// `sharing on|off`: flips the switch in the configuration and tells the server, so the
/// dashboard shows since when. Turning it off tells the server first; after that nothing
/// leaves the instrument.
async fn sharing(on: bool, config_path: &Path) -> ExitCode {
    let mut cfg = match AgentConfig::load(config_path) {
        Ok(c) => c,
        Err(e) => return fail(&format!("{}: {e}", config_path.display())),
    };
    let token = match std::fs::read_to_string(&cfg.token_file) {
        Ok(t) => t.trim().to_string(),
        Err(e) => {
            return fail(&format!(
                "cannot read the token file {}: {e}",
                cfg.token_file.display()
            ))
        }
    };
    let at = Utc::now();
    let told = match Pusher::with_ca(&cfg.server, &token, cfg.ca.as_deref()) {
        Ok(p) => p
            .sharing(&SharingReport { enabled: on, at })
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    cfg.sharing = on;
    cfg.sharing_changed_at = at;
    if let Err(e) = cfg.save(config_path) {
        return fail(&format!("cannot save {}: {e}", config_path.display()));
    }
    let word = if on { "on" } else { "off" };
    match told {
        Ok(()) => println!("Sending performance data is {word}; the dashboard shows it."),
        Err(e) => println!(
            "Sending performance data is {word} here; the server could not be told ({}).",
            one_line(&e)
        ),
    }
    ExitCode::SUCCESS
}

/// `watch`: scan, spool, drain, every `every` seconds; back off while the server is away.
async fn watch(
    runs_dir: &Path,
    target: &Target,
    spool_dir: &Path,
    every: u64,
    once: bool,
    feed: Option<&(PathBuf, Vec<String>)>,
) -> ExitCode {
    let token = match read_token(&target.token_file) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let pusher = match Pusher::with_ca(&target.server, &token, target.ca.as_deref()) {
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
    let every = std::time::Duration::from_secs(every.max(1));
    let mut wait = every;
    loop {
        queue_finished(runs_dir, &spool);
        if let Some((path, sensors)) = feed {
            queue_feed(path, sensors, &spool);
        }
        // The switch is read every round: off, runs wait in the spool and nothing is sent.
        let sharing = match &target.config {
            Some(path) => match AgentConfig::load(path) {
                Ok(c) => c.sharing,
                Err(e) => return fail(&format!("{}: {e}", path.display())),
            },
            None => true,
        };
        let pause = if sharing {
            match drain(&spool, &pusher, spool_dir).await {
                Drained::Done => wait = every,
                Drained::Paused => {
                    // Back off up to 5 minutes; the spool keeps everything meanwhile.
                    wait = (wait * 2)
                        .min(std::time::Duration::from_secs(300))
                        .max(every);
                    if once {
                        return ExitCode::from(3);
                    }
                }
                Drained::Stop(code) => return code,
            }
            wait
        } else {
            say(format!(
                "sending performance data is off: {}, nothing sent",
                spool.waiting("kept in the spool")
            ));
            every
        };
        if once {
            return ExitCode::SUCCESS;
        }
        tokio::time::sleep(pause).await;
    }
}

/// One line on stdout (a closed pipe is not an error of `watch`), and in the log if any.
fn say(line: String) {
    log::out(&line);
}

/// The instrument's token from its file (trimmed, not empty); warns when others may
/// read the file.
fn read_token(token_file: &Path) -> Result<String, String> {
    let token = match std::fs::read_to_string(token_file) {
        Ok(t) if !t.trim().is_empty() => t.trim().to_string(),
        Ok(_) => return Err(format!("{}: the token file is empty", token_file.display())),
        Err(e) => {
            return Err(format!(
                "cannot read the token file {}: {e}",
                token_file.display()
            ))
        }
    };
    // Under Wine the DACL read back is made from the Unix mode, not the one set: no warning.
    if !seqhealth_agent::access::dacls_unkept()
        && seqhealth_agent::access::readable_by_others(token_file).unwrap_or(false)
    {
        log::err(&format!(
            "warning: {} is readable by others; {}",
            token_file.display(),
            seqhealth_agent::access::MAKE_PRIVATE_HINT
        ));
    }
    Ok(token)
}

/// Summarises and spools the runs that finished since the last scan, saying so.
fn queue_finished(runs_dir: &Path, spool: &Spool) {
    match queue_new(runs_dir, spool) {
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
}

/// Spools what the local feed gained since the last scan, saying what was skipped.
fn queue_feed(path: &Path, sensors: &[String], spool: &Spool) {
    match seqhealth_agent::feed::queue_feed(path, sensors, spool, chrono::Utc::now()) {
        Ok(r) => {
            for why in &r.skipped {
                say(why.clone());
            }
            if r.readings > 0 || !r.skipped.is_empty() {
                say(format!(
                    "feed: {} reading(s) queued, {} line(s) skipped",
                    r.readings,
                    r.skipped.len()
                ));
            }
        }
        Err(e) => say(format!("cannot read the feed {}: {e}", path.display())),
    }
}

/// How one drain of the spool ended, for `watch`.
enum Drained {
    /// Everything was delivered or set aside.
    Done,
    /// The server is unavailable; the spool keeps the rest.
    Paused,
    /// Stop with this status (the spool is unusable, or the token was refused).
    Stop(ExitCode),
}

/// Sends what the spool holds and says what happened.
async fn drain(spool: &Spool, pusher: &Pusher, spool_dir: &Path) -> Drained {
    let report = match spool.drain(pusher).await {
        Ok(r) => r,
        Err(e) => return Drained::Stop(fail(&format!("spool {}: {e}", spool_dir.display()))),
    };
    if report.sent + report.duplicates + report.rejected > 0 {
        say(format!(
            "sent {}, already there {}, refused {} (see {}), waiting {}",
            report.sent,
            report.duplicates,
            report.rejected,
            spool_dir.join("rejected").display(),
            report.remaining
        ));
    }
    match report.end {
        DrainEnd::Empty => Drained::Done,
        DrainEnd::Paused(why) => {
            say(format!(
                "server unavailable ({why}); {}",
                spool.waiting("kept in the spool")
            ));
            Drained::Paused
        }
        DrainEnd::TokenRefused(why) => {
            log::err(&format!(
                "seqhealth-agent: the server refused this instrument's token ({why}); it may have been revoked: enroll the instrument again. {}",
                spool.waiting("kept in the spool")
            ));
            Drained::Stop(ExitCode::from(4))
        }
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
    log::err(&format!("seqhealth-agent: {}", one_line(msg)));
    ExitCode::FAILURE
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
