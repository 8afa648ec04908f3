//! Planned runs: whole local days per instrument a lab enters so a replacement slot
//! does not land in the middle of a run.

use crate::domain::planned_runs;
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, CurrentUser};
use crate::http::params::{
    instrument_filter, instrument_in_lab, ApiQuery, InstrumentId, PathId, PlannedRunId,
};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use seqhealth_api::Figure;
use seqhealth_api::{
    InstrumentQuery, PlannedRun, PlannedRunList, PlannedRunRequest, MAX_PLANNED_RUN_DAYS,
};

/// `GET /planned-runs?instrument=`: the lab's planned runs that have not ended yet.
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<InstrumentQuery>,
) -> AppResult<Json<PlannedRunList>> {
    let instrument = instrument_filter(&state, &user, q.instrument).await?;
    Ok(Json(
        planned_runs::list(&state.db, user.lab_id, instrument, Utc::now().timestamp()).await?,
    ))
}

/// `POST /instruments/{id}/planned-runs` (managers).
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    id: InstrumentId,
    ApiJson(req): ApiJson<PlannedRunRequest>,
) -> AppResult<(StatusCode, Json<PlannedRun>)> {
    let instrument_id = instrument_in_lab(&state, &user, id).await?;
    user.require_manager("enter planned runs")?;
    let label = req.label.trim();
    if label.is_empty() || label.chars().count() > 120 {
        return Err(AppError::length("label", 120));
    }
    if req.ends_on < req.starts_on {
        return Err(AppError::bad(
            "planned_run_order",
            vec![Figure::Day(req.ends_on), Figure::Day(req.starts_on)],
        ));
    }
    let days = (req.ends_on - req.starts_on).num_days() + 1;
    if days > MAX_PLANNED_RUN_DAYS {
        return Err(AppError::bad(
            "planned_run_long",
            vec![
                Figure::N(MAX_PLANNED_RUN_DAYS as f64),
                Figure::N(days as f64),
            ],
        ));
    }
    let now = Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    let run = planned_runs::create(
        &mut tx,
        user.lab_id,
        user.user_id,
        instrument_id,
        &req,
        label,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(run)))
}

/// `DELETE /planned-runs/{id}` (managers).
pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(run_id, _): PlannedRunId,
) -> AppResult<StatusCode> {
    let not_found = || AppError::not_found("no_planned_run", vec![Figure::N(run_id as f64)]);
    let mut tx = crate::store::begin_write(&state.db).await?;
    let found = planned_runs::find(&mut tx, user.lab_id, run_id)
        .await?
        .ok_or_else(not_found)?;
    user.require_manager("remove planned runs")?;
    let now = Utc::now().timestamp();
    planned_runs::remove(&mut tx, user.lab_id, user.user_id, run_id, found, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
