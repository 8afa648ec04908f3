//! Serving the built dashboard: files from `dist`, and `index.html` for client routes
//! (`/instruments/7` is a page of the single-page app, not a file).
//!
//! Trunk names the wasm, JS and CSS with a content hash, so those may be cached for a
//! year; everything else (index.html first) is revalidated so a new build shows at once.
//! Precompressed `.br`/`.gz` siblings (made by `make build`) are served to browsers
//! that accept them.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub fn dashboard<S: Clone + Send + Sync + 'static>(dist: &Path) -> Router<S> {
    let index = ServeFile::new(dist.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_control))
}

async fn cache_control(req: Request, next: Next) -> Response {
    let hashed = is_hashed(req.uri().path());
    let mut resp = next.run(req).await;
    let value = if hashed && resp.status().is_success() {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    resp
}

/// Trunk's hashed names look like `seqhealth-a074c976617167ff_bg.wasm`: a dash, then the
/// hash in hex (up to 16 digits: leading zeros are not written), then `.` or `_`.
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    name.match_indices('-').any(|(i, _)| {
        let rest = &name.as_bytes()[i + 1..];
        let digits = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        (10..=16).contains(&digits) && matches!(rest.get(digits), Some(b'.') | Some(b'_'))
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn only_trunk_hashed_names_are_immutable() {
        assert!(is_hashed("/seqhealth-a074c976617167ff_bg.wasm"));
        assert!(is_hashed("/seqhealth-a074c976617167ff.js"));
        assert!(is_hashed("/main-beb967a6bbf52299.css"));
        assert!(
            is_hashed("/seqhealth-451cfb26e5e27c_bg.wasm"),
            "a hash with leading zeros dropped"
        );
        assert!(is_hashed("/boot-6ece290ef83152fe.js"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/favicon.svg"));
        assert!(!is_hashed("/instruments/7"));
        assert!(!is_hashed("/x-zzzzzzzzzzzzzzzz.js"));
    }
}
