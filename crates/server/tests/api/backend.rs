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
