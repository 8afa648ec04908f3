//! What time alone makes news: a critical warning nobody acknowledged within the lab's
//! delay (escalated to every manager and the webhooks), one still open after the
//! reminder interval, and a replacement coming due within 7 days.

use super::outbox::{self, Reason};
use super::prefs;
use crate::error::AppResult;
use sqlx::AnyPool;

/// How far ahead a replacement counts as due.
pub const DUE_WITHIN_SECS: i64 = 7 * 86_400;

/// A critical warning told about: id, lab, status, first told, escalated, reminded.
type Told = (i64, i64, String, i64, Option<i64>, Option<i64>);

/// Records the escalations, reminders and due replacements that are due at `now`;
/// returns how many events it recorded.
pub async fn sweep(db: &AnyPool, now: i64) -> AppResult<usize> {
    let mut tx = crate::store::begin_write(db).await?;
    let mut made = 0;
    // Critical warnings told about (so fresh ones, not a replayed history), by when first
    // told; a booked replacement mutes them as it mutes their notifications.
    let told: Vec<Told> = sqlx::query_as(
        "SELECT w.id, i.lab_id, w.status, MIN(e.created_at), w.escalated_at, w.reminded_at
         FROM notify_events e JOIN warnings w ON w.id = e.warning_id
              JOIN instruments i ON i.id = w.instrument_id
         WHERE e.kind = 'critical_warning' AND e.reason IN ('opened', 'worse')
           AND w.status <> 'resolved' AND w.severity = 'critical'
           AND NOT EXISTS (SELECT 1 FROM replacements r
                WHERE r.instrument_id = w.instrument_id AND w.rule IN ('threshold:' || r.sensor, 'rate:' || r.sensor)
                  AND r.status = 'scheduled' AND r.slot_end > $1
                  AND (w.worse_at IS NULL OR w.worse_at < r.updated_at))
         GROUP BY w.id, i.lab_id, w.status, w.escalated_at, w.reminded_at",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    for (warning, lab_id, status, told_at, escalated, reminded) in told {
        let lab = prefs::lab(&mut tx, lab_id).await?;
        if status == "active" && escalated.is_none() && told_at <= now - lab.escalate_after_s {
            sqlx::query("UPDATE warnings SET escalated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(warning)
                .execute(&mut *tx)
                .await?;
            outbox::warning_event(&mut tx, warning, Reason::Escalated, now).await?;
            made += 1;
        } else if reminded.unwrap_or(told_at) <= now - lab.remind_every_s {
            sqlx::query("UPDATE warnings SET reminded_at = $1 WHERE id = $2")
                .bind(now)
                .bind(warning)
                .execute(&mut *tx)
                .await?;
            outbox::warning_event(&mut tx, warning, Reason::Reminder, now).await?;
            made += 1;
        }
    }
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM replacements
         WHERE status IN ('recommended', 'scheduled') AND due_notified_at IS NULL
           AND COALESCE(slot_start, replace_by) >= $1 AND COALESCE(slot_start, replace_by) <= $2",
    )
    .bind(now)
    .bind(now + DUE_WITHIN_SECS)
    .fetch_all(&mut *tx)
    .await?;
    for id in due {
        sqlx::query("UPDATE replacements SET due_notified_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        outbox::replacement_event(&mut tx, id, Reason::Due, now).await?;
        made += 1;
    }
    tx.commit().await?;
    Ok(made)
}
