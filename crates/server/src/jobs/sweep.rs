//! The server's periodic sweep: what no request triggers (an instrument that falls
//! silent sends nothing), on one beat.

use crate::domain::{recommendations, sessions, warnings};
use sqlx::AnyPool;

/// Runs the sweep every `every` for as long as the server runs; replacement
/// recommendations are refreshed and expired sessions deleted on the same beat.
pub async fn sweep_forever(db: AnyPool, every: std::time::Duration) {
    loop {
        tokio::time::sleep(every).await;
        let now = chrono::Utc::now().timestamp();
        if let Err(e) = warnings::sweep_missing_data(&db, now).await {
            tracing::warn!(error = %e, "missing-data sweep failed");
        }
        if let Err(e) = recommendations::refresh_all(&db, now).await {
            tracing::warn!(error = %e, "replacement recommendations failed");
        }
        if let Err(e) = sessions::delete_expired(&db, now).await {
            tracing::warn!(error = %e, "expired-session cleanup failed");
        }
    }
}
