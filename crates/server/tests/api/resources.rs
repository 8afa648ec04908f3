//! What one caller can make the server keep: every cache is keyed on parsed values and
//! bounded, every limit counts in one step (issue "Security, second round", items 1, 2).

use super::*;
use futures_util::future::join_all;

/// 10,000 spellings of one filter (`instrument=7`, `instrument=07`, …) are one kept answer:
/// before, each spelling was kept for ever (1,500 such requests grew the server by 100 MB).
#[tokio::test]
async fn ten_thousand_spellings_of_a_filter_keep_one_answer() {
    let env = env().await;
    let grace = env.login("grace@northgate.example").await;
    let id = env.id("A00317");
    let (entries_before, _) = env.state.lab_lists.size();
    for zeros in 0..10_000usize {
        let path = format!(
            "/api/v1/replacements?instrument={}{id}&status=open",
            "0".repeat(zeros % 2_000)
        );
        let path = if zeros >= 2_000 {
            format!("{path}&x{zeros}=1")
        } else {
            path
        };
        let (s, b) = env.get(&path, Some(&grace)).await;
        assert_eq!(s, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&b));
    }
    let (entries, bytes) = env.state.lab_lists.size();
    assert!(
        entries <= entries_before + 1,
        "one filter, one kept answer: {entries} entries ({bytes} bytes)"
    );
    // The warnings and audit lists too.
    for zeros in 0..1_000usize {
        let pad = "0".repeat(zeros);
        for path in [
            format!("/api/v1/warnings?instrument={pad}{id}"),
            format!("/api/v1/audit?instrument={pad}{id}"),
        ] {
            let (s, _) = env.get(&path, Some(&grace)).await;
            assert_eq!(s, StatusCode::OK, "{path}");
        }
    }
    let (entries, _) = env.state.lab_lists.size();
    assert!(entries <= entries_before + 3, "{entries} entries");
}

/// Sixty wrong passwords at once get exactly the account's allowance of tries; the rest
/// are refused before their password is checked (before, 12–14 got through).
#[tokio::test]
async fn parallel_wrong_passwords_get_exactly_the_limit() {
    let env = env().await;
    let attempts = (0..60).map(|_| {
        let body = json!({ "email": "ada@northgate.example", "password": "guess" }).to_string();
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        env.send(req)
    });
    let answers = join_all(attempts).await;
    let tried = answers
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(tried, seqhealth_server::http::limits::PER_ACCOUNT as usize);
    assert_eq!(tried + refused, 60);
}

/// Two managers acknowledge one warning at once: exactly one succeeds, the other is told
/// it is already acknowledged; one audit entry.
#[tokio::test]
async fn concurrent_acknowledgements_have_exactly_one_winner() {
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let active: i64 = sqlx::query_scalar(
        "SELECT w.id FROM warnings w JOIN instruments i ON i.id = w.instrument_id
         WHERE i.lab_id = (SELECT lab_id FROM users WHERE email = 'ada@northgate.example')
           AND w.status = 'active' ORDER BY w.id LIMIT 1",
    )
    .fetch_one(&env.db)
    .await
    .expect("the simulated history raises an active warning in Northgate");
    let audit_before = env.count("audit_log").await;
    let path = format!("/api/v1/warnings/{active}/acknowledge");
    let answers = join_all((0..8).map(|i| {
        post_json(
            &env,
            &path,
            &ada,
            json!({ "reason": format!("on it ({i})") }),
        )
    }))
    .await;
    let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let conflicts: Vec<_> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CONFLICT)
        .map(|(_, b)| error_of(b).detail)
        .collect();
    assert_eq!(ok, 1, "{answers:?}");
    assert_eq!(conflicts.len(), 7);
    assert!(conflicts[0].contains("is acknowledged"), "{}", conflicts[0]);
    assert_eq!(env.count("audit_log").await, audit_before + 1);
}

/// An instrument token cannot invent sensors: a batch naming unknown ones is refused
/// whole, the answer names them, and nothing is stored (before, each invented name was
/// kept and scanned on every fleet recomputation).
#[tokio::test]
async fn invented_sensor_names_are_refused_and_named() {
    let env = env().await;
    let at = chrono::Utc::now() - chrono::Duration::hours(1);
    let readings: Vec<Value> = (0..50)
        .map(|i| json!({ "at": at, "subsystem": "optical", "sensor": format!("made_up_{i}"), "value": 1.0 }))
        .chain([json!({ "at": at, "subsystem": "optical", "sensor": "laser_power_pct", "value": 99.0 })])
        .collect();
    let readings_before = env.count("sensor_readings").await;
    let (s, v) = env
        .ingest(
            "telemetry",
            env.token("A00317"),
            &json!({ "batch_id": "invented", "readings": readings }),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("50 unknown sensor name(s): made_up_0, made_up_1")
            && detail.contains("laser_power_pct"),
        "{detail}"
    );
    assert_eq!(env.count("sensor_readings").await, readings_before);
    assert_eq!(env.count("telemetry_batches").await, 0);
}

/// The resource section of the attacker suite: every GET of the endpoint table, asked a
/// thousand times by one user with a different spelling each time (leading zeros in path
/// ids and filters, unknown parameters, a growing path), leaves every cache and the login
/// limiter bounded: a kept answer per parsed request at most, never one per spelling.
#[tokio::test]
async fn a_thousand_spellings_of_every_read_keep_memory_bounded() {
    use seqhealth_server::routes::endpoints;
    let env = env().await;
    env.fill().await;
    let grace = env.login("grace@northgate.example").await;
    let id = env.id("A00317");
    let gets: Vec<&'static str> = endpoints()
        .into_iter()
        .filter(|e| e.method == Method::GET)
        .map(|e| e.path)
        .collect();
    assert!(gets.len() >= 15, "{gets:?}");
    let size = |env: &Env| {
        (
            env.state.lab_lists.size(),
            env.state.fleet.size(),
            env.state.predictions.size(),
            env.state.logins.len(),
        )
    };
    // Once each, so every cache holds what one normal visit keeps.
    let spell = |path: &str, n: usize| {
        let zeros = "0".repeat(n % 50);
        let path = path
            .replace("{id}", &format!("{zeros}{id}"))
            .replace("{file}", &format!("{zeros}nope.ics"))
            .replace("{token}", &format!("{zeros}{n:064}"));
        format!("/api/v1{path}?instrument={zeros}{id}&metric=laser_power_pct&z{n}=1")
    };
    for path in &gets {
        env.get(&spell(path, 0), Some(&grace)).await;
    }
    let before = size(&env);
    for n in 1..=1_000 {
        for path in &gets {
            let (s, b) = env.get(&spell(path, n), Some(&grace)).await;
            assert!(
                s.is_success() || s.is_client_error(),
                "{path}: {s} {}",
                String::from_utf8_lossy(&b)
            );
        }
    }
    let after = size(&env);
    let ((lists, list_bytes), (fleets, _), (predictions, _), logins) = after;
    assert!(
        lists <= before.0 .0 + 2 && list_bytes <= before.0 .1 * 2 + 1_000_000,
        "kept lists {before:?} → {after:?}"
    );
    assert!(
        fleets <= 1 && predictions <= 1 && logins <= before.3,
        "{before:?} → {after:?}"
    );
}
