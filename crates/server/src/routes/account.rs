//! One's own account: `POST /account/name`, `POST /account/language` and
//! `POST /account/password` (the current password required; every other session ends). Logging out everywhere is
//! `DELETE /sessions`.

use crate::domain::{passwords, sessions};
use crate::error::{AppError, AppResult};
use crate::http::extract::{session_cookie, ApiJson, CurrentUser};
use crate::state::AppState;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use seqhealth_api::{LanguageChange, NameChange, PasswordChange};

pub async fn set_name(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NameChange>,
) -> AppResult<StatusCode> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(AppError::length("name", 120));
    }
    let now = chrono::Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    sessions::set_name(&mut tx, user.lab_id, user.user_id, name, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn set_language(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<LanguageChange>,
) -> AppResult<StatusCode> {
    let mut tx = crate::store::begin_write(&state.db).await?;
    sessions::set_language(&mut tx, user.user_id, req.language).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn set_password(
    State(state): State<AppState>,
    user: CurrentUser,
    parts: Parts,
    jar: CookieJar,
    ApiJson(req): ApiJson<PasswordChange>,
) -> AppResult<StatusCode> {
    if !sessions::is_password_of(&state.db, user.user_id, &req.current).await? {
        return Err(AppError::forbidden("password_not_right", Vec::new()));
    }
    let email = sessions::info(&state.db, user.user_id).await?.user.email;
    if let Some(why) = passwords::problem(&req.new, &email) {
        return Err(AppError::bad_password(why));
    }
    let keep = jar
        .get(session_cookie(&parts.extensions))
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let hash = sessions::hash_off_the_runtime(req.new).await?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    let now = chrono::Utc::now().timestamp();
    let ended =
        sessions::set_password(&mut tx, user.lab_id, user.user_id, &hash, &keep, now).await?;
    tx.commit().await?;
    tracing::info!(
        user = user.user_id,
        ended,
        "password changed; other sessions ended"
    );
    Ok(StatusCode::NO_CONTENT)
}
