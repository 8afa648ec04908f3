//! Raising and resolving warnings as telemetry arrives. The rules themselves live in
//! `seqhealth-health`; this module feeds them the stored readings and keeps the
//! `warnings` table in step: one open warning per instrument and rule, its severity
//! following the latest reading, resolved when the condition clears.

use crate::error::AppResult;
use seqhealth_api::domain::{sensor_spec, SensorSpec};
use seqhealth_api::Subsystem;
use seqhealth_health::rules::threshold::ThresholdRule;
use seqhealth_health::rules::{Finding, Reading};
use sqlx::{Sqlite, Transaction};

fn health_subsystem(s: Subsystem) -> seqhealth_health::Subsystem {
    match s {
        Subsystem::Optical => seqhealth_health::Subsystem::Optical,
        Subsystem::Mechanical => seqhealth_health::Subsystem::Mechanical,
        Subsystem::Thermal => seqhealth_health::Subsystem::Thermal,
        Subsystem::Fluidics => seqhealth_health::Subsystem::Fluidics,
    }
}

/// The threshold rule of a sensor, from its bands in the shared domain table.
pub fn threshold_rule(spec: &SensorSpec) -> ThresholdRule {
    ThresholdRule {
        id: format!("threshold:{}", spec.name).as_str().into(),
        subsystem: health_subsystem(spec.subsystem),
        label: spec.label.to_string(),
        unit: spec.unit.to_string(),
        critical_low: Some(spec.critical.0),
        warn_low: Some(spec.warn.0),
        warn_high: Some(spec.warn.1),
        critical_high: Some(spec.critical.1),
    }
}

/// Re-evaluates the threshold rules of `sensors` on the instrument's newest readings.
pub async fn evaluate_sensors(
    tx: &mut Transaction<'_, Sqlite>,
    instrument_id: i64,
    sensors: &[&str],
) -> AppResult<()> {
    for name in sensors {
        let Some(spec) = sensor_spec(name) else {
            continue;
        };
        let latest: Option<(i64, f64)> = sqlx::query_as(
            "SELECT at, value FROM sensor_latest WHERE instrument_id = ? AND sensor = ?",
        )
        .bind(instrument_id)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((at, value)) = latest else { continue };
        let rule = threshold_rule(spec);
        let finding = rule.evaluate(Reading { at, value });
        reconcile(tx, instrument_id, spec.subsystem, &rule.id.0, at, finding).await?;
    }
    Ok(())
}

/// Opens, updates or resolves the one open warning of (instrument, rule).
async fn reconcile(
    tx: &mut Transaction<'_, Sqlite>,
    instrument_id: i64,
    subsystem: Subsystem,
    rule: &str,
    at: i64,
    finding: Option<Finding>,
) -> AppResult<()> {
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM warnings WHERE instrument_id = ? AND rule = ? AND status <> 'resolved'",
    )
    .bind(instrument_id)
    .bind(rule)
    .fetch_optional(&mut **tx)
    .await?;
    match (open, finding) {
        (None, Some(f)) => {
            sqlx::query(
                "INSERT INTO warnings (instrument_id, subsystem, rule, severity, status, raised_at, updated_at,
                                       value, message)
                 VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?)",
            )
            .bind(instrument_id)
            .bind(subsystem.as_str())
            .bind(rule)
            .bind(f.severity.as_str())
            .bind(f.at)
            .bind(f.at)
            .bind(f.value)
            .bind(&f.message)
            .execute(&mut **tx)
            .await?;
        }
        // Still out of band: follow the latest reading (a warning may become critical).
        (Some(id), Some(f)) => {
            sqlx::query(
                "UPDATE warnings SET severity = ?, value = ?, message = ?, updated_at = ?
                 WHERE id = ? AND updated_at <= ?",
            )
            .bind(f.severity.as_str())
            .bind(f.value)
            .bind(&f.message)
            .bind(f.at)
            .bind(id)
            .bind(f.at)
            .execute(&mut **tx)
            .await?;
        }
        (Some(id), None) => {
            sqlx::query(
                "UPDATE warnings SET status = 'resolved', resolved_at = ?, updated_at = ?
                 WHERE id = ? AND updated_at <= ?",
            )
            .bind(at)
            .bind(at)
            .bind(id)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        (None, None) => {}
    }
    Ok(())
}
