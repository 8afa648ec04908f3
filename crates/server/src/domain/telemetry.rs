//! One sensor of one instrument as time buckets (min / mean / max per bucket).

use crate::error::AppResult;
use crate::store::buckets;
use crate::store::to_time;
use chrono::{DateTime, Utc};
use seqhealth_api::domain::SensorSpec;
use seqhealth_api::{SensorInfo, TelemetryPoint, TelemetrySeries};
use sqlx::AnyPool;

/// Sensor `spec` of instrument `id` over `[from, to)`, in buckets sized to the window.
pub async fn series(
    db: &AnyPool,
    id: i64,
    spec: &SensorSpec,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<TelemetrySeries> {
    // Run-derived signals carry the band of the instrument's model.
    let model: String = sqlx::query_scalar("SELECT model FROM instruments WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?
        .unwrap_or_default();
    let spec = &spec.for_model(&model);
    let (width, rows) =
        buckets::series(db, id, spec.name, from.timestamp(), to.timestamp()).await?;
    let points = rows
        .into_iter()
        .map(|(at, n, mean, min, max)| TelemetryPoint {
            at: to_time(at),
            mean,
            min,
            max,
            n,
        })
        .collect();
    Ok(TelemetrySeries {
        sensor: SensorInfo {
            name: spec.name.into(),
            label: spec.label.into(),
            unit: spec.unit.into(),
            subsystem: spec.subsystem,
            warn: spec.warn,
            critical: spec.critical,
        },
        from,
        to,
        bucket_seconds: width,
        points,
    })
}
