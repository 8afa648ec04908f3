//! Response headers that keep the browser side tight: a strict Content-Security-Policy
//! (no inline script; wasm may compile), no MIME sniffing, no referrer, no framing; HSTS
//! when served over TLS.

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'; report-uri /api/v1/csp-report";

pub async fn headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    resp
}

/// Marks a request that arrived over TLS: its session cookie is `Secure` with the
/// `__Host-` prefix (see `extract::session_cookie`).
#[derive(Debug, Clone, Copy)]
pub struct OverTls;

/// `Strict-Transport-Security` on every response, and [`OverTls`] on every request:
/// added by `serve_tls` only, since the header means nothing (and is ignored) over plain
/// HTTP.
pub async fn hsts(mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(OverTls);
    let mut resp = next.run(req).await;
    resp.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(crate::http::tls::HSTS),
    );
    resp
}

/// Refuses cross-origin state changes made with the session cookie (CSRF), on top of the
/// SameSite=Strict cookie: a browser names the page's origin in `Origin` and
/// `Sec-Fetch-Site`. Instruments (bearer tokens) and CSP reports are not cookie-borne.
pub async fn same_origin(req: Request, next: Next) -> Response {
    use axum::http::Method;
    use axum::response::IntoResponse;
    let path = req.uri().path();
    let exempt = path.starts_with("/api/v1/ingest/") || path == "/api/v1/csp-report";
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes && !exempt && path.starts_with("/api/") {
        let h = req.headers();
        let site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        let cross_site = matches!(site, Some("cross-site") | Some("same-site"));
        let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin_host = h
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(|o| o.split_once("://").map_or(o, |(_, rest)| rest));
        let foreign_origin = matches!((origin_host, host), (Some(o), Some(h)) if o != h)
            || matches!((origin_host, host), (Some(_), None));
        if cross_site || foreign_origin {
            return crate::error::AppError::Forbidden("cross-origin request refused".into())
                .into_response();
        }
    }
    next.run(req).await
}

/// The longest URI (path and query) answered; no API query comes near it.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) answered: a browser's, cookies included,
/// fit many times over.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Refuses an oversized URI (414) or oversized headers (431) in the API's JSON shape, before
/// any work is done. Heads beyond [`crate::http::connections::MAX_HEAD_BYTES`] never get
/// this far: hyper answers those 431 itself.
pub async fn head_size(req: Request, next: Next) -> Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let uri = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let headers: usize = req
        .headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len())
        .sum();
    let refusal = if uri > MAX_URI_BYTES {
        Some((
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the URI is {uri} bytes; at most {MAX_URI_BYTES} are read"),
        ))
    } else if headers > MAX_HEADER_BYTES {
        Some((
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("the headers are {headers} bytes; at most {MAX_HEADER_BYTES} are read"),
        ))
    } else {
        None
    };
    match refusal {
        Some((status, error, detail)) => crate::error::AppError::Rejected {
            status,
            error,
            detail,
        }
        .into_response(),
        None => next.run(req).await,
    }
}
