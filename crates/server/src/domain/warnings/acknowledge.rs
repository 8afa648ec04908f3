//! A manager acknowledges a warning: active → acknowledged, with who, when and why.

use crate::domain::audit;
use crate::error::{AppError, AppResult};
use seqhealth_api::Figure;
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
    status.ok_or_else(|| AppError::not_found("no_warning", vec![Figure::N(id as f64)]))
}

/// Acknowledges warning `id` (of `lab_id`) for `user_id` with `reason`, in `tx`, which
/// must be the exclusive write transaction: the status is read and changed in it, so of
/// two managers at once exactly one succeeds and the other gets 409. An acknowledged
/// warning that got worse afterwards (`worse_at` after `acknowledged_at`) is acknowledged
/// again: who, when and why are replaced, and the audit log says it was again.
pub async fn acknowledge(
    tx: &mut Transaction<'_, Any>,
    lab_id: i64,
    user_id: i64,
    id: i64,
    reason: &str,
    now: i64,
) -> AppResult<()> {
    let (status, acknowledged_at, worse_at): (String, Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT status, acknowledged_at, worse_at FROM warnings WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    let refused = || {
        // The status's label, in lower case: "acknowledged", "resolved".
        let label = match status.as_str() {
            "active" => "Active",
            "acknowledged" => "Acknowledged",
            "resolved" => "Resolved",
            other => other,
        };
        AppError::conflict(
            "warning_refused",
            vec![Figure::N(id as f64), Figure::Lower(label.into())],
        )
    };
    let again = status == "acknowledged"
        && matches!((worse_at, acknowledged_at), (Some(w), Some(a)) if w > a);
    // The lifecycle is the health crate's; the status was read in this exclusive
    // transaction, so it cannot change before the UPDATE below.
    if !again {
        WarningStatus::parse(&status)
            .ok_or_else(refused)
            .and_then(|s| seqhealth_health::warning::acknowledge(s).map_err(|_| refused()))?;
    }
    let changed = sqlx::query(
        "UPDATE warnings SET status = 'acknowledged', acknowledged_by = $1, acknowledged_at = $2, acknowledge_reason = $3
         WHERE id = $4 AND (status = 'active'
            OR (status = 'acknowledged' AND worse_at > acknowledged_at))",
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
    let (instrument_id, message, message_said): (i64, String, Option<String>) =
        sqlx::query_as("SELECT instrument_id, message, said FROM warnings WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    // The warning's cause as data where it has one, so the log words it too.
    let cause = crate::domain::words::read(message_said.as_deref())
        .map_or_else(|| audit::text(message), Figure::said);
    let code = match again {
        true => "audit_acknowledged_again",
        false => "audit_acknowledged",
    };
    let detail = audit::said(code, vec![cause, audit::text(reason)]);
    audit::Event::new(lab_id, Some(user_id), audit::action::ACKNOWLEDGED, detail)
        .instrument(instrument_id)
        .warning(Some(id))
        .record(tx, now)
        .await
}
