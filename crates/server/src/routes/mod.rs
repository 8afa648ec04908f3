//! The JSON API under `/api/v1`, one module per resource.

pub mod account;
pub mod audit;
pub mod calendar;
pub mod csp;
pub mod enrollment;
pub mod fleet;
pub mod ingest;
pub mod instruments;
pub mod invitations;
pub mod notifications;
pub mod people;
pub mod planned_runs;
pub mod predictions;
pub mod replacements;
pub mod session;
pub mod telemetry;
pub mod warnings;

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;

/// Largest request body accepted: a telemetry batch of some thousands of readings.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: logging in, logging out (it ends only the session the request presents),
    /// browsers' CSP reports.
    Public,
    /// An instrument, by its token (`Authorization: Bearer <token>`); it writes only its
    /// own data.
    Instrument,
    /// Any logged-in user; everything is scoped to the user's lab.
    User,
    /// A lab manager (viewers get 403); scoped to the manager's lab.
    Manager,
    /// Whoever holds the lab's calendar secret, which is part of the path.
    CalendarSecret,
}

/// One method on one path of the API (relative to `/api/v1`).
pub struct Endpoint {
    pub method: Method,
    /// In axum's syntax: `/instruments/{id}`.
    pub path: &'static str,
    pub access: Access,
    pub route: MethodRouter<AppState>,
}

impl Endpoint {
    /// Whether a call may change stored state (everything but GET).
    pub fn changes_state(&self) -> bool {
        self.method != Method::GET
    }
}

fn endpoint<H, T>(method: Method, path: &'static str, access: Access, handler: H) -> Endpoint
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("a standard HTTP method");
    Endpoint {
        method,
        path,
        access,
        route: on(filter, handler),
    }
}

/// Every endpoint of the API: [`api`] is built from this table and nothing else, and the
/// attacker suite (`tests/api/attacks.rs`) goes through the same table, so an endpoint
/// cannot be added without being attacked. (A GET route also answers HEAD.)
pub fn endpoints() -> Vec<Endpoint> {
    use Access::*;
    use Method as M;
    vec![
        endpoint(M::GET, "/setup", Public, session::setup_status),
        endpoint(M::POST, "/session", Public, session::login),
        endpoint(M::GET, "/session", User, session::current),
        endpoint(M::DELETE, "/session", Public, session::logout),
        endpoint(M::DELETE, "/sessions", User, session::logout_everywhere),
        endpoint(M::POST, "/account/name", User, account::set_name),
        endpoint(M::POST, "/account/language", User, account::set_language),
        endpoint(M::POST, "/account/password", User, account::set_password),
        endpoint(
            M::GET,
            "/account/notifications",
            User,
            notifications::my_prefs,
        ),
        endpoint(
            M::PUT,
            "/account/notifications",
            User,
            notifications::set_my_prefs,
        ),
        endpoint(
            M::GET,
            "/notifications/settings",
            User,
            notifications::settings,
        ),
        endpoint(
            M::PUT,
            "/notifications/settings",
            Manager,
            notifications::set_settings,
        ),
        endpoint(
            M::GET,
            "/notifications/deliveries",
            Manager,
            notifications::delivery_log,
        ),
        endpoint(M::GET, "/webhooks", Manager, notifications::list_webhooks),
        endpoint(M::POST, "/webhooks", Manager, notifications::add_webhook),
        endpoint(
            M::POST,
            "/webhooks/{id}/enabled",
            Manager,
            notifications::enable_webhook,
        ),
        endpoint(
            M::POST,
            "/webhooks/{id}/test",
            Manager,
            notifications::test_webhook,
        ),
        endpoint(
            M::DELETE,
            "/webhooks/{id}",
            Manager,
            notifications::remove_webhook,
        ),
        endpoint(
            M::POST,
            "/instruments/{id}/silence",
            Manager,
            notifications::silence_instrument,
        ),
        endpoint(
            M::DELETE,
            "/instruments/{id}/silence",
            Manager,
            notifications::end_silence,
        ),
        endpoint(
            M::GET,
            "/unsubscribe/{token}",
            Public,
            notifications::unsubscribe_page,
        ),
        endpoint(
            M::POST,
            "/unsubscribe/{token}",
            Public,
            notifications::unsubscribe,
        ),
        endpoint(M::GET, "/users", User, people::team),
        endpoint(M::POST, "/users/{id}/role", Manager, people::set_role),
        endpoint(
            M::POST,
            "/users/{id}/deactivate",
            Manager,
            people::deactivate,
        ),
        endpoint(M::POST, "/invitations", Manager, invitations::invite),
        endpoint(
            M::POST,
            "/team/invitations/{id}/resend",
            Manager,
            invitations::resend,
        ),
        endpoint(
            M::DELETE,
            "/team/invitations/{id}",
            Manager,
            invitations::withdraw,
        ),
        endpoint(M::GET, "/invitations/{token}", Public, invitations::show),
        endpoint(M::POST, "/password-reset", Public, invitations::forgot),
        endpoint(M::GET, "/resets/{token}", Public, invitations::show_reset),
        endpoint(M::POST, "/resets/{token}", Public, invitations::reset),
        endpoint(
            M::POST,
            "/invitations/{token}/accept",
            Public,
            invitations::accept,
        ),
        endpoint(M::GET, "/fleet", User, fleet::fleet),
        endpoint(M::GET, "/today", User, fleet::today),
        endpoint(M::POST, "/instruments", Manager, enrollment::add),
        endpoint(M::GET, "/instruments/{id}", User, instruments::detail),
        endpoint(
            M::POST,
            "/instruments/{id}/enrollment-code",
            Manager,
            enrollment::new_code,
        ),
        endpoint(
            M::POST,
            "/instruments/{id}/revoke",
            Manager,
            enrollment::revoke,
        ),
        endpoint(M::POST, "/enroll", Public, enrollment::enroll),
        endpoint(M::GET, "/instruments/{id}/runs", User, instruments::runs),
        endpoint(
            M::GET,
            "/instruments/{id}/telemetry",
            User,
            telemetry::series,
        ),
        endpoint(
            M::GET,
            "/instruments/{id}/predictions",
            User,
            predictions::list,
        ),
        endpoint(M::GET, "/warnings", User, warnings::list),
        endpoint(
            M::POST,
            "/warnings/{id}/acknowledge",
            Manager,
            warnings::acknowledge,
        ),
        endpoint(
            M::POST,
            "/instruments/{id}/planned-runs",
            Manager,
            planned_runs::create,
        ),
        endpoint(M::GET, "/planned-runs", User, planned_runs::list),
        endpoint(
            M::DELETE,
            "/planned-runs/{id}",
            Manager,
            planned_runs::remove,
        ),
        endpoint(M::GET, "/replacements", User, replacements::list),
        endpoint(M::GET, "/replacements.csv", User, replacements::list_csv),
        endpoint(M::GET, "/replacements.ics", User, replacements::ics),
        endpoint(
            M::POST,
            "/replacements/{id}/schedule",
            Manager,
            replacements::schedule,
        ),
        endpoint(
            M::POST,
            "/replacements/{id}/reschedule",
            Manager,
            replacements::reschedule,
        ),
        endpoint(
            M::POST,
            "/replacements/{id}/cancel",
            Manager,
            replacements::cancel,
        ),
        endpoint(
            M::POST,
            "/replacements/{id}/complete",
            Manager,
            replacements::complete,
        ),
        endpoint(M::GET, "/audit", User, audit::list),
        endpoint(M::GET, "/audit.csv", User, audit::list_csv),
        endpoint(M::GET, "/calendar", User, calendar::info),
        endpoint(M::POST, "/calendar/token", Manager, calendar::rotate),
        endpoint(M::GET, "/calendar/{file}", CalendarSecret, calendar::feed),
        endpoint(M::POST, "/csp-report", Public, csp::report),
        endpoint(M::POST, "/ingest/runs", Instrument, ingest::run),
        endpoint(M::POST, "/ingest/telemetry", Instrument, ingest::telemetry),
        endpoint(M::POST, "/ingest/sharing", Instrument, enrollment::sharing),
    ]
}

/// The API router: every row of [`endpoints`] (rows on one path are merged).
pub fn api() -> Router<AppState> {
    endpoints()
        .into_iter()
        .fold(Router::new(), |router, e| router.route(e.path, e.route))
        .fallback(|| async { AppError::NotFound("no such API endpoint".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
