use crate::http::limits::LoginLimiter;
use sqlx::AnyPool;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: AnyPool,
    /// Content-Security-Policy violations browsers have reported since start.
    pub csp_reports: Arc<AtomicU64>,
    pub logins: Arc<LoginLimiter>,
    /// "Forgot password?" requests, counted as logins are but apart from them: asking for
    /// someone's reset links must not lock them out of logging in.
    pub resets: Arc<LoginLimiter>,
    /// When each lab's replacement recommendations were last brought up to date on a
    /// read (unix seconds): a large lab's predictions are not recomputed on every view.
    pub recommended_at: Arc<Mutex<HashMap<i64, i64>>>,
    /// Each lab's fleet (JSON), at the lab's data version.
    pub fleet: Arc<crate::domain::fleet::KeptFleets>,
    /// Each lab's warnings and replacements lists (JSON) by filter.
    pub lab_lists: Arc<crate::store::cache::LabLists>,
    /// Each instrument's predictions, at (hour of the forecast's clock, data version).
    pub predictions: Arc<crate::domain::predictions::KeptPredictions>,
    /// Invitations and reset links by mail (off unless the server was given where to).
    pub mailer: crate::mail::Mailer,
}

impl AppState {
    pub fn new(db: AnyPool) -> AppState {
        AppState {
            db,
            csp_reports: Arc::new(AtomicU64::new(0)),
            logins: Arc::new(LoginLimiter::default()),
            resets: Arc::new(LoginLimiter::default()),
            recommended_at: Arc::default(),
            fleet: Arc::default(),
            lab_lists: Arc::default(),
            predictions: Arc::default(),
            mailer: crate::mail::Mailer::off(),
        }
    }

    /// [`AppState::new`], sending mail with `mailer`.
    pub fn with_mailer(db: AnyPool, mailer: crate::mail::Mailer) -> AppState {
        AppState {
            mailer,
            ..AppState::new(db)
        }
    }
}
