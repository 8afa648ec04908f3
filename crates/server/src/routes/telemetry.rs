//! `GET /instruments/{id}/telemetry?metric=&from=&to=`: one sensor as time buckets.

use crate::domain::telemetry;
use crate::error::{AppError, AppResult};
use crate::http::extract::CurrentUser;
use crate::http::params::{instrument_in_lab, window_or, ApiQuery, InstrumentId};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use chrono::Utc;
use seqhealth_api::domain::{sensor_spec, SENSORS};
use seqhealth_api::{TelemetryQuery, TelemetrySeries};

/// Default window when none is asked: the last 30 days (hourly buckets).
pub const DEFAULT_DAYS: i64 = 30;

pub async fn series(
    State(state): State<AppState>,
    user: CurrentUser,
    id: InstrumentId,
    ApiQuery(q): ApiQuery<TelemetryQuery>,
) -> AppResult<Json<TelemetrySeries>> {
    let names = || {
        SENSORS
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let metric = q.metric.as_deref().unwrap_or("");
    let spec = sensor_spec(metric).ok_or_else(|| {
        AppError::BadRequest(format!(
            "`metric` must be one of {}, not {metric:?}",
            names()
        ))
    })?;
    let (from, to) = window_or(q.from.as_deref(), q.to.as_deref(), Utc::now(), DEFAULT_DAYS)?;
    let id = instrument_in_lab(&state, &user, id).await?;
    Ok(Json(
        telemetry::series(&state.db, id, spec, from, to).await?,
    ))
}
