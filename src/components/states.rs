//! Loading, empty and error states, the same on every page.

use crate::api::ApiFailure;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn Loading(#[prop(into)] what: String) -> impl IntoView {
    view! { <p class="state loading" role="status" aria-live="polite">{format!("Loading {what}…")}</p> }
}

#[component]
pub fn Empty(children: Children) -> impl IntoView {
    view! { <div class="state empty" role="status">{children()}</div> }
}

/// An error with a way forward: retry, or log in again when the session has ended.
#[component]
pub fn Failure(failure: ApiFailure, #[prop(into)] retry: Callback<()>) -> impl IntoView {
    if failure == ApiFailure::Unauthenticated {
        let navigate = use_navigate();
        request_animation_frame(move || navigate("/login", Default::default()));
    }
    view! {
        <div class="state error" role="alert">
            <p>{failure.to_string()}</p>
            <button type="button" on:click=move |_| retry.run(())>"Retry"</button>
        </div>
    }
}
