//! Time buckets of sensor readings (count, sum, min, max per hour and per day), folded in
//! as readings arrive, and read back as at most `MAX_POINTS` points for any range.

use crate::error::AppResult;
use sqlx::{QueryBuilder, Sqlite, SqlitePool, Transaction};
use std::collections::BTreeMap;

pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;
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
    tx: &mut Transaction<'_, Sqlite>,
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
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO sensor_buckets (instrument_id, sensor, width, start, n, sum, min, max) ",
        );
        q.push_values(
            chunk,
            |mut b, ((sensor, width, start), (n, sum, min, max))| {
                b.push_bind(instrument_id)
                    .push_bind(*sensor)
                    .push_bind(*width)
                    .push_bind(*start)
                    .push_bind(*n)
                    .push_bind(*sum)
                    .push_bind(*min)
                    .push_bind(*max);
            },
        );
        q.push(
            " ON CONFLICT (instrument_id, sensor, width, start) DO UPDATE SET
                 n = sensor_buckets.n + excluded.n,
                 sum = sensor_buckets.sum + excluded.sum,
                 min = MIN(sensor_buckets.min, excluded.min),
                 max = MAX(sensor_buckets.max, excluded.max)",
        );
        q.build().execute(&mut **tx).await?;
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
    db: &SqlitePool,
    instrument_id: i64,
    sensor: &str,
    from: i64,
    to: i64,
) -> AppResult<(i64, Vec<Point>)> {
    let (base, width) = width_for(from, to);
    let rows: Vec<Point> = sqlx::query_as(
        "SELECT MIN(start), SUM(n), SUM(sum) / SUM(n), MIN(min), MAX(max) FROM sensor_buckets
         WHERE instrument_id = ? AND sensor = ? AND width = ? AND start >= ? AND start < ?
         GROUP BY start / ? ORDER BY 1 LIMIT ?",
    )
    .bind(instrument_id)
    .bind(sensor)
    .bind(base)
    .bind(from.div_euclid(base) * base)
    .bind(to)
    .bind(width)
    .bind(MAX_POINTS)
    .fetch_all(db)
    .await?;
    Ok((width, rows))
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
