//! Subscribing a calendar app to the lab's replacement appointments. The address holds a
//! secret, so the server keeps only its hash: it is shown once, when a manager makes it.

use crate::api::{self, Mutation};
use crate::components::when;
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::CalendarFeed;

#[component]
pub fn CalendarLink() -> impl IntoView {
    let session = use_session();
    let info = api::calendar();
    let create = Mutation::<CalendarFeed>::new(api::new_calendar_link);
    Effect::new(move |_| {
        if create.succeeded() {
            info.refetch();
        }
    });
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let status = move || {
        match info.get() {
        None => t!("Checking…").to_string(),
        Some(Ok(i)) if i.has_feed => tf!(
            "Your lab has a subscription link, made {0}. Its address was shown once; make a new one if you need it again (the old one then stops working).",
            i.created_at.map(|t| time::date_time(t, &session.time_zone())).unwrap_or_default()
        ),
        Some(Ok(_)) => t!("Your lab has no subscription link yet.").to_string(),
        Some(Err(e)) => e.to_string(),
    }
    };
    view! {
        <section class="calendar" aria-labelledby="calendar-heading">
            <h2 id="calendar-heading">{tv!("Calendar subscription")}</h2>
            <p>
                {tv!("Calendar apps (Outlook, Google Calendar, Apple Calendar) can subscribe to the lab's appointments and follow every reschedule and cancellation.")}
            </p>
            <p role="status">
                {status}
            </p>
            {when(move || session.is_manager(), move || view! {
                <button type="button" disabled=move || create.pending() on:click=move |_| create.dispatch()>
                    {tv!("Make a new subscription link")}
                </button>
            }.into_any())}
            {move || {
                let origin = origin.clone();
                create.value().map(|r| match r {
                    Ok(feed) => {
                        let address =
                            format!("{origin}{}?{}", feed.path, crate::api::in_my_language());
                        view! {
                            <div class="feed">
                                <label for="calendar-address">{tv!("Subscription address (copy it now: it is not shown again)")}</label>
                                <input id="calendar-address" type="text" readonly value=address on:focus=move |ev| {
                                    let input: web_sys::HtmlInputElement = event_target(&ev);
                                    input.select();
                                } />
                            </div>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="state error" role="alert">{e.to_string()}</p> }.into_any(),
                })
            }}
        </section>
    }
}
