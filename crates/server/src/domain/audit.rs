//! The append-only audit log: who recommended, scheduled, rescheduled, cancelled,
//! completed or acknowledged what, and when. Only `record` writes to it; the database's
//! triggers refuse updates and deletions.

use crate::domain::words;
use crate::error::AppResult;
use crate::store::to_time;
use seqhealth_api::words::Figure;
use seqhealth_api::{AuditEntry, Said};
use sqlx::{Any, AnyConnection};

/// The actions the log knows, as stored.
pub mod action {
    pub const RECOMMENDED: &str = "recommended";
    pub const SCHEDULED: &str = "scheduled";
    pub const RESCHEDULED: &str = "rescheduled";
    pub const CANCELLED: &str = "cancelled";
    pub const COMPLETED: &str = "completed";
    pub const ACKNOWLEDGED: &str = "acknowledged";
    pub const PLANNED_RUN_ADDED: &str = "planned run added";
    pub const PLANNED_RUN_REMOVED: &str = "planned run removed";
    pub const CALENDAR_LINK_CREATED: &str = "calendar link created";
    pub const INSTRUMENT_ADDED: &str = "instrument added";
    pub const ENROLLMENT_CODE_ISSUED: &str = "enrollment code issued";
    pub const ENROLLED: &str = "enrolled";
    pub const TOKEN_REVOKED: &str = "token revoked";
    pub const DATA_SHARING_CHANGED: &str = "data sharing changed";
    pub const LAB_SET_UP: &str = "lab set up";
    pub const JOINED: &str = "joined";
    pub const INVITED: &str = "invited";
    pub const INVITATION_RESENT: &str = "invitation sent again";
    pub const INVITATION_WITHDRAWN: &str = "invitation withdrawn";
    pub const ROLE_CHANGED: &str = "role changed";
    pub const DEACTIVATED: &str = "deactivated";
    pub const RESET_LINK_MADE: &str = "reset link made";
    pub const PASSWORD_RESET: &str = "password reset";
    pub const NAME_CHANGED: &str = "name changed";
    pub const PASSWORD_CHANGED: &str = "password changed";
    pub const LOGGED_OUT_EVERYWHERE: &str = "logged out everywhere";
    pub const WEBHOOK_ADDED: &str = "webhook added";
    pub const WEBHOOK_ENABLED: &str = "webhook enabled";
    pub const WEBHOOK_DISABLED: &str = "webhook disabled";
    pub const WEBHOOK_REMOVED: &str = "webhook removed";
    pub const WEBHOOK_TESTED: &str = "webhook tested";
    pub const NOTIFY_SETTINGS_CHANGED: &str = "notification settings changed";
    pub const INSTRUMENT_SILENCED: &str = "notifications silenced";
    pub const SILENCE_ENDED: &str = "notifications silence ended";

    /// Every action: the dashboard and the log's CSV translate them
    /// (`tests::every_action_is_translated`).
    pub const ALL: [&str; 34] = [
        RECOMMENDED,
        SCHEDULED,
        RESCHEDULED,
        CANCELLED,
        COMPLETED,
        ACKNOWLEDGED,
        PLANNED_RUN_ADDED,
        PLANNED_RUN_REMOVED,
        CALENDAR_LINK_CREATED,
        INSTRUMENT_ADDED,
        ENROLLMENT_CODE_ISSUED,
        ENROLLED,
        TOKEN_REVOKED,
        DATA_SHARING_CHANGED,
        LAB_SET_UP,
        JOINED,
        INVITED,
        INVITATION_RESENT,
        INVITATION_WITHDRAWN,
        ROLE_CHANGED,
        DEACTIVATED,
        RESET_LINK_MADE,
        PASSWORD_RESET,
        NAME_CHANGED,
        PASSWORD_CHANGED,
        LOGGED_OUT_EVERYWHERE,
        WEBHOOK_ADDED,
        WEBHOOK_ENABLED,
        WEBHOOK_DISABLED,
        WEBHOOK_REMOVED,
        WEBHOOK_TESTED,
        NOTIFY_SETTINGS_CHANGED,
        INSTRUMENT_SILENCED,
        SILENCE_ENDED,
    ];
}

/// A detail's figure written as it is: a name, an e-mail, a reason someone typed.
pub fn text(s: impl std::fmt::Display) -> Figure {
    Figure::Text(s.to_string())
}

/// A detail: one of the `audit_` codes of `seqhealth_api::words::TEMPLATES`.
pub fn said(code: &str, figures: Vec<Figure>) -> Said {
    Said::new(code, figures)
}

/// What happened, and to what.
#[derive(Debug, Default)]
pub struct Event<'a> {
    pub lab_id: i64,
    /// `None`: seqhealth itself.
    pub user_id: Option<i64>,
    pub action: &'a str,
    pub instrument_id: Option<i64>,
    pub replacement_id: Option<i64>,
    pub warning_id: Option<i64>,
    /// The detail as data (its English is stored beside it).
    pub detail: Option<Said>,
}

impl<'a> Event<'a> {
    /// `action` in `lab_id`, by a person (`Some(user)`) or by seqhealth itself (`None`);
    /// `detail` is one of `seqhealth_api::words::TEMPLATES`' `audit_` codes.
    pub fn new(lab_id: i64, user_id: Option<i64>, action: &'a str, detail: Said) -> Event<'a> {
        Event {
            lab_id,
            user_id,
            action,
            detail: Some(detail),
            ..Event::default()
        }
    }

    pub fn instrument(self, id: i64) -> Self {
        Event {
            instrument_id: Some(id),
            ..self
        }
    }

    pub fn replacement(self, id: i64) -> Self {
        Event {
            replacement_id: Some(id),
            ..self
        }
    }

    pub fn warning(self, id: Option<i64>) -> Self {
        Event {
            warning_id: id,
            ..self
        }
    }

    /// [`record`]s it.
    pub async fn record(self, conn: &mut AnyConnection, at: i64) -> AppResult<()> {
        record(conn, at, self).await
    }
}

/// Appends one entry; call it inside the transaction that made the change, so the log
/// and the change land together or not at all.
async fn record(conn: &mut AnyConnection, at: i64, e: Event<'_>) -> AppResult<()> {
    sqlx::query::<Any>(
        "INSERT INTO audit_log (lab_id, at, user_id, action, instrument_id, replacement_id, warning_id, detail, said)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.lab_id)
    .bind(at)
    .bind(e.user_id)
    .bind(e.action)
    .bind(e.instrument_id)
    .bind(e.replacement_id)
    .bind(e.warning_id)
    .bind(e.detail.as_ref().map(Said::english).unwrap_or_default())
    .bind(e.detail.as_ref().map(words::stored))
    .execute(conn)
    .await?;
    Ok(())
}

type Row = (
    i64,
    i64,
    Option<String>,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    String,
    Option<String>,
);

/// The lab's entries, newest first, at most `limit`; `instrument` narrows to one.
pub async fn list(
    conn: &mut AnyConnection,
    lab_id: i64,
    instrument: Option<i64>,
    limit: usize,
) -> AppResult<Vec<AuditEntry>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT a.id, a.at, u.name, a.action, a.instrument_id, i.nickname, a.replacement_id,
                a.warning_id, a.detail, a.said
         FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
              LEFT JOIN instruments i ON i.id = a.instrument_id
         WHERE a.lab_id = $1 AND ($2 IS NULL OR a.instrument_id = $3)
         ORDER BY a.at DESC, a.id DESC LIMIT $4",
    )
    .bind(lab_id)
    .bind(instrument)
    .bind(instrument)
    .bind(limit as i64)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.0,
            at: to_time(r.1),
            actor: r.2.unwrap_or_else(|| "seqhealth".into()),
            action: r.3,
            instrument_id: r.4,
            instrument_nickname: r.5,
            replacement_id: r.6,
            warning_id: r.7,
            detail: r.8,
            said: words::read(r.9.as_deref()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::action;
    use crate::domain::words::lexicon;
    use seqhealth_api::Language;

    #[test]
    fn every_action_is_translated() {
        let source = include_str!("audit.rs");
        let listed = source.matches(": &str = \"").count();
        assert_eq!(listed, action::ALL.len(), "an action missing from `ALL`");
        for lang in [Language::It, Language::Es] {
            let words = lexicon(lang);
            let missing: Vec<_> = action::ALL
                .iter()
                .filter(|a| words.t(a, &[]) == **a)
                .collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
        }
    }
}
