//! The lab's calendar feed. A calendar app cannot log in, so the feed's address carries a
//! per-lab secret; only its hash is stored, a manager can replace it (the old address
//! stops working at once), and the address is shown only when it is made.

use crate::domain::calendar;
use crate::domain::words;
use crate::error::{AppError, AppResult};
use crate::http::extract::CurrentUser;
use crate::http::params::{export_lang, ApiQuery};
use crate::state::AppState;
use crate::store::to_time;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use rand::RngCore;
use seqhealth_api::{CalendarFeed, CalendarInfo, LangQuery, API_PREFIX};

/// `GET /calendar`: whether the lab has a feed, and since when.
pub async fn info(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<CalendarInfo>> {
    let created = calendar::created_at(&state.db, user.lab_id).await?;
    Ok(Json(CalendarInfo {
        has_feed: created.is_some(),
        created_at: created.map(to_time),
    }))
}

/// `POST /calendar/token` (managers): a new feed address; the previous one stops working.
pub async fn rotate(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<CalendarFeed>> {
    user.require_manager("create calendar links")?;
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    let token = hex::encode(secret);
    let now = Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    calendar::rotate(&mut tx, user.lab_id, user.user_id, &token, now).await?;
    tx.commit().await?;
    Ok(Json(CalendarFeed {
        path: format!("{API_PREFIX}/calendar/{token}.ics"),
        created_at: to_time(now),
    }))
}

/// `GET /calendar/{token}.ics`: the feed, for calendar apps (no session).
pub async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    ApiQuery(lang): ApiQuery<LangQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let unknown = || {
        AppError::NotFound(
            "no calendar at this address; ask a lab manager for the current link".into(),
        )
    };
    let token = file.strip_suffix(".ics").ok_or_else(unknown)?;
    let lab = calendar::lab_of(&state.db, token).await?;
    let lab = lab.ok_or_else(unknown)?;
    let words = words::lexicon(export_lang(lang, &headers));
    let body = calendar::lab_calendar(&mut *state.db.acquire().await?, lab, words).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}
