//! `GET /warnings` across the caller's lab, and `POST /warnings/{id}/acknowledge`.

use crate::domain::warnings::{self, Filter};
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, CurrentUser};
use crate::http::params::{ApiQuery, PathId, WarningId};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use seqhealth_api::{AcknowledgeRequest, StatusFilter, WarningQuery, WarningRow, WarningStatus};

/// Statuses a `status=` filter selects; "open" (the default) is active or acknowledged.
fn statuses(s: StatusFilter<WarningStatus>) -> &'static [&'static str] {
    match s {
        StatusFilter::Open => &["active", "acknowledged"],
        StatusFilter::All => &["active", "acknowledged", "resolved"],
        StatusFilter::Only(WarningStatus::Active) => &["active"],
        StatusFilter::Only(WarningStatus::Acknowledged) => &["acknowledged"],
        StatusFilter::Only(WarningStatus::Resolved) => &["resolved"],
    }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(f): ApiQuery<WarningQuery>,
    request: axum::http::HeaderMap,
) -> AppResult<Response> {
    let statuses = statuses(f.status);
    let (severity, subsystem) = (f.severity, f.subsystem);
    let instrument = crate::http::params::instrument_filter(&state, &user, f.instrument).await?;
    // Kept per filter until the lab's data changes; "muted until" also depends on the
    // clock, so at most a minute.
    let filter = Filter {
        statuses,
        severity,
        subsystem,
        instrument,
    };
    let key = format!("{statuses:?}|{severity:?}|{subsystem:?}|{instrument:?}");
    let version = (
        chrono::Utc::now().timestamp().div_euclid(60),
        crate::store::cache::lab_version(&state.db, user.lab_id).await?,
    );
    let lab_id = user.lab_id;
    crate::store::cache::json(
        &state.lab_lists,
        (lab_id, "warnings", key),
        version,
        &request,
        warnings::list(&state.db, lab_id, &filter, chrono::Utc::now().timestamp()),
    )
    .await
}

pub async fn acknowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id, _): WarningId,
    ApiJson(req): ApiJson<AcknowledgeRequest>,
) -> AppResult<Json<WarningRow>> {
    warnings::status_in_lab(&state.db, user.lab_id, id).await?;
    user.require_manager("acknowledge warnings")?;
    let reason = seqhealth_health::warning::acknowledgement_reason(&req.reason)
        .map_err(|_| AppError::length("reason", 500))?;
    let now = chrono::Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    warnings::acknowledge(&mut tx, user.lab_id, user.user_id, id, reason, now).await?;
    tx.commit().await?;
    let row = warnings::get(&state.db, id, chrono::Utc::now().timestamp()).await?;
    Ok(Json(row))
}
