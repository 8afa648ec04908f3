//! The database's derived tables against a recomputation from the raw readings: the
//! hourly and daily buckets (n, sum, min, max) and each sensor's latest reading. Shared by
//! the fault, crash and fuzz tests (`crash.rs` includes this file by path).

use sqlx::AnyPool;
use std::collections::BTreeMap;

type Key = (i64, String, i64, i64);
/// (n, sum, min, max, sum of |value|)
type Agg = (i64, f64, f64, f64, f64);
type StoredRow = (i64, String, i64, i64, i64, f64, f64, f64);
type RecomputedRow = (i64, String, i64, i64, i64, f64, f64, f64, f64);

/// Panics with the first difference unless every bucket and every latest reading equals
/// what the raw readings give. Sums are compared to a tolerance of the summed magnitudes
/// (the order of additions differs); counts, minima and maxima exactly.
pub async fn assert_aggregates_match_readings(db: &AnyPool) {
    let stored: Vec<StoredRow> = sqlx::query_as(
        "SELECT instrument_id, sensor, width, start, n, sum, min, max FROM sensor_buckets",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let stored: BTreeMap<Key, (i64, f64, f64, f64)> = stored
        .into_iter()
        .map(|(i, s, w, st, n, sum, min, max)| ((i, s, w, st), (n, sum, min, max)))
        .collect();
    let recomputed: Vec<RecomputedRow> = sqlx::query_as(
        "SELECT instrument_id, sensor, w.width, (at / w.width) * w.width, COUNT(*), SUM(value),
                MIN(value), MAX(value), SUM(ABS(value))
         FROM sensor_readings, (SELECT 3600 AS width UNION ALL SELECT 86400) AS w
         GROUP BY 1, 2, 3, 4",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let recomputed: BTreeMap<Key, Agg> = recomputed
        .into_iter()
        .map(|(i, s, w, st, n, sum, min, max, abs)| ((i, s, w, st), (n, sum, min, max, abs)))
        .collect();
    let stored_keys: Vec<&Key> = stored.keys().collect();
    let recomputed_keys: Vec<&Key> = recomputed.keys().collect();
    if stored_keys != recomputed_keys {
        let extra: Vec<_> = stored_keys
            .iter()
            .filter(|k| !recomputed.contains_key(k))
            .take(5)
            .collect();
        let missing: Vec<_> = recomputed_keys
            .iter()
            .filter(|k| !stored.contains_key(k))
            .take(5)
            .collect();
        panic!("buckets without readings: {extra:?}; readings without buckets: {missing:?}");
    }
    for (key, &(n, sum, min, max)) in &stored {
        let &(rn, rsum, rmin, rmax, abs) = &recomputed[key];
        assert_eq!(n, rn, "bucket {key:?}: n");
        assert_eq!(min, rmin, "bucket {key:?}: min");
        assert_eq!(max, rmax, "bucket {key:?}: max");
        let same = if sum.is_finite() && rsum.is_finite() {
            (sum - rsum).abs() <= 1e-9 * abs.max(1.0)
        } else {
            // Values near f64::MAX overflow either way; both must say so alike.
            sum == rsum || (abs.is_infinite() || abs > 1e300)
        };
        assert!(same, "bucket {key:?}: sum {sum} ≠ {rsum} recomputed");
    }

    // The latest reading of each sensor is the stored reading with the greatest time.
    let latest: Vec<(i64, String, String, i64, f64)> = sqlx::query_as(
        "SELECT instrument_id, sensor, subsystem, at, value FROM sensor_latest ORDER BY 1, 2",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let newest: Vec<(i64, String, String, i64, f64)> = sqlx::query_as(
        "SELECT r.instrument_id, r.sensor, r.subsystem, r.at, r.value FROM sensor_readings r
         JOIN (SELECT instrument_id, sensor, MAX(at) AS at FROM sensor_readings GROUP BY 1, 2) m
           ON m.instrument_id = r.instrument_id AND m.sensor = r.sensor AND m.at = r.at
         ORDER BY 1, 2",
    )
    .fetch_all(db)
    .await
    .unwrap();
    assert_eq!(
        latest.len(),
        newest.len(),
        "sensor_latest has {} rows, the readings name {} sensors",
        latest.len(),
        newest.len()
    );
    for (l, n) in latest.iter().zip(&newest) {
        assert_eq!(l, n, "sensor_latest differs from the newest stored reading");
    }
}
