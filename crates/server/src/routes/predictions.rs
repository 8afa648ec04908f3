//! `GET /instruments/{id}/predictions`: predicted component replacements, soonest first.

use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::predictions;
use crate::routes::instruments::instrument_in_lab;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use chrono::Utc;
use seqhealth_api::PredictionList;
use std::sync::Arc;

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<PredictionList>> {
    let id = instrument_in_lab(&state, &user, &id).await?;
    let now = Utc::now();
    let version: i64 = sqlx::query_scalar("SELECT data_version FROM instruments WHERE id = $1")
        .bind(id)
        .fetch_one(&state.db)
        .await?;
    // A forecast is a fit over up to 90 daily buckets per sensor: kept until the
    // instrument's daily data or replacements change, or the hour turns.
    let at = (now.timestamp().div_euclid(3600), version);
    let predictions = match state.predictions.get(&id, at) {
        Some(kept) => kept,
        None => {
            let fresh =
                Arc::new(predictions::for_instrument(&state.db, id, now.timestamp()).await?);
            state.predictions.put(id, at, fresh.clone());
            fresh
        }
    };
    Ok(Json(PredictionList {
        evaluated_at: now,
        predictions: predictions.as_ref().clone(),
    }))
}
