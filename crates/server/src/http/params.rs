//! Query strings and path ids as the API takes them: parsed here, with the API's JSON
//! 400 / 404 for a bad one, before any handler runs its operation.

use crate::domain::instruments;
use crate::error::{AppError, AppResult};
use crate::http::extract::CurrentUser;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use seqhealth_api::Figure;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// A query string as one of `seqhealth_api`'s query types; a bad one answers the JSON 400
/// whose detail names the field (the type's own sentence).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
            .map(ApiQuery)
            .map_err(|e| AppError::BadRequest(e.to_string()))
    }
}

/// The language an export is worded in: its `?lang=`, else the request's
/// `Accept-Language`, else English.
pub fn export_lang(
    q: seqhealth_api::LangQuery,
    headers: &axum::http::HeaderMap,
) -> seqhealth_api::Language {
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    crate::domain::words::choose(q.lang, accept)
}

/// What a path id names, for the 404 of an id that is not a number.
pub trait Noun {
    const NOUN: &'static str;
}

pub enum OfInstrument {}
pub enum OfWarning {}
pub enum OfReplacement {}
pub enum OfPlannedRun {}
pub enum OfUser {}
pub enum OfInvitation {}
pub enum OfWebhook {}

impl Noun for OfInstrument {
    const NOUN: &'static str = "instrument";
}
impl Noun for OfWarning {
    const NOUN: &'static str = "warning";
}
impl Noun for OfReplacement {
    const NOUN: &'static str = "replacement";
}
impl Noun for OfPlannedRun {
    const NOUN: &'static str = "planned run";
}
impl Noun for OfUser {
    const NOUN: &'static str = "user";
}
impl Noun for OfInvitation {
    const NOUN: &'static str = "invitation";
}
impl Noun for OfWebhook {
    const NOUN: &'static str = "webhook";
}

/// The `{id}` of a path, a number or the one JSON 404 ("no warning with id \"x\""): an id
/// that cannot exist is not found, like one of another lab. Whether it is the caller's
/// lab's is the domain's check.
pub struct PathId<N>(pub i64, pub PhantomData<N>);

impl<S: Send + Sync, N: Noun> FromRequestParts<S> for PathId<N> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let not_found = |raw: &str| AppError::NotFound(format!("no {} with id {raw:?}", N::NOUN));
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| not_found(""))?;
        raw.parse()
            .map(|id| PathId(id, PhantomData))
            .map_err(|_| not_found(&raw))
    }
}

pub type InstrumentId = PathId<OfInstrument>;
pub type WarningId = PathId<OfWarning>;
pub type ReplacementId = PathId<OfReplacement>;
pub type PlannedRunId = PathId<OfPlannedRun>;
pub type UserId = PathId<OfUser>;
pub type InvitationId = PathId<OfInvitation>;
pub type WebhookId = PathId<OfWebhook>;

/// The instrument of a path, if it is the caller's lab's (else the one 404).
pub async fn instrument_in_lab(
    state: &AppState,
    user: &CurrentUser,
    id: InstrumentId,
) -> AppResult<i64> {
    instruments::in_lab(&state.db, user.lab_id, id.0).await
}

/// An `?instrument=` filter (already a number: the query type checked it): another lab's
/// (or an unknown) instrument is 404 — the same answer, so a filter probes nothing.
pub async fn instrument_filter(
    state: &AppState,
    user: &CurrentUser,
    instrument: Option<i64>,
) -> AppResult<Option<i64>> {
    match instrument {
        None => Ok(None),
        Some(id) => Ok(Some(instruments::in_lab(&state.db, user.lab_id, id).await?)),
    }
}

/// Default window when none is asked: the last year.
pub const DEFAULT_WINDOW_DAYS: i64 = 365;

/// Accepts RFC 3339 times or plain dates (a `to` date includes that whole day).
fn parse_bound(name: &str, s: &str, end_of_day: bool) -> AppResult<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let d = if end_of_day {
            d.succ_opt().unwrap_or(d)
        } else {
            d
        };
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err(AppError::bad(
        "bad_date",
        vec![Figure::Text(name.into()), Figure::Text(format!("{s:?}"))],
    ))
}

pub fn window(
    q: &seqhealth_api::WindowQuery,
    now: DateTime<Utc>,
) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    window_or(q.from.as_deref(), q.to.as_deref(), now, DEFAULT_WINDOW_DAYS)
}

/// The `[from, to)` a query asks for, `default_days` back from `to` when `from` is absent.
pub fn window_or(
    from: Option<&str>,
    to: Option<&str>,
    now: DateTime<Utc>,
    default_days: i64,
) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let to = match to {
        Some(s) => parse_bound("to", s, true)?,
        None => now,
    };
    let from = match from {
        Some(s) => parse_bound("from", s, false)?,
        None => to - Duration::days(default_days),
    };
    if from >= to {
        return Err(AppError::bad(
            "bad_window",
            vec![Figure::Text(from.to_string()), Figure::Text(to.to_string())],
        ));
    }
    Ok((from, to))
}
