//! "Forgot password?": its answer takes the same time for every address.

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
