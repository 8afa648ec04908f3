//! Deliveries: claimed by one worker at a time (a lease, taken under the write lock, so
//! several server processes on one PostgreSQL database never send the same one twice
//! at once, and a worker killed mid-send lets it go when the lease ends), then marked
//! sent, retried with backoff, or failed; and the log managers read.

use super::fanout::{EventRow, EVENT_COLUMNS};
use crate::error::AppResult;
use crate::store::to_time;
use seqhealth_api::notify::{Delivery, DeliveryLog, DeliveryStatus, MAX_DELIVERIES};
use seqhealth_api::Language;
use sqlx::{AnyConnection, AnyPool};

/// How long a worker holds a claimed delivery by default: longer than a send can take.
pub const LEASE_SECS: i64 = 120;
/// Deliveries that keep failing are given up after this long.
pub const GIVE_UP_SECS: i64 = 24 * 3_600;
/// The longest wait between two attempts.
pub const MAX_BACKOFF_SECS: i64 = 3_600;

/// A delivery a worker holds, with all it needs to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub channel: String,
    pub target: String,
    pub subject: String,
    pub delivery_key: String,
    pub attempts: i64,
    pub created_at: i64,
    pub user_id: Option<i64>,
    /// The recipient's language: a person's own (English until they choose one); a
    /// webhook's is English (the lab's chat, not a person: a lab has no language).
    pub lang: Language,
    /// The webhook's secret, for its signature.
    pub secret: Option<String>,
    pub lab_name: String,
    pub time_zone: String,
    pub events: Vec<EventRow>,
}

type ClaimRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
);

/// Claims up to `limit` deliveries that are due; they are this worker's for `lease`
/// seconds.
pub async fn claim(db: &AnyPool, now: i64, limit: i64, lease: i64) -> AppResult<Vec<Claimed>> {
    let mut tx = crate::store::begin_write(db).await?;
    let rows: Vec<ClaimRow> = sqlx::query_as(
        "SELECT d.id, d.channel, d.target, d.subject, d.delivery_key, d.attempts, d.created_at, d.user_id,
                h.secret, l.name, l.time_zone, d.events, u.language
         FROM notify_deliveries d JOIN labs l ON l.id = d.lab_id
              LEFT JOIN webhooks h ON h.id = d.webhook_id
              LEFT JOIN users u ON u.id = d.user_id
         WHERE d.status IN ('pending', 'retrying') AND d.next_at <= $1
           AND (d.claimed_until IS NULL OR d.claimed_until <= $2)
         ORDER BY d.next_at, d.id LIMIT $3",
    )
    .bind(now)
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (
        id,
        channel,
        target,
        subject,
        delivery_key,
        attempts,
        created_at,
        user_id,
        secret,
        lab,
        tz,
        events,
        language,
    ) in rows
    {
        sqlx::query("UPDATE notify_deliveries SET claimed_until = $1 WHERE id = $2")
            .bind(now + lease)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let ids: Vec<i64> = serde_json::from_str(&events).unwrap_or_default();
        out.push(Claimed {
            id,
            channel,
            target,
            subject,
            delivery_key,
            attempts,
            created_at,
            user_id,
            lang: language
                .as_deref()
                .and_then(Language::parse)
                .unwrap_or(Language::En),
            secret,
            lab_name: lab,
            time_zone: tz,
            events: events_by_id(&mut tx, &ids).await?,
        });
    }
    tx.commit().await?;
    Ok(out)
}

async fn events_by_id(conn: &mut AnyConnection, ids: &[i64]) -> AppResult<Vec<EventRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM notify_events WHERE id IN ({}) ORDER BY id",
        crate::store::placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<_, EventRow>(&sql);
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(conn).await?)
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    Sent,
    /// Worth trying again (a 5xx, 429, a timeout, a refused connection, a mail server
    /// down).
    Retry(String),
    /// Not worth trying again (a 4xx but 429: the receiver refuses it).
    Refused(String),
}

/// The wait before attempt `attempts + 1`: `base` doubled per attempt, at most
/// [`MAX_BACKOFF_SECS`].
pub fn backoff(base: i64, attempts: i64) -> i64 {
    let doubled = base.saturating_mul(1_i64 << attempts.clamp(0, 20));
    doubled.min(MAX_BACKOFF_SECS)
}

/// Records attempt number `d.attempts + 1` of `d`.
pub async fn finish(
    db: &AnyPool,
    d: &Claimed,
    attempt: &Attempt,
    now: i64,
    base: i64,
) -> AppResult<()> {
    let attempts = d.attempts + 1;
    let (status, error, next_at) = match attempt {
        Attempt::Sent => (DeliveryStatus::Sent, None, now),
        Attempt::Refused(e) => (DeliveryStatus::Failed, Some(e.clone()), now),
        Attempt::Retry(e) => {
            let next = now + backoff(base, attempts - 1);
            match next > d.created_at + GIVE_UP_SECS {
                true => (
                    DeliveryStatus::Failed,
                    Some(format!(
                        "{e} (given up after {attempts} attempts over a day)"
                    )),
                    now,
                ),
                false => (DeliveryStatus::Retrying, Some(e.clone()), next),
            }
        }
    };
    let mut conn = db.acquire().await?;
    sqlx::query(
        "UPDATE notify_deliveries SET status = $1, attempts = $2, last_error = $3, next_at = $4,
                claimed_until = NULL, sent_at = $5
         WHERE id = $6",
    )
    .bind(status.as_str())
    .bind(attempts)
    .bind(error)
    .bind(next_at)
    .bind((status == DeliveryStatus::Sent).then_some(now))
    .bind(d.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

type LogRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    i64,
    Option<i64>,
    i64,
);

/// The lab's newest deliveries, at most [`MAX_DELIVERIES`].
pub async fn log(conn: &mut AnyConnection, lab_id: i64) -> AppResult<DeliveryLog> {
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT id, channel, target, subject, status, attempts, last_error, created_at, sent_at, next_at
         FROM notify_deliveries WHERE lab_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(lab_id)
    .bind(MAX_DELIVERIES as i64)
    .fetch_all(conn)
    .await?;
    let deliveries = rows
        .into_iter()
        .map(
            |(id, channel, target, subject, status, attempts, last_error, created, sent, next)| {
                let status = DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Failed);
                Delivery {
                    id,
                    channel,
                    target,
                    subject,
                    status,
                    attempts: attempts.max(0) as u32,
                    last_error,
                    created_at: to_time(created),
                    sent_at: sent.map(to_time),
                    next_at: matches!(status, DeliveryStatus::Pending | DeliveryStatus::Retrying)
                        .then(|| to_time(next)),
                }
            },
        )
        .collect();
    Ok(DeliveryLog { deliveries })
}
