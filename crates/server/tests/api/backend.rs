//! Which database the suite runs on, and what the server tells an operator about it.

use super::*;

#[tokio::test]
async fn the_server_knows_its_backend_and_whether_postgres_is_reached_over_tls() {
    let env = env().await;
    let tls = db::postgres_tls(&env.db).await.unwrap();
    match db::backend(&env.db) {
        // The suite's throwaway cluster listens without TLS: the server must see that
        // (it warns at start).
        db::Backend::Postgres => {
            assert!(std::env::var(POSTGRES_ENV).is_ok());
            assert_eq!(tls, Some(false));
        }
        db::Backend::Sqlite => {
            assert!(std::env::var(POSTGRES_ENV).is_err());
            assert_eq!(tls, None);
        }
    }
    // A password never reaches a log line.
    assert_eq!(
        db::redact("postgres://seqhealth:s3cret@db.lab.example:5432/seqhealth?sslmode=require"),
        "postgres://seqhealth:***@db.lab.example:5432/seqhealth?sslmode=require"
    );
}

/// A second server on the same database, as a load balancer's second process would be.
async fn second_server(a: &Env) -> Router {
    let pool = db::connect(&a.url).await.unwrap();
    app(AppState::new(pool), None)
}

async fn fleet_via(app: &Router, cookie: &str) -> Fleet {
    use tower::ServiceExt;
    let req = Request::get("/api/v1/fleet")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

#[tokio::test]
async fn two_servers_on_one_database_share_sessions_and_see_each_others_writes_at_once() {
    let a = env().await;
    let b = second_server(&a).await;
    // A session opened through one server is good at the other: nothing is per-process.
    let cookie = a.login("ada@northgate.example").await;
    let p = &a.fleet[0];
    let before = fleet_via(&b, &cookie).await;
    let row = |f: &Fleet| f.instruments.iter().find(|i| i.id == p.id).unwrap().clone();
    assert_eq!(row(&before).last_report_at, None);
    // Data pushed through the first server shows at once at the second, whose copy of the
    // fleet's rows (kept per data version) is not stale.
    let batch = &telemetry(p.instrument, &cfg())[0];
    let (s, _) = a
        .ingest("telemetry", &p.token, &serde_json::to_value(batch).unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    let after = fleet_via(&b, &cookie).await;
    assert!(row(&after).last_report_at.is_some(), "{:?}", row(&after));
}
