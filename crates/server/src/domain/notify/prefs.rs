//! Who hears about what: each person's mode per kind of event (defaults by role), quiet
//! hours, and the lab's digest time, escalation delay and reminder interval.

use crate::domain::audit::{action, said, text, Event};
use crate::error::{AppError, AppResult};
use seqhealth_api::notify::{
    parse_hhmm, NotifyKind, NotifyMode, NotifyPrefs, NotifySettings, DEFAULT_DIGEST_AT,
    DEFAULT_ESCALATE_AFTER_MINUTES, DEFAULT_REMIND_EVERY_HOURS,
};
use seqhealth_api::Figure;
use seqhealth_api::Role;
use sqlx::AnyConnection;

/// Managers hear of critical warnings at once and of the rest in the digest; viewers
/// read the digest.
pub fn default_mode(role: Role, kind: NotifyKind) -> NotifyMode {
    match (role, kind) {
        (Role::Manager, NotifyKind::CriticalWarning) => NotifyMode::Immediately,
        _ => NotifyMode::Digest,
    }
}

/// A person's mode for every kind: their choices over their role's defaults.
pub async fn modes(
    conn: &mut AnyConnection,
    user_id: i64,
    role: Role,
) -> AppResult<Vec<(NotifyKind, NotifyMode)>> {
    let chosen: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, mode FROM notify_prefs WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(NotifyKind::ALL
        .into_iter()
        .map(|k| {
            let mode = chosen
                .iter()
                .find(|(kind, _)| kind == k.as_str())
                .and_then(|(_, m)| NotifyMode::parse(m))
                .unwrap_or_else(|| default_mode(role, k));
            (k, mode)
        })
        .collect())
}

fn hhmm(minute: Option<i64>) -> Option<String> {
    minute.map(|m| format!("{:02}:{:02}", m / 60, m % 60))
}

/// Quiet hours as minutes after midnight in the lab's zone, and whether they hold back
/// escalations too.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub escalations: bool,
}

impl Quiet {
    /// Whether `minute` (of the lab's day) falls in the quiet hours, which may wrap
    /// midnight (22:00–07:00).
    pub fn holds(&self, minute: i64) -> bool {
        match (self.from, self.to) {
            (Some(f), Some(t)) if f <= t => minute >= f && minute < t,
            (Some(f), Some(t)) => minute >= f || minute < t,
            _ => false,
        }
    }

    /// Minutes from `minute` to the end of the quiet hours.
    pub fn minutes_left(&self, minute: i64) -> i64 {
        match self.to {
            Some(t) if self.holds(minute) => (t - minute).rem_euclid(1_440),
            _ => 0,
        }
    }
}

pub async fn quiet(conn: &mut AnyConnection, user_id: i64) -> AppResult<Quiet> {
    let row: Option<(Option<i64>, Option<i64>, i64)> = sqlx::query_as(
        "SELECT quiet_from, quiet_to, quiet_escalations FROM notify_people WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row
        .map(|(from, to, esc)| Quiet {
            from,
            to,
            escalations: esc != 0,
        })
        .unwrap_or_default())
}

/// What the Account page shows.
pub async fn prefs(conn: &mut AnyConnection, user_id: i64, role: Role) -> AppResult<NotifyPrefs> {
    let q = quiet(conn, user_id).await?;
    Ok(NotifyPrefs {
        modes: modes(conn, user_id, role).await?,
        quiet_from: hhmm(q.from),
        quiet_to: hhmm(q.to),
        quiet_escalations: q.escalations,
    })
}

/// Stores a person's choices (every kind given is set; kinds left out keep theirs).
pub async fn set_prefs(conn: &mut AnyConnection, user_id: i64, p: &NotifyPrefs) -> AppResult<()> {
    let minute = |what: &str, v: &Option<String>| -> AppResult<Option<i64>> {
        v.as_deref()
            .map(|s| {
                parse_hhmm(s).map(i64::from).ok_or_else(|| {
                    AppError::bad(
                        "bad_time",
                        vec![Figure::Text(what.into()), Figure::Text(format!("{s:?}"))],
                    )
                })
            })
            .transpose()
    };
    let (from, to) = (
        minute("quiet_from", &p.quiet_from)?,
        minute("quiet_to", &p.quiet_to)?,
    );
    if from.is_some() != to.is_some() || (from.is_some() && from == to) {
        return Err(AppError::bad("quiet_hours", Vec::new()));
    }
    for (kind, mode) in &p.modes {
        sqlx::query(
            "INSERT INTO notify_prefs (user_id, kind, mode) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, kind) DO UPDATE SET mode = excluded.mode",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(mode.as_str())
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "INSERT INTO notify_people (user_id, quiet_from, quiet_to, quiet_escalations) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET quiet_from = excluded.quiet_from,
             quiet_to = excluded.quiet_to, quiet_escalations = excluded.quiet_escalations",
    )
    .bind(user_id)
    .bind(from)
    .bind(to)
    .bind(i64::from(p.quiet_escalations))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets one kind to `never` (an unsubscribe link).
pub async fn unsubscribe(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: NotifyKind,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO notify_prefs (user_id, kind, mode) VALUES ($1, $2, 'never')
         ON CONFLICT (user_id, kind) DO UPDATE SET mode = 'never'",
    )
    .bind(user_id)
    .bind(kind.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The lab's settings in the units the worker uses.
#[derive(Debug, Clone)]
pub struct LabNotify {
    pub digest_minute: i64,
    pub escalate_after_s: i64,
    pub remind_every_s: i64,
    pub digest_day: Option<String>,
}

pub async fn lab(conn: &mut AnyConnection, lab_id: i64) -> AppResult<LabNotify> {
    let row: Option<(i64, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT digest_minute, escalate_after_s, remind_every_s, digest_day FROM notify_labs WHERE lab_id = $1",
    )
    .bind(lab_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some((digest_minute, escalate_after_s, remind_every_s, digest_day)) => LabNotify {
            digest_minute,
            escalate_after_s,
            remind_every_s,
            digest_day,
        },
        None => LabNotify {
            digest_minute: i64::from(parse_hhmm(DEFAULT_DIGEST_AT).unwrap_or(450)),
            escalate_after_s: i64::from(DEFAULT_ESCALATE_AFTER_MINUTES) * 60,
            remind_every_s: i64::from(DEFAULT_REMIND_EVERY_HOURS) * 3_600,
            digest_day: None,
        },
    })
}

pub async fn settings(conn: &mut AnyConnection, lab_id: i64) -> AppResult<NotifySettings> {
    let l = lab(conn, lab_id).await?;
    Ok(NotifySettings {
        digest_at: hhmm(Some(l.digest_minute)).unwrap_or_default(),
        escalate_after_minutes: (l.escalate_after_s / 60) as u32,
        remind_every_hours: (l.remind_every_s / 3_600) as u32,
    })
}

/// Stores the lab's settings (managers), checked: an escalation delay of 1 minute to 7
/// days, reminders every 1 hour to 7 days; by `user_id`, in the audit log (same transaction).
pub async fn set_settings(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    s: &NotifySettings,
    now: i64,
) -> AppResult<()> {
    let digest = parse_hhmm(&s.digest_at).ok_or_else(|| {
        AppError::bad(
            "bad_time",
            vec![
                Figure::Text("digest_at".into()),
                Figure::Text(format!("{:?}", s.digest_at)),
            ],
        )
    })?;
    if !(1..=7 * 24 * 60).contains(&s.escalate_after_minutes) {
        return Err(AppError::bad("escalate_range", Vec::new()));
    }
    if !(1..=7 * 24).contains(&s.remind_every_hours) {
        return Err(AppError::bad("remind_range", Vec::new()));
    }
    set_lab(
        conn,
        lab_id,
        i64::from(digest),
        i64::from(s.escalate_after_minutes) * 60,
        i64::from(s.remind_every_hours) * 3_600,
    )
    .await?;
    let figures = vec![
        text(&s.digest_at),
        text(s.escalate_after_minutes),
        text(s.remind_every_hours),
    ];
    let detail = said("audit_notify_settings", figures);
    Event::new(
        lab_id,
        Some(user_id),
        action::NOTIFY_SETTINGS_CHANGED,
        detail,
    )
    .record(conn, now)
    .await
}

/// Stores the lab's settings in seconds (tests set an escalation delay of seconds).
pub async fn set_lab(
    conn: &mut AnyConnection,
    lab_id: i64,
    digest_minute: i64,
    escalate_after_s: i64,
    remind_every_s: i64,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO notify_labs (lab_id, digest_minute, escalate_after_s, remind_every_s) VALUES ($1, $2, $3, $4)
         ON CONFLICT (lab_id) DO UPDATE SET digest_minute = excluded.digest_minute,
             escalate_after_s = excluded.escalate_after_s, remind_every_s = excluded.remind_every_s",
    )
    .bind(lab_id)
    .bind(digest_minute)
    .bind(escalate_after_s)
    .bind(remind_every_s)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
