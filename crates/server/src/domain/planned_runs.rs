//! Planned runs: whole local days per instrument a lab enters so a replacement slot
//! does not land in the middle of a run.

use crate::domain::audit::{action, said, text, Event};
use crate::domain::replacements::{lab_zone, local_date, planned_run};
use crate::error::{AppError, AppResult};
use seqhealth_api::Figure;
use seqhealth_api::{PlannedRun, PlannedRunList, PlannedRunRequest};
use sqlx::{Any, AnyPool, Transaction};

/// Planned runs shown at most: a screen's worth.
const MAX_PLANNED_RUNS: i64 = 500;

/// The lab's planned runs (of one instrument, or all) that have not ended by `now`.
pub async fn list(
    db: &AnyPool,
    lab_id: i64,
    instrument: Option<i64>,
    now: i64,
) -> AppResult<PlannedRunList> {
    let mut conn = db.acquire().await?;
    let tz = lab_zone(&mut conn, lab_id).await?;
    let today = local_date(now, tz).to_string();
    let rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
        "SELECT p.id, p.instrument_id, i.nickname, p.starts_on, p.ends_on, p.label
         FROM planned_runs p JOIN instruments i ON i.id = p.instrument_id
         WHERE i.lab_id = $1 AND ($2 IS NULL OR p.instrument_id = $3) AND p.ends_on >= $4
         ORDER BY p.starts_on, p.id LIMIT $5",
    )
    .bind(lab_id)
    .bind(instrument)
    .bind(instrument)
    .bind(&today)
    .bind(MAX_PLANNED_RUNS)
    .fetch_all(&mut *conn)
    .await?;
    Ok(PlannedRunList {
        planned_runs: rows
            .into_iter()
            .map(planned_run)
            .collect::<AppResult<_>>()?,
    })
}

/// Adds a planned run of `instrument_id` (checked: `label` trimmed, days in order and
/// not too many), refusing one that has already ended in the lab's zone.
pub async fn create(
    tx: &mut Transaction<'_, Any>,
    lab_id: i64,
    user_id: i64,
    instrument_id: i64,
    req: &PlannedRunRequest,
    label: &str,
    now: i64,
) -> AppResult<PlannedRun> {
    let tz = lab_zone(tx, lab_id).await?;
    if req.ends_on < local_date(now, tz) {
        return Err(AppError::bad(
            "planned_run_past",
            vec![Figure::Day(req.ends_on)],
        ));
    }
    let (run_id, nickname): (i64, String) = sqlx::query_as(
        "INSERT INTO planned_runs (instrument_id, starts_on, ends_on, label, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, (SELECT nickname FROM instruments WHERE id = $7)",
    )
    .bind(instrument_id)
    .bind(req.starts_on.to_string())
    .bind(req.ends_on.to_string())
    .bind(label)
    .bind(user_id)
    .bind(now)
    .bind(instrument_id)
    .fetch_one(&mut **tx)
    .await?;
    let (from, to) = (Figure::Day(req.starts_on), Figure::Day(req.ends_on));
    let detail = said(
        "audit_planned_run",
        vec![text(label), text(&nickname), from, to],
    );
    Event::new(lab_id, Some(user_id), action::PLANNED_RUN_ADDED, detail)
        .instrument(instrument_id)
        .record(tx, now)
        .await?;
    Ok(PlannedRun {
        id: run_id,
        instrument_id,
        instrument_nickname: nickname,
        starts_on: req.starts_on,
        ends_on: req.ends_on,
        label: label.to_string(),
    })
}

/// A planned run of the lab, as [`remove`] takes it: (instrument, nickname, label, from, to).
pub type Found = (i64, String, String, String, String);

/// Planned run `run_id` if it is the lab's.
pub async fn find(
    tx: &mut Transaction<'_, Any>,
    lab_id: i64,
    run_id: i64,
) -> AppResult<Option<Found>> {
    Ok(sqlx::query_as(
        "SELECT p.instrument_id, i.nickname, p.label, p.starts_on, p.ends_on
         FROM planned_runs p JOIN instruments i ON i.id = p.instrument_id WHERE p.id = $1 AND i.lab_id = $2",
    )
    .bind(run_id)
    .bind(lab_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Removes planned run `run_id`, found by [`find`].
pub async fn remove(
    tx: &mut Transaction<'_, Any>,
    lab_id: i64,
    user_id: i64,
    run_id: i64,
    found: Found,
    now: i64,
) -> AppResult<()> {
    let (instrument_id, nickname, label, from, to) = found;
    sqlx::query("DELETE FROM planned_runs WHERE id = $1")
        .bind(run_id)
        .execute(&mut **tx)
        .await?;
    let day = |d: &str| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_or_else(|_| text(d), Figure::Day)
    };
    let detail = said(
        "audit_planned_run_removed",
        vec![text(label), text(nickname), day(&from), day(&to)],
    );
    Event::new(lab_id, Some(user_id), action::PLANNED_RUN_REMOVED, detail)
        .instrument(instrument_id)
        .record(tx, now)
        .await?;
    Ok(())
}
