//! One-time links into a lab: `POST /invitations` (a manager's link for a colleague), and
//! the link's own pages,
//! `GET /invitations/{token}` and `POST /invitations/{token}/accept` (no session needed:
//! the link is the credential), which the first manager's setup link uses too.

use crate::domain::{invitations, resets, sessions};
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, ClientAddr, CurrentUser};
use crate::http::params::InvitationId;
use crate::http::security::OverTls;
use crate::mail::letters;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use axum_extra::extract::CookieJar;
use seqhealth_api::{
    AcceptInvitation, Invitation, InvitationLink, InviteRequest, NewPassword, ResetInfo,
    ResetRequest, SessionInfo,
};

/// A link's token as its path gives it: anything but 64 hex digits is no link at all.
fn token(raw: &str) -> AppResult<&str> {
    if raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(raw)
    } else {
        Err(AppError::not_found("link_invalid", Vec::new()))
    }
}

/// `GET /invitations/{token}`: the lab, email and role the link is for.
pub async fn show(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> AppResult<Json<Invitation>> {
    let now = chrono::Utc::now().timestamp();
    Ok(Json(invitations::find(&state.db, token(&raw)?, now).await?))
}

/// `POST /invitations/{token}/accept`: makes the account (name, password), uses the link
/// up, and starts a session.
pub async fn accept(
    State(state): State<AppState>,
    tls: Option<Extension<OverTls>>,
    jar: CookieJar,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<AcceptInvitation>,
) -> AppResult<(CookieJar, Json<SessionInfo>)> {
    let token = token(&raw)?;
    let now = chrono::Utc::now().timestamp();
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(AppError::length("name", 120));
    }
    invitations::check_password(&state.db, token, &req.password, now).await?;
    let hash = sessions::hash_off_the_runtime(req.password).await?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    let user_id = invitations::accept(&mut tx, token, name, &hash, now).await?;
    tx.commit().await?;
    let (jar, info) = crate::routes::session::open(&state, tls, jar, user_id, now).await?;
    Ok((jar, info))
}

/// `POST /invitations` (managers): a one-time link (7 days) for a colleague to join.
pub async fn invite(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<InviteRequest>,
) -> AppResult<(StatusCode, Json<InvitationLink>)> {
    user.require_manager("invite people")?;
    let now = chrono::Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    let link = invitations::invite(
        &mut tx,
        user.lab_id,
        Some(user.user_id),
        &req.email,
        req.role,
        now,
    )
    .await?;
    tx.commit().await?;
    mail_invitation(&state, &user, &link, req.role).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// Mails `link` to the person it invites, from `user`, in `user`'s language (the person
/// invited has none yet; English if `user` has not chosen one).
async fn mail_invitation(
    state: &AppState,
    user: &CurrentUser,
    link: &InvitationLink,
    role: seqhealth_api::Role,
) -> AppResult<()> {
    let me = sessions::info(&state.db, user.user_id).await?;
    let m = &state.mailer;
    let url = format!("{}/accept/{}", m.public_url, link.token);
    let lang = me.user.language.unwrap_or(seqhealth_api::Language::En);
    let letter = letters::invitation(&me.user.name, &me.lab, role, &url, link.expires_at, lang);
    m.send(&link.email, letter);
    Ok(())
}

/// `POST /team/invitations/{id}/resend` (managers): a new link replaces the old one, and
/// is mailed and shown again.
pub async fn resend(
    State(state): State<AppState>,
    user: CurrentUser,
    id: InvitationId,
) -> AppResult<(StatusCode, Json<InvitationLink>)> {
    user.require_manager("send invitations")?;
    let now = chrono::Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    let (link, role) = invitations::resend(&mut tx, user.lab_id, user.user_id, id.0, now).await?;
    tx.commit().await?;
    mail_invitation(&state, &user, &link, role).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// `DELETE /team/invitations/{id}` (managers): the link stops working at once.
pub async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    id: InvitationId,
) -> AppResult<StatusCode> {
    user.require_manager("withdraw invitations")?;
    let now = chrono::Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    invitations::withdraw(&mut tx, user.lab_id, user.user_id, id.0, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /resets/{token}`: whose password the reset link sets.
pub async fn show_reset(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> AppResult<Json<ResetInfo>> {
    let now = chrono::Utc::now().timestamp();
    Ok(Json(resets::find(&state.db, token(&raw)?, now).await?))
}

/// `POST /resets/{token}`: sets the new password, ends every session of the person, and
/// starts a new one here.
pub async fn reset(
    State(state): State<AppState>,
    tls: Option<Extension<OverTls>>,
    jar: CookieJar,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<NewPassword>,
) -> AppResult<(CookieJar, Json<SessionInfo>)> {
    let token = token(&raw)?;
    let now = chrono::Utc::now().timestamp();
    resets::check_password(&state.db, token, &req.password, now).await?;
    let hash = sessions::hash_off_the_runtime(req.password).await?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    let user_id = resets::reset(&mut tx, token, &hash, now).await?;
    tx.commit().await?;
    crate::routes::session::open(&state, tls, jar, user_id, now).await
}

/// `POST /password-reset` ("Forgot password?", no session): the same 202 for every address,
/// at once. Whether it has an account is not said, nor shown by the time taken: the
/// request only checks its rate (per address and account, as logins are, but on its own
/// counters so that asking for someone's links cannot lock them out), and the link is
/// made and mailed after the answer.
pub async fn forgot(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<ResetRequest>,
) -> AppResult<StatusCode> {
    let email = req.email.trim().to_lowercase();
    let now = chrono::Utc::now().timestamp();
    if state.resets.login(&email, addr, now).is_err() {
        return Err(AppError::too_many("too_many_attempts"));
    }
    resets::mail_a_link_later(state.db.clone(), state.mailer.clone(), email, now);
    Ok(StatusCode::ACCEPTED)
}
