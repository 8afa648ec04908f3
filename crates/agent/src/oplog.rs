//! The allow-list of operation-log events read from a run folder: how the run ended
//! (RunCompletionStatus.xml, `seqhealth_interop::completion`) → one operation event, sent
//! with the run's signals batch.
//!
//! Only a code from the closed list below leaves; the status word itself never does (an
//! unknown one becomes [`RUN_ENDED_OTHER`]), nor the file's free-text error description,
//! which the parser does not even read.

use chrono::{DateTime, Utc};
use seqhealth_api::domain::Subsystem;
use seqhealth_api::{EventSeverity, OperationEvent};
use seqhealth_interop::completion::{CompletionStatus, RunCompletion};

pub const RUN_COMPLETED: &str = "RUN_COMPLETED_AS_PLANNED";
pub const RUN_ENDED_BY_USER: &str = "RUN_ENDED_BY_USER";
pub const RUN_ENDED_BY_ERROR: &str = "RUN_ENDED_BY_ERROR";
/// A status word this agent does not know: the word stays home, the fact leaves.
pub const RUN_ENDED_OTHER: &str = "RUN_COMPLETION_OTHER";

/// Every code this module can send.
pub const CODES: [&str; 4] = [
    RUN_COMPLETED,
    RUN_ENDED_BY_USER,
    RUN_ENDED_BY_ERROR,
    RUN_ENDED_OTHER,
];

/// The event of how a run ended, stamped `at` (the run's end).
///
/// Subsystem: the file names no cause, and the event must name one of the four. Fluidics,
/// because the runs the software stops on an error are mostly stopped for what it can
/// detect during chemistry cycles (flow and pressure checks, bubbles, reagent delivery);
/// optical or thermal faults tend to show as poor metrics in runs that still finish.
///
/// Severity: an error only when the software stopped the run, or when an unknown status
/// comes with fewer cycles done than planned. An operator ending a run early is a warning:
/// often a wrong library or kit, not the instrument, so it must not count toward the
/// server's repeated-errors rule nor turn the fluidics subsystem to warning on its own.
pub fn completion_event(c: &RunCompletion, at: DateTime<Utc>) -> OperationEvent {
    let short = c.cycles.is_some_and(|x| x.completed < x.planned);
    let (code, severity) = match c.status {
        CompletionStatus::CompletedAsPlanned => (RUN_COMPLETED, EventSeverity::Info),
        CompletionStatus::UserEndedEarly => (RUN_ENDED_BY_USER, EventSeverity::Warning),
        CompletionStatus::ExceptionEndedEarly => (RUN_ENDED_BY_ERROR, EventSeverity::Error),
        CompletionStatus::Other if short => (RUN_ENDED_OTHER, EventSeverity::Error),
        CompletionStatus::Other => (RUN_ENDED_OTHER, EventSeverity::Warning),
    };
    OperationEvent {
        at,
        subsystem: Subsystem::Fluidics,
        code: code.to_string(),
        severity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seqhealth_interop::completion::Cycles;

    fn event(status: CompletionStatus, completed: u32) -> OperationEvent {
        let c = RunCompletion {
            status,
            cycles: Some(Cycles {
                planned: 100,
                completed,
            }),
        };
        completion_event(&c, DateTime::UNIX_EPOCH)
    }

    #[test]
    fn each_status_has_its_code_and_severity() {
        use CompletionStatus::*;
        let cases = [
            (CompletedAsPlanned, 100, RUN_COMPLETED, EventSeverity::Info),
            (
                UserEndedEarly,
                40,
                RUN_ENDED_BY_USER,
                EventSeverity::Warning,
            ),
            (
                ExceptionEndedEarly,
                40,
                RUN_ENDED_BY_ERROR,
                EventSeverity::Error,
            ),
            (Other, 40, RUN_ENDED_OTHER, EventSeverity::Error),
            (Other, 100, RUN_ENDED_OTHER, EventSeverity::Warning),
        ];
        for (status, done, code, severity) in cases {
            let e = event(status, done);
            assert_eq!(
                (e.code.as_str(), e.severity),
                (code, severity),
                "{status:?}"
            );
            assert_eq!(e.subsystem, Subsystem::Fluidics);
        }
    }

    #[test]
    fn every_code_passes_the_servers_check() {
        for code in CODES {
            assert!(code.len() <= 64);
            assert!(code.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
        }
    }
}
