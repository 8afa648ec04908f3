//! The typed API client: one function per endpoint, the server's error body decoded.

use crate::json::FromJson;
use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::*;
use seqhealth_api::notify::{
    DeliveryLog, NewWebhook, NotifyPrefs, NotifySettings, Webhook, WebhookCreated, WebhookEnabled,
};
use seqhealth_api::{
    AcceptInvitation, AcknowledgeRequest, ApiError, AuditList, CalendarFeed, CalendarInfo,
    CancelRequest, CompleteRequest, EnrollmentCode, Fleet, InstrumentDetail, InstrumentQuery,
    Invitation, InvitationLink, InviteRequest, Language, LanguageChange, LoginRequest, NameChange,
    NewInstrumentRequest, NewPassword, PasswordChange, PlannedRun, PlannedRunList,
    PlannedRunRequest, PredictionList, Query, ReplacementList, ReplacementQuery, ReplacementRow,
    ResetInfo, ResetRequest, Role, RoleRequest, RunList, ScheduleRequest, SessionInfo, Team,
    TelemetryQuery, TelemetrySeries, WarningList, WarningQuery, WarningRow, WindowQuery,
    API_PREFIX,
};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

/// Why a call failed, in the words the page shows.
#[derive(Clone, PartialEq)]
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
        let said = match self {
            ApiFailure::Unauthenticated => {
                t!("Your session has ended. Please log in again.").to_string()
            }
            ApiFailure::Server { status, error } if *status == 404 => {
                tf!("Not found: {0}", detail(error))
            }
            ApiFailure::Server { status, error } => {
                tf!("The server answered {0}: {1}", status, detail(error))
            }
            ApiFailure::Network(_) => {
                t!("Cannot reach the seqhealth server. Check the connection and retry.").to_string()
            }
            ApiFailure::Decode(e) => tf!(
                "The server's answer could not be read ({0}). Reload the page.",
                e
            ),
        };
        f.write_str(&said)
    }
}

/// Written by hand to leave out the error's `said`: its figures' derived `Debug` would
/// bring core's float formatting into the wasm (about 7 KB) for a text no page shows.
impl fmt::Debug for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiFailure::Unauthenticated => f.write_str("Unauthenticated"),
            ApiFailure::Server { status, error } => {
                write!(f, "Server({status}, {}: {})", error.error, error.detail)
            }
            ApiFailure::Network(e) => write!(f, "Network({e})"),
            ApiFailure::Decode(e) => write!(f, "Decode({e})"),
        }
    }
}

impl std::error::Error for ApiFailure {}

/// The server's detail in the user's language (its English when it came without a code).
fn detail(error: &ApiError) -> String {
    crate::words::say(error.said.as_ref(), &error.detail)
}

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
            let body = resp.text().await.unwrap_or_default();
            let error = decode::<ApiError>(&body).unwrap_or_else(|_| ApiError {
                error: "http_error".into(),
                detail: resp.status_text(),
                said: None,
            });
            Err(ApiFailure::Server { status, error })
        }
    }
}

/// The answer's body as text: one non-generic future for every call.
async fn text(req: Result<Request, gloo_net::Error>) -> Result<String, ApiFailure> {
    send(req)
        .await?
        .text()
        .await
        .map_err(|e| ApiFailure::Decode(e.to_string()))
}

fn decode<T: FromJson>(body: &str) -> Result<T, ApiFailure> {
    crate::json::from_str(body).map_err(|e| ApiFailure::Decode(e.to_string()))
}

async fn get<T: FromJson>(path: &str) -> Result<T, ApiFailure> {
    decode(&text(RequestBuilder::new(&url(path)).build()).await?)
}

/// Server data, read again whenever what its path reads changes (and on `refetch`).
///
/// It holds the answer as JSON text and decodes on reading: every resource of the app is
/// then the same `LocalResource`, so the reactive machinery behind it is compiled once
/// instead of once per type of answer (a much smaller wasm). Decoding again on each read
/// costs little: a read is a re-render, which rebuilds the DOM anyway.
pub struct Remote<T> {
    body: LocalResource<Result<String, ApiFailure>>,
    ty: PhantomData<fn() -> T>,
}

impl<T> Clone for Remote<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Remote<T> {}

impl<T: FromJson> Remote<T> {
    /// `path`: the path under the API prefix, reactive.
    pub fn new(path: impl Fn() -> String + 'static) -> Self {
        Remote {
            body: body_resource(Box::new(path)),
            ty: PhantomData,
        }
    }

    /// `None` until the first answer, then the latest one (the previous answer stays while
    /// it is read again). Reactive.
    pub fn get(&self) -> Option<Result<T, ApiFailure>> {
        let mut out = None;
        read_body(&self.body, &mut |b| out = Some(answer(b)));
        out
    }

    /// Whether an answer (or failure) has arrived. Reactive; decodes nothing.
    pub fn is_loaded(&self) -> bool {
        self.body.map(|_| ()).is_some()
    }

    pub fn refetch(&self) {
        self.body.refetch()
    }
}

/// The answer of a body as read: decoded, or the failure.
fn answer<T: FromJson>(body: &Result<String, ApiFailure>) -> Result<T, ApiFailure> {
    match body {
        Ok(body) => decode(body),
        Err(e) => Err(e.clone()),
    }
}

/// Reads (reactively) a resource's body, if it has one, with `f`: one reader for every
/// type of answer instead of the resource's reading compiled into each `Remote<T>::get`.
#[inline(never)]
fn read_body(
    body: &LocalResource<Result<String, ApiFailure>>,
    f: &mut dyn FnMut(&Result<String, ApiFailure>),
) {
    body.map(f);
}

fn body_resource(path: Box<dyn Fn() -> String>) -> LocalResource<Result<String, ApiFailure>> {
    LocalResource::new(move || {
        let url = url(&path());
        async move { text(RequestBuilder::new(&url).build()).await }
    })
}

pub async fn session() -> Result<SessionInfo, ApiFailure> {
    get("/session").await
}

/// Answers a `SessionInfo`.
pub fn login(email: String, password: String) -> Call<SessionInfo> {
    post("/session", &LoginRequest { email, password })
}

/// The lab's people and open invitations.
pub fn team() -> Remote<Team> {
    Remote::new(|| "/users".into())
}

/// Answers the one-time link to send the colleague.
pub fn invite(req: InviteRequest) -> Call<InvitationLink> {
    post("/invitations", &req)
}

/// A manager changes a person's role.
pub fn set_role(user: i64, role: Role) -> Call<()> {
    no_content(Request::post(&url(&format!("/users/{user}/role"))).json(&RoleRequest { role }))
}

/// A manager deactivates a person: their sessions end, they cannot log in.
pub fn deactivate(user: i64) -> Call<()> {
    no_content(Request::post(&url(&format!("/users/{user}/deactivate"))).build())
}

/// A manager sends an open invitation again: a new link (mailed, and answered to show).
pub fn resend_invitation(id: i64) -> Call<InvitationLink> {
    let req = Request::post(&url(&format!("/team/invitations/{id}/resend"))).build();
    call(Box::pin(text(req)))
}

/// A manager withdraws an open invitation: its link stops working.
pub fn withdraw_invitation(id: i64) -> Call<()> {
    no_content(Request::delete(&url(&format!("/team/invitations/{id}"))).build())
}

/// "Forgot password?": asks for a reset link by mail (202 whatever the address).
pub fn forgot_password(email: String) -> Call<()> {
    no_content(Request::post(&url("/password-reset")).json(&ResetRequest { email }))
}

/// Whether the server has a lab yet (no session needed).
pub fn setup_status() -> Remote<seqhealth_api::SetupStatus> {
    Remote::new(|| "/setup".into())
}

/// Whose password a reset link sets (no session needed).
pub fn reset_info(token: String) -> Remote<ResetInfo> {
    Remote::new(move || format!("/resets/{token}"))
}

/// Sets the new password with a reset link; answers the new session.
pub fn reset_password(token: &str, password: String) -> Call<SessionInfo> {
    post(&format!("/resets/{token}"), &NewPassword { password })
}

/// What a one-time link is for (no session needed).
pub fn invitation(token: String) -> Remote<Invitation> {
    Remote::new(move || format!("/invitations/{token}"))
}

/// Accepts a one-time link: the account is made and its session started.
pub fn accept_invitation(token: &str, name: String, password: String) -> Call<SessionInfo> {
    post(
        &format!("/invitations/{token}/accept"),
        &AcceptInvitation { name, password },
    )
}

/// Ends every session of the caller (`DELETE /sessions`).
pub async fn logout_everywhere() -> Result<(), ApiFailure> {
    send(Request::delete(&url("/sessions")).build())
        .await
        .map(|_| ())
}

/// Changes one's own name.
pub fn set_name(name: String) -> Call<()> {
    no_content(Request::post(&url("/account/name")).json(&NameChange { name }))
}

/// Remembers the dashboard's language for the caller, in any browser they log in from.
pub async fn set_language(language: Language) -> Result<(), ApiFailure> {
    let req = Request::post(&url("/account/language")).json(&LanguageChange { language });
    send(req).await.map(|_| ())
}

/// Changes one's own password; every other session ends.
pub fn set_password(current: String, new: String) -> Call<()> {
    no_content(Request::post(&url("/account/password")).json(&PasswordChange { current, new }))
}

pub async fn logout() -> Result<(), ApiFailure> {
    send(Request::delete(&url("/session")).build())
        .await
        .map(|_| ())
}

pub fn fleet() -> Remote<Fleet> {
    Remote::new(|| "/fleet".into())
}

/// What needs a manager now, ranked.
pub fn today() -> Remote<seqhealth_api::Today> {
    today_on(|| ())
}

/// [`today`], read again whenever what `track` reads changes (the nav's count follows
/// each navigation, so a warning acknowledged on another page leaves the count at once).
pub fn today_on(track: impl Fn() + 'static) -> Remote<seqhealth_api::Today> {
    Remote::new(move || {
        track();
        "/today".into()
    })
}

pub fn instrument(id: i64) -> Remote<InstrumentDetail> {
    Remote::new(move || format!("/instruments/{id}"))
}

/// The last `days` days, up to now.
fn window(days: i64) -> WindowQuery {
    let now = crate::time::now();
    let from = now - chrono::Duration::days(days);
    WindowQuery {
        from: Some(from.to_rfc3339()),
        to: Some(now.to_rfc3339()),
    }
}

/// Runs started in the last `days` days.
pub fn runs(id: i64, days: RwSignal<i64>) -> Remote<RunList> {
    Remote::new(move || format!("/instruments/{id}/runs?{}", window(days.get()).to_query()))
}

/// One sensor's buckets over the last `days` days.
pub fn telemetry(id: i64, metric: &'static str, days: RwSignal<i64>) -> Remote<TelemetrySeries> {
    Remote::new(move || {
        let WindowQuery { from, to } = window(days.get());
        let q = TelemetryQuery {
            metric: Some(metric.into()),
            from,
            to,
        };
        format!("/instruments/{id}/telemetry?{}", q.to_query())
    })
}

pub fn predictions(id: i64) -> Remote<PredictionList> {
    Remote::new(move || format!("/instruments/{id}/predictions"))
}

/// `filter` is reactive.
pub fn warnings(filter: impl Fn() -> WarningQuery + 'static) -> Remote<WarningList> {
    Remote::new(move || format!("/warnings?{}", filter().to_query()))
}

/// Answers the `WarningRow`.
pub fn acknowledge(id: i64, reason: String) -> Call<WarningRow> {
    post(
        &format!("/warnings/{id}/acknowledge"),
        &AcknowledgeRequest { reason },
    )
}

/// The replacements `filter` selects as a CSV download (a plain link: the browser sends
/// the cookie).
pub fn replacements_csv_href(filter: &ReplacementQuery) -> String {
    // Its reasons in the dashboard's language.
    let q = [filter.to_query(), in_my_language()];
    url(&format!(
        "/replacements.csv?{}",
        q.join("&").trim_start_matches('&')
    ))
}

/// `filter` is reactive.
pub fn replacements(filter: impl Fn() -> ReplacementQuery + 'static) -> Remote<ReplacementList> {
    Remote::new(move || format!("/replacements?{}", filter().to_query()))
}

/// The lab's appointments as an iCalendar file.
pub fn ics_href() -> String {
    url(&format!("/replacements.ics?{}", in_my_language()))
}

/// An export's query asking for the dashboard's language (`lang=it`).
pub fn in_my_language() -> String {
    seqhealth_api::LangQuery {
        lang: Some(crate::i18n::lang()),
    }
    .to_query()
}

/// The answer's text, on its way: one non-generic future type for every mutation.
type Pending = Pin<Box<dyn Future<Output = Result<String, ApiFailure>>>>;

/// A request that changes something, built when a `Mutation` is dispatched. `T` is what
/// its endpoint answers, fixed by the function that builds it: a `Mutation` of another
/// type does not compile.
pub struct Call<T> {
    pending: Pending,
    ty: PhantomData<fn() -> T>,
}

fn call<T>(pending: Pending) -> Call<T> {
    Call {
        pending,
        ty: PhantomData,
    }
}

fn post<T>(path: &str, body: &impl serde::Serialize) -> Call<T> {
    call(Box::pin(text(Request::post(&url(path)).json(body))))
}

fn put<T>(path: &str, body: &impl serde::Serialize) -> Call<T> {
    call(Box::pin(text(Request::put(&url(path)).json(body))))
}

/// A request whose answer carries nothing: it answers JSON `null`, which decodes as `()`.
fn no_content(req: Result<Request, gloo_net::Error>) -> Call<()> {
    call(Box::pin(async move {
        send(req).await.map(|_| "null".to_string())
    }))
}

/// A request refused before it is sent (the form is incomplete).
pub fn refused<T>(failure: ApiFailure) -> Call<T> {
    call(Box::pin(std::future::ready(Err(failure))))
}

/// A change sent on demand, as leptos' `Action`. Like [`Remote`] it holds the answer as
/// text and decodes on reading, so every mutation is the same `Action` in the wasm.
pub struct Mutation<T> {
    action: Action<(), Result<String, ApiFailure>>,
    ty: PhantomData<fn() -> T>,
}

impl<T> Clone for Mutation<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Mutation<T> {}

impl<T: FromJson> Mutation<T> {
    /// `call` builds the request on each dispatch (read inputs untracked).
    pub fn new(call: impl Fn() -> Call<T> + 'static) -> Self {
        Mutation {
            action: mutation_action(Box::new(move || call().pending)),
            ty: PhantomData,
        }
    }

    pub fn dispatch(&self) {
        self.action.dispatch_local(());
    }

    /// Whether a request is on its way. Reactive.
    pub fn pending(&self) -> bool {
        self.action.pending().get()
    }

    /// The latest answer, `None` before the first. Reactive.
    pub fn value(&self) -> Option<Result<T, ApiFailure>> {
        let mut out = None;
        read_value(&self.action, &mut |r| out = Some(answer(r)));
        out
    }

    /// Whether the latest request succeeded. Reactive; decodes nothing.
    pub fn succeeded(&self) -> bool {
        self.action.value().with(|v| matches!(v, Some(Ok(_))))
    }

    /// Why the latest request failed, if it did. Reactive.
    pub fn failure(&self) -> Option<ApiFailure> {
        self.action
            .value()
            .with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned()))
    }
}

/// Reads (reactively) an action's latest answer, if any, with `f`: one reader for every
/// type of answer.
#[inline(never)]
fn read_value(
    action: &Action<(), Result<String, ApiFailure>>,
    f: &mut dyn FnMut(&Result<String, ApiFailure>),
) {
    action.value().with(|v| {
        if let Some(r) = v {
            f(r)
        }
    });
}

fn mutation_action(call: Box<dyn Fn() -> Pending>) -> Action<(), Result<String, ApiFailure>> {
    Action::new_local(move |_: &()| call())
}

/// Answers the `ReplacementRow`.
pub fn schedule(id: i64, req: ScheduleRequest, reschedule: bool) -> Call<ReplacementRow> {
    let verb = if reschedule { "reschedule" } else { "schedule" };
    post(&format!("/replacements/{id}/{verb}"), &req)
}

/// Answers the `ReplacementRow`.
pub fn cancel_replacement(id: i64, reason: String) -> Call<ReplacementRow> {
    post(
        &format!("/replacements/{id}/cancel"),
        &CancelRequest { reason },
    )
}

/// Answers the `ReplacementRow`.
pub fn complete_replacement(id: i64, note: Option<String>) -> Call<ReplacementRow> {
    post(
        &format!("/replacements/{id}/complete"),
        &CompleteRequest { note },
    )
}

/// Planned runs not yet over; `instrument` narrows to one.
pub fn planned_runs(instrument: Option<i64>) -> Remote<PlannedRunList> {
    Remote::new(move || {
        format!(
            "/planned-runs?{}",
            InstrumentQuery { instrument }.to_query()
        )
    })
}

/// Answers the `PlannedRun`.
pub fn add_planned_run(instrument: i64, req: PlannedRunRequest) -> Call<PlannedRun> {
    post(&format!("/instruments/{instrument}/planned-runs"), &req)
}

pub fn remove_planned_run(id: i64) -> Call<()> {
    no_content(Request::delete(&url(&format!("/planned-runs/{id}"))).build())
}

/// `instrument` (one, or `None` for all) is reactive.
pub fn audit(instrument: RwSignal<Option<i64>>) -> Remote<AuditList> {
    Remote::new(move || {
        let q = InstrumentQuery {
            instrument: instrument.get(),
        };
        format!("/audit?{}", q.to_query())
    })
}

pub fn audit_csv_href(instrument: Option<i64>) -> String {
    // Its details in the dashboard's language.
    let q = [InstrumentQuery { instrument }.to_query(), in_my_language()];
    url(&format!(
        "/audit.csv?{}",
        q.join("&").trim_start_matches('&')
    ))
}

pub fn calendar() -> Remote<CalendarInfo> {
    Remote::new(|| "/calendar".into())
}

/// An empty JSON object.
#[derive(serde::Serialize)]
struct Nothing {}

/// Answers a `CalendarFeed`.
pub fn new_calendar_link() -> Call<CalendarFeed> {
    post("/calendar/token", &Nothing {})
}

/// Answers an `EnrollmentCode`.
pub fn add_instrument(req: NewInstrumentRequest) -> Call<EnrollmentCode> {
    post("/instruments", &req)
}

/// Answers an `EnrollmentCode`.
pub fn new_enrollment_code(id: i64) -> Call<EnrollmentCode> {
    post(&format!("/instruments/{id}/enrollment-code"), &Nothing {})
}

pub fn silence(id: i64, req: seqhealth_api::notify::SilenceRequest) -> Call<()> {
    no_content(Request::post(&url(&format!("/instruments/{id}/silence"))).json(&req))
}

pub fn end_silence(id: i64) -> Call<()> {
    no_content(Request::delete(&url(&format!("/instruments/{id}/silence"))).build())
}

pub fn revoke_token(id: i64) -> Call<()> {
    no_content(Request::post(&url(&format!("/instruments/{id}/revoke"))).build())
}

/// One's own notification choices.
pub fn my_notifications() -> Remote<NotifyPrefs> {
    Remote::new(|| "/account/notifications".into())
}

/// Answers the choices as stored.
pub fn set_my_notifications(prefs: NotifyPrefs) -> Call<NotifyPrefs> {
    put("/account/notifications", &prefs)
}

/// The lab's digest time, escalation delay and reminder interval.
pub fn notify_settings() -> Remote<NotifySettings> {
    Remote::new(|| "/notifications/settings".into())
}

/// A manager changes the lab's settings; answers them as stored.
pub fn set_notify_settings(settings: NotifySettings) -> Call<NotifySettings> {
    put("/notifications/settings", &settings)
}

/// The lab's webhooks (managers).
pub fn webhooks() -> Remote<Vec<Webhook>> {
    Remote::new(|| "/webhooks".into())
}

/// Answers the webhook and its secret, shown this once.
pub fn add_webhook(req: NewWebhook) -> Call<WebhookCreated> {
    post("/webhooks", &req)
}

/// Answers the `Webhook`.
pub fn enable_webhook(id: i64, enabled: bool) -> Call<Webhook> {
    post(
        &format!("/webhooks/{id}/enabled"),
        &WebhookEnabled { enabled },
    )
}

/// Queues a test delivery (202): it shows in the delivery log.
pub fn test_webhook(id: i64) -> Call<()> {
    no_content(Request::post(&url(&format!("/webhooks/{id}/test"))).build())
}

pub fn remove_webhook(id: i64) -> Call<()> {
    no_content(Request::delete(&url(&format!("/webhooks/{id}"))).build())
}

/// The lab's newest deliveries, by mail and to webhooks (managers).
pub fn deliveries() -> Remote<DeliveryLog> {
    Remote::new(|| "/notifications/deliveries".into())
}
