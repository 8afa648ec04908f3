//! Bad input, tried for real: generated JSON bodies for both ingest endpoints (valid-ish
//! shapes with extreme values, wrong types, missing and unknown fields, huge strings,
//! number literals JSON has no value for), deeply nested and oversized bodies, and slow
//! clients. Never a 5xx, every 4xx a JSON error, and afterwards the database's aggregates
//! still equal a recomputation from the raw readings.
//!
//! `FUZZ_CASES` sets the cases per generator (default 400; four generators).

use super::consistency::assert_aggregates_match_readings;
use super::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Fewer cases than this per generator would let a run pass having fuzzed nothing.
const MIN_CASES: u32 = 50;

fn cases() -> u32 {
    let n = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    assert!(
        n >= MIN_CASES,
        "FUZZ_CASES={n}: at least {MIN_CASES} cases per generator, or the fuzz tests test nothing"
    );
    n
}

/// Numbers at the edges: what an instrument's firmware or an attacker might send.
fn extreme_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            0.0,
            -0.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            1e308,
            -1e308,
            1e15,
            -1.0,
            99.999,
            100.0,
            100.000001,
            1e-9,
        ])
        .prop_map(|f| json!(f)),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        any::<i64>().prop_map(|i| json!(i)),
        any::<u64>().prop_map(|u| json!(u)),
    ]
}

/// Times as text: valid ones from before 2000 to past tomorrow, and malformed ones.
fn time_text() -> impl Strategy<Value = Value> {
    let now = chrono::Utc::now().timestamp();
    prop_oneof![
        3 => (900_000_000i64..now + 3 * 86_400).prop_map(|t| {
            json!(chrono::DateTime::from_timestamp(t, 0).unwrap().to_rfc3339())
        }),
        1 => prop::sample::select(vec![
            "", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "yesterday", "0",
            "9999-12-31T23:59:59Z", "+275760-09-13T00:00:00Z", "2026-06-01T00:00:00+99:00",
            "2026-06-01 00:00:00", "2026-06-01T00:00:00.999999999999Z",
        ])
        .prop_map(|s| json!(s)),
    ]
}

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => ".{0,40}".prop_map(|s| json!(s)),
        2 => "[A-Za-z0-9_.:+-]{0,140}".prop_map(|s| json!(s)),
        2 => "[a-z0-9_]{0,70}".prop_map(|s| json!(s)),
        1 => (0usize..300_000).prop_map(|n| json!("é".repeat(n / 2))),
        1 => prop::sample::select(vec![
            "Robert'); DROP TABLE sensor_readings;--", "\u{0}", "\u{202e}evil", "<img src=x onerror=alert(1)>",
            "optical", "thermal", "error", "info", "../../etc/passwd", "%s%n%x",
        ])
        .prop_map(|s| json!(s)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        extreme_number(),
        time_text(),
        text(),
    ]
}

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every path (object keys and array indices) in `v`, parents before children.
fn paths(v: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                prefix.push(json!(k));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                prefix.push(json!(i));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the value at the n-th path.
    Set(usize, Value),
    /// Remove the n-th path's key or element.
    Remove(usize),
    /// Add a field nobody asked for to the n-th path's object (or the top).
    Unknown(usize, String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        5 => (any::<usize>(), any_json()).prop_map(|(i, v)| Mutation::Set(i, v)),
        2 => any::<usize>().prop_map(Mutation::Remove),
        1 => (any::<usize>(), "[a-z_]{1,20}", any_json())
            .prop_map(|(i, k, v)| Mutation::Unknown(i, k, v)),
    ]
}

fn at_path<'a>(v: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
    match path.split_first() {
        None => Some(v),
        Some((Value::String(k), rest)) => at_path(v.get_mut(k.as_str())?, rest),
        Some((Value::Number(i), rest)) => at_path(v.get_mut(i.as_u64()? as usize)?, rest),
        Some(_) => None,
    }
}

fn apply(doc: &mut Value, m: &Mutation) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    if all.is_empty() {
        return;
    }
    let pick = |i: usize| all[i % all.len()].clone();
    match m {
        Mutation::Set(i, v) => {
            if let Some(target) = at_path(doc, &pick(*i)) {
                *target = v.clone();
            }
        }
        Mutation::Remove(i) => {
            let path = pick(*i);
            let (last, parent) = path.split_last().unwrap();
            match (at_path(doc, parent), last) {
                (Some(Value::Object(o)), Value::String(k)) => {
                    o.remove(k);
                }
                (Some(Value::Array(a)), Value::Number(n)) => {
                    let n = n.as_u64().unwrap() as usize;
                    if n < a.len() {
                        a.remove(n);
                    }
                }
                _ => {}
            }
        }
        Mutation::Unknown(i, k, v) => {
            let mut path = pick(*i);
            if !at_path(doc, &path).is_some_and(|t| t.is_object()) {
                path.clear();
            }
            if let Some(Value::Object(o)) = at_path(doc, &path) {
                o.insert(k.clone(), v.clone());
            }
        }
    }
}

/// What every answer to an ingest request must be: 200 with an ack, or a 4xx with the
/// API's JSON error. Returns whether something new was stored.
fn check_answer(status: StatusCode, body: &[u8]) -> Result<bool, TestCaseError> {
    let text = String::from_utf8_lossy(body);
    prop_assert!(
        !status.is_server_error(),
        "{status}: {}",
        &text[..text.len().min(300)]
    );
    if status == StatusCode::OK {
        let ack: IngestAck = serde_json::from_slice(body)
            .map_err(|e| TestCaseError::fail(format!("200 without an ack ({e}): {text}")))?;
        return Ok(ack.stored);
    }
    prop_assert!(status.is_client_error(), "{status}");
    let e: ApiError = serde_json::from_slice(body)
        .map_err(|e| TestCaseError::fail(format!("{status} without a JSON error ({e}): {text}")))?;
    prop_assert!(!e.error.is_empty() && !e.detail.is_empty(), "{e:?}");
    Ok(false)
}

async fn post_raw(env: &Env, path: &str, token: &str, body: String) -> (StatusCode, Vec<u8>) {
    let req = Request::post(format!("/api/v1/ingest/{path}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let (s, b, _) = env.send(req).await;
    (s, b)
}

struct Tally {
    cases: AtomicUsize,
    stored_batches: AtomicUsize,
    stored_runs: AtomicUsize,
}

#[test]
fn generated_ingest_bodies_never_5xx_and_never_corrupt_the_aggregates() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let env = rt.block_on(env());
    let t0 = std::time::Instant::now();
    let inst = env.fleet[0].instrument;
    let token = env.token(inst.serial).to_string();
    let small = SimConfig {
        days: 2,
        batch_days: 1,
        ..cfg()
    };
    let base_batch = serde_json::to_value(&telemetry(inst, &small)[0]).unwrap();
    let base_run = serde_json::to_value(&runs(inst, &cfg())[0]).unwrap();
    let tally = Tally {
        cases: AtomicUsize::new(0),
        stored_batches: AtomicUsize::new(0),
        stored_runs: AtomicUsize::new(0),
    };
    let fresh_id =
        |kind: &str| format!("fuzz-{kind}-{}", tally.cases.fetch_add(1, Ordering::SeqCst));
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };

    // 1. Real batches and runs with 1–4 mutations each (fresh ids, so they reach the
    //    database unless refused).
    for (path, base) in [("telemetry", &base_batch), ("runs", &base_run)] {
        let id_field = if path == "runs" { "run_id" } else { "batch_id" };
        TestRunner::new(config.clone())
            .run(&prop::collection::vec(mutation(), 1..5), |ms| {
                let mut doc = base.clone();
                doc[id_field] = json!(fresh_id(path));
                for m in &ms {
                    apply(&mut doc, m);
                }
                let (s, b) = rt.block_on(post_raw(&env, path, &token, doc.to_string()));
                if check_answer(s, &b)? {
                    let counter = if path == "runs" {
                        &tally.stored_runs
                    } else {
                        &tally.stored_batches
                    };
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                Ok(())
            })
            .unwrap();
    }

    // 2. Valid-shaped batches from scratch: few sensor names and times, so readings
    //    collide within and across batches (same sensor and time, another value), with
    //    extreme values; most are stored.
    let now = chrono::Utc::now().timestamp();
    let reading = (
        prop::sample::select(vec![
            "laser_power_pct",
            "chiller_temp_c",
            "focus_fwhm_px",
            "line_pressure_kpa",
        ]),
        prop::sample::select(vec!["optical", "thermal", "fluidics", "mechanical"]),
        prop::sample::select(vec![
            now - 86_400 * 400,
            now - 7200,
            now - 3599,
            now - 1,
            now,
        ]),
        0i64..60,
        prop_oneof![
            4 => -1000.0f64..1000.0,
            1 => prop::sample::select(vec![0.0, -0.0, 1e300, -1e300, 1e-300, f64::MIN_POSITIVE]),
        ],
    );
    let batch = prop::collection::vec(reading, 0..40);
    TestRunner::new(config.clone())
        .run(&batch, |readings| {
            let readings: Vec<Value> = readings
                .into_iter()
                .map(|(sensor, subsystem, at, jitter, value)| {
                    let at = chrono::DateTime::from_timestamp(at - jitter * 60, 0).unwrap();
                    json!({"at": at, "subsystem": subsystem, "sensor": sensor, "value": value})
                })
                .collect();
            let body = json!({"batch_id": fresh_id("valid"), "readings": readings});
            let (s, b) = rt.block_on(post_raw(&env, "telemetry", &token, body.to_string()));
            prop_assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
            if check_answer(s, &b)? {
                tally.stored_batches.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        })
        .unwrap();

    // 3. Number literals JSON has no value for, where a number belongs.
    let literal = prop::sample::select(vec![
        "NaN",
        "-NaN",
        "Infinity",
        "-Infinity",
        "inf",
        "1e400",
        "-1e400",
        "1e-400",
        "0x10",
        "01",
        "+1",
        "1.",
        ".5",
        "-",
        "1e",
        "9999999999999999999999999",
        "null",
        "true",
        "\"1\"",
        "[1]",
        "{}",
    ]);
    TestRunner::new(config.clone())
        .run(&(literal, any::<bool>()), |(lit, in_run)| {
            let (path, body) = if in_run {
                let mut doc = base_run.clone();
                doc["run_id"] = json!(fresh_id("lit"));
                doc["summary"]["pct_q30"] = json!(123456.789);
                ("runs", doc.to_string())
            } else {
                let mut doc = base_batch.clone();
                doc["batch_id"] = json!(fresh_id("lit"));
                doc["readings"][0]["value"] = json!(123456.789);
                ("telemetry", doc.to_string())
            };
            let body = body.replacen("123456.789", lit, 1);
            let (s, b) = rt.block_on(post_raw(&env, path, &token, body));
            let stored = check_answer(s, &b)?;
            // JSON allows only these here: 1e-400 is 0, 10^25 a finite reading (a run's
            // percentage refuses it), and a run's figures are optional.
            let allowed =
                matches!(lit, "1e-400" | "9999999999999999999999999") || (lit == "null" && in_run);
            prop_assert!(!stored || allowed, "{lit} stored");
            if stored {
                let counter = if in_run {
                    &tally.stored_runs
                } else {
                    &tally.stored_batches
                };
                counter.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        })
        .unwrap();

    rt.block_on(async {
        assert_aggregates_match_readings(&env.db).await;
        assert_eq!(
            env.count("telemetry_batches").await as usize,
            tally.stored_batches.load(Ordering::SeqCst)
        );
        assert_eq!(
            env.count("runs").await as usize,
            tally.stored_runs.load(Ordering::SeqCst)
        );
    });
    eprintln!(
        "fuzz: {} generated bodies ({} batches and {} runs stored), no 5xx, aggregates intact; {:.1} s",
        tally.cases.load(Ordering::SeqCst),
        tally.stored_batches.load(Ordering::SeqCst),
        tally.stored_runs.load(Ordering::SeqCst),
        t0.elapsed().as_secs_f64()
    );
}

#[tokio::test]
async fn deeply_nested_and_oversized_bodies_answer_4xx_with_json() {
    let env = env().await;
    let token = env.token("A00317").to_string();
    let deep = 10_000;
    let base = serde_json::to_value(&telemetry(env.fleet[0].instrument, &cfg())[0]).unwrap();
    let many: Vec<Value> = (0..20_001)
        .map(|i| json!({"at": "2026-06-01T00:00:00Z", "subsystem": "optical", "sensor": "s", "value": i}))
        .collect();
    let cases: Vec<(&str, &str, String, StatusCode)> = vec![
        (
            "10,000 nested arrays",
            "telemetry",
            format!("{}{}", "[".repeat(deep), "]".repeat(deep)),
            StatusCode::BAD_REQUEST,
        ),
        (
            "10,000 nested objects",
            "runs",
            format!("{}null{}", "{\"a\":".repeat(deep), "}".repeat(deep)),
            StatusCode::BAD_REQUEST,
        ),
        (
            "nesting inside a field",
            "telemetry",
            format!(
                "{{\"batch_id\":\"deep\",\"readings\":{}{}}}",
                "[".repeat(deep),
                "]".repeat(deep)
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            "unclosed nesting",
            "telemetry",
            "[".repeat(1_000_000),
            StatusCode::BAD_REQUEST,
        ),
        (
            "3 MiB string",
            "runs",
            format!("{{\"run_id\": \"{}\"}}", "x".repeat(3 << 20)),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "3 MiB of readings",
            "telemetry",
            json!({"batch_id": "big", "readings": (0..40_000).map(|_| base["readings"][0].clone()).collect::<Vec<_>>()})
                .to_string(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "20,001 readings",
            "telemetry",
            json!({"batch_id": "many", "readings": many}).to_string(),
            StatusCode::BAD_REQUEST,
        ),
        ("empty body", "telemetry", String::new(), StatusCode::BAD_REQUEST),
        ("not UTF-8 JSON", "runs", "\u{feff}{}".into(), StatusCode::BAD_REQUEST),
    ];
    for (name, path, body, want) in cases {
        let len = body.len();
        let (s, b) = post_raw(&env, path, &token, body).await;
        assert_eq!(
            s,
            want,
            "{name} ({len} bytes): {}",
            String::from_utf8_lossy(&b)
        );
        let e = error_of(&b);
        assert!(!e.detail.is_empty(), "{name}");
    }
    for table in ["telemetry_batches", "sensor_readings", "runs"] {
        assert_eq!(env.count(table).await, 0, "{table}");
    }
}

/// A client that sends its headers and then stalls (or drips) its body gets 408 with a
/// JSON error once the request timeout passes, and its connection is closed; meanwhile
/// and after, others are served.
#[tokio::test]
async fn a_stalled_or_dripping_body_is_cut_off_by_the_request_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let env = env().await;
    let token = env.token("A00317").to_string();
    let timeout = std::time::Duration::from_secs(1);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(seqhealth_server::serve(
        listener,
        seqhealth_server::app_with_timeout(
            AppState::new(env.db.clone()),
            seqhealth_server::Dashboard::Off,
            timeout,
        ),
        std::future::pending(),
    ));
    let head = format!(
        "POST /api/v1/ingest/telemetry HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"batch_id\": "
    );
    for drip in [false, true] {
        let t = std::time::Instant::now();
        let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        conn.write_all(head.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        let read = async {
            let mut buf = [0u8; 4096];
            loop {
                if drip {
                    // One byte every 100 ms: each arrives well inside any per-read limit.
                    let _ = conn.write_all(b" ").await;
                }
                let n = tokio::select! {
                    n = conn.read(&mut buf) => n.unwrap_or(0),
                    _ = tokio::time::sleep(std::time::Duration::from_millis(100)), if drip => continue,
                };
                if n == 0 {
                    break;
                }
                answer.extend_from_slice(&buf[..n]);
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), read)
            .await
            .expect("the server held a stalled client for 10 s");
        let took = t.elapsed();
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 408"), "drip {drip}: {text}");
        assert!(text.contains("\"request_timeout\""), "drip {drip}: {text}");
        assert!(
            took >= timeout && took < timeout * 4,
            "drip {drip}: {took:?}"
        );
    }
    // The server is not worse for it: an honest client is served at once.
    let pusher = seqhealth_agent::push::Pusher::new(&format!("http://{addr}"), &token);
    let b = &telemetry(env.fleet[0].instrument, &cfg())[0];
    assert!(pusher.telemetry(b).await.unwrap().stored);
    assert_eq!(env.count("telemetry_batches").await, 1);
}

#[tokio::test]
async fn a_client_stalled_inside_its_headers_loses_its_connection_when_idle() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let env = env().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(seqhealth_server::serve_with(
        listener,
        seqhealth_server::app(AppState::new(env.db.clone()), None),
        std::future::pending(),
        seqhealth_server::Serving {
            idle: std::time::Duration::from_secs(1),
            ..Default::default()
        },
    ));
    let t = std::time::Instant::now();
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Half a request line and one header, then nothing.
    conn.write_all(format!("GET /api/v1/fleet HTTP/1.1\r\nHost: {addr}\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), conn.read(&mut buf))
        .await
        .expect("the server held a client stalled in its headers for 10 s")
        .unwrap_or(0);
    assert_eq!(
        n,
        0,
        "closed, not answered: {}",
        String::from_utf8_lossy(&buf[..n])
    );
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    // A normal request on a new connection still works.
    let mut ok = tokio::net::TcpStream::connect(addr).await.unwrap();
    ok.write_all(
        format!("GET /api/v1/nothing HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    ok.read_to_end(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 404"));
}
