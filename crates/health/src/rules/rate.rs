//! Rate of change: a reading still inside its bands but moving fast is the early sign
//! (pump pressure climbing as a line clogs, chiller warming as its TEC fails).
//!
//! The slope is the Theil–Sen one over the window, so a single spike or dropout does not
//! look like a fast change.

use super::{Finding, Reading, RuleError, RuleId, RuleKind};
use crate::domain::{Severity, Subsystem};
use crate::trend::theil_sen;
use seqhealth_api::words::{Figure, Said};
use serde::{Deserialize, Serialize};

const SECONDS_PER_DAY: f64 = 86_400.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateOfChangeRule {
    pub id: RuleId,
    pub subsystem: Subsystem,
    pub label: String,
    pub unit: String,
    /// Look-back window ending at `now`, seconds.
    pub window_s: i64,
    /// Fires when the value rises faster than this many units per day.
    pub max_rise_per_day: Option<f64>,
    /// Fires when the value falls faster than this many units per day (a positive
    /// magnitude: 0.5 means "falling more than 0.5 per day").
    pub max_fall_per_day: Option<f64>,
    /// Fewer finite readings than this in the window: no verdict (at least 2 are used).
    pub min_points: usize,
    pub severity: Severity,
}

impl RateOfChangeRule {
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.window_s <= 0 {
            return Err(RuleError::NotPositive { field: "window_s" });
        }
        for (field, limit) in [
            ("max_rise_per_day", self.max_rise_per_day),
            ("max_fall_per_day", self.max_fall_per_day),
        ] {
            match limit {
                Some(l) if !l.is_finite() => return Err(RuleError::NotFinite { field }),
                Some(l) if l < 0.0 => return Err(RuleError::NotPositive { field }),
                _ => {}
            }
        }
        Ok(())
    }

    /// Fits the readings in `(now − window, now]` and reports a slope beyond a limit.
    pub fn evaluate(&self, readings: &[Reading], now: i64) -> Option<Finding> {
        let start = now.saturating_sub(self.window_s.max(0));
        // x in days relative to now: slope comes out per day, with full precision.
        let pts: Vec<(f64, f64)> = readings
            .iter()
            .filter(|r| r.at > start && r.at <= now && r.value.is_finite())
            .map(|r| ((r.at - now) as f64 / SECONDS_PER_DAY, r.value))
            .collect();
        if pts.len() < self.min_points.max(2) {
            return None;
        }
        let slope = theil_sen(&pts).ok()?.slope;
        let (rising, limit) = self.beyond(slope)?;
        let code = if rising {
            "rate_rising"
        } else {
            "rate_falling"
        };
        Some(self.finding(
            slope,
            now,
            self.cause(code, slope, Figure::Secs(self.window_s as f64), limit),
        ))
    }

    /// The same judgement over a run-indexed series: `values` are the most recent runs'
    /// values, oldest first, one step apart, and the limits are per run rather than per
    /// day. `at`: when the newest run ended.
    pub fn evaluate_runs(&self, values: &[f64], at: i64) -> Option<Finding> {
        let pts: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(k, v)| (k as f64, *v))
            .collect();
        if pts.len() < self.min_points.max(2) {
            return None;
        }
        let slope = theil_sen(&pts).ok()?.slope;
        let (rising, limit) = self.beyond(slope)?;
        let code = if rising {
            "rate_runs_rising"
        } else {
            "rate_runs_falling"
        };
        Some(self.finding(
            slope,
            at,
            self.cause(code, slope, Figure::N(pts.len() as f64), limit),
        ))
    }

    /// A finding's cause: the signal, how fast it changes, over `span` (a window of time or
    /// a count of runs), against which limit.
    fn cause(&self, code: &str, slope: f64, span: Figure, limit: f64) -> Said {
        Said::new(
            code,
            vec![
                Figure::Word(self.label.clone()),
                Figure::G(slope.abs()),
                Figure::Word(self.unit.clone()),
                span,
                Figure::G(limit),
            ],
        )
    }

    /// Whether `slope` goes past a limit rising (or falling), and that limit.
    fn beyond(&self, slope: f64) -> Option<(bool, f64)> {
        if let Some(l) = self.max_rise_per_day.filter(|&l| slope > l) {
            Some((true, l))
        } else {
            self.max_fall_per_day
                .filter(|&l| slope < -l)
                .map(|l| (false, l))
        }
    }

    fn finding(&self, slope: f64, at: i64, said: Said) -> Finding {
        Finding {
            rule_id: self.id.clone(),
            kind: RuleKind::RateOfChange,
            severity: self.severity,
            subsystem: self.subsystem,
            value: slope,
            at,
            code: None,
            message: said.english(),
            said,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;
    use seqhealth_api::HOUR;

    fn pressure_rule() -> RateOfChangeRule {
        RateOfChangeRule {
            id: "line_pressure_rate".into(),
            subsystem: Subsystem::Fluidics,
            label: "line pressure".into(),
            unit: "kPa".into(),
            window_s: 7 * 24 * HOUR,
            max_rise_per_day: Some(2.0),
            max_fall_per_day: Some(5.0),
            min_points: 6,
            severity: Severity::Warning,
        }
    }

    /// Hourly readings over the last `days`, changing `per_day`.
    fn hourly(days: i64, per_day: f64) -> Vec<Reading> {
        (0..days * 24)
            .map(|h| {
                let at = NOW - h * HOUR;
                let value = 200.0 + per_day * (at - NOW) as f64 / 86_400.0;
                Reading { at, value }
            })
            .collect()
    }

    #[test]
    fn fast_rise_fires_with_slope_per_day() {
        let f = pressure_rule()
            .evaluate(&hourly(7, 3.0), NOW)
            .expect("finding");
        assert!((f.value - 3.0).abs() < 1e-9);
        assert_eq!(
            (f.kind, f.severity, f.at),
            (RuleKind::RateOfChange, Severity::Warning, NOW)
        );
        assert_eq!(
            f.message,
            "line pressure rising 3.00 kPa/day over the last 7.0 d (limit 2.00 kPa/day)"
        );
    }

    #[test]
    fn runs_are_judged_per_run() {
        let rule = RateOfChangeRule {
            max_rise_per_day: Some(0.05),
            max_fall_per_day: None,
            min_points: 8,
            unit: "px".into(),
            label: "Run focus".into(),
            ..pressure_rule()
        };
        let rising: Vec<f64> = (0..10).map(|k| 2.6 + 0.1 * k as f64).collect();
        let f = rule.evaluate_runs(&rising, NOW).expect("0.1 px a run");
        assert!((f.value - 0.1).abs() < 1e-9);
        assert_eq!(
            f.message,
            "Run focus rising 0.10 px a run over the last 10 runs (limit 0.05 px a run)"
        );
        let slow: Vec<f64> = (0..10).map(|k| 2.6 + 0.02 * k as f64).collect();
        assert_eq!(rule.evaluate_runs(&slow, NOW), None);
        assert_eq!(rule.evaluate_runs(&rising[..7], NOW), None, "too few runs");
    }

    #[test]
    fn slow_change_and_fast_fall() {
        assert_eq!(pressure_rule().evaluate(&hourly(7, 1.0), NOW), None);
        assert_eq!(pressure_rule().evaluate(&hourly(7, -4.0), NOW), None);
        let f = pressure_rule()
            .evaluate(&hourly(7, -6.0), NOW)
            .expect("fall");
        assert!(f.message.contains("falling 6.00"));
    }

    #[test]
    fn spike_does_not_look_like_a_trend() {
        let mut r = hourly(7, 0.0);
        r[0].value = 900.0; // the newest reading
        r[1].value = 850.0;
        assert_eq!(pressure_rule().evaluate(&r, NOW), None);
    }

    #[test]
    fn only_the_window_counts_and_few_points_give_no_verdict() {
        // Steep rise long ago, flat in the last week.
        let mut r = hourly(7, 0.0);
        r.extend((0..50).map(|i| Reading {
            at: NOW - 30 * 24 * HOUR + i * HOUR,
            value: 100.0 + 10.0 * i as f64,
        }));
        assert_eq!(pressure_rule().evaluate(&r, NOW), None);
        let few: Vec<Reading> = hourly(7, 50.0).into_iter().take(5).collect();
        assert_eq!(pressure_rule().evaluate(&few, NOW), None);
        assert_eq!(pressure_rule().evaluate(&[], NOW), None);
    }

    #[test]
    fn validation() {
        assert_eq!(pressure_rule().validate(), Ok(()));
        let bad = RateOfChangeRule {
            window_s: 0,
            ..pressure_rule()
        };
        assert_eq!(
            bad.validate(),
            Err(RuleError::NotPositive { field: "window_s" })
        );
        let bad = RateOfChangeRule {
            max_fall_per_day: Some(-1.0),
            ..pressure_rule()
        };
        assert!(bad.validate().is_err());
    }
}
