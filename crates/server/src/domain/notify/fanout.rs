//! Events into deliveries: the events of one instrument within the lab's grouping
//! window become one message per person (the kinds they chose "immediately") and per
//! webhook; a silenced instrument, a warning muted by a booked replacement or already
//! cleared, and what follows from an instrument's silence send nothing (the event says
//! why, and the dashboard still shows every warning).

use super::outbox::new_key;
use super::prefs::{self, Quiet};
use crate::domain::words::{self, lexicon};
use crate::error::AppResult;
use chrono::Timelike;
use seqhealth_api::notify::{NotifyKind, NotifyMode};
use seqhealth_api::{Language, Role};
use sqlx::{AnyConnection, AnyPool};
use std::collections::BTreeMap;

/// How many events one pass fans out at most (the next pass takes the rest).
const MAX_EVENTS_PER_PASS: i64 = 1_000;

/// An event as the worker reads it back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub lab_id: i64,
    pub instrument_id: Option<i64>,
    pub kind: String,
    pub reason: String,
    pub warning_id: Option<i64>,
    pub replacement_id: Option<i64>,
    pub title: String,
    pub detail: String,
    pub event_key: String,
    pub created_at: i64,
    pub title_said: Option<String>,
    pub detail_said: Option<String>,
}

/// `english` in `lang`, worded from `said` where there is one; English as it was stored.
fn worded(lang: Language, said: Option<&str>, english: &str) -> String {
    match lang {
        Language::En => english.to_string(),
        _ => lexicon(lang).say(words::read(said).as_ref(), english),
    }
}

impl EventRow {
    /// The title in `lang` (English as stored for an event from before titles were data).
    pub fn title_in(&self, lang: Language) -> String {
        worded(lang, self.title_said.as_deref(), &self.title)
    }

    /// The detail in `lang` (English as stored where there is no `said`).
    pub fn detail_in(&self, lang: Language) -> String {
        worded(lang, self.detail_said.as_deref(), &self.detail)
    }

    pub fn kind(&self) -> Option<NotifyKind> {
        NotifyKind::parse(&self.kind)
    }

    /// Escalations reach every manager and every webhook, whatever they chose.
    pub fn escalated(&self) -> bool {
        self.reason == "escalated"
    }

    /// Webhooks carry what needs someone now: critical warnings (with their escalations
    /// and reminders) and instruments gone silent.
    fn for_webhooks(&self) -> bool {
        self.escalated()
            || matches!(
                self.kind(),
                Some(NotifyKind::CriticalWarning | NotifyKind::Silent)
            )
    }
}

pub const EVENT_COLUMNS: &str = "id, lab_id, instrument_id, kind, reason, warning_id, replacement_id, title, detail, event_key, created_at, title_said, detail_said";

/// Fans out every event older than `group_secs` (and the younger events of the same
/// instrument with it); returns how many deliveries were made.
pub async fn fan_out(db: &AnyPool, now: i64, group_secs: i64) -> AppResult<usize> {
    let mut tx = crate::store::begin_write(db).await?;
    let events: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM notify_events WHERE dispatched_at IS NULL ORDER BY id LIMIT $1"
    ))
    .bind(MAX_EVENTS_PER_PASS)
    .fetch_all(&mut *tx)
    .await?;
    let mut groups: BTreeMap<(i64, Option<i64>), Vec<EventRow>> = BTreeMap::new();
    for e in events {
        groups
            .entry((e.lab_id, e.instrument_id))
            .or_default()
            .push(e);
    }
    let mut made = 0;
    for ((lab_id, instrument_id), group) in groups {
        let oldest = group.iter().map(|e| e.created_at).min().unwrap_or(now);
        // An escalation does not wait: it is late already.
        if oldest > now - group_secs && !group.iter().any(EventRow::escalated) {
            continue; // more may follow within the window: one message, not twenty
        }
        let (send, held) = sift(&mut tx, instrument_id, &group, now).await?;
        for (e, outcome) in &held {
            mark(&mut tx, e.id, now, Some(outcome)).await?;
        }
        for e in &send {
            mark(&mut tx, e.id, now, None).await?;
        }
        if !send.is_empty() {
            made += deliveries(&mut tx, lab_id, &send, now).await?;
        }
    }
    tx.commit().await?;
    Ok(made)
}

async fn mark(conn: &mut AnyConnection, id: i64, now: i64, outcome: Option<&str>) -> AppResult<()> {
    sqlx::query("UPDATE notify_events SET dispatched_at = $1, outcome = $2 WHERE id = $3")
        .bind(now)
        .bind(outcome)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Splits a group into what is sent and what is held back, with why.
async fn sift(
    conn: &mut AnyConnection,
    instrument_id: Option<i64>,
    group: &[EventRow],
    now: i64,
) -> AppResult<(Vec<EventRow>, Vec<(EventRow, &'static str)>)> {
    let (mut send, mut held) = (Vec::new(), Vec::new());
    let silenced =
        match instrument_id {
            Some(id) => sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM instrument_silences WHERE instrument_id = $1 AND until > $2",
            )
            .bind(id)
            .bind(now)
            .fetch_one(&mut *conn)
            .await?
                > 0,
            None => false,
        };
    // An instrument that has gone silent: the warnings its silence brings are listed in
    // the "gone silent" message, or, when that went out earlier, not sent again.
    let silent_now =
        match instrument_id {
            Some(id) => sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM warnings WHERE instrument_id = $1 AND status <> 'resolved'
               AND rule LIKE 'missing_data:%'",
            )
            .bind(id)
            .fetch_one(&mut *conn)
            .await?
                > 0,
            None => false,
        };
    let group_has_silent = group.iter().any(|e| e.kind() == Some(NotifyKind::Silent));
    for e in group {
        if silenced && e.reason != "test" {
            held.push((e.clone(), "silenced"));
            continue;
        }
        if let Some(w) = e.warning_id {
            let (open, muted) = warning_state(conn, w, now).await?;
            if !open {
                held.push((e.clone(), "cleared"));
                continue;
            }
            if muted {
                held.push((e.clone(), "muted"));
                continue;
            }
        }
        if silent_now && !group_has_silent && e.kind() != Some(NotifyKind::Silent) && !e.escalated()
        {
            held.push((e.clone(), "folded"));
            continue;
        }
        send.push(e.clone());
    }
    Ok((send, held))
}

/// Whether warning `id` is still open, and whether a booked replacement of its
/// component mutes it (as the warnings list shows it).
async fn warning_state(conn: &mut AnyConnection, id: i64, now: i64) -> AppResult<(bool, bool)> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT w.status,
            (SELECT COUNT(*) FROM replacements r
              WHERE r.instrument_id = w.instrument_id AND w.rule IN ('threshold:' || r.sensor, 'rate:' || r.sensor)
                AND r.status = 'scheduled' AND r.slot_end > $1
                AND (w.worse_at IS NULL OR w.worse_at < r.updated_at))
         FROM warnings w WHERE w.id = $2",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some((status, muting)) => (status != "resolved", muting > 0),
        None => (false, false),
    })
}

/// A person who may be told.
struct Person {
    id: i64,
    email: String,
    role: Role,
    lang: Language,
    modes: Vec<(NotifyKind, NotifyMode)>,
    quiet: Quiet,
}

/// The messages for `events` (one instrument's): one per person who chose any of them
/// "immediately" (and every manager for an escalation), one per webhook.
async fn deliveries(
    conn: &mut AnyConnection,
    lab_id: i64,
    events: &[EventRow],
    now: i64,
) -> AppResult<usize> {
    let people: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, email, role, language FROM users WHERE lab_id = $1 AND deactivated_at IS NULL ORDER BY id",
    )
    .bind(lab_id)
    .fetch_all(&mut *conn)
    .await?;
    let zone: String = sqlx::query_scalar("SELECT time_zone FROM labs WHERE id = $1")
        .bind(lab_id)
        .fetch_one(&mut *conn)
        .await?;
    let minute = lab_minute(now, &zone);
    let mut made = 0;
    for (id, email, role, language) in people {
        let role = Role::parse(&role).unwrap_or(Role::Viewer);
        let p = Person {
            id,
            email,
            role,
            lang: language
                .as_deref()
                .and_then(Language::parse)
                .unwrap_or(Language::En),
            modes: prefs::modes(conn, id, role).await?,
            quiet: prefs::quiet(conn, id).await?,
        };
        let mine: Vec<&EventRow> = events
            .iter()
            .filter(|e| {
                (e.escalated() && p.role == Role::Manager)
                    || e.kind().is_some_and(|k| {
                        p.modes
                            .iter()
                            .any(|(kind, mode)| *kind == k && *mode == NotifyMode::Immediately)
                    })
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
        // Quiet hours hold a message until they end; an escalation only if the person
        // asked for that too.
        let urgent = mine.iter().any(|e| e.escalated()) && !p.quiet.escalations;
        let next_at = match urgent {
            true => now,
            false => now + p.quiet.minutes_left(minute) * 60,
        };
        // The subject in the person's language (the delivery log shows what was sent).
        insert(
            conn,
            lab_id,
            "email",
            Some(p.id),
            None,
            &p.email,
            &mine,
            next_at,
            now,
            Some(&subject(&mine, p.lang)),
        )
        .await?;
        made += 1;
    }
    let hooks: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, url FROM webhooks WHERE lab_id = $1 AND enabled = 1 AND removed_at IS NULL ORDER BY id",
    )
    .bind(lab_id)
    .fetch_all(&mut *conn)
    .await?;
    let for_hooks: Vec<&EventRow> = events.iter().filter(|e| e.for_webhooks()).collect();
    if !for_hooks.is_empty() {
        for (id, url) in hooks {
            insert(
                conn,
                lab_id,
                "webhook",
                None,
                Some(id),
                &url,
                &for_hooks,
                now,
                now,
                None,
            )
            .await?;
            made += 1;
        }
    }
    Ok(made)
}

/// The minute of the day at `now` in `zone`.
pub fn lab_minute(now: i64, zone: &str) -> i64 {
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let local = crate::store::to_time(now).with_timezone(&tz);
    i64::from(local.hour() * 60 + local.minute())
}

/// A message's subject in `lang`: the one event's title, or the first's and how many more.
pub fn subject(events: &[&EventRow], lang: Language) -> String {
    let w = lexicon(lang);
    match events {
        [one] => one.title_in(lang),
        [first, rest @ ..] => {
            let escalated = events.iter().any(|e| e.escalated());
            let more = w.t("{0} (and {1} more)", &[&first.title_in(lang), &rest.len()]);
            match escalated && !first.escalated() {
                true => w.t("Escalated: {0}", &[&more]),
                false => more,
            }
        }
        [] => String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn insert(
    conn: &mut AnyConnection,
    lab_id: i64,
    channel: &str,
    user_id: Option<i64>,
    webhook_id: Option<i64>,
    target: &str,
    events: &[&EventRow],
    next_at: i64,
    now: i64,
    subject_is: Option<&str>,
) -> AppResult<()> {
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    sqlx::query(
        "INSERT INTO notify_deliveries (lab_id, channel, user_id, webhook_id, target, events, subject,
                                        delivery_key, status, attempts, next_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $10)",
    )
    .bind(lab_id)
    .bind(channel)
    .bind(user_id)
    .bind(webhook_id)
    .bind(target)
    .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
    // Webhooks' subjects are English: they go to the lab's chat, not to one person, and
    // a lab has no language of its own (only its people do).
    .bind(subject_is.map_or_else(|| subject(events, Language::En), str::to_string))
    .bind(new_key("dlv"))
    .bind(next_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
