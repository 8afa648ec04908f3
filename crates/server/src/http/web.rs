//! Serving the built dashboard: the one built into the binary (`build.rs`) or, for
//! development, the files of a `--dist` folder; `index.html` for client routes
//! (`/instruments/7` is a page of the single-page app, not a file).
//!
//! Trunk names the wasm, JS and CSS with a content hash, so those may be cached for a
//! year; everything else (index.html first) is revalidated so a new build shows at once.
//! Precompressed `.br`/`.gz` siblings (made by `make build`) are served to browsers
//! that accept them.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

mod built_in {
    include!(concat!(env!("OUT_DIR"), "/dashboard.rs"));
}

/// Which dashboard the server serves.
#[derive(Debug, Clone, Copy)]
pub enum Dashboard<'a> {
    /// The one built into the binary.
    BuiltIn,
    /// A `dist` folder (`--dist`, for development: a new `make build` shows at once).
    Folder(&'a Path),
    /// The API only.
    Off,
}

/// Whether this binary carries a built dashboard (it was built after `make build`).
pub fn has_built_in() -> bool {
    built_in::FILES.iter().any(|f| f.0 == "index.html")
}

/// The routes of `dashboard` (none for [`Dashboard::Off`]).
pub fn serve<S: Clone + Send + Sync + 'static>(dashboard: Dashboard<'_>) -> Option<Router<S>> {
    let router = match dashboard {
        Dashboard::Off => return None,
        Dashboard::Folder(dist) => folder(dist),
        Dashboard::BuiltIn => Router::new().fallback(built_in_file),
    };
    Some(router.layer(middleware::from_fn(cache_control)))
}

/// A file of the built-in dashboard: its `.br` or `.gz` sibling to a browser that accepts
/// it, `index.html` for any path that is not a file, 304 when the browser has it already.
async fn built_in_file(req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Response::builder()
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .header(header::ALLOW, "GET, HEAD")
            .body(Body::empty())
            .expect("a valid response");
    }
    let find = |name: &str| built_in::FILES.iter().find(|f| f.0 == name);
    let path = req.uri().path().trim_start_matches('/');
    let name = match find(path) {
        Some(_) if !path.ends_with(".br") && !path.ends_with(".gz") => path,
        _ => "index.html",
    };
    let accepts = |coding: &str| {
        req.headers()
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|c| c.split(';').next().is_some_and(|c| c.trim() == coding))
    };
    let (file, coding) = [("br", ".br"), ("gzip", ".gz")]
        .iter()
        .filter(|(coding, _)| accepts(coding))
        .find_map(|(coding, ext)| find(&format!("{name}{ext}")).map(|f| (f, Some(*coding))))
        .or_else(|| find(name).map(|f| (f, None)))
        .expect("index.html is built in when the built-in dashboard is served");
    let (_, bytes, etag) = *file;
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = Response::builder()
        .header(header::CONTENT_TYPE, content_type(name))
        .header(header::ETAG, etag)
        .header(header::VARY, "accept-encoding");
    if let Some(coding) = coding {
        resp = resp.header(header::CONTENT_ENCODING, coding);
    }
    let resp = match fresh {
        true => resp.status(StatusCode::NOT_MODIFIED).body(Body::empty()),
        false => resp.body(Body::from(bytes)),
    };
    resp.expect("a valid response")
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "webmanifest" => "application/json",
        _ => "application/octet-stream",
    }
}

fn folder<S: Clone + Send + Sync + 'static>(dist: &Path) -> Router<S> {
    let index = ServeFile::new(dist.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new().fallback_service(files)
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
