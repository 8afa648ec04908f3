//! One's own account as others see it: the Team page's "last login" outlives the session.

use super::*;
use seqhealth_api::Team;

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
