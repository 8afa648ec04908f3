//! The lab's calendar feed. A calendar app cannot log in, so the feed's address carries a
//! per-lab secret; only its hash is stored, a manager can replace it (the old address
//! stops working at once).

use super::ics::{self, CalendarEvent};
use crate::domain::audit::{action, said, Event};
use crate::domain::credentials::hash_token;
use crate::domain::replacements::{self, Filter};
use crate::error::AppResult;
use chrono::Utc;
use seqhealth_api::MAX_REPLACEMENTS;
use sqlx::{Any, AnyConnection, AnyPool, Transaction};

/// When the lab's current feed address was made, if it has one.
pub async fn created_at(db: &AnyPool, lab_id: i64) -> AppResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT calendar_token_created_at FROM labs WHERE id = $1")
            .bind(lab_id)
            .fetch_one(db)
            .await?,
    )
}

/// Makes `token` the lab's feed secret (the previous one stops working), in `tx`.
pub async fn rotate(
    tx: &mut Transaction<'_, Any>,
    lab_id: i64,
    user_id: i64,
    token: &str,
    now: i64,
) -> AppResult<()> {
    let had: Option<i64> =
        sqlx::query_scalar("SELECT calendar_token_created_at FROM labs WHERE id = $1")
            .bind(lab_id)
            .fetch_one(&mut **tx)
            .await?;
    sqlx::query(
        "UPDATE labs SET calendar_token_hash = $1, calendar_token_created_at = $2 WHERE id = $3",
    )
    .bind(hash_token(token))
    .bind(now)
    .bind(lab_id)
    .execute(&mut **tx)
    .await?;
    let detail = match had {
        Some(_) => said("audit_feed_new", vec![]),
        None => said("audit_feed_created", vec![]),
    };
    Event::new(lab_id, Some(user_id), action::CALENDAR_LINK_CREATED, detail)
        .record(tx, now)
        .await?;
    Ok(())
}

/// The lab whose feed secret `token` is.
pub async fn lab_of(db: &AnyPool, token: &str) -> AppResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM labs WHERE calendar_token_hash = $1")
            .bind(hash_token(token))
            .fetch_optional(db)
            .await?,
    )
}

/// The lab's appointments as an iCalendar document (download and subscribed feed alike).
/// Its sentences (why each replacement) worded by `words`.
pub async fn lab_calendar(
    conn: &mut AnyConnection,
    lab_id: i64,
    words: &crate::domain::words::Catalog,
) -> AppResult<String> {
    let (name, zone): (String, String) =
        sqlx::query_as("SELECT name, time_zone FROM labs WHERE id = $1")
            .bind(lab_id)
            .fetch_one(&mut *conn)
            .await?;
    let rows = replacements::list(&mut *conn, lab_id, Filter::default(), MAX_REPLACEMENTS).await?;
    let sequences: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT r.id, r.sequence FROM replacements r JOIN instruments i ON i.id = r.instrument_id WHERE i.lab_id = $1",
    )
    .bind(lab_id)
    .fetch_all(&mut *conn)
    .await?;
    let sequence = |id: i64| sequences.iter().find(|s| s.0 == id).map_or(0, |s| s.1);
    let events: Vec<CalendarEvent> = rows
        .iter()
        .map(|r| CalendarEvent {
            replacement: r,
            sequence: sequence(r.id),
        })
        .collect();
    Ok(ics::render(
        &name,
        replacements::zone(&zone),
        &events,
        words,
        Utc::now(),
    ))
}
