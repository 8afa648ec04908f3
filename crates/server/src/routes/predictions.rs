//! `GET /instruments/{id}/predictions`: predicted component replacements, soonest first.

use crate::domain::predictions;
use crate::error::AppResult;
use crate::http::extract::CurrentUser;
use crate::http::params::{instrument_in_lab, InstrumentId};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use chrono::Utc;
use seqhealth_api::PredictionList;

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    id: InstrumentId,
) -> AppResult<Json<PredictionList>> {
    let id = instrument_in_lab(&state, &user, id).await?;
    let now = Utc::now();
    let predictions = predictions::kept(&state.db, &state.predictions, id, now.timestamp()).await?;
    Ok(Json(PredictionList {
        evaluated_at: now,
        predictions: predictions.as_ref().clone(),
    }))
}
