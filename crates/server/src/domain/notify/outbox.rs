//! The outbox: an event is written by the transaction that makes the change it reports,
//! so a change and its notification commit together or not at all. The worker
//! ([`super::fanout`]) turns events into deliveries later.

use crate::domain::words;
use crate::error::AppResult;
use rand::RngCore;
use seqhealth_api::notify::NotifyKind;
use seqhealth_api::words::{Figure, Said};
use sqlx::AnyConnection;

/// Findings older than this (a history replayed, an agent catching up on last month)
/// change the dashboard but tell nobody: it is not news.
pub const FRESH_SECS: i64 = 24 * 3_600;

/// Why an event is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Opened,
    /// A warning turned critical.
    Worse,
    /// A critical warning nobody acknowledged in time.
    Escalated,
    /// A critical warning still open after the lab's reminder interval.
    Reminder,
    /// A replacement due within 7 days.
    Due,
    /// A manager's "send a test".
    Test,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Opened => "opened",
            Reason::Worse => "worse",
            Reason::Escalated => "escalated",
            Reason::Reminder => "reminder",
            Reason::Due => "due",
            Reason::Test => "test",
        }
    }
}

/// One event to tell the lab about.
#[derive(Debug)]
pub struct NewEvent {
    pub lab_id: i64,
    pub instrument_id: Option<i64>,
    pub kind: NotifyKind,
    pub reason: Reason,
    pub warning_id: Option<i64>,
    pub replacement_id: Option<i64>,
    /// One line, for people: the subject of a message about it alone.
    pub title: String,
    pub detail: String,
    /// The title as data ([`words::NOTICE_TEMPLATES`]), worded in each recipient's language.
    pub title_said: Option<Said>,
    /// The detail as data, where the warning or replacement has it (older rows do not).
    pub detail_said: Option<Said>,
}

/// A key no other event has, here or on any other server: a receiver's idempotency key.
pub fn new_key(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}_{}", hex::encode(bytes))
}

/// Writes `e` to the outbox, in the caller's transaction.
pub async fn record(conn: &mut AnyConnection, e: NewEvent, now: i64) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO notify_events (lab_id, instrument_id, kind, reason, warning_id, replacement_id,
                                    title, detail, event_key, created_at, title_said, detail_said)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(e.lab_id)
    .bind(e.instrument_id)
    .bind(e.kind.as_str())
    .bind(e.reason.as_str())
    .bind(e.warning_id)
    .bind(e.replacement_id)
    .bind(&e.title)
    .bind(&e.detail)
    .bind(new_key("evt"))
    .bind(now)
    .bind(e.title_said.as_ref().map(words::stored))
    .bind(e.detail_said.as_ref().map(words::stored))
    .execute(conn)
    .await?;
    Ok(())
}

/// The kind of event a warning of `rule` at `severity` is.
pub fn warning_kind(rule: &str, critical: bool) -> NotifyKind {
    if rule.starts_with("missing_data:") {
        NotifyKind::Silent
    } else if rule.starts_with("spc:") {
        NotifyKind::RunFlagged
    } else if critical {
        NotifyKind::CriticalWarning
    } else {
        NotifyKind::Warning
    }
}

/// Records the event of warning `warning_id` opening or turning critical, if its finding
/// is fresh news.
pub async fn warning_event(
    conn: &mut AnyConnection,
    warning_id: i64,
    reason: Reason,
    finding_at: i64,
) -> AppResult<()> {
    let now = chrono::Utc::now().timestamp();
    if finding_at < now - FRESH_SECS {
        return Ok(());
    }
    let row: Option<WarningRow> = sqlx::query_as(
        "SELECT i.lab_id, w.instrument_id, i.nickname, i.serial, w.rule, w.severity, w.message, w.said
         FROM warnings w JOIN instruments i ON i.id = w.instrument_id WHERE w.id = $1",
    )
    .bind(warning_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((lab_id, instrument_id, nickname, serial, rule, severity, message, said)) = row else {
        return Ok(());
    };
    let kind = warning_kind(&rule, severity == "critical");
    let (code, what) = match (kind, reason) {
        (NotifyKind::Silent, _) => ("notice.silent", "has gone silent".to_string()),
        (NotifyKind::RunFlagged, _) => (
            "notice.run_flagged",
            "a run was flagged by the Q-score control rules".into(),
        ),
        (_, Reason::Worse) => ("notice.worse", "a warning got worse: now critical".into()),
        (_, Reason::Escalated) => (
            "notice.escalated",
            "critical warning not acknowledged".into(),
        ),
        (_, Reason::Reminder) => ("notice.reminder", "critical warning still open".into()),
        (_, _) => match severity.as_str() {
            "info" => ("notice.opened.info", "info warning".into()),
            "critical" => ("notice.opened.critical", "critical warning".into()),
            _ => ("notice.opened.warning", format!("{severity} warning")),
        },
    };
    let title_said = Said::new(
        code,
        vec![Figure::Text(nickname.clone()), Figure::Text(serial.clone())],
    );
    let e = NewEvent {
        lab_id,
        instrument_id: Some(instrument_id),
        kind,
        reason,
        warning_id: Some(warning_id),
        replacement_id: None,
        title: format!("{nickname} ({serial}): {what}"),
        detail: message,
        title_said: Some(title_said),
        detail_said: words::read(said.as_deref()),
    };
    record(conn, e, now).await
}

/// lab, instrument, nickname, serial, rule, severity, message, said.
type WarningRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

/// lab, instrument, nickname, serial, sensor, reason, replace-by, slot start, reason said.
type ReplacementRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// Records the event of replacement `replacement_id` being recommended
/// ([`Reason::Opened`]) or coming due ([`Reason::Due`]), if `at` is fresh news.
pub async fn replacement_event(
    conn: &mut AnyConnection,
    replacement_id: i64,
    reason: Reason,
    at: i64,
) -> AppResult<()> {
    let now = chrono::Utc::now().timestamp();
    if at < now - FRESH_SECS {
        return Ok(());
    }
    let row: Option<ReplacementRow> = sqlx::query_as(
        "SELECT i.lab_id, r.instrument_id, i.nickname, i.serial, r.sensor, r.reason, r.replace_by,
                    r.slot_start, r.reason_said
             FROM replacements r JOIN instruments i ON i.id = r.instrument_id WHERE r.id = $1",
    )
    .bind(replacement_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((lab_id, instrument_id, nickname, serial, sensor, why, replace_by, slot, why_said)) =
        row
    else {
        return Ok(());
    };
    // The component's name as a word the catalogs translate ("the reagent chiller").
    let (component, word) = match seqhealth_api::domain::sensor_spec(&sensor) {
        Some(s) => (
            s.component.to_lowercase(),
            Figure::Lower(s.component.into()),
        ),
        None => (sensor.clone(), Figure::Text(sensor)),
    };
    let (kind, code, what) = match reason {
        Reason::Due => (
            NotifyKind::ReplacementDue,
            match slot {
                Some(_) => "notice.booked_due",
                None => "notice.unbooked_due",
            },
            match slot {
                Some(_) => format!("the {component} replacement is booked within 7 days"),
                None => {
                    format!("the {component} is due for replacement within 7 days, not yet booked")
                }
            },
        ),
        _ => (
            NotifyKind::Recommendation,
            "notice.recommended",
            format!("replacement of the {component} recommended"),
        ),
    };
    let title_said = Said::new(
        code,
        vec![
            Figure::Text(nickname.clone()),
            Figure::Text(serial.clone()),
            word,
        ],
    );
    let date = slot
        .or(replace_by)
        .map(|t| crate::store::to_time(t).format("%Y-%m-%d").to_string());
    let why_said = words::read(why_said.as_deref());
    let detail_said = match &date {
        Some(d) => why_said.map(|w| {
            Said::new(
                "notice.dated",
                vec![Figure::said(w), Figure::Text(d.clone())],
            )
        }),
        None => why_said,
    };
    let e = NewEvent {
        lab_id,
        instrument_id: Some(instrument_id),
        kind,
        reason,
        warning_id: None,
        replacement_id: Some(replacement_id),
        title: format!("{nickname} ({serial}): {what}"),
        detail: match date {
            Some(d) => format!("{why} (date: {d})"),
            None => why,
        },
        title_said: Some(title_said),
        detail_said,
    };
    record(conn, e, now).await
}
