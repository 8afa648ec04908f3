//! `GET /instruments/{id}` and `GET /instruments/{id}/runs?from=&to=`, scoped to the
//! caller's lab: another lab's instrument is indistinguishable from a missing one (404).

use crate::domain::instruments;
use crate::error::AppResult;
use crate::http::extract::CurrentUser;
use crate::http::params::{instrument_in_lab, window, ApiQuery, InstrumentId};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use chrono::Utc;
use seqhealth_api::{InstrumentDetail, RunList, WindowQuery};

pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    id: InstrumentId,
) -> AppResult<Json<InstrumentDetail>> {
    let id = instrument_in_lab(&state, &user, id).await?;
    Ok(Json(
        instruments::detail(&state.db, user.lab_id, id, Utc::now().timestamp()).await?,
    ))
}

pub async fn runs(
    State(state): State<AppState>,
    user: CurrentUser,
    id: InstrumentId,
    ApiQuery(q): ApiQuery<WindowQuery>,
) -> AppResult<Json<RunList>> {
    let (from, to) = window(&q, Utc::now())?;
    let id = instrument_in_lab(&state, &user, id).await?;
    Ok(Json(instruments::runs(&state.db, id, from, to).await?))
}
