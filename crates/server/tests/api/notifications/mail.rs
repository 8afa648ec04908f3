//! Notifications by mail: who gets what and when (immediately, in the digest, after quiet hours or a silence), and mail that waits for its server.

use super::*;

#[tokio::test]
async fn a_critical_warning_mails_the_managers_who_chose_immediately_within_one_pass() {
    let env = env_of(&[NIMBUS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    let lin = lin_in_the_digest(&env).await;
    let start = Instant::now();
    chiller(&env, NIMBUS, 14.2).await;
    let pass = worker.pass(now()).await.unwrap();
    assert_eq!((pass.sent, pass.failed), (1, 0), "{pass:?}");
    let mail = settled(&sink, 1).await;
    println!(
        "warning to mail at the SMTP server (loopback): {} ms",
        start.elapsed().as_millis()
    );
    assert_eq!(
        mail.len(),
        1,
        "Ada only: Lin reads the digest, Grace is a viewer"
    );
    let m = &mail[0];
    assert_eq!(to(m), "ada@northgate.example", "{m}");
    assert!(
        m.contains(&format!("Subject: Nimbus ({NIMBUS}): critical warning")) || m.contains(NIMBUS),
        "{m}"
    );
    let link = format!(
        "https://seq.example.org/instruments/{}#warnings",
        env.id(NIMBUS)
    );
    assert!(m.contains(&link), "the link opens the warning: {m}");
    assert!(m.contains("/api/v1/unsubscribe/"), "{m}");
    // The delivery log: managers only.
    let ada = env.login("ada@northgate.example").await;
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    assert_eq!(log.deliveries.len(), 1);
    let d = &log.deliveries[0];
    assert_eq!(
        (d.channel.as_str(), d.target.as_str(), d.status, d.attempts),
        ("email", "ada@northgate.example", DeliveryStatus::Sent, 1)
    );
    let grace = env.login("grace@northgate.example").await;
    assert_eq!(
        env.get("/api/v1/notifications/deliveries", Some(&grace))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let lins: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &lin).await;
    assert_eq!(lins, log, "one lab, one log");
    // The warning staying critical tells nobody again; another pass sends nothing.
    chiller(&env, NIMBUS, 14.8).await;
    let again = worker.pass(now()).await.unwrap();
    assert_eq!(again.sent, 0, "{again:?}");

    // The unsubscribe link: a page with a button (a mail scanner opening it changes
    // nothing), then the button.
    let path = unsubscribe_path(m);
    let (s, page) = env.get(&path, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page).contains("Stop mail about critical warnings"));
    let prefs: NotifyPrefs = env.get_json("/api/v1/account/notifications", &ada).await;
    assert!(prefs.modes.contains(&(
        seqhealth_api::notify::NotifyKind::CriticalWarning,
        seqhealth_api::notify::NotifyMode::Immediately
    )));
    let (s, done, _) = env
        .send(Request::post(&path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8_lossy(&done)
        .contains("ada@northgate.example gets no more mail about critical warnings"));
    let prefs: NotifyPrefs = env.get_json("/api/v1/account/notifications", &ada).await;
    assert!(prefs.modes.contains(&(
        seqhealth_api::notify::NotifyKind::CriticalWarning,
        seqhealth_api::notify::NotifyMode::Never
    )));
    // The token with its first three characters changed.
    let token = &path["/api/v1/unsubscribe/".len()..];
    let forged = format!("/api/v1/unsubscribe/999{}", &token[3..]);
    assert_eq!(env.get(&forged, None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_digest_goes_at_the_labs_time_with_the_days_changes_and_only_once() {
    let env = env_of(&[NIMBUS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    chiller(&env, NIMBUS, 8.5).await; // a warning, not critical: everyone's digest
    let t0 = now();
    let p = worker.pass(t0).await.unwrap();
    assert_eq!(p.sent, 0, "nobody chose warnings immediately: {p:?}");
    // The next 07:30 in the lab's zone.
    let zone: String = sqlx::query_scalar(
        "SELECT l.time_zone FROM labs l JOIN instruments i ON i.lab_id = l.id WHERE i.serial = $1",
    )
    .bind(NIMBUS)
    .fetch_one(&env.db)
    .await
    .unwrap();
    let tz: chrono_tz::Tz = zone.parse().unwrap();
    let local = chrono::DateTime::from_timestamp(t0, 0)
        .unwrap()
        .with_timezone(&tz);
    let today = local
        .date_naive()
        .and_hms_opt(7, 30, 0)
        .unwrap()
        .and_local_timezone(tz)
        .unwrap();
    if today.timestamp() > t0 {
        // Set up before today's digest time: today's is the lab's first day, no digest.
        assert_eq!(
            worker.pass(today.timestamp() + 60).await.unwrap().digests,
            0
        );
    }
    let at = today + chrono::Duration::days(1);
    let before = worker.pass(at.timestamp() - 60).await.unwrap();
    assert_eq!(before.digests, 0, "not before 07:30 {zone}");
    let digest = worker.pass(at.timestamp()).await.unwrap();
    assert_eq!(
        (digest.digests, digest.sent),
        (2, 2),
        "Ada and Grace: {digest:?}"
    );
    let mail = settled(&sink, 2).await;
    assert_eq!(mail.len(), 2);
    assert!(
        mail.iter().all(|m| m.contains("Daily digest for")
            && m.contains("1 change")
            && m.contains(NIMBUS)),
        "{mail:?}"
    );
    assert!(
        mail.iter().all(|m| m.contains(&format!("({zone})"))),
        "times in the lab's zone, named"
    );
    assert_eq!(
        worker.pass(at.timestamp() + 600).await.unwrap().digests,
        0,
        "once a day"
    );
    // The next day, nothing new: no digest at all.
    assert_eq!(
        worker.pass(at.timestamp() + 86_400).await.unwrap().digests,
        0
    );
}

#[tokio::test]
async fn a_silenced_instrument_and_quiet_hours_hold_mail_back() {
    let env = env_of(&[NIMBUS, ATLAS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    let ada = env.login("ada@northgate.example").await;
    let path = format!("/api/v1/instruments/{}/silence", env.id(NIMBUS));
    let until = chrono::Utc::now() + chrono::Duration::hours(4);
    let (s, b) = post_json(&env, &path, &ada, json!({ "until": until, "reason": "" })).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a reason is needed");
    assert!(error_of(&b).detail.contains("reason"));
    let (s, _) = post_json(
        &env,
        &path,
        &ada,
        json!({ "until": until, "reason": "service visit, chiller swap" }),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let audit: seqhealth_api::AuditList = env.get_json("/api/v1/audit", &ada).await;
    assert!(audit
        .entries
        .iter()
        .any(|e| e.detail.contains("service visit, chiller swap")));
    let detail_path = format!("/api/v1/instruments/{}", env.id(NIMBUS));
    let detail: seqhealth_api::InstrumentDetail = env.get_json(&detail_path, &ada).await;
    assert_eq!(
        detail.silenced_until.map(|t| t.timestamp()),
        Some(until.timestamp()),
        "the page shows the silence"
    );
    assert_eq!(
        detail.silence_reason.as_deref(),
        Some("service visit, chiller swap")
    );
    chiller(&env, NIMBUS, 15.0).await;
    let p = worker.pass(now()).await.unwrap();
    assert_eq!(p.sent, 0, "silenced: {p:?}");
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM notify_events ORDER BY id DESC LIMIT 1")
            .fetch_one(&env.db)
            .await
            .unwrap();
    assert_eq!(outcome.as_deref(), Some("silenced"));
    // Still on the dashboard.
    let warnings: seqhealth_api::WarningList = env.get_json("/api/v1/warnings", &ada).await;
    assert!(warnings
        .warnings
        .iter()
        .any(|w| w.instrument_id == env.id(NIMBUS)));
    let (s, _) = send_json(&env, Method::DELETE, &path, &ada, json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let detail: seqhealth_api::InstrumentDetail = env.get_json(&detail_path, &ada).await;
    assert_eq!(
        (detail.silenced_until, detail.silence_reason),
        (None, None),
        "ended"
    );

    // Quiet hours around now hold Ada's mail until they end.
    let mut prefs: NotifyPrefs = env.get_json("/api/v1/account/notifications", &ada).await;
    let zone: String =
        sqlx::query_scalar("SELECT time_zone FROM labs WHERE name LIKE 'Northgate%'")
            .fetch_one(&env.db)
            .await
            .unwrap();
    let minute = seqhealth_server::domain::notify::fanout::lab_minute(now(), &zone);
    let hhmm = |m: i64| {
        format!(
            "{:02}:{:02}",
            m.rem_euclid(1_440) / 60,
            m.rem_euclid(1_440) % 60
        )
    };
    prefs.quiet_from = Some(hhmm(minute - 1));
    prefs.quiet_to = Some(hhmm(minute + 60));
    let (s, b) = send_json(
        &env,
        Method::PUT,
        "/api/v1/account/notifications",
        &ada,
        serde_json::to_value(&prefs).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    chiller(&env, ATLAS, 15.0).await;
    let p = worker.pass(now()).await.unwrap();
    assert_eq!((p.fanned_out, p.sent), (1, 0), "made, held: {p:?}");
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    let held = log.deliveries[0].clone();
    assert_eq!(held.status, DeliveryStatus::Pending);
    let wait = held.next_at.unwrap() - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::minutes(55) && wait <= chrono::Duration::minutes(61),
        "until the quiet hours end: {wait}"
    );
    worker.pass(now() + 3_700).await.unwrap();
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    let sent = log.deliveries.iter().find(|d| d.id == held.id).unwrap();
    assert_eq!(sent.status, DeliveryStatus::Sent, "after the quiet hours");
    prefs.quiet_to = Some("24:00".into());
    let (s, b) = send_json(
        &env,
        Method::PUT,
        "/api/v1/account/notifications",
        &ada,
        serde_json::to_value(&prefs).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(error_of(&b).detail.contains("quiet_to"));
}

/// The mail server down: the delivery waits as "retrying" with the reason, and goes out
/// when the server is back.
#[tokio::test]
async fn mail_waits_while_the_mail_server_is_down_and_goes_out_when_it_returns() {
    let env = env_of(&[NIMBUS]).await;
    let ada = env.login("ada@northgate.example").await;
    // Nothing listens on this port: the mail server is down.
    let down = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mailer = seqhealth_server::mail::Mailer::new(
        Some(&format!("smtp://127.0.0.1:{down}?tls=none")),
        std::path::Path::new("/nonexistent"),
        "seqhealth <seqhealth@lab.example>",
        "https://seq.example.org",
    )
    .unwrap();
    let config = NotifyConfig {
        every: Duration::from_secs(1),
        group_secs: 0,
        retry_base_secs: 1,
        lease_secs: 60,
    };
    let worker = Notifier::new(env.db.clone(), mailer, config);
    chiller(&env, NIMBUS, 13.5).await;
    let t0 = now();
    let p = worker.pass(t0).await.unwrap();
    assert_eq!((p.sent, p.retrying), (0, 1), "{p:?}");
    let p = worker.pass(t0 + 1).await.unwrap();
    assert_eq!(p.retrying, 1, "{p:?}");
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    let d = &log.deliveries[0];
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Retrying, 2));
    assert!(
        d.last_error
            .as_deref()
            .unwrap()
            .contains(&format!("127.0.0.1:{down}")),
        "{d:?}"
    );
    // Back (here: the same lab's server now reaches a working one).
    let sink = SmtpSink::start();
    let back = notifier(&env, &sink);
    assert_eq!(back.pass(t0 + 60).await.unwrap().sent, 1);
    let mail = sink.messages(1).await;
    assert_eq!(to(&mail[0]), "ada@northgate.example");
    let log: DeliveryLog = env.get_json("/api/v1/notifications/deliveries", &ada).await;
    assert_eq!(
        (log.deliveries[0].status, log.deliveries[0].attempts),
        (DeliveryStatus::Sent, 3)
    );
}
