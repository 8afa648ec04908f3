//! "Today" (issue 22): `GET /today`.

use crate::{env_of, post_json};
use axum::http::StatusCode;
use serde_json::json;

const NIMBUS: &str = "NB552091";
const ATLAS: &str = "A00317";

/// A reagent chiller at `celsius` now (critical above 10 °C).
async fn chiller(env: &crate::Env, serial: &str, celsius: f64) {
    let batch = json!({
        "batch_id": format!("chiller-{serial}-{celsius}"),
        "readings": [{ "at": chrono::Utc::now(), "subsystem": "thermal",
                       "sensor": "chiller_temp_c", "value": celsius }],
    });
    let (s, v) = env.ingest("telemetry", env.token(serial), &batch).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// "Today" (issue 22): what needs a manager now, ranked, with the unhandled count the
/// nav shows; handling an item moves it down and out of the count.
#[tokio::test]
async fn today_ranks_what_needs_a_manager_and_counts_what_nobody_handled() {
    use seqhealth_api::{Handling, Today, TodayKind};
    let env = env_of(&[NIMBUS, ATLAS]).await;
    let ada = env.login("ada@northgate.example").await;
    let empty: Today = env.get_json("/api/v1/today", &ada).await;
    assert_eq!((empty.items.len(), empty.unhandled), (0, 0));
    chiller(&env, ATLAS, 8.5).await; // a warning
    chiller(&env, NIMBUS, 14.0).await; // critical
    let soon = chrono::Utc::now().date_naive() + chrono::Duration::days(3);
    let (s, b) = post_json(
        &env,
        &format!("/api/v1/instruments/{}/planned-runs", env.id(NIMBUS)),
        &ada,
        json!({ "starts_on": soon, "ends_on": soon, "label": "NovaSeq-size batch" }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    let today: Today = env.get_json("/api/v1/today", &ada).await;
    let kinds: Vec<(TodayKind, i64)> = today
        .items
        .iter()
        .map(|i| (i.kind, i.instrument_id))
        .collect();
    assert_eq!(kinds[0], (TodayKind::Critical, env.id(NIMBUS)), "{kinds:?}");
    assert_eq!(kinds[1], (TodayKind::Warning, env.id(ATLAS)), "{kinds:?}");
    let at_risk = today
        .items
        .iter()
        .find(|i| i.kind == TodayKind::PlannedRunAtRisk)
        .expect("the planned run on the instrument with a critical warning");
    assert!(
        at_risk.title.contains("NovaSeq-size batch"),
        "{}",
        at_risk.title
    );
    assert_eq!(today.unhandled, today.items.len(), "nothing handled yet");
    // Acknowledged: still listed, with its state, after what is open, and not counted.
    let w = today.items[0].warning_id.unwrap();
    let (s, _) = post_json(
        &env,
        &format!("/api/v1/warnings/{w}/acknowledge"),
        &ada,
        json!({ "reason": "engineer called" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let after: Today = env.get_json("/api/v1/today", &ada).await;
    assert_eq!(after.unhandled, today.unhandled - 1);
    let last = after.items.last().unwrap();
    assert_eq!(
        (last.warning_id, last.handling),
        (Some(w), Handling::Acknowledged)
    );
    // A viewer sees the same day; another lab sees none of it.
    let grace = env.login("grace@northgate.example").await;
    let seen: Today = env.get_json("/api/v1/today", &grace).await;
    assert_eq!(seen, after);
}
