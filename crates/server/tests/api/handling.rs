//! The fleet's handling of a problem (issue 22): how far Nimbus's failing chiller has been
//! handled, as its badge says (nothing yet, acknowledged, booked), and a handled warning
//! that gets worse alerting again.

use super::replacements::{chiller_recommendation, day};
use super::*;
use chrono::{Duration, Utc};
use seqhealth_api::ReplacementRow;

/// Nimbus's thermal health and how far its problem is handled, as the fleet shows them.
async fn nimbus_thermal(env: &Env, cookie: &str) -> (Health, seqhealth_api::Handling) {
    let fleet: Fleet = env.get_json("/api/v1/fleet", cookie).await;
    let nimbus = env.id("NB552091");
    let row = fleet.instruments.iter().find(|i| i.id == nimbus).unwrap();
    let thermal = seqhealth_api::Subsystem::ALL
        .iter()
        .position(|s| *s == seqhealth_api::Subsystem::Thermal)
        .unwrap();
    (row.health.thermal, row.handling[thermal])
}

/// Nimbus's open chiller warning.
async fn chiller_warning(env: &Env, cookie: &str) -> seqhealth_api::WarningRow {
    let nimbus = env.id("NB552091");
    let list: seqhealth_api::WarningList = env
        .get_json(&format!("/api/v1/warnings?instrument={nimbus}"), cookie)
        .await;
    list.warnings
        .into_iter()
        .find(|w| w.rule == "threshold:chiller_temp_c")
        .expect("the chiller's warning")
}

/// Acknowledges Nimbus's chiller warning with `reason`.
async fn acknowledge_chiller(env: &Env, cookie: &str, reason: &str) {
    let w = chiller_warning(env, cookie).await;
    let path = format!("/api/v1/warnings/{}/acknowledge", w.id);
    let (s, _) = post_json(env, &path, cookie, json!({ "reason": reason })).await;
    assert_eq!(s, StatusCode::OK);
}

/// Books the chiller's recommended replacement ten days ahead, in the morning.
async fn book_chiller(env: &Env, cookie: &str) -> ReplacementRow {
    let rec = chiller_recommendation(env, cookie).await;
    let schedule = format!("/api/v1/replacements/{}/schedule", rec.id);
    let body = json!({ "date": day(10), "slot": "am" });
    let (s, b) = post_json(env, &schedule, cookie, body).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    serde_json::from_slice(&b).unwrap()
}

/// One story per problem: the fleet's badge for Nimbus's failing chiller says what has
/// been done about it — nothing yet, then acknowledged, then the replacement's booking.
#[tokio::test]
async fn the_fleet_says_how_far_a_problem_has_been_handled() {
    use seqhealth_api::Handling;
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let state = || nimbus_thermal(&env, &ada);
    assert_eq!(state().await, (Health::Critical, Handling::Open));
    // The badge says what made it so: the chiller's critical warning, by its rule.
    let fleet: Fleet = env.get_json("/api/v1/fleet", &ada).await;
    let row = fleet
        .instruments
        .iter()
        .find(|i| i.id == env.id("NB552091"))
        .unwrap();
    assert_eq!(
        row.causes,
        [
            None,
            None,
            Some("threshold:chiller_temp_c".to_string()),
            None
        ]
    );
    acknowledge_chiller(&env, &ada, "engineer called").await;
    assert_eq!(state().await, (Health::Critical, Handling::Acknowledged));
    let booked = book_chiller(&env, &ada).await;
    let (health, handled) = state().await;
    assert_eq!(
        health,
        Health::Critical,
        "still critical: the part is not replaced yet"
    );
    let starts = booked.appointment.unwrap().starts_at;
    assert_eq!(handled, Handling::Booked(starts));
    // The fleet's row says what is coming up: the appointment, and a planned run.
    let nimbus = env.id("NB552091");
    let row = |fleet: Fleet| {
        fleet
            .instruments
            .into_iter()
            .find(|i| i.id == nimbus)
            .unwrap()
    };
    let before = row(env.get_json("/api/v1/fleet", &ada).await);
    assert_eq!(before.next_appointment, Some(starts));
    let planned = |days| chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    for (from, to) in [(20, 21), (12, 13)] {
        let (s, b) = post_json(
            &env,
            &format!("/api/v1/instruments/{nimbus}/planned-runs"),
            &ada,
            json!({ "starts_on": planned(from), "ends_on": planned(to), "label": "exome batch" }),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    }
    let after = row(env.get_json("/api/v1/fleet", &ada).await);
    assert_eq!(
        (after.next_appointment, after.next_planned_run),
        (Some(starts), Some(planned(12))),
        "the sooner of the two planned runs"
    );
    // Another instrument has nothing coming up.
    let fleet: Fleet = env.get_json("/api/v1/fleet", &ada).await;
    let others = fleet.instruments.iter().filter(|i| i.id != nimbus);
    assert!(others
        .into_iter()
        .all(|i| i.next_appointment.is_none() && i.next_planned_run.is_none()));
}

/// A handled warning that gets worse alerts again and says why: Nimbus's chiller is warm
/// (a warning), acknowledged and its replacement booked; then it turns critical. The
/// booking no longer mutes it, the fleet's badge no longer says "booked", and the warning
/// says when it got worse; a manager acknowledges it again (once), which the fleet and
/// the audit log show.
#[tokio::test]
async fn a_handled_warning_that_gets_worse_alerts_again() {
    use seqhealth_api::{Handling, Severity, WarningStatus};
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let token = env.token("NB552091").to_string();
    let push = |id: &str, hours_ago: i64, value: f64| {
        let batch = json!({ "batch_id": id, "readings": [{
            "at": Utc::now() - Duration::hours(hours_ago), "subsystem": "thermal",
            "sensor": "chiller_temp_c", "value": value }] });
        let env = &env;
        let token = token.clone();
        async move {
            let (s, v) = env.ingest("telemetry", &token, &batch).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
    };
    // Warm: a warning, acknowledged, its replacement booked.
    push("warm-1", 3, 8.2).await;
    assert_eq!(
        chiller_warning(&env, &ada).await.severity,
        Severity::Warning
    );
    acknowledge_chiller(&env, &ada, "door was open").await;
    book_chiller(&env, &ada).await;
    let w = chiller_warning(&env, &ada).await;
    assert!(w.muted_until.is_some() && w.worse_at.is_none(), "{w:?}");
    assert!(matches!(
        nimbus_thermal(&env, &ada).await.1,
        Handling::Booked(_)
    ));

    // Then critical (a reading after the booking): it alerts again.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    push("hot-1", 0, 11.4).await;
    let w = chiller_warning(&env, &ada).await;
    assert_eq!(w.severity, Severity::Critical);
    assert_eq!(
        w.muted_until, None,
        "a booking made before it got worse does not mute it"
    );
    assert!(w.worse_at.is_some(), "it says when it got worse");
    assert_eq!(w.status, WarningStatus::Acknowledged, "its history stays");
    assert_eq!(nimbus_thermal(&env, &ada).await.1, Handling::Open);

    // A manager acknowledges it again, now that it is critical: who, when and why are
    // the new ones, the fleet's badge says acknowledged, and the audit log says "again".
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    acknowledge_chiller(&env, &ada, "chiller fan ordered").await;
    let again = chiller_warning(&env, &ada).await;
    assert_eq!(
        again.acknowledge_reason.as_deref(),
        Some("chiller fan ordered")
    );
    assert!(again.acknowledged_at > w.worse_at, "{again:?}");
    assert_eq!(nimbus_thermal(&env, &ada).await.1, Handling::Acknowledged);
    let audit: seqhealth_api::AuditList = env.get_json("/api/v1/audit", &ada).await;
    assert!(
        audit.entries.iter().any(|e| e.warning_id == Some(w.id)
            && e.detail
                .starts_with("Acknowledged again after it got worse")),
        "{:?}",
        audit.entries.first()
    );
    // Once is enough: not worse since, so another acknowledgement is refused; and a
    // viewer still cannot.
    let path = format!("/api/v1/warnings/{}/acknowledge", w.id);
    let (s, _) = post_json(&env, &path, &ada, json!({ "reason": "twice" })).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let grace = env.login("grace@northgate.example").await;
    let (s, _) = post_json(&env, &path, &grace, json!({ "reason": "viewer" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
