//! A lab's people: roles change, people are deactivated (their sessions end at once, they
//! cannot log in, their history stays), and a lab always keeps an active manager.

use super::*;
use seqhealth_api::{AuditList, Role, Team};
use seqhealth_demo::smtp_sink::SmtpSink;

async fn id_of(env: &Env, cookie: &str, email: &str) -> i64 {
    let team: Team = env.get_json("/api/v1/users", cookie).await;
    team.users.iter().find(|u| u.email == email).unwrap().id
}

#[tokio::test]
async fn managers_change_roles_and_deactivate_people_keeping_one_manager() {
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let grace = env.login("grace@northgate.example").await;
    let ada_id = id_of(&env, &ada, "ada@northgate.example").await;
    let grace_id = id_of(&env, &ada, "grace@northgate.example").await;

    // The last active manager can be neither demoted nor deactivated.
    let (s, b) = post_json(
        &env,
        &format!("/api/v1/users/{ada_id}/role"),
        &ada,
        json!({ "role": "viewer" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        error_of(&b).detail.contains("last active manager"),
        "{}",
        error_of(&b).detail
    );
    let (s, _) = post_json(
        &env,
        &format!("/api/v1/users/{ada_id}/deactivate"),
        &ada,
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Grace becomes a manager, and then Ada may step down.
    let (s, _) = post_json(
        &env,
        &format!("/api/v1/users/{grace_id}/role"),
        &ada,
        json!({ "role": "manager" }),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let who: seqhealth_api::SessionInfo = env.get_json("/api/v1/session", &grace).await;
    assert_eq!(who.user.role, Role::Manager, "at once, in her open session");
    let (s, _) = post_json(
        &env,
        &format!("/api/v1/users/{ada_id}/role"),
        &grace,
        json!({ "role": "viewer" }),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // Grace deactivates Ada: Ada's open session ends at once, she cannot log in again.
    let (s, _) = post_json(
        &env,
        &format!("/api/v1/users/{ada_id}/deactivate"),
        &grace,
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = env.get("/api/v1/fleet", Some(&ada)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({ "email": "ada@northgate.example", "password": DEMO_PASSWORD }).to_string(),
        ))
        .unwrap();
    let (s, _, _) = env.send(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let team: Team = env.get_json("/api/v1/users", &grace).await;
    let ada_now = team.users.iter().find(|u| u.id == ada_id).unwrap();
    assert!(ada_now.deactivated_at.is_some());
    let (s, b) = post_json(
        &env,
        &format!("/api/v1/users/{ada_id}/deactivate"),
        &grace,
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{}", String::from_utf8_lossy(&b));

    // Another lab's people are not found; the audit log keeps every change.
    let rosalind = env.login("rosalind@riverside.example").await;
    let (s, _) = post_json(
        &env,
        &format!("/api/v1/users/{grace_id}/role"),
        &rosalind,
        json!({ "role": "viewer" }),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let audit: AuditList = env.get_json("/api/v1/audit", &grace).await;
    let actions: Vec<&str> = audit.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "role changed").count(),
        2,
        "{actions:?}"
    );
    assert!(actions.contains(&"deactivated"), "{actions:?}");
}

#[tokio::test]
async fn a_user_changes_their_name_and_password_and_other_sessions_end() {
    let env = env().await;
    let here = env.login("grace@northgate.example").await;
    let elsewhere = env.login("grace@northgate.example").await;
    let (s, _) = post_json(&env, "/api/v1/account/name", &here, json!({ "name": "  " })).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = post_json(
        &env,
        "/api/v1/account/name",
        &here,
        json!({ "name": "Grace B. Hopper" }),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let who: seqhealth_api::SessionInfo = env.get_json("/api/v1/session", &here).await;
    assert_eq!(who.user.name, "Grace B. Hopper");

    let change = |current: &str, new: &str| json!({ "current": current, "new": new });
    let (s, b) = post_json(
        &env,
        "/api/v1/account/password",
        &here,
        change("wrong", "a brand new passphrase"),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{}", String::from_utf8_lossy(&b));
    let (s, b) = post_json(
        &env,
        "/api/v1/account/password",
        &here,
        change(DEMO_PASSWORD, "short"),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(error_of(&b).detail.contains("at least 12"));
    // Long enough, but on the published list of common passwords (a year added or not).
    for common in ["leavemealone", "sunshine2026!"] {
        let (s, b) = post_json(
            &env,
            "/api/v1/account/password",
            &here,
            change(DEMO_PASSWORD, common),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{common}");
        assert!(
            error_of(&b).detail.contains("10,000 most common"),
            "{common}"
        );
    }
    let (s, _) = post_json(
        &env,
        "/api/v1/account/password",
        &here,
        change(DEMO_PASSWORD, "a brand new passphrase"),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // This session goes on; the other one ended; the old password no longer opens one.
    let (s, _) = env.get("/api/v1/fleet", Some(&here)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = env.get("/api/v1/fleet", Some(&elsewhere)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let login = |password: &str| {
        Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({ "email": "grace@northgate.example", "password": password }).to_string(),
            ))
            .unwrap()
    };
    assert_eq!(
        env.send(login(DEMO_PASSWORD)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        env.send(login("a brand new passphrase")).await.0,
        StatusCode::OK
    );
}

/// The app with mail through a real SMTP server on loopback (aiosmtpd, AUTH required).
pub(super) fn mailing(env: &Env) -> (axum::Router, SmtpSink) {
    let sink = SmtpSink::with_login();
    let mailer = seqhealth_server::mail::Mailer::new(
        Some(&sink.url()),
        std::path::Path::new("/nonexistent"),
        "seqhealth <seqhealth@lab.example>",
        "https://seq.example.org",
    )
    .unwrap();
    let state = seqhealth_server::AppState::with_mailer(env.db.clone(), mailer);
    (seqhealth_server::app(state, None), sink)
}

/// "Forgot password?": the same answer for every address; an account's owner gets a link
/// by mail (here through a real SMTP server), and it works.
#[tokio::test]
async fn forgot_password_mails_a_link_and_says_the_same_to_everyone() {
    let env = env().await;
    let (app, mail) = mailing(&env);
    let ask = |email: &str| {
        Request::post("/api/v1/password-reset")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({ "email": email }).to_string()))
            .unwrap()
    };
    use tower::ServiceExt;
    let known = app
        .clone()
        .oneshot(ask("Grace@Northgate.example"))
        .await
        .unwrap();
    let unknown = app
        .clone()
        .oneshot(ask("nobody@northgate.example"))
        .await
        .unwrap();
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    let (a, b) = (
        known.into_body().collect().await.unwrap().to_bytes(),
        unknown.into_body().collect().await.unwrap().to_bytes(),
    );
    assert_eq!(a, b, "the same answer");
    let sent = mail.messages(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        mail.messages(1).await.len(),
        1,
        "one message, to the account's owner"
    );
    let eml = &sent[0];
    assert!(
        eml.contains("X-Sink-Rcpt: grace@northgate.example"),
        "{eml}"
    );
    assert!(
        eml.contains("X-Sink-Login: seqhealth"),
        "sent with AUTH: {eml}"
    );
    assert!(
        eml.contains("at Northgate Genomics Core on seqhealth"),
        "{eml}"
    );
    let token = eml
        .split("https://seq.example.org/reset/")
        .nth(1)
        .expect("the link")
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect::<String>();
    assert_eq!(token.len(), 64, "{eml}");
    let set = Request::post(format!("/api/v1/resets/{token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({ "password": "a compiler for every ship" }).to_string(),
        ))
        .unwrap();
    assert_eq!(
        app.clone().oneshot(set).await.unwrap().status(),
        StatusCode::OK
    );
}

/// A reset letter is worded in the language of the account's owner (Spanish here), its
/// expiry's month too.
#[tokio::test]
async fn a_reset_letter_is_in_its_owner_s_language() {
    use tower::ServiceExt;
    let env = env().await;
    let (app, mail) = mailing(&env);
    let grace = env.login("grace@northgate.example").await;
    let (s, b) = post_json(
        &env,
        "/api/v1/account/language",
        &grace,
        json!({ "language": "es" }),
    )
    .await;
    assert!(s.is_success(), "{s}: {}", String::from_utf8_lossy(&b));
    let ask = Request::post("/api/v1/password-reset")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({ "email": "grace@northgate.example" }).to_string(),
        ))
        .unwrap();
    assert_eq!(
        app.oneshot(ask).await.unwrap().status(),
        StatusCode::ACCEPTED
    );
    let eml = crate::mail_text(&mail.messages(1).await[0]);
    assert!(
        eml.contains("Subject: Elige una contraseña nueva para seqhealth\r\n"),
        "{eml}"
    );
    assert!(
        eml.contains(
            "Alguien (tú, esperamos) ha pedido una contraseña nueva para \
             grace@northgate.example en Northgate Genomics Core, en seqhealth."
        ),
        "{eml}"
    );
    let month = seqhealth_api::words::MONTHS[chrono::Datelike::month0(
        &(chrono::Utc::now()
            + chrono::Duration::hours(seqhealth_api::people::MAILED_RESET_LINK_HOURS)),
    ) as usize];
    let es: Value = serde_json::from_str(include_str!("../../../../public/i18n/es.json")).unwrap();
    let mes = es[month].as_str().unwrap();
    assert!(
        eml.contains("Funciona una sola vez, hasta el ") && eml.contains(&format!(" {mes} ")),
        "{mes}: {eml}"
    );
    assert!(
        eml.contains("Elige una contraseña nueva"),
        "the button: {eml}"
    );
    assert!(
        eml.contains("seqhealth para Northgate Genomics Core"),
        "{eml}"
    );
    assert!(eml.contains("https://seq.example.org/reset/"), "{eml}");
}

/// An invitation goes to someone without an account, so without a language of their own:
/// it is worded in the inviting manager's (Italian here).
#[tokio::test]
async fn an_invitation_is_worded_in_the_inviting_manager_s_language() {
    use tower::ServiceExt;
    let env = env().await;
    let (app, mail) = mailing(&env);
    let ada = env.login("ada@northgate.example").await;
    let (s, _) = post_json(
        &env,
        "/api/v1/account/language",
        &ada,
        json!({ "language": "it" }),
    )
    .await;
    assert!(s.is_success(), "{s}");
    let req = Request::post("/api/v1/invitations")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &ada)
        .body(Body::from(
            json!({ "email": "lise@northgate.example", "role": "manager" }).to_string(),
        ))
        .unwrap();
    assert_eq!(
        app.oneshot(req).await.unwrap().status(),
        StatusCode::CREATED
    );
    let eml = crate::mail_text(&mail.messages(1).await[0]);
    assert!(
        eml.contains("Subject: Sei invitato a Northgate Genomics Core su seqhealth\r\n"),
        "{eml}"
    );
    assert!(
        eml.contains(
            "Ada Lovelace ti ha invitato a Northgate Genomics Core, dove il laboratorio segue \
             lo stato dei suoi sequenziatori, come responsabile (puoi cambiare"
        ),
        "{eml}"
    );
    assert!(eml.contains("Accetta l'invito"), "{eml}");
    assert!(!eml.contains("invited you"), "{eml}");
}

/// An invitation is mailed to the colleague, with the link and who invited them.
#[tokio::test]
async fn an_invitation_is_mailed_with_its_link() {
    use tower::ServiceExt;
    let env = env().await;
    let (app, mail) = mailing(&env);
    let ada = env.login("ada@northgate.example").await;
    let req = Request::post("/api/v1/invitations")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &ada)
        .body(Body::from(
            json!({ "email": "lise@northgate.example", "role": "viewer" }).to_string(),
        ))
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let link: seqhealth_api::InvitationLink =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let eml = &mail.messages(1).await[0];
    assert!(eml.contains("X-Sink-Rcpt: lise@northgate.example"), "{eml}");
    assert!(eml.contains("Content-Type: text/plain"), "{eml}");
    assert!(eml.contains("Content-Type: text/html"), "{eml}");
    // The link's expiry in the lab's time zone, named (Northgate is in Europe/London).
    assert!(eml.contains("(Europe/London)"), "{eml}");
    assert!(
        eml.contains(&format!(
            "href=3D\"https://seq.example.org/accept/{}\"",
            link.token
        )),
        "the HTML part links it too: {eml}"
    );
    assert!(
        eml.contains("Ada Lovelace invited you to Northgate Genomics Core"),
        "{eml}"
    );
    assert!(
        eml.contains(&format!("https://seq.example.org/accept/{}", link.token)),
        "{eml}"
    );
}

/// Without SMTP, a message is an .eml file in the mail folder, as the start-up line says.
#[tokio::test]
async fn without_smtp_a_message_is_an_eml_file_in_the_mail_folder() {
    use tower::ServiceExt;
    let env = env().await;
    let dir = tempfile::tempdir().unwrap();
    let mailer = seqhealth_server::mail::Mailer::new(
        None,
        dir.path(),
        "seqhealth <seqhealth@lab.example>",
        "https://seq.example.org",
    )
    .unwrap();
    assert!(mailer
        .describe()
        .contains(&dir.path().display().to_string()));
    let app = seqhealth_server::app(
        seqhealth_server::AppState::with_mailer(env.db.clone(), mailer),
        None,
    );
    let ada = env.login("ada@northgate.example").await;
    let req = Request::post("/api/v1/invitations")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &ada)
        .body(Body::from(
            json!({ "email": "lise@northgate.example", "role": "viewer" }).to_string(),
        ))
        .unwrap();
    assert_eq!(
        app.oneshot(req).await.unwrap().status(),
        StatusCode::CREATED
    );
    for _ in 0..200 {
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        if let Some(file) = files.first() {
            let eml = std::fs::read_to_string(file.as_ref().unwrap().path()).unwrap();
            assert!(eml.contains("To: lise@northgate.example"), "{eml}");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no .eml file in {}", dir.path().display());
}

/// A manager sends an invitation again (a new link is mailed, the old one stops working)
/// or withdraws it (its link stops working); a viewer may do neither; the audit log says
/// both.
#[tokio::test]
async fn an_invitation_is_sent_again_or_withdrawn() {
    use tower::ServiceExt;
    let env = env().await;
    let (app, mail) = mailing(&env);
    let ada = env.login("ada@northgate.example").await;
    let grace = env.login("grace@northgate.example").await;
    let send = |method: &str, path: String, cookie: &str, body: Option<Value>| {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.map_or(Body::empty(), |b| Body::from(b.to_string())))
            .unwrap();
        let app = app.clone();
        async move {
            let resp = app.oneshot(req).await.unwrap();
            let s = resp.status();
            (s, resp.into_body().collect().await.unwrap().to_bytes())
        }
    };
    let invite = json!({ "email": "lise@northgate.example", "role": "viewer" });
    let (s, b) = send("POST", "/api/v1/invitations".into(), &ada, Some(invite)).await;
    assert_eq!(s, StatusCode::CREATED, "{b:?}");
    let first: seqhealth_api::InvitationLink = serde_json::from_slice(&b).unwrap();
    let team: Team = env.get_json("/api/v1/users", &ada).await;
    let id = team.invited[0].id;

    let (s, _) = send(
        "POST",
        format!("/api/v1/team/invitations/{id}/resend"),
        &grace,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "viewers do not send invitations");
    let (s, b) = send(
        "POST",
        format!("/api/v1/team/invitations/{id}/resend"),
        &ada,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b:?}");
    let second: seqhealth_api::InvitationLink = serde_json::from_slice(&b).unwrap();
    assert_ne!(first.token, second.token);
    let sent = mail.messages(2).await;
    assert!(
        sent.iter().any(|m| m.contains(&second.token)),
        "the new link is mailed: {sent:?}"
    );
    let (s, _) = env
        .get(&format!("/api/v1/invitations/{}", first.token), None)
        .await;
    assert_eq!(s, StatusCode::GONE, "the old link stopped working");
    let (s, _) = env
        .get(&format!("/api/v1/invitations/{}", second.token), None)
        .await;
    assert_eq!(s, StatusCode::OK);

    let team: Team = env.get_json("/api/v1/users", &ada).await;
    assert_eq!(team.invited.len(), 1, "one open invitation, not two");
    let id = team.invited[0].id;
    let (s, _) = send(
        "DELETE",
        format!("/api/v1/team/invitations/{id}"),
        &grace,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = send(
        "DELETE",
        format!("/api/v1/team/invitations/{id}"),
        &ada,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = env
        .get(&format!("/api/v1/invitations/{}", second.token), None)
        .await;
    assert_eq!(s, StatusCode::GONE, "a withdrawn link stops working");
    let (s, b) = send(
        "DELETE",
        format!("/api/v1/team/invitations/{id}"),
        &ada,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "withdrawn once: {b:?}");
    let team: Team = env.get_json("/api/v1/users", &ada).await;
    assert!(team.invited.is_empty());

    let audit: AuditList = env.get_json("/api/v1/audit", &ada).await;
    let actions: Vec<&str> = audit.entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"invitation sent again"), "{actions:?}");
    assert!(actions.contains(&"invitation withdrawn"), "{actions:?}");
}
