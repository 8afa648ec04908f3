//! The warning lifecycle: active → acknowledged → resolved.
//!
//! Status only moves forward. Acknowledging says "a person has seen this" (who, when,
//! why) and is only possible while active. Resolution is never manual: it happens when
//! the rule's condition clears or the component is replaced, from active or acknowledged.
//! A resolved warning is history, so a condition that comes back opens a *new* warning
//! (see [`on_condition`]) instead of reviving the old one: the audit trail keeps both.
//!
//! [`apply`] is pure: it never mutates, and an invalid transition is a typed error with
//! the state left as it was.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a warning is in its lifecycle, ordered as it moves: the API's type, the status
/// the server stores and the dashboard shows.
pub use seqhealth_api::WarningStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// Who acknowledged (user id or name); required for the audit log.
    pub by: String,
    /// Unix seconds.
    pub at: i64,
    /// Free text; may be empty.
    pub reason: String,
}

/// Why a warning was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    ConditionCleared,
    ComponentReplaced,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum WarningState {
    Active {
        opened_at: i64,
    },
    Acknowledged {
        opened_at: i64,
        ack: Acknowledgement,
    },
    Resolved {
        opened_at: i64,
        /// Kept so the history shows who had seen it before it cleared.
        ack: Option<Acknowledgement>,
        resolved_at: i64,
        resolution: Resolution,
    },
}

impl WarningState {
    /// A new warning, raised at `at`.
    pub fn open(at: i64) -> Self {
        WarningState::Active { opened_at: at }
    }

    pub fn status(&self) -> WarningStatus {
        match self {
            WarningState::Active { .. } => WarningStatus::Active,
            WarningState::Acknowledged { .. } => WarningStatus::Acknowledged,
            WarningState::Resolved { .. } => WarningStatus::Resolved,
        }
    }

    pub fn opened_at(&self) -> i64 {
        match self {
            WarningState::Active { opened_at }
            | WarningState::Acknowledged { opened_at, .. }
            | WarningState::Resolved { opened_at, .. } => *opened_at,
        }
    }

    /// Time of the latest change; events may not come before it.
    pub fn last_changed_at(&self) -> i64 {
        match self {
            WarningState::Active { opened_at } => *opened_at,
            WarningState::Acknowledged { ack, .. } => ack.at,
            WarningState::Resolved { resolved_at, .. } => *resolved_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum WarningEvent {
    Acknowledge { by: String, at: i64, reason: String },
    ConditionCleared { at: i64 },
    ComponentReplaced { at: i64 },
}

impl WarningEvent {
    pub fn at(&self) -> i64 {
        match self {
            WarningEvent::Acknowledge { at, .. }
            | WarningEvent::ConditionCleared { at }
            | WarningEvent::ComponentReplaced { at } => *at,
        }
    }

    pub fn kind(&self) -> EventKind {
        match self {
            WarningEvent::Acknowledge { .. } => EventKind::Acknowledge,
            WarningEvent::ConditionCleared { .. } => EventKind::ConditionCleared,
            WarningEvent::ComponentReplaced { .. } => EventKind::ComponentReplaced,
        }
    }
}

/// An event's kind without its data, for error reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Acknowledge,
    ConditionCleared,
    ComponentReplaced,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TransitionError {
    /// The event does not apply in this status (acknowledging twice, touching a resolved
    /// warning).
    NotAllowed {
        from: WarningStatus,
        event: EventKind,
    },
    /// An acknowledgement without a person: the audit log needs a who.
    MissingActor,
    /// The event is dated before the warning's latest change.
    OutOfOrder { at: i64, last_changed_at: i64 },
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransitionError::NotAllowed { from, event } => {
                write!(f, "cannot apply {event:?} to a warning that is {from:?}")
            }
            TransitionError::MissingActor => {
                f.write_str("an acknowledgement must say who acknowledged")
            }
            TransitionError::OutOfOrder {
                at,
                last_changed_at,
            } => write!(
                f,
                "event at {at} is before the warning's last change at {last_changed_at}"
            ),
        }
    }
}

impl std::error::Error for TransitionError {}

/// The next state after `event`, or why the event does not apply.
pub fn apply(state: &WarningState, event: WarningEvent) -> Result<WarningState, TransitionError> {
    let not_allowed = TransitionError::NotAllowed {
        from: state.status(),
        event: event.kind(),
    };
    if state.status() == WarningStatus::Resolved {
        return Err(not_allowed);
    }
    let last_changed_at = state.last_changed_at();
    if event.at() < last_changed_at {
        return Err(TransitionError::OutOfOrder {
            at: event.at(),
            last_changed_at,
        });
    }
    let opened_at = state.opened_at();
    match (state, event) {
        (WarningState::Active { .. }, WarningEvent::Acknowledge { by, at, reason }) => {
            if by.trim().is_empty() {
                return Err(TransitionError::MissingActor);
            }
            Ok(WarningState::Acknowledged {
                opened_at,
                ack: Acknowledgement { by, at, reason },
            })
        }
        (_, WarningEvent::Acknowledge { .. }) => Err(not_allowed),
        (_, WarningEvent::ConditionCleared { at }) => {
            Ok(resolve(state, at, Resolution::ConditionCleared))
        }
        (_, WarningEvent::ComponentReplaced { at }) => {
            Ok(resolve(state, at, Resolution::ComponentReplaced))
        }
    }
}

fn resolve(state: &WarningState, at: i64, resolution: Resolution) -> WarningState {
    let ack = match state {
        WarningState::Acknowledged { ack, .. } => Some(ack.clone()),
        _ => None,
    };
    WarningState::Resolved {
        opened_at: state.opened_at(),
        ack,
        resolved_at: at,
        resolution,
    }
}

/// What to do when a rule's condition is observed for a warning key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionDecision {
    /// No open warning (none yet, or the last one is resolved): open a new one.
    OpenNew,
    /// A warning is already active or acknowledged: keep it, do not duplicate.
    AlreadyOpen,
}

/// Decides whether an observed condition opens a warning, given the latest warning for
/// the same key (rule, instrument, code), if any.
pub fn on_condition(latest: Option<&WarningState>) -> ConditionDecision {
    match latest.map(WarningState::status) {
        None | Some(WarningStatus::Resolved) => ConditionDecision::OpenNew,
        Some(_) => ConditionDecision::AlreadyOpen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ack(by: &str, at: i64) -> WarningEvent {
        WarningEvent::Acknowledge {
            by: by.into(),
            at,
            reason: "part ordered".into(),
        }
    }

    #[test]
    fn full_lifecycle_keeps_the_acknowledgement() {
        let s = WarningState::open(100);
        let s = apply(&s, ack("maria", 150)).expect("ack");
        assert_eq!(s.status(), WarningStatus::Acknowledged);
        let s = apply(&s, WarningEvent::ComponentReplaced { at: 900 }).expect("resolve");
        let expected = WarningState::Resolved {
            opened_at: 100,
            ack: Some(Acknowledgement {
                by: "maria".into(),
                at: 150,
                reason: "part ordered".into(),
            }),
            resolved_at: 900,
            resolution: Resolution::ComponentReplaced,
        };
        assert_eq!(s, expected);
    }

    #[test]
    fn active_resolves_directly_when_condition_clears() {
        let s = apply(
            &WarningState::open(10),
            WarningEvent::ConditionCleared { at: 20 },
        );
        assert_eq!(
            s,
            Ok(WarningState::Resolved {
                opened_at: 10,
                ack: None,
                resolved_at: 20,
                resolution: Resolution::ConditionCleared
            })
        );
    }

    #[test]
    fn acknowledging_twice_is_rejected() {
        let s = apply(&WarningState::open(10), ack("maria", 20)).expect("ack");
        assert_eq!(
            apply(&s, ack("li", 30)),
            Err(TransitionError::NotAllowed {
                from: WarningStatus::Acknowledged,
                event: EventKind::Acknowledge
            })
        );
    }

    #[test]
    fn resolved_accepts_nothing() {
        let s = apply(
            &WarningState::open(10),
            WarningEvent::ConditionCleared { at: 20 },
        )
        .expect("resolved");
        for e in [
            ack("maria", 30),
            WarningEvent::ConditionCleared { at: 30 },
            WarningEvent::ComponentReplaced { at: 30 },
        ] {
            let kind = e.kind();
            assert_eq!(
                apply(&s, e),
                Err(TransitionError::NotAllowed {
                    from: WarningStatus::Resolved,
                    event: kind
                })
            );
        }
    }

    #[test]
    fn acknowledgement_needs_a_person_and_events_need_order() {
        let s = WarningState::open(100);
        assert_eq!(
            apply(&s, ack("  ", 150)),
            Err(TransitionError::MissingActor)
        );
        assert_eq!(
            apply(&s, ack("maria", 99)),
            Err(TransitionError::OutOfOrder {
                at: 99,
                last_changed_at: 100
            })
        );
        let acked = apply(&s, ack("maria", 150)).expect("ack");
        assert!(apply(&acked, WarningEvent::ConditionCleared { at: 120 }).is_err());
        assert!(apply(&acked, WarningEvent::ConditionCleared { at: 150 }).is_ok());
    }

    #[test]
    fn returning_condition_opens_a_new_warning() {
        assert_eq!(on_condition(None), ConditionDecision::OpenNew);
        let active = WarningState::open(10);
        assert_eq!(on_condition(Some(&active)), ConditionDecision::AlreadyOpen);
        let acked = apply(&active, ack("maria", 11)).expect("ack");
        assert_eq!(on_condition(Some(&acked)), ConditionDecision::AlreadyOpen);
        let resolved = apply(&acked, WarningEvent::ConditionCleared { at: 12 }).expect("res");
        assert_eq!(on_condition(Some(&resolved)), ConditionDecision::OpenNew);
    }

    #[test]
    fn errors_read_as_sentences() {
        let e = TransitionError::NotAllowed {
            from: WarningStatus::Resolved,
            event: EventKind::Acknowledge,
        };
        assert_eq!(
            e.to_string(),
            "cannot apply Acknowledge to a warning that is Resolved"
        );
    }
}
