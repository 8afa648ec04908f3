//! Domain words this crate shares with the rest of seqhealth.
//!
//! The crate talks to nothing (see DESIGN.md), so it does not depend on `seqhealth-api`;
//! the serde spelling matches the API's (`"optical"`, `"critical"`…) so the server can
//! convert with a plain match.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The four subsystems health is shown for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subsystem {
    Optical,
    Mechanical,
    Thermal,
    Fluidics,
}

impl Subsystem {
    pub const ALL: [Subsystem; 4] = [
        Subsystem::Optical,
        Subsystem::Mechanical,
        Subsystem::Thermal,
        Subsystem::Fluidics,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Subsystem::Optical => "optical",
            Subsystem::Mechanical => "mechanical",
            Subsystem::Thermal => "thermal",
            Subsystem::Fluidics => "fluidics",
        }
    }
}

impl fmt::Display for Subsystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a finding is. Ordered so the worst of several is their `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_worst_last() {
        let worst = [Severity::Warning, Severity::Info, Severity::Critical]
            .into_iter()
            .max();
        assert_eq!(worst, Some(Severity::Critical));
    }

    #[test]
    fn display_uses_the_api_spelling() {
        let names: Vec<String> = Subsystem::ALL.iter().map(|s| s.to_string()).collect();
        assert_eq!(names, ["optical", "mechanical", "thermal", "fluidics"]);
        assert_eq!(Severity::Critical.to_string(), "critical");
    }
}
