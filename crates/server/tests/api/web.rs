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

/// The dashboard built into the binary (from `dist/` when it was compiled): the same files
/// byte for byte, brotli to browsers that take it, `index.html` for client routes, hashed
/// names cached for a year, and 304 for a browser that has a file already.
#[tokio::test]
async fn the_built_in_dashboard_is_the_build_byte_for_byte() {
    use tower::ServiceExt;
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist");
    assert!(
        seqhealth_server::http::web::has_built_in() && dist.join("index.html").is_file(),
        "this binary carries no dashboard: run `make build` (or `make test`) before cargo test"
    );
    let dir = tempfile::tempdir().unwrap();
    let pool = db::connect(&fresh_db_url(dir.path()).await).await.unwrap();
    let app = seqhealth_server::app_with(AppState::new(pool), seqhealth_server::Dashboard::BuiltIn);
    let get = |path: String, headers: Vec<(header::HeaderName, String)>| {
        let mut req = Request::get(path);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let app = app.clone();
        async move {
            let resp = app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
            let (parts, body) = resp.into_parts();
            (parts, body.collect().await.unwrap().to_bytes())
        }
    };
    let wasm = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.ends_with("_bg.wasm"))
        .expect("the build's wasm");
    let (parts, body) = get(format!("/{wasm}"), vec![]).await;
    assert_eq!(parts.status, StatusCode::OK);
    assert_eq!(parts.headers[header::CONTENT_TYPE], "application/wasm");
    assert_eq!(
        parts.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(body.as_ref(), std::fs::read(dist.join(&wasm)).unwrap());
    let (parts, body) = get(
        format!("/{wasm}"),
        vec![(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd".into())],
    )
    .await;
    assert_eq!(parts.headers[header::CONTENT_ENCODING], "br");
    assert_eq!(
        body.as_ref(),
        std::fs::read(dist.join(format!("{wasm}.br"))).unwrap()
    );
    let etag = parts.headers[header::ETAG].to_str().unwrap().to_string();
    let (parts, body) = get(
        format!("/{wasm}"),
        vec![
            (header::ACCEPT_ENCODING, "br".into()),
            (header::IF_NONE_MATCH, etag),
        ],
    )
    .await;
    assert_eq!(parts.status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    let index = std::fs::read(dist.join("index.html")).unwrap();
    for page in ["/", "/instruments/7", "/team"] {
        let (parts, body) = get(page.into(), vec![]).await;
        assert_eq!(parts.status, StatusCode::OK, "{page}");
        assert_eq!(parts.headers[header::CACHE_CONTROL], "no-cache", "{page}");
        assert_eq!(body.as_ref(), index, "{page}");
    }
    let (parts, _) = get("/api/v1/no-such-thing".into(), vec![]).await;
    assert_eq!(parts.status, StatusCode::NOT_FOUND);
}
