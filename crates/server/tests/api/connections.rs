//! Connections over a real socket: dripping clients lose theirs within the head deadline,
//! one address cannot take every place, and oversized heads are refused.

use crate::env;
use seqhealth_server::http::connections::HEAD_TIMEOUT;
use seqhealth_server::AppState;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

async fn server() -> (SocketAddr, crate::Env) {
    let env = env().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(seqhealth_server::serve(
        listener,
        seqhealth_server::app(AppState::new(env.db.clone()), None),
        std::future::pending(),
    ));
    (addr, env)
}

/// A connection to `to` from the loopback address `from` (Linux answers all of 127/8).
async fn connect_from(from: [u8; 4], to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((from, 0)))?;
    socket.connect(to).await
}

/// The status line's code of one whole request on a new connection, and how long it took.
async fn status_of(addr: SocketAddr, request: &str) -> (u16, String, Duration) {
    let t = Instant::now();
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut answer))
        .await
        .expect("answered within 10 s")
        .unwrap();
    let text = String::from_utf8_lossy(&answer).to_string();
    let code = text
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"));
    (code, text, t.elapsed())
}

fn get(addr: SocketAddr, path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n")
}

#[tokio::test]
async fn two_thousand_dripping_connections_leave_a_normal_client_served() {
    let (addr, _env) = server().await;
    let started = Instant::now();
    // 1,000 from one address (over its limit of 256) and 1,000 spread over eight.
    let mut conns = Vec::new();
    for i in 0..2_000u32 {
        let from = if i < 1_000 {
            [127, 0, 0, 2]
        } else {
            [127, 0, 0, 3 + (i % 8) as u8]
        };
        let mut c = connect_from(from, addr).await.unwrap();
        // The start of a request line, then (below) a byte now and then.
        let _ = c.write_all(b"GET /api/v1/fleet HTTP/1.1\r\nX-Drip: ").await;
        conns.push((from, c));
    }
    let dripping = tokio::spawn(async move {
        let mut closed_after: Vec<Option<Duration>> = vec![None; conns.len()];
        let mut refused_from_one = 0;
        let mut buf = [0u8; 512];
        // Drip a byte every second: idle never fires, only the head deadline can.
        for round in 0..(HEAD_TIMEOUT.as_secs() + 5) {
            for (i, (from, c)) in conns.iter_mut().enumerate() {
                if closed_after[i].is_some() {
                    continue;
                }
                let gone = match c.try_read(&mut buf) {
                    Ok(0) => true,
                    Ok(_) => false, // an answer before the close: read on next round
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        matches!(c.try_write(b"x"), Err(e) if e.kind() != std::io::ErrorKind::WouldBlock)
                    }
                    Err(_) => true,
                };
                if gone {
                    closed_after[i] = Some(started.elapsed());
                    if round == 0 && *from == [127, 0, 0, 2] {
                        refused_from_one += 1;
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        (closed_after, refused_from_one)
    });
    // Meanwhile a normal client (another address) is served, and quickly.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for _ in 0..5 {
        let (code, text, took) = status_of(addr, &get(addr, "/api/v1/fleet", "")).await;
        assert_eq!(code, 401, "{text}");
        assert!(text.contains("\"unauthenticated\""), "{text}");
        assert!(took < Duration::from_secs(2), "served in {took:?}");
    }
    let (closed_after, refused_from_one) = dripping.await.unwrap();
    // One address holds at most its 256 places: the rest of its 1,000 were closed at once.
    assert!(
        refused_from_one >= 1_000 - 256,
        "{refused_from_one} of one address's connections refused at once"
    );
    // Every dripping connection was closed by the head deadline (10 s), not held.
    let open = closed_after.iter().filter(|c| c.is_none()).count();
    assert_eq!(open, 0, "{open} dripping connections still open");
    let last = closed_after
        .iter()
        .flatten()
        .max()
        .copied()
        .unwrap_or_default();
    assert!(
        last <= HEAD_TIMEOUT + Duration::from_secs(4),
        "the last was closed {last:?} after the first connected"
    );
    println!(
        "2,000 dripping connections: {refused_from_one} refused at once, the rest closed \
         {last:?} after the first connected; a normal client served throughout"
    );
    // And afterwards as before.
    let (code, _, _) = status_of(addr, &get(addr, "/api/v1/fleet", "")).await;
    assert_eq!(code, 401);
}

#[tokio::test]
async fn oversized_headers_query_strings_and_cookies_answer_4xx() {
    let (addr, _env) = server().await;
    let big = "a".repeat(20 * 1024);
    let huge = "a".repeat(100 * 1024);
    let cases = [
        (
            format!("/api/v1/warnings?status={big}"),
            String::new(),
            414,
            Some("uri_too_long"),
        ),
        (
            "/api/v1/fleet".into(),
            format!("Cookie: seqhealth_session={big}\r\n"),
            431,
            Some("headers_too_large"),
        ),
        (
            "/api/v1/fleet".into(),
            format!("X-Padding: {big}\r\n"),
            431,
            Some("headers_too_large"),
        ),
        // Past the largest head read at all: hyper refuses it before it is parsed.
        (
            "/api/v1/fleet".into(),
            format!("Cookie: seqhealth_session={huge}\r\n"),
            431,
            None,
        ),
        (
            format!("/api/v1/warnings?status={huge}"),
            String::new(),
            0,
            None,
        ),
    ];
    for (path, extra, want, error) in cases {
        let (code, text, _) = status_of(addr, &get(addr, &path, &extra)).await;
        let shown = &text[..text.len().min(300)];
        if want == 0 {
            assert!((400..500).contains(&code), "{}: {shown}", path.len());
        } else {
            assert_eq!(code, want, "{}: {shown}", path.len());
        }
        if let Some(error) = error {
            assert!(
                text.contains(&format!("\"error\":\"{error}\"")),
                "JSON naming the problem: {shown}"
            );
        }
    }
    // The server is unharmed.
    let (code, _, _) = status_of(addr, &get(addr, "/api/v1/fleet", "")).await;
    assert_eq!(code, 401);
}
