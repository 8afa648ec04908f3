//! Login, logout, sessions, cross-origin writes and login limits.

use super::*;

#[tokio::test]
async fn reads_without_a_session_answer_401() {
    let env = env().await;
    let id = env.id("A00317");
    for path in [
        "/api/v1/fleet".to_string(),
        format!("/api/v1/instruments/{id}"),
        format!("/api/v1/instruments/{id}/runs"),
        "/api/v1/session".into(),
        "/api/v1/warnings".into(),
    ] {
        let (s, b) = env.get(&path, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(error_of(&b).error, "unauthenticated");
        let (s, _) = env.get(&path, Some("seqhealth_session=forged")).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path} with a forged cookie");
    }
}

#[tokio::test]
async fn login_logout_and_wrong_passwords() {
    let env = env().await;
    let body = json!({ "email": "ada@northgate.example", "password": "nope" });
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, b, cookie) = env.send(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(cookie.is_none());
    assert_eq!(error_of(&b).detail, "wrong email or password");
    let body = json!({ "email": "nobody@example.org", "password": "nope" });
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, b, _) = env.send(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        error_of(&b).detail,
        "wrong email or password",
        "the same message: no account enumeration"
    );

    let cookie = env.login("ROSALIND@riverside.example").await;
    let (s, b) = env.get("/api/v1/session", Some(&cookie)).await;
    assert_eq!(s, StatusCode::OK);
    let info: SessionInfo = serde_json::from_slice(&b).unwrap();
    assert_eq!(info.lab.name, "Riverside Clinical Sequencing");
    let req = Request::builder()
        .method(Method::DELETE)
        .uri("/api/v1/session")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = env.send(req).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = env.get("/api/v1/fleet", Some(&cookie)).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the session is gone server-side, not only in the browser"
    );
}

#[tokio::test]
async fn cross_origin_state_changes_are_refused() {
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let login = json!({ "email": "ada@northgate.example", "password": DEMO_PASSWORD }).to_string();
    for (origin, site, status) in [
        (Some("https://evil.example"), None, StatusCode::FORBIDDEN),
        (None, Some("cross-site"), StatusCode::FORBIDDEN),
        (
            Some("http://seqhealth.local"),
            Some("same-origin"),
            StatusCode::OK,
        ),
        (None, None, StatusCode::OK),
    ] {
        let mut req = Request::post("/api/v1/session")
            .header(header::HOST, "seqhealth.local")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        if let Some(s) = site {
            req = req.header("sec-fetch-site", s);
        }
        let (s, b, _) = env.send(req.body(Body::from(login.clone())).unwrap()).await;
        assert_eq!(
            s,
            status,
            "{origin:?} {site:?}: {}",
            String::from_utf8_lossy(&b)
        );
    }
    // A cross-origin logout with a valid cookie leaves the session alone.
    let req = Request::builder()
        .method(Method::DELETE)
        .uri("/api/v1/session")
        .header(header::HOST, "seqhealth.local")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, &ada)
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = env.send(req).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = env.get("/api/v1/fleet", Some(&ada)).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn repeated_failed_logins_are_slowed_with_the_same_words_for_everyone() {
    let env = env().await;
    let attempt = |email: &'static str, password: &'static str| {
        let body = json!({ "email": email, "password": password }).to_string();
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        env.send(req)
    };
    for _ in 0..seqhealth_server::http::limits::PER_ACCOUNT {
        let (s, _, _) = attempt("ada@northgate.example", "guess").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits, and the answer does not say whether it was right.
    let (s, b, cookie) = attempt("ada@northgate.example", DEMO_PASSWORD).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(cookie.is_none());
    assert_eq!(error_of(&b).error, "too_many_requests");
    // Another account is unaffected.
    let (s, _, _) = attempt("rosalind@riverside.example", DEMO_PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn expired_sessions_open_nothing_and_are_cleaned_up() {
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let (s, _) = env.get("/api/v1/fleet", Some(&ada)).await;
    assert_eq!(s, StatusCode::OK);
    // Nothing has expired yet; once past its expiry the session opens nothing and goes.
    let now = chrono::Utc::now().timestamp();
    assert_eq!(
        seqhealth_server::domain::sessions::delete_expired(&env.db, now)
            .await
            .unwrap(),
        0
    );
    sqlx::query("UPDATE sessions SET expires_at = $1")
        .bind(now - 1)
        .execute(&env.db)
        .await
        .unwrap();
    let (s, _) = env.get("/api/v1/fleet", Some(&ada)).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "an expired session opens nothing"
    );
    assert_eq!(
        seqhealth_server::domain::sessions::delete_expired(&env.db, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(env.count("sessions").await, 0);
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_the_user_at_once() {
    let env = env().await;
    let laptop = env.login("ada@northgate.example").await;
    let phone = env.login("ada@northgate.example").await;
    let grace = env.login("grace@northgate.example").await;
    assert_ne!(laptop, phone);
    for c in [&laptop, &phone, &grace] {
        assert_eq!(env.get("/api/v1/fleet", Some(c)).await.0, StatusCode::OK);
    }
    let req = Request::delete("/api/v1/sessions")
        .header(header::COOKIE, &phone)
        .body(Body::empty())
        .unwrap();
    let (s, _, cookie) = env.send(req).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(
        cookie.is_some_and(|c| c.starts_with("seqhealth_session=;")),
        "the browser's cookie is cleared too"
    );
    for c in [&laptop, &phone] {
        let (s, b) = env.get("/api/v1/fleet", Some(c)).await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "a revoked session opens nothing"
        );
        assert_eq!(error_of(&b).error, "unauthenticated");
    }
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1",
    )
    .bind("ada@northgate.example")
    .fetch_one(&env.db)
    .await
    .unwrap();
    assert_eq!(left, 0, "deleted server-side");
    // Another user's session is untouched; without a session there is nothing to revoke.
    assert_eq!(
        env.get("/api/v1/fleet", Some(&grace)).await.0,
        StatusCode::OK
    );
    let req = Request::delete("/api/v1/sessions")
        .body(Body::empty())
        .unwrap();
    assert_eq!(env.send(req).await.0, StatusCode::UNAUTHORIZED);
    // Logging in again works.
    let again = env.login("ada@northgate.example").await;
    assert_eq!(
        env.get("/api/v1/fleet", Some(&again)).await.0,
        StatusCode::OK
    );
}

/// Issue "Security, second round", item 3: argon2 runs on the blocking pool, so a burst of
/// logins does not hold the async threads that serve every other request. On a runtime
/// with one async thread, a timer that should fire every 2 ms is measured while eight
/// logins check their passwords, against the same timer with nothing else to do: with the
/// checks on that thread it fires later by about eight password checks in all; off it, by
/// no more than its own jitter.
#[tokio::test(flavor = "current_thread")]
async fn logins_hashing_at_once_do_not_hold_the_async_thread() {
    use seqhealth_server::domain::credentials::{hash_password, verify_password};
    use std::time::{Duration, Instant};
    let env = env().await;
    let hash = hash_password(DEMO_PASSWORD).unwrap();
    let t = Instant::now();
    assert!(verify_password(DEMO_PASSWORD, &hash));
    let one_check = t.elapsed();
    let mut logins = Vec::new();
    for i in 0..8 {
        let app = env.app.clone();
        let email = ["ada@northgate.example", "grace@northgate.example"][i % 2];
        logins.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let body = json!({ "email": email, "password": DEMO_PASSWORD }).to_string();
            let req = Request::post("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap();
            let resp = app.oneshot(req).await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
        }));
    }
    let tick = Duration::from_millis(2);
    let (mut late, started) = (Duration::ZERO, Instant::now());
    while logins.iter().any(|l| !l.is_finished()) {
        let t = Instant::now();
        tokio::time::sleep(tick).await;
        late += t.elapsed().saturating_sub(tick);
    }
    let burst = started.elapsed();
    for l in logins {
        l.await.unwrap();
    }
    // The timer's own lateness over as long, with no login running.
    let (mut jitter, started) = (Duration::ZERO, Instant::now());
    while started.elapsed() < burst {
        let t = Instant::now();
        tokio::time::sleep(tick).await;
        jitter += t.elapsed().saturating_sub(tick);
    }
    let held = late.saturating_sub(jitter);
    eprintln!(
        "held {held:?} beyond jitter ({late:?} late, {jitter:?} idle); one check {one_check:?}"
    );
    assert!(
        held < one_check * 2,
        "the async thread was held {held:?} beyond its jitter ({late:?} late in all, {jitter:?} \
         idle) while 8 logins ran; one password check takes {one_check:?}"
    );
}
