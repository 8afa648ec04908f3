//! The app shell: header and routes (one page per module in `pages`); it provides the
//! [`Session`] that pages and components read.

use crate::api;
use crate::pages::{
    accept::{AcceptPage, ResetPage},
    account::AccountPage,
    audit::AuditPage,
    fleet::FleetPage,
    instrument::{InstrumentPage, NoInstrument},
    login::LoginPage,
    not_found::NotFound,
    notifications::NotificationsPage,
    replacements::ReplacementsPage,
    team::TeamPage,
    warnings::WarningsPage,
};
use crate::router::{use_navigate, A};
use crate::routes::Route;
use crate::session::{use_session, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn App() -> impl IntoView {
    crate::router::start();
    let session = Session(RwSignal::new(None));
    provide_context(session);
    // Learn who is logged in (a page that gets a 401 goes to the login page by itself).
    spawn_local(async move {
        if let Ok(info) = api::session().await {
            session.0.set(Some(info));
        }
    });
    // The language the person chose, in any browser: shown once they are known (after
    // the session is read, or a login).
    Effect::new(move |_| {
        let chosen = session.0.with(|s| s.as_ref().and_then(|s| s.user.language));
        if let Some(chosen) = chosen.filter(|l| *l != crate::i18n::lang()) {
            show_language(chosen.code());
        }
    });
    view! {
        <a class="skip" href="#main">{tv!("Skip to content")}</a>
        <Header />
        <main id="main" tabindex="-1">
            <Pages />
        </main>
        // What a change did, said once (components::done).
        <p id="announce" class="visually-hidden" aria-live="polite"></p>
    }
}

/// The page a path shows: the paths [`Route::href`] makes, read back.
#[derive(Debug, Clone, PartialEq)]
enum Page {
    Login,
    /// A one-time link: `/accept/{token}`.
    Accept(String),
    /// A password-reset link: `/reset/{token}`.
    Reset(String),
    Fleet,
    /// `None`: the id is not a number, so no instrument has this address.
    Instrument(Option<i64>),
    Warnings,
    Replacements,
    Audit,
    Team,
    Account,
    Notifications,
    NotFound,
}

impl Page {
    fn of(path: &str) -> Page {
        let path = match path.strip_suffix('/') {
            Some(p) if !p.is_empty() => p,
            _ => path,
        };
        match path {
            "/" => Page::Fleet,
            "/login" => Page::Login,
            "/warnings" => Page::Warnings,
            "/replacements" => Page::Replacements,
            "/audit" => Page::Audit,
            "/team" => Page::Team,
            "/account" => Page::Account,
            "/notifications" => Page::Notifications,
            p => {
                let tail = |prefix: &str| {
                    p.strip_prefix(prefix)
                        .filter(|t| !t.is_empty() && !t.contains('/'))
                        .map(str::to_string)
                };
                if let Some(id) = tail("/instruments/") {
                    Page::Instrument(id.parse().ok())
                } else if let Some(token) = tail("/accept/") {
                    Page::Accept(token)
                } else if let Some(token) = tail("/reset/") {
                    Page::Reset(token)
                } else {
                    Page::NotFound
                }
            }
        }
    }
}

/// The routes, matched by hand (`crate::router` keeps the path, links and history).
#[component]
fn Pages() -> impl IntoView {
    // A new page only when the path names another one (not on a query or hash change).
    let page = Memo::new(move |_| Page::of(&crate::router::pathname()));
    // A new page whose link or button went with the old one: the focus goes to its heading.
    Effect::new(move |first: Option<()>| {
        page.track();
        if first.is_some() {
            crate::components::done("", "main h1");
        }
    });
    move || match page.get() {
        Page::Login => view! { <LoginPage /> }.into_any(),
        Page::Accept(token) => view! { <AcceptPage token=token /> }.into_any(),
        Page::Reset(token) => view! { <ResetPage token=token /> }.into_any(),
        Page::Fleet => view! { <FleetPage /> }.into_any(),
        Page::Instrument(Some(id)) => view! { <InstrumentPage id=id /> }.into_any(),
        Page::Instrument(None) => view! { <NoInstrument /> }.into_any(),
        Page::Warnings => view! { <WarningsPage /> }.into_any(),
        Page::Replacements => view! { <ReplacementsPage /> }.into_any(),
        Page::Audit => view! { <AuditPage /> }.into_any(),
        Page::Team => view! { <TeamPage /> }.into_any(),
        Page::Account => view! { <AccountPage /> }.into_any(),
        Page::Notifications => view! { <NotificationsPage /> }.into_any(),
        Page::NotFound => view! { <NotFound /> }.into_any(),
    }
}

#[component]
fn Header() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let logout = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            // Even if the server is unreachable, forget the session here and go to login.
            let _ = api::logout().await;
            session.0.set(None);
            navigate(&Route::Login.href(), Default::default());
        });
    };
    let dark = RwSignal::new(crate::theme::is_dark());
    let switch_theme = move |_| {
        dark.update(|d| *d = !*d);
        crate::theme::set(dark.get_untracked());
    };
    view! {
        <header class="top">
            <A href=Route::Fleet.href() attr:class="brand">"seqhealth"</A>
            {move || {
                session
                    .0
                    .get()
                    .map(|s| {
                        let today = api::today_on(move || {
                            crate::router::pathname();
                        });
                        let unhandled = move || {
                            today
                                .get()
                                .and_then(Result::ok)
                                .map(|t| t.unhandled)
                                .filter(|n| *n > 0)
                                .map(|n| view! {
                                    <span class="count" aria-hidden="true">{n}</span>
                                    <span class="visually-hidden">{tf!(", {0} need a manager", n)}</span>
                                })
                        };
                        view! {
                            <nav aria-label=tv!("Main")>
                                <A href=Route::Fleet.href()>{tv!("Fleet")} {unhandled}</A>
                                <A href=Route::Warnings.href()>{tv!("Warnings")}</A>
                                <A href=Route::Replacements.href()>{tv!("Replacements")}</A>
                                <A href=Route::Audit.href()>{tv!("Audit log")}</A>
                                <A href=Route::Team.href()>{tv!("Team")}</A>
                                {(s.user.role == seqhealth_api::Role::Manager).then(|| view! {
                                    <A href=Route::Notifications.href()>{tv!("Notifications")}</A>
                                })}
                            </nav>
                            <p class="who">
                                <span class="lab">{s.lab.name.clone()}</span>
                                <A href=Route::Account.href() attr:class="user">
                                    {format!("{} ({})", s.user.name, match s.user.role {
                                        seqhealth_api::Role::Manager => t!("manager"),
                                        seqhealth_api::Role::Viewer => t!("viewer"),
                                    })}
                                </A>
                                <span class="tz">{tf!("Times in {0}", s.lab.time_zone)}</span>
                                {(s.user.role == seqhealth_api::Role::Viewer).then(|| view! {
                                    <span class="view-only">{tv!("View-only: ask a lab manager to change anything")}</span>
                                })}
                            </p>
                            <button type="button" class="logout" on:click=logout.clone()>
                                {tv!("Log out")}
                            </button>
                        }
                    })
            }}
            <button
                type="button"
                class="theme"
                aria-pressed=move || dark.get().to_string()
                on:click=switch_theme
            >
                {tv!("Dark theme")}
            </button>
            <Language />
        </header>
    }
}

/// Shows the dashboard in `code`: remembered in this browser, then the page is loaded
/// again in it (the boot script sets `<html lang>`, `main` loads its catalog first).
fn show_language(code: &str) {
    crate::theme::remember(crate::i18n::KEY, code);
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// The language switch: the choice is the person's, kept on the server once they are
/// logged in (so it follows them to another browser), and in this browser.
#[component]
fn Language() -> impl IntoView {
    let now = crate::i18n::lang().code();
    let shown = RwSignal::new(now);
    let session = use_session();
    let choose = move |ev: leptos::ev::Event| {
        let code = event_target_value(&ev);
        let chosen = seqhealth_api::Language::parse(&code);
        let known = session.0.with_untracked(Option::is_some);
        spawn_local(async move {
            if let (Some(chosen), true) = (chosen, known) {
                if api::set_language(chosen).await.is_err() {
                    // Not kept: the account's language would come back on the next load.
                    shown.set(now);
                    crate::components::done(
                        t!("The language could not be saved. Try again."),
                        "#lang",
                    );
                    return;
                }
            }
            show_language(&code);
        });
    };
    view! {
        <label for="lang" class="visually-hidden">{tv!("Language")}</label>
        <select id="lang" class="lang" prop:value=shown on:change=choose>
            {[("en", "English"), ("it", "Italiano"), ("es", "Español")]
                .map(|(code, name)| view! {
                    <option value=code lang=code selected=code == now>{name}</option>
                })
                .collect_view()}
        </select>
    }
}
