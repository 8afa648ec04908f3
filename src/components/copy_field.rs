//! A read-only text with a Copy button: enrollment commands, a webhook's secret.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Copies `text` with the Clipboard API where the browser allows it; otherwise (plain
/// http, an old browser) the text stays selected and the field says to press Ctrl+C.
/// Either way the outcome is said in a live region.
#[component]
pub fn CopyField(
    id: String,
    label: &'static str,
    text: String,
    #[prop(default = t!("Copy"))] button: &'static str,
) -> impl IntoView {
    let said = RwSignal::new("");
    let (field, copied) = (id.clone(), text.clone());
    let copy = move |_| {
        let window = web_sys::window();
        let input = window
            .as_ref()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&field));
        if let Some(input) = input.and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok()) {
            input.select();
        }
        let get = |o: &wasm_bindgen::JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).ok();
        let write = window
            .and_then(|w| get(&w, "navigator"))
            .and_then(|n| get(&n, "clipboard").filter(|c| !c.is_undefined()))
            .and_then(|c| {
                let f: js_sys::Function = get(&c, "writeText")?.dyn_into().ok()?;
                f.call1(&c, &copied.as_str().into()).ok()
            });
        let fallback = t!("Selected: press Ctrl+C to copy.");
        match write.and_then(|p| p.dyn_into::<js_sys::Promise>().ok()) {
            Some(p) => leptos::task::spawn_local(async move {
                let done = wasm_bindgen_futures::JsFuture::from(p).await;
                said.set(if done.is_ok() {
                    t!("Copied.")
                } else {
                    fallback
                });
            }),
            None => said.set(fallback),
        }
    };
    view! {
        <label for=id.clone()>{label}</label>
        <div class="copy-field">
            <input
                id=id.clone()
                class="mono command"
                type="text"
                readonly
                value=text
                on:focus=move |ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    input.select();
                }
            />
            <button type="button" class="secondary" aria-describedby=id on:click=copy>
                {button}
            </button>
            <span class="copied" aria-live="polite">{move || said.get()}</span>
        </div>
    }
}
