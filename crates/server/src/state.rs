use crate::limits::LoginLimiter;
use sqlx::SqlitePool;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: SqlitePool,
    /// Content-Security-Policy violations browsers have reported since start.
    pub csp_reports: Arc<AtomicU64>,
    pub logins: Arc<LoginLimiter>,
}

impl AppState {
    pub fn new(db: SqlitePool) -> AppState {
        AppState {
            db,
            csp_reports: Arc::new(AtomicU64::new(0)),
            logins: Arc::new(LoginLimiter::default()),
        }
    }
}
