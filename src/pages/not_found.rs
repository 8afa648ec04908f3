use crate::router::A;
use crate::routes::Route;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    crate::components::set_title(t!("Page not found"));
    view! {
        <h1>{tv!("Page not found")}</h1>
        <p>{tv!("There is no page at this address. ")} <A href=Route::Fleet.href()>{tv!("Go to the fleet overview")}</A></p>
    }
}
