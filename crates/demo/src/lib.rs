//! seqhealth-demo: the demo and the benchmarks, outside the server so that its binary
//! depends on neither the agent nor an HTTP client.
//!
//! The demo: two labs with users, the simulated fleet provisioned, and its history pushed
//! through the real ingest API over HTTP, exactly as instruments would send it.

pub mod run_folders;
pub mod smtp_sink;

use chrono::{DateTime, Utc};
use seqhealth_agent::fleet::{DemoInstrument, DEMO_FLEET, DEMO_LABS};
use seqhealth_agent::push::{push_history, PushError, PushStats, Pusher};
use seqhealth_agent::simulate::{live_batch, runs, telemetry, SimConfig};
use seqhealth_api::Role;
use seqhealth_server::domain::provision::{
    create_instrument, create_lab, create_user, NewInstrument,
};
use seqhealth_server::error::AppResult;
use sqlx::AnyPool;

pub const DEMO_PASSWORD: &str = "seqhealth-demo";

/// (lab key, email, name, role) of the demo users.
pub const DEMO_USERS: [(&str, &str, &str, Role); 4] = [
    (
        "northgate",
        "ada@northgate.example",
        "Ada Lovelace",
        Role::Manager,
    ),
    (
        "northgate",
        "grace@northgate.example",
        "Grace Hopper",
        Role::Viewer,
    ),
    (
        "riverside",
        "rosalind@riverside.example",
        "Rosalind Franklin",
        Role::Manager,
    ),
    (
        "riverside",
        "barbara@riverside.example",
        "Barbara McClintock",
        Role::Viewer,
    ),
];

/// A provisioned demo instrument: which simulated instrument, its id and token.
pub struct Provisioned {
    pub instrument: &'static DemoInstrument,
    pub id: i64,
    pub token: String,
}

/// Creates the demo labs, users and instruments (only `subset` of the fleet if given).
/// Returns `None` when the database already has labs: the demo never overwrites data.
pub async fn provision(
    db: &AnyPool,
    subset: Option<&[&str]>,
) -> AppResult<Option<Vec<Provisioned>>> {
    let labs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM labs")
        .fetch_one(db)
        .await?;
    if labs > 0 {
        return Ok(None);
    }
    let mut lab_ids = Vec::new();
    for lab in DEMO_LABS {
        lab_ids.push((lab.key, create_lab(db, lab.name, lab.time_zone).await?));
    }
    let lab_id = |key: &str| {
        lab_ids
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, id)| *id)
            .unwrap_or(0)
    };
    for (lab, email, name, role) in DEMO_USERS {
        create_user(db, lab_id(lab), email, name, role, DEMO_PASSWORD).await?;
    }
    let mut out = Vec::new();
    for inst in DEMO_FLEET
        .iter()
        .filter(|i| subset.is_none_or(|s| s.contains(&i.serial)))
    {
        let new = NewInstrument {
            serial: inst.serial,
            model: inst.model.name(),
            nickname: inst.nickname,
            site: inst.site,
        };
        let (id, token) = create_instrument(db, lab_id(inst.lab), &new).await?;
        out.push(Provisioned {
            instrument: inst,
            id,
            token,
        });
    }
    Ok(Some(out))
}

/// The certificate(s) the demo's own pushes trust besides the system's, when the server
/// serves HTTPS with a certificate of its own (e.g. `--self-signed`). Set once, at start.
static TRUST: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Makes the demo's pushes trust the PEM certificate(s) in `ca` (first call wins).
pub fn trust(ca: std::path::PathBuf) {
    let _ = TRUST.set(ca);
}

fn pusher(base_url: &str, token: &str) -> Pusher {
    match TRUST.get() {
        None => Pusher::new(base_url, token),
        Some(ca) => Pusher::with_ca(base_url, token, Some(ca)).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "demo pushes cannot use the certificate");
            Pusher::new(base_url, token)
        }),
    }
}

/// Pushes every provisioned instrument's simulated history to the server at `base_url`.
pub async fn push_fleet(
    base_url: &str,
    fleet: &[Provisioned],
    cfg: &SimConfig,
) -> Result<PushStats, PushError> {
    let mut total = PushStats::default();
    for p in fleet {
        let pusher = pusher(base_url, &p.token);
        let s = push_history(
            &pusher,
            &runs(p.instrument, cfg),
            &telemetry(p.instrument, cfg),
        )
        .await?;
        total.runs += s.runs;
        total.batches += s.batches;
        total.readings += s.readings;
        total.events += s.events;
    }
    Ok(total)
}

/// Real run folders (e.g. `../shared/interop/runs`) summarised by the agent's own code
/// and pushed for the demo instrument of the same model family, so the dashboard shows
/// real figures beside simulated ones. Folders that cannot be summarised are skipped.
/// What [`push_in_parallel`] pushed, and how long it took.
pub struct Pushed {
    pub readings: usize,
    pub runs: usize,
    pub secs: f64,
}

/// Pushes the simulated history of every `(instrument, token)` to `base`, from `pushers`
/// tasks at once: a fleet reporting in (the benchmarks' ingest).
pub async fn push_in_parallel(
    base: &str,
    fleet: &[(&'static DemoInstrument, String)],
    cfg: &SimConfig,
    pushers: usize,
) -> Result<Pushed, String> {
    let work: Vec<_> = fleet
        .iter()
        .map(|(t, token)| (Pusher::new(base, token), telemetry(t, cfg), runs(t, cfg)))
        .collect();
    let readings = work
        .iter()
        .flat_map(|w| w.1.iter())
        .map(|b| b.readings.len())
        .sum();
    let run_count = work.iter().map(|w| w.2.len()).sum();
    let queue = std::sync::Arc::new(tokio::sync::Mutex::new(work));
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..pushers)
        .map(|_| {
            let queue = queue.clone();
            tokio::spawn(async move {
                loop {
                    let Some((pusher, batches, runs)) = queue.lock().await.pop() else {
                        return Ok::<(), String>(());
                    };
                    for b in &batches {
                        pusher.telemetry(b).await.map_err(|x| x.to_string())?;
                    }
                    for r in &runs {
                        pusher.run(r).await.map_err(|x| x.to_string())?;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.map_err(|x| x.to_string())??;
    }
    Ok(Pushed {
        readings,
        runs: run_count,
        secs: started.elapsed().as_secs_f64(),
    })
}

/// Returns the run ids pushed.
pub async fn push_real_runs(
    base_url: &str,
    fleet: &[Provisioned],
    dir: &std::path::Path,
) -> Vec<String> {
    let mut folders: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    folders.sort();
    let mut pushed = Vec::new();
    for folder in folders {
        let Ok(summary) = seqhealth_interop::summarize(&folder) else {
            continue;
        };
        // MiSeq serials start with M, NextSeq 500/550 with NS or NB.
        let serial = summary.run_info.instrument.clone().unwrap_or_default();
        let model = if serial.starts_with('M') {
            "MiSeq"
        } else if serial.starts_with("NS") || serial.starts_with("NB") {
            "NextSeq 550"
        } else {
            continue;
        };
        let Some(target) = fleet.iter().find(|p| p.instrument.model.name() == model) else {
            continue;
        };
        // As the agent does: the run, then the hardware signals derived from its folder.
        let mut run = seqhealth_agent::extract::run_ingest(&summary);
        let signals = seqhealth_interop::signals::derive(&folder, &summary);
        run.completed_at = seqhealth_agent::signals::completed_at(&run, &signals);
        let push = pusher(base_url, &target.token);
        if let Err(e) = push.run(&run).await {
            tracing::warn!(folder = %folder.display(), error = %e, "real run not pushed");
            continue;
        }
        if let Some(batch) = seqhealth_agent::signals::run_batch(&run, &signals) {
            if let Err(e) = push.telemetry(&batch).await {
                tracing::warn!(folder = %folder.display(), error = %e, "its signals not pushed");
            }
        }
        pushed.push(run.run_id);
    }
    pushed
}

/// After the backfill, each instrument keeps reporting every `every` like a live fleet.
/// A component a manager has marked replaced reads like a new part from then on, as it
/// would on a real instrument.
pub async fn report_live(
    db: AnyPool,
    base_url: String,
    fleet: Vec<Provisioned>,
    cfg: SimConfig,
    every: std::time::Duration,
) {
    loop {
        tokio::time::sleep(every).await;
        let now: DateTime<Utc> = Utc::now();
        for p in &fleet {
            let replaced: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT sensor FROM replacements WHERE instrument_id = $1 AND status = 'completed'",
            )
            .bind(p.id)
            .fetch_all(&db)
            .await
            .unwrap_or_default();
            let pusher = pusher(&base_url, &p.token);
            let batch = live_batch(p.instrument, &cfg, now, &replaced);
            if let Err(e) = pusher.telemetry(&batch).await {
                tracing::warn!(serial = p.instrument.serial, error = %e, "live demo report failed");
            }
        }
    }
}
