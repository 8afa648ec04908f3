//! Serving the dashboard: SPA fallback, precompressed assets, security headers.

use super::*;

#[tokio::test]
async fn dashboard_routes_fall_back_to_index_html_but_api_paths_do_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!DOCTYPE html><title>seqhealth</title>",
    )
    .unwrap();
    std::fs::write(dir.path().join("app-1234.js"), "console.log(1)").unwrap();
    let pool = db::connect(&fresh_db_url(dir.path()).await).await.unwrap();
    let app = app(AppState::new(pool), Some(dir.path()));
    use tower::ServiceExt;
    for (path, status, needle) in [
        ("/", StatusCode::OK, "<title>seqhealth"),
        ("/instruments/7", StatusCode::OK, "<title>seqhealth"),
        ("/login", StatusCode::OK, "<title>seqhealth"),
        ("/app-1234.js", StatusCode::OK, "console.log"),
        (
            "/api/v1/no-such-thing",
            StatusCode::NOT_FOUND,
            "\"error\":\"not_found\"",
        ),
    ] {
        let resp = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{path}");
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&body).contains(needle), "{path}");
    }
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_and_sent_precompressed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!DOCTYPE html><title>seqhealth</title>",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("seqhealth-0123456789abcdef.js"),
        "console.log('plain')",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("seqhealth-0123456789abcdef.js.br"),
        "brotli bytes",
    )
    .unwrap();
    let pool = db::connect(&fresh_db_url(dir.path()).await).await.unwrap();
    let app = app(AppState::new(pool), Some(dir.path()));
    use tower::ServiceExt;
    let get = |path: &str, encoding: Option<&str>| {
        let mut req = Request::get(path);
        if let Some(e) = encoding {
            req = req.header(header::ACCEPT_ENCODING, e);
        }
        app.clone().oneshot(req.body(Body::empty()).unwrap())
    };
    let resp = get("/seqhealth-0123456789abcdef.js", Some("gzip, br"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(
        resp.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let resp = get("/seqhealth-0123456789abcdef.js", None).await.unwrap();
    assert!(resp.headers().get(header::CONTENT_ENCODING).is_none());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"console.log('plain')");
    for path in ["/", "/instruments/3"] {
        let resp = get(path, Some("br")).await.unwrap();
        assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-cache", "{path}");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!DOCTYPE html><title>seqhealth</title>",
    )
    .unwrap();
    let pool = db::connect(&fresh_db_url(dir.path()).await).await.unwrap();
    let app = app(AppState::new(pool), Some(dir.path()));
    use tower::ServiceExt;
    for path in ["/", "/instruments/1", "/api/v1/fleet", "/api/v1/nope"] {
        let resp = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let h = resp.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer", "{path}");
    }
}
