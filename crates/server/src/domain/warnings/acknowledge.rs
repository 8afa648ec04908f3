//! A manager acknowledges a warning: active → acknowledged, with who, when and why.

use crate::domain::audit;
use crate::error::{AppError, AppResult};
use seqhealth_api::WarningStatus;
use sqlx::{Any, AnyPool, Transaction};

/// The status of warning `id` if it belongs to `lab_id`; 404 otherwise.
pub async fn status_in_lab(db: &AnyPool, lab_id: i64, id: i64) -> AppResult<String> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT w.status FROM warnings w JOIN instruments i ON i.id = w.instrument_id WHERE w.id = $1 AND i.lab_id = $2",
    )
    .bind(id)
    .bind(lab_id)
    .fetch_optional(db)
    .await?;
    status.ok_or_else(|| AppError::NotFound(format!("no warning with id {id} in your lab")))
}

/// Acknowledges warning `id` (of `lab_id`) for `user_id` with `reason`, in `tx`, which
/// must be the exclusive write transaction: the status is read and changed in it, so of
/// two managers at once exactly one succeeds and the other gets 409.
pub async fn acknowledge(
    tx: &mut Transaction<'_, Any>,
    lab_id: i64,
    user_id: i64,
    id: i64,
    reason: &str,
    now: i64,
) -> AppResult<()> {
    let status: String = sqlx::query_scalar("SELECT status FROM warnings WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let refused = || {
        AppError::Conflict(format!(
            "warning {id} is {status}; only an active warning can be acknowledged"
        ))
    };
    // The lifecycle is the health crate's; the status was read in this exclusive
    // transaction, so it cannot change before the UPDATE below.
    WarningStatus::parse(&status)
        .ok_or_else(refused)
        .and_then(|s| seqhealth_health::warning::acknowledge(s).map_err(|_| refused()))?;
    let changed = sqlx::query(
        "UPDATE warnings SET status = 'acknowledged', acknowledged_by = $1, acknowledged_at = $2, acknowledge_reason = $3
         WHERE id = $4 AND status = 'active'",
    )
    .bind(user_id)
    .bind(now)
    .bind(reason)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(refused());
    }
    let (instrument_id, message): (i64, String) =
        sqlx::query_as("SELECT instrument_id, message FROM warnings WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    let detail = format!("Acknowledged warning: {message} — {reason}");
    audit::Event::new(lab_id, Some(user_id), audit::action::ACKNOWLEDGED, detail)
        .instrument(instrument_id)
        .warning(Some(id))
        .record(tx, now)
        .await
}
