//! The one error type of the HTTP API: every failure becomes a status and a JSON body
//! `{ "error": "...", "detail": "..." }`, never a panic or an HTML page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use seqhealth_api::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("not logged in")]
    Unauthenticated,
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{detail}")]
    Rejected {
        status: StatusCode,
        error: &'static str,
        detail: String,
    },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            AppError::Rejected { status, error, .. } => (*status, *error),
            AppError::Database(e) if is_unavailable(e) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            AppError::Database(_) | AppError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

/// SQLite's primary result codes for a database that cannot take writes now but may
/// later: busy (the lock was not had within the busy timeout), locked, read-only, I/O
/// error, disk full. Answered 503, so an agent keeps what it sent and tries again.
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;

/// Whether a database error is the storage's momentary state (disk full, read-only, I/O
/// error, busy, the pool exhausted) rather than a fault of the request or of the code.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            // Extended codes carry the primary code in their low byte.
            .is_some_and(|c| {
                matches!(
                    c & 0xff,
                    SQLITE_BUSY | SQLITE_LOCKED | SQLITE_READONLY | SQLITE_IOERR | SQLITE_FULL
                )
            }),
        _ => false,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, error) = self.parts();
        let detail = match &self {
            // Internals are logged, not shown: the database's words are not for a browser.
            AppError::Database(e) if is_unavailable(e) => {
                tracing::error!(error = %e, "database unavailable");
                "the database cannot take this now (full, read-only or failing); \
                 nothing was stored: send it again later"
                    .to_string()
            }
            AppError::Database(e) => {
                tracing::error!(error = %e, "database error");
                "the server could not complete the request; it has been logged".to_string()
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                "the server could not complete the request; it has been logged".to_string()
            }
            other => other.to_string(),
        };
        let body = ApiError {
            error: error.to_string(),
            detail,
        };
        (status, Json(body)).into_response()
    }
}
