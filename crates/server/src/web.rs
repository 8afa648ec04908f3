//! Serving the built dashboard: files from `dist`, and `index.html` for client routes
//! (`/instruments/7` is a page of the single-page app, not a file).

use axum::http::{header, HeaderValue};
use std::path::Path;
use tower::Layer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

pub type Dashboard = SetResponseHeader<ServeDir<ServeFile>, HeaderValue>;

pub fn dashboard(dist: &Path) -> Dashboard {
    let dir = ServeDir::new(dist).fallback(ServeFile::new(dist.join("index.html")));
    // Revalidate every time so a new build is picked up at once.
    SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    )
    .layer(dir)
}
