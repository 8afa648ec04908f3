//! The HTTP API through `app()` with tower's `oneshot`: no socket, a real SQLite file.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use seqhealth_agent::simulate::{runs, telemetry, SimConfig};
use seqhealth_api::{ApiError, Fleet, Health, IngestAck, InstrumentDetail, RunList, SessionInfo};
use seqhealth_demo::{provision, Provisioned, DEMO_PASSWORD};
use seqhealth_server::{app, store as db, AppState};
use serde_json::{json, Value};

pub struct Env {
    pub app: Router,
    /// The state `app` shares: its caches and limits, for tests that check they stay bounded.
    pub state: AppState,
    pub db: sqlx::AnyPool,
    pub url: String,
    pub fleet: Vec<Provisioned>,
    pub _dir: tempfile::TempDir,
}

pub fn cfg() -> SimConfig {
    SimConfig {
        days: 60,
        ..SimConfig::demo(7, "2026-06-30T00:00:00Z".parse().unwrap())
    }
}

/// The PostgreSQL server the suite runs against instead of SQLite files, when set
/// (`scripts/test-postgres.sh` sets it to a throwaway cluster on loopback).
pub const POSTGRES_ENV: &str = "SEQHEALTH_TEST_POSTGRES";

/// A fresh, empty database for one test: a SQLite file in `dir`, or a new database on
/// the PostgreSQL server of [`POSTGRES_ENV`].
pub async fn fresh_db_url(dir: &std::path::Path) -> String {
    use sqlx::Connection;
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let Ok(server) = std::env::var(POSTGRES_ENV) else {
        return format!("sqlite://{}", dir.join("t.db").display());
    };
    let name = format!(
        "t_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// Whether this run is against PostgreSQL: tests of SQLite's own behaviour (its file,
/// its faults) say they are skipped.
pub fn on_postgres(test: &str) -> bool {
    let on = std::env::var(POSTGRES_ENV).is_ok();
    if on {
        eprintln!("{test}: SQLite's own behaviour, not run against PostgreSQL");
    }
    on
}

/// Three instruments in two labs: two of Northgate's, one of Riverside's.
pub async fn env() -> Env {
    env_of(&["A00317", "NB552091", "M03302"]).await
}

/// The demo instruments `serials`, provisioned in their labs.
pub async fn env_of(serials: &[&str]) -> Env {
    // The server's errors reach a failing test's output (a 500 says only "logged").
    let _ = tracing_subscriber::fmt()
        .with_env_filter("seqhealth_server=error")
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_db_url(dir.path()).await;
    let pool = db::connect(&url).await.unwrap();
    let fleet = provision(&pool, Some(serials)).await.unwrap().unwrap();
    let state = AppState::new(pool.clone());
    let app = app(state.clone(), None);
    Env {
        app,
        state,
        db: pool,
        url,
        fleet,
        _dir: dir,
    }
}

impl Env {
    pub fn token(&self, serial: &str) -> &str {
        &self
            .fleet
            .iter()
            .find(|p| p.instrument.serial == serial)
            .unwrap()
            .token
    }
    pub fn id(&self, serial: &str) -> i64 {
        self.fleet
            .iter()
            .find(|p| p.instrument.serial == serial)
            .unwrap()
            .id
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, Vec<u8>, Option<String>) {
        use tower::ServiceExt;
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let cookie = resp
            .headers()
            .get(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_string());
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, body, cookie)
    }

    pub async fn ingest(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        let req = Request::post(format!("/api/v1/ingest/{path}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (s, b, _) = self.send(req).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    /// Pushes the simulated history of every provisioned instrument.
    pub async fn fill(&self) {
        self.fill_with(&cfg()).await
    }

    /// [`Env::fill`] with another simulated window.
    pub async fn fill_with(&self, cfg: &SimConfig) {
        for p in &self.fleet {
            for b in telemetry(p.instrument, cfg) {
                let (s, v) = self
                    .ingest("telemetry", &p.token, &serde_json::to_value(&b).unwrap())
                    .await;
                assert_eq!(s, StatusCode::OK, "{v}");
            }
            for r in runs(p.instrument, cfg) {
                let (s, v) = self
                    .ingest("runs", &p.token, &serde_json::to_value(&r).unwrap())
                    .await;
                assert_eq!(s, StatusCode::OK, "{v}");
            }
        }
    }

    pub async fn login(&self, email: &str) -> String {
        let body = json!({ "email": email, "password": DEMO_PASSWORD });
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (s, b, cookie) = self.send(req).await;
        assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
        let cookie = cookie.expect("login sets a cookie");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        cookie.split(';').next().unwrap().to_string()
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, Vec<u8>) {
        let mut req = Request::get(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let (s, b, _) = self.send(req.body(Body::empty()).unwrap()).await;
        (s, b)
    }

    /// A read that must succeed, decoded.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str, cookie: &str) -> T {
        let (s, b) = self.get(path, Some(cookie)).await;
        assert_eq!(s, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&b));
        serde_json::from_slice(&b).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

pub fn error_of(body: &[u8]) -> ApiError {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not an API error ({e}): {}", String::from_utf8_lossy(body)))
}

/// A message as its reader sees it: quoted-printable's `=XX` bytes and encoded-word
/// headers (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) decoded (the sink has joined soft breaks).
pub fn mail_text(raw: &str) -> String {
    fn hex(b: &[u8]) -> Option<u8> {
        u8::from_str_radix(std::str::from_utf8(b).ok()?, 16).ok()
    }
    fn base64(s: &str) -> Vec<u8> {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
        for c in s.bytes() {
            let Some(v) = A.iter().position(|a| *a == c) else {
                continue;
            };
            acc = (acc << 6) | v as u32;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        out
    }
    // The headers unfolded, then encoded words (a header may hold several).
    let unfolded = match raw.split_once("\r\n\r\n") {
        Some((head, body)) => format!("{}\r\n\r\n{body}", head.replace("\r\n ", " ")),
        None => raw.to_string(),
    };
    let mut text = String::new();
    let mut rest = unfolded.as_str();
    while let Some(at) = rest.find("=?") {
        let word = rest[at + 2..].splitn(3, '?').collect::<Vec<_>>();
        let end = (word.len() == 3).then(|| word[2].find("?=")).flatten();
        match (word.get(1).map(|e| e.to_ascii_lowercase()), end) {
            (Some(enc), Some(end)) if enc == "b" || enc == "q" => {
                text.push_str(&rest[..at]);
                let data = &word[2][..end];
                let bytes = match enc.as_str() {
                    "b" => base64(data),
                    _ => data.replace('_', " ").into_bytes(),
                };
                text.push_str(&String::from_utf8_lossy(&bytes));
                let used = at + 2 + word[0].len() + 1 + word[1].len() + 1 + end + 2;
                rest = &rest[used..];
                // The space between two encoded words is not text.
                if rest.starts_with([' ', '\r', '\n', '\t']) && rest.trim_start().starts_with("=?")
                {
                    rest = rest.trim_start();
                }
            }
            _ => {
                text.push_str(&rest[..at + 2]);
                rest = &rest[at + 2..];
            }
        }
    }
    text.push_str(rest);
    // Then quoted-printable bytes.
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1..i + 3).and_then(hex)) {
            (b'=', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub async fn post_json(env: &Env, path: &str, cookie: &str, body: Value) -> (StatusCode, Vec<u8>) {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, cookie)
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, b, _) = env.send(req).await;
    (s, b)
}

mod attacks;
mod backend;
mod connections;
mod consistency;
mod enrollment;
mod faults;
mod fuzz;
mod handling;
mod ingest;
mod notifications;
mod people;
mod people_account;
mod people_links;
mod reads;
mod replacements;
mod resources;
mod run_signals;
mod session;
mod telemetry;
mod today;
mod warnings;
mod web;
mod words;
