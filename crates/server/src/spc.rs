//! Control limits on %≥Q30 (statistical process control) for the runs a screen shows:
//! per read structure, a baseline from the instrument's first runs of it, and the
//! Westgard-style rules of `seqhealth-health` marking the runs that complete a pattern.

use crate::error::AppResult;
use seqhealth_api::domain::q30_floor;
use seqhealth_api::{Q30Control, Q30Signal, RunRow, Severity};
use seqhealth_health::spc::{evaluate, Baseline, Side, SpcRule};
use sqlx::AnyPool;
use std::collections::BTreeMap;

/// Runs the baseline is taken from.
pub const BASELINE_RUNS: i64 = 20;
/// Fewer baseline runs than this give no control limits.
pub const MIN_BASELINE_RUNS: usize = 8;

pub fn rule_label(r: SpcRule) -> &'static str {
    match r {
        SpcRule::OneBeyond3Sd => "1 beyond 3σ",
        SpcRule::TwoOfThreeBeyond2Sd => "2 of 3 beyond 2σ",
        SpcRule::FourOfFiveBeyond1Sd => "4 of 5 beyond 1σ",
        SpcRule::EightOnOneSide => "8 in a row on one side",
        SpcRule::BelowSpecFloor => "below spec floor",
    }
}

fn severity(s: seqhealth_health::Severity) -> Severity {
    match s {
        seqhealth_health::Severity::Info => Severity::Info,
        seqhealth_health::Severity::Warning => Severity::Warning,
        seqhealth_health::Severity::Critical => Severity::Critical,
    }
}

/// Fills `q30_signals` of `runs` (oldest first) and returns the limits used.
pub async fn annotate(
    db: &AnyPool,
    instrument_id: i64,
    model: &str,
    runs: &mut [RunRow],
) -> AppResult<Vec<Q30Control>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in runs.iter().enumerate() {
        groups.entry(r.read_structure.clone()).or_default().push(i);
    }
    let mut controls = Vec::new();
    for (read_structure, members) in groups {
        let baseline_values: Vec<f64> = sqlx::query_scalar(
            "SELECT pct_q30 FROM runs WHERE instrument_id = $1 AND read_structure = $2 AND pct_q30 IS NOT NULL
             ORDER BY started_at LIMIT $3",
        )
        .bind(instrument_id)
        .bind(&read_structure)
        .bind(BASELINE_RUNS)
        .fetch_all(db)
        .await?;
        if baseline_values.len() < MIN_BASELINE_RUNS {
            continue;
        }
        let Ok(baseline) = Baseline::from_first_runs(&baseline_values, baseline_values.len())
        else {
            continue;
        };
        let floor = q30_floor(model, &read_structure);
        let values: Vec<f64> = members
            .iter()
            .map(|&i| runs[i].pct_q30.unwrap_or(f64::NAN))
            .collect();
        for signal in evaluate(&values, &baseline, floor) {
            if let Some(&i) = members.get(signal.run_index) {
                runs[i].q30_signals.push(Q30Signal {
                    rule: rule_label(signal.rule).into(),
                    side: match signal.side {
                        Side::Above => "above".into(),
                        Side::Below => "below".into(),
                    },
                    severity: severity(signal.severity()),
                });
            }
        }
        let limits = baseline.limits();
        controls.push((
            members.len(),
            Q30Control {
                read_structure,
                baseline_runs: baseline_values.len(),
                center: limits.center,
                lower: limits.lower,
                upper: limits.upper,
                floor,
            },
        ));
    }
    controls.sort_by_key(|c| std::cmp::Reverse(c.0));
    Ok(controls.into_iter().map(|(_, c)| c).collect())
}

/// Runs looked at for a pattern ending at the newest run (8 in a row is the longest).
const RECENT_RUNS: i64 = 12;

/// Whether the instrument's newest run of `read_structure` completes a control-chart
/// pattern on the low side (a drift, or a run below the spec floor): the early sign of a
/// run-quality problem, raised before runs fail outright. `None`: in control, or too few
/// runs for a baseline.
pub async fn newest_run_signal(
    conn: &mut sqlx::AnyConnection,
    instrument_id: i64,
    read_structure: &str,
) -> AppResult<Option<seqhealth_health::rules::Finding>> {
    let model: String = sqlx::query_scalar("SELECT model FROM instruments WHERE id = $1")
        .bind(instrument_id)
        .fetch_one(&mut *conn)
        .await?;
    let baseline_values: Vec<f64> = sqlx::query_scalar(
        "SELECT pct_q30 FROM runs WHERE instrument_id = $1 AND read_structure = $2 AND pct_q30 IS NOT NULL
         ORDER BY started_at LIMIT $3",
    )
    .bind(instrument_id)
    .bind(read_structure)
    .bind(BASELINE_RUNS)
    .fetch_all(&mut *conn)
    .await?;
    if baseline_values.len() < MIN_BASELINE_RUNS {
        return Ok(None);
    }
    let Ok(baseline) = Baseline::from_first_runs(&baseline_values, baseline_values.len()) else {
        return Ok(None);
    };
    let mut recent: Vec<(String, i64, f64)> = sqlx::query_as(
        "SELECT run_id, started_at, pct_q30 FROM runs
         WHERE instrument_id = $1 AND read_structure = $2 AND pct_q30 IS NOT NULL
         ORDER BY started_at DESC LIMIT $3",
    )
    .bind(instrument_id)
    .bind(read_structure)
    .bind(RECENT_RUNS)
    .fetch_all(&mut *conn)
    .await?;
    recent.reverse();
    let values: Vec<f64> = recent.iter().map(|r| r.2).collect();
    let floor = q30_floor(&model, read_structure);
    let last = values.len().saturating_sub(1);
    let worst = evaluate(&values, &baseline, floor)
        .into_iter()
        .filter(|s| s.run_index == last && s.side == Side::Below)
        .max_by_key(|s| s.severity());
    Ok(worst.map(|s| {
        let (run_id, at, value) = &recent[last];
        let limits = baseline.limits();
        seqhealth_health::rules::Finding {
            rule_id: format!("spc:q30:{read_structure}").as_str().into(),
            kind: seqhealth_health::rules::RuleKind::RunQuality,
            severity: s.severity(),
            subsystem: seqhealth_health::Subsystem::Optical,
            value: *value,
            at: *at,
            code: None,
            message: format!(
                "Run quality: %≥Q30 {value:.1} % on {run_id} ({read_structure}) completes \"{}\" \
                 against its baseline of {:.1} % (control limits {:.1}–{:.1} %); check the reagent \
                 and flow-cell lots, then the optics",
                rule_label(s.rule),
                limits.center,
                limits.lower,
                limits.upper
            ),
        }
    }))
}
