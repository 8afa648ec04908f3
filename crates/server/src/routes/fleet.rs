//! `GET /fleet`: every instrument of the caller's lab, one row each.

use crate::domain::fleet;
use crate::error::AppResult;
use crate::http::extract::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

pub async fn fleet(
    State(state): State<AppState>,
    user: CurrentUser,
    request: HeaderMap,
) -> AppResult<Response> {
    let kept = fleet::fleet(&state.db, &state.fleet, user.lab_id).await?;
    Ok(kept.response(&request))
}

/// `GET /today`: what needs a manager now, ranked, with the count nobody has handled.
pub async fn today(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<axum::Json<seqhealth_api::Today>> {
    // The replacements due come from the recommendations, as the replacements list's do.
    crate::routes::replacements::refresh_due(&state, user.lab_id).await?;
    let now = chrono::Utc::now().timestamp();
    Ok(axum::Json(
        crate::domain::today::today(&state.db, user.lab_id, now).await?,
    ))
}
