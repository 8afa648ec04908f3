//! `GET /users` (the lab's people and open invitations, for every user), and the
//! managers' changes: `POST /users/{id}/role`, `POST /users/{id}/deactivate`.

use crate::domain::people;
use crate::error::AppResult;
use crate::http::extract::{ApiJson, CurrentUser};
use crate::http::params::{PathId, UserId};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use seqhealth_api::{RoleRequest, Team};

pub async fn team(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Team>> {
    let now = chrono::Utc::now().timestamp();
    Ok(Json(people::team(&state.db, user.lab_id, now).await?))
}

pub async fn set_role(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id, _): UserId,
    ApiJson(req): ApiJson<RoleRequest>,
) -> AppResult<StatusCode> {
    user.require_manager("change roles")?;
    let now = chrono::Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    people::set_role(&mut tx, user.lab_id, user.user_id, id, req.role, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn deactivate(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id, _): UserId,
) -> AppResult<StatusCode> {
    user.require_manager("deactivate people")?;
    let now = chrono::Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    people::deactivate(&mut tx, user.lab_id, Some(user.user_id), id, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
