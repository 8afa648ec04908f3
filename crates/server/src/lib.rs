//! seqhealth server: ingest, storage, aggregation, auth, and the built dashboard.

// The layers, outermost first; a module imports only from layers below its own
// (ARCHITECTURE.md): routes → http → domain → store; jobs → domain → store.
pub mod domain;
pub mod http;
pub mod jobs;
pub mod routes;
pub mod store;

pub mod error;
pub mod launch;
pub mod mail;
pub mod state;
pub mod webhook;

pub use http::web::Dashboard;
pub use state::AppState;

use axum::Router;
use seqhealth_api::API_PREFIX;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// How long one request may take from its headers to its response, body upload
/// included: a client that stalls mid-body (or drips it) gets 408 and its connection
/// back, instead of holding a server task and, for ingest, a database connection.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The whole service: the JSON API under `/api/v1` and, if `dist` is given, the dashboard
/// of that folder.
pub fn app(state: AppState, dist: Option<&Path>) -> Router {
    let dashboard = dist.map_or(Dashboard::Off, Dashboard::Folder);
    app_with_timeout(state, dashboard, REQUEST_TIMEOUT)
}

/// The whole service with `dashboard`: the built-in one, a folder's, or none.
pub fn app_with(state: AppState, dashboard: Dashboard<'_>) -> Router {
    app_with_timeout(state, dashboard, REQUEST_TIMEOUT)
}

/// [`app_with`] with another request timeout (tests use a short one).
pub fn app_with_timeout(
    state: AppState,
    dashboard: Dashboard<'_>,
    timeout: std::time::Duration,
) -> Router {
    let mut router = Router::new().nest(API_PREFIX, routes::api());
    if let Some(web) = http::web::serve(dashboard) {
        router = router.merge(web);
    }
    router
        // Innermost, so a 408 still carries the security headers.
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| async move {
                use axum::response::IntoResponse;
                match tokio::time::timeout(timeout, next.run(req)).await {
                    Ok(resp) => resp,
                    // Dropping the handler rolls back whatever it had begun.
                    Err(_) => error::AppError::Rejected {
                        status: axum::http::StatusCode::REQUEST_TIMEOUT,
                        error: "request_timeout",
                        detail: format!(
                            "the request took over {} s (a body sent too slowly?)",
                            timeout.as_secs_f64()
                        ),
                    }
                    .into_response(),
                }
            },
        ))
        .layer(axum::middleware::from_fn(http::security::same_origin))
        .layer(axum::middleware::from_fn(http::security::head_size))
        .layer(axum::middleware::from_fn(http::security::headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `app` on `listener` (plain HTTP) until `shutdown` resolves, then
/// finishes in-flight requests. Handlers see the client's address (per-address login
/// limits). Connections idle for [`http::idle::IDLE_TIMEOUT`] are closed, a request head
/// must arrive within [`http::connections::HEAD_TIMEOUT`], and connections are capped
/// per address and in all ([`http::connections::Limits`]).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, shutdown, Serving::default()).await
}

/// How connections are served: their limits and idle time (tests use small ones).
#[derive(Debug, Clone, Copy)]
pub struct Serving {
    pub limits: http::connections::Limits,
    pub idle: std::time::Duration,
}

impl Default for Serving {
    fn default() -> Self {
        Serving {
            limits: http::connections::Limits::default(),
            idle: http::idle::IDLE_TIMEOUT,
        }
    }
}

/// [`serve`] with other limits.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    serving: Serving,
) -> std::io::Result<()> {
    let listener = http::idle::IdleListener::new(listener, serving.idle);
    let gate = http::connections::Gate::new(serving.limits);
    http::connections::serve(listener, app, shutdown, gate).await
}

/// Serves `app` over HTTPS on `listener` with `tls` (see [`http::tls::server_config`]); every
/// response carries `Strict-Transport-Security`. Shuts down and limits like [`serve`].
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<http::tls::ServerConfig>,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    serving: Serving,
) -> std::io::Result<()> {
    let app = app.layer(axum::middleware::from_fn(http::security::hsts));
    let listener =
        http::idle::IdleListener::new(http::tls::TlsListener::new(listener, tls)?, serving.idle);
    let gate = http::connections::Gate::new(serving.limits);
    http::connections::serve(listener, app, shutdown, gate).await
}
