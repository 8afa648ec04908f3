//! `POST /csp-report`: where browsers report Content-Security-Policy violations
//! (`report-uri`). Counted always; logged at most [`LOGGED_PER_MINUTE`] a minute, since
//! anyone may post here without a login: a flood costs a counter, not the logs.

use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Reports are small; anything larger is cut before logging.
const LOGGED_BYTES: usize = 512;
/// Reports written to the log per minute at most; the rest are only counted.
pub const LOGGED_PER_MINUTE: u64 = 10;

pub async fn report(State(state): State<AppState>, body: Bytes) -> StatusCode {
    state.csp_reports.fetch_add(1, Ordering::Relaxed);
    if should_log(chrono::Utc::now().timestamp() / 60) {
        let text = String::from_utf8_lossy(&body[..body.len().min(LOGGED_BYTES)]);
        tracing::warn!(report = %text.escape_debug(), "Content-Security-Policy violation reported");
    }
    StatusCode::NO_CONTENT
}

/// Whether this minute's allowance of logged reports has room left.
fn should_log(minute: i64) -> bool {
    static MINUTE: AtomicI64 = AtomicI64::new(0);
    static LOGGED: AtomicU64 = AtomicU64::new(0);
    if MINUTE.swap(minute, Ordering::Relaxed) != minute {
        LOGGED.store(0, Ordering::Relaxed);
    }
    LOGGED.fetch_add(1, Ordering::Relaxed) < LOGGED_PER_MINUTE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_reports_logs_ten_a_minute() {
        let logged = (0..10_000).filter(|_| should_log(1)).count();
        assert_eq!(logged as u64, LOGGED_PER_MINUTE);
        assert!(should_log(2), "a new minute, a new allowance");
    }
}
