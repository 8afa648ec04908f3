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
            AppError::Database(_) | AppError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, error) = self.parts();
        let detail = match &self {
            // Internals are logged, not shown: the database's words are not for a browser.
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
