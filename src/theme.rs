//! Light or dark. The boot script sets `data-theme` on the page before its first paint:
//! the one remembered in this browser, else the system's; the header's switch changes it
//! and remembers the choice (in localStorage: nothing is sent anywhere).

use wasm_bindgen::JsCast;

/// Where the choice is remembered; the boot script reads the same key.
const KEY: &str = "seqhealth-theme";

fn root() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

pub fn is_dark() -> bool {
    root()
        .and_then(|r| r.get_attribute("data-theme"))
        .as_deref()
        == Some("dark")
}

pub fn set(dark: bool) {
    let theme = if dark { "dark" } else { "light" };
    if let Some(r) = root() {
        let _ = r.set_attribute("data-theme", theme);
    }
    remember(KEY, theme);
}

/// Keeps `value` under `key` in this browser's localStorage (the theme, the language).
/// A browser that refuses storage (some private modes) keeps the choice for this page.
pub fn remember(key: &str, value: &str) {
    let get = |o: &wasm_bindgen::JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).ok();
    let store = web_sys::window().and_then(|w| get(&w, "localStorage"));
    if let Some(store) = store.filter(|s| !s.is_null() && !s.is_undefined()) {
        if let Some(f) = get(&store, "setItem").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        {
            let _ = f.call2(&store, &key.into(), &value.into());
        }
    }
}
