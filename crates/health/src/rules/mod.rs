//! Warning rules: turn readings and operation-log events into findings.
//!
//! Each rule is plain configuration (serde, so the server can store it per model) with an
//! `evaluate` that looks at data and a caller-supplied `now`. A [`Finding`] says what
//! fired and why; whether it opens a warning is the [`crate::warning`] lifecycle's call.
//!
//! - [`threshold`]: the latest reading is outside its warn / critical bands.
//! - [`rate`]: the robust slope over a recent window is too steep.
//! - [`error_codes`]: the same operation-log code repeats ≥ k times in a window.
//! - [`missing`]: no data for longer than m × the usual reporting interval.

pub mod error_codes;
pub mod missing;
pub mod rate;
pub mod threshold;

pub use error_codes::{LogEvent, RepeatedErrorRule};
pub use missing::{usual_interval, MissingDataRule};
pub use rate::RateOfChangeRule;
pub use threshold::ThresholdRule;

use crate::domain::{Severity, Subsystem};
use seqhealth_api::words::Said;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Caller-chosen identifier of a configured rule, e.g. `"laser_power_low"`; with the
/// instrument (and the code, for error-code rules) it keys a warning.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleId(pub String);

impl From<&str> for RuleId {
    fn from(s: &str) -> Self {
        RuleId(s.to_owned())
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which kind of rule produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    Threshold,
    RateOfChange,
    RepeatedErrorCode,
    MissingData,
    /// A run's %≥Q30 completes a control-chart pattern (see [`crate::spc`]).
    RunQuality,
}

/// One sensor reading: unix seconds and a value in the signal's unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub at: i64,
    pub value: f64,
}

/// A rule that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: RuleId,
    pub kind: RuleKind,
    pub severity: Severity,
    pub subsystem: Subsystem,
    /// The triggering value: the reading, the slope per day, the count of the code, or
    /// the seconds without data.
    pub value: f64,
    /// Unix seconds the finding refers to (the reading, the latest event, or `now`).
    pub at: i64,
    /// The operation-log code, for repeated-error findings.
    pub code: Option<String>,
    /// One line for a person: what, how much, against which limit (the English of
    /// `said`).
    pub message: String,
    /// The same line as data: its code and figures, worded in the reader's language.
    pub said: Said,
}

/// A rule configuration that cannot be evaluated meaningfully.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleError {
    /// A lower band lies above an upper one (e.g. warn_low > warn_high).
    BandsOutOfOrder { lower: f64, upper: f64 },
    /// A limit or factor is NaN or infinite.
    NotFinite { field: &'static str },
    /// A window, count or factor must be positive.
    NotPositive { field: &'static str },
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::BandsOutOfOrder { lower, upper } => {
                write!(f, "threshold bands out of order: {lower} is above {upper}")
            }
            RuleError::NotFinite { field } => write!(f, "{field} must be a finite number"),
            RuleError::NotPositive { field } => write!(f, "{field} must be positive"),
        }
    }
}

impl std::error::Error for RuleError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_id_round_trips_as_a_plain_string() {
        let id = RuleId::from("laser_power_low");
        assert_eq!(id.to_string(), "laser_power_low");
    }
}
