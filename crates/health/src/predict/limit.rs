//! Time to limit: when a fitted degradation indicator crosses its limit.
//!
//! The crossing of the fitted line is the point estimate. Its interval comes from the two
//! things we are unsure of: the slope (Sen's interval from the spread of pairwise slopes)
//! and the level of the line at the data's centre (residual scale / √n). The line is
//! pivoted about its anchor `x_ref`, where it is best known, so every corner of
//! slope-interval × level-band gives a crossing; the earliest and latest of those bound
//! it. The recommended replace-by time is the earliest minus a safety margin: plan for
//! the pessimistic end, with lead time to ship the part.

use super::to_unix_seconds;
use crate::trend::{TrendFit, Z_95};
use serde::{Deserialize, Serialize};

/// Which side the limit is on, seen from a healthy part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// The indicator rises toward the limit (crossing from below): FWHM, position error.
    Upper,
    /// The indicator falls toward the limit (crossing from above): laser output power.
    Lower,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    pub value: f64,
    pub kind: LimitKind,
}

impl Limit {
    pub fn upper(value: f64) -> Self {
        Limit {
            value,
            kind: LimitKind::Upper,
        }
    }

    pub fn lower(value: f64) -> Self {
        Limit {
            value,
            kind: LimitKind::Lower,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PredictConfig {
    /// Lead time subtracted from the earliest crossing: ordering, shipping, a service
    /// visit. Seconds.
    pub safety_margin_s: i64,
    /// Normal quantile for the level band (1.96 ≈ 95 %, matching the default slope
    /// interval).
    pub z: f64,
}

impl Default for PredictConfig {
    fn default() -> Self {
        PredictConfig {
            safety_margin_s: 14 * 86_400,
            z: Z_95,
        }
    }
}

/// A predicted crossing. Times are unix seconds (the fit's x must be unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeToLimit {
    /// Where the fitted line meets the limit. May be in the past: already crossed.
    pub crossing: i64,
    pub earliest: i64,
    pub latest: i64,
    /// `earliest − safety margin`: the date to have the part replaced by.
    pub replace_by: i64,
}

impl TimeToLimit {
    /// True when the replace-by time has been reached.
    pub fn is_overdue(&self, now: i64) -> bool {
        now >= self.replace_by
    }
}

/// Predicts when `fit` crosses `limit`, or `None` when it will not: the trend moves away
/// from the limit, is flat within noise (its slope interval contains zero), there are too
/// few points for a slope interval, or the inputs are not finite.
pub fn time_to_limit(fit: &TrendFit, limit: Limit, cfg: &PredictConfig) -> Option<TimeToLimit> {
    let ci = fit.slope_interval?;
    let finite = [
        limit.value,
        fit.slope,
        fit.level,
        fit.x_ref,
        ci.low,
        ci.high,
    ];
    if finite.iter().any(|v| !v.is_finite()) || ci.contains_zero() {
        return None;
    }
    let approaching = match limit.kind {
        LimitKind::Upper => fit.slope > 0.0 && ci.low > 0.0,
        LimitKind::Lower => fit.slope < 0.0 && ci.high < 0.0,
    };
    if !approaching {
        return None;
    }

    let z = if cfg.z.is_finite() && cfg.z >= 0.0 {
        cfg.z
    } else {
        Z_95
    };
    // Standard error of a median is ≈ 1.2533 σ/√n for normal noise.
    let level_band = z * 1.2533 * fit.residual_scale.max(0.0) / (fit.n.max(1) as f64).sqrt();
    let crossing_at = |level: f64, slope: f64| fit.x_ref + (limit.value - level) / slope;

    let mut earliest = f64::INFINITY;
    let mut latest = f64::NEG_INFINITY;
    for level in [fit.level - level_band, fit.level + level_band] {
        for slope in [ci.low, ci.high] {
            let t = crossing_at(level, slope);
            earliest = earliest.min(t);
            latest = latest.max(t);
        }
    }
    let crossing = to_unix_seconds(crossing_at(fit.level, fit.slope))?;
    let earliest = to_unix_seconds(earliest)?;
    let latest = to_unix_seconds(latest)?;
    Some(TimeToLimit {
        crossing,
        // Rounding aside, the point estimate lies inside the corners; keep that exact.
        earliest: earliest.min(crossing),
        latest: latest.max(crossing),
        replace_by: earliest
            .min(crossing)
            .saturating_sub(cfg.safety_margin_s.max(0)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trend::theil_sen;

    const DAY: f64 = seqhealth_api::DAY as f64;
    const T0: f64 = 1_700_000_000.0;

    /// Laser power: 100 mW falling 0.5 mW/day, daily readings with ±0.4 mW wiggle.
    fn laser_power(days: usize) -> Vec<(f64, f64)> {
        (0..days)
            .map(|d| {
                let x = T0 + d as f64 * DAY;
                (x, 100.0 - 0.5 * d as f64 + 0.4 * (d as f64 * 2.3).sin())
            })
            .collect()
    }

    #[test]
    fn falling_power_crosses_lower_limit_on_time() {
        let fit = theil_sen(&laser_power(40)).expect("fit");
        let cfg = PredictConfig::default();
        let p = time_to_limit(&fit, Limit::lower(70.0), &cfg).expect("prediction");
        // True crossing: day 60.
        let truth = (T0 + 60.0 * DAY) as i64;
        assert!((p.crossing - truth).abs() < 2 * 86_400, "{p:?}");
        assert!(p.earliest <= p.crossing && p.crossing <= p.latest);
        assert!(p.earliest <= truth && truth <= p.latest, "{p:?}");
        assert_eq!(p.replace_by, p.earliest - cfg.safety_margin_s);
        assert!(!p.is_overdue(T0 as i64 + 40 * 86_400));
        assert!(p.is_overdue(p.replace_by));
    }

    #[test]
    fn rising_indicator_crosses_upper_limit() {
        // Stage position error: 1 µm rising 0.02 µm/day, limit 3 µm → day 100.
        let pts: Vec<(f64, f64)> = (0..50)
            .map(|d| (T0 + d as f64 * DAY, 1.0 + 0.02 * d as f64))
            .collect();
        let fit = theil_sen(&pts).expect("fit");
        let cfg = PredictConfig {
            safety_margin_s: 0,
            z: Z_95,
        };
        let p = time_to_limit(&fit, Limit::upper(3.0), &cfg).expect("prediction");
        let truth = (T0 + 100.0 * DAY) as i64;
        assert!((p.crossing - truth).abs() <= 1, "{p:?}");
        // A perfect line has no uncertainty: the interval collapses onto the crossing.
        assert_eq!(
            (p.earliest, p.latest, p.replace_by),
            (p.crossing, p.crossing, p.crossing)
        );
    }

    #[test]
    fn moving_away_from_limit_gives_none() {
        let fit = theil_sen(&laser_power(40)).expect("fit");
        let cfg = PredictConfig::default();
        assert_eq!(time_to_limit(&fit, Limit::upper(150.0), &cfg), None);
    }

    #[test]
    fn flat_within_noise_gives_none() {
        let pts: Vec<(f64, f64)> = (0..60)
            .map(|d| (T0 + d as f64 * DAY, 50.0 + 2.0 * (d as f64 * 1.9).sin()))
            .collect();
        let fit = theil_sen(&pts).expect("fit");
        assert!(fit.slope_interval.is_some_and(|ci| ci.contains_zero()));
        let cfg = PredictConfig::default();
        assert_eq!(time_to_limit(&fit, Limit::lower(40.0), &cfg), None);
        assert_eq!(time_to_limit(&fit, Limit::upper(60.0), &cfg), None);
    }

    #[test]
    fn too_few_points_or_bad_limit_gives_none() {
        let fit = theil_sen(&laser_power(4)).expect("fit");
        let cfg = PredictConfig::default();
        assert_eq!(time_to_limit(&fit, Limit::lower(70.0), &cfg), None);
        let fit = theil_sen(&laser_power(30)).expect("fit");
        assert_eq!(time_to_limit(&fit, Limit::lower(f64::NAN), &cfg), None);
    }

    #[test]
    fn already_crossed_limit_reports_a_past_crossing() {
        let fit = theil_sen(&laser_power(40)).expect("fit");
        let p = time_to_limit(&fit, Limit::lower(95.0), &PredictConfig::default()).expect("p");
        // 95 mW was reached around day 10, well before the last reading (day 39).
        assert!(p.crossing < (T0 + 39.0 * DAY) as i64);
        assert!(p.is_overdue((T0 + 39.0 * DAY) as i64));
    }

    #[test]
    fn negative_margin_and_bad_z_are_tolerated() {
        let fit = theil_sen(&laser_power(40)).expect("fit");
        let cfg = PredictConfig {
            safety_margin_s: -5,
            z: f64::NAN,
        };
        let p = time_to_limit(&fit, Limit::lower(70.0), &cfg).expect("p");
        assert_eq!(p.replace_by, p.earliest);
    }
}
