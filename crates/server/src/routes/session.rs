//! Login and logout: an HttpOnly, SameSite=Strict cookie holding a random token.

use crate::domain::credentials::new_token;
use crate::domain::sessions::{self, SESSION_HOURS};
use crate::error::{AppError, AppResult};
use crate::http::extract::{
    ApiJson, ClientAddr, CurrentUser, SECURE_SESSION_COOKIE, SESSION_COOKIE,
};
use crate::http::security::OverTls;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Extension;
use axum::Json;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use seqhealth_api::{LoginRequest, SessionInfo};

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    tls: Option<Extension<OverTls>>,
    jar: CookieJar,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<(CookieJar, Json<SessionInfo>)> {
    let email = req.email.trim().to_lowercase();
    let now = chrono::Utc::now().timestamp();
    if state.logins.login(&email, addr, now).is_err() {
        return Err(AppError::too_many("too_many_logins"));
    }
    let Some(user_id) = sessions::check_password(&state.db, &email, &req.password).await? else {
        return Err(AppError::said(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "wrong_login",
            Vec::new(),
        ));
    };
    state.logins.login_succeeded(&email, addr);
    open(&state, tls, jar, user_id, now).await
}

/// `GET /setup` (no session): whether the server has a lab yet (the login page of a fresh
/// install says how to run `init`).
pub async fn setup_status(
    State(state): State<AppState>,
) -> AppResult<Json<seqhealth_api::SetupStatus>> {
    let set_up = crate::domain::invitations::has_labs(&state.db).await?;
    Ok(Json(seqhealth_api::SetupStatus { set_up }))
}

/// Starts a session of `user_id`: its cookie (HttpOnly, SameSite=Strict, `Secure` and
/// `__Host-` over TLS) and who is now logged in.
pub async fn open(
    state: &AppState,
    tls: Option<Extension<OverTls>>,
    jar: CookieJar,
    user_id: i64,
    now: i64,
) -> AppResult<(CookieJar, Json<SessionInfo>)> {
    let token = new_token();
    sessions::start(&state.db, user_id, &token, now).await?;
    let cookie = Cookie::build((cookie_name(&tls), token))
        .path("/")
        .secure(tls.is_some())
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::hours(SESSION_HOURS))
        .build();
    let info = sessions::info(&state.db, user_id).await?;
    Ok((jar.add(cookie), Json(info)))
}

pub async fn current(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<SessionInfo>> {
    Ok(Json(sessions::info(&state.db, user.user_id).await?))
}

pub async fn logout(
    State(state): State<AppState>,
    tls: Option<Extension<OverTls>>,
    jar: CookieJar,
) -> AppResult<(CookieJar, StatusCode)> {
    if let Some(c) = jar.get(cookie_name(&tls)) {
        sessions::end(&state.db, c.value()).await?;
    }
    Ok((jar.remove(removal(&tls)), StatusCode::NO_CONTENT))
}

/// `DELETE /sessions`: log out everywhere. Every session of the caller (this browser's
/// and any other's) is deleted at once; the next request with any of them answers 401.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    user: CurrentUser,
    tls: Option<Extension<OverTls>>,
    jar: CookieJar,
) -> AppResult<(CookieJar, StatusCode)> {
    let now = chrono::Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    let ended = sessions::end_all(&mut tx, user.lab_id, user.user_id, now).await?;
    tx.commit().await?;
    tracing::info!(
        user = user.user_id,
        sessions = ended,
        "logged out everywhere"
    );
    Ok((jar.remove(removal(&tls)), StatusCode::NO_CONTENT))
}

/// `__Host-…` over TLS (see [`extract::session_cookie`](crate::http::extract::session_cookie)).
fn cookie_name(tls: &Option<Extension<OverTls>>) -> &'static str {
    if tls.is_some() {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The cookie that removes the session cookie (same name, path and `Secure`).
fn removal(tls: &Option<Extension<OverTls>>) -> Cookie<'static> {
    Cookie::build((cookie_name(tls), ""))
        .path("/")
        .secure(tls.is_some())
        .build()
}
