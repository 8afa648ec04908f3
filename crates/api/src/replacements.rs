//! Component replacements, planned runs, the audit log and the calendar feed.
//!
//! A replacement is recommended by seqhealth (a prediction or a warning), then scheduled
//! by a manager into a half-day slot, and ends completed or cancelled. Dates a person
//! picks (`NaiveDate`) are the lab's local dates; every instant is UTC.

use crate::domain::Subsystem;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// recommended → scheduled → completed, or → cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplacementStatus {
    Recommended,
    Scheduled,
    Completed,
    Cancelled,
}

impl ReplacementStatus {
    pub const ALL: [ReplacementStatus; 4] = [
        ReplacementStatus::Recommended,
        ReplacementStatus::Scheduled,
        ReplacementStatus::Completed,
        ReplacementStatus::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ReplacementStatus::Recommended => "recommended",
            ReplacementStatus::Scheduled => "scheduled",
            ReplacementStatus::Completed => "completed",
            ReplacementStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<ReplacementStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ReplacementStatus::Recommended => "Recommended",
            ReplacementStatus::Scheduled => "Scheduled",
            ReplacementStatus::Completed => "Completed",
            ReplacementStatus::Cancelled => "Cancelled",
        }
    }
    /// Still to be done: recommended or scheduled.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReplacementStatus::Recommended | ReplacementStatus::Scheduled
        )
    }
}

/// A half-day slot in the lab's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Slot {
    Am,
    Pm,
}

impl Slot {
    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Am => "am",
            Slot::Pm => "pm",
        }
    }
    pub fn parse(s: &str) -> Option<Slot> {
        [Slot::Am, Slot::Pm].into_iter().find(|x| x.as_str() == s)
    }
    /// Local hours [start, end) of the slot.
    pub fn hours(self) -> (u32, u32) {
        match self {
            Slot::Am => (8, 12),
            Slot::Pm => (13, 17),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Slot::Am => "Morning (08:00–12:00)",
            Slot::Pm => "Afternoon (13:00–17:00)",
        }
    }
}

/// Why seqhealth recommended a replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplacementSource {
    /// A degradation trend predicted to cross its limit.
    Prediction,
    /// A reading already outside its band.
    Warning,
}

/// An appointment: the lab's local date and slot, and the UTC window they make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appointment {
    pub date: NaiveDate,
    pub slot: Slot,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub scheduled_by: Option<String>,
    /// Who comes, if said when booking.
    #[serde(default)]
    pub engineer: Option<String>,
    /// The vendor's case number, if said when booking.
    #[serde(default)]
    pub case_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplacementRow {
    pub id: i64,
    pub instrument_id: i64,
    pub instrument_nickname: String,
    pub instrument_serial: String,
    /// Where the instrument stands, for the appointment.
    #[serde(default)]
    pub instrument_site: String,
    pub subsystem: Subsystem,
    pub component: String,
    /// The degradation signal whose chart is the evidence.
    pub sensor: String,
    pub sensor_label: String,
    pub status: ReplacementStatus,
    pub source: ReplacementSource,
    /// Why, in a sentence: the prediction or the warning.
    pub reason: String,
    /// The reason as data, worded in the reader's language; `None` on older rows.
    #[serde(default)]
    pub reason_said: Option<crate::Said>,
    pub warning_id: Option<i64>,
    pub predicted_at: Option<DateTime<Utc>>,
    /// The component's one replace-by date: the predictions list shows the same.
    pub replace_by: DateTime<Utc>,
    /// When new data last moved `replace_by`, from what, and why; `None` if it never has.
    #[serde(default)]
    pub moved: Option<ReplaceByMove>,
    pub appointment: Option<Appointment>,
    pub cancel_reason: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A move of a recommendation's replace-by date, made by new data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplaceByMove {
    pub on: DateTime<Utc>,
    pub from: DateTime<Utc>,
    /// What in the data moved it, e.g. "Reagent chiller temperature's daily peaks now rise
    /// 0.120 °C per day".
    pub why: String,
    /// The same as data; `None` on older rows.
    #[serde(default)]
    pub why_said: Option<crate::Said>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplacementList {
    pub replacements: Vec<ReplacementRow>,
    pub truncated: bool,
}

pub const MAX_REPLACEMENTS: usize = 500;

/// Body of `POST /replacements/{id}/schedule` and `/reschedule`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    pub date: NaiveDate,
    pub slot: Slot,
    /// Book the slot even though it falls inside a planned run.
    #[serde(default)]
    pub allow_collision: bool,
    /// Who comes (optional, up to 120 characters).
    #[serde(default)]
    pub engineer: Option<String>,
    /// The vendor's service case number (optional, up to 60 characters).
    #[serde(default)]
    pub case_number: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    #[serde(default)]
    pub note: Option<String>,
}

/// A run the lab plans on an instrument, as whole local days (inclusive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRun {
    pub id: i64,
    pub instrument_id: i64,
    pub instrument_nickname: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub label: String,
}

impl PlannedRun {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && day <= self.ends_on
    }
}

/// The day a new appointment is proposed for: the first weekday after `today` that none of
/// the instrument's `planned` runs covers (within 90 days; else the first weekday).
pub fn first_free_weekday(today: NaiveDate, planned: &[PlannedRun]) -> NaiveDate {
    use chrono::Datelike;
    let weekdays = today
        .iter_days()
        .skip(1)
        .take(90)
        .filter(|d| d.weekday().num_days_from_monday() < 5);
    let mut first = None;
    for day in weekdays {
        first.get_or_insert(day);
        if !planned.iter().any(|p| p.covers(day)) {
            return day;
        }
    }
    first.unwrap_or(today)
}

#[cfg(test)]
mod first_free_tests {
    use super::*;

    fn run(from: &str, to: &str) -> PlannedRun {
        PlannedRun {
            id: 1,
            instrument_id: 1,
            instrument_nickname: "Nimbus".into(),
            starts_on: from.parse().unwrap(),
            ends_on: to.parse().unwrap(),
            label: "WGS".into(),
        }
    }

    #[test]
    fn a_new_appointment_is_proposed_on_the_first_free_weekday() {
        let friday: NaiveDate = "2026-12-04".parse().unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // Not the weekend: Monday.
        assert_eq!(first_free_weekday(friday, &[]), d("2026-12-07"));
        // Monday to Wednesday taken by a planned run: Thursday.
        let busy = [run("2026-12-07", "2026-12-09")];
        assert_eq!(first_free_weekday(friday, &busy), d("2026-12-10"));
        // Booked solid for three months: the first weekday all the same.
        let solid = [run("2026-12-01", "2027-06-01")];
        assert_eq!(first_free_weekday(friday, &solid), d("2026-12-07"));
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRunList {
    pub planned_runs: Vec<PlannedRun>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedRunRequest {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub label: String,
}

/// Longest planned run a lab may enter, in days.
pub const MAX_PLANNED_RUN_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who: a user's name, or "seqhealth" for what the service did itself.
    pub actor: String,
    pub action: String,
    pub instrument_id: Option<i64>,
    pub instrument_nickname: Option<String>,
    pub replacement_id: Option<i64>,
    pub warning_id: Option<i64>,
    pub detail: String,
    /// The detail as data, worded in the reader's language; `None` on older entries.
    #[serde(default)]
    pub said: Option<crate::Said>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
    pub truncated: bool,
}

pub const MAX_AUDIT_ENTRIES: usize = 1000;

/// Whether the lab has a calendar feed, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarInfo {
    pub has_feed: bool,
    pub created_at: Option<DateTime<Utc>>,
}

/// A new feed address: shown once, only a hash is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarFeed {
    /// Path of the feed under the server's origin: `/api/v1/calendar/<token>.ics`.
    pub path: String,
    pub created_at: DateTime<Utc>,
}
