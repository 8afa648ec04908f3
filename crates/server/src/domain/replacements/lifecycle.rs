//! The manager's transitions: recommended → scheduled (→ rescheduled) → completed, or
//! cancelled. Each is one conditional UPDATE in the caller's transaction with its
//! audit-log entry.

use super::rows::get;
use super::slots::{check_slot, lab_zone, slot_text};
use crate::domain::audit::{self, action, Event};
use crate::error::{AppError, AppResult};
use seqhealth_api::{ReplacementRow, ReplacementStatus, ScheduleRequest};
use sqlx::{AnyConnection, AnyPool};

pub(super) fn conflict(detail: String) -> AppError {
    AppError::Conflict(detail)
}

/// Why a transition from `status` is not allowed, in words a manager can act on.
fn refused(id: i64, status: &str, what: &str) -> AppError {
    conflict(format!("replacement {id} is {status}; {what}"))
}

/// The replacement's status as it is now, and why the transition is refused.
async fn refused_now(conn: &mut AnyConnection, lab_id: i64, id: i64, what: &str) -> AppError {
    match get(conn, lab_id, id).await {
        Ok(row) => refused(id, row.status.as_str(), what),
        Err(e) => e,
    }
}

/// Records a manager's transition in the audit log (same transaction) and answers the
/// replacement as it now is.
async fn logged(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    action: &str,
    row: &ReplacementRow,
    detail: String,
    now: i64,
) -> AppResult<ReplacementRow> {
    audit::record(
        conn,
        now,
        Event {
            lab_id,
            user_id: Some(user_id),
            action,
            instrument_id: Some(row.instrument_id),
            replacement_id: Some(row.id),
            detail,
            ..Event::default()
        },
    )
    .await?;
    get(conn, lab_id, row.id).await
}

/// recommended → scheduled.
pub async fn schedule(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    id: i64,
    req: &ScheduleRequest,
    now: i64,
) -> AppResult<ReplacementRow> {
    let row = get(conn, lab_id, id).await?;
    if row.status != ReplacementStatus::Recommended {
        return Err(refused(
            id,
            row.status.as_str(),
            "only a recommended replacement can be scheduled (reschedule moves an appointment)",
        ));
    }
    let tz = lab_zone(conn, lab_id).await?;
    let (start, end) = check_slot(conn, &row, req, tz, now).await?;
    let changed = sqlx::query(
        "UPDATE replacements SET status = 'scheduled', scheduled_date = $1, slot = $2, slot_start = $3, slot_end = $4,
                scheduled_by = $5, updated_at = $6
         WHERE id = $7 AND status = 'recommended'",
    )
    .bind(req.date.to_string())
    .bind(req.slot.as_str())
    .bind(start)
    .bind(end)
    .bind(user_id)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(refused_now(
            conn,
            lab_id,
            id,
            "someone else changed it a moment ago; reload to see the appointment",
        )
        .await);
    }
    logged(
        conn,
        lab_id,
        user_id,
        action::SCHEDULED,
        &row,
        format!(
            "{} replacement scheduled for {}",
            row.component,
            slot_text(req.date, req.slot)
        ),
        now,
    )
    .await
}

/// scheduled → scheduled, in another slot.
pub async fn reschedule(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    id: i64,
    req: &ScheduleRequest,
    now: i64,
) -> AppResult<ReplacementRow> {
    let row = get(conn, lab_id, id).await?;
    let Some(before) = row
        .appointment
        .clone()
        .filter(|_| row.status == ReplacementStatus::Scheduled)
    else {
        return Err(refused(
            id,
            row.status.as_str(),
            "only a scheduled replacement can be rescheduled",
        ));
    };
    let tz = lab_zone(conn, lab_id).await?;
    let (start, end) = check_slot(conn, &row, req, tz, now).await?;
    let changed = sqlx::query(
        "UPDATE replacements SET scheduled_date = $1, slot = $2, slot_start = $3, slot_end = $4, scheduled_by = $5,
                updated_at = $6, sequence = sequence + 1
         WHERE id = $7 AND status = 'scheduled' AND slot_start = $8",
    )
    .bind(req.date.to_string())
    .bind(req.slot.as_str())
    .bind(start)
    .bind(end)
    .bind(user_id)
    .bind(now)
    .bind(id)
    .bind(before.starts_at.timestamp())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(conflict(format!(
            "replacement {id} changed a moment ago; reload to see its appointment"
        )));
    }
    logged(
        conn,
        lab_id,
        user_id,
        action::RESCHEDULED,
        &row,
        format!(
            "{} replacement moved from {} to {}",
            row.component,
            slot_text(before.date, before.slot),
            slot_text(req.date, req.slot)
        ),
        now,
    )
    .await
}

/// recommended or scheduled → cancelled, with a reason.
pub async fn cancel(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    id: i64,
    reason: &str,
    now: i64,
) -> AppResult<ReplacementRow> {
    let row = get(conn, lab_id, id).await?;
    let changed = sqlx::query(
        "UPDATE replacements SET status = 'cancelled', cancel_reason = $1, updated_at = $2, sequence = sequence + 1
         WHERE id = $3 AND status IN ('recommended', 'scheduled')",
    )
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(refused_now(
            conn,
            lab_id,
            id,
            "only a recommended or scheduled replacement can be cancelled",
        )
        .await);
    }
    logged(
        conn,
        lab_id,
        user_id,
        action::CANCELLED,
        &row,
        format!("{} replacement cancelled: {reason}", row.component),
        now,
    )
    .await
}

/// scheduled → completed: the component is new, so its warnings resolve and its
/// prediction starts a fresh baseline (predictions fit only data after `completed_at`).
pub async fn complete(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    id: i64,
    note: Option<&str>,
    now: i64,
) -> AppResult<ReplacementRow> {
    let row = get(conn, lab_id, id).await?;
    let changed = sqlx::query(
        "UPDATE replacements SET status = 'completed', completed_at = $1, completed_by = $2, updated_at = $3
         WHERE id = $4 AND status = 'scheduled'",
    )
    .bind(now)
    .bind(user_id)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(refused_now(
            conn,
            lab_id,
            id,
            "only a scheduled replacement can be marked completed",
        )
        .await);
    }
    let resolved = sqlx::query(
        "UPDATE warnings SET status = 'resolved', resolved_at = $1, updated_at = $2
         WHERE instrument_id = $3 AND rule IN ($4, $5) AND status <> 'resolved'",
    )
    .bind(now)
    .bind(now)
    .bind(row.instrument_id)
    .bind(format!("threshold:{}", row.sensor))
    .bind(format!("rate:{}", row.sensor))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let mut detail = format!(
        "{} replaced; {resolved} warning{} resolved; its prediction starts a new baseline",
        row.component,
        if resolved == 1 { "" } else { "s" }
    );
    if let Some(note) = note.filter(|n| !n.is_empty()) {
        detail.push_str(&format!(" — {note}"));
    }
    logged(conn, lab_id, user_id, action::COMPLETED, &row, detail, now).await
}

/// When a sensor's component was last replaced: predictions fit only what came after.
pub async fn last_completed(
    db: &AnyPool,
    instrument_id: i64,
    sensor: &str,
) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MAX(completed_at) FROM replacements WHERE instrument_id = $1 AND sensor = $2 AND status = 'completed'",
    )
    .bind(instrument_id)
    .bind(sensor)
    .fetch_one(db)
    .await?)
}
