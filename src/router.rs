//! Client-side navigation, by hand: the address bar's path as a signal, links that change
//! it without a page load, history (back and forward), and scrolling to the top or to the
//! `#fragment` after a move. It replaces leptos_router, whose general matching, nested
//! routes and form handling this dashboard does not use (about 4 KB of brotli'd wasm).
//! `app`'s `Page::of` reads the path into a page; [`crate::routes::Route`] writes paths.

use leptos::prelude::*;
use std::cell::Cell;
use wasm_bindgen::{closure::Closure, JsCast};

thread_local! {
    /// The path shown (no query, no fragment); set by [`start`].
    static PATH: Cell<Option<RwSignal<String>>> = const { Cell::new(None) };
}

/// How [`navigate`] moves: as leptos_router's options of the same name.
#[derive(Clone, Copy)]
pub struct NavigateOptions {
    /// Replace the history entry rather than adding one.
    pub replace: bool,
    /// Scroll to the top (or to the fragment's element) afterwards.
    pub scroll: bool,
}

impl Default for NavigateOptions {
    fn default() -> Self {
        NavigateOptions {
            replace: false,
            scroll: true,
        }
    }
}

fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
}

fn current_path() -> String {
    window().location().pathname().unwrap_or_default()
}

/// The path signal: created once, by the app shell, for the page's life. It follows the
/// back and forward buttons, and same-site links (`<a href="/…">` without `download`,
/// `target` or `rel="external"`, clicked plainly) move within the app.
pub fn start() {
    let path = RwSignal::new(current_path());
    PATH.with(|p| p.set(Some(path)));
    let w = window();
    let popstate = Closure::<dyn Fn()>::new(move || set_path(current_path()));
    let _ = w.add_event_listener_with_callback("popstate", popstate.as_ref().unchecked_ref());
    popstate.forget();
    let click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(follow_link);
    if let Some(doc) = w.document() {
        let _ = doc.add_event_listener_with_callback("click", click.as_ref().unchecked_ref());
    }
    click.forget();
}

fn follow_link(ev: web_sys::MouseEvent) {
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.alt_key()
        || ev.ctrl_key()
        || ev.shift_key()
    {
        return;
    }
    let Some(a) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("a[href]").ok().flatten())
    else {
        return;
    };
    let href = a.get_attribute("href").unwrap_or_default();
    let external = a
        .get_attribute("rel")
        .is_some_and(|r| r.split_whitespace().any(|p| p == "external"));
    let elsewhere = !href.starts_with('/') || href.starts_with("//") || href.starts_with("/api/");
    if elsewhere
        || external
        || a.has_attribute("download")
        || a.get_attribute("target").is_some_and(|t| !t.is_empty())
    {
        return;
    }
    ev.prevent_default();
    navigate(&href, NavigateOptions::default());
}

fn set_path(now: String) {
    if let Some(path) = PATH.with(Cell::get) {
        if path.get_untracked() != now {
            path.set(now);
        }
    }
}

/// The path shown, reactive (what leptos_router's `use_location().pathname` was).
pub fn pathname() -> String {
    PATH.with(Cell::get).map(|p| p.get()).unwrap_or_default()
}

/// Goes to `href` (a path on this site, with its query and fragment) within the app.
pub fn navigate(href: &str, options: NavigateOptions) {
    let w = window();
    if let Ok(history) = w.history() {
        let state = wasm_bindgen::JsValue::NULL;
        let _ = if options.replace {
            history.replace_state_with_url(&state, "", Some(href))
        } else {
            history.push_state_with_url(&state, "", Some(href))
        };
    }
    set_path(current_path());
    if options.scroll {
        // Once the new page is drawn: its fragment's element if it has one, else the top.
        request_animation_frame(move || {
            let w = window();
            let hash = w.location().hash().unwrap_or_default();
            let target = hash
                .strip_prefix('#')
                .filter(|id| !id.is_empty())
                .and_then(|id| w.document()?.get_element_by_id(id));
            match target {
                Some(el) => el.scroll_into_view(),
                None => w.scroll_to_with_x_and_y(0.0, 0.0),
            }
        });
    }
}

/// [`navigate`], as leptos_router's hook gave it (kept so call sites read the same).
pub fn use_navigate() -> impl Fn(&str, NavigateOptions) + Clone {
    navigate
}

/// The value of `name` in the address bar's query now, decoded.
pub fn query_value(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// A link within the app: a plain `<a>` (the document's click listener moves within the
/// app), marked `aria-current="page"` while its path is the one shown.
#[component]
pub fn A(#[prop(into)] href: String, children: Children) -> impl IntoView {
    let path = href
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_string();
    let current = move || (pathname() == path).then_some("page");
    view! { <a href=href aria-current=current>{children()}</a> }
}
