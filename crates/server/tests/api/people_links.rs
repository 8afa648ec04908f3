//! One-time links and "Forgot password?" at their edges: expired links change nothing,
//! asking for a link is rate-limited, and its answer takes the same time for every address.

use super::people::mailing;
use super::*;
use axum::extract::ConnectInfo;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn ask(email: &str, from: Option<SocketAddr>) -> Request<Body> {
    let mut req = Request::post("/api/v1/password-reset")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "email": email }).to_string()))
        .unwrap();
    if let Some(addr) = from {
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    req
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// Whether an address has an account must not show in how long "Forgot password?" takes
/// to answer: the lookup, the link and the mail happen after it. First, with the database
/// held by another writer, both kinds answer at once (the answer touches no account);
/// then known and unknown addresses alternate (each address and account under its
/// limit), and their median times are compared; the known ones still get their mail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgot_password_answers_as_fast_for_known_and_unknown_addresses() {
    let env = env().await;
    let (app, mail) = mailing(&env);
    let known = [
        "ada@northgate.example",
        "grace@northgate.example",
        "rosalind@riverside.example",
        "barbara@riverside.example",
    ];
    let writer = db::begin_write(&env.db).await.unwrap();
    for (n, email) in ["grace@northgate.example", "nobody@northgate.example"]
        .into_iter()
        .enumerate()
    {
        let from = SocketAddr::from(([10, 9, 0, n as u8 + 1], 40000));
        let answered = tokio::time::timeout(
            Duration::from_secs(2),
            app.clone().oneshot(ask(email, Some(from))),
        )
        .await
        .unwrap_or_else(|_| panic!("{email}: no answer while another writer holds the database"));
        assert_eq!(answered.unwrap().status(), StatusCode::ACCEPTED, "{email}");
    }
    writer.rollback().await.unwrap();

    let (mut k, mut u) = (Vec::new(), Vec::new());
    const N: usize = 30;
    for i in 0..N + 2 {
        let email = match i % 2 {
            0 => known[(i / 2) % known.len()].to_string(),
            _ => format!("nobody{i}@northgate.example"),
        };
        let from = SocketAddr::from(([10, 0, (i / 250) as u8, (i % 250) as u8 + 1], 40000));
        let t = Instant::now();
        let resp = app.clone().oneshot(ask(&email, Some(from))).await.unwrap();
        let status = resp.status();
        resp.into_body().collect().await.unwrap();
        let took = t.elapsed();
        assert_eq!(status, StatusCode::ACCEPTED, "{email}");
        // The first pair warms up (pools, caches).
        if i >= 2 {
            [&mut k, &mut u][i % 2].push(took);
        }
    }
    let (mk, mu) = (median(k), median(u));
    eprintln!("forgot password: median known {mk:?}, unknown {mu:?}");
    // Generous, for a busy two-core machine: the slower at most twice the faster, or 1 ms.
    let (fast, slow) = (mk.min(mu), mk.max(mu));
    assert!(
        slow < 2 * fast.max(Duration::from_millis(1)),
        "a known address answers in {mk:?}, an unknown one in {mu:?}"
    );
    // Every known request got its link by mail (the one asked while the database was
    // held too), none went to the unknown addresses.
    let sent = mail.messages(N / 2 + 2).await;
    for email in known {
        let rcpt = format!("X-Sink-Rcpt: {email}");
        assert!(sent.iter().any(|m| m.contains(&rcpt)), "{email}: {sent:?}");
    }
    assert!(!sent.iter().any(|m| m.contains("nobody")));
}

/// "Forgot password?" is counted like a failed login: per account (whatever the address)
/// and per client address (whatever the account), then 429 with a JSON body.
#[tokio::test]
async fn forgot_password_is_rate_limited_per_account_and_per_address() {
    let env = env().await;
    let answer = |req| async {
        let (s, b, _) = env.send(req).await;
        (s, b)
    };
    // One account from ever new addresses.
    let limit = seqhealth_server::http::limits::PER_ACCOUNT;
    for i in 0..limit {
        let from = SocketAddr::from(([10, 1, 0, i as u8 + 1], 40000));
        let (s, _) = answer(ask("grace@northgate.example", Some(from))).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{i}");
    }
    let from = SocketAddr::from(([10, 1, 1, 1], 40000));
    let (s, b) = answer(ask("Grace@Northgate.example", Some(from))).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let e = error_of(&b);
    assert_eq!(e.error, "too_many_requests");
    assert!(e.detail.contains("15 minutes"), "{}", e.detail);
    // Asking for Grace's links does not lock Grace out: she still logs in.
    env.login("grace@northgate.example").await;

    // One address asking for ever new accounts.
    let from = SocketAddr::from(([10, 2, 0, 1], 40000));
    for i in 0..seqhealth_server::http::limits::PER_ADDRESS {
        let (s, _) = answer(ask(&format!("n{i}@northgate.example"), Some(from))).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{i}");
    }
    let (s, b) = answer(ask("ada@northgate.example", Some(from))).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_of(&b).error, "too_many_requests");
    // Another address is not held back by it.
    let other = SocketAddr::from(([10, 3, 0, 1], 40000));
    assert_eq!(
        answer(ask("ada@northgate.example", Some(other))).await.0,
        StatusCode::ACCEPTED
    );
}

/// An invitation or a reset link past its expiry answers 410, read or used, and changes
/// nothing: no account, no password, no session ended.
#[tokio::test]
async fn expired_invitation_and_reset_links_answer_410_and_change_nothing() {
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let grace = env.login("grace@northgate.example").await;
    let (s, b) = post_json(
        &env,
        "/api/v1/invitations",
        &ada,
        json!({ "email": "lise@northgate.example", "role": "viewer" }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    let invitation: seqhealth_api::InvitationLink = serde_json::from_slice(&b).unwrap();
    let now = chrono::Utc::now().timestamp();
    let grace_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind("grace@northgate.example")
        .fetch_one(&env.db)
        .await
        .unwrap();
    let mut tx = db::begin_write(&env.db).await.unwrap();
    let reset = seqhealth_server::domain::resets::issue(&mut tx, grace_id, now, 24)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for table in ["invitations", "password_resets"] {
        sqlx::query(&format!("UPDATE {table} SET expires_at = $1"))
            .bind(now - 1)
            .execute(&env.db)
            .await
            .unwrap();
    }
    let users = env.count("users").await;
    let hash = || async {
        sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE id = $1")
            .bind(grace_id)
            .fetch_one(&env.db)
            .await
            .unwrap()
    };
    let grace_hash = hash().await;

    let inv = format!("/api/v1/invitations/{}", invitation.token);
    let (s, b) = env.get(&inv, None).await;
    assert_eq!(s, StatusCode::GONE, "{}", String::from_utf8_lossy(&b));
    assert!(error_of(&b).detail.contains("expired"));
    let (s, b) = post_json(
        &env,
        &format!("{inv}/accept"),
        "",
        json!({ "name": "Lise Meitner", "password": "fission in the snow" }),
    )
    .await;
    assert_eq!(s, StatusCode::GONE, "{}", String::from_utf8_lossy(&b));

    let path = format!("/api/v1/resets/{reset}");
    let (s, b) = env.get(&path, None).await;
    assert_eq!(s, StatusCode::GONE, "{}", String::from_utf8_lossy(&b));
    assert!(error_of(&b).detail.contains("expired"));
    let (s, b) = post_json(
        &env,
        &path,
        "",
        json!({ "password": "a compiler for every ship" }),
    )
    .await;
    assert_eq!(s, StatusCode::GONE, "{}", String::from_utf8_lossy(&b));

    assert_eq!(env.count("users").await, users, "no account made");
    assert_eq!(hash().await, grace_hash, "the password is unchanged");
    let used: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE used_at IS NOT NULL")
            .fetch_one(&env.db)
            .await
            .unwrap();
    assert_eq!(used, 0);
    assert_eq!(
        env.get("/api/v1/fleet", Some(&grace)).await.0,
        StatusCode::OK,
        "her session goes on"
    );
    env.login("grace@northgate.example").await;
}
