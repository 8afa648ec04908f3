//! Time buckets of sensor readings (count, sum, min, max per hour and per day), folded in
//! as readings arrive, and read back as at most `MAX_POINTS` points for any range.

use crate::error::{AppError, AppResult};
use crate::store::{self as db, Real};
use sqlx::{Any, AnyPool, Transaction};
use std::collections::BTreeMap;

pub use seqhealth_api::{DAY, HOUR};
/// No series response holds more points than this, whatever the range.
pub const MAX_POINTS: i64 = 1000;

/// A reading stored for the first time, ready to be folded into its buckets.
pub struct Fresh {
    pub sensor: String,
    pub subsystem: String,
    pub at: i64,
    pub value: f64,
}

/// Statements carry at most this many rows: 8 parameters each stays far below SQLite's
/// 32,766-parameter limit, and one statement per chunk replaces one per reading.
const ROWS_PER_STATEMENT: usize = 500;

/// Folds readings into their hourly and daily buckets: grouped in memory first, so a
/// batch costs one upsert per bucket touched, not two per reading.
pub async fn fold_all(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    readings: &[Fresh],
) -> AppResult<()> {
    // (sensor, width, start) → (n, sum, min, max)
    type Key<'a> = (&'a str, i64, i64);
    let mut groups: BTreeMap<Key, (i64, f64, f64, f64)> = BTreeMap::new();
    for r in readings {
        for width in [HOUR, DAY] {
            let key = (r.sensor.as_str(), width, r.at.div_euclid(width) * width);
            let g = groups.entry(key).or_insert((0, 0.0, r.value, r.value));
            g.0 += 1;
            g.1 += r.value;
            g.2 = g.2.min(r.value);
            g.3 = g.3.max(r.value);
        }
    }
    let groups: Vec<_> = groups.into_iter().collect();
    for chunk in groups.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO sensor_buckets (instrument_id, sensor, width, start, n, sum, min, max) {}
             ON CONFLICT (instrument_id, sensor, width, start) DO UPDATE SET
                 n = sensor_buckets.n + excluded.n,
                 sum = sensor_buckets.sum + excluded.sum,
                 min = CASE WHEN excluded.min < sensor_buckets.min
                            THEN excluded.min ELSE sensor_buckets.min END,
                 max = CASE WHEN excluded.max > sensor_buckets.max
                            THEN excluded.max ELSE sensor_buckets.max END",
            crate::store::values(crate::store::Backend::of(tx), chunk.len(), 8)
        );
        let mut q = sqlx::query(&sql);
        for ((sensor, width, start), (n, sum, min, max)) in chunk {
            q = q
                .bind(instrument_id)
                .bind(*sensor)
                .bind(*width)
                .bind(*start)
                .bind(*n)
                .bind(*sum)
                .bind(*min)
                .bind(*max);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The bucket width a range is shown at: hourly while that gives at most `MAX_POINTS`
/// points, else whole days, grouped into several days when even days are too many.
pub fn width_for(from: i64, to: i64) -> (i64, i64) {
    let span = (to - from).max(1);
    if span / HOUR < MAX_POINTS {
        return (HOUR, HOUR);
    }
    let days_per_point = (span / DAY) / (MAX_POINTS - 1) + 1;
    (DAY, days_per_point * DAY)
}

/// One point: (start, n, mean, min, max).
pub type Point = (i64, i64, f64, f64, f64);

pub async fn series(
    pool: &AnyPool,
    instrument_id: i64,
    sensor: &str,
    from: i64,
    to: i64,
) -> AppResult<(i64, Vec<Point>)> {
    let (base, width) = width_for(from, to);
    // As one JSON text (see `db::json_rows`): a year of daily points is 365 rows.
    let backend = db::backend(pool);
    let real = |c: &str| db::json_real(backend, c);
    let sql = db::json_rows(
        backend,
        &format!("start, n, {}, {}, {}", real("mean"), real("lo"), real("hi")),
        "SELECT MIN(start) AS start, CAST(SUM(n) AS BIGINT) AS n,
                SUM(sum) / CAST(SUM(n) AS DOUBLE PRECISION) AS mean, MIN(min) AS lo, MAX(max) AS hi
         FROM sensor_buckets
         WHERE instrument_id = $1 AND sensor = $2 AND width = $3 AND start >= $4 AND start < $5
         GROUP BY start / $6 ORDER BY 1 LIMIT $7",
    );
    let text: Option<String> = sqlx::query_scalar(&sql)
        .bind(instrument_id)
        .bind(sensor)
        .bind(base)
        .bind(from.div_euclid(base) * base)
        .bind(to)
        .bind(width)
        .bind(MAX_POINTS)
        .fetch_one(pool)
        .await?;
    let rows: Vec<(i64, i64, Real, Real, Real)> = db::parse_json_rows(text).map_err(|e| {
        AppError::Internal(format!(
            "{sensor} of instrument {instrument_id} as JSON: {e}"
        ))
    })?;
    let mut points: Vec<Point> = rows
        .into_iter()
        .map(|(start, n, mean, min, max)| (start, n, mean.0, min.0, max.0))
        .collect();
    points.sort_by_key(|p| p.0);
    Ok((width, points))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_keep_every_range_under_the_point_budget() {
        assert_eq!(width_for(0, 7 * DAY), (HOUR, HOUR));
        assert_eq!(width_for(0, 365 * DAY), (DAY, DAY));
        let (_, w) = width_for(0, 10 * 365 * DAY);
        assert!(10 * 365 * DAY / w < MAX_POINTS, "{w}");
        for days in [1, 30, 41, 42, 90, 365, 999, 1000, 1001, 3000, 36500] {
            let (_, w) = width_for(0, days * DAY);
            assert!(days * DAY / w < MAX_POINTS, "{days} days at {w} s");
        }
    }
}
