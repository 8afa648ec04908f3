//! Domain words this crate shares with the rest of seqhealth.
//!
//! They are defined once, in the wire contract (`seqhealth-api`, a leaf crate with only
//! serde and chrono), and re-exported here: `seqhealth_health::Subsystem` *is*
//! `seqhealth_api::Subsystem`, so the server passes them between the two without
//! converting, and the two spellings cannot drift apart.

pub use seqhealth_api::{Severity, Subsystem};

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

    #[test]
    fn they_are_the_api_types() {
        // Compiles only if the types are the same: no conversion between them.
        let s: seqhealth_api::Subsystem = Subsystem::Thermal;
        let v: seqhealth_api::Severity = Severity::Warning;
        assert_eq!((s.as_str(), v.as_str()), ("thermal", "warning"));
        let set: std::collections::HashSet<Severity> = Severity::ALL.into_iter().collect();
        assert_eq!(set.len(), 3);
    }
}
