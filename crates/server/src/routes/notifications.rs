//! Notifications: one's own preferences (`/account/notifications`), the lab's settings
//! (`/notifications/settings`), webhooks (`/webhooks`), the delivery log
//! (`/notifications/deliveries`), silencing an instrument (`/instruments/{id}/silence`)
//! and the unsubscribe links mail carries (`/unsubscribe/{token}`: no login, the signed
//! token is the credential; the link shows a button, so a mail scanner that opens it
//! unsubscribes nobody).

use crate::domain::notify::{deliveries, prefs, silence, unsubscribe, webhooks};
use crate::domain::words::lexicon;
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, CurrentUser};
use crate::http::params::{InstrumentId, WebhookId};
use crate::mail::letters::escape;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use seqhealth_api::notify::{
    DeliveryLog, NewWebhook, NotifyKind, NotifyPrefs, NotifySettings, SilenceRequest, Webhook,
    WebhookCreated, WebhookEnabled,
};
use seqhealth_api::words::Lexicon;
use seqhealth_api::Language;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub async fn my_prefs(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<NotifyPrefs>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(
        prefs::prefs(&mut conn, user.user_id, user.role).await?,
    ))
}

pub async fn set_my_prefs(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NotifyPrefs>,
) -> AppResult<Json<NotifyPrefs>> {
    let mut tx = crate::store::begin_write(&state.db).await?;
    prefs::set_prefs(&mut tx, user.user_id, &req).await?;
    let now = prefs::prefs(&mut tx, user.user_id, user.role).await?;
    tx.commit().await?;
    Ok(Json(now))
}

pub async fn settings(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<NotifySettings>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(prefs::settings(&mut conn, user.lab_id).await?))
}

pub async fn set_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NotifySettings>,
) -> AppResult<Json<NotifySettings>> {
    user.require_manager("change the lab's notification settings")?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    prefs::set_settings(&mut tx, user.lab_id, user.user_id, &req, now()).await?;
    let saved = prefs::settings(&mut tx, user.lab_id).await?;
    tx.commit().await?;
    Ok(Json(saved))
}

pub async fn list_webhooks(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<Webhook>>> {
    user.require_manager("see the lab's webhooks")?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(webhooks::list(&mut conn, user.lab_id).await?))
}

pub async fn add_webhook(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewWebhook>,
) -> AppResult<(StatusCode, Json<WebhookCreated>)> {
    user.require_manager("add webhooks")?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    let made = webhooks::create(&mut tx, user.lab_id, user.user_id, &req, now()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub async fn enable_webhook(
    State(state): State<AppState>,
    user: CurrentUser,
    id: WebhookId,
    ApiJson(req): ApiJson<WebhookEnabled>,
) -> AppResult<Json<Webhook>> {
    user.require_manager("turn webhooks on or off")?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    let hook =
        webhooks::set_enabled(&mut tx, user.lab_id, user.user_id, id.0, req.enabled, now()).await?;
    tx.commit().await?;
    Ok(Json(hook))
}

pub async fn test_webhook(
    State(state): State<AppState>,
    user: CurrentUser,
    id: WebhookId,
) -> AppResult<StatusCode> {
    user.require_manager("test webhooks")?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    webhooks::test(&mut tx, user.lab_id, user.user_id, id.0, now()).await?;
    tx.commit().await?;
    Ok(StatusCode::ACCEPTED)
}

pub async fn remove_webhook(
    State(state): State<AppState>,
    user: CurrentUser,
    id: WebhookId,
) -> AppResult<StatusCode> {
    user.require_manager("remove webhooks")?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    webhooks::remove(&mut tx, user.lab_id, user.user_id, id.0, now()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delivery_log(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<DeliveryLog>> {
    user.require_manager("see the delivery log")?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(deliveries::log(&mut conn, user.lab_id).await?))
}

pub async fn silence_instrument(
    State(state): State<AppState>,
    user: CurrentUser,
    id: InstrumentId,
    ApiJson(req): ApiJson<SilenceRequest>,
) -> AppResult<StatusCode> {
    user.require_manager("silence an instrument's notifications")?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    silence::set(
        &mut tx,
        user.lab_id,
        user.user_id,
        id.0,
        req.until.timestamp(),
        &req.reason,
        now(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn end_silence(
    State(state): State<AppState>,
    user: CurrentUser,
    id: InstrumentId,
) -> AppResult<StatusCode> {
    user.require_manager("end an instrument's silence")?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    silence::end(&mut tx, user.lab_id, user.user_id, id.0, now()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of the unsubscribe link, in its person's language.
fn page(status: StatusCode, lang: Language, body: &str) -> impl IntoResponse {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
             <body style=\"font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em\">{body}</body></html>",
            code = lang.code(),
            title = escape(&lexicon(lang).t("seqhealth: unsubscribe", &[])),
        ),
    )
}

/// A kind of event as a page says it: "critical warnings", "avvisi critici".
fn kind_words(lang: Language, kind: NotifyKind) -> String {
    let w = lexicon(lang);
    escape(&w.lower(w.tr(kind.label())))
}

fn bad_link() -> AppError {
    AppError::not_found("unsubscribe_invalid", Vec::new())
}

/// `GET /unsubscribe/{token}`: what the link would stop, and a button to confirm.
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<impl IntoResponse> {
    let mut conn = state.db.acquire().await?;
    let key = unsubscribe::key(&mut conn).await?;
    let Some((user_id, kind)) = unsubscribe::verify(&key, &token) else {
        return Err(bad_link());
    };
    let lang = unsubscribe::language(&mut conn, user_id).await?;
    let (w, what) = (lexicon(lang), kind_words(lang, kind));
    Ok(page(
        StatusCode::OK,
        lang,
        &format!(
            "<h1>{ask}</h1><form method=\"post\"><button type=\"submit\">{stop}</button></form>\
             <p>{back}</p>",
            ask = w.t("Stop mail about {0}?", &[&what]),
            stop = w.t("Stop mail about {0}", &[&what]),
            back = escape(&w.t("You can change it back on your Account page.", &[])),
        ),
    ))
}

/// `POST /unsubscribe/{token}` (the page's button, or a mail program's one-click
/// unsubscribe).
pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<impl IntoResponse> {
    let mut tx = crate::store::begin_write(&state.db).await?;
    let done = unsubscribe::apply(&mut tx, &token).await?;
    tx.commit().await?;
    let Some((email, kind, lang)) = done else {
        return Err(bad_link());
    };
    let w = lexicon(lang);
    Ok(page(
        StatusCode::OK,
        lang,
        &format!(
            "<h1>{}</h1><p>{}</p>",
            escape(&w.t("Done", &[])),
            w.t(
                "{0} gets no more mail about {1}.",
                &[&escape(&email), &kind_words(lang, kind)]
            ),
        ),
    ))
}
