//! The missing-data rule: silence raises nothing on ingest (nothing arrives), so it is
//! judged by the periodic sweep.

use super::{evaluate_error_codes, reconcile};
use crate::error::AppResult;
use seqhealth_api::domain::{Source, SENSORS};
use seqhealth_api::Subsystem;
use seqhealth_health::rules::missing::MissingDataRule;
use seqhealth_health::settings::{
    MISSING_FACTOR, MISSING_INTERVAL_SAMPLE, MISSING_MIN_GAPS, MISSING_MIN_SECS, MISSING_SEVERITY,
};
use sqlx::AnyPool;

/// The run-derived sensors as an SQL list of constants: they arrive once per run, and a
/// lab that runs nothing for a fortnight has no fault.
fn run_sensors() -> String {
    SENSORS
        .iter()
        .filter(|s| s.source == Source::Run)
        .map(|s| format!("'{}'", s.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Raises or resolves the missing-data warning of every subsystem of every instrument
/// that shares data. Silence raises nothing on ingest (nothing arrives), so this runs on
/// a timer; returns how many subsystems are missing data.
pub async fn sweep_missing_data(db: &AnyPool, now: i64) -> AppResult<usize> {
    let instruments: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM instruments WHERE data_sharing = 1")
            .fetch_all(db)
            .await?;
    let mut missing = 0;
    for id in instruments {
        // Read-then-write: the exclusive transaction, so an ingest in between cannot be
        // judged on a stale view.
        let mut tx = crate::store::begin_write(db).await?;
        for subsystem in Subsystem::ALL {
            let timestamps: Vec<i64> = sqlx::query_scalar(&format!(
                "SELECT DISTINCT at FROM sensor_readings WHERE instrument_id = $1 AND subsystem = $2
                   AND sensor NOT IN ({})
                 ORDER BY at DESC LIMIT $3",
                run_sensors()
            ))
            .bind(id)
            .bind(subsystem.as_str())
            .bind(MISSING_INTERVAL_SAMPLE)
            .fetch_all(&mut *tx)
            .await?;
            let rule = MissingDataRule {
                id: format!("missing_data:{}", subsystem.as_str())
                    .as_str()
                    .into(),
                subsystem,
                label: format!("{} readings", subsystem.as_str()),
                factor: MISSING_FACTOR,
                min_gaps: MISSING_MIN_GAPS,
                severity: MISSING_SEVERITY,
            };
            let finding = rule
                .evaluate(&timestamps, now)
                .filter(|f| f.value > MISSING_MIN_SECS);
            missing += usize::from(finding.is_some());
            reconcile(&mut tx, id, subsystem, &rule.id.0, now, finding).await?;
        }
        // Repeated-error warnings clear when the errors stop, even if nothing else arrives.
        let open: Vec<(String, String)> = sqlx::query_as(
            "SELECT subsystem, rule FROM warnings WHERE instrument_id = $1 AND status <> 'resolved'
               AND rule LIKE 'repeated:%'",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        for (subsystem, rule) in open {
            if let (Some(s), Some(code)) =
                (Subsystem::parse(&subsystem), rule.strip_prefix("repeated:"))
            {
                evaluate_error_codes(&mut tx, id, &[(s, code)], now).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(missing)
}
