//! Loading, empty and error states, the same on every page.

use crate::api::ApiFailure;
use crate::router::A;
use crate::router::{use_navigate, NavigateOptions};
use crate::routes::Route;
use leptos::prelude::*;
use std::sync::Arc;

/// What [`loaded`] shows: `None` while loading, then a view or a failure.
type Shown = Option<Result<AnyView, ApiFailure>>;

/// Server data on screen, as a `Transition` shows it: "Loading …" until the first answer,
/// then `show`'s view, or the failure with a retry; while the data is read again the
/// previous view stays. `show` reads its `Remote`s (reactively) and returns `None` until
/// they have answered.
///
/// One non-generic render path for every page: a `Transition` and `Suspend` per use
/// compiled to much more code.
pub fn loaded(
    what: &'static str,
    retry: Callback<()>,
    show: impl Fn() -> Shown + Send + Sync + 'static,
) -> AnyView {
    loaded_dyn(what, retry, Arc::new(show))
}

fn loaded_dyn(
    what: &'static str,
    retry: Callback<()>,
    show: Arc<dyn Fn() -> Shown + Send + Sync>,
) -> AnyView {
    (move || match show() {
        None => view! { <Loading what=what /> }.into_any(),
        Some(Ok(v)) => v,
        Some(Err(e)) => view! { <Failure failure=e retry=retry /> }.into_any(),
    })
    .into_any()
}

/// A change request's failure where it was asked, as an alert: `failure` reads the
/// requests' latest failure (reactively). One non-generic body for every form.
pub fn failure_line(failure: impl Fn() -> Option<ApiFailure> + Send + Sync + 'static) -> AnyView {
    failure_line_dyn(Arc::new(failure))
}

fn failure_line_dyn(failure: Arc<dyn Fn() -> Option<ApiFailure> + Send + Sync>) -> AnyView {
    (move || {
        failure().map(|e| match e {
            // A session ended meanwhile (deactivated, logged out elsewhere): to the login
            // page, coming back here, as a page's own read does.
            ApiFailure::Unauthenticated => {
                view! { <Failure failure=e retry=Callback::new(|_| ()) /> }.into_any()
            }
            e => view! { <p class="state error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    })
    .into_any()
}

#[component]
pub fn Loading(#[prop(into)] what: String) -> impl IntoView {
    view! { <p class="state loading" role="status" aria-live="polite">{tf!("Loading {0}…", what)}</p> }
}

#[component]
pub fn Empty(children: Children) -> impl IntoView {
    view! { <div class="state empty" role="status">{children()}</div> }
}

/// An error with a way forward: retry when trying again can help (the network, the
/// server's own errors), a way back to the fleet when it cannot (a refusal, a 404), or log
/// in again when the session has ended, coming back here afterwards.
#[component]
pub fn Failure(failure: ApiFailure, #[prop(into)] retry: Callback<()>) -> impl IntoView {
    if failure == ApiFailure::Unauthenticated {
        let navigate = use_navigate();
        // This page's path, query and fragment: the address less its origin.
        let here = web_sys::window()
            .map(|w| w.location())
            .and_then(|l| Some(l.href().ok()?.get(l.origin().ok()?.len()..)?.to_string()))
            .unwrap_or_default();
        request_animation_frame(move || {
            navigate(
                &Route::LoginThen(&here).href(),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            )
        });
    }
    let can_retry = match &failure {
        ApiFailure::Server { status, .. } => *status >= 500,
        _ => true,
    };
    view! {
        <div class="state error" role="alert">
            <p>{failure.to_string()}</p>
            {if can_retry {
                view! { <button type="button" on:click=move |_| retry.run(())>{tv!("Retry")}</button> }.into_any()
            } else {
                view! { <p><A href=Route::Fleet.href()>{tv!("Back to the fleet overview")}</A></p> }.into_any()
            }}
        </div>
    }
}
