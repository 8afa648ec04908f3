//! Mail in its recipient's language: a notification worded for each person (its subject,
//! the event's cause from its code with the language's decimal comma, the fixed words),
//! and a password-reset letter in the language of the account's owner.

use super::*;
use crate::mail_text;

/// A manager of Northgate who reads the dashboard (and so her mail) in `language`.
async fn manager_in(env: &Env, email: &str, language: &str) -> String {
    let cookie = northgate_manager(env, email, "Lia Manager").await;
    let (s, b) = post_json(
        env,
        "/api/v1/account/language",
        &cookie,
        json!({ "language": language }),
    )
    .await;
    assert!(s.is_success(), "{s}: {}", String::from_utf8_lossy(&b));
    cookie
}

#[tokio::test]
async fn each_manager_reads_a_warning_s_mail_in_their_own_language() {
    let env = env_of(&[NIMBUS]).await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    manager_in(&env, "lia@northgate.example", "it").await;
    chiller(&env, NIMBUS, 14.2).await;
    let pass = worker.pass(now()).await.unwrap();
    assert_eq!((pass.sent, pass.failed), (2, 0), "Ada and Lia: {pass:?}");
    let mail = settled(&sink, 2).await;
    let of = |who: &str| {
        mail.iter()
            .find(|m| to(m) == who)
            .map(|m| mail_text(m))
            .unwrap_or_else(|| panic!("no mail to {who}: {mail:?}"))
    };
    let nickname: String = sqlx::query_scalar("SELECT nickname FROM instruments WHERE serial = $1")
        .bind(NIMBUS)
        .fetch_one(&env.db)
        .await
        .unwrap();

    let lia = of("lia@northgate.example");
    assert!(
        lia.contains(&format!(
            "Subject: {nickname} ({NIMBUS}): avviso critico\r\n"
        )),
        "{lia}"
    );
    assert!(
        lia.contains(
            "Temperatura del refrigeratore dei reagenti a 14,2 °C, sopra il limite critico di 10,0 °C"
        ),
        "the cause from its code, with a decimal comma: {lia}"
    );
    assert!(lia.contains("seqhealth per Northgate"), "{lia}");
    assert!(lia.contains("Scegli cosa ti viene comunicato"), "{lia}");
    assert!(
        lia.contains(
            "Non ricevere più email su avvisi critici: https://seq.example.org/api/v1/unsubscribe/"
        ),
        "{lia}"
    );
    for english in [
        "critical warning",
        "Stop mail",
        "Choose what",
        "seqhealth for",
    ] {
        assert!(!lia.contains(english), "{english:?} left in English: {lia}");
    }

    let ada = of("ada@northgate.example");
    assert!(
        ada.contains(&format!(
            "Subject: {nickname} ({NIMBUS}): critical warning\r\n"
        )),
        "{ada}"
    );
    assert!(
        ada.contains("Reagent chiller temperature at 14.2 °C, above the 10.0 °C critical limit"),
        "{ada}"
    );
    assert!(
        ada.contains(
            "Stop mail about critical warnings: https://seq.example.org/api/v1/unsubscribe/"
        ),
        "{ada}"
    );
    assert!(ada.contains("Choose what you are told"), "{ada}");

    // Her unsubscribe link's page speaks Italian too, before and after the button.
    let path = unsubscribe_path(&lia);
    let (s, page) = env.get(&path, None).await;
    assert_eq!(s, StatusCode::OK);
    let page = String::from_utf8_lossy(&page).into_owned();
    assert!(page.contains("<html lang=\"it\">"), "{page}");
    assert!(
        page.contains("<h1>Non ricevere più email su avvisi critici?</h1>"),
        "{page}"
    );
    let (s, done, _) = env
        .send(Request::post(&path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        String::from_utf8_lossy(&done)
            .contains("lia@northgate.example non riceve più email su avvisi critici."),
        "{}",
        String::from_utf8_lossy(&done)
    );

    // The delivery log shows each subject as it was sent.
    let cookie = env.login("ada@northgate.example").await;
    let log: DeliveryLog = env
        .get_json("/api/v1/notifications/deliveries", &cookie)
        .await;
    let subject_to = |who: &str| {
        log.deliveries
            .iter()
            .find(|d| d.target == who)
            .map(|d| d.subject.clone())
            .unwrap()
    };
    assert_eq!(
        subject_to("lia@northgate.example"),
        format!("{nickname} ({NIMBUS}): avviso critico")
    );
    assert_eq!(
        subject_to("ada@northgate.example"),
        format!("{nickname} ({NIMBUS}): critical warning")
    );
}

/// A message of several events in Italian: the subject says how many more, and a
/// replacement's events read in Italian too (the component translated, the reason from its
/// code, the date's label).
#[tokio::test]
async fn a_message_of_several_events_reads_in_italian_throughout() {
    use seqhealth_server::domain::notify::outbox::{self, Reason};
    let env = crate::env().await;
    env.fill().await;
    let sink = SmtpSink::start();
    let worker = notifier(&env, &sink);
    let ada = env.login("ada@northgate.example").await;
    let rec = crate::replacements::chiller_recommendation(&env, &ada).await;
    let lia = manager_in(&env, "lia@northgate.example", "it").await;
    let mut prefs: NotifyPrefs = env.get_json("/api/v1/account/notifications", &lia).await;
    for (_, mode) in prefs.modes.iter_mut() {
        *mode = seqhealth_api::notify::NotifyMode::Immediately;
    }
    let (s, b) = send_json(
        &env,
        Method::PUT,
        "/api/v1/account/notifications",
        &lia,
        serde_json::to_value(&prefs).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    // What the history told is not this test's: only the replacement's two events.
    sqlx::query("UPDATE notify_events SET dispatched_at = 0 WHERE dispatched_at IS NULL")
        .execute(&env.db)
        .await
        .unwrap();
    let mut tx = seqhealth_server::store::begin_write(&env.db).await.unwrap();
    for reason in [Reason::Opened, Reason::Due] {
        outbox::replacement_event(&mut tx, rec.id, reason, now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let pass = worker.pass(now()).await.unwrap();
    assert_eq!(
        pass.sent, 1,
        "Lia alone chose these kinds at once: {pass:?}"
    );
    let mail = mail_text(&settled(&sink, 1).await[0]);
    assert_eq!(to(&mail), "lia@northgate.example");
    let nickname: String = sqlx::query_scalar("SELECT nickname FROM instruments WHERE serial = $1")
        .bind(NIMBUS)
        .fetch_one(&env.db)
        .await
        .unwrap();
    assert!(
        mail.contains(&format!(
            "Subject: {nickname} ({NIMBUS}): sostituzione consigliata (refrigeratore dei reagenti) (e altri 1)\r\n"
        )),
        "{mail}"
    );
    assert!(mail.contains("(data: 20"), "the dated detail: {mail}");
    assert!(
        !mail.contains(&rec.reason),
        "the reason from its code: {mail}"
    );
    for english in [
        "replacement of",
        "due for replacement",
        "(date:",
        "Stop mail",
        "seqhealth for",
    ] {
        assert!(
            !mail.contains(english),
            "{english:?} left in English: {mail}"
        );
    }
}
