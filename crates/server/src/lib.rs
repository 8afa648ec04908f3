//! seqhealth server: ingest, storage, aggregation, auth, and the built dashboard.

pub mod audit;
pub mod auth;
pub mod buckets;
pub mod calendar;
pub mod csv;
pub mod db;
pub mod demo;
pub mod enrollment;
pub mod error;
pub mod extract;
pub mod health;
pub mod limits;
pub mod predictions;
pub mod provision;
pub mod replacements;
pub mod routes;
pub mod security;
pub mod spc;
pub mod state;
pub mod warnings;
pub mod web;

pub use state::AppState;

use axum::Router;
use seqhealth_api::API_PREFIX;
use std::future::Future;
use std::path::Path;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// The whole service: the JSON API under `/api/v1` and, if `dist` is given, the dashboard.
pub fn app(state: AppState, dist: Option<&Path>) -> Router {
    let mut router = Router::new().nest(API_PREFIX, routes::api());
    if let Some(dist) = dist {
        router = router.merge(web::dashboard(dist));
    }
    router
        .layer(axum::middleware::from_fn(security::same_origin))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
