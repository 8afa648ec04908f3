//! Predicted component replacements: a robust (Theil–Sen) trend of each degradation
//! signal's daily means over the recent past, extrapolated to the edge of its normal band.
//! Only days after the component's latest completed replacement count.
//! Computed when asked: a few hundred daily points per instrument cost microseconds.

use crate::buckets::DAY;
use crate::db::to_time;
use crate::error::AppResult;
use crate::replacements;
use seqhealth_api::domain::SENSORS;
use seqhealth_api::Prediction;
use seqhealth_health::predict::{predict_from_daily, DailyMethod};
use sqlx::SqlitePool;

/// Days of daily means a trend is fitted on.
pub const BASIS_DAYS: i64 = 90;

pub async fn for_instrument(
    db: &SqlitePool,
    instrument_id: i64,
    now: i64,
) -> AppResult<Vec<Prediction>> {
    let mut out = Vec::new();
    for spec in SENSORS {
        // A replaced component starts a fresh baseline: the day it was replaced and
        // everything before belong to the old part.
        let mut from = now - BASIS_DAYS * DAY;
        if let Some(replaced) = replacements::last_completed(db, instrument_id, spec.name).await? {
            from = from.max(replaced - replaced.rem_euclid(DAY) + DAY);
        }
        let days: Vec<(i64, f64)> = sqlx::query_as(
            "SELECT start, sum / n FROM sensor_buckets
             WHERE instrument_id = ? AND sensor = ? AND width = ? AND start >= ? AND start < ? ORDER BY start",
        )
        .bind(instrument_id)
        .bind(spec.name)
        .bind(DAY)
        .bind(from)
        .bind(now)
        .fetch_all(db)
        .await?;
        // Mid-day x: a daily mean stands for the middle of its day.
        let points: Vec<(f64, f64)> = days
            .iter()
            .map(|(t, v)| ((t + DAY / 2) as f64, *v))
            .collect();
        let Some(prediction) = predict_from_daily(&points, spec.warn, now, &DailyMethod::default())
        else {
            continue;
        };
        let (fit, limit, p) = (prediction.fit, prediction.limit, prediction.time);
        let fit_from = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
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
