//! Instrument tokens: which instrument a token is, revoked tokens, revocation.

use super::placeholder;
use crate::domain::audit::{action, said, Event};
use crate::domain::credentials::hash_token;
use crate::error::{AppError, AppResult};
use sqlx::{Any, Transaction};

/// The instrument whose current token `token` is.
pub async fn instrument_of(db: &sqlx::AnyPool, token: &str) -> AppResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM instruments WHERE token_hash = $1")
            .bind(hash_token(token))
            .fetch_optional(db)
            .await?,
    )
}

/// When a manager revoked `token`, if it is a revoked instrument token.
pub async fn revoked_at(db: &sqlx::AnyPool, token: &str) -> AppResult<Option<i64>> {
    Ok(
        sqlx::query_scalar(
            "SELECT token_revoked_at FROM instruments WHERE revoked_token_hash = $1",
        )
        .bind(hash_token(token))
        .fetch_optional(db)
        .await?
        .flatten(),
    )
}

/// Heard from the instrument at `now`: what "connected, last contact N s ago" shows.
pub async fn heard_from(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    instrument_id: i64,
    now: i64,
) -> AppResult<()> {
    sqlx::query("UPDATE instruments SET last_contact_at = $1 WHERE id = $2")
        .bind(now)
        .bind(instrument_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Revokes instrument `id`'s token (of `lab_id`) at once: its pushes answer 401 saying so.
pub async fn revoke(
    tx: &mut Transaction<'_, Any>,
    lab_id: i64,
    user_id: i64,
    id: i64,
    now: i64,
) -> AppResult<()> {
    let changed = sqlx::query(
        "UPDATE instruments SET revoked_token_hash = token_hash, token_hash = $1, token_revoked_at = $2
         WHERE id = $3 AND token_hash NOT LIKE 'pending:%' AND token_hash NOT LIKE 'revoked:%'",
    )
    .bind(placeholder("revoked", id, now))
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(AppError::conflict("no_token", Vec::new()));
    }
    let detail = said("audit_token_revoked", vec![]);
    Event::new(lab_id, Some(user_id), action::TOKEN_REVOKED, detail)
        .instrument(id)
        .record(tx, now)
        .await?;
    Ok(())
}
