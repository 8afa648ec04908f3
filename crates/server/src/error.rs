//! The one error type of the HTTP API: every failure becomes a status and a JSON body
//! `{ "error": "...", "detail": "...", "said": {...} }`, never a panic or an HTML page.
//! `detail` is English; `said` is the same sentence as data ([`Said`], a code of
//! `seqhealth_api::words::TEMPLATES` and its figures), which the dashboard words in the
//! user's language. [`AppError::said`] and its shorthands ([`AppError::bad`],
//! [`AppError::conflict`], …) make one.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use seqhealth_api::{ApiError, Figure, Said};

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
    /// A detail as data: its status, its `error` and what it says.
    #[error("{}", .said.english())]
    Said {
        status: StatusCode,
        error: &'static str,
        said: Said,
    },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// An answer of `status` and `error` whose detail is `code`'s template filled with
    /// `figures`.
    pub fn said(
        status: StatusCode,
        error: &'static str,
        code: &str,
        figures: Vec<Figure>,
    ) -> AppError {
        AppError::Said {
            status,
            error,
            said: Said::new(code, figures),
        }
    }

    /// 400: the request is not valid.
    pub fn bad(code: &str, figures: Vec<Figure>) -> AppError {
        AppError::said(StatusCode::BAD_REQUEST, "bad_request", code, figures)
    }

    /// 409: the request conflicts with what is stored.
    pub fn conflict(code: &str, figures: Vec<Figure>) -> AppError {
        AppError::said(StatusCode::CONFLICT, "conflict", code, figures)
    }

    /// 404.
    pub fn not_found(code: &str, figures: Vec<Figure>) -> AppError {
        AppError::said(StatusCode::NOT_FOUND, "not_found", code, figures)
    }

    /// 403.
    pub fn forbidden(code: &str, figures: Vec<Figure>) -> AppError {
        AppError::said(StatusCode::FORBIDDEN, "forbidden", code, figures)
    }

    /// 400: `field` must be 1–`max` characters.
    pub fn length(field: &str, max: usize) -> AppError {
        AppError::bad(
            "field_length",
            vec![Figure::Text(field.into()), Figure::N(max as f64)],
        )
    }

    /// 400: a password the policy refuses ([`crate::domain::passwords::problem`]).
    pub fn bad_password(why: Said) -> AppError {
        AppError::Said {
            status: StatusCode::BAD_REQUEST,
            error: "bad_request",
            said: why,
        }
    }

    /// 429.
    pub fn too_many(code: &str) -> AppError {
        AppError::said(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            code,
            Vec::new(),
        )
    }

    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            AppError::Rejected { status, error, .. } | AppError::Said { status, error, .. } => {
                (*status, *error)
            }
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
        let coded = |said: Said| (said.english(), Some(said));
        let fixed = |code: &str| coded(Said::new(code, Vec::new()));
        let (detail, said) = match self {
            // Internals are logged, not shown: the database's words are not for a browser.
            AppError::Database(e) if is_unavailable(&e) => {
                tracing::error!(error = %e, "database unavailable");
                fixed("error_unavailable")
            }
            AppError::Database(e) => {
                tracing::error!(error = %e, "database error");
                fixed("error_internal")
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                fixed("error_internal")
            }
            AppError::Unauthenticated => fixed("error_not_logged_in"),
            AppError::Said { said, .. } => coded(said),
            other => (other.to_string(), None),
        };
        let body = ApiError {
            error: error.to_string(),
            detail,
            said,
        };
        (status, Json(body)).into_response()
    }
}
