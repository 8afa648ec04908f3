//! Predicted component replacements: a robust (Theil–Sen) trend of each degradation
//! signal's daily means over the recent past, extrapolated to the edge of its normal band.
//! Computed when asked: a few hundred daily points per instrument cost microseconds.

use crate::buckets::DAY;
use crate::db::to_time;
use crate::error::AppResult;
use seqhealth_api::domain::SENSORS;
use seqhealth_api::Prediction;
use seqhealth_health::predict::{time_to_limit, Limit, PredictConfig};
use seqhealth_health::trend::theil_sen;
use sqlx::SqlitePool;

/// Days of daily means a trend is fitted on.
pub const BASIS_DAYS: i64 = 90;
/// Fewer days than this is not evidence enough.
pub const MIN_DAYS: usize = 14;
/// Crossings further ahead than this are not shown: the straight line is no guide there.
pub const HORIZON_DAYS: i64 = 365;

pub async fn for_instrument(
    db: &SqlitePool,
    instrument_id: i64,
    now: i64,
) -> AppResult<Vec<Prediction>> {
    let mut out = Vec::new();
    for spec in SENSORS {
        let days: Vec<(i64, f64)> = sqlx::query_as(
            "SELECT start, sum / n FROM sensor_buckets
             WHERE instrument_id = ? AND sensor = ? AND width = ? AND start >= ? AND start < ? ORDER BY start",
        )
        .bind(instrument_id)
        .bind(spec.name)
        .bind(DAY)
        .bind(now - BASIS_DAYS * DAY)
        .bind(now)
        .fetch_all(db)
        .await?;
        if days.len() < MIN_DAYS {
            continue;
        }
        // Mid-day x: a daily mean stands for the middle of its day.
        let points: Vec<(f64, f64)> = days
            .iter()
            .map(|(t, v)| ((t + DAY / 2) as f64, *v))
            .collect();
        let Ok(fit) = theil_sen(&points) else {
            continue;
        };
        let limit = if fit.slope < 0.0 {
            Limit::lower(spec.warn.0)
        } else {
            Limit::upper(spec.warn.1)
        };
        let Some(p) = time_to_limit(&fit, limit, &PredictConfig::default()) else {
            continue;
        };
        if p.crossing > now + HORIZON_DAYS * DAY {
            continue;
        }
        let fit_from = points[0].0;
        out.push(Prediction {
            component: spec.component.into(),
            subsystem: spec.subsystem,
            sensor: spec.name.into(),
            sensor_label: spec.label.into(),
            unit: spec.unit.into(),
            limit: limit.value,
            slope_per_day: fit.slope * DAY as f64,
            predicted_at: to_time(p.crossing),
            earliest: to_time(p.earliest),
            latest: to_time(p.latest),
            replace_by: to_time(p.replace_by),
            fit_from: to_time(fit_from as i64),
            fit_from_value: fit.value_at(fit_from),
            basis_days: days.len(),
        });
    }
    out.sort_by_key(|p| p.replace_by);
    Ok(out)
}
