//! Silencing one instrument's notifications for a stated time (a service visit): its
//! warnings still show on the dashboard; nobody is mailed about them until then.

use crate::domain::audit::{action, said, text, Event};
use crate::error::{AppError, AppResult};
use seqhealth_api::Figure;
use sqlx::{AnyConnection, AnyPool};

/// The longest silence: a service visit, not a way to forget an instrument.
pub const MAX_SILENCE_SECS: i64 = 30 * 86_400;

pub async fn set(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    instrument_id: i64,
    until: i64,
    reason: &str,
    now: i64,
) -> AppResult<()> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::bad("silence_reason", Vec::new()));
    }
    if until <= now || until > now + MAX_SILENCE_SECS {
        return Err(AppError::bad("silence_until", Vec::new()));
    }
    let nickname = nickname(conn, lab_id, instrument_id).await?;
    sqlx::query(
        "INSERT INTO instrument_silences (instrument_id, until, reason, user_id, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (instrument_id) DO UPDATE SET until = excluded.until, reason = excluded.reason,
             user_id = excluded.user_id, created_at = excluded.created_at",
    )
    .bind(instrument_id)
    .bind(until)
    .bind(reason)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let when = crate::store::to_time(until).format("%Y-%m-%d %H:%M UTC");
    Event::new(
        lab_id,
        Some(user_id),
        action::INSTRUMENT_SILENCED,
        said(
            "audit_silenced",
            vec![text(nickname), text(when), text(reason)],
        ),
    )
    .instrument(instrument_id)
    .record(conn, now)
    .await
}

pub async fn end(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    instrument_id: i64,
    now: i64,
) -> AppResult<()> {
    let nickname = nickname(conn, lab_id, instrument_id).await?;
    sqlx::query("DELETE FROM instrument_silences WHERE instrument_id = $1")
        .bind(instrument_id)
        .execute(&mut *conn)
        .await?;
    let detail = said("audit_as_is", vec![text(nickname)]);
    Event::new(lab_id, Some(user_id), action::SILENCE_ENDED, detail)
        .instrument(instrument_id)
        .record(conn, now)
        .await
}

/// Instrument `id`'s silence (until, Unix seconds, and reason) while it is on at `now`.
pub async fn current(db: &AnyPool, id: i64, now: i64) -> AppResult<Option<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT until, reason FROM instrument_silences WHERE instrument_id = $1 AND until > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(db)
    .await?)
}

/// The nickname of instrument `id` of the lab (404 for another lab's, as for none).
async fn nickname(conn: &mut AnyConnection, lab_id: i64, id: i64) -> AppResult<String> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT nickname FROM instruments WHERE id = $1 AND lab_id = $2")
            .bind(id)
            .bind(lab_id)
            .fetch_optional(conn)
            .await?;
    found.ok_or_else(|| AppError::not_found("no_instrument", vec![Figure::N(id as f64)]))
}
