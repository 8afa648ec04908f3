//! Replacements as rows: the lab's list, one replacement, planned runs in the way.

use crate::error::{AppError, AppResult};
use crate::store::to_time;
use chrono::NaiveDate;
use seqhealth_api::domain::sensor_spec;
use seqhealth_api::Figure;
use seqhealth_api::{
    Appointment, PlannedRun, ReplaceByMove, ReplacementRow, ReplacementSource, ReplacementStatus,
    Slot,
};
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    id: i64,
    instrument_id: i64,
    nickname: String,
    serial: String,
    site: String,
    sensor: String,
    status: String,
    source: String,
    reason: String,
    reason_said: Option<String>,
    warning_id: Option<i64>,
    predicted_at: Option<i64>,
    replace_by: i64,
    replace_by_was: Option<i64>,
    replace_by_moved_at: Option<i64>,
    replace_by_why: Option<String>,
    replace_by_why_said: Option<String>,
    scheduled_date: Option<String>,
    slot: Option<String>,
    slot_start: Option<i64>,
    slot_end: Option<i64>,
    scheduled_by: Option<String>,
    engineer: Option<String>,
    case_number: Option<String>,
    cancel_reason: Option<String>,
    completed_at: Option<i64>,
    completed_by: Option<String>,
    created_at: i64,
    updated_at: i64,
}

pub(super) const SELECT: &str = "SELECT r.id, r.instrument_id, i.nickname, i.serial, i.site, r.sensor, r.status, r.source, r.reason, r.reason_said,
        r.warning_id, r.predicted_at, r.replace_by, r.replace_by_was, r.replace_by_moved_at, r.replace_by_why,
        r.replace_by_why_said,
        r.scheduled_date, r.slot, r.slot_start, r.slot_end,
        us.name AS scheduled_by, r.engineer, r.case_number, r.cancel_reason, r.completed_at, uc.name AS completed_by, r.created_at, r.updated_at
    FROM replacements r JOIN instruments i ON i.id = r.instrument_id
    LEFT JOIN users us ON us.id = r.scheduled_by LEFT JOIN users uc ON uc.id = r.completed_by";

pub(super) fn to_row(r: Row) -> AppResult<ReplacementRow> {
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
            engineer: r.engineer,
            case_number: r.case_number,
        }),
        _ => None,
    };
    Ok(ReplacementRow {
        id: r.id,
        instrument_id: r.instrument_id,
        instrument_nickname: r.nickname,
        instrument_serial: r.serial,
        instrument_site: r.site,
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
        reason_said: crate::domain::words::read(r.reason_said.as_deref()),
        warning_id: r.warning_id,
        predicted_at: r.predicted_at.map(to_time),
        replace_by: to_time(r.replace_by),
        moved: match (r.replace_by_was, r.replace_by_moved_at, r.replace_by_why) {
            (Some(from), Some(on), Some(why)) => Some(ReplaceByMove {
                on: to_time(on),
                from: to_time(from),
                why,
                why_said: crate::domain::words::read(r.replace_by_why_said.as_deref()),
            }),
            _ => None,
        },
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
    let placeholders = crate::store::placeholders(2, statuses.len());
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
    to_row(row.ok_or_else(|| AppError::not_found("no_replacement", vec![Figure::N(id as f64)]))?)
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
