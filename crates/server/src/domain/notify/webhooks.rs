//! The lab's webhooks: an HTTPS address (plain HTTP only to this machine) and a secret,
//! shown once, that signs every delivery.

use super::fanout::{insert, EventRow, EVENT_COLUMNS};
use super::outbox::{new_key, NewEvent, Reason};
use crate::domain::audit::{action, said, text, Event};
use crate::error::{AppError, AppResult};
use crate::store::to_time;
use seqhealth_api::notify::{NewWebhook, NotifyKind, Webhook, WebhookCreated};
use seqhealth_api::Figure;
use sqlx::AnyConnection;

/// Webhooks a lab may have at once.
pub const MAX_WEBHOOKS: i64 = 20;

/// `url` if a webhook may point there: `https://`, or `http://` to a loopback address (a
/// relay on the same machine); no credentials in it.
pub fn check_url(url: &str) -> AppResult<()> {
    let bad = |code: &str| Err(AppError::bad(code, Vec::new()));
    if url.len() > 2_000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("webhook_url_one");
    }
    let (scheme, rest) = match url.split_once("://") {
        Some(p) => p,
        None => return bad("webhook_url_https"),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return bad("webhook_url_credentials");
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    if host.is_empty() {
        return bad("webhook_url_host");
    }
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match scheme {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => bad("webhook_url_plain"),
        _ => bad("webhook_url_https"),
    }
}

type Row = (i64, String, String, i64, i64);

fn to_webhook((id, name, url, enabled, created): Row) -> Webhook {
    Webhook {
        id,
        name,
        url,
        enabled: enabled != 0,
        created_at: to_time(created),
    }
}

pub async fn list(conn: &mut AnyConnection, lab_id: i64) -> AppResult<Vec<Webhook>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, url, enabled, created_at FROM webhooks
         WHERE lab_id = $1 AND removed_at IS NULL ORDER BY id",
    )
    .bind(lab_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(to_webhook).collect())
}

pub async fn create(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    req: &NewWebhook,
    now: i64,
) -> AppResult<WebhookCreated> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::length("name", 80));
    }
    check_url(&req.url)?;
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM webhooks WHERE lab_id = $1 AND removed_at IS NULL",
    )
    .bind(lab_id)
    .fetch_one(&mut *conn)
    .await?;
    if count >= MAX_WEBHOOKS {
        return Err(AppError::bad(
            "webhooks_max",
            vec![Figure::N(MAX_WEBHOOKS as f64)],
        ));
    }
    let secret = new_key("whsec");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (lab_id, name, url, secret, enabled, created_by, created_at)
         VALUES ($1, $2, $3, $4, 1, $5, $6) RETURNING id",
    )
    .bind(lab_id)
    .bind(name)
    .bind(&req.url)
    .bind(&secret)
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Event::new(
        lab_id,
        Some(user_id),
        action::WEBHOOK_ADDED,
        said("audit_named", vec![text(name), text(&req.url)]),
    )
    .record(conn, now)
    .await?;
    Ok(WebhookCreated {
        webhook: Webhook {
            id,
            name: name.to_string(),
            url: req.url.clone(),
            enabled: true,
            created_at: to_time(now),
        },
        secret,
    })
}

/// The webhook `id` of the lab (404 for another lab's, as for none).
async fn find(conn: &mut AnyConnection, lab_id: i64, id: i64) -> AppResult<Webhook> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, name, url, enabled, created_at FROM webhooks
         WHERE id = $1 AND lab_id = $2 AND removed_at IS NULL",
    )
    .bind(id)
    .bind(lab_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(to_webhook)
        .ok_or_else(|| AppError::not_found("no_webhook", vec![Figure::N(id as f64)]))
}

pub async fn set_enabled(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    id: i64,
    enabled: bool,
    now: i64,
) -> AppResult<Webhook> {
    let hook = find(conn, lab_id, id).await?;
    sqlx::query("UPDATE webhooks SET enabled = $1 WHERE id = $2")
        .bind(i64::from(enabled))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let what = match enabled {
        true => action::WEBHOOK_ENABLED,
        false => action::WEBHOOK_DISABLED,
    };
    let detail = said("audit_as_is", vec![text(&hook.name)]);
    Event::new(lab_id, Some(user_id), what, detail)
        .record(conn, now)
        .await?;
    Ok(Webhook { enabled, ..hook })
}

pub async fn remove(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    id: i64,
    now: i64,
) -> AppResult<()> {
    let hook = find(conn, lab_id, id).await?;
    // Kept, marked removed: the delivery log still names where its deliveries went.
    sqlx::query("UPDATE webhooks SET removed_at = $1, enabled = 0 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let detail = said("audit_as_is", vec![text(hook.name)]);
    Event::new(lab_id, Some(user_id), action::WEBHOOK_REMOVED, detail)
        .record(conn, now)
        .await
}

/// Queues a test delivery to webhook `id` (it goes out on the worker's next pass and
/// shows in the delivery log like any other).
pub async fn test(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    id: i64,
    now: i64,
) -> AppResult<()> {
    let hook = find(conn, lab_id, id).await?;
    let e = NewEvent {
        lab_id,
        instrument_id: None,
        kind: NotifyKind::CriticalWarning,
        reason: Reason::Test,
        warning_id: None,
        replacement_id: None,
        title: format!("Test from seqhealth: the webhook “{}” works", hook.name),
        detail: "Nothing is wrong: a manager sent this to test the webhook.".into(),
        // A webhook's words are English (it goes to the lab's chat, not to a person).
        title_said: None,
        detail_said: None,
    };
    let key = new_key("evt");
    let event_id: i64 = sqlx::query_scalar(
        "INSERT INTO notify_events (lab_id, instrument_id, kind, reason, title, detail, event_key,
                                    created_at, dispatched_at)
         VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(lab_id)
    .bind(e.kind.as_str())
    .bind(e.reason.as_str())
    .bind(&e.title)
    .bind(&e.detail)
    .bind(&key)
    .bind(now)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let event: EventRow = sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM notify_events WHERE id = $1"
    ))
    .bind(event_id)
    .fetch_one(&mut *conn)
    .await?;
    insert(
        conn,
        lab_id,
        "webhook",
        None,
        Some(id),
        &hook.url,
        &[&event],
        now,
        now,
        None,
    )
    .await?;
    let detail = said("audit_as_is", vec![text(hook.name)]);
    Event::new(lab_id, Some(user_id), action::WEBHOOK_TESTED, detail)
        .record(conn, now)
        .await
}
