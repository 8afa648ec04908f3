//! Component replacements: seqhealth recommends them from predictions and warnings; a
//! manager schedules, reschedules, cancels or completes them. Every transition is one
//! conditional UPDATE (the expected status is in its WHERE), so two managers at once
//! cannot both win, and it lands in the same transaction as its audit-log entry.

use crate::audit::{self, action, Event};
use crate::db::to_time;
use crate::error::{AppError, AppResult};
use crate::predictions;
use axum::http::StatusCode;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use seqhealth_api::domain::sensor_spec;
use seqhealth_api::{
    Appointment, PlannedRun, ReplacementRow, ReplacementSource, ReplacementStatus, ScheduleRequest,
    Slot,
};
use sqlx::{AnyConnection, AnyPool};

/// A prediction becomes a recommendation when its replace-by date is this close.
pub const RECOMMEND_WITHIN_DAYS: i64 = 60;
/// Appointments may be booked this far ahead.
pub const MAX_SCHEDULE_AHEAD_DAYS: i64 = 730;
const DAY: i64 = 86_400;

/// The lab's zone; a zone name the database does not know (never written by us) is UTC.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

pub async fn lab_zone(conn: &mut AnyConnection, lab_id: i64) -> AppResult<Tz> {
    let name: String = sqlx::query_scalar("SELECT time_zone FROM labs WHERE id = $1")
        .bind(lab_id)
        .fetch_one(conn)
        .await?;
    Ok(zone(&name))
}

/// The UTC window [start, end) of a local date's half-day slot. A local time that a
/// daylight-saving change skips falls back to UTC-offset arithmetic on the earliest one.
pub fn slot_window(date: NaiveDate, slot: Slot, tz: Tz) -> Option<(i64, i64)> {
    let (from, to) = slot.hours();
    let at = |h: u32| {
        let local = date.and_hms_opt(h, 0, 0)?;
        tz.from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(local + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.timestamp())
    };
    Some((at(from)?, at(to)?))
}

/// The lab's local date at unix time `t`.
pub fn local_date(t: i64, tz: Tz) -> NaiveDate {
    tz.timestamp_opt(t, 0)
        .single()
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

/// The lab's local date as the dashboard writes dates ("1 Dec 2026"), for reasons a lab
/// reads.
fn spoken_date(t: i64, tz: Tz) -> String {
    local_date(t, tz).format("%-d %b %Y").to_string()
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    instrument_id: i64,
    nickname: String,
    serial: String,
    sensor: String,
    status: String,
    source: String,
    reason: String,
    warning_id: Option<i64>,
    predicted_at: Option<i64>,
    replace_by: i64,
    scheduled_date: Option<String>,
    slot: Option<String>,
    slot_start: Option<i64>,
    slot_end: Option<i64>,
    scheduled_by: Option<String>,
    cancel_reason: Option<String>,
    completed_at: Option<i64>,
    completed_by: Option<String>,
    created_at: i64,
    updated_at: i64,
}

const SELECT: &str = "SELECT r.id, r.instrument_id, i.nickname, i.serial, r.sensor, r.status, r.source, r.reason,
        r.warning_id, r.predicted_at, r.replace_by, r.scheduled_date, r.slot, r.slot_start, r.slot_end,
        us.name AS scheduled_by, r.cancel_reason, r.completed_at, uc.name AS completed_by, r.created_at, r.updated_at
    FROM replacements r JOIN instruments i ON i.id = r.instrument_id
    LEFT JOIN users us ON us.id = r.scheduled_by LEFT JOIN users uc ON uc.id = r.completed_by";

fn to_row(r: Row) -> AppResult<ReplacementRow> {
    let bad = |what: &str, v: &str| {
        AppError::Internal(format!("stored replacement has unknown {what} {v:?}"))
    };
    let spec = sensor_spec(&r.sensor).ok_or_else(|| bad("sensor", &r.sensor))?;
    let appointment = match (r.scheduled_date, r.slot, r.slot_start, r.slot_end) {
        (Some(date), Some(slot), Some(start), Some(end)) => Some(Appointment {
            date: date.parse().map_err(|_| bad("date", &date))?,
            slot: Slot::parse(&slot).ok_or_else(|| bad("slot", &slot))?,
            starts_at: to_time(start),
            ends_at: to_time(end),
            scheduled_by: r.scheduled_by,
        }),
        _ => None,
    };
    Ok(ReplacementRow {
        id: r.id,
        instrument_id: r.instrument_id,
        instrument_nickname: r.nickname,
        instrument_serial: r.serial,
        subsystem: spec.subsystem,
        component: spec.component.into(),
        sensor: r.sensor,
        sensor_label: spec.label.into(),
        status: ReplacementStatus::parse(&r.status).ok_or_else(|| bad("status", &r.status))?,
        source: match r.source.as_str() {
            "prediction" => ReplacementSource::Prediction,
            "warning" => ReplacementSource::Warning,
            other => return Err(bad("source", other)),
        },
        reason: r.reason,
        warning_id: r.warning_id,
        predicted_at: r.predicted_at.map(to_time),
        replace_by: to_time(r.replace_by),
        appointment,
        cancel_reason: r.cancel_reason,
        completed_at: r.completed_at.map(to_time),
        completed_by: r.completed_by,
        created_at: to_time(r.created_at),
        updated_at: to_time(r.updated_at),
    })
}

/// What a list may be narrowed to.
#[derive(Debug, Default, Clone, Copy)]
pub struct Filter {
    pub statuses: Option<&'static [&'static str]>,
    pub instrument: Option<i64>,
}

/// The lab's replacements: open ones first, each group soonest replace-by first.
pub async fn list(
    conn: &mut AnyConnection,
    lab_id: i64,
    f: Filter,
    limit: usize,
) -> AppResult<Vec<ReplacementRow>> {
    let statuses = f
        .statuses
        .unwrap_or(&["recommended", "scheduled", "completed", "cancelled"]);
    let placeholders = crate::db::placeholders(2, statuses.len());
    let n = statuses.len() + 2;
    let sql = format!(
        "{SELECT} WHERE i.lab_id = $1 AND r.status IN ({placeholders}) AND (${n} IS NULL OR r.instrument_id = ${})
         ORDER BY CASE WHEN r.status IN ('recommended', 'scheduled') THEN 0 ELSE 1 END,
                  CASE WHEN r.status IN ('recommended', 'scheduled') THEN r.replace_by ELSE -r.updated_at END,
                  r.id
         LIMIT ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query_as::<_, Row>(&sql).bind(lab_id);
    for s in statuses {
        q = q.bind(*s);
    }
    let rows = q
        .bind(f.instrument)
        .bind(f.instrument)
        .bind(limit as i64)
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(to_row).collect()
}

/// One replacement of the caller's lab; another lab's is "not found", not "forbidden".
pub async fn get(conn: &mut AnyConnection, lab_id: i64, id: i64) -> AppResult<ReplacementRow> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE r.id = $1 AND i.lab_id = $2"))
        .bind(id)
        .bind(lab_id)
        .fetch_optional(conn)
        .await?;
    to_row(
        row.ok_or_else(|| AppError::NotFound(format!("no replacement with id {id} in your lab")))?,
    )
}

/// Planned runs of an instrument that cover a local date.
pub async fn collisions(
    conn: &mut AnyConnection,
    instrument_id: i64,
    date: NaiveDate,
) -> AppResult<Vec<PlannedRun>> {
    let day = date.to_string();
    let rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
        "SELECT p.id, p.instrument_id, i.nickname, p.starts_on, p.ends_on, p.label
         FROM planned_runs p JOIN instruments i ON i.id = p.instrument_id
         WHERE p.instrument_id = $1 AND p.starts_on <= $2 AND p.ends_on >= $3 ORDER BY p.starts_on",
    )
    .bind(instrument_id)
    .bind(&day)
    .bind(&day)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(planned_run).collect()
}

pub fn planned_run(r: (i64, i64, String, String, String, String)) -> AppResult<PlannedRun> {
    let date = |s: &str| {
        s.parse::<NaiveDate>()
            .map_err(|_| AppError::Internal(format!("stored planned run has bad date {s:?}")))
    };
    Ok(PlannedRun {
        id: r.0,
        instrument_id: r.1,
        instrument_nickname: r.2,
        starts_on: date(&r.3)?,
        ends_on: date(&r.4)?,
        label: r.5,
    })
}

fn conflict(detail: String) -> AppError {
    AppError::Conflict(detail)
}

/// Why a transition from `status` is not allowed, in words a manager can act on.
fn refused(id: i64, status: &str, what: &str) -> AppError {
    conflict(format!("replacement {id} is {status}; {what}"))
}

/// Checks a requested slot: a real future slot, within reach, clear of planned runs
/// (unless the manager books it anyway). Returns its UTC window.
async fn check_slot(
    conn: &mut AnyConnection,
    row: &ReplacementRow,
    req: &ScheduleRequest,
    tz: Tz,
    now: i64,
) -> AppResult<(i64, i64)> {
    let (start, end) = slot_window(req.date, req.slot, tz)
        .ok_or_else(|| AppError::BadRequest(format!("{} has no such slot", req.date)))?;
    if start <= now {
        return Err(AppError::BadRequest(format!(
            "the {} slot of {} has already started; pick a later one",
            req.slot.as_str(),
            req.date
        )));
    }
    if start > now + MAX_SCHEDULE_AHEAD_DAYS * DAY {
        return Err(AppError::BadRequest(format!(
            "{} is more than {MAX_SCHEDULE_AHEAD_DAYS} days ahead",
            req.date
        )));
    }
    let hits = collisions(conn, row.instrument_id, req.date).await?;
    if !hits.is_empty() && !req.allow_collision {
        let names: Vec<String> = hits
            .iter()
            .map(|p| format!("\"{}\" ({} to {})", p.label, p.starts_on, p.ends_on))
            .collect();
        return Err(AppError::Rejected {
            status: StatusCode::CONFLICT,
            error: "planned_run_collision",
            detail: format!(
                "{} has a planned run on {}: {}; pick another slot or book it anyway",
                row.instrument_nickname,
                req.date,
                names.join(", ")
            ),
        });
    }
    Ok((start, end))
}

fn slot_text(date: NaiveDate, slot: Slot) -> String {
    format!("{date} {}", slot.label())
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

/// A recommendation about to be made.
struct Recommendation<'a> {
    instrument_id: i64,
    sensor: &'a str,
    source: ReplacementSource,
    reason: &'a str,
    warning_id: Option<i64>,
    predicted_at: Option<i64>,
    replace_by: i64,
}

/// Inserts a recommendation unless the component already has an open replacement.
/// Returns whether one was made.
async fn recommend(
    conn: &mut AnyConnection,
    lab_id: i64,
    r: Recommendation<'_>,
    now: i64,
) -> AppResult<bool> {
    let Recommendation {
        instrument_id,
        sensor,
        source,
        reason,
        warning_id,
        predicted_at,
        replace_by,
    } = r;
    let source = match source {
        ReplacementSource::Prediction => "prediction",
        ReplacementSource::Warning => "warning",
    };
    // The partial unique index is the guard: a concurrent refresh inserts nothing.
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO replacements (instrument_id, sensor, status, source, reason, warning_id, predicted_at,
                                   replace_by, created_at, updated_at)
         VALUES ($1, $2, 'recommended', $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(instrument_id)
    .bind(sensor)
    .bind(source)
    .bind(reason)
    .bind(warning_id)
    .bind(predicted_at)
    .bind(replace_by)
    .bind(now)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(false) };
    audit::record(
        conn,
        now,
        Event {
            lab_id,
            user_id: None,
            action: action::RECOMMENDED,
            instrument_id: Some(instrument_id),
            replacement_id: Some(id),
            warning_id,
            detail: reason.to_string(),
        },
    )
    .await?;
    Ok(true)
}

/// Brings the lab's recommendations up to date with its predictions and warnings: a
/// prediction whose replace-by date is within [`RECOMMEND_WITHIN_DAYS`], or an open
/// threshold warning, recommends replacing the component unless a replacement is already
/// open. Open recommendations follow their prediction's latest figures. Returns how many
/// were made.
pub async fn refresh_lab(db: &AnyPool, lab_id: i64, now: i64) -> AppResult<usize> {
    let mut conn = db.acquire().await?;
    let tz = lab_zone(&mut conn, lab_id).await?;
    let instruments: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, nickname FROM instruments WHERE lab_id = $1 ORDER BY id")
            .bind(lab_id)
            .fetch_all(&mut *conn)
            .await?;
    drop(conn);
    let mut made = 0;
    for (instrument_id, _) in instruments {
        let predictions = predictions::for_instrument(db, instrument_id, now).await?;
        let warnings: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, rule, severity, message, raised_at FROM warnings
             WHERE instrument_id = $1 AND status <> 'resolved' AND rule LIKE 'threshold:%'",
        )
        .bind(instrument_id)
        .fetch_all(db)
        .await?;
        let mut tx = crate::db::begin_write(db).await?;
        for p in predictions
            .iter()
            .filter(|p| p.replace_by.timestamp() <= now + RECOMMEND_WITHIN_DAYS * DAY)
        {
            let day = |t: chrono::DateTime<chrono::Utc>| spoken_date(t.timestamp(), tz);
            let trend = format!(
                "a trend of {:+.3} {}/day over {} days",
                p.slope_per_day, p.unit, p.basis_days
            );
            // A crossing already behind us is said as such, not "predicted".
            let reason = if p.predicted_at.timestamp() <= now {
                format!(
                    "{} has reached its limit of {} {}: its fitted trend crossed it about {} ({trend})",
                    p.sensor_label,
                    p.limit,
                    p.unit,
                    day(p.predicted_at)
                )
            } else {
                format!(
                    "{} is predicted to reach its limit of {} {} about {} (between {} and {}), from {trend}",
                    p.sensor_label,
                    p.limit,
                    p.unit,
                    day(p.predicted_at),
                    day(p.earliest),
                    day(p.latest)
                )
            };
            let (predicted_at, replace_by) = (p.predicted_at.timestamp(), p.replace_by.timestamp());
            let r = Recommendation {
                instrument_id,
                sensor: &p.sensor,
                source: ReplacementSource::Prediction,
                reason: &reason,
                warning_id: None,
                predicted_at: Some(predicted_at),
                replace_by,
            };
            if recommend(&mut tx, lab_id, r, now).await? {
                made += 1;
            } else {
                // Keep an open, unscheduled recommendation's evidence current.
                sqlx::query(
                    "UPDATE replacements SET reason = $1, predicted_at = $2, replace_by = $3, updated_at = $4
                     WHERE instrument_id = $5 AND sensor = $6 AND status = 'recommended' AND source = 'prediction'
                       AND (replace_by <> $7 OR reason <> $8)",
                )
                .bind(&reason)
                .bind(predicted_at)
                .bind(replace_by)
                .bind(now)
                .bind(instrument_id)
                .bind(&p.sensor)
                .bind(replace_by)
                .bind(&reason)
                .execute(&mut *tx)
                .await?;
            }
        }
        for (warning_id, rule, severity, message, raised_at) in warnings {
            let Some(sensor) = rule.strip_prefix("threshold:") else {
                continue;
            };
            if sensor_spec(sensor).is_none() {
                continue;
            }
            // Critical: as soon as possible; a warning leaves a week to plan.
            let replace_by = if severity == "critical" {
                raised_at
            } else {
                raised_at + 7 * DAY
            };
            let reason = format!("Warning raised {}: {message}", spoken_date(raised_at, tz));
            let r = Recommendation {
                instrument_id,
                sensor,
                source: ReplacementSource::Warning,
                reason: &reason,
                warning_id: Some(warning_id),
                predicted_at: None,
                replace_by,
            };
            if recommend(&mut tx, lab_id, r, now).await? {
                made += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(made)
}

/// [`refresh_lab`] for every lab (the periodic sweep).
pub async fn refresh_all(db: &AnyPool, now: i64) -> AppResult<usize> {
    let labs: Vec<i64> = sqlx::query_scalar("SELECT id FROM labs ORDER BY id")
        .fetch_all(db)
        .await?;
    let mut made = 0;
    for lab in labs {
        made += refresh_lab(db, lab, now).await?;
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_local_hours_in_the_labs_zone() {
        let d = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        let london: Tz = "Europe/London".parse().unwrap();
        let (s, e) = slot_window(d, Slot::Am, london).unwrap();
        // 08:00 BST is 07:00 UTC.
        assert_eq!(to_time(s).to_rfc3339(), "2026-07-01T07:00:00+00:00");
        assert_eq!(e - s, 4 * 3600);
        let (s, _) = slot_window(d, Slot::Pm, Tz::UTC).unwrap();
        assert_eq!(to_time(s).to_rfc3339(), "2026-07-01T13:00:00+00:00");
        assert_eq!(local_date(s, london), d);
        // 23:30 UTC on 30 Jun is already 1 Jul in London.
        let late = to_time(s).timestamp() - 13 * 3600 - 1800;
        assert_eq!(spoken_date(late, london), "1 Jul 2026");
        assert_eq!(spoken_date(late, Tz::UTC), "30 Jun 2026");
    }

    #[test]
    fn unknown_zones_are_utc() {
        assert_eq!(zone("Mars/Olympus"), Tz::UTC);
        assert_eq!(zone("America/Chicago"), chrono_tz::America::Chicago);
    }
}
