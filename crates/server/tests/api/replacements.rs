//! Replacements: recommended → scheduled → completed / cancelled, planned-run
//! collisions, muting, the audit log, CSV, and the iCalendar download and feed.

use super::*;
use chrono::{Duration, NaiveDate, Utc};
use seqhealth_api::{
    AuditList, CalendarFeed, CalendarInfo, PlannedRun, PlannedRunList, ReplacementList,
    ReplacementRow, ReplacementSource, ReplacementStatus, Slot, WarningList, WarningStatus,
};

/// A future weekday-agnostic local date `days` ahead (London).
pub(super) fn day(days: i64) -> NaiveDate {
    (Utc::now() + Duration::days(days)).date_naive()
}

pub(super) async fn chiller_recommendation(env: &Env, cookie: &str) -> ReplacementRow {
    let list: ReplacementList = env.get_json("/api/v1/replacements", cookie).await;
    list.replacements
        .into_iter()
        .find(|r| r.instrument_id == env.id("NB552091") && r.sensor == "chiller_temp_c")
        .expect("the failing chiller's warning recommends a replacement")
}

fn ical(body: &[u8]) -> icalendar::Calendar {
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    let unfolded = icalendar::parser::unfold(&text);
    icalendar::parser::read_calendar(&unfolded)
        .unwrap_or_else(|e| panic!("not iCalendar: {e}\n{text}"))
        .into()
}

fn events(cal: &icalendar::Calendar) -> Vec<&icalendar::Event> {
    cal.components.iter().filter_map(|c| c.as_event()).collect()
}

#[tokio::test]
async fn a_manager_schedules_reschedules_and_completes_a_recommended_replacement() {
    use icalendar::Component;
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let grace = env.login("grace@northgate.example").await;
    let rosalind = env.login("rosalind@riverside.example").await;

    let rec = chiller_recommendation(&env, &ada).await;
    assert_eq!(rec.status, ReplacementStatus::Recommended);
    assert_eq!(rec.source, ReplacementSource::Warning);
    assert_eq!(rec.component, "Reagent chiller");
    assert!(
        rec.reason.contains(", above the 10.0 °C critical limit"),
        "{}",
        rec.reason
    );
    // Reading the list again makes no second recommendation.
    let again: ReplacementList = env.get_json("/api/v1/replacements?status=open", &ada).await;
    assert_eq!(
        again
            .replacements
            .iter()
            .filter(|r| r.sensor == "chiller_temp_c" && r.instrument_id == rec.instrument_id)
            .count(),
        1
    );
    // Riverside sees none of Northgate's, and cannot act on them.
    let theirs: ReplacementList = env.get_json("/api/v1/replacements", &rosalind).await;
    assert!(theirs.replacements.iter().all(|r| r.id != rec.id));
    let schedule = format!("/api/v1/replacements/{}/schedule", rec.id);
    let body = json!({ "date": day(10), "slot": "am" });
    let (s, _) = post_json(&env, &schedule, &rosalind, body.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A viewer sees it but may not schedule.
    let (s, b) = post_json(&env, &schedule, &grace, body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{}", String::from_utf8_lossy(&b));
    assert_eq!(error_of(&b).error, "forbidden");

    // Bad requests: a past slot, a typo'd slot, an unknown field.
    for bad in [
        json!({ "date": day(-2), "slot": "am" }),
        json!({ "date": day(10), "slot": "evening" }),
        json!({ "date": day(10), "slot": "am", "technician": "x" }),
        json!({ "date": day(900), "slot": "pm" }),
    ] {
        let (s, b) = post_json(&env, &schedule, &ada, bad.clone()).await;
        assert_eq!(
            s,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            String::from_utf8_lossy(&b)
        );
    }

    // A planned run on the chosen day: refused unless booked anyway.
    let instrument = rec.instrument_id;
    let plan = format!("/api/v1/instruments/{instrument}/planned-runs");
    let run = json!({ "starts_on": day(9), "ends_on": day(11), "label": "WGS batch 14" });
    let (s, _) = post_json(&env, &plan, &grace, run.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "viewers cannot plan runs");
    let (s, b) = post_json(&env, &plan, &ada, run).await;
    assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    let planned: PlannedRun = serde_json::from_slice(&b).unwrap();
    let bad_run = json!({ "starts_on": day(12), "ends_on": day(11), "label": "x" });
    let (s, _) = post_json(&env, &plan, &ada, bad_run).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let runs: PlannedRunList = env
        .get_json(
            &format!("/api/v1/planned-runs?instrument={instrument}"),
            &grace,
        )
        .await;
    assert_eq!(runs.planned_runs, vec![planned.clone()]);
    let (s, b) = post_json(&env, &schedule, &ada, body.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let err = error_of(&b);
    assert_eq!(err.error, "planned_run_collision");
    assert!(err.detail.contains("WGS batch 14"), "{}", err.detail);

    // Scheduled on a clear day.
    let (s, b) = post_json(
        &env,
        &schedule,
        &ada,
        json!({ "date": day(14), "slot": "pm" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let scheduled: ReplacementRow = serde_json::from_slice(&b).unwrap();
    assert_eq!(scheduled.status, ReplacementStatus::Scheduled);
    let appt = scheduled.appointment.clone().unwrap();
    assert_eq!((appt.date, appt.slot), (day(14), Slot::Pm));
    assert!(appt.scheduled_by.is_some());
    assert_eq!((appt.ends_at - appt.starts_at).num_hours(), 4);
    // Once only: a second scheduling is a conflict, not a second appointment.
    let (s, b) = post_json(
        &env,
        &schedule,
        &ada,
        json!({ "date": day(15), "slot": "am" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{}", String::from_utf8_lossy(&b));
    assert!(error_of(&b).detail.contains("is scheduled"));

    // The chiller's warning is muted until the appointment ends.
    let warnings: WarningList = env.get_json("/api/v1/warnings", &ada).await;
    let chiller = warnings
        .warnings
        .iter()
        .find(|w| w.instrument_id == instrument && w.rule == "threshold:chiller_temp_c")
        .unwrap();
    assert_eq!(chiller.muted_until, Some(appt.ends_at));
    assert!(warnings
        .warnings
        .iter()
        .filter(|w| !w.rule.ends_with(":chiller_temp_c"))
        .all(|w| w.muted_until.is_none()));

    // Rescheduled: the calendar event keeps its UID and gets a higher SEQUENCE.
    let reschedule = format!("/api/v1/replacements/{}/reschedule", rec.id);
    let (s, b) = post_json(
        &env,
        &reschedule,
        &ada,
        json!({ "date": day(10), "slot": "am", "allow_collision": true }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let moved: ReplacementRow = serde_json::from_slice(&b).unwrap();
    assert_eq!(moved.appointment.as_ref().unwrap().date, day(10));
    let (s, b) = env.get("/api/v1/replacements.ics", Some(&ada)).await;
    assert_eq!(s, StatusCode::OK);
    let cal = ical(&b);
    let evs = events(&cal);
    assert_eq!(evs.len(), 1);
    let ev = evs[0];
    assert_eq!(
        ev.get_uid(),
        Some(format!("replacement-{}@seqhealth", rec.id).as_str())
    );
    assert_eq!(ev.property_value("SEQUENCE"), Some("1"));
    assert!(ev.get_summary().unwrap().contains("Reagent chiller"));
    let start = ev.properties().get("DTSTART").unwrap();
    assert_eq!(
        start.params().get("TZID").map(|p| p.value()),
        Some("Europe/London")
    );
    assert!(start.value().ends_with("T080000"), "{}", start.value());
    let text = String::from_utf8_lossy(&b);
    assert!(
        text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"),
        "{text}"
    );
    // Riverside's download holds none of it.
    let (_, b) = env.get("/api/v1/replacements.ics", Some(&rosalind)).await;
    assert!(events(&ical(&b)).is_empty());

    // Completed: the warning resolves; nothing more can happen to it.
    let complete = format!("/api/v1/replacements/{}/complete", rec.id);
    let (s, _) = post_json(&env, &complete, &grace, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = post_json(&env, &complete, &ada, json!({ "note": "new Peltier unit" })).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let done: ReplacementRow = serde_json::from_slice(&b).unwrap();
    assert_eq!(done.status, ReplacementStatus::Completed);
    let all: WarningList = env.get_json("/api/v1/warnings?status=all", &ada).await;
    let w = all.warnings.iter().find(|w| w.id == chiller.id).unwrap();
    assert_eq!(w.status, WarningStatus::Resolved);
    for (path, body) in [
        (complete.clone(), json!({})),
        (
            format!("/api/v1/replacements/{}/cancel", rec.id),
            json!({ "reason": "x" }),
        ),
        (schedule.clone(), json!({ "date": day(20), "slot": "am" })),
        (reschedule.clone(), json!({ "date": day(20), "slot": "am" })),
    ] {
        let (s, b) = post_json(&env, &path, &ada, body).await;
        assert_eq!(s, StatusCode::CONFLICT, "{path}");
        assert!(error_of(&b).detail.contains("is completed"), "{path}");
    }

    // The audit log tells the story, newest first, and cannot be rewritten.
    let audit: AuditList = env.get_json("/api/v1/audit", &grace).await;
    let actions: Vec<&str> = audit.entries.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "recommended",
        "planned run added",
        "scheduled",
        "rescheduled",
        "completed",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert_eq!(actions[0], "completed");
    let rec_entry = audit
        .entries
        .iter()
        .find(|e| e.action == "recommended" && e.replacement_id == Some(rec.id))
        .unwrap();
    assert_eq!(rec_entry.actor, "seqhealth");
    let theirs: AuditList = env.get_json("/api/v1/audit", &rosalind).await;
    assert!(theirs
        .entries
        .iter()
        .all(|e| e.instrument_id != Some(instrument)));
    assert!(sqlx::query("UPDATE audit_log SET detail = 'edited'")
        .execute(&env.db)
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM audit_log")
        .execute(&env.db)
        .await
        .is_err());
    for method in [Method::DELETE, Method::PUT, Method::PATCH] {
        let req = Request::builder()
            .method(method.clone())
            .uri("/api/v1/audit")
            .header(header::COOKIE, &ada)
            .body(Body::empty())
            .unwrap();
        let (s, _, _) = env.send(req).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }

    // CSV exports name the lab's zone and guard against spreadsheet formulas.
    let (s, b) = env.get("/api/v1/replacements.csv", Some(&ada)).await;
    assert_eq!(s, StatusCode::OK);
    let csv = String::from_utf8(b).unwrap();
    assert!(
        csv.starts_with(
            "id,instrument,serial,subsystem,component,status,replace by (Europe/London)"
        ),
        "{csv}"
    );
    assert!(csv.contains("Reagent chiller,completed"), "{csv}");
    let (s, b) = env.get("/api/v1/audit.csv", Some(&ada)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8(b).unwrap().lines().count() > 5);

    // The planned run can be removed, by a manager, and that is logged too.
    let req = |cookie: &str| {
        Request::delete(format!("/api/v1/planned-runs/{}", planned.id))
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(env.send(req(&grace)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(env.send(req(&rosalind)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(env.send(req(&ada)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(env.count("planned_runs").await, 0);
    // The log read above is kept, but a new entry shows at once, to every reader.
    for who in [&grace, &ada] {
        let audit: AuditList = env.get_json("/api/v1/audit", who).await;
        assert_eq!(audit.entries[0].action, "planned run removed");
    }
    let (s, b) = env.get("/api/v1/audit?instrument=abc", Some(&ada)).await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&b)
    );
    let path = format!("/api/v1/audit?instrument={instrument}");
    let (s, _) = env.get(&path, Some(&rosalind)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another lab's instrument");
    let mine: AuditList = env.get_json(&path, &ada).await;
    assert!(mine
        .entries
        .iter()
        .all(|e| e.instrument_id == Some(instrument)));
    assert!(!mine.entries.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_managers_scheduling_at_once_make_one_appointment() {
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let rec = chiller_recommendation(&env, &ada).await;
    let path = format!("/api/v1/replacements/{}/schedule", rec.id);
    // Eight requests in flight at once, each on its own task.
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            use tower::ServiceExt;
            let req = Request::post(&path)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, &ada)
                .body(Body::from(
                    json!({ "date": day(5 + i), "slot": "am" }).to_string(),
                ))
                .unwrap();
            let app = env.app.clone();
            tokio::spawn(async move { (app.oneshot(req).await.unwrap().status(), ()) })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let ok = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let conflicts = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CONFLICT)
        .count();
    assert_eq!(
        (ok, conflicts),
        (1, 7),
        "{:?}",
        results.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    let scheduled: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM replacements WHERE status = 'scheduled'")
            .fetch_one(&env.db)
            .await
            .unwrap();
    assert_eq!(scheduled, 1);
    let logged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'scheduled'")
            .fetch_one(&env.db)
            .await
            .unwrap();
    assert_eq!(logged, 1);
}

#[tokio::test]
async fn a_cancelled_replacement_needs_a_reason_and_the_calendar_feed_follows_its_secret() {
    use icalendar::Component;
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let grace = env.login("grace@northgate.example").await;
    let rec = chiller_recommendation(&env, &ada).await;
    let (s, _) = post_json(
        &env,
        &format!("/api/v1/replacements/{}/schedule", rec.id),
        &ada,
        json!({ "date": day(7), "slot": "am" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // No feed until a manager makes one; viewers cannot.
    let info: CalendarInfo = env.get_json("/api/v1/calendar", &grace).await;
    assert!(!info.has_feed);
    let (s, _) = post_json(&env, "/api/v1/calendar/token", &grace, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = post_json(&env, "/api/v1/calendar/token", &ada, json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let first: CalendarFeed = serde_json::from_slice(&b).unwrap();
    // A calendar app has no session: the secret in the address is the key.
    let (s, b) = env.get(&first.path, None).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let evs_len = events(&ical(&b)).len();
    assert_eq!(evs_len, 1);
    let (s, _) = env.get("/api/v1/calendar/0000.ics", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Cancelling needs a reason; then the feed marks the event cancelled.
    let cancel = format!("/api/v1/replacements/{}/cancel", rec.id);
    let (s, _) = post_json(&env, &cancel, &ada, json!({ "reason": "  " })).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, b) = post_json(
        &env,
        &cancel,
        &ada,
        json!({ "reason": "chiller fixed by a firmware update" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let (_, b) = env.get(&first.path, None).await;
    let cal = ical(&b);
    let ev = events(&cal)[0];
    assert_eq!(ev.property_value("STATUS"), Some("CANCELLED"));
    assert_eq!(ev.property_value("SEQUENCE"), Some("1"));

    // Rotated: the old address stops working, the new one works.
    let (_, b) = post_json(&env, "/api/v1/calendar/token", &ada, json!({})).await;
    let second: CalendarFeed = serde_json::from_slice(&b).unwrap();
    assert_ne!(first.path, second.path);
    assert_eq!(env.get(&first.path, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(env.get(&second.path, None).await.0, StatusCode::OK);
    let info: CalendarInfo = env.get_json("/api/v1/calendar", &grace).await;
    assert!(info.has_feed);

    // The cancelled replacement's warning is still open: a new recommendation follows it.
    let list: ReplacementList = env.get_json("/api/v1/replacements?status=open", &ada).await;
    assert!(list
        .replacements
        .iter()
        .any(|r| r.sensor == "chiller_temp_c" && r.id != rec.id));
}

#[tokio::test]
async fn a_completed_replacement_starts_a_fresh_prediction_baseline() {
    let env = env().await;
    env.fill().await;
    let atlas = env.id("A00317");
    // The simulated history ends on 2026-06-30: predict as of then.
    let end = cfg().end.timestamp();
    let before = seqhealth_server::domain::predictions::for_instrument(&env.db, atlas, end)
        .await
        .unwrap();
    assert!(
        before.iter().any(|p| p.sensor == "laser_power_pct"),
        "the decaying laser is predicted: {before:?}"
    );
    // Its recommendation says when, in the words the dashboard uses.
    seqhealth_server::domain::recommendations::refresh_all(&env.db, end)
        .await
        .unwrap();
    let reason: String = sqlx::query_scalar(
        "SELECT reason FROM replacements
         WHERE instrument_id = $1 AND sensor = 'laser_power_pct' AND source = 'prediction'",
    )
    .bind(atlas)
    .fetch_one(&env.db)
    .await
    .unwrap();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    assert!(
        month.iter().any(|m| reason.contains(&format!(" {m} 2026"))) && !reason.contains("2026-"),
        "{reason}"
    );
    sqlx::query(
        "INSERT INTO replacements (instrument_id, sensor, status, source, reason, replace_by, created_at, updated_at, completed_at)
         VALUES ($1, 'laser_power_pct', 'completed', 'prediction', 'test', $2, $3, $4, $5)",
    )
    .bind(atlas)
    .bind(end)
    .bind(end)
    .bind(end)
    .bind(end - 5 * 86_400)
    .execute(&env.db)
    .await
    .unwrap();
    let after = seqhealth_server::domain::predictions::for_instrument(&env.db, atlas, end)
        .await
        .unwrap();
    assert!(
        after.iter().all(|p| p.sensor != "laser_power_pct"),
        "five days of a new laser are no trend yet: {after:?}"
    );
}

/// Issue "What needs attention today?": one replace-by date per component. A kept date
/// gives way to the prediction only when new data moves it by days, and the row says when
/// and why; the predictions list shows the replacement's date.
#[tokio::test]
async fn a_replace_by_date_moves_only_when_the_data_moves_it_and_says_why() {
    use seqhealth_server::domain::{predictions, recommendations};
    let env = env().await;
    env.fill().await;
    let atlas = env.id("A00317");
    let end = cfg().end.timestamp();
    recommendations::refresh_all(&env.db, end).await.unwrap();
    let stored = || async {
        sqlx::query_as::<_, (i64, i64, Option<i64>)>(
            "SELECT id, replace_by, replace_by_was FROM replacements
             WHERE instrument_id = $1 AND sensor = 'laser_power_pct' AND status = 'recommended'",
        )
        .bind(atlas)
        .fetch_one(&env.db)
        .await
        .unwrap()
    };
    let (id, predicted, was) = stored().await;
    assert_eq!(was, None, "a new recommendation has not moved");
    let set = |by: i64| {
        sqlx::query("UPDATE replacements SET replace_by = $1 WHERE id = $2")
            .bind(by)
            .bind(id)
            .execute(&env.db)
    };
    // A day off (what a day's readings do): the kept date stays.
    set(predicted + 86_400).await.unwrap();
    recommendations::refresh_all(&env.db, end).await.unwrap();
    assert_eq!(stored().await.1, predicted + 86_400, "kept within a day");
    // The predictions list shows that same date for the laser.
    let kept = seqhealth_server::domain::predictions::KeptPredictions::default();
    let shown = predictions::kept(&env.db, &kept, atlas, end).await.unwrap();
    let laser = shown
        .iter()
        .find(|p| p.sensor == "laser_power_pct")
        .unwrap();
    assert_eq!(laser.replace_by.timestamp(), predicted + 86_400);
    // Ten days off: the prediction moves it, and the row says from what, when and why.
    set(predicted + 10 * 86_400).await.unwrap();
    recommendations::refresh_all(&env.db, end).await.unwrap();
    let (_, now_by, was) = stored().await;
    assert_eq!(now_by, predicted);
    assert_eq!(was, Some(predicted + 10 * 86_400));
    let ada = env.login("ada@northgate.example").await;
    let list: ReplacementList = env.get_json("/api/v1/replacements", &ada).await;
    let row = list.replacements.iter().find(|r| r.id == id).unwrap();
    let moved = row.moved.as_ref().expect("the move is said");
    assert_eq!(moved.from.timestamp(), predicted + 10 * 86_400);
    assert_eq!(moved.on.timestamp(), end);
    assert!(
        moved.why.starts_with("Laser output power now falls"),
        "{}",
        moved.why
    );
}

/// The demo shows replacements ahead, not only overdue ones: Vesta's laser dims and
/// Raven's pump wears, both still within their bands at the end of the history, their
/// limits forecast two to eight weeks later, each recommended with its interval.
#[tokio::test]
async fn the_demo_fleet_has_replacements_coming_up_not_only_overdue() {
    use seqhealth_server::domain::{predictions, recommendations};
    let env = env_of(&["VH00788", "VH01507"]).await;
    let cfg = SimConfig { days: 120, ..cfg() };
    env.fill_with(&cfg).await;
    let end = cfg.end.timestamp();
    recommendations::refresh_all(&env.db, end).await.unwrap();
    for (serial, sensor) in [
        ("VH00788", "laser_power_pct"),
        ("VH01507", "line_pressure_kpa"),
    ] {
        let id = env.id(serial);
        let list = predictions::for_instrument(&env.db, id, end).await.unwrap();
        let p = list
            .iter()
            .find(|p| p.sensor == sensor)
            .unwrap_or_else(|| panic!("{serial}'s {sensor} is predicted: {list:?}"));
        let weeks = (p.predicted_at.timestamp() - end) as f64 / (7.0 * 86_400.0);
        eprintln!("{serial} {sensor}: crossing {weeks:.1} weeks after the history ends");
        assert!(
            (2.0..=8.0).contains(&weeks),
            "{serial} {sensor}: {weeks:.1} weeks ahead"
        );
        assert!(
            p.earliest < p.latest && p.replace_by.timestamp() > end,
            "{p:?}"
        );
        let open: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, replace_by FROM replacements WHERE instrument_id = $1 AND sensor = $2",
        )
        .bind(id)
        .bind(sensor)
        .fetch_all(&env.db)
        .await
        .unwrap();
        assert_eq!(open.len(), 1, "{serial}: one recommendation: {open:?}");
        assert_eq!(open[0].0, "recommended");
        assert!(open[0].1 > end, "{serial}: upcoming, not overdue");
    }
}

/// Booking like an operations tool: the service engineer and the vendor's case number
/// (both optional) go into the appointment, the audit log and the calendar event, with the
/// instrument's site; rescheduling keeps or changes them; nonsense is refused.
#[tokio::test]
async fn an_appointment_records_its_engineer_and_vendor_case() {
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let rec = chiller_recommendation(&env, &ada).await;
    let schedule = format!("/api/v1/replacements/{}/schedule", rec.id);
    let too_long = json!({ "date": day(10), "slot": "am", "engineer": "x".repeat(121) });
    let (s, b) = post_json(&env, &schedule, &ada, too_long).await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&b)
    );
    assert!(error_of(&b).detail.contains("`engineer`"));
    let body = json!({ "date": day(10), "slot": "pm", "engineer": " Sam Okafor ", "case_number": "CS-00481516" });
    let (s, b) = post_json(&env, &schedule, &ada, body).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let row: ReplacementRow = serde_json::from_slice(&b).unwrap();
    let a = row.appointment.unwrap();
    assert_eq!(a.engineer.as_deref(), Some("Sam Okafor"));
    assert_eq!(a.case_number.as_deref(), Some("CS-00481516"));
    assert_eq!(row.instrument_site, "Building A, room 2.16");

    let audit: AuditList = env.get_json("/api/v1/audit", &ada).await;
    assert!(
        audit.entries.iter().any(|e| e
            .detail
            .ends_with("(engineer Sam Okafor, case CS-00481516)")),
        "{:?}",
        audit.entries.first()
    );
    let (s, ics) = env.get("/api/v1/replacements.ics", Some(&ada)).await;
    assert_eq!(s, StatusCode::OK);
    let ics = String::from_utf8(ics).unwrap().replace("\r\n ", "");
    assert!(ics.contains("Engineer: Sam Okafor"), "{ics}");
    assert!(ics.contains("Vendor case: CS-00481516"), "{ics}");
    assert!(
        ics.contains("LOCATION:Nimbus\\, Building A\\, room 2.16"),
        "{ics}"
    );

    // Rescheduled without them: the appointment no longer names them.
    let reschedule = format!("/api/v1/replacements/{}/reschedule", rec.id);
    let (s, b) = post_json(
        &env,
        &reschedule,
        &ada,
        json!({ "date": day(11), "slot": "am" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let row: ReplacementRow = serde_json::from_slice(&b).unwrap();
    assert_eq!(row.appointment.unwrap().engineer, None);
}
