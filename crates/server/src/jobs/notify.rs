//! The notification worker: on each beat it records escalations, reminders and due
//! replacements, makes the digests that are due, fans new events out into deliveries,
//! and sends what is due, by mail and to webhooks, retrying with backoff. Every step is
//! a domain function of the clock it is given, so a test drives a pass at any time.

use crate::domain::notify::deliveries::{self, Attempt, Claimed};
use crate::domain::notify::fanout::EventRow;
use crate::domain::notify::{digest, escalate, fanout, unsubscribe};
use crate::domain::words::lexicon;
use crate::error::AppResult;
use crate::mail::notices::{Item, Notice};
use crate::mail::{self, Mailer};
use crate::webhook::{self, Webhooks};
use seqhealth_api::notify::NotifyKind;
use seqhealth_api::words::Lexicon;
use seqhealth_api::Language;
use sqlx::AnyPool;
use std::time::Duration;

/// Deliveries claimed and sent together.
const BATCH: i64 = 32;
/// Batches one pass sends at most (the next pass goes on).
const BATCHES_PER_PASS: usize = 50;

#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// Time between passes.
    pub every: Duration,
    /// Events of one instrument this close together go in one message.
    pub group_secs: i64,
    /// The first retry's wait; each next one doubles, up to an hour.
    pub retry_base_secs: i64,
    /// How long a worker holds the deliveries it claimed: a worker killed mid-send
    /// leaves them to the next one after this.
    pub lease_secs: i64,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            every: Duration::from_secs(5),
            group_secs: 120,
            retry_base_secs: 30,
            lease_secs: deliveries::LEASE_SECS,
        }
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Pass {
    pub recorded: usize,
    pub digests: usize,
    pub fanned_out: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct Notifier {
    pub db: AnyPool,
    pub mailer: Mailer,
    pub hooks: Webhooks,
    pub config: NotifyConfig,
}

impl Notifier {
    pub fn new(db: AnyPool, mailer: Mailer, config: NotifyConfig) -> Notifier {
        Notifier {
            db,
            mailer,
            hooks: Webhooks::default(),
            config,
        }
    }

    /// Runs a pass every `config.every` for as long as the server runs.
    pub async fn run_forever(self) {
        loop {
            tokio::time::sleep(self.config.every).await;
            if let Err(e) = self.pass(chrono::Utc::now().timestamp()).await {
                tracing::warn!(error = %e, "notification pass failed");
            }
        }
    }

    /// One pass at `now`.
    pub async fn pass(&self, now: i64) -> AppResult<Pass> {
        let mut p = Pass {
            recorded: escalate::sweep(&self.db, now).await?,
            digests: digest::send_due(&self.db, now).await?,
            ..Pass::default()
        };
        p.fanned_out = fanout::fan_out(&self.db, now, self.config.group_secs).await?;
        let key = unsubscribe::key(&mut *self.db.acquire().await?).await?;
        for _ in 0..BATCHES_PER_PASS {
            let batch = deliveries::claim(&self.db, now, BATCH, self.config.lease_secs).await?;
            let full = batch.len() as i64 == BATCH;
            let mut sending = tokio::task::JoinSet::new();
            for d in batch {
                let (me, key) = (self.clone(), key.clone());
                sending.spawn(async move {
                    let attempt = me.send(&d, &key, now).await;
                    deliveries::finish(&me.db, &d, &attempt, now, me.config.retry_base_secs)
                        .await
                        .map(|_| attempt)
                });
            }
            while let Some(done) = sending.join_next().await {
                match done {
                    Ok(Ok(Attempt::Sent)) => p.sent += 1,
                    Ok(Ok(Attempt::Retry(_))) => p.retrying += 1,
                    Ok(Ok(Attempt::Refused(_))) => p.failed += 1,
                    Ok(Err(e)) => tracing::warn!(error = %e, "a delivery's outcome was not stored"),
                    Err(e) => tracing::warn!(error = %e, "a delivery task failed"),
                }
            }
            if !full {
                break;
            }
        }
        Ok(p)
    }

    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.mailer.public_url)
    }

    /// Event `e` as an item of a message in `lang`.
    fn item(&self, e: &EventRow, lang: Language) -> Item {
        let path = match (e.instrument_id, e.warning_id, e.replacement_id) {
            (Some(i), _, Some(_)) => format!("/replacements?instrument={i}"),
            (Some(i), Some(_), _) => format!("/instruments/{i}#warnings"),
            (Some(i), _, _) => format!("/instruments/{i}"),
            _ => "/".into(),
        };
        Item {
            title: e.title_in(lang),
            detail: e.detail_in(lang),
            link: self.link(&path),
            escalated: e.escalated(),
            reminder: e.reason == "reminder",
            at: crate::store::to_time(e.created_at),
        }
    }

    fn notice(&self, d: &Claimed, key: &[u8]) -> Notice {
        let mut kinds: Vec<NotifyKind> = d.events.iter().filter_map(|e| e.kind()).collect();
        kinds.dedup();
        // A person's mail in their language; a webhook's in English (`d.lang`).
        let w = lexicon(d.lang);
        Notice {
            lang: d.lang,
            subject: d.subject.clone(),
            lab: d.lab_name.clone(),
            time_zone: d.time_zone.clone(),
            items: d.events.iter().map(|e| self.item(e, d.lang)).collect(),
            unsubscribe: match d.user_id {
                Some(user) => kinds
                    .into_iter()
                    .map(|k| {
                        let token = unsubscribe::token(key, user, k);
                        (
                            w.lower(w.tr(k.label())),
                            self.link(&format!("/api/v1/unsubscribe/{token}")),
                        )
                    })
                    .collect(),
                None => Vec::new(),
            },
            preferences: self.link("/account"),
        }
    }

    async fn send(&self, d: &Claimed, key: &[u8], now: i64) -> Attempt {
        let notice = self.notice(d, key);
        match (d.channel.as_str(), &d.secret) {
            ("email", _) => match self.mailer.deliver(&d.target, &notice).await {
                Ok(()) => Attempt::Sent,
                Err(mail::Failed::Retry(e)) => Attempt::Retry(e),
                Err(mail::Failed::Refused(e)) => Attempt::Refused(e),
            },
            ("webhook", Some(secret)) => {
                let body = self.webhook_body(d, &notice);
                match self
                    .hooks
                    .post(&d.target, secret, &d.delivery_key, body, now)
                    .await
                {
                    Ok(()) => Attempt::Sent,
                    Err(webhook::Failed::Retry(e)) => Attempt::Retry(e),
                    Err(webhook::Failed::Refused(e)) => Attempt::Refused(e),
                }
            }
            (channel, _) => Attempt::Refused(format!("no way to deliver by {channel:?}")),
        }
    }

    /// The JSON a webhook receives: `text` (which Slack and Microsoft Teams show as is)
    /// and the structured events, each with its own idempotency key. In English: it goes
    /// to the lab's chat, not to a person, and a lab has no language of its own (only its
    /// people do); `d.lang` is English for a webhook.
    fn webhook_body(&self, d: &Claimed, notice: &Notice) -> Vec<u8> {
        let events: Vec<serde_json::Value> = d
            .events
            .iter()
            .zip(&notice.items)
            .map(|(e, item)| {
                serde_json::json!({
                    "key": e.event_key,
                    "kind": e.kind,
                    "reason": e.reason,
                    "title": e.title,
                    "detail": e.detail,
                    "instrument_id": e.instrument_id,
                    "warning_id": e.warning_id,
                    "replacement_id": e.replacement_id,
                    "at": item.at.to_rfc3339(),
                    "link": item.link,
                })
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({
            "text": format!("{}\n{}", d.subject, notice.summary()),
            "delivery": d.delivery_key,
            "lab": d.lab_name,
            "escalated": d.events.iter().any(|e| e.escalated()),
            "events": events,
        }))
        .unwrap_or_default()
    }
}
