//! One's own account as others see it: the Team page's "last login" outlives the session,
//! and one's own name change, password change and logout-everywhere are in the audit log.
//! The dashboard's language is remembered per person.

use super::*;
use seqhealth_api::{AuditList, Language, SessionInfo, Team};

async fn delete(env: &Env, path: &str, cookie: &str) -> StatusCode {
    let req = Request::delete(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    env.send(req).await.0
}

/// Sessions are deleted on logout; the time of the login is not.
#[tokio::test]
async fn the_team_list_keeps_the_last_login_after_logout() {
    let env = env().await;
    let before = chrono::Utc::now().timestamp();
    let grace = env.login("grace@northgate.example").await;
    assert_eq!(
        delete(&env, "/api/v1/session", &grace).await,
        StatusCode::NO_CONTENT
    );
    let ada = env.login("ada@northgate.example").await;
    let team: Team = env.get_json("/api/v1/users", &ada).await;
    let last = |team: &Team| {
        team.users
            .iter()
            .find(|u| u.email == "grace@northgate.example")
            .unwrap()
            .last_login
    };
    let at = last(&team).expect("the login is remembered after logout");
    assert!(at.timestamp() >= before, "{at}");
    // And after logging out everywhere.
    let grace = env.login("grace@northgate.example").await;
    assert_eq!(
        delete(&env, "/api/v1/sessions", &grace).await,
        StatusCode::NO_CONTENT
    );
    let team: Team = env.get_json("/api/v1/users", &ada).await;
    assert!(last(&team).is_some());
}

/// A name change, a password change and logging out everywhere are changes like any
/// other: the audit log says who did them, never with the password.
#[tokio::test]
async fn own_account_changes_are_in_the_audit_log() {
    let env = env().await;
    let grace = env.login("grace@northgate.example").await;
    let (s, _) = post_json(
        &env,
        "/api/v1/account/name",
        &grace,
        json!({ "name": "Grace B. Hopper" }),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let new = "cobol on a quiet sunday";
    let (s, _) = post_json(
        &env,
        "/api/v1/account/password",
        &grace,
        json!({ "current": DEMO_PASSWORD, "new": new }),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        delete(&env, "/api/v1/sessions", &grace).await,
        StatusCode::NO_CONTENT
    );

    let ada = env.login("ada@northgate.example").await;
    let audit: AuditList = env.get_json("/api/v1/audit", &ada).await;
    let find = |action: &str| {
        audit
            .entries
            .iter()
            .find(|e| e.action == action)
            .unwrap_or_else(|| panic!("no {action:?} in {:?}", audit.entries))
    };
    let renamed = find("name changed");
    assert_eq!(renamed.actor, "Grace B. Hopper");
    assert!(
        renamed.detail.contains("Grace Hopper"),
        "{}",
        renamed.detail
    );
    assert_eq!(find("password changed").actor, "Grace B. Hopper");
    assert_eq!(find("logged out everywhere").actor, "Grace B. Hopper");
    for e in &audit.entries {
        assert!(
            !e.detail.contains(new) && !e.detail.contains(DEMO_PASSWORD),
            "{e:?}"
        );
    }
    // Another lab sees none of it.
    let rosalind = env.login("rosalind@riverside.example").await;
    let theirs: AuditList = env.get_json("/api/v1/audit", &rosalind).await;
    assert!(!theirs.entries.iter().any(|e| e.action == "name changed"));
}

/// The language a person chooses follows them to any browser (the session says it), is
/// theirs alone, and anything but a language the dashboard speaks is refused by name.
#[tokio::test]
async fn the_dashboard_language_is_remembered_per_person() {
    let env = env().await;
    let grace = env.login("grace@northgate.example").await;
    let me: SessionInfo = env.get_json("/api/v1/session", &grace).await;
    assert_eq!(me.user.language, None, "not chosen yet: the browser's");
    let (s, _) = post_json(
        &env,
        "/api/v1/account/language",
        &grace,
        json!({ "language": "it" }),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Another browser: a new session.
    let elsewhere = env.login("grace@northgate.example").await;
    let me: SessionInfo = env.get_json("/api/v1/session", &elsewhere).await;
    assert_eq!(me.user.language, Some(Language::It));
    let ada = env.login("ada@northgate.example").await;
    let other: SessionInfo = env.get_json("/api/v1/session", &ada).await;
    assert_eq!(
        other.user.language, None,
        "one person's choice is not another's"
    );

    let (s, body) = post_json(
        &env,
        "/api/v1/account/language",
        &grace,
        json!({ "language": "de" }),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("unknown variant `de`"), "{body}");
    let me: SessionInfo = env.get_json("/api/v1/session", &grace).await;
    assert_eq!(
        me.user.language,
        Some(Language::It),
        "a refused change changes nothing"
    );
    let (s, _) = post_json(
        &env,
        "/api/v1/account/language",
        &grace,
        json!({ "language": "es" }),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let me: SessionInfo = env.get_json("/api/v1/session", &grace).await;
    assert_eq!(me.user.language, Some(Language::Es));
}
