//! Request extractors: JSON bodies with JSON errors, the logged-in user, the instrument.

use crate::domain::{enrollment, sessions};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum_extra::extract::CookieJar;
use seqhealth_api::Figure;
use seqhealth_api::Role;
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "seqhealth_session";
/// The session cookie's name over HTTPS: the `__Host-` prefix makes browsers accept it
/// only when `Secure`, for this host alone, on path `/` (no subdomain can set or shadow it).
pub const SECURE_SESSION_COOKIE: &str = "__Host-seqhealth_session";

/// The session cookie's name for a request: `__Host-…` over TLS, plain on loopback HTTP.
pub fn session_cookie(extensions: &axum::http::Extensions) -> &'static str {
    if extensions.get::<crate::http::security::OverTls>().is_some() {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// `Json<T>` whose rejections (malformed JSON, unknown fields, wrong content type,
/// oversized body) answer in the API's JSON error shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> AppError {
    let status = r.status();
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        _ => "malformed_json",
    };
    // Normalise: every body problem is a 4xx the sender can act on.
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    AppError::Rejected {
        status,
        error,
        detail: r.body_text(),
    }
}

/// The logged-in user, from the session cookie. Absent or expired → 401.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user_id: i64,
    pub lab_id: i64,
    pub role: Role,
}

impl CurrentUser {
    /// 403 unless a manager: `what` completes "only a lab manager can …".
    pub fn require_manager(&self, what: &str) -> Result<(), AppError> {
        if self.role == Role::Manager {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "managers_only",
                vec![Figure::Word(what.into())],
            ))
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(session_cookie(&parts.extensions))
            .ok_or(AppError::Unauthenticated)?
            .value()
            .to_string();
        let now = chrono::Utc::now().timestamp();
        let (user_id, lab_id, role) = sessions::user_of(&state.db, &token, now)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let role =
            Role::parse(&role).ok_or_else(|| AppError::Internal(format!("unknown role {role}")))?;
        Ok(CurrentUser {
            user_id,
            lab_id,
            role,
        })
    }
}

/// The instrument pushing data, from `Authorization: Bearer <instrument token>`.
#[derive(Debug, Clone)]
pub struct Instrument {
    pub id: i64,
}

impl Instrument {
    /// Heard from now: what "connected, last contact N s ago" shows. Written inside the
    /// handler's own transaction, so a push takes the database's write lock once.
    pub async fn heard_from(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ) -> Result<(), AppError> {
        enrollment::heard_from(tx, self.id, chrono::Utc::now().timestamp()).await
    }
}

impl FromRequestParts<AppState> for Instrument {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                AppError::Unauthorized(
                    "send the instrument token as `Authorization: Bearer <token>`".into(),
                )
            })?;
        let token = token.trim();
        let Some(id) = enrollment::instrument_of(&state.db, token).await? else {
            // A revoked token is told so, with when: the agent can say what happened.
            let revoked = enrollment::revoked_at(&state.db, token).await?;
            return Err(AppError::Rejected {
                status: StatusCode::UNAUTHORIZED,
                error: if revoked.is_some() { "token_revoked" } else { "unauthorized" },
                detail: match revoked {
                    Some(at) => format!(
                        "this instrument's token was revoked by a lab manager on {}; enroll the agent again with a new code",
                        crate::store::to_time(at).format("%Y-%m-%d %H:%M UTC")
                    ),
                    None => "unknown instrument token".into(),
                },
            });
        };
        Ok(Instrument { id })
    }
}

/// The client's address, where the server was started with connection info (tests that
/// call the router directly have none).
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddr(info.map(|c| c.0.ip())))
    }
}
