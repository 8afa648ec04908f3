//! Health from real instruments: run folders alone (no simulator, no sensor feed) give an
//! instrument subsystem health, trends and freshness, through the agent's own code.

use super::*;
use seqhealth_agent::spool::Spool;
use seqhealth_agent::watch::{queue_new, Handled};
use seqhealth_api::{Health, Subsystem, TelemetrySeries};
use seqhealth_demo::run_folders::{copy_dir, shared_runs};
use std::path::Path;

/// Summarises the finished folders under `runs` with the agent's watch code and pushes
/// what it spooled (runs and their signal batches), in order, as instrument `token`.
pub async fn push_spooled(env: &Env, runs: &Path, spool_dir: &Path, token: &str) -> usize {
    let spool = Spool::open(spool_dir).unwrap();
    let handled = queue_new(runs, &spool).unwrap();
    assert!(
        handled.iter().all(|h| matches!(h, Handled::Queued { .. })),
        "{handled:?}"
    );
    let mut sent = 0;
    for path in spool.pending().unwrap() {
        let body: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let kind = if path.to_string_lossy().ends_with(".telemetry.json") {
            "telemetry"
        } else {
            "runs"
        };
        let (s, v) = env.ingest(kind, token, &body).await;
        assert_eq!(s, StatusCode::OK, "{}: {v}", path.display());
        std::fs::remove_file(&path).unwrap();
        sent += 1;
    }
    sent
}

#[tokio::test]
async fn real_run_folders_alone_give_every_subsystem_its_health() {
    let Some(shared) = shared_runs() else { return };
    let env = env().await;
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    // Three real MiSeq runs on the lab's MiSeq, which has never sent a sensor reading.
    for f in [
        "illuminate_miseq_2013-04_16_2-index",
        "illuminate_miseq_2013-04_10_has_errors",
        "illuminate_miseq_2014-02_11_50kit_single_read",
    ] {
        copy_dir(&shared.join(f), &runs.join(f));
        std::fs::write(runs.join(f).join("RTAComplete.txt"), "done").unwrap();
    }
    let id = env.id("M03302");
    let sent = push_spooled(&env, &runs, &tmp.path().join("spool"), env.token("M03302")).await;
    assert_eq!(sent, 6, "three runs and their three signal batches");

    let cookie = env.login("rosalind@riverside.example").await;
    let detail: InstrumentDetail = env
        .get_json(&format!("/api/v1/instruments/{id}"), &cookie)
        .await;
    // The newest run (2014-02-11, last image 2014-02-12 01:24) is what each subsystem shows.
    let last_run: chrono::DateTime<chrono::Utc> = "2014-02-12T01:24:26Z".parse().unwrap();
    for s in Subsystem::ALL {
        assert_eq!(detail.health.get(s), Health::Ok, "{s}: {detail:?}");
        assert_eq!(detail.freshness.get(s), Some(last_run), "{s}");
        assert!(detail.freshness.from_run(s), "{s}: from the last run");
    }
    let fleet: Fleet = env.get_json("/api/v1/fleet", &cookie).await;
    let row = fleet.instruments.iter().find(|i| i.id == id).unwrap();
    assert!(
        Subsystem::ALL
            .iter()
            .all(|s| row.health.get(*s) != Health::Unknown),
        "the fleet no longer shows it without data: {row:?}"
    );

    // Each derived signal is a trend with its MiSeq band, one point per run.
    for (metric, warn) in [
        ("run_fwhm_px", (1.8, 3.6)),
        ("run_c1_intensity", (120.0, 800.0)),
        ("run_surface_fwhm_delta_px", (0.0, 0.35)),
        ("run_cycle_minutes", (3.0, 5.5)),
        ("run_phasing_pct", (0.0, 0.3)),
    ] {
        let series: TelemetrySeries = env
            .get_json(
                &format!(
                    "/api/v1/instruments/{id}/telemetry?metric={metric}&from=2013-01-01&to=2014-12-31"
                ),
                &cookie,
            )
            .await;
        assert_eq!(series.sensor.warn, warn, "{metric}");
        let n: i64 = series.points.iter().map(|p| p.n).sum();
        assert_eq!(n, 3, "{metric}: {series:?}");
    }
    // The run list shows when each run ended (its last image).
    let list: RunList = env
        .get_json(
            &format!("/api/v1/instruments/{id}/runs?from=2013-01-01&to=2014-12-31"),
            &cookie,
        )
        .await;
    assert_eq!(list.runs.len(), 3);
    assert!(
        list.runs.iter().all(|r| r.completed_at.is_some()),
        "{list:?}"
    );
}

/// Thirty synthetic MiSeq runs, one a day up to now, written by the project's InterOp
/// writer with focus `fwhm(k)` and cycle-1 intensity `intensity(k)` for run k; pushed
/// through the agent's code. Returns the open warnings' rules and the predictions.
async fn synthetic_sequence(
    fwhm: impl Fn(f64) -> f64,
    intensity: impl Fn(f64) -> f64,
) -> (Vec<String>, Vec<seqhealth_api::Prediction>) {
    let (rules, predicted, _) = synthetic_runs(86_400, fwhm, intensity).await;
    (rules, predicted)
}

/// As [`synthetic_sequence`], the runs `every` seconds apart; also the components of the
/// instrument's recommended replacements.
async fn synthetic_runs(
    every: i64,
    fwhm: impl Fn(f64) -> f64,
    intensity: impl Fn(f64) -> f64,
) -> (Vec<String>, Vec<seqhealth_api::Prediction>, Vec<String>) {
    use seqhealth_interop::write::SyntheticRun;
    let env = env().await;
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let now = chrono::Utc::now().timestamp();
    for k in 0..30u32 {
        let run_id = format!("250101_M03302_{:04}_000000000-SYN{k:02}", k + 1);
        let dir = runs.join(&run_id);
        SyntheticRun {
            run_id,
            instrument: "M03302".into(),
            reads: vec![(51, false)],
            lanes: 1,
            channels: ["A", "C", "G", "T"].map(String::from).to_vec(),
            q: None,
            error_version: None,
            tile_version: Some(2),
            extraction_version: Some(2),
            focus_fwhm: fwhm(f64::from(k)),
            // Channel c is 1 + 0.2·c times the first: the mean of four is 1.3 times it.
            intensity: intensity(f64::from(k)) / 1.3,
            // A MiSeq's intensity rises along the read (the real folders: +0.7–1.1 %).
            intensity_decay_per_cycle: -0.008,
            imaged_from: Some((now - i64::from(29 - k) * every - 6 * 3_600, 4.0)),
            seed: 11 + u64::from(k),
            ..SyntheticRun::default()
        }
        .write(&dir)
        .unwrap();
        std::fs::write(dir.join("RTAComplete.txt"), "done").unwrap();
    }
    let sent = push_spooled(&env, &runs, &tmp.path().join("spool"), env.token("M03302")).await;
    assert_eq!(sent, 60, "thirty runs and their signal batches");
    let cookie = env.login("rosalind@riverside.example").await;
    let id = env.id("M03302");
    let warnings: seqhealth_api::WarningList = env
        .get_json(&format!("/api/v1/warnings?instrument={id}"), &cookie)
        .await;
    let predictions: seqhealth_api::PredictionList = env
        .get_json(&format!("/api/v1/instruments/{id}/predictions"), &cookie)
        .await;
    let mut rules: Vec<String> = warnings.warnings.into_iter().map(|w| w.rule).collect();
    rules.sort();
    let replacements: seqhealth_api::ReplacementList = env
        .get_json(&format!("/api/v1/replacements?instrument={id}"), &cookie)
        .await;
    let components = replacements
        .replacements
        .into_iter()
        .map(|r| r.component)
        .collect();
    (rules, predictions.predictions, components)
}

fn sensors(predictions: &[seqhealth_api::Prediction]) -> Vec<&str> {
    predictions.iter().map(|p| p.sensor.as_str()).collect()
}

/// `found` holds `must` and nothing outside `allowed`: a drift of every channel also moves
/// the per-laser signals (`run_fwhm_px_red`, `run_early_intensity_green`, …).
fn just(found: &[&str], must: &str, allowed: &[&str]) {
    assert!(found.contains(&must), "{must} not in {found:?}");
    assert!(found.iter().all(|f| allowed.contains(f)), "{found:?}");
}

const INTENSITY: [&str; 3] = [
    "run_c1_intensity",
    "run_early_intensity_red",
    "run_early_intensity_green",
];
const FOCUS: [&str; 3] = ["run_fwhm_px", "run_fwhm_px_red", "run_fwhm_px_green"];

fn thresholds(rules: &[String]) -> Vec<&str> {
    rules
        .iter()
        .map(|r| r.strip_prefix("threshold:").unwrap_or(r))
        .collect()
}

#[tokio::test]
async fn a_slow_intensity_decline_over_runs_raises_an_optical_warning_and_a_prediction() {
    // 390 counts falling by 10 a run: the last two runs are below the MiSeq band (120).
    let (rules, predicted) = synthetic_sequence(|_| 2.6, |k| 390.0 - 10.0 * k).await;
    just(&thresholds(&rules), "run_c1_intensity", &INTENSITY);
    just(&sensors(&predicted), "run_c1_intensity", &INTENSITY);
}

#[tokio::test]
async fn a_focus_drift_over_runs_raises_an_optical_warning_and_a_prediction() {
    // FWHM 2.6 px rising by 0.04 a run: past the MiSeq band (3.6 px) in the last runs.
    let (rules, predicted) = synthetic_sequence(|k| 2.6 + 0.04 * k, |_| 300.0).await;
    just(&thresholds(&rules), "run_fwhm_px", &FOCUS);
    just(&sensors(&predicted), "run_fwhm_px", &FOCUS);
}

#[tokio::test]
async fn the_same_runs_without_a_drift_raise_nothing() {
    let (rules, predicted) = synthetic_sequence(|_| 2.6, |_| 300.0).await;
    assert!(rules.is_empty(), "{rules:?}");
    assert!(predicted.is_empty(), "{predicted:?}");
}

/// A decline that has not reached the band yet is forecast in runs as well as in days, at
/// the instrument's pace: thirty runs in thirty days, about seven a week.
#[tokio::test]
async fn a_run_derived_forecast_counts_the_runs_left_at_the_instruments_pace() {
    // 390 counts falling by 6 a run: 216 at the last run, the MiSeq band's 120 about 16
    // runs later.
    let (rules, predicted) = synthetic_sequence(|_| 2.6, |k| 390.0 - 6.0 * k).await;
    assert!(rules.is_empty(), "{rules:?}");
    just(&sensors(&predicted), "run_c1_intensity", &INTENSITY);
    let c1 = predicted.iter().find(|p| p.sensor == "run_c1_intensity");
    let r = c1
        .unwrap()
        .in_runs
        .expect("a run-derived signal is forecast in runs");
    assert!((6.5..8.0).contains(&r.runs_per_week), "{r:?}");
    assert!((10..=25).contains(&r.runs_to_crossing), "{r:?}");
    assert!((-7.5..-4.5).contains(&r.change_per_run), "{r:?}");
}

/// A lab that runs its MiSeq once a week: a daily forecast would have thirteen days in
/// its 90-day basis and say nothing. Fitted per run, the decline is forecast in runs and
/// dated at one run a week.
#[tokio::test]
async fn a_weekly_instrument_is_forecast_per_run_and_dated_at_its_pace() {
    // 300 counts falling by 5 a run: 155 at the thirtieth, the band's 120 seven runs on.
    let (rules, predicted, components) =
        synthetic_runs(7 * 86_400, |_| 2.6, |k| 300.0 - 5.0 * k).await;
    // The red laser's channels (the dimmer two of the writer's four) may reach their band
    // first; nothing but intensity is raised.
    assert!(
        thresholds(&rules).iter().all(|r| INTENSITY.contains(r)),
        "{rules:?}"
    );
    just(&sensors(&predicted), "run_c1_intensity", &INTENSITY);
    let p = predicted
        .iter()
        .find(|p| p.sensor == "run_c1_intensity")
        .unwrap();
    let r = p.in_runs.expect("forecast in runs");
    assert!((0.9..1.2).contains(&r.runs_per_week), "{r:?}");
    assert!((-5.6..-4.4).contains(&r.change_per_run), "{r:?}");
    assert!((4..=10).contains(&r.runs_to_crossing), "{r:?}");
    assert!(r.runs_used >= 12, "{r:?}");
    // The date is the runs at one a week.
    let weeks = (p.predicted_at - chrono::Utc::now()).num_days() as f64 / 7.0;
    assert!(
        (weeks - f64::from(r.runs_to_crossing)).abs() <= 1.5,
        "{weeks} {r:?}"
    );
    // The laser is recommended for replacement once, however many of its signals ask.
    assert_eq!(components, ["Laser"], "{predicted:?}");
    // The fitted evidence passes through the runs: one point per run, then the crossing.
    assert_eq!(p.fit.len() as u32, r.runs_used + 1, "{:?}", p.fit);
    assert_eq!(p.fit.last().unwrap().value, p.limit);
}

/// The same rules as the sensors': a run-derived signal changing fast while still inside
/// its band raises a rate-of-change warning, judged per run over the last ten runs. Focus
/// steady at 2.0 px, then 0.1 px worse a run: 3.0 px at the last run, inside the MiSeq band
/// (1.8–3.6 px), and faster than the 0.045 px a run that would cross it in 40 runs.
#[tokio::test]
async fn a_fast_change_per_run_within_the_band_raises_a_rate_warning() {
    let (rules, _) = synthetic_sequence(|k| 2.0 + 0.1 * (k - 19.0).max(0.0), |_| 300.0).await;
    let rates: Vec<&str> = rules
        .iter()
        .filter_map(|r| r.strip_prefix("rate:"))
        .collect();
    assert_eq!(
        rates.len(),
        rules.len(),
        "only rates, no threshold: {rules:?}"
    );
    just(&rates, "run_fwhm_px", &FOCUS);
}
