//! A lab's people: roles change, people are deactivated (their sessions end at once, they
//! cannot log in, their history stays), and a lab always keeps an active manager.

use super::*;
use seqhealth_api::{AuditList, Role, Team};

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
