//! Pieces shared by pages.

pub mod calendar;
pub mod copy_field;
pub mod enrollment;
pub mod health;
pub mod planned_runs;
pub mod predictions;
pub mod q30_trend;
pub mod replacement_forms;
pub mod replacements;
pub mod sensors;
pub mod silence;
pub mod states;
pub mod today;
pub mod warnings;

use leptos::prelude::*;
use std::sync::Arc;

type ViewFn = Arc<dyn Fn() -> AnyView + Send + Sync>;

/// A table's column headers, with explicit roles: tables laid out as cards on narrow
/// screens (`table.narrow-cards`) keep their semantics where a browser would drop them.
#[component]
pub fn ColumnHeads(labels: Vec<&'static str>) -> impl IntoView {
    view! {
        <thead role="rowgroup">
            <tr role="row">
                {labels
                    .into_iter()
                    .map(|l| view! { <th scope="col" role="columnheader">{l}</th> })
                    .collect_view()}
            </tr>
        </thead>
    }
}

/// Marks `name` on the browser's performance timeline (`performance.mark`) once per page
/// load, on the next frame: what was rendered just before is then in the DOM. Benchmarks
/// read navigation start → useful screen from these marks.
pub fn mark_once(name: &'static str) {
    thread_local! {
        static MARKED: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    if MARKED.with_borrow_mut(|m| {
        let new = !m.contains(&name);
        if new {
            m.push(name);
        }
        !new
    }) {
        return;
    }
    request_animation_frame(move || {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.mark(name);
        }
    });
}

/// A date typed in the lab's order (`crate::date_entry`: dd/mm/yyyy in a UK lab, whatever
/// the browser's language), with what it reads as, weekday included, said beside it (the
/// field's description) so nobody books a Sunday by mistake, or how to type it while it
/// reads as no date. `date` holds the date as "YYYY-MM-DD", or "" while the text is not
/// one; the field starts from it and is never written back while being typed.
#[component]
pub fn DateField(
    id: String,
    date: RwSignal<String>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let order = crate::date_entry::DateOrder::of_zone(&crate::session::use_session().time_zone());
    let start = crate::json::date(&date.get_untracked()).map(|d| order.show(d));
    let read = move |ev: web_sys::Event| {
        let typed = order.read(&event_target_value(&ev)).map(|d| d.to_string());
        date.set(typed.unwrap_or_default());
    };
    let hint = format!("{id}-day");
    view! {
        <input
            id=id
            type="text"
            inputmode="numeric"
            autocomplete="off"
            required
            autofocus=autofocus
            placeholder=order.pattern()
            prop:value=start.unwrap_or_default()
            on:input=read
            // Typing replaces the whole date, as in a browser's own date field.
            on:focus=|ev| {
                use wasm_bindgen::JsCast;
                if let Some(field) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                    field.select();
                }
            }
            aria-describedby=hint.clone()
        />
        <span id=hint class="sub weekday">
            {move || match crate::json::date(&date.get()) {
                Some(d) => crate::format::weekday(d),
                None => tf!("Type the date as {0}", order.pattern()),
            }}
        </span>
    }
}

/// Keeps the address bar's query in step with a page's filters (`query`, reactive), so a
/// filtered view can be bookmarked, shared and reloaded. It replaces the history entry
/// rather than adding one per change; the page itself reads the query once, on opening.
pub fn filters_in_url(path: &'static str, query: impl Fn() -> String + 'static) {
    let navigate = crate::router::use_navigate();
    Effect::new(move |first: Option<()>| {
        let q = query();
        if first.is_some() {
            navigate(
                &format!("{path}?{q}"),
                crate::router::NavigateOptions {
                    replace: true,
                    scroll: false,
                },
            );
        }
    });
}

/// The value of `name` in the address bar's query, as the page was opened.
pub fn query_value(name: &str) -> Option<String> {
    crate::router::query_value(name)
}

/// A translated sentence with links inside (`{0}`, `{1}`, … are `links`), so each language
/// orders its words around them: one sentence for translators, not pieces.
pub fn sentence(template: &str, mut links: Vec<AnyView>) -> AnyView {
    use seqhealth_api::words::{Piece, Pieces};
    Pieces(template)
        .map(|piece| match piece {
            Piece::Text(t) => t.to_string().into_any(),
            Piece::Blank(k) => match links.get_mut(k) {
                Some(link) => std::mem::replace(link, ().into_any()),
                None => ().into_any(),
            },
        })
        .collect_view()
        .into_any()
}

/// Names the page in the browser tab and for screen readers.
pub fn set_title(page: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&format!("{page} · seqhealth"));
    }
}

/// `view` while `cond` holds, as leptos' `<Show>`: the condition is memoised, so the view
/// is rebuilt only when it turns true. One non-generic body for every use (`<Show>`
/// compiled to far more code per use).
pub fn when(
    cond: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> AnyView + Send + Sync + 'static,
) -> AnyView {
    when_dyn(Arc::new(cond), Arc::new(view), None)
}

/// [`when`], with `fallback` while the condition does not hold.
pub fn when_else(
    cond: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> AnyView + Send + Sync + 'static,
    fallback: impl Fn() -> AnyView + Send + Sync + 'static,
) -> AnyView {
    when_dyn(Arc::new(cond), Arc::new(view), Some(Arc::new(fallback)))
}

fn when_dyn(
    cond: Arc<dyn Fn() -> bool + Send + Sync>,
    view: ViewFn,
    fallback: Option<ViewFn>,
) -> AnyView {
    let cond = Memo::new(move |_| cond());
    (move || match (cond.get(), &fallback) {
        (true, _) => view(),
        (false, Some(f)) => f(),
        (false, None) => ().into_any(),
    })
    .into_any()
}

/// A change succeeded: says `text` in the app shell's polite live region (`#announce`) and
/// moves the focus to the first element `css` selects once the page shows it anew (the list
/// it is in is read again). With no `text` (a new page), it focuses `css` only if the focus
/// went with the old page. The work is `seqhealthDone` in public/keys.js, which also moves
/// the focus into and out of every inline form and closes them with Esc (by their
/// `data-opens`, `data-closes` and `autofocus` attributes): a few hundred bytes of script
/// where the same in Rust cost about 1.8 KB of brotli wasm and glue.
pub fn done(text: &str, css: &str) {
    use wasm_bindgen::JsCast;
    let Some(w) = web_sys::window() else { return };
    let f = js_sys::Reflect::get(&w, &"seqhealthDone".into()).ok();
    if let Some(f) = f.and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
        let _ = f.call2(&w, &text.into(), &css.into());
    }
}
