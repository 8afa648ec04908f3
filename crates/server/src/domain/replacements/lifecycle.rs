//! The manager's transitions: recommended → scheduled (→ rescheduled) → completed, or
//! cancelled. Each is one conditional UPDATE in the caller's transaction with its
//! audit-log entry.

use super::rows::get;
use super::slots::{check_slot, lab_zone, slot_text};
use crate::domain::audit::{action, said, text, Event};
use crate::error::{AppError, AppResult};
use seqhealth_api::{Figure, ReplacementRow, ReplacementStatus, Said, ScheduleRequest};
use sqlx::{AnyConnection, AnyPool};

/// Why a transition from `status` is not allowed, in words a manager can act on: `what`
/// is the code of what is allowed.
fn refused(id: i64, status: ReplacementStatus, what: &str) -> AppError {
    AppError::conflict(
        "replacement_refused",
        vec![
            Figure::N(id as f64),
            Figure::Lower(status.label().into()),
            Figure::said(Said::new(what, Vec::new())),
        ],
    )
}

/// The replacement's status as it is now, and why the transition is refused.
async fn refused_now(conn: &mut AnyConnection, lab_id: i64, id: i64, what: &str) -> AppError {
    match get(conn, lab_id, id).await {
        Ok(row) => refused(id, row.status, what),
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
    detail: Said,
    now: i64,
) -> AppResult<ReplacementRow> {
    Event::new(lab_id, Some(user_id), action, detail)
        .instrument(row.instrument_id)
        .replacement(row.id)
        .record(conn, now)
        .await?;
    get(conn, lab_id, row.id).await
}

/// A transition's conditional UPDATE: none changed means the replacement is not (or, after
/// a concurrent change, no longer) in a status that allows it, said in `refusal`'s words.
async fn apply<'q>(
    conn: &mut AnyConnection,
    lab_id: i64,
    id: i64,
    update: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    refusal: &str,
) -> AppResult<()> {
    if update.execute(&mut *conn).await?.rows_affected() == 0 {
        return Err(refused_now(conn, lab_id, id, refusal).await);
    }
    Ok(())
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
    book(conn, lab_id, user_id, id, req, now, false).await
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
    book(conn, lab_id, user_id, id, req, now, true).await
}

/// Books `req`'s slot: a first appointment, or (`moving`) a new one for a scheduled
/// replacement. The slot is checked (free, in the future) before anything is written.
async fn book(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    id: i64,
    req: &ScheduleRequest,
    now: i64,
    moving: bool,
) -> AppResult<ReplacementRow> {
    let row = get(conn, lab_id, id).await?;
    let before = row
        .appointment
        .clone()
        .filter(|_| row.status == ReplacementStatus::Scheduled);
    let refusal = if moving {
        "only_scheduled_reschedule"
    } else {
        "only_recommended_schedule"
    };
    if moving != before.is_some() || (!moving && row.status != ReplacementStatus::Recommended) {
        return Err(refused(id, row.status, refusal));
    }
    let engineer = detail_field("engineer", req.engineer.as_deref(), 120)?;
    let case_number = detail_field("case_number", req.case_number.as_deref(), 60)?;
    let tz = lab_zone(conn, lab_id).await?;
    let (start, end) = check_slot(conn, &row, req, tz, now).await?;
    let update = sqlx::query(if moving {
        "UPDATE replacements SET scheduled_date = $1, slot = $2, slot_start = $3, slot_end = $4, scheduled_by = $5,
                updated_at = $6, engineer = $7, case_number = $8, sequence = sequence + 1
         WHERE id = $9 AND status = 'scheduled' AND slot_start = $10"
    } else {
        "UPDATE replacements SET status = 'scheduled', scheduled_date = $1, slot = $2, slot_start = $3, slot_end = $4,
                scheduled_by = $5, updated_at = $6, engineer = $7, case_number = $8
         WHERE id = $9 AND status = 'recommended'"
    })
    .bind(req.date.to_string())
    .bind(req.slot.as_str())
    .bind(start)
    .bind(end)
    .bind(user_id)
    .bind(now)
    .bind(engineer.clone())
    .bind(case_number.clone())
    .bind(id);
    // Who comes and the vendor's case, in the audit log too.
    let who = match (&engineer, &case_number) {
        (Some(e), Some(c)) => Figure::said(said("audit_engineer_case", vec![text(e), text(c)])),
        (Some(e), None) => Figure::said(said("audit_engineer", vec![text(e)])),
        (None, Some(c)) => Figure::said(said("audit_case", vec![text(c)])),
        (None, None) => text(""),
    };
    let component = Figure::Word(row.component.clone());
    let (update, action, detail) = match &before {
        Some(before) => (
            update.bind(before.starts_at.timestamp()),
            action::RESCHEDULED,
            said(
                "audit_moved",
                vec![
                    component,
                    slot_text(before.date, before.slot),
                    slot_text(req.date, req.slot),
                    who,
                ],
            ),
        ),
        None => (
            update,
            action::SCHEDULED,
            said(
                "audit_scheduled",
                vec![component, slot_text(req.date, req.slot), who],
            ),
        ),
    };
    apply(conn, lab_id, id, update, "changed_meanwhile").await?;
    logged(conn, lab_id, user_id, action, &row, detail, now).await
}

/// An optional appointment detail: trimmed, empty as none, at most `max` characters of
/// printable text (it goes into the calendar and the audit log).
fn detail_field(name: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(AppError::bad(
            "field_line",
            vec![Figure::Text(name.into()), Figure::N(max as f64)],
        ));
    }
    Ok(Some(v.to_string()))
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
    let update = sqlx::query(
        "UPDATE replacements SET status = 'cancelled', cancel_reason = $1, updated_at = $2, sequence = sequence + 1
         WHERE id = $3 AND status IN ('recommended', 'scheduled')",
    )
    .bind(reason)
    .bind(now)
    .bind(id);
    let refusal = "only_open_cancel";
    apply(conn, lab_id, id, update, refusal).await?;
    let component = Figure::Word(row.component.clone());
    let detail = said("audit_cancelled", vec![component, text(reason)]);
    logged(conn, lab_id, user_id, action::CANCELLED, &row, detail, now).await
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
    let update = sqlx::query(
        "UPDATE replacements SET status = 'completed', completed_at = $1, completed_by = $2, updated_at = $3
         WHERE id = $4 AND status = 'scheduled'",
    )
    .bind(now)
    .bind(user_id)
    .bind(now)
    .bind(id);
    let refusal = "only_scheduled_complete";
    apply(conn, lab_id, id, update, refusal).await?;
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
    let component = Figure::Word(row.component.clone());
    let mut detail = match resolved {
        1 => said("audit_completed_one", vec![component]),
        n => said("audit_completed", vec![component, text(n)]),
    };
    if let Some(note) = note.filter(|n| !n.is_empty()) {
        detail = said("audit_noted", vec![Figure::said(detail), text(note)]);
    }
    logged(conn, lab_id, user_id, action::COMPLETED, &row, detail, now).await
}

/// When a sensor's component was last replaced: predictions fit only what came after.
pub async fn last_completed(
    db: &AnyPool,
    instrument_id: i64,
    sensor: &str,
) -> AppResult<Option<i64>> {
    // The component's, whichever of its signals booked it: a new laser is new for every
    // signal that watches it.
    let component = |s: &str| seqhealth_api::domain::sensor_spec(s).map(|spec| spec.component);
    let done: Vec<(String, i64)> = sqlx::query_as(
        "SELECT sensor, MAX(completed_at) FROM replacements
         WHERE instrument_id = $1 AND status = 'completed' AND completed_at IS NOT NULL GROUP BY sensor",
    )
    .bind(instrument_id)
    .fetch_all(db)
    .await?;
    Ok(done
        .into_iter()
        .filter(|(s, _)| {
            s == sensor || (component(s).is_some() && component(s) == component(sensor))
        })
        .map(|(_, at)| at)
        .max())
}
