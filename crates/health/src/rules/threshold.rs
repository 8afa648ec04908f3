//! Threshold bands: the simplest rule, and the one a lab manager can check by eye.
//!
//! Bands nest: critical_low ≤ warn_low ≤ warn_high ≤ critical_high, any of them absent.
//! A value exactly on a limit is still in band, so a limit reads as "the worst allowed".

use super::{Finding, Reading, RuleError, RuleId, RuleKind};
use crate::domain::{Severity, Subsystem};
use seqhealth_api::words::{Figure, Said};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdRule {
    pub id: RuleId,
    pub subsystem: Subsystem,
    /// What is measured, for messages: "laser output power".
    pub label: String,
    /// Unit for messages: "mW".
    pub unit: String,
    pub critical_low: Option<f64>,
    pub warn_low: Option<f64>,
    pub warn_high: Option<f64>,
    pub critical_high: Option<f64>,
    /// What to do, appended to the message: "check the chiller's door, fan and coolant…".
    pub advice: Option<Said>,
}

impl ThresholdRule {
    /// Checks the bands are finite and nested. Evaluation works regardless (critical is
    /// checked first), but a misordered configuration is almost certainly a typo.
    pub fn validate(&self) -> Result<(), RuleError> {
        let bands = [
            ("critical_low", self.critical_low),
            ("warn_low", self.warn_low),
            ("warn_high", self.warn_high),
            ("critical_high", self.critical_high),
        ];
        let mut previous: Option<f64> = None;
        for (field, band) in bands {
            let Some(v) = band else { continue };
            if !v.is_finite() {
                return Err(RuleError::NotFinite { field });
            }
            if let Some(p) = previous.filter(|&p| p > v) {
                return Err(RuleError::BandsOutOfOrder { lower: p, upper: v });
            }
            previous = Some(v);
        }
        Ok(())
    }

    /// The finding for one reading, if it is out of band. Non-finite readings give none:
    /// a broken sensor shows up as missing data, not as a fake excursion.
    pub fn evaluate(&self, reading: Reading) -> Option<Finding> {
        let v = reading.value;
        if !v.is_finite() {
            return None;
        }
        let below = |limit: Option<f64>| limit.filter(|&l| v < l);
        let above = |limit: Option<f64>| limit.filter(|&l| v > l);
        let (severity, limit, code) = if let Some(l) = below(self.critical_low) {
            (Severity::Critical, l, "threshold_below_critical")
        } else if let Some(l) = above(self.critical_high) {
            (Severity::Critical, l, "threshold_above_critical")
        } else if let Some(l) = below(self.warn_low) {
            (Severity::Warning, l, "threshold_below_warning")
        } else if let Some(l) = above(self.warn_high) {
            (Severity::Warning, l, "threshold_above_warning")
        } else {
            return None;
        };
        // "… at 11.9 °C, above the 10.0 °C critical limit": the reading, then the limit it
        // is past (not "11.9 °C above", which reads as a difference).
        let mut said = Said::new(
            code,
            vec![
                Figure::Word(self.label.clone()),
                Figure::G(v),
                Figure::Word(self.unit.clone()),
                Figure::G(limit),
            ],
        );
        if let Some(advice) = &self.advice {
            said = Said::new(
                "advised",
                vec![Figure::said(said), Figure::said(advice.clone())],
            );
        }
        Some(Finding {
            rule_id: self.id.clone(),
            kind: RuleKind::Threshold,
            severity,
            subsystem: self.subsystem,
            value: v,
            at: reading.at,
            code: None,
            message: said.english(),
            said,
        })
    }

    /// Evaluates the most recent finite reading (by time, not by slice order).
    pub fn evaluate_latest(&self, readings: &[Reading]) -> Option<Finding> {
        let latest = readings
            .iter()
            .filter(|r| r.value.is_finite())
            .max_by_key(|r| r.at)?;
        self.evaluate(*latest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chiller temperature: set point ≈ 4 °C.
    fn chiller() -> ThresholdRule {
        ThresholdRule {
            id: "chiller_temp".into(),
            subsystem: Subsystem::Thermal,
            label: "reagent chiller temperature".into(),
            unit: "°C".into(),
            critical_low: Some(1.0),
            warn_low: Some(2.0),
            warn_high: Some(6.0),
            critical_high: Some(8.0),
            advice: None,
        }
    }

    fn at(value: f64) -> Reading {
        Reading { at: 1_000, value }
    }

    #[test]
    fn a_finding_carries_its_code_and_figures() {
        let mut r = chiller();
        r.advice = Some(Said::new("advice_chiller", vec![]));
        let f = r.evaluate(at(9.0)).expect("above critical");
        assert_eq!(f.said.code, "advised");
        let Figure::Said(cause) = &f.said.figures[0] else {
            panic!("the cause first: {:?}", f.said)
        };
        assert_eq!(cause.code, "threshold_above_critical");
        assert_eq!(
            cause.figures,
            vec![
                Figure::Word("reagent chiller temperature".into()),
                Figure::G(9.0),
                Figure::Word("°C".into()),
                Figure::G(8.0),
            ]
        );
        assert_eq!(f.message, f.said.english());
        assert!(f.message.starts_with("reagent chiller temperature at 9.00 °C, above the 8.00 °C critical limit; check the reagent chiller's door"));
    }

    #[test]
    fn bands_map_to_severity() {
        let r = chiller();
        assert_eq!(r.evaluate(at(4.0)), None);
        assert_eq!(r.evaluate(at(6.0)), None, "on the limit is in band");
        let sev = |v| r.evaluate(at(v)).map(|f| f.severity);
        assert_eq!(sev(6.5), Some(Severity::Warning));
        assert_eq!(sev(9.0), Some(Severity::Critical));
        assert_eq!(sev(1.5), Some(Severity::Warning));
        assert_eq!(sev(0.2), Some(Severity::Critical));
    }

    #[test]
    fn finding_carries_context_and_message() {
        let f = chiller().evaluate(at(9.25)).expect("finding");
        assert_eq!(f.rule_id, RuleId::from("chiller_temp"));
        assert_eq!(
            (f.kind, f.subsystem, f.at),
            (RuleKind::Threshold, Subsystem::Thermal, 1_000)
        );
        assert_eq!(f.value, 9.25);
        assert_eq!(
            f.message,
            "reagent chiller temperature at 9.25 °C, above the 8.00 °C critical limit"
        );
    }

    #[test]
    fn one_sided_rule_and_non_finite_reading() {
        let r = ThresholdRule {
            critical_low: None,
            warn_low: Some(70.0),
            warn_high: None,
            critical_high: None,
            ..chiller()
        };
        assert_eq!(r.evaluate(at(1e9)), None);
        assert!(r.evaluate(at(69.0)).is_some());
        assert_eq!(r.evaluate(at(f64::NAN)), None);
    }

    #[test]
    fn latest_reading_by_time_is_used() {
        let readings = [
            Reading { at: 30, value: 4.0 },
            Reading { at: 10, value: 9.0 },
            Reading {
                at: 40,
                value: f64::NAN,
            },
        ];
        assert_eq!(chiller().evaluate_latest(&readings), None);
        assert_eq!(chiller().evaluate_latest(&[]), None);
    }

    #[test]
    fn validation_catches_typos() {
        assert_eq!(chiller().validate(), Ok(()));
        let swapped = ThresholdRule {
            warn_low: Some(7.0),
            ..chiller()
        };
        assert_eq!(
            swapped.validate(),
            Err(RuleError::BandsOutOfOrder {
                lower: 7.0,
                upper: 6.0
            })
        );
        let nan = ThresholdRule {
            critical_high: Some(f64::NAN),
            ..chiller()
        };
        assert_eq!(
            nan.validate(),
            Err(RuleError::NotFinite {
                field: "critical_high"
            })
        );
    }
}
