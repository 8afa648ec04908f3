//! Files the browser saves rather than shows (CSV, iCalendar).

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// `body` as a download named `filename`, never cached.
pub fn attachment(content_type: &'static str, filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}
