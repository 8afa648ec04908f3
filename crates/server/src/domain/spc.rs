//! Control limits on %≥Q30 (statistical process control) for the runs a screen shows:
//! per kind of run (read structure and flow-cell type), a baseline from the instrument's
//! first runs of that kind, and the Westgard-style rules of `seqhealth-health` marking the
//! runs that complete a pattern.

use crate::error::AppResult;
use seqhealth_api::domain::q30_floor;
use seqhealth_api::{Figure, Q30Control, Q30Signal, RunControl, RunRow, Said};
use seqhealth_health::settings::{SPC_BASELINE_RUNS, SPC_MIN_BASELINE_RUNS, SPC_RECENT_RUNS};
use seqhealth_health::spc::{evaluate, Baseline, Side, SpcRule};
use sqlx::AnyPool;
use std::collections::BTreeMap;

/// What a run's %≥Q30 is compared within: the same read structure on the same type of flow
/// cell (an S4 and an SP flow cell, or 2×150 and 2×75, do not share a baseline). Runs that
/// name no flow-cell type (older agents) form their own group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RunKind {
    pub read_structure: String,
    pub flow_cell_type: Option<String>,
}

impl RunKind {
    pub fn of(run: &RunRow) -> RunKind {
        RunKind {
            read_structure: run.read_structure.clone(),
            flow_cell_type: run.flow_cell_type.clone(),
        }
    }

    /// The flow-cell type as SQL compares it: `COALESCE(flow_cell_type, '') = $n`.
    pub fn flow_cell_key(&self) -> &str {
        self.flow_cell_type.as_deref().unwrap_or("")
    }

    /// The run-quality warning's rule: `spc:q30:151-8-8-151`, `…:S4` with a flow-cell type.
    pub fn rule_id(&self) -> String {
        match &self.flow_cell_type {
            Some(t) => format!("spc:q30:{}:{t}", self.read_structure),
            None => format!("spc:q30:{}", self.read_structure),
        }
    }

    /// "151-8-8-151", or "151-8-8-151 on S4".
    pub fn label(&self) -> String {
        match &self.flow_cell_type {
            Some(t) => format!("{} on {t}", self.read_structure),
            None => self.read_structure.clone(),
        }
    }

    /// [`RunKind::label`] as a figure of a sentence.
    pub fn figure(&self) -> Figure {
        let rs = Figure::Text(self.read_structure.clone());
        match &self.flow_cell_type {
            Some(t) => Figure::said(Said::new("run_kind_on", vec![rs, Figure::Text(t.clone())])),
            None => rs,
        }
    }
}

/// The first runs of a kind, oldest first: the baseline its limits come from.
async fn baseline_values(
    conn: &mut sqlx::AnyConnection,
    instrument_id: i64,
    kind: &RunKind,
) -> AppResult<Vec<f64>> {
    Ok(sqlx::query_scalar(
        "SELECT pct_q30 FROM runs
         WHERE instrument_id = $1 AND read_structure = $2 AND COALESCE(flow_cell_type, '') = $3
           AND pct_q30 IS NOT NULL
         ORDER BY started_at LIMIT $4",
    )
    .bind(instrument_id)
    .bind(&kind.read_structure)
    .bind(kind.flow_cell_key())
    .bind(SPC_BASELINE_RUNS)
    .fetch_all(&mut *conn)
    .await?)
}

const RULES: [SpcRule; 5] = [
    SpcRule::OneBeyond3Sd,
    SpcRule::TwoOfThreeBeyond2Sd,
    SpcRule::FourOfFiveBeyond1Sd,
    SpcRule::EightOnOneSide,
    SpcRule::BelowSpecFloor,
];

/// The rule's name as data ("spc_" and its [`rule_code`]; `TEMPLATES` holds its words).
pub fn rule_said(r: SpcRule) -> Said {
    Said::new(&format!("spc_{}", rule_code(r)), vec![])
}

pub fn rule_label(r: SpcRule) -> &'static str {
    match r {
        SpcRule::OneBeyond3Sd => "1 beyond 3σ",
        SpcRule::TwoOfThreeBeyond2Sd => "2 of 3 beyond 2σ",
        SpcRule::FourOfFiveBeyond1Sd => "4 of 5 beyond 1σ",
        SpcRule::EightOnOneSide => "8 in a row on one side",
        SpcRule::BelowSpecFloor => "below spec floor",
    }
}

/// The rule as the `runs` table keeps it.
fn rule_code(r: SpcRule) -> &'static str {
    match r {
        SpcRule::OneBeyond3Sd => "1_beyond_3sd",
        SpcRule::TwoOfThreeBeyond2Sd => "2_of_3_beyond_2sd",
        SpcRule::FourOfFiveBeyond1Sd => "4_of_5_beyond_1sd",
        SpcRule::EightOnOneSide => "8_on_one_side",
        SpcRule::BelowSpecFloor => "below_floor",
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Above => "above",
        Side::Below => "below",
    }
}

fn signal(rule: SpcRule, side: Side, severity: seqhealth_api::Severity) -> Q30Signal {
    Q30Signal {
        rule: rule_label(rule).into(),
        code: rule_code(rule).into(),
        side: side_name(side).into(),
        severity,
    }
}

/// A run's stored judgement (`runs.q30_control`, `q30_rule`, `q30_side`) as the fleet
/// shows it; anything unreadable counts as not judged.
pub fn stored_control(control: Option<&str>, rule: Option<&str>, side: Option<&str>) -> RunControl {
    let rule = RULES.into_iter().find(|r| Some(rule_code(*r)) == rule);
    let side = [Side::Above, Side::Below]
        .into_iter()
        .find(|s| Some(side_name(*s)) == side);
    match (control, rule, side) {
        (Some("in_control"), _, _) => RunControl::InControl,
        (Some(severity), Some(rule), Some(side)) => seqhealth_api::Severity::parse(severity)
            .map_or(RunControl::NoLimits, |s| {
                RunControl::Flagged(signal(rule, side, s))
            }),
        _ => RunControl::NoLimits,
    }
}

/// Fills `q30_signals` of `runs` (oldest first) and returns the limits used.
pub async fn annotate(
    db: &AnyPool,
    instrument_id: i64,
    model: &str,
    runs: &mut [RunRow],
) -> AppResult<Vec<Q30Control>> {
    let mut groups: BTreeMap<RunKind, Vec<usize>> = BTreeMap::new();
    for (i, r) in runs.iter().enumerate() {
        groups.entry(RunKind::of(r)).or_default().push(i);
    }
    let mut controls = Vec::new();
    let mut conn = db.acquire().await?;
    for (kind, members) in groups {
        let baseline_values = baseline_values(&mut conn, instrument_id, &kind).await?;
        if baseline_values.len() < SPC_MIN_BASELINE_RUNS {
            continue;
        }
        let Ok(baseline) = Baseline::from_first_runs(&baseline_values, baseline_values.len())
        else {
            continue;
        };
        let floor = q30_floor(model, &kind.read_structure);
        let values: Vec<f64> = members
            .iter()
            .map(|&i| runs[i].pct_q30.unwrap_or(f64::NAN))
            .collect();
        for fired in evaluate(&values, &baseline, floor) {
            if let Some(&i) = members.get(fired.run_index) {
                runs[i]
                    .q30_signals
                    .push(signal(fired.rule, fired.side, fired.severity()));
            }
        }
        let limits = baseline.limits();
        controls.push((
            members.len(),
            Q30Control {
                read_structure: kind.read_structure,
                flow_cell_type: kind.flow_cell_type,
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

/// Whether the instrument's newest run of `kind` completes a control-chart
/// pattern on the low side (a drift, or a run below the spec floor): the early sign of a
/// run-quality problem, raised before runs fail outright. `None`: in control, or too few
/// runs for a baseline. The newest run keeps its judgement (either side) for the fleet.
pub async fn newest_run_signal(
    conn: &mut sqlx::AnyConnection,
    instrument_id: i64,
    kind: &RunKind,
) -> AppResult<Option<seqhealth_health::rules::Finding>> {
    let model: String = sqlx::query_scalar("SELECT model FROM instruments WHERE id = $1")
        .bind(instrument_id)
        .fetch_one(&mut *conn)
        .await?;
    let baseline_values = baseline_values(conn, instrument_id, kind).await?;
    if baseline_values.len() < SPC_MIN_BASELINE_RUNS {
        return Ok(None);
    }
    let Ok(baseline) = Baseline::from_first_runs(&baseline_values, baseline_values.len()) else {
        return Ok(None);
    };
    let mut recent: Vec<(String, i64, f64)> = sqlx::query_as(
        "SELECT run_id, started_at, pct_q30 FROM runs
         WHERE instrument_id = $1 AND read_structure = $2 AND COALESCE(flow_cell_type, '') = $3
           AND pct_q30 IS NOT NULL
         ORDER BY started_at DESC LIMIT $4",
    )
    .bind(instrument_id)
    .bind(&kind.read_structure)
    .bind(kind.flow_cell_key())
    .bind(SPC_RECENT_RUNS)
    .fetch_all(&mut *conn)
    .await?;
    recent.reverse();
    let values: Vec<f64> = recent.iter().map(|r| r.2).collect();
    let floor = q30_floor(&model, &kind.read_structure);
    let last = values.len().saturating_sub(1);
    let newest: Vec<_> = evaluate(&values, &baseline, floor)
        .into_iter()
        .filter(|s| s.run_index == last)
        .collect();
    if let Some((run_id, _, _)) = recent.get(last) {
        let judged = newest.iter().max_by_key(|s| s.severity());
        sqlx::query(
            "UPDATE runs SET q30_control = $1, q30_rule = $2, q30_side = $3
             WHERE instrument_id = $4 AND run_id = $5",
        )
        .bind(judged.map_or("in_control", |s| s.severity().as_str()))
        .bind(judged.map(|s| rule_code(s.rule)))
        .bind(judged.map(|s| side_name(s.side)))
        .bind(instrument_id)
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    }
    let worst = newest
        .into_iter()
        .filter(|s| s.side == Side::Below)
        .max_by_key(|s| s.severity());
    Ok(worst.map(|s| {
        let (run_id, at, value) = &recent[last];
        let limits = baseline.limits();
        let said = Said::new(
            "run_quality",
            vec![
                Figure::F(*value, 1),
                Figure::Text(run_id.clone()),
                kind.figure(),
                Figure::said(rule_said(s.rule)),
                Figure::F(limits.center, 1),
                Figure::F(limits.lower, 1),
                Figure::F(limits.upper, 1),
            ],
        );
        seqhealth_health::rules::Finding {
            rule_id: kind.rule_id().as_str().into(),
            kind: seqhealth_health::rules::RuleKind::RunQuality,
            severity: s.severity(),
            subsystem: seqhealth_health::Subsystem::Optical,
            value: *value,
            at: *at,
            code: None,
            message: said.english(),
            said,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_s_code_says_its_name() {
        for r in RULES {
            assert_eq!(rule_said(r).english(), rule_label(r), "{r:?}");
            let s = signal(r, Side::Below, seqhealth_api::Severity::Warning);
            assert_eq!(format!("spc_{}", s.code), rule_said(r).code);
        }
    }
}
