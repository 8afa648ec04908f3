//! Silencing an instrument's notifications for a while (a service visit): everyone sees
//! the silence; managers set and end it. Its warnings still show on the dashboard.

use crate::api::{self, Mutation};
use crate::components::states::failure_line;
use crate::components::when;
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::notify::SilenceRequest;
use seqhealth_api::InstrumentDetail;

#[component]
pub fn Silence(detail: InstrumentDetail, on_change: Callback<()>) -> impl IntoView {
    let session = use_session();
    let (id, tz) = (detail.id, detail.lab.time_zone.clone());
    // Tomorrow at this time, as a start.
    let until = RwSignal::new(time::local_input_ahead(&tz, 24 * 60));
    let reason = RwSignal::new(String::new());
    let zone = tz.clone();
    let set =
        Mutation::<()>::new(
            move || match time::from_local_input(&until.get_untracked(), &zone) {
                Some(until) => api::silence(
                    id,
                    SilenceRequest {
                        until,
                        reason: reason.get_untracked(),
                    },
                ),
                None => api::refused(api::ApiFailure::Decode(t!("enter a date and time").into())),
            },
        );
    let end = Mutation::<()>::new(move || api::end_silence(id));
    Effect::new(move |_| {
        let (silenced, ended) = (set.succeeded(), end.succeeded());
        if silenced || ended {
            on_change.run(());
            match silenced {
                true => crate::components::done(t!("Notifications silenced."), "p.silenced"),
                false => crate::components::done(t!("Notifications back on."), "#silence-until"),
            }
        }
    });
    let failure = failure_line(move || set.failure().or_else(|| end.failure()));
    let body = match (detail.silenced_until, detail.silence_reason) {
        (Some(t), reason) => view! {
            <p class="silenced" role="status">
                {t!("Notifications silenced until ")}
                <time datetime=t.to_rfc3339()>{format!("{} ({tz})", time::date_time(t, &tz))}</time>
                {format!(": {}", reason.unwrap_or_default())}
            </p>
            {when(move || session.is_manager(), move || view! {
                <button type="button" class="secondary" on:click=move |_| end.dispatch()>
                    {t!("End silence")}
                </button>
            }.into_any())}
        }
        .into_any(),
        (None, _) => when(move || session.is_manager(), move || view! {
            <form
                class="silence-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    set.dispatch();
                }
            >
                <label for="silence-until">{tf!("Silence notifications until ({0})", tz.clone())}</label>
                <input id="silence-until" type="datetime-local" required bind:value=until />
                <label for="silence-reason">{t!("because")}</label>
                <input id="silence-reason" type="text" required maxlength="200" placeholder=t!("e.g. service visit") bind:value=reason />
                <button type="submit" disabled=move || set.pending()>{t!("Silence")}</button>
            </form>
        }.into_any()).into_any(),
    };
    view! {
        <section aria-label=t!("Notifications silence") class="silence">
            {body}
            {failure}
        </section>
    }
}
