//! `GET /warnings` across the caller's lab, and `POST /warnings/{id}/acknowledge`.

use crate::domain::warnings::{self, Filter};
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, CurrentUser};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Json;
use seqhealth_api::{AcknowledgeRequest, Severity, Subsystem, WarningRow};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    severity: Option<String>,
    subsystem: Option<String>,
    instrument: Option<String>,
}

/// Statuses a `status=` filter selects; "open" (the default) is active or acknowledged.
fn statuses(s: Option<&str>) -> AppResult<&'static [&'static str]> {
    Ok(match s.unwrap_or("open") {
        "open" => &["active", "acknowledged"],
        "active" => &["active"],
        "acknowledged" => &["acknowledged"],
        "resolved" => &["resolved"],
        "all" => &["active", "acknowledged", "resolved"],
        other => {
            return Err(AppError::BadRequest(format!(
                "`status` must be open, active, acknowledged, resolved or all, not {other:?}"
            )))
        }
    })
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<ListQuery>,
    request: axum::http::HeaderMap,
) -> AppResult<Response> {
    let statuses = statuses(f.status.as_deref())?;
    let severity = match f.severity.as_deref() {
        None | Some("") => None,
        Some(s) => Some(Severity::parse(s).ok_or_else(|| {
            AppError::BadRequest(format!(
                "`severity` must be info, warning or critical, not {s:?}"
            ))
        })?),
    };
    let subsystem = match f.subsystem.as_deref() {
        None | Some("") => None,
        Some(s) => Some(Subsystem::parse(s).ok_or_else(|| {
            AppError::BadRequest(format!(
                "`subsystem` must be optical, mechanical, thermal or fluidics, not {s:?}"
            ))
        })?),
    };
    let instrument =
        crate::http::params::instrument_filter(&state, &user, f.instrument.as_deref()).await?;
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
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AcknowledgeRequest>,
) -> AppResult<Json<WarningRow>> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("no warning with id {id:?}")))?;
    warnings::status_in_lab(&state.db, user.lab_id, id).await?;
    user.require_manager("acknowledge warnings")?;
    let reason = seqhealth_health::warning::acknowledgement_reason(&req.reason)
        .map_err(|_| AppError::BadRequest("`reason` must be 1–500 characters".into()))?;
    let now = chrono::Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    warnings::acknowledge(&mut tx, user.lab_id, user.user_id, id, reason, now).await?;
    tx.commit().await?;
    let row = warnings::get(&state.db, id, chrono::Utc::now().timestamp()).await?;
    Ok(Json(row))
}
