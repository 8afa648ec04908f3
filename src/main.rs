//! The dashboard's entry point: it mounts the app, in Italian or Spanish once the words
//! of that language are loaded (`seqhealth::i18n::start`), in English at once.

fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        console_error_panic_hook::set_once();
        match seqhealth::i18n::start() {
            None => mount(),
            Some((lang, catalog)) => wasm_bindgen_futures::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(catalog).await;
                seqhealth::i18n::loaded(lang, text.ok().and_then(|t| t.as_string()));
                mount();
            }),
        }
    }
}

/// Apart from `main`'s future, which would otherwise carry all of its code (kilobytes).
#[cfg(target_arch = "wasm32")]
#[inline(never)]
fn mount() {
    leptos::mount::mount_to_body(seqhealth::app::App);
}
