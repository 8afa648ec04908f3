//! Who is logged in: the app provides it as context, pages and components read it.

use leptos::prelude::*;
use seqhealth_api::SessionInfo;

/// Who is logged in; `None` until known or after logout.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<Option<SessionInfo>>);

impl Session {
    /// Whether the logged-in user may change things (reactive).
    pub fn is_manager(&self) -> bool {
        self.0
            .get()
            .is_some_and(|s| s.user.role == seqhealth_api::Role::Manager)
    }
    /// The lab's time zone, UTC until the session is known (reactive).
    pub fn time_zone(&self) -> String {
        self.0
            .get()
            .map(|s| s.lab.time_zone)
            .unwrap_or_else(|| "UTC".into())
    }
}

/// The session the app provides. One function for every page and component: the
/// context's lookup is compiled once.
pub fn use_session() -> Session {
    expect_context()
}
