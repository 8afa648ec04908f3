use crate::router::A;
use crate::routes::Route;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    crate::components::set_title("Page not found");
    view! {
        <h1>"Page not found"</h1>
        <p>"There is no page at this address. " <A href=Route::Fleet.href()>"Go to the fleet overview"</A></p>
    }
}
