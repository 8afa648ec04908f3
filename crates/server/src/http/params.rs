//! Query strings and path ids as the API takes them: parsed here, with the API's JSON
//! 400 / 404 for a bad one, before any handler runs its operation.

use crate::domain::instruments;
use crate::error::{AppError, AppResult};
use crate::http::extract::CurrentUser;
use crate::state::AppState;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

/// Path ids arrive as text so a non-number answers in the API's JSON error shape.
pub async fn instrument_in_lab(state: &AppState, user: &CurrentUser, id: &str) -> AppResult<i64> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("no instrument with id {id:?}")))?;
    instruments::in_lab(&state.db, user.lab_id, id).await
}

/// An `?instrument=` filter: empty is none, a non-number is 400, another lab's (or an
/// unknown) instrument is 404 — the same answer, so a filter probes nothing.
pub async fn instrument_filter(
    state: &AppState,
    user: &CurrentUser,
    value: Option<&str>,
) -> AppResult<Option<i64>> {
    match value {
        None | Some("") => Ok(None),
        Some(s) => {
            s.parse::<i64>().map_err(|_| {
                AppError::BadRequest(format!("`instrument` must be an instrument id, not {s:?}"))
            })?;
            Ok(Some(instrument_in_lab(state, user, s).await?))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RunWindow {
    from: Option<String>,
    to: Option<String>,
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
    Err(AppError::BadRequest(format!(
        "`{name}` must be a date (2026-01-31) or an RFC 3339 time (2026-01-31T12:00:00Z), not {s:?}"
    )))
}

pub fn window(q: &RunWindow, now: DateTime<Utc>) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
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
        return Err(AppError::BadRequest(format!(
            "`from` ({from}) must be before `to` ({to})"
        )));
    }
    Ok((from, to))
}
