//! The wire contract between instruments (agent), server and dashboard.
//!
//! Every JSON body that crosses the network is a type in this crate, so the ends cannot
//! drift. Times are UTC (RFC 3339); the dashboard converts to the lab's time zone.
//! Ingest bodies reject unknown fields: an agent that sends something off the allow-list
//! is refused rather than silently trimmed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub mod domain;
pub mod enrollment;
pub mod notify;
pub mod people;
pub mod query;
pub mod replacements;
pub mod validate;
pub mod words;
pub use domain::{Health, Role, Subsystem};
pub use enrollment::*;
pub use people::{
    password_problem, AcceptInvitation, Invitation, InvitationLink, InviteRequest, Invited,
    LanguageChange, Member, NameChange, NewPassword, PasswordChange, ResetInfo, ResetRequest,
    RoleRequest, SetupStatus, Team,
};
pub use query::{
    InstrumentQuery, LangQuery, Query, QueryError, QueryString, ReplacementQuery, StatusFilter,
    TelemetryQuery, WarningQuery, WindowQuery,
};
pub use replacements::*;
pub use words::{Figure, Lexicon, Said};

/// The prefix of every API route.
pub const API_PREFIX: &str = "/api/v1";

/// Seconds in an hour and in a day: the units every window, bucket and forecast counts in.
pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

/// Body of every 4xx/5xx answer: what went wrong, and the detail a developer needs (in
/// English); `said` is the same detail as data, worded by the dashboard in the user's
/// language (absent from an older server, or for a detail without a code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said: Option<Said>,
}

// ---------------------------------------------------------------- session

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Who is logged in, and the lab every read is scoped to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: UserInfo,
    pub lab: LabInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The language the person chose for the dashboard; none yet: the browser's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
}

/// A language the dashboard speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    It,
    Es,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::It, Language::Es];

    /// Its code on the wire, in the database and in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::It => "it",
            Language::Es => "es",
        }
    }

    /// "it", "es" or "en", and a tag's primary part ("it-IT" in `Accept-Language`), in
    /// any case.
    pub fn parse(tag: &str) -> Option<Language> {
        let primary = tag.split(['-', '_']).next().unwrap_or("").trim();
        Language::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabInfo {
    pub name: String,
    /// IANA time zone name, e.g. "Europe/Berlin"; the dashboard shows times in it.
    pub time_zone: String,
}

// ---------------------------------------------------------------- ingest (instrument → server)

/// One finished run's aggregated summary and configuration. Never sequence data, never
/// sample or experiment names: only the allow-listed performance fields below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunIngest {
    /// The instrument's own run id (e.g. "240312_M00169_0042_000000000-A1B2C"); idempotency key.
    pub run_id: String,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Read structure, e.g. "151-8-8-151".
    pub read_structure: String,
    pub configuration: RunConfiguration,
    pub summary: RunSummary,
}

/// Run configuration: versions and lots, the things a lab compares runs by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfiguration {
    pub control_software_version: Option<String>,
    pub rta_version: Option<String>,
    pub flow_cell_id: Option<String>,
    pub flow_cell_lot: Option<String>,
    pub reagent_kit_lot: Option<String>,
    pub chemistry: Option<String>,
    /// The flow cell's type as RunParameters.xml names it ("S4", "SP", "P2", ...): %≥Q30
    /// differs by flow cell, so control limits are kept per type. Older agents omit it.
    #[serde(default)]
    pub flow_cell_type: Option<String>,
}

/// Aggregated run performance, as the InterOp summary computes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSummary {
    pub yield_gb: Option<f64>,
    /// Percent of bases at or above Q30 (non-index reads).
    pub pct_q30: Option<f64>,
    pub pct_pf: Option<f64>,
    /// Cluster density in K/mm².
    pub cluster_density_k_mm2: Option<f64>,
    /// Percent error rate against PhiX.
    pub error_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestAck {
    /// False when this run or batch id was already stored: nothing changed.
    pub stored: bool,
    pub readings: usize,
    pub events: usize,
}

/// A batch of subsystem sensor readings and operation-log events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryBatch {
    /// Chosen by the agent; idempotency key (a resend after a lost answer changes nothing).
    pub batch_id: String,
    /// Instrument configuration as of this batch (it changes with software upgrades).
    pub instrument: Option<InstrumentReport>,
    #[serde(default)]
    pub readings: Vec<SensorReading>,
    #[serde(default)]
    pub events: Vec<OperationEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentReport {
    pub control_software_version: Option<String>,
    pub rta_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorReading {
    pub at: DateTime<Utc>,
    pub subsystem: Subsystem,
    /// Sensor name, e.g. "laser_red_power_mw"; see `domain::SENSORS`.
    pub sensor: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationEvent {
    pub at: DateTime<Utc>,
    pub subsystem: Subsystem,
    /// Operation-log code, e.g. "FLUIDICS_BUBBLE_DETECTED". No free text.
    pub code: String,
    pub severity: EventSeverity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventSeverity {
    Info,
    Warning,
    Error,
}

// ---------------------------------------------------------------- dashboard reads

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fleet {
    pub lab: LabInfo,
    pub instruments: Vec<FleetInstrument>,
}

/// When each subsystem last sent a reading: freshness is shown apart from health
/// ("last reading 3 h ago" is not a fault; silence far beyond the usual is a warning).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsystemFreshness {
    pub optical: Option<DateTime<Utc>>,
    pub mechanical: Option<DateTime<Utc>>,
    pub thermal: Option<DateTime<Utc>>,
    pub fluidics: Option<DateTime<Utc>>,
    /// Per subsystem (in `Subsystem::ALL` order): its newest reading was derived from a
    /// finished run, so its freshness is the last run's ("from the last run, <date>").
    #[serde(default)]
    pub from_run: [bool; 4],
}

impl SubsystemFreshness {
    pub fn from_run(&self, s: Subsystem) -> bool {
        let i = Subsystem::ALL.iter().position(|x| *x == s).unwrap_or(0);
        self.from_run[i]
    }
    pub fn set_from_run(&mut self, s: Subsystem, yes: bool) {
        let i = Subsystem::ALL.iter().position(|x| *x == s).unwrap_or(0);
        self.from_run[i] = yes;
    }
    pub fn get(&self, s: Subsystem) -> Option<DateTime<Utc>> {
        match s {
            Subsystem::Optical => self.optical,
            Subsystem::Mechanical => self.mechanical,
            Subsystem::Thermal => self.thermal,
            Subsystem::Fluidics => self.fluidics,
        }
    }
    pub fn set(&mut self, s: Subsystem, t: DateTime<Utc>) {
        let slot = match s {
            Subsystem::Optical => &mut self.optical,
            Subsystem::Mechanical => &mut self.mechanical,
            Subsystem::Thermal => &mut self.thermal,
            Subsystem::Fluidics => &mut self.fluidics,
        };
        *slot = Some(t);
    }
}

/// One row of the fleet overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetInstrument {
    pub id: i64,
    pub serial: String,
    pub model: String,
    pub nickname: String,
    pub site: String,
    pub health: SubsystemHealth,
    #[serde(default)]
    pub freshness: SubsystemFreshness,
    pub last_run_pct_q30: Option<f64>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_report_at: Option<DateTime<Utc>>,
    #[serde(default = "enrolled")]
    pub connection: Connection,
    /// Per subsystem (in `Subsystem::ALL` order): how far its worst open problem has been
    /// handled, so that an acknowledged and booked critical reads differently from a new one.
    #[serde(default)]
    pub handling: [Handling; 4],
    /// Per subsystem (in `Subsystem::ALL` order): the rule of its worst open warning, what
    /// made its badge so (`threshold:chiller_temp_c`; the dashboard words it).
    #[serde(default)]
    pub causes: [Option<String>; 4],
    /// The last run's %≥Q30 against the control limits of its kind of run, judged when it
    /// arrived.
    #[serde(default)]
    pub last_run_control: RunControl,
    /// When the next booked replacement's slot starts (one not over yet).
    #[serde(default)]
    pub next_appointment: Option<DateTime<Utc>>,
    /// The first day of the next planned run (one not over yet, in the lab's zone).
    #[serde(default)]
    pub next_planned_run: Option<NaiveDate>,
}

/// A run's %≥Q30 against the control limits of its kind (read structure, flow cell).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunControl {
    /// Not judged: too few runs of its kind for limits yet (or stored before runs were
    /// judged as they arrived).
    #[default]
    NoLimits,
    InControl,
    /// The worst control rule it completes.
    Flagged(Q30Signal),
}

/// How far a subsystem's worst open warnings have been handled: the least handled of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handling {
    /// Nobody has acted on it yet (or there is no open warning).
    #[default]
    Open,
    /// A manager acknowledged it.
    Acknowledged,
    /// A replacement of its component is booked, its slot starting then.
    Booked(DateTime<Utc>),
}

fn enrolled() -> Connection {
    Connection::Enrolled
}

/// Health per subsystem, always all four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsystemHealth {
    pub optical: Health,
    pub mechanical: Health,
    pub thermal: Health,
    pub fluidics: Health,
}

impl SubsystemHealth {
    pub fn get(&self, s: Subsystem) -> Health {
        match s {
            Subsystem::Optical => self.optical,
            Subsystem::Mechanical => self.mechanical,
            Subsystem::Thermal => self.thermal,
            Subsystem::Fluidics => self.fluidics,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstrumentDetail {
    pub id: i64,
    pub serial: String,
    pub model: String,
    pub nickname: String,
    pub site: String,
    pub control_software_version: Option<String>,
    pub rta_version: Option<String>,
    pub data_sharing: bool,
    pub health: SubsystemHealth,
    #[serde(default)]
    pub freshness: SubsystemFreshness,
    pub last_report_at: Option<DateTime<Utc>>,
    pub lab: LabInfo,
    #[serde(default = "enrolled")]
    pub connection: Connection,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub token_revoked_at: Option<DateTime<Utc>>,
    /// When the agent's switch last changed; `None` if it never reported one.
    pub data_sharing_since: Option<DateTime<Utc>>,
    /// When the server last heard from the agent (not the time of the data it sent).
    #[serde(default)]
    pub last_contact_at: Option<DateTime<Utc>>,
    /// The sensors (and run-derived signals) this instrument has reported, by name: the
    /// instrument page charts these, not every sensor a model could have.
    #[serde(default)]
    pub sensors: Vec<String>,
    /// Until when the instrument's notifications are silenced (a service visit), while
    /// that is still ahead; `None` when they are not.
    #[serde(default)]
    pub silenced_until: Option<DateTime<Utc>>,
    /// Why they are silenced, with `silenced_until`.
    #[serde(default)]
    pub silence_reason: Option<String>,
}

/// One run as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    pub run_id: String,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub read_structure: String,
    pub yield_gb: Option<f64>,
    pub pct_q30: Option<f64>,
    pub pct_pf: Option<f64>,
    pub cluster_density_k_mm2: Option<f64>,
    pub error_rate: Option<f64>,
    pub reagent_kit_lot: Option<String>,
    pub flow_cell_lot: Option<String>,
    /// "S4", "SP", "P2", ...: runs are compared with runs on the same type.
    #[serde(default)]
    pub flow_cell_type: Option<String>,
    pub control_software_version: Option<String>,
    /// Statistical process control rules this run's %≥Q30 completes (none: in control).
    #[serde(default)]
    pub q30_signals: Vec<Q30Signal>,
}

/// A control rule that fired at a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Q30Signal {
    /// "1 beyond 3σ", "2 of 3 beyond 2σ", "4 of 5 beyond 1σ", "8 in a row", "below spec floor".
    pub rule: String,
    /// The rule as a code, worded by the reader: "1_beyond_3sd", "2_of_3_beyond_2sd",
    /// "4_of_5_beyond_1sd", "8_on_one_side", "below_floor" (empty from older servers).
    #[serde(default)]
    pub code: String,
    /// "above" or "below" the baseline mean.
    pub side: String,
    pub severity: Severity,
}

/// Control limits of %≥Q30 for one read structure of an instrument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Q30Control {
    pub read_structure: String,
    /// The flow-cell type of the runs these limits are for (`None`: runs that name none).
    #[serde(default)]
    pub flow_cell_type: Option<String>,
    /// Baseline: the instrument's first runs of this read structure and flow-cell type.
    pub baseline_runs: usize,
    pub center: f64,
    pub lower: f64,
    pub upper: f64,
    /// Spec-sheet floor for the model and read length, where known.
    pub floor: Option<f64>,
}

/// Runs of one instrument in a time window, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunList {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub runs: Vec<RunRow>,
    /// Control limits per read structure and flow-cell type present in `runs`, most runs
    /// first.
    #[serde(default)]
    pub control: Vec<Q30Control>,
    /// True when the window held more runs than one response carries (`MAX_RUNS`).
    pub truncated: bool,
}

// ---------------------------------------------------------------- telemetry

/// A sensor and the band it is judged by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorInfo {
    pub name: String,
    pub label: String,
    pub unit: String,
    pub subsystem: Subsystem,
    pub warn: (f64, f64),
    pub critical: (f64, f64),
}

/// One time bucket of a sensor's readings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelemetryPoint {
    /// Start of the bucket.
    pub at: DateTime<Utc>,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    /// Readings in the bucket.
    pub n: i64,
}

/// A sensor's readings in a window as time buckets; never more than `MAX_SERIES_POINTS`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelemetrySeries {
    pub sensor: SensorInfo,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub bucket_seconds: i64,
    pub points: Vec<TelemetryPoint>,
}

pub const MAX_SERIES_POINTS: usize = 1000;

// ---------------------------------------------------------------- predictions

/// When a component's degradation signal is predicted to cross its limit, and the
/// evidence: the robust trend fitted to the signal's daily means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub component: String,
    pub subsystem: Subsystem,
    pub sensor: String,
    pub sensor_label: String,
    pub unit: String,
    /// The limit the trend is heading for (the edge of the normal band).
    pub limit: f64,
    /// Change of the signal per day, from the fit.
    pub slope_per_day: f64,
    /// What was fitted: the daily mean (the level) or the daily extreme (the peaks).
    #[serde(default)]
    pub fitted: domain::LimitOn,
    pub predicted_at: DateTime<Utc>,
    /// The interval the crossing is expected in (nominally 95 %: it held 91–95 % of
    /// simulated failures in `health-eval`). It opens early where wear may be speeding up.
    pub earliest: DateTime<Utc>,
    pub latest: DateTime<Utc>,
    /// Replace before this: a week before the fitted line's interval opens, and never
    /// after `earliest`.
    pub replace_by: DateTime<Utc>,
    /// The fitted trend, from the first day of the evidence to the predicted crossing.
    pub fit_from: DateTime<Utc>,
    pub fit_from_value: f64,
    /// That trend as points to draw, from `fit_from` to the crossing: two for a line,
    /// more where the wear bends toward the limit.
    #[serde(default)]
    pub fit: Vec<FitPoint>,
    /// Days of readings the fit used.
    pub basis_days: usize,
    /// For a signal derived from each run: the forecast counted in runs, at the
    /// instrument's own pace.
    #[serde(default)]
    pub in_runs: Option<RunForecast>,
}

/// A run-derived signal's forecast in runs: fitted one run per step, how many more runs
/// until the crossing, the change per run, and the pace of the last 90 days that dates it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RunForecast {
    pub runs_to_crossing: u32,
    pub runs_per_week: f64,
    pub change_per_run: f64,
    /// Runs the forecast was fitted on (the most recent since the part was fitted).
    #[serde(default)]
    pub runs_used: u32,
}

/// A point of a fitted trend.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitPoint {
    pub at: DateTime<Utc>,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionList {
    pub evaluated_at: DateTime<Utc>,
    pub predictions: Vec<Prediction>,
}

// ---------------------------------------------------------------- warnings

/// How bad a warning (or a finding of the health rules) is. Ordered so that the worst of
/// several is their `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// active → acknowledged → resolved; resolved warnings stay as history. Ordered as a
/// warning moves (status never goes back). The transitions are decided by
/// `seqhealth_health::warning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WarningStatus {
    Active,
    Acknowledged,
    Resolved,
}

impl WarningStatus {
    pub const ALL: [WarningStatus; 3] = [
        WarningStatus::Active,
        WarningStatus::Acknowledged,
        WarningStatus::Resolved,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            WarningStatus::Active => "active",
            WarningStatus::Acknowledged => "acknowledged",
            WarningStatus::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<WarningStatus> {
        WarningStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl std::fmt::Display for WarningStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningRow {
    pub id: i64,
    pub instrument_id: i64,
    pub instrument_nickname: String,
    pub instrument_serial: String,
    pub subsystem: Subsystem,
    /// The rule that raised it, e.g. "threshold:chiller_temp_c".
    pub rule: String,
    pub severity: Severity,
    pub status: WarningStatus,
    pub raised_at: DateTime<Utc>,
    /// When the latest finding that keeps it open came (its message and value are that
    /// finding's), where later than `raised_at`; `None` for a resolved warning.
    #[serde(default)]
    pub latest_at: Option<DateTime<Utc>>,
    /// The reading that triggered it (or the latest while it stays active).
    pub value: Option<f64>,
    /// The cause in English (as `said` says it; all a warning stored before codes has).
    pub message: String,
    /// The cause as data, worded in the reader's language; `None` on older rows.
    #[serde(default)]
    pub said: Option<crate::Said>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledge_reason: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Set while a scheduled replacement of the warning's component is pending: the
    /// warning is expected, and muted until the appointment ends.
    #[serde(default)]
    pub muted_until: Option<DateTime<Utc>>,
    /// When the open warning got worse (became critical). An acknowledgement or booking
    /// made before then no longer quiets it: it alerts again.
    #[serde(default)]
    pub worse_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningList {
    pub warnings: Vec<WarningRow>,
    /// True when more warnings matched than one response carries (`MAX_WARNINGS`).
    pub truncated: bool,
}

pub const MAX_WARNINGS: usize = 500;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeRequest {
    pub reason: String,
}

/// Upper bound of runs in one response: a response is bounded by what a screen shows.
pub const MAX_RUNS: usize = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingest_rejects_fields_off_the_allow_list() {
        let body = r#"{"batch_id":"b1","readings":[],"events":[],"sample_sheet":"x"}"#;
        let err = serde_json::from_str::<TelemetryBatch>(body).unwrap_err();
        assert!(err.to_string().contains("sample_sheet"), "{err}");
    }

    #[test]
    fn subsystem_names_are_lowercase_on_the_wire() {
        let r = SensorReading {
            at: "2026-01-02T03:04:05Z".parse().unwrap(),
            subsystem: Subsystem::Fluidics,
            sensor: "line_pressure_kpa".into(),
            value: 101.5,
        };
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""subsystem":"fluidics""#), "{json}");
        assert_eq!(serde_json::from_str::<SensorReading>(&json).unwrap(), r);
    }
}

// ---------------------------------------------------------------- today

/// What a "Today" item is about, in the order a manager takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TodayKind {
    Critical,
    Warning,
    ReplacementDue,
    PlannedRunAtRisk,
    Silent,
}

/// One thing that needs a manager now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TodayItem {
    pub kind: TodayKind,
    pub instrument_id: i64,
    pub instrument_nickname: String,
    pub instrument_serial: String,
    /// What it is, for people: "Reagent chiller temperature: at 14.2 °C, above …".
    pub title: String,
    /// The title as data, worded in the reader's language; `None` where a part of it was
    /// stored before codes.
    #[serde(default)]
    pub title_said: Option<crate::Said>,
    /// How far it has been handled; only `Open` items count as unhandled.
    pub handling: Handling,
    /// When it began (a warning) or is due (a replacement, a planned run's first day).
    pub at: DateTime<Utc>,
    pub warning_id: Option<i64>,
    pub replacement_id: Option<i64>,
}

/// The lab's "Today": what needs a manager now, ranked, and how many nobody has handled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Today {
    pub items: Vec<TodayItem>,
    pub unhandled: usize,
}

/// Replacements due within this many days are on "Today".
pub const TODAY_DUE_DAYS: i64 = 14;
