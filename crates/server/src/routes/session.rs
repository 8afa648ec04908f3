//! Login and logout: an HttpOnly, SameSite=Strict cookie holding a random token.

use crate::auth::{dummy_hash, hash_token, new_token, verify_password};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ClientAddr, CurrentUser, SESSION_COOKIE};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use seqhealth_api::{LabInfo, LoginRequest, Role, SessionInfo, UserInfo};

pub const SESSION_HOURS: i64 = 12;

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<(CookieJar, Json<SessionInfo>)> {
    let email = req.email.trim().to_lowercase();
    let now = chrono::Utc::now().timestamp();
    if state.logins.blocked(&email, addr, now) {
        return Err(AppError::TooManyRequests(
            "too many failed logins; wait 15 minutes and try again".into(),
        ));
    }
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(&state.db)
            .await?;
    // Verify even for an unknown email, so timing does not tell which emails exist.
    let (hash, user_id) = match &row {
        Some((id, hash)) => (hash.as_str(), Some(*id)),
        None => (dummy_hash(), None),
    };
    let ok = verify_password(&req.password, hash);
    let user_id = match (ok, user_id) {
        (true, Some(id)) => id,
        _ => {
            state.logins.failed(&email, addr, now);
            return Err(AppError::Unauthorized("wrong email or password".into()));
        }
    };
    state.logins.succeeded(&email);
    let token = new_token();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash_token(&token))
    .bind(user_id)
    .bind(now)
    .bind(now + SESSION_HOURS * 3600)
    .execute(&state.db)
    .await?;
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(time_hours(SESSION_HOURS))
        .build();
    let info = session_info(&state, user_id).await?;
    Ok((jar.add(cookie), Json(info)))
}

pub async fn current(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<SessionInfo>> {
    Ok(Json(session_info(&state, user.user_id).await?))
}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
) -> AppResult<(CookieJar, StatusCode)> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(hash_token(c.value()))
            .execute(&state.db)
            .await?;
    }
    let removal = Cookie::build((SESSION_COOKIE, "")).path("/").build();
    Ok((jar.remove(removal), StatusCode::NO_CONTENT))
}

/// `DELETE /sessions`: log out everywhere. Every session of the caller (this browser's
/// and any other's) is deleted at once; the next request with any of them answers 401.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<(CookieJar, StatusCode)> {
    let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.user_id)
        .execute(&state.db)
        .await?
        .rows_affected();
    tracing::info!(
        user = user.user_id,
        sessions = ended,
        "logged out everywhere"
    );
    let removal = Cookie::build((SESSION_COOKIE, "")).path("/").build();
    Ok((jar.remove(removal), StatusCode::NO_CONTENT))
}

async fn session_info(state: &AppState, user_id: i64) -> AppResult<SessionInfo> {
    let (email, name, role, lab_name, tz): (String, String, String, String, String) = sqlx::query_as(
        "SELECT u.email, u.name, u.role, l.name, l.time_zone FROM users u JOIN labs l ON l.id = u.lab_id
         WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_one(&state.db)
    .await?;
    Ok(SessionInfo {
        user: UserInfo {
            email,
            name,
            role: Role::parse(&role).unwrap_or(Role::Viewer),
        },
        lab: LabInfo {
            name: lab_name,
            time_zone: tz,
        },
    })
}

fn time_hours(h: i64) -> cookie::time::Duration {
    cookie::time::Duration::hours(h)
}

/// Deletes sessions past their expiry (they already open nothing); returns how many.
pub async fn delete_expired(db: &sqlx::AnyPool, now: i64) -> AppResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
