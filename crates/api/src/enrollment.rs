//! Adding an instrument, enrolling its agent with a one-time code, revoking its token,
//! and the agent's "send performance data" switch.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Models a lab can add (the ones the domain tables know).
pub const MODELS: &[&str] = &[
    "MiSeq",
    "iSeq 100",
    "NextSeq 500",
    "NextSeq 550",
    "NextSeq 1000",
    "NextSeq 2000",
    "NovaSeq 6000",
    "NovaSeq X",
    "NovaSeq X Plus",
    "HiSeq 2500",
];

/// How long an enrollment code can be used.
pub const ENROLLMENT_CODE_HOURS: i64 = 24;

/// Body of `POST /instruments` (managers).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInstrumentRequest {
    pub model: String,
    pub serial: String,
    pub nickname: String,
    #[serde(default)]
    pub site: String,
}

/// A one-time code for an instrument's agent, shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollmentCode {
    pub instrument_id: i64,
    /// Ten characters in two groups, e.g. "K7QM2-XR4TD": no 0/O or 1/I/L to confuse.
    pub code: String,
    pub expires_at: DateTime<Utc>,
    /// Who the code is for, in words: "Bench MiSeq (MiSeq M07777)".
    #[serde(default)]
    pub instrument: String,
    /// The address the agent reaches the server at (the server's `--public-url`), for the
    /// command the instrument PC runs: not the browser's, which may be a loopback one.
    #[serde(default)]
    pub server_url: String,
}

/// Body of `POST /enroll` (the agent, no session).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub code: String,
}

/// What the agent gets for a valid code: its own long-lived token (the server keeps a hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrollment {
    pub instrument_id: i64,
    pub serial: String,
    pub model: String,
    pub nickname: String,
    pub token: String,
}

/// Body of `POST /ingest/sharing`: the agent's switch changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharingReport {
    pub enabled: bool,
    pub at: DateTime<Utc>,
}

/// An instrument's link to its agent, as the instrument page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    /// Added, its agent not enrolled yet.
    AwaitingEnrollment,
    /// Enrolled; reports arrive with its token.
    Enrolled,
    /// Its token was revoked; it needs a new code.
    Revoked,
}
