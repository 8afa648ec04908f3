//! Mail in its recipient's language: a notification worded for each person (its subject,
//! the event's cause from its code with the language's decimal comma, the fixed words),
//! and a password-reset letter in the language of the account's owner.

use super::*;
use crate::mail_text;

/// A manager of Northgate who reads the dashboard (and so her mail) in `language`.
async fn manager_in(env: &Env, email: &str, language: &str) -> String {
    let lab: i64 = sqlx::query_scalar("SELECT lab_id FROM instruments WHERE serial = $1")
        .bind(NIMBUS)
        .fetch_one(&env.db)
        .await
        .unwrap();
    seqhealth_server::domain::provision::create_user(
        &env.db,
        lab,
        email,
        "Lia Manager",
        Role::Manager,
        DEMO_PASSWORD,
    )
    .await
    .unwrap();
    let cookie = env.login(email).await;
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
