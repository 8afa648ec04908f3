use sqlx::SqlitePool;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: SqlitePool,
}
