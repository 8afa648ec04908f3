//! Missing data: an instrument that stops reporting is either off, offline, or broken,
//! and the lab should know which before the next run. Instruments report at different
//! cadences, so "too long" is relative to each one's usual interval, estimated as the
//! median gap between its timestamps (robust to the odd outage or burst).

use super::{Finding, RuleError, RuleId, RuleKind};
use crate::domain::{Severity, Subsystem};
use crate::stats::median_in_place;
use seqhealth_api::words::{Figure, Said};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingDataRule {
    pub id: RuleId,
    pub subsystem: Subsystem,
    /// What is missing, for messages: "chiller temperature readings".
    pub label: String,
    /// m: fire after this many usual intervals without data.
    pub factor: f64,
    /// Gaps needed before the usual interval is trusted (at least 1 is used).
    pub min_gaps: usize,
    pub severity: Severity,
}

impl MissingDataRule {
    pub fn validate(&self) -> Result<(), RuleError> {
        if !self.factor.is_finite() {
            return Err(RuleError::NotFinite { field: "factor" });
        }
        if self.factor <= 0.0 {
            return Err(RuleError::NotPositive { field: "factor" });
        }
        Ok(())
    }

    /// Reports when the time since the newest timestamp exceeds factor × usual interval.
    /// `None` while there is too little history to know the usual interval.
    pub fn evaluate(&self, timestamps: &[i64], now: i64) -> Option<Finding> {
        let (usual, gaps) = interval_and_gaps(timestamps)?;
        if gaps < self.min_gaps.max(1) {
            return None;
        }
        let last = *timestamps.iter().max()?;
        // Float arithmetic: `now − last` cannot overflow, whatever the inputs.
        let silence = now as f64 - last as f64;
        // Written as a positive test so a NaN factor means "no finding".
        let overdue = silence > self.factor * usual;
        if !overdue {
            return None;
        }
        let said = Said::new(
            "missing_data",
            vec![
                Figure::Word(self.label.clone()),
                Figure::Secs(silence),
                Figure::Secs(usual),
            ],
        );
        Some(Finding {
            rule_id: self.id.clone(),
            kind: RuleKind::MissingData,
            severity: self.severity,
            subsystem: self.subsystem,
            value: silence,
            at: now,
            code: None,
            message: said.english(),
            said,
        })
    }
}

/// The usual reporting interval in seconds: the median positive gap between timestamps.
/// `None` with fewer than two distinct timestamps.
pub fn usual_interval(timestamps: &[i64]) -> Option<f64> {
    interval_and_gaps(timestamps).map(|(usual, _)| usual)
}

fn interval_and_gaps(timestamps: &[i64]) -> Option<(f64, usize)> {
    let mut ts = timestamps.to_vec();
    ts.sort_unstable();
    ts.dedup();
    let mut gaps: Vec<f64> = ts.windows(2).map(|w| w[1] as f64 - w[0] as f64).collect();
    let count = gaps.len();
    median_in_place(&mut gaps).map(|m| (m, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000;

    fn rule() -> MissingDataRule {
        MissingDataRule {
            id: "chiller_silent".into(),
            subsystem: Subsystem::Thermal,
            label: "chiller temperature readings".into(),
            factor: 3.0,
            min_gaps: 5,
            severity: Severity::Warning,
        }
    }

    /// Every 10 minutes, with one 6-hour outage and a duplicate in the history.
    fn history() -> Vec<i64> {
        let mut ts: Vec<i64> = (0..40).map(|i| T0 + i * 600).collect();
        ts.extend((0..20).map(|i| T0 + 40 * 600 + 6 * 3_600 + i * 600));
        ts.push(T0);
        ts
    }

    #[test]
    fn usual_interval_is_the_median_gap() {
        assert_eq!(usual_interval(&history()), Some(600.0));
        assert_eq!(usual_interval(&[T0, T0]), None);
        assert_eq!(usual_interval(&[]), None);
    }

    #[test]
    fn silence_beyond_m_intervals_fires() {
        let ts = history();
        let last = *ts.iter().max().unwrap_or(&T0);
        assert_eq!(
            rule().evaluate(&ts, last + 1_800),
            None,
            "exactly 3 × is allowed"
        );
        let f = rule().evaluate(&ts, last + 5 * 3_600).expect("finding");
        assert_eq!(
            (f.kind, f.value, f.at),
            (RuleKind::MissingData, 18_000.0, last + 18_000)
        );
        assert_eq!(
            f.message,
            "no chiller temperature readings for 5.0 h (usually every 10 min)"
        );
    }

    #[test]
    fn too_little_history_or_future_data_gives_none() {
        assert_eq!(rule().evaluate(&[T0, T0 + 600], T0 + 1_000_000), None);
        assert_eq!(rule().evaluate(&history(), T0), None);
        assert_eq!(rule().evaluate(&[i64::MIN, i64::MAX], 0), None);
    }

    #[test]
    fn validation() {
        assert_eq!(rule().validate(), Ok(()));
        let bad = MissingDataRule {
            factor: 0.0,
            ..rule()
        };
        assert_eq!(
            bad.validate(),
            Err(RuleError::NotPositive { field: "factor" })
        );
    }
}
