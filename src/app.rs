//! The app shell: session context, header, and routes (one page per module in `pages`).

use crate::api;
use crate::pages::{
    audit::AuditPage, fleet::FleetPage, instrument::InstrumentPage, login::LoginPage,
    not_found::NotFound, replacements::ReplacementsPage, warnings::WarningsPage,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_navigate;
use leptos_router::path;
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

#[component]
pub fn App() -> impl IntoView {
    let session = Session(RwSignal::new(None));
    provide_context(session);
    // Learn who is logged in (a page that gets a 401 goes to the login page by itself).
    spawn_local(async move {
        if let Ok(info) = api::session().await {
            session.0.set(Some(info));
        }
    });
    view! {
        <Router>
            <a class="skip" href="#main">"Skip to content"</a>
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/") view=FleetPage />
                    <Route path=path!("/instruments/:id") view=InstrumentPage />
                    <Route path=path!("/warnings") view=WarningsPage />
                    <Route path=path!("/replacements") view=ReplacementsPage />
                    <Route path=path!("/audit") view=AuditPage />
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let logout = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            // Even if the server is unreachable, forget the session here and go to login.
            let _ = api::logout().await;
            session.0.set(None);
            navigate("/login", Default::default());
        });
    };
    view! {
        <header class="top">
            <A href="/" attr:class="brand">"seqhealth"</A>
            {move || {
                session
                    .0
                    .get()
                    .map(|s| {
                        view! {
                            <nav aria-label="Main">
                                <A href="/">"Fleet"</A>
                                <A href="/warnings">"Warnings"</A>
                                <A href="/replacements">"Replacements"</A>
                                <A href="/audit">"Audit log"</A>
                            </nav>
                            <p class="who">
                                <span class="lab">{s.lab.name.clone()}</span>
                                <span class="user">
                                    {format!("{} ({})", s.user.name, s.user.role.as_str())}
                                </span>
                                <span class="tz">{format!("Times in {}", s.lab.time_zone)}</span>
                            </p>
                            <button type="button" class="logout" on:click=logout.clone()>
                                "Log out"
                            </button>
                        }
                    })
            }}
        </header>
    }
}
