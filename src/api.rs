//! The typed API client: one function per endpoint, the server's error body decoded.

use gloo_net::http::{Request, RequestBuilder, Response};
use seqhealth_api::{
    AcknowledgeRequest, ApiError, AuditList, CalendarFeed, CalendarInfo, CancelRequest,
    CompleteRequest, EnrollmentCode, Fleet, InstrumentDetail, LoginRequest, NewInstrumentRequest,
    PlannedRun, PlannedRunList, PlannedRunRequest, PredictionList, ReplacementList, ReplacementRow,
    RunList, ScheduleRequest, SessionInfo, TelemetrySeries, WarningList, WarningRow, API_PREFIX,
};
use serde::de::DeserializeOwned;
use std::fmt;

/// Why a call failed, in the words the page shows.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// No or expired session: the app goes to the login page.
    Unauthenticated,
    /// The server answered with an error.
    Server { status: u16, error: ApiError },
    /// The server could not be reached at all.
    Network(String),
    /// The answer was not what this version of the dashboard expects.
    Decode(String),
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiFailure::Unauthenticated => {
                write!(f, "Your session has ended. Please log in again.")
            }
            ApiFailure::Server { status, error } if *status == 404 => {
                write!(f, "Not found: {}", error.detail)
            }
            ApiFailure::Server { status, error } => {
                write!(f, "The server answered {status}: {}", error.detail)
            }
            ApiFailure::Network(_) => write!(
                f,
                "Cannot reach the seqhealth server. Check the connection and retry."
            ),
            ApiFailure::Decode(e) => write!(
                f,
                "The server's answer could not be read ({e}). Reload the page."
            ),
        }
    }
}

impl std::error::Error for ApiFailure {}

fn url(path: &str) -> String {
    format!("{API_PREFIX}{path}")
}

async fn send(req: Result<Request, gloo_net::Error>) -> Result<Response, ApiFailure> {
    let req = req.map_err(|e| ApiFailure::Decode(e.to_string()))?;
    let resp = req
        .send()
        .await
        .map_err(|e| ApiFailure::Network(e.to_string()))?;
    match resp.status() {
        200..=299 => Ok(resp),
        401 => Err(ApiFailure::Unauthenticated),
        status => {
            let error = resp.json::<ApiError>().await.unwrap_or_else(|_| ApiError {
                error: "http_error".into(),
                detail: resp.status_text(),
            });
            Err(ApiFailure::Server { status, error })
        }
    }
}

async fn decode<T: DeserializeOwned>(resp: Response) -> Result<T, ApiFailure> {
    resp.json::<T>()
        .await
        .map_err(|e| ApiFailure::Decode(e.to_string()))
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    decode(send(RequestBuilder::new(&url(path)).build()).await?).await
}

pub async fn session() -> Result<SessionInfo, ApiFailure> {
    get("/session").await
}

pub async fn login(email: String, password: String) -> Result<SessionInfo, ApiFailure> {
    let req = Request::post(&url("/session")).json(&LoginRequest { email, password });
    decode(send(req).await?).await
}

pub async fn logout() -> Result<(), ApiFailure> {
    send(Request::delete(&url("/session")).build())
        .await
        .map(|_| ())
}

pub async fn fleet() -> Result<Fleet, ApiFailure> {
    get("/fleet").await
}

pub async fn instrument(id: i64) -> Result<InstrumentDetail, ApiFailure> {
    get(&format!("/instruments/{id}")).await
}

/// Runs started in the last `days` days.
pub async fn runs(id: i64, days: i64) -> Result<RunList, ApiFailure> {
    let now = crate::time::now();
    let from = now - chrono::Duration::days(days);
    let q = format!(
        "from={}&to={}",
        enc(&from.to_rfc3339()),
        enc(&now.to_rfc3339())
    );
    get(&format!("/instruments/{id}/runs?{q}")).await
}

/// One sensor's buckets over the last `days` days.
pub async fn telemetry(id: i64, metric: &str, days: i64) -> Result<TelemetrySeries, ApiFailure> {
    let now = crate::time::now();
    let from = now - chrono::Duration::days(days);
    let q = format!(
        "metric={}&from={}&to={}",
        enc(metric),
        enc(&from.to_rfc3339()),
        enc(&now.to_rfc3339())
    );
    get(&format!("/instruments/{id}/telemetry?{q}")).await
}

pub async fn predictions(id: i64) -> Result<PredictionList, ApiFailure> {
    get(&format!("/instruments/{id}/predictions")).await
}

/// Warnings filter: empty strings mean "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WarningFilter {
    pub status: String,
    pub severity: String,
    pub subsystem: String,
    pub instrument: String,
}

pub async fn warnings(f: WarningFilter) -> Result<WarningList, ApiFailure> {
    let q = format!(
        "status={}&severity={}&subsystem={}&instrument={}",
        enc(&f.status),
        enc(&f.severity),
        enc(&f.subsystem),
        enc(&f.instrument)
    );
    get(&format!("/warnings?{q}")).await
}

pub async fn acknowledge(id: i64, reason: String) -> Result<WarningRow, ApiFailure> {
    let req = Request::post(&url(&format!("/warnings/{id}/acknowledge")))
        .json(&AcknowledgeRequest { reason });
    decode(send(req).await?).await
}

/// Replacements filter: empty strings mean "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplacementFilter {
    pub status: String,
    pub instrument: String,
}

impl ReplacementFilter {
    fn query(&self) -> String {
        format!(
            "status={}&instrument={}",
            enc(&self.status),
            enc(&self.instrument)
        )
    }
    /// The same list as a CSV download (a plain link: the browser sends the cookie).
    pub fn csv_href(&self) -> String {
        url(&format!("/replacements.csv?{}", self.query()))
    }
}

pub async fn replacements(f: ReplacementFilter) -> Result<ReplacementList, ApiFailure> {
    get(&format!("/replacements?{}", f.query())).await
}

/// The lab's appointments as an iCalendar file.
pub fn ics_href() -> String {
    url("/replacements.ics")
}

async fn post<B: serde::Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    decode(send(Request::post(&url(path)).json(body)).await?).await
}

pub async fn schedule(
    id: i64,
    req: ScheduleRequest,
    reschedule: bool,
) -> Result<ReplacementRow, ApiFailure> {
    let verb = if reschedule { "reschedule" } else { "schedule" };
    post(&format!("/replacements/{id}/{verb}"), &req).await
}

pub async fn cancel_replacement(id: i64, reason: String) -> Result<ReplacementRow, ApiFailure> {
    post(
        &format!("/replacements/{id}/cancel"),
        &CancelRequest { reason },
    )
    .await
}

pub async fn complete_replacement(
    id: i64,
    note: Option<String>,
) -> Result<ReplacementRow, ApiFailure> {
    post(
        &format!("/replacements/{id}/complete"),
        &CompleteRequest { note },
    )
    .await
}

/// Planned runs not yet over; `instrument` narrows to one.
pub async fn planned_runs(instrument: Option<i64>) -> Result<PlannedRunList, ApiFailure> {
    let q = instrument
        .map(|i| format!("?instrument={i}"))
        .unwrap_or_default();
    get(&format!("/planned-runs{q}")).await
}

pub async fn add_planned_run(
    instrument: i64,
    req: PlannedRunRequest,
) -> Result<PlannedRun, ApiFailure> {
    post(&format!("/instruments/{instrument}/planned-runs"), &req).await
}

pub async fn remove_planned_run(id: i64) -> Result<(), ApiFailure> {
    send(Request::delete(&url(&format!("/planned-runs/{id}"))).build())
        .await
        .map(|_| ())
}

pub async fn audit(instrument: String) -> Result<AuditList, ApiFailure> {
    get(&format!("/audit?instrument={}", enc(&instrument))).await
}

pub fn audit_csv_href(instrument: &str) -> String {
    url(&format!("/audit.csv?instrument={}", enc(instrument)))
}

pub async fn calendar() -> Result<CalendarInfo, ApiFailure> {
    get("/calendar").await
}

pub async fn new_calendar_link() -> Result<CalendarFeed, ApiFailure> {
    /// An empty JSON object.
    #[derive(serde::Serialize)]
    struct Nothing {}
    post("/calendar/token", &Nothing {}).await
}

pub async fn add_instrument(req: NewInstrumentRequest) -> Result<EnrollmentCode, ApiFailure> {
    post("/instruments", &req).await
}

pub async fn new_enrollment_code(id: i64) -> Result<EnrollmentCode, ApiFailure> {
    #[derive(serde::Serialize)]
    struct Nothing {}
    post(&format!("/instruments/{id}/enrollment-code"), &Nothing {}).await
}

pub async fn revoke_token(id: i64) -> Result<(), ApiFailure> {
    send(Request::post(&url(&format!("/instruments/{id}/revoke"))).build())
        .await
        .map(|_| ())
}

fn enc(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}
