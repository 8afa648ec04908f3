//! Usage-based wear: parts rated for a number of uses (pump strokes, valve cycles, runs)
//! are used up at the instrument's rate of use, whatever their sensors say.

use super::{to_unix_seconds, SECONDS_PER_DAY};
use crate::trend::theil_sen;
use serde::{Deserialize, Serialize};

/// A component's usage counter and its rating.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UsageCounter {
    /// Uses since the component was installed.
    pub used: u64,
    /// Uses per day (see [`rate_per_day_from_counter`]).
    pub rate_per_day: f64,
    /// Uses the component is rated for.
    pub rated_life: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WearPrediction {
    /// `used / rated_life`; above 1 when the part is past its rating.
    pub fraction_used: f64,
    pub remaining: u64,
    pub days_left: f64,
    /// Unix seconds at which the rated life is used up (`now` if it already is).
    pub exhaustion_at: i64,
    /// `exhaustion_at − safety margin`.
    pub replace_by: i64,
}

/// Predicts when the rated life is used up. `None` when it cannot be told: a zero rating,
/// or a part with life left that is not being used (rate ≤ 0 or not finite).
pub fn usage_exhaustion(
    counter: UsageCounter,
    now: i64,
    safety_margin_s: i64,
) -> Option<WearPrediction> {
    if counter.rated_life == 0 {
        return None;
    }
    let remaining = counter.rated_life.saturating_sub(counter.used);
    let fraction_used = counter.used as f64 / counter.rated_life as f64;
    let days_left = if remaining == 0 {
        0.0
    } else if counter.rate_per_day.is_finite() && counter.rate_per_day > 0.0 {
        remaining as f64 / counter.rate_per_day
    } else {
        return None;
    };
    let exhaustion_at = now.saturating_add(to_unix_seconds(days_left * SECONDS_PER_DAY)?);
    Some(WearPrediction {
        fraction_used,
        remaining,
        days_left,
        exhaustion_at,
        replace_by: exhaustion_at.saturating_sub(safety_margin_s.max(0)),
    })
}

/// Rate of use per day from counter readings `(unix seconds, count)`, robustly: a counter
/// read twice in a minute or one garbled reading does not skew it. Only readings since
/// the last counter reset (replacement) should be passed. `None` without a trend.
pub fn rate_per_day_from_counter(readings: &[(i64, f64)]) -> Option<f64> {
    let last = readings.iter().map(|r| r.0).max()?;
    // Relative times keep full precision whatever the epoch.
    let pts: Vec<(f64, f64)> = readings
        .iter()
        .map(|&(t, c)| ((t.saturating_sub(last)) as f64 / SECONDS_PER_DAY, c))
        .collect();
    let slope = theil_sen(&pts).ok()?.slope;
    slope.is_finite().then_some(slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;
    use seqhealth_api::DAY;

    #[test]
    fn pump_strokes_exhaust_on_schedule() {
        let c = UsageCounter {
            used: 600_000,
            rate_per_day: 4_000.0,
            rated_life: 1_000_000,
        };
        let p = usage_exhaustion(c, NOW, 7 * DAY).expect("prediction");
        assert_eq!(p.remaining, 400_000);
        assert!((p.days_left - 100.0).abs() < 1e-9);
        assert_eq!(p.exhaustion_at, NOW + 100 * DAY);
        assert_eq!(p.replace_by, NOW + 93 * DAY);
        assert!((p.fraction_used - 0.6).abs() < 1e-12);
    }

    #[test]
    fn past_rating_is_exhausted_now_even_when_idle() {
        let c = UsageCounter {
            used: 1_200,
            rate_per_day: 0.0,
            rated_life: 1_000,
        };
        let p = usage_exhaustion(c, NOW, DAY).expect("prediction");
        assert_eq!(
            (p.remaining, p.exhaustion_at, p.replace_by),
            (0, NOW, NOW - DAY)
        );
        assert!(p.fraction_used > 1.0);
    }

    #[test]
    fn unknown_or_idle_rate_and_zero_rating_give_none() {
        let c = |rate| UsageCounter {
            used: 10,
            rate_per_day: rate,
            rated_life: 100,
        };
        assert_eq!(usage_exhaustion(c(0.0), NOW, 0), None);
        assert_eq!(usage_exhaustion(c(-3.0), NOW, 0), None);
        assert_eq!(usage_exhaustion(c(f64::NAN), NOW, 0), None);
        let zero = UsageCounter {
            rated_life: 0,
            ..c(1.0)
        };
        assert_eq!(usage_exhaustion(zero, NOW, 0), None);
    }

    #[test]
    fn tiny_rate_saturates_instead_of_overflowing() {
        let c = UsageCounter {
            used: 0,
            rate_per_day: 1e-300,
            rated_life: u64::MAX,
        };
        let p = usage_exhaustion(c, NOW, i64::MAX).expect("prediction");
        assert_eq!(p.exhaustion_at, i64::MAX);
    }

    #[test]
    fn rate_from_counter_ignores_a_garbled_reading() {
        let mut readings: Vec<(i64, f64)> = (0..30)
            .map(|d| (NOW + d * DAY, 1_000.0 + 250.0 * d as f64))
            .collect();
        readings[12].1 = 9e9;
        let rate = rate_per_day_from_counter(&readings).expect("rate");
        assert!((rate - 250.0).abs() < 1e-6, "{rate}");
        assert_eq!(rate_per_day_from_counter(&[]), None);
        assert_eq!(rate_per_day_from_counter(&[(NOW, 1.0)]), None);
    }
}
