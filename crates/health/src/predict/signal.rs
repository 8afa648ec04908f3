//! One degradation signal's daily means → a prediction: the previous method (Theil–Sen
//! over 90 days of daily means, across replacements). Superseded by
//! [`super::daily::forecast_from_daily`]; kept so `health-eval --method legacy` can
//! measure the difference.

use super::limit::{time_to_limit, Limit, PredictConfig, TimeToLimit};
use crate::trend::{theil_sen, TrendFit};

/// How daily means become a prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DailyMethod {
    /// Fewer days than this is not evidence enough.
    pub min_days: usize,
    /// Crossings further ahead than this many days are dropped: a straight line is no
    /// guide that far.
    pub horizon_days: i64,
    pub config: PredictConfig,
}

impl Default for DailyMethod {
    fn default() -> Self {
        DailyMethod {
            min_days: 14,
            horizon_days: 365,
            config: PredictConfig::default(),
        }
    }
}

/// A prediction and its evidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignalPrediction {
    pub fit: TrendFit,
    /// The band edge the trend heads for.
    pub limit: Limit,
    pub time: TimeToLimit,
}

/// `days`: (unix seconds at the middle of the day, the day's mean), any order; `band`:
/// the signal's normal band (low, high); `now`: unix seconds. The trend heads for the low
/// edge when it falls and for the high edge when it rises.
pub fn predict_from_daily(
    days: &[(f64, f64)],
    band: (f64, f64),
    now: i64,
    method: &DailyMethod,
) -> Option<SignalPrediction> {
    if days.len() < method.min_days {
        return None;
    }
    let fit = theil_sen(days).ok()?;
    let limit = if fit.slope < 0.0 {
        Limit::lower(band.0)
    } else {
        Limit::upper(band.1)
    };
    let time = time_to_limit(&fit, limit, &method.config)?;
    let horizon = now.saturating_add(method.horizon_days.saturating_mul(86_400));
    (time.crossing <= horizon).then_some(SignalPrediction { fit, limit, time })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daily(n: usize, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
        (0..n)
            .map(|d| (d as f64 * 86_400.0 + 43_200.0, f(d as f64)))
            .collect()
    }

    #[test]
    fn a_falling_signal_heads_for_the_low_edge() {
        let days = daily(30, |d| {
            100.0 - 0.5 * d + if d as i64 % 2 == 0 { 0.2 } else { -0.2 }
        });
        let p =
            predict_from_daily(&days, (80.0, 110.0), 30 * 86_400, &DailyMethod::default()).unwrap();
        assert_eq!(p.limit, Limit::lower(80.0));
        let day = p.time.crossing as f64 / 86_400.0;
        assert!((day - 40.5).abs() < 1.0, "crosses about day 40: {day}");
    }

    #[test]
    fn too_few_days_flat_signals_and_far_crossings_give_nothing() {
        let m = DailyMethod::default();
        assert!(predict_from_daily(&daily(10, |d| 100.0 - d), (80.0, 110.0), 0, &m).is_none());
        let flat = daily(60, |d| 100.0 + if d as i64 % 2 == 0 { 0.3 } else { -0.3 });
        assert!(predict_from_daily(&flat, (80.0, 110.0), 60 * 86_400, &m).is_none());
        let slow = daily(60, |d| {
            100.0 - 0.01 * d + if d as i64 % 2 == 0 { 0.001 } else { -0.001 }
        });
        assert!(
            predict_from_daily(&slow, (80.0, 110.0), 60 * 86_400, &m).is_none(),
            "crossing ~2000 days out"
        );
    }
}
