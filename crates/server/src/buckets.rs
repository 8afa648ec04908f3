//! Time buckets of sensor readings (count, sum, min, max per hour and per day), folded in
//! as readings arrive, and read back as at most `MAX_POINTS` points for any range.

use crate::error::AppResult;
use sqlx::{Sqlite, SqlitePool, Transaction};

pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;
/// No series response holds more points than this, whatever the range.
pub const MAX_POINTS: i64 = 1000;

pub async fn fold(
    tx: &mut Transaction<'_, Sqlite>,
    instrument_id: i64,
    sensor: &str,
    at: i64,
    value: f64,
) -> AppResult<()> {
    for width in [HOUR, DAY] {
        sqlx::query(
            "INSERT INTO sensor_buckets (instrument_id, sensor, width, start, n, sum, min, max)
             VALUES (?, ?, ?, ?, 1, ?, ?, ?)
             ON CONFLICT (instrument_id, sensor, width, start) DO UPDATE SET
                 n = sensor_buckets.n + 1,
                 sum = sensor_buckets.sum + excluded.sum,
                 min = MIN(sensor_buckets.min, excluded.min),
                 max = MAX(sensor_buckets.max, excluded.max)",
        )
        .bind(instrument_id)
        .bind(sensor)
        .bind(width)
        .bind(at.div_euclid(width) * width)
        .bind(value)
        .bind(value)
        .bind(value)
        .execute(&mut **tx)
        .await?;
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
