//! The dashboard's entry point: it only mounts the app.

fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        console_error_panic_hook::set_once();
        leptos::mount::mount_to_body(seqhealth::app::App);
    }
}
