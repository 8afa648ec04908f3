//! Repeated operation-log error codes: one autofocus failure is noise, five in a day is a
//! failing focus motor. Counted per code in a trailing window ending at `now`.

use super::{Finding, RuleError, RuleId, RuleKind};
use crate::domain::{Severity, Subsystem};
use seqhealth_api::words::{Figure, Said};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One operation-log event: when, and its error code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvent {
    pub at: i64,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatedErrorRule {
    pub id: RuleId,
    pub subsystem: Subsystem,
    /// The code to watch; `None` watches every code, each counted on its own.
    pub code: Option<String>,
    /// Fires at this many occurrences of one code (k); 0 is treated as 1.
    pub min_count: usize,
    /// Trailing window ending at `now`, seconds.
    pub window_s: i64,
    pub severity: Severity,
}

impl RepeatedErrorRule {
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.window_s <= 0 {
            return Err(RuleError::NotPositive { field: "window_s" });
        }
        if self.min_count == 0 {
            return Err(RuleError::NotPositive { field: "min_count" });
        }
        Ok(())
    }

    /// One finding per code seen ≥ k times in `(now − window, now]`, ordered by code so
    /// the output does not depend on the events' order.
    pub fn evaluate(&self, events: &[LogEvent], now: i64) -> Vec<Finding> {
        let start = now.saturating_sub(self.window_s.max(0));
        let k = self.min_count.max(1);
        // code → (count, latest occurrence)
        let mut counts: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
        let watched = |code: &str| self.code.as_deref().is_none_or(|c| c == code);
        for e in events.iter().filter(|e| e.at > start && e.at <= now) {
            if watched(&e.code) {
                let entry = counts.entry(e.code.as_str()).or_insert((0, e.at));
                entry.0 += 1;
                entry.1 = entry.1.max(e.at);
            }
        }
        counts
            .into_iter()
            .filter(|(_, (count, _))| *count >= k)
            .map(|(code, (count, latest))| {
                let said = Said::new(
                    "repeated_error",
                    vec![
                        Figure::Text(code.to_owned()),
                        Figure::N(count as f64),
                        Figure::Secs(self.window_s as f64),
                        Figure::N(k as f64),
                    ],
                );
                Finding {
                    rule_id: self.id.clone(),
                    kind: RuleKind::RepeatedErrorCode,
                    severity: self.severity,
                    subsystem: self.subsystem,
                    value: count as f64,
                    at: latest,
                    code: Some(code.to_owned()),
                    message: said.english(),
                    said,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;
    use seqhealth_api::HOUR;

    fn ev(hours_ago: i64, code: &str) -> LogEvent {
        LogEvent {
            at: NOW - hours_ago * HOUR,
            code: code.into(),
        }
    }

    fn autofocus_rule(code: Option<&str>) -> RepeatedErrorRule {
        RepeatedErrorRule {
            id: "af_failures".into(),
            subsystem: Subsystem::Optical,
            code: code.map(str::to_owned),
            min_count: 3,
            window_s: 24 * HOUR,
            severity: Severity::Warning,
        }
    }

    #[test]
    fn k_of_the_same_code_in_window_fires() {
        let events = [
            ev(1, "AF-17"),
            ev(5, "AF-17"),
            ev(23, "AF-17"),
            ev(2, "DOOR-2"),
        ];
        let f = autofocus_rule(None).evaluate(&events, NOW);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code.as_deref(), Some("AF-17"));
        assert_eq!((f[0].value, f[0].at), (3.0, NOW - HOUR));
        assert_eq!(
            f[0].message,
            "error AF-17 logged 3 times in the last 24.0 h (limit 3)"
        );
    }

    #[test]
    fn different_codes_and_old_events_do_not_add_up() {
        let events = [
            ev(1, "AF-17"),
            ev(2, "AF-18"),
            ev(3, "AF-19"),
            ev(25, "AF-17"),
            ev(30, "AF-17"),
        ];
        assert!(autofocus_rule(None).evaluate(&events, NOW).is_empty());
    }

    #[test]
    fn specific_code_rule_ignores_others() {
        let events = [
            ev(1, "PUMP-3"),
            ev(2, "PUMP-3"),
            ev(3, "PUMP-3"),
            ev(4, "AF-17"),
        ];
        assert!(autofocus_rule(Some("AF-17"))
            .evaluate(&events, NOW)
            .is_empty());
        let events = [
            ev(1, "AF-17"),
            ev(2, "AF-17"),
            ev(3, "AF-17"),
            ev(4, "PUMP-3"),
        ];
        let f = autofocus_rule(Some("AF-17")).evaluate(&events, NOW);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn several_codes_come_out_sorted_and_future_events_are_ignored() {
        let mut events = vec![ev(-2, "Z-1"), ev(-3, "Z-1"), ev(-4, "Z-1")]; // after now
        for code in ["Z-9", "A-1"] {
            events.extend([ev(1, code), ev(2, code), ev(3, code)]);
        }
        let f = autofocus_rule(None).evaluate(&events, NOW);
        let codes: Vec<_> = f.iter().filter_map(|x| x.code.as_deref()).collect();
        assert_eq!(codes, ["A-1", "Z-9"]);
    }

    #[test]
    fn zero_k_is_treated_as_one_and_rejected_by_validate() {
        let rule = RepeatedErrorRule {
            min_count: 0,
            ..autofocus_rule(None)
        };
        assert_eq!(rule.evaluate(&[ev(1, "X")], NOW).len(), 1);
        assert_eq!(
            rule.validate(),
            Err(RuleError::NotPositive { field: "min_count" })
        );
        assert_eq!(autofocus_rule(None).validate(), Ok(()));
    }
}
