//! The JSON API under `/api/v1`, one module per resource.

pub mod audit;
pub mod calendar;
pub mod csp;
pub mod fleet;
pub mod ingest;
pub mod instruments;
pub mod planned_runs;
pub mod predictions;
pub mod replacements;
pub mod session;
pub mod telemetry;
pub mod warnings;

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::Router;

/// Largest request body accepted: a telemetry batch of some thousands of readings.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

pub fn api() -> Router<AppState> {
    Router::new()
        .route(
            "/session",
            get(session::current)
                .post(session::login)
                .delete(session::logout),
        )
        .route("/fleet", get(fleet::fleet))
        .route("/instruments/{id}", get(instruments::detail))
        .route("/instruments/{id}/runs", get(instruments::runs))
        .route("/instruments/{id}/telemetry", get(telemetry::series))
        .route("/instruments/{id}/predictions", get(predictions::list))
        .route("/warnings", get(warnings::list))
        .route("/warnings/{id}/acknowledge", post(warnings::acknowledge))
        .route("/instruments/{id}/planned-runs", post(planned_runs::create))
        .route("/planned-runs", get(planned_runs::list))
        .route("/planned-runs/{id}", delete(planned_runs::remove))
        .route("/replacements", get(replacements::list))
        .route("/replacements.csv", get(replacements::list_csv))
        .route("/replacements.ics", get(replacements::ics))
        .route("/replacements/{id}/schedule", post(replacements::schedule))
        .route(
            "/replacements/{id}/reschedule",
            post(replacements::reschedule),
        )
        .route("/replacements/{id}/cancel", post(replacements::cancel))
        .route("/replacements/{id}/complete", post(replacements::complete))
        .route("/audit", get(audit::list))
        .route("/audit.csv", get(audit::list_csv))
        .route("/calendar", get(calendar::info))
        .route("/calendar/token", post(calendar::rotate))
        .route("/calendar/{file}", get(calendar::feed))
        .route("/csp-report", post(csp::report))
        .route("/ingest/runs", post(ingest::run))
        .route("/ingest/telemetry", post(ingest::telemetry))
        .fallback(|| async { AppError::NotFound("no such API endpoint".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
