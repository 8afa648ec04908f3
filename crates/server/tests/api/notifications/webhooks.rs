//! Notifications to webhooks (and escalations to every manager): signed deliveries, retries, several workers at once, and what follows an instrument's silence folded into one message.

use super::*;

#[tokio::test]
async fn an_unacknowledged_critical_warning_escalates_to_every_manager_and_the_webhook() {
    let env = env_of(&[NIMBUS, ATLAS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    let _lin = lin_in_the_digest(&env).await;
    let ada = env.login("ada@northgate.example").await;
    let hook = receiver(&[]).await;
    let made = add_webhook(&env, &ada, &hook.url).await;
    let (s, b) = send_json(
        &env,
        Method::PUT,
        "/api/v1/notifications/settings",
        &ada,
        json!({ "digest_at": "07:30", "escalate_after_minutes": 1, "remind_every_hours": 24 }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let grace = env.login("grace@northgate.example").await;
    let (s, _) = send_json(
        &env,
        Method::PUT,
        "/api/v1/notifications/settings",
        &grace,
        json!({ "digest_at": "07:30", "escalate_after_minutes": 1, "remind_every_hours": 24 }),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Ada's change is in the audit log, Grace's refusal is not.
    let log: seqhealth_api::AuditList = env.get_json("/api/v1/audit", &ada).await;
    let changes: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.action == "notification settings changed")
        .collect();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        changes[0].detail,
        "digest at 07:30, escalate after 1 min, remind every 24 h"
    );
    assert_eq!(changes[0].actor, "Ada Lovelace");

    chiller(&env, NIMBUS, 13.0).await;
    chiller(&env, ATLAS, 13.0).await;
    let t0 = now();
    let first = worker.pass(t0).await.unwrap();
    // Ada's two mails (one per instrument) and two webhook deliveries.
    assert_eq!(first.sent, 4, "{first:?}");
    // Atlas's warning is acknowledged in time; Nimbus's is not.
    let warnings: seqhealth_api::WarningList = env.get_json("/api/v1/warnings", &ada).await;
    let atlas = warnings
        .warnings
        .iter()
        .find(|w| w.instrument_id == env.id(ATLAS) && w.rule == "threshold:chiller_temp_c")
        .unwrap();
    let (s, _) = post_json(
        &env,
        &format!("/api/v1/warnings/{}/acknowledge", atlas.id),
        &ada,
        json!({ "reason": "door left open, closed" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let early = worker.pass(t0 + 30).await.unwrap();
    assert_eq!(early.sent, 0, "not yet: {early:?}");
    let late = worker.pass(t0 + 61).await.unwrap();
    assert_eq!(
        late.sent, 3,
        "Ada, Lin (a manager, though she chose the digest) and the webhook: {late:?}"
    );
    let mail = settled(&sink, 4).await;
    let escalated: Vec<&String> = mail.iter().filter(|m| m.contains("ESCALATED")).collect();
    let mut whom: Vec<&str> = escalated.iter().map(|m| to(m)).collect();
    whom.sort();
    assert_eq!(whom, ["ada@northgate.example", "lin@northgate.example"]);
    assert!(escalated
        .iter()
        .all(|m| m.contains(NIMBUS) && !m.contains(ATLAS)));
    let seen = hook.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "two first alerts, one escalation");
    let body: Value = serde_json::from_slice(&seen[2].1).unwrap();
    assert_eq!(body["escalated"], json!(true), "{body}");
    assert!(
        body["text"].as_str().unwrap().contains("ESCALATED"),
        "{body}"
    );
    assert_eq!(body["events"][0]["instrument_id"], json!(env.id(NIMBUS)));
    assert!(
        seen.iter().all(|(h, b)| signed(&made.secret, h, b)),
        "every delivery is signed"
    );
    // Once only.
    assert_eq!(worker.pass(t0 + 120).await.unwrap().sent, 0);
}

#[tokio::test]
async fn a_webhook_that_fails_twice_gets_one_delivery_in_three_attempts() {
    let env = env_of(&[NIMBUS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    let ada = env.login("ada@northgate.example").await;
    let hook = receiver(&[500, 503]).await;
    let made = add_webhook(&env, &ada, &hook.url).await;
    assert!(made.secret.starts_with("whsec_"));
    chiller(&env, NIMBUS, 12.5).await;
    let t0 = now();
    let p1 = worker.pass(t0).await.unwrap();
    assert_eq!(
        (p1.sent, p1.retrying),
        (1, 1),
        "the mail went, the webhook waits: {p1:?}"
    );
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    let hook_row = log
        .deliveries
        .iter()
        .find(|d| d.channel == "webhook")
        .unwrap();
    assert_eq!(hook_row.status, DeliveryStatus::Retrying);
    assert!(
        hook_row.last_error.as_deref().unwrap().contains("500"),
        "{hook_row:?}"
    );
    // Not before its backoff (1 s, then 2 s).
    assert_eq!(worker.pass(t0).await.unwrap().retrying, 0);
    assert_eq!(worker.pass(t0 + 1).await.unwrap().retrying, 1);
    assert_eq!(
        worker.pass(t0 + 2).await.unwrap().sent,
        0,
        "the second wait is 2 s"
    );
    assert_eq!(worker.pass(t0 + 3).await.unwrap().sent, 1);
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    let hooks: Vec<_> = log
        .deliveries
        .iter()
        .filter(|d| d.channel == "webhook")
        .collect();
    assert_eq!(hooks.len(), 1, "one delivery in the log");
    assert_eq!(
        (hooks[0].status, hooks[0].attempts),
        (DeliveryStatus::Sent, 3)
    );
    let seen = hook.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    let keys: Vec<&str> = seen
        .iter()
        .map(|(h, _)| h["idempotency-key"].to_str().unwrap())
        .collect();
    assert!(
        keys.iter().all(|k| *k == keys[0] && k.starts_with("dlv_")),
        "a replay is recognisable: {keys:?}"
    );
    assert!(seen.iter().all(|(h, b)| signed(&made.secret, h, b)));
    assert!(!signed("whsec_wrong", &seen[0].0, &seen[0].1));
    let body: Value = serde_json::from_slice(&seen[2].1).unwrap();
    assert!(
        body["events"][0]["key"]
            .as_str()
            .unwrap()
            .starts_with("evt_"),
        "{body}"
    );

    // A 4xx (not 429) stops it at once; a removed webhook gets nothing more.
    let refusing = receiver(&[410]).await;
    let second = add_webhook(&env, &ada, &refusing.url).await;
    let (s, _) = post_json(
        &env,
        &format!("/api/v1/webhooks/{}/test", second.webhook.id),
        &ada,
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let p = worker.pass(t0 + 4).await.unwrap();
    assert_eq!(p.failed, 1, "{p:?}");
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    assert_eq!(log.deliveries[0].status, DeliveryStatus::Failed);
    assert!(log.deliveries[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("410"));
    // Bad addresses are refused with a reason.
    for (url, why) in [
        ("http://hooks.example.org/x", "https://"),
        ("ftp://x.example.org", "https://"),
        ("https://user:pw@x.example.org/", "user name"),
    ] {
        let (s, b) = post_json(
            &env,
            "/api/v1/webhooks",
            &ada,
            json!({ "name": "x", "url": url }),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{url}");
        assert!(
            error_of(&b).detail.contains(why),
            "{url}: {}",
            error_of(&b).detail
        );
    }
    let (s, _) = send_json(
        &env,
        Method::DELETE,
        &format!("/api/v1/webhooks/{}", made.webhook.id),
        &ada,
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let hooks: Vec<seqhealth_api::notify::Webhook> = env.get_json("/api/v1/webhooks", &ada).await;
    assert_eq!(hooks.len(), 1);
}

/// Two workers at once (two server processes on one database: separate pools) send each
/// delivery once: claims are taken under the write lock (on PostgreSQL, by the suite's
/// run against it, its advisory lock).
#[tokio::test]
async fn two_workers_at_once_send_each_delivery_once() {
    use seqhealth_api::notify::NotifyKind;
    use seqhealth_server::domain::notify::outbox::{self, NewEvent, Reason};
    let env = env_of(&[NIMBUS, ATLAS]).await;
    let ada = env.login("ada@northgate.example").await;
    let hook = receiver(&[]).await;
    add_webhook(&env, &ada, &hook.url).await;
    let lab: i64 = sqlx::query_scalar("SELECT lab_id FROM instruments WHERE serial = $1")
        .bind(NIMBUS)
        .fetch_one(&env.db)
        .await
        .unwrap();
    let t0 = now();
    for n in 0..60 {
        let mut tx = seqhealth_server::store::begin_write(&env.db).await.unwrap();
        let e = NewEvent {
            lab_id: lab,
            instrument_id: Some(env.id(if n % 2 == 0 { NIMBUS } else { ATLAS })),
            kind: NotifyKind::CriticalWarning,
            reason: Reason::Opened,
            warning_id: None,
            replacement_id: None,
            title: format!("event {n}"),
            detail: "two workers".into(),
            title_said: None,
            detail_said: None,
        };
        outbox::record(&mut tx, e, t0).await.unwrap();
        tx.commit().await.unwrap();
        // One message per event: fanned out one by one.
        seqhealth_server::domain::notify::fanout::fan_out(&env.db, t0, 0)
            .await
            .unwrap();
    }
    let worker = |pool: sqlx::AnyPool| {
        Notifier::new(
            pool,
            seqhealth_server::mail::Mailer::off(),
            NotifyConfig {
                every: Duration::from_secs(1),
                group_secs: 0,
                retry_base_secs: 1,
                lease_secs: 60,
            },
        )
    };
    let (a, b) = (
        worker(seqhealth_server::store::connect(&env.url).await.unwrap()),
        worker(seqhealth_server::store::connect(&env.url).await.unwrap()),
    );
    let (pa, pb) = tokio::join!(a.pass(t0), b.pass(t0));
    let (pa, pb) = (pa.unwrap(), pb.unwrap());
    assert_eq!(
        pa.sent + pb.sent,
        120,
        "60 mails and 60 webhook posts: {pa:?} {pb:?}"
    );
    let seen = hook.seen.lock().unwrap().clone();
    let mut keys: Vec<&str> = seen
        .iter()
        .map(|(h, _)| h["idempotency-key"].to_str().unwrap())
        .collect();
    keys.sort();
    let all = keys.len();
    keys.dedup();
    assert_eq!((all, keys.len()), (60, 60), "each delivery once");
    println!("two workers: {} and {} deliveries", pa.sent, pb.sent);
}

/// An instrument gone silent: what follows from its silence is told inside the one
/// "gone silent" message (webhooks get both in one delivery), and not again on its own
/// while the silence lasts; the dashboard still lists every warning.
#[tokio::test]
async fn what_follows_an_instrument_s_silence_is_folded_into_its_message() {
    let env = env_of(&[NIMBUS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    let ada = env.login("ada@northgate.example").await;
    let hook = receiver(&[]).await;
    add_webhook(&env, &ada, &hook.url).await;
    // The sweep's finding, as `warnings::sweep_missing_data` stores it.
    let t = now();
    let silent: i64 = sqlx::query_scalar(
        "INSERT INTO warnings (instrument_id, subsystem, rule, severity, status, raised_at, updated_at, message)
         VALUES ($1, 'fluidics', 'missing_data:fluidics', 'warning', 'active', $2, $3, 'no fluidics data for 3 h')
         RETURNING id",
    )
    .bind(env.id(NIMBUS))
    .bind(t)
    .bind(t)
    .fetch_one(&env.db)
    .await
    .unwrap();
    {
        let mut conn = env.db.acquire().await.unwrap();
        seqhealth_server::domain::notify::outbox::warning_event(
            &mut conn,
            silent,
            seqhealth_server::domain::notify::outbox::Reason::Opened,
            t,
        )
        .await
        .unwrap();
    }
    chiller(&env, NIMBUS, 14.0).await;
    worker.pass(now()).await.unwrap();
    let seen = hook.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "one delivery for both");
    let body: Value = serde_json::from_slice(&seen[0].1).unwrap();
    let kinds: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["silent", "critical_warning"], "{body}");
    // Later, while still silent: a new finding is folded, not sent on its own.
    let batch = json!({
        "batch_id": "laser-while-silent",
        "readings": [{ "at": chrono::Utc::now(), "subsystem": "optical",
                       "sensor": "laser_power_pct", "value": 40.0 }],
    });
    let (s, v) = env.ingest("telemetry", env.token(NIMBUS), &batch).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let p = worker.pass(now()).await.unwrap();
    assert_eq!(p.sent, 0, "{p:?}");
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM notify_events ORDER BY id DESC LIMIT 1")
            .fetch_one(&env.db)
            .await
            .unwrap();
    assert_eq!(outcome.as_deref(), Some("folded"));
    let warnings: seqhealth_api::WarningList = env.get_json("/api/v1/warnings", &ada).await;
    assert!(warnings
        .warnings
        .iter()
        .any(|w| w.rule == "threshold:laser_power_pct"));
}
