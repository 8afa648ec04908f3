//! The lab's calendar feed. A calendar app cannot log in, so the feed's address carries a
//! per-lab secret; only its hash is stored, a manager can replace it (the old address
//! stops working at once), and the address is shown only when it is made.

use crate::audit::{self, action, Event};
use crate::auth::hash_token;
use crate::db::to_time;
use crate::error::{AppError, AppResult};
use crate::extract::CurrentUser;
use crate::routes::replacements::lab_calendar;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use rand::RngCore;
use seqhealth_api::{CalendarFeed, CalendarInfo, API_PREFIX};

/// `GET /calendar`: whether the lab has a feed, and since when.
pub async fn info(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<CalendarInfo>> {
    let created: Option<i64> =
        sqlx::query_scalar("SELECT calendar_token_created_at FROM labs WHERE id = $1")
            .bind(user.lab_id)
            .fetch_one(&state.db)
            .await?;
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
    let mut tx = crate::db::begin_write(&state.db).await?;
    let had: Option<i64> =
        sqlx::query_scalar("SELECT calendar_token_created_at FROM labs WHERE id = $1")
            .bind(user.lab_id)
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query(
        "UPDATE labs SET calendar_token_hash = $1, calendar_token_created_at = $2 WHERE id = $3",
    )
    .bind(hash_token(&token))
    .bind(now)
    .bind(user.lab_id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        now,
        Event {
            lab_id: user.lab_id,
            user_id: Some(user.user_id),
            action: action::CALENDAR_LINK_CREATED,
            detail: if had.is_some() {
                "New calendar subscription link; the previous link no longer works".into()
            } else {
                "Calendar subscription link created".into()
            },
            ..Event::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(CalendarFeed {
        path: format!("{API_PREFIX}/calendar/{token}.ics"),
        created_at: to_time(now),
    }))
}

/// `GET /calendar/{token}.ics`: the feed, for calendar apps (no session).
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let unknown = || {
        AppError::NotFound(
            "no calendar at this address; ask a lab manager for the current link".into(),
        )
    };
    let token = file.strip_suffix(".ics").ok_or_else(unknown)?;
    let lab: Option<i64> = sqlx::query_scalar("SELECT id FROM labs WHERE calendar_token_hash = $1")
        .bind(hash_token(token))
        .fetch_optional(&state.db)
        .await?;
    let lab = lab.ok_or_else(unknown)?;
    let body = lab_calendar(&mut *state.db.acquire().await?, lab).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}
