//! `POST /csp-report`: where browsers report Content-Security-Policy violations
//! (`report-uri`). Logged and counted: a violation in the field means the dashboard
//! was about to break, or someone tried to inject script.

use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use std::sync::atomic::Ordering;

/// Reports are small; anything larger is cut before logging.
const LOGGED_BYTES: usize = 2048;

pub async fn report(State(state): State<AppState>, body: Bytes) -> StatusCode {
    state.csp_reports.fetch_add(1, Ordering::Relaxed);
    let text = String::from_utf8_lossy(&body[..body.len().min(LOGGED_BYTES)]);
    tracing::warn!(report = %text, "Content-Security-Policy violation reported");
    StatusCode::NO_CONTENT
}
