//! `/replacements`: the lab's upcoming and past component replacements, their lifecycle
//! transitions (managers only), and the list as CSV or iCalendar.

use crate::domain::calendar;
use crate::domain::replacements::{self, lab_zone, Filter};
use crate::domain::words;
use crate::error::{AppError, AppResult};
use crate::http::csv;
use crate::http::download::attachment;
use crate::http::extract::{ApiJson, CurrentUser};
use crate::http::params::{export_lang, ApiQuery, PathId, ReplacementId};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use seqhealth_api::Figure;
use seqhealth_api::{
    CancelRequest, CompleteRequest, LangQuery, ReplacementList, ReplacementQuery, ReplacementRow,
    ReplacementStatus, ScheduleRequest, StatusFilter, MAX_REPLACEMENTS,
};

/// A lab's recommendations are recomputed on a read at most this often.
pub const REFRESH_SECS: i64 = 60;

/// The next read recomputes the lab's recommendations (after a change that may make or
/// allow a new one, such as a cancellation).
fn refresh_soon(state: &AppState, lab_id: i64) {
    state
        .recommended_at
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&lab_id);
}

/// Statuses a `status=` filter selects (`None`: every status); "open" is recommended or
/// scheduled.
fn statuses(s: StatusFilter<ReplacementStatus>) -> Option<&'static [&'static str]> {
    match s {
        StatusFilter::All => None,
        StatusFilter::Open => Some(&["recommended", "scheduled"]),
        StatusFilter::Only(ReplacementStatus::Recommended) => Some(&["recommended"]),
        StatusFilter::Only(ReplacementStatus::Scheduled) => Some(&["scheduled"]),
        StatusFilter::Only(ReplacementStatus::Completed) => Some(&["completed"]),
        StatusFilter::Only(ReplacementStatus::Cancelled) => Some(&["cancelled"]),
    }
}

async fn filter(state: &AppState, user: &CurrentUser, q: ReplacementQuery) -> AppResult<Filter> {
    let instrument = crate::http::params::instrument_filter(state, user, q.instrument).await?;
    Ok(Filter {
        statuses: statuses(q.status),
        instrument,
    })
}

async fn fetch(
    state: &AppState,
    user: &CurrentUser,
    f: Filter,
) -> AppResult<(Vec<ReplacementRow>, bool)> {
    refresh_due(state, user.lab_id).await?;
    let mut conn = state.db.acquire().await?;
    let mut rows = replacements::list(&mut conn, user.lab_id, f, MAX_REPLACEMENTS + 1).await?;
    let truncated = rows.len() > MAX_REPLACEMENTS;
    rows.truncate(MAX_REPLACEMENTS);
    Ok((rows, truncated))
}

/// Recommendations follow the latest predictions and warnings when the list is read, at
/// most every REFRESH_SECS per lab (the periodic sweep refreshes them too).
pub(crate) async fn refresh_due(state: &AppState, lab_id: i64) -> AppResult<()> {
    let now = Utc::now().timestamp();
    let due = {
        let mut last = state
            .recommended_at
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let due = last.get(&lab_id).is_none_or(|&t| now - t >= REFRESH_SECS);
        if due {
            last.insert(lab_id, now);
        }
        due
    };
    if due {
        crate::domain::recommendations::refresh_lab(&state.db, lab_id, now).await?;
    }
    Ok(())
}

/// `GET /replacements?status=&instrument=`
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ReplacementQuery>,
    request: axum::http::HeaderMap,
) -> AppResult<Response> {
    let f = filter(&state, &user, q).await?;
    refresh_due(&state, user.lab_id).await?;
    // Kept per filter until the lab's data changes (recommendations, schedules, names),
    // keyed on the parsed filter: `instrument=7` and `instrument=0007` are one entry.
    let key = format!("{:?}|{:?}", f.statuses, f.instrument);
    let version = (
        0,
        crate::store::cache::lab_version(&state.db, user.lab_id).await?,
    );
    let lab_id = user.lab_id;
    crate::store::cache::json(
        &state.lab_lists,
        (lab_id, "replacements", key),
        version,
        &request,
        async {
            let (replacements, truncated) = fetch(&state, &user, f).await?;
            Ok(ReplacementList {
                replacements,
                truncated,
            })
        },
    )
    .await
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// `GET /replacements.csv?status=&instrument=`: the list as a spreadsheet, times in the
/// lab's zone (named in the header).
pub async fn list_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ReplacementQuery>,
    ApiQuery(lang): ApiQuery<LangQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let words = words::lexicon(export_lang(lang, &headers));
    let f = filter(&state, &user, q).await?;
    let (rows, _) = fetch(&state, &user, f).await?;
    let tz = lab_zone(&mut *state.db.acquire().await?, user.lab_id).await?;
    let zone = tz.name();
    let mut out = String::new();
    csv::row(
        &mut out,
        &[
            words.t("id", &[]),
            words.t("instrument", &[]),
            words.t("serial", &[]),
            words.t("subsystem", &[]),
            words.t("component", &[]),
            words.t("status", &[]),
            words.t("replace by ({0})", &[&zone]),
            words.t("appointment start ({0})", &[&zone]),
            words.t("appointment end ({0})", &[&zone]),
            words.t("scheduled by", &[]),
            words.t("why", &[]),
            words.t("cancel reason", &[]),
            words.t("completed ({0})", &[&zone]),
            words.t("completed by", &[]),
        ],
    );
    for r in &rows {
        let a = r.appointment.as_ref();
        csv::row(
            &mut out,
            &[
                r.id.to_string(),
                r.instrument_nickname.clone(),
                r.instrument_serial.clone(),
                words.value(r.subsystem.as_str(), r.subsystem.label()),
                words.t(&r.component, &[]),
                words.value(r.status.as_str(), r.status.label()),
                local(r.replace_by, tz),
                a.map(|a| local(a.starts_at, tz)).unwrap_or_default(),
                a.map(|a| local(a.ends_at, tz)).unwrap_or_default(),
                a.and_then(|a| a.scheduled_by.clone()).unwrap_or_default(),
                words.say(r.reason_said.as_ref(), &r.reason),
                r.cancel_reason.clone().unwrap_or_default(),
                r.completed_at.map(|t| local(t, tz)).unwrap_or_default(),
                r.completed_by.clone().unwrap_or_default(),
            ],
        );
    }
    Ok(attachment(
        "text/csv; charset=utf-8",
        "replacements.csv",
        out,
    ))
}

/// `GET /replacements.ics`: a one-click download of the lab's appointments.
pub async fn ics(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(lang): ApiQuery<LangQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let words = words::lexicon(export_lang(lang, &headers));
    let body = calendar::lab_calendar(&mut *state.db.acquire().await?, user.lab_id, words).await?;
    Ok(attachment(
        "text/calendar; charset=utf-8",
        "seqhealth-replacements.ics",
        body,
    ))
}

/// The checks every transition shares: the replacement is the caller's lab's (else 404),
/// and the caller a manager (else 403).
async fn guard(state: &AppState, user: &CurrentUser, id: i64, what: &str) -> AppResult<i64> {
    replacements::get(&mut *state.db.acquire().await?, user.lab_id, id).await?;
    user.require_manager(what)?;
    Ok(id)
}

/// `POST /replacements/{id}/schedule`
pub async fn schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id, _): ReplacementId,
    ApiJson(req): ApiJson<ScheduleRequest>,
) -> AppResult<Json<ReplacementRow>> {
    let id = guard(&state, &user, id, "schedule replacements").await?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    let row = replacements::schedule(
        &mut tx,
        user.lab_id,
        user.user_id,
        id,
        &req,
        Utc::now().timestamp(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(row))
}

/// `POST /replacements/{id}/reschedule`
pub async fn reschedule(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id, _): ReplacementId,
    ApiJson(req): ApiJson<ScheduleRequest>,
) -> AppResult<Json<ReplacementRow>> {
    let id = guard(&state, &user, id, "reschedule replacements").await?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    let row = replacements::reschedule(
        &mut tx,
        user.lab_id,
        user.user_id,
        id,
        &req,
        Utc::now().timestamp(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(row))
}

/// `POST /replacements/{id}/cancel`
pub async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id, _): ReplacementId,
    ApiJson(req): ApiJson<CancelRequest>,
) -> AppResult<Json<ReplacementRow>> {
    let id = guard(&state, &user, id, "cancel replacements").await?;
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::length("reason", 500));
    }
    let mut tx = crate::store::begin_write(&state.db).await?;
    let row = replacements::cancel(
        &mut tx,
        user.lab_id,
        user.user_id,
        id,
        reason,
        Utc::now().timestamp(),
    )
    .await?;
    tx.commit().await?;
    refresh_soon(&state, user.lab_id);
    Ok(Json(row))
}

/// `POST /replacements/{id}/complete`
pub async fn complete(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id, _): ReplacementId,
    ApiJson(req): ApiJson<CompleteRequest>,
) -> AppResult<Json<ReplacementRow>> {
    let id = guard(&state, &user, id, "mark replacements completed").await?;
    let note = req.note.as_deref().map(str::trim);
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(AppError::bad(
            "field_max",
            vec![Figure::Text("note".into()), Figure::N(500.0)],
        ));
    }
    let mut tx = crate::store::begin_write(&state.db).await?;
    let row = replacements::complete(
        &mut tx,
        user.lab_id,
        user.user_id,
        id,
        note,
        Utc::now().timestamp(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(row))
}
