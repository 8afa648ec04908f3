use crate::router::A;
use crate::routes::Route;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    crate::components::set_title(t!("Page not found"));
    view! {
        <h1>{t!("Page not found")}</h1>
        <p>{t!("There is no page at this address. ")} <A href=Route::Fleet.href()>{t!("Go to the fleet overview")}</A></p>
    }
}
