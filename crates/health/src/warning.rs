//! The warning lifecycle: active → acknowledged → resolved.
//!
//! Status only moves forward. Acknowledging says "a person has seen this" (who, when,
//! why) and is only possible while active. Resolution is never manual: it happens when
//! the rule's condition clears or the component is replaced, from active or acknowledged.
//! A resolved warning is history, so a condition that comes back opens a *new* warning
//! (see [`reconcile`]) instead of reviving the old one: the audit trail keeps both.
//!
//! While the condition holds, the open warning follows the rule's latest finding (its
//! severity, value and message) and keeps its status: an acknowledged warning whose
//! severity rises to critical stays acknowledged, and one whose condition clears is
//! resolved like an active one, its acknowledgement kept in the history.
//!
//! Two ways in, one set of rules:
//! - The server keeps warnings in SQL and decides each transition from the stored status
//!   alone: [`reconcile`] after a rule is evaluated, [`acknowledge`] (with
//!   [`acknowledgement_reason`]) when a manager acknowledges, [`on_component_replaced`]
//!   for the warnings [`resolves_on_replacement`] names when a replacement is completed.
//! - [`apply`] runs the same transitions on a whole [`WarningState`] (who acknowledged,
//!   when, why it resolved), for the property tests and any caller holding one. It is
//!   pure: it never mutates, and an invalid transition is a typed error with the state
//!   left as it was.

use crate::rules::RuleKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a warning is in its lifecycle, ordered as it moves: the API's type, the status
/// the server stores and the dashboard shows.
pub use seqhealth_api::WarningStatus;

/// The longest acknowledgement reason, in characters (after trimming).
pub const MAX_ACK_REASON_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// Who acknowledged (user id or name); required for the audit log.
    pub by: String,
    /// Unix seconds.
    pub at: i64,
    /// Why: 1 to [`MAX_ACK_REASON_CHARS`] characters, trimmed ([`acknowledgement_reason`]).
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

    /// Time of the latest change of status; events may not come before it.
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
    Acknowledge {
        by: String,
        at: i64,
        reason: String,
    },
    /// The rule was evaluated and its condition still holds (at any severity).
    ConditionHeld {
        at: i64,
    },
    ConditionCleared {
        at: i64,
    },
    ComponentReplaced {
        at: i64,
    },
}

impl WarningEvent {
    pub fn at(&self) -> i64 {
        match self {
            WarningEvent::Acknowledge { at, .. }
            | WarningEvent::ConditionHeld { at }
            | WarningEvent::ConditionCleared { at }
            | WarningEvent::ComponentReplaced { at } => *at,
        }
    }

    pub fn kind(&self) -> EventKind {
        match self {
            WarningEvent::Acknowledge { .. } => EventKind::Acknowledge,
            WarningEvent::ConditionHeld { .. } => EventKind::ConditionHeld,
            WarningEvent::ConditionCleared { .. } => EventKind::ConditionCleared,
            WarningEvent::ComponentReplaced { .. } => EventKind::ComponentReplaced,
        }
    }
}

/// An event's kind without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Acknowledge,
    ConditionHeld,
    ConditionCleared,
    ComponentReplaced,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::Acknowledge,
        EventKind::ConditionHeld,
        EventKind::ConditionCleared,
        EventKind::ComponentReplaced,
    ];
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
    /// An acknowledgement without a reason: the next person needs the why.
    MissingReason,
    /// A reason longer than [`MAX_ACK_REASON_CHARS`].
    ReasonTooLong { chars: usize },
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
            TransitionError::MissingReason => f.write_str("an acknowledgement must say why"),
            TransitionError::ReasonTooLong { chars } => write!(
                f,
                "an acknowledgement reason must be at most {MAX_ACK_REASON_CHARS} characters, not {chars}"
            ),
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

// ------------------------------------------------------- transitions on a status

/// The status after `event` of a warning in `status`, or why the event does not apply.
/// Every transition of the lifecycle is decided here; the functions below and [`apply`]
/// are this for one event.
pub fn transition(
    status: WarningStatus,
    event: EventKind,
) -> Result<WarningStatus, TransitionError> {
    use WarningStatus::{Acknowledged, Active, Resolved};
    match (status, event) {
        (Active, EventKind::Acknowledge) => Ok(Acknowledged),
        // The open warning follows the finding's severity; its status stays.
        (Active | Acknowledged, EventKind::ConditionHeld) => Ok(status),
        (Active | Acknowledged, EventKind::ConditionCleared | EventKind::ComponentReplaced) => {
            Ok(Resolved)
        }
        (Acknowledged, EventKind::Acknowledge) | (Resolved, _) => {
            Err(TransitionError::NotAllowed {
                from: status,
                event,
            })
        }
    }
}

/// A manager acknowledges: only an active warning can be. The server refuses anything
/// else with a conflict (409), naming the status the warning is in.
pub fn acknowledge(status: WarningStatus) -> Result<WarningStatus, TransitionError> {
    transition(status, EventKind::Acknowledge)
}

/// The rule's condition still holds: the status stays (an acknowledged warning stays
/// acknowledged even when its severity rises); a resolved one is history, and
/// [`reconcile`] opens a new warning instead.
pub fn on_condition_held(status: WarningStatus) -> Result<WarningStatus, TransitionError> {
    transition(status, EventKind::ConditionHeld)
}

/// The rule's condition cleared: an active or acknowledged warning resolves.
pub fn on_condition_cleared(status: WarningStatus) -> Result<WarningStatus, TransitionError> {
    transition(status, EventKind::ConditionCleared)
}

/// The component was replaced (a replacement completed): an active or acknowledged
/// warning of a rule [`resolves_on_replacement`] names resolves.
pub fn on_component_replaced(status: WarningStatus) -> Result<WarningStatus, TransitionError> {
    transition(status, EventKind::ComponentReplaced)
}

/// Whether replacing a sensor's component resolves that sensor's open warnings of this
/// kind of rule. Its threshold and rate-of-change warnings are about the part, so a new
/// part clears them (and a bad reading of the new one raises a new warning). Repeated
/// error codes clear when the errors stop, missing data when data comes, and run quality
/// is not one part's: a replacement does not vouch for those.
pub fn resolves_on_replacement(kind: RuleKind) -> bool {
    match kind {
        RuleKind::Threshold | RuleKind::RateOfChange => true,
        RuleKind::RepeatedErrorCode | RuleKind::MissingData | RuleKind::RunQuality => false,
    }
}

/// The reason to store with an acknowledgement: `reason` trimmed, which must be 1 to
/// [`MAX_ACK_REASON_CHARS`] characters (the server answers 400 otherwise).
pub fn acknowledgement_reason(reason: &str) -> Result<&str, TransitionError> {
    let reason = reason.trim();
    let chars = reason.chars().count();
    if chars == 0 {
        Err(TransitionError::MissingReason)
    } else if chars > MAX_ACK_REASON_CHARS {
        Err(TransitionError::ReasonTooLong { chars })
    } else {
        Ok(reason)
    }
}

/// What the store does with the warning of one key (instrument and rule) after the rule
/// is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "do")]
pub enum Reconcile {
    /// No open warning and the condition holds: open a new, active warning with the
    /// finding's severity, value and message.
    Open,
    /// An open warning and the condition holds: update its severity (up or down), value
    /// and message to the finding's; its status stays `status`.
    Follow { status: WarningStatus },
    /// An open warning and the condition cleared: resolve it
    /// ([`Resolution::ConditionCleared`]); an acknowledgement stays in its history.
    Resolve,
    /// No open warning and no condition.
    Nothing,
}

/// Decides [`Reconcile`] from the status of the key's open warning (`None`: none open;
/// a resolved one counts as none) and whether the rule's condition holds now.
pub fn reconcile(open: Option<WarningStatus>, condition_holds: bool) -> Reconcile {
    let open = open.filter(|s| *s != WarningStatus::Resolved);
    match (open, condition_holds) {
        (None, true) => Reconcile::Open,
        (None, false) => Reconcile::Nothing,
        (Some(s), true) => match on_condition_held(s) {
            Ok(status) => Reconcile::Follow { status },
            Err(_) => Reconcile::Open,
        },
        (Some(s), false) => match on_condition_cleared(s) {
            Ok(_) => Reconcile::Resolve,
            Err(_) => Reconcile::Nothing,
        },
    }
}

// ---------------------------------------------------------- transitions on a state

/// The next state after `event`, or why the event does not apply: [`transition`] on the
/// state's status, with the acknowledgement's who and why checked, events kept in order,
/// and the history (who acknowledged, why it resolved) carried along.
pub fn apply(state: &WarningState, event: WarningEvent) -> Result<WarningState, TransitionError> {
    let status = state.status();
    // Nothing applies to a resolved warning, however it is dated.
    if status == WarningStatus::Resolved {
        return Err(TransitionError::NotAllowed {
            from: status,
            event: event.kind(),
        });
    }
    let last_changed_at = state.last_changed_at();
    if event.at() < last_changed_at {
        return Err(TransitionError::OutOfOrder {
            at: event.at(),
            last_changed_at,
        });
    }
    transition(status, event.kind())?;
    let opened_at = state.opened_at();
    match event {
        WarningEvent::Acknowledge { by, at, reason } => {
            if by.trim().is_empty() {
                return Err(TransitionError::MissingActor);
            }
            let reason = acknowledgement_reason(&reason)?.to_owned();
            Ok(WarningState::Acknowledged {
                opened_at,
                ack: Acknowledgement { by, at, reason },
            })
        }
        // The status stays; the severity the warning shows is the store's to follow.
        WarningEvent::ConditionHeld { .. } => Ok(state.clone()),
        WarningEvent::ConditionCleared { at } => {
            Ok(resolve(state, at, Resolution::ConditionCleared))
        }
        WarningEvent::ComponentReplaced { at } => {
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
/// the same key (rule, instrument, code), if any: [`reconcile`] with the condition held.
pub fn on_condition(latest: Option<&WarningState>) -> ConditionDecision {
    match reconcile(latest.map(WarningState::status), true) {
        Reconcile::Open => ConditionDecision::OpenNew,
        _ => ConditionDecision::AlreadyOpen,
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
            WarningEvent::ConditionHeld { at: 30 },
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
    fn the_status_transitions_are_the_servers_lifecycle() {
        use WarningStatus::{Acknowledged, Active, Resolved};
        assert_eq!(acknowledge(Active), Ok(Acknowledged));
        assert_eq!(
            acknowledge(Acknowledged),
            Err(TransitionError::NotAllowed {
                from: Acknowledged,
                event: EventKind::Acknowledge
            })
        );
        assert!(acknowledge(Resolved).is_err());
        // Severity rising or falling, an open warning keeps its status.
        assert_eq!(on_condition_held(Active), Ok(Active));
        assert_eq!(on_condition_held(Acknowledged), Ok(Acknowledged));
        assert!(on_condition_held(Resolved).is_err());
        for open in [Active, Acknowledged] {
            assert_eq!(on_condition_cleared(open), Ok(Resolved));
            assert_eq!(on_component_replaced(open), Ok(Resolved));
        }
        assert!(on_condition_cleared(Resolved).is_err());
        assert!(on_component_replaced(Resolved).is_err());
    }

    #[test]
    fn reconcile_opens_follows_and_resolves_one_warning_per_key() {
        use WarningStatus::{Acknowledged, Active, Resolved};
        assert_eq!(reconcile(None, true), Reconcile::Open);
        assert_eq!(reconcile(None, false), Reconcile::Nothing);
        assert_eq!(reconcile(Some(Resolved), true), Reconcile::Open);
        assert_eq!(reconcile(Some(Resolved), false), Reconcile::Nothing);
        assert_eq!(
            reconcile(Some(Acknowledged), true),
            Reconcile::Follow {
                status: Acknowledged
            }
        );
        assert_eq!(
            reconcile(Some(Active), true),
            Reconcile::Follow { status: Active }
        );
        assert_eq!(reconcile(Some(Acknowledged), false), Reconcile::Resolve);
        assert_eq!(reconcile(Some(Active), false), Reconcile::Resolve);
    }

    #[test]
    fn a_replacement_resolves_the_parts_own_warnings_only() {
        assert!(resolves_on_replacement(RuleKind::Threshold));
        assert!(resolves_on_replacement(RuleKind::RateOfChange));
        assert!(!resolves_on_replacement(RuleKind::RepeatedErrorCode));
        assert!(!resolves_on_replacement(RuleKind::MissingData));
        assert!(!resolves_on_replacement(RuleKind::RunQuality));
    }

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(
            acknowledgement_reason("  part ordered \n"),
            Ok("part ordered")
        );
        assert_eq!(
            acknowledgement_reason(" \t "),
            Err(TransitionError::MissingReason)
        );
        let long = "é".repeat(MAX_ACK_REASON_CHARS);
        assert_eq!(acknowledgement_reason(&long), Ok(long.as_str()));
        assert_eq!(
            acknowledgement_reason(&format!("{long}x")),
            Err(TransitionError::ReasonTooLong {
                chars: MAX_ACK_REASON_CHARS + 1
            })
        );
        let s = WarningState::open(10);
        let no_reason = WarningEvent::Acknowledge {
            by: "maria".into(),
            at: 20,
            reason: " ".into(),
        };
        assert_eq!(apply(&s, no_reason), Err(TransitionError::MissingReason));
    }

    #[test]
    fn an_acknowledged_warning_stays_acknowledged_while_its_condition_holds() {
        let s = apply(&WarningState::open(10), ack("maria", 20)).expect("ack");
        let held = apply(&s, WarningEvent::ConditionHeld { at: 30 }).expect("held");
        assert_eq!(held, s);
        let cleared = apply(&held, WarningEvent::ConditionCleared { at: 40 }).expect("cleared");
        assert!(matches!(
            cleared,
            WarningState::Resolved {
                ack: Some(_),
                resolution: Resolution::ConditionCleared,
                ..
            }
        ));
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
