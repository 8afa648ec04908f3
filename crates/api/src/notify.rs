//! Notifications: what each person is told and how (email now, in the daily digest, or
//! never), the lab's digest time and escalation delay, its webhooks, silenced instruments
//! and the delivery log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A kind of event a person can choose how to hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyKind {
    CriticalWarning,
    Warning,
    Recommendation,
    ReplacementDue,
    Silent,
    RunFlagged,
}

impl NotifyKind {
    pub const ALL: [NotifyKind; 6] = [
        NotifyKind::CriticalWarning,
        NotifyKind::Warning,
        NotifyKind::Recommendation,
        NotifyKind::ReplacementDue,
        NotifyKind::Silent,
        NotifyKind::RunFlagged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyKind::CriticalWarning => "critical_warning",
            NotifyKind::Warning => "warning",
            NotifyKind::Recommendation => "recommendation",
            NotifyKind::ReplacementDue => "replacement_due",
            NotifyKind::Silent => "silent",
            NotifyKind::RunFlagged => "run_flagged",
        }
    }

    pub fn parse(s: &str) -> Option<NotifyKind> {
        NotifyKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// For people: the preferences' row label and a message's heading.
    pub fn label(self) -> &'static str {
        match self {
            NotifyKind::CriticalWarning => "Critical warnings",
            NotifyKind::Warning => "Other warnings",
            NotifyKind::Recommendation => "New recommended replacements",
            NotifyKind::ReplacementDue => "Replacements due within 7 days",
            NotifyKind::Silent => "An instrument gone silent",
            NotifyKind::RunFlagged => "Runs flagged by the Q-score control rules",
        }
    }
}

/// How a person hears about one kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyMode {
    Immediately,
    Digest,
    Never,
}

impl NotifyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyMode::Immediately => "immediately",
            NotifyMode::Digest => "digest",
            NotifyMode::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<NotifyMode> {
        [
            NotifyMode::Immediately,
            NotifyMode::Digest,
            NotifyMode::Never,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }
}

/// One person's choices: a mode per kind (every kind, in [`NotifyKind::ALL`]'s order) and
/// quiet hours in the lab's zone (`HH:MM`, both or neither), during which only
/// escalations reach them, and those only if `quiet_escalations` is false.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyPrefs {
    pub modes: Vec<(NotifyKind, NotifyMode)>,
    pub quiet_from: Option<String>,
    pub quiet_to: Option<String>,
    /// Whether quiet hours hold back escalations too.
    #[serde(default)]
    pub quiet_escalations: bool,
}

/// The lab's notification settings (managers change them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    /// When the daily digest goes out, `HH:MM` in the lab's zone.
    pub digest_at: String,
    /// A critical warning nobody acknowledged for this long goes to every manager and
    /// the webhooks, marked escalated.
    pub escalate_after_minutes: u32,
    /// A still-open critical warning is repeated this often.
    pub remind_every_hours: u32,
}

pub const DEFAULT_DIGEST_AT: &str = "07:30";
pub const DEFAULT_ESCALATE_AFTER_MINUTES: u32 = 120;
pub const DEFAULT_REMIND_EVERY_HOURS: u32 = 24;

/// `HH:MM` as minutes after midnight.
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.len() == 5).then_some(h * 60 + m)
}

/// A webhook as the list shows it (its secret is shown once, when it is made).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    pub name: String,
    pub url: String,
}

/// The answer to making a webhook: its secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookCreated {
    pub webhook: Webhook,
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEnabled {
    pub enabled: bool,
}

/// Silencing one instrument's notifications for a while (a service visit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SilenceRequest {
    pub until: DateTime<Utc>,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Retrying,
    Sent,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Retrying => "retrying",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Retrying,
            DeliveryStatus::Sent,
            DeliveryStatus::Failed,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// One email or webhook delivery, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    /// `email` or `webhook`.
    pub channel: String,
    /// The address or the webhook's URL.
    pub target: String,
    pub subject: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub next_at: Option<DateTime<Utc>>,
}

/// The newest deliveries of the lab, at most [`MAX_DELIVERIES`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryLog {
    pub deliveries: Vec<Delivery>,
}

pub const MAX_DELIVERIES: usize = 200;
