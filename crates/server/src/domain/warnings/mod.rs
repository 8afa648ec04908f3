//! Raising and resolving warnings as telemetry arrives. The rules themselves live in
//! `seqhealth-health`; this module feeds them the stored readings and keeps the
//! `warnings` table in step: one open warning per instrument and rule, its severity
//! following the latest reading, resolved when the condition clears.

use crate::domain::notify::outbox;
use crate::error::AppResult;
use seqhealth_api::domain::{sensor_spec_for, SensorSpec, Source, WearsToward};
use seqhealth_api::{Figure, Said, Subsystem, WarningStatus, DAY};
use seqhealth_health::rules::error_codes::{LogEvent, RepeatedErrorRule};
use seqhealth_health::rules::rate::RateOfChangeRule;
use seqhealth_health::rules::threshold::ThresholdRule;
use seqhealth_health::rules::{Finding, Reading};
use seqhealth_health::settings::{self, RATE_WINDOW_SECS, REPEATED_ERRORS, REPEATED_WINDOW_SECS};
use seqhealth_health::warning::Reconcile;
use sqlx::{Any, Transaction};

mod acknowledge;
mod list;
mod missing;

pub use acknowledge::{acknowledge, status_in_lab};
pub use list::{get, list, Filter};
pub use missing::sweep_missing_data;

/// The threshold rule of a sensor, from its bands in the shared domain table.
pub fn threshold_rule(spec: &SensorSpec) -> ThresholdRule {
    ThresholdRule {
        id: format!("threshold:{}", spec.name).as_str().into(),
        subsystem: spec.subsystem,
        label: spec.label.to_string(),
        unit: spec.unit.to_string(),
        critical_low: Some(spec.critical.0),
        warn_low: Some(spec.warn.0),
        warn_high: Some(spec.warn.1),
        critical_high: Some(spec.critical.1),
        advice: Some(advice(spec)),
    }
}

/// What a manager does about a sensor past its band: a first check, then the booking.
/// (The codes' English is in `seqhealth_api::words::TEMPLATES`.)
fn advice(spec: &SensorSpec) -> Said {
    let first = match spec.name {
        "laser_power_pct" => "advice_laser",
        "focus_fwhm_px"
        | "run_fwhm_px"
        | "run_fwhm_px_red"
        | "run_fwhm_px_green"
        | "run_fwhm_px_blue"
        | "run_out_of_focus_pct" => "advice_optics",
        "stage_position_error_um" | "run_surface_fwhm_delta_px" => "advice_stage",
        "flow_cell_temp_delta_c" | "run_cycle_minutes" => "advice_heater",
        "chiller_temp_c" => "advice_chiller",
        "line_pressure_kpa"
        | "run_phasing_pct"
        | "run_prephasing_pct"
        | "run_intensity_change_pct" => "advice_wash",
        "run_c1_intensity" => "advice_lot",
        // One laser's channels alone: its laser or its light path, not the reagents.
        "run_early_intensity_red" | "run_early_intensity_green" | "run_early_intensity_blue" => {
            "advice_channels"
        }
        "room_temp_c" | "room_humidity_pct" => return Said::new("advice_room", vec![]),
        _ => "advice_diagnostics",
    };
    Said::new(
        "advice_book",
        vec![
            Figure::said(Said::new(first, vec![])),
            Figure::Lower(spec.component.to_string()),
        ],
    )
}

/// The rate-of-change rule of a run-derived signal: per run, against a change that would
/// cross its model's normal band in [`settings::RUN_RATE_BAND_RUNS`] runs, in the
/// direction its part wears (an unjudged band, the full range, never fires).
pub fn run_rate_rule(spec: &SensorSpec) -> Option<RateOfChangeRule> {
    let per_run = (spec.warn.1 - spec.warn.0) / settings::RUN_RATE_BAND_RUNS;
    if !(per_run.is_finite() && per_run > 0.0) {
        return None;
    }
    let (rise, fall) = match spec.wears_toward {
        WearsToward::Low => (None, Some(per_run)),
        WearsToward::High => (Some(per_run), None),
        WearsToward::Either => (Some(per_run), Some(per_run)),
    };
    Some(RateOfChangeRule {
        id: format!("rate:{}", spec.name).as_str().into(),
        subsystem: spec.subsystem,
        label: spec.label.to_string(),
        unit: spec.unit.to_string(),
        // Not a time: runs are judged by count (`evaluate_runs`).
        window_s: settings::RUN_RATE_RUNS * DAY,
        max_rise_per_day: rise,
        max_fall_per_day: fall,
        min_points: settings::RUN_RATE_MIN_RUNS,
        severity: settings::RATE_SEVERITY,
    })
}

/// The rate-of-change rule of a sensor, if its spec judges a direction.
pub fn rate_rule(spec: &SensorSpec) -> Option<RateOfChangeRule> {
    let (rise, fall) = spec.max_change_per_day;
    (rise.is_some() || fall.is_some()).then(|| RateOfChangeRule {
        id: format!("rate:{}", spec.name).as_str().into(),
        subsystem: spec.subsystem,
        label: spec.label.to_string(),
        unit: spec.unit.to_string(),
        window_s: RATE_WINDOW_SECS,
        max_rise_per_day: rise,
        max_fall_per_day: fall,
        min_points: settings::RATE_MIN_POINTS,
        severity: settings::RATE_SEVERITY,
    })
}

/// Re-evaluates the threshold and rate-of-change rules of `sensors` on the instrument's
/// newest readings.
pub async fn evaluate_sensors(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    sensors: &[&str],
) -> AppResult<()> {
    // Run-derived signals are judged by the band of the instrument's model.
    let model: String = sqlx::query_scalar("SELECT model FROM instruments WHERE id = $1")
        .bind(instrument_id)
        .fetch_optional(&mut **tx)
        .await?
        .unwrap_or_default();
    for name in sensors {
        let Some(spec) = sensor_spec_for(name, &model) else {
            continue;
        };
        let spec = &spec;
        let latest: Option<(i64, f64)> = sqlx::query_as(
            "SELECT at, value FROM sensor_latest WHERE instrument_id = $1 AND sensor = $2",
        )
        .bind(instrument_id)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((at, value)) = latest else { continue };
        let rule = threshold_rule(spec);
        let finding = rule.evaluate(Reading { at, value });
        reconcile(tx, instrument_id, spec.subsystem, &rule.id.0, at, finding).await?;
        if spec.source == Source::Run {
            if let Some(rule) = run_rate_rule(spec) {
                let mut recent: Vec<f64> = sqlx::query_scalar(
                    "SELECT value FROM sensor_readings WHERE instrument_id = $1 AND sensor = $2 AND at <= $3
                     ORDER BY at DESC LIMIT $4",
                )
                .bind(instrument_id)
                .bind(name)
                .bind(at)
                .bind(settings::RUN_RATE_RUNS)
                .fetch_all(&mut **tx)
                .await?;
                recent.reverse();
                let finding = rule.evaluate_runs(&recent, at);
                reconcile(tx, instrument_id, spec.subsystem, &rule.id.0, at, finding).await?;
            }
        } else if let Some(rule) = rate_rule(spec) {
            let recent: Vec<(i64, f64)> = sqlx::query_as(
                "SELECT at, value FROM sensor_readings WHERE instrument_id = $1 AND sensor = $2 AND at > $3 AND at <= $4",
            )
            .bind(instrument_id)
            .bind(name)
            .bind(at - RATE_WINDOW_SECS)
            .bind(at)
            .fetch_all(&mut **tx)
            .await?;
            let readings: Vec<Reading> = recent
                .into_iter()
                .map(|(at, value)| Reading { at, value })
                .collect();
            let finding = rule.evaluate(&readings, at);
            reconcile(tx, instrument_id, spec.subsystem, &rule.id.0, at, finding).await?;
        }
    }
    Ok(())
}

/// Opens, updates or resolves the one open warning of (instrument, rule), as the health
/// crate's lifecycle decides (`seqhealth_health::warning::reconcile`).
pub(super) async fn reconcile(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    subsystem: Subsystem,
    rule: &str,
    at: i64,
    finding: Option<Finding>,
) -> AppResult<()> {
    let open: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT id, status, severity FROM warnings WHERE instrument_id = $1 AND rule = $2 AND status <> 'resolved'",
    )
    .bind(instrument_id)
    .bind(rule)
    .fetch_optional(&mut **tx)
    .await?;
    let status = open.as_ref().and_then(|(_, s, _)| WarningStatus::parse(s));
    let was_critical = open.as_ref().is_some_and(|(_, _, sev)| sev == "critical");
    let id = open.map(|(id, _, _)| id);
    match (
        seqhealth_health::warning::reconcile(status, finding.is_some()),
        id,
        finding,
    ) {
        (Reconcile::Open, _, Some(f)) => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO warnings (instrument_id, subsystem, rule, severity, status, raised_at, updated_at,
                                       value, message, said)
                 VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(instrument_id)
            .bind(subsystem.as_str())
            .bind(rule)
            .bind(f.severity.as_str())
            .bind(f.at)
            .bind(f.at)
            .bind(f.value)
            .bind(&f.message)
            .bind(crate::domain::words::stored(&f.said))
            .fetch_one(&mut **tx)
            .await?;
            // In this transaction: the warning and its notification land together.
            outbox::warning_event(tx, id, outbox::Reason::Opened, f.at).await?;
        }
        // Still out of band: follow the latest reading (a warning may become critical, and
        // then says when: an acknowledgement or booking before then no longer quiets it).
        (Reconcile::Follow { .. }, Some(id), Some(f)) => {
            let moved = sqlx::query(
                "UPDATE warnings SET severity = $1, value = $2, message = $3, updated_at = $4,
                        worse_at = CASE WHEN severity = 'warning' AND $1 = 'critical' THEN $4 ELSE worse_at END,
                        said = $7
                 WHERE id = $5 AND updated_at <= $6",
            )
            .bind(f.severity.as_str())
            .bind(f.value)
            .bind(&f.message)
            .bind(f.at)
            .bind(id)
            .bind(f.at)
            .bind(crate::domain::words::stored(&f.said))
            .execute(&mut **tx)
            .await?;
            if moved.rows_affected() > 0
                && !was_critical
                && f.severity == seqhealth_api::Severity::Critical
            {
                outbox::warning_event(tx, id, outbox::Reason::Worse, f.at).await?;
            }
        }
        (Reconcile::Resolve, Some(id), _) => {
            sqlx::query(
                "UPDATE warnings SET status = 'resolved', resolved_at = $1, updated_at = $2
                 WHERE id = $3 AND updated_at <= $4",
            )
            .bind(at)
            .bind(at)
            .bind(id)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Re-evaluates the run-quality rule of an instrument's runs of one kind (read structure
/// and flow-cell type) on its newest run. Run quality is filed under the optical subsystem: %≥Q30 is read from the
/// images, though reagents and flow cells move it too (the message says so).
pub async fn evaluate_run_quality(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    kind: &crate::domain::spc::RunKind,
) -> AppResult<()> {
    let finding = crate::domain::spc::newest_run_signal(tx, instrument_id, kind).await?;
    let at = match &finding {
        Some(f) => f.at,
        None => sqlx::query_scalar(
            "SELECT COALESCE(MAX(started_at), 0) FROM runs
             WHERE instrument_id = $1 AND read_structure = $2 AND COALESCE(flow_cell_type, '') = $3",
        )
        .bind(instrument_id)
        .bind(&kind.read_structure)
        .bind(kind.flow_cell_key())
        .fetch_one(&mut **tx)
        .await?,
    };
    let rule = kind.rule_id();
    reconcile(tx, instrument_id, Subsystem::Optical, &rule, at, finding).await?;
    if kind.flow_cell_type.is_some() {
        // An agent that now names the flow cell starts a new group of this read structure;
        // the unnamed group gets no new runs, so its open warning could never clear.
        let unnamed = crate::domain::spc::RunKind {
            read_structure: kind.read_structure.clone(),
            flow_cell_type: None,
        };
        reconcile(
            tx,
            instrument_id,
            Subsystem::Optical,
            &unnamed.rule_id(),
            at,
            None,
        )
        .await?;
    }
    Ok(())
}

fn repeated_rule(subsystem: Subsystem, code: &str) -> RepeatedErrorRule {
    RepeatedErrorRule {
        id: format!("repeated:{code}").as_str().into(),
        subsystem,
        code: Some(code.to_string()),
        min_count: REPEATED_ERRORS,
        window_s: REPEATED_WINDOW_SECS,
        severity: settings::REPEATED_SEVERITY,
    }
}

/// Re-evaluates the repeated-error rule of each (subsystem, code) at `now` (the time of
/// the newest event the instrument sent, so history replays as it happened).
pub async fn evaluate_error_codes(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    codes: &[(Subsystem, &str)],
    now: i64,
) -> AppResult<()> {
    for (subsystem, code) in codes {
        let times: Vec<i64> = sqlx::query_scalar(
            "SELECT at FROM operation_events WHERE instrument_id = $1 AND code = $2 AND severity = 'error'
               AND at > $3 AND at <= $4",
        )
        .bind(instrument_id)
        .bind(code)
        .bind(now - REPEATED_WINDOW_SECS)
        .bind(now)
        .fetch_all(&mut **tx)
        .await?;
        let events: Vec<LogEvent> = times
            .into_iter()
            .map(|at| LogEvent {
                at,
                code: code.to_string(),
            })
            .collect();
        let rule = repeated_rule(*subsystem, code);
        let finding = rule.evaluate(&events, now).into_iter().next();
        reconcile(tx, instrument_id, *subsystem, &rule.id.0, now, finding).await?;
    }
    Ok(())
}
