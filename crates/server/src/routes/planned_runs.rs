//! Planned runs: whole local days per instrument a lab enters so a replacement slot
//! does not land in the middle of a run.

use crate::audit::{self, action, Event};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, CurrentUser};
use crate::replacements::{lab_zone, local_date, planned_run};
use crate::routes::instruments::instrument_in_lab;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use seqhealth_api::{PlannedRun, PlannedRunList, PlannedRunRequest, MAX_PLANNED_RUN_DAYS};
use serde::Deserialize;

/// Planned runs shown at most: a screen's worth.
const MAX_PLANNED_RUNS: i64 = 500;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    instrument: Option<String>,
}

/// `GET /planned-runs?instrument=`: the lab's planned runs that have not ended yet.
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<PlannedRunList>> {
    let instrument = match q.instrument.as_deref() {
        None | Some("") => None,
        Some(s) => Some(instrument_in_lab(&state, &user, s).await?),
    };
    let mut conn = state.db.acquire().await?;
    let tz = lab_zone(&mut conn, user.lab_id).await?;
    let today = local_date(Utc::now().timestamp(), tz).to_string();
    let rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
        "SELECT p.id, p.instrument_id, i.nickname, p.starts_on, p.ends_on, p.label
         FROM planned_runs p JOIN instruments i ON i.id = p.instrument_id
         WHERE i.lab_id = $1 AND ($2 IS NULL OR p.instrument_id = $3) AND p.ends_on >= $4
         ORDER BY p.starts_on, p.id LIMIT $5",
    )
    .bind(user.lab_id)
    .bind(instrument)
    .bind(instrument)
    .bind(&today)
    .bind(MAX_PLANNED_RUNS)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Json(PlannedRunList {
        planned_runs: rows
            .into_iter()
            .map(planned_run)
            .collect::<AppResult<_>>()?,
    }))
}

/// `POST /instruments/{id}/planned-runs` (managers).
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PlannedRunRequest>,
) -> AppResult<(StatusCode, Json<PlannedRun>)> {
    let instrument_id = instrument_in_lab(&state, &user, &id).await?;
    user.require_manager("enter planned runs")?;
    let label = req.label.trim();
    if label.is_empty() || label.chars().count() > 120 {
        return Err(AppError::BadRequest(
            "`label` must be 1–120 characters".into(),
        ));
    }
    if req.ends_on < req.starts_on {
        return Err(AppError::BadRequest(format!(
            "`ends_on` ({}) is before `starts_on` ({})",
            req.ends_on, req.starts_on
        )));
    }
    let days = (req.ends_on - req.starts_on).num_days() + 1;
    if days > MAX_PLANNED_RUN_DAYS {
        return Err(AppError::BadRequest(format!(
            "a planned run is at most {MAX_PLANNED_RUN_DAYS} days, not {days}"
        )));
    }
    let now = Utc::now().timestamp();
    let mut tx = crate::db::begin_write(&state.db).await?;
    let tz = lab_zone(&mut tx, user.lab_id).await?;
    if req.ends_on < local_date(now, tz) {
        return Err(AppError::BadRequest(format!(
            "the planned run ends {} — in the past",
            req.ends_on
        )));
    }
    let (run_id, nickname): (i64, String) = sqlx::query_as(
        "INSERT INTO planned_runs (instrument_id, starts_on, ends_on, label, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, (SELECT nickname FROM instruments WHERE id = $7)",
    )
    .bind(instrument_id)
    .bind(req.starts_on.to_string())
    .bind(req.ends_on.to_string())
    .bind(label)
    .bind(user.user_id)
    .bind(now)
    .bind(instrument_id)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        now,
        Event {
            lab_id: user.lab_id,
            user_id: Some(user.user_id),
            action: action::PLANNED_RUN_ADDED,
            instrument_id: Some(instrument_id),
            detail: format!(
                "Planned run \"{label}\" on {nickname}, {} to {}",
                req.starts_on, req.ends_on
            ),
            ..Event::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(PlannedRun {
            id: run_id,
            instrument_id,
            instrument_nickname: nickname,
            starts_on: req.starts_on,
            ends_on: req.ends_on,
            label: label.to_string(),
        }),
    ))
}

/// `DELETE /planned-runs/{id}` (managers).
pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let not_found = || AppError::NotFound(format!("no planned run with id {id:?} in your lab"));
    let run_id: i64 = id.parse().map_err(|_| not_found())?;
    let mut tx = crate::db::begin_write(&state.db).await?;
    let found: Option<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT p.instrument_id, i.nickname, p.label, p.starts_on, p.ends_on
         FROM planned_runs p JOIN instruments i ON i.id = p.instrument_id WHERE p.id = $1 AND i.lab_id = $2",
    )
    .bind(run_id)
    .bind(user.lab_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (instrument_id, nickname, label, from, to) = found.ok_or_else(not_found)?;
    user.require_manager("remove planned runs")?;
    sqlx::query("DELETE FROM planned_runs WHERE id = $1")
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Utc::now().timestamp(),
        Event {
            lab_id: user.lab_id,
            user_id: Some(user.user_id),
            action: action::PLANNED_RUN_REMOVED,
            instrument_id: Some(instrument_id),
            detail: format!("Planned run \"{label}\" on {nickname}, {from} to {to}, removed"),
            ..Event::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
