//! Failure prediction: when will a component need replacing?
//!
//! Two independent views, because parts wear in two ways:
//! - [`daily`] (over [`limit`]'s types): a degradation indicator drifts toward a limit
//!   (laser power down, position error up); its fitted trend says when it gets there,
//!   with an interval. [`daily::forecast_from_daily`] is the method the server runs;
//!   [`signal::predict_from_daily`] is the previous one, kept for comparison.
//! - [`wear`]: a usage-rated part (pump strokes, runs) is used up at its rate of use.

pub mod daily;
pub mod limit;
pub mod runs;
pub mod signal;
pub mod wear;

pub use daily::{forecast_from_daily, Aggregate, DailyAggregate, Forecast, ForecastMethod, Toward};
pub use limit::{time_to_limit, Limit, LimitKind, PredictConfig, TimeToLimit};
pub use runs::{forecast_from_runs, RunForecast, RunMethod, RunValue};
pub use signal::{predict_from_daily, DailyMethod, SignalPrediction};
pub use wear::{rate_per_day_from_counter, usage_exhaustion, UsageCounter, WearPrediction};

const SECONDS_PER_DAY: f64 = 86_400.0;

/// A time in f64 seconds as i64 unix seconds. `None` for NaN; ±∞ and far-future values
/// saturate (Rust's float→int `as` saturates), so "never, practically" stays representable.
fn to_unix_seconds(t: f64) -> Option<i64> {
    if t.is_nan() {
        None
    } else {
        Some(t.round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_saturates_and_rejects_nan() {
        assert_eq!(to_unix_seconds(f64::NAN), None);
        assert_eq!(to_unix_seconds(f64::INFINITY), Some(i64::MAX));
        assert_eq!(to_unix_seconds(-1e300), Some(i64::MIN));
        assert_eq!(to_unix_seconds(1_700_000_000.4), Some(1_700_000_000));
    }
}
