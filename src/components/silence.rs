//! Silencing an instrument's notifications for a while (a service visit): everyone sees
//! the silence; managers set and end it. Its warnings still show on the dashboard.

use crate::api::{self, Mutation};
use crate::components::states::failure_line;
use crate::components::{when, DateField};
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::notify::SilenceRequest;
use seqhealth_api::InstrumentDetail;

#[component]
pub fn Silence(detail: InstrumentDetail, on_change: Callback<()>) -> impl IntoView {
    let session = use_session();
    let (id, tz) = (detail.id, detail.lab.time_zone.clone());
    // Tomorrow at this time, as a start: the day typed in the lab's order, the time 24 h.
    let ahead = time::local_input_ahead(&tz, 24 * 60);
    let day = RwSignal::new(ahead.get(..10).unwrap_or_default().to_string());
    let clock = RwSignal::new(ahead.get(11..).unwrap_or_default().to_string());
    let reason = RwSignal::new(String::new());
    let zone = tz.clone();
    let set =
        Mutation::<()>::new(
            move || match time::from_local_input(&until(day, clock), &zone) {
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
                {super::sentence(
                    t!("Notifications silenced until {0}: {1}"),
                    vec![
                        view! { <time datetime=t.to_rfc3339()>{format!("{} ({tz})", time::date_time(t, &tz))}</time> }.into_any(),
                        reason.unwrap_or_default().into_any(),
                    ],
                )}
            </p>
            {when(move || session.is_manager(), move || view! {
                <button type="button" class="secondary" on:click=move |_| end.dispatch()>
                    {tv!("End silence")}
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
                <DateField id="silence-until".to_string() date=day />
                <label for="silence-until-time">{tv!("at (24-hour clock)")}</label>
                <input id="silence-until-time" type="text" inputmode="numeric" autocomplete="off" required pattern="[0-2]?[0-9]:[0-5][0-9]" placeholder=tv!("HH:MM") bind:value=clock />
                <label for="silence-reason">{tv!("because")}</label>
                <input id="silence-reason" type="text" required maxlength="200" placeholder=tv!("e.g. service visit") bind:value=reason />
                <button type="submit" disabled=move || set.pending()>{tv!("Silence")}</button>
            </form>
        }.into_any()).into_any(),
    };
    view! {
        <section aria-label=tv!("Notifications silence") class="silence">
            {body}
            {failure}
        </section>
    }
}

/// The datetime-local form ("YYYY-MM-DDTHH:MM") of a typed day and 24-hour time ("9:05"
/// is "09:05"); what [`time::from_local_input`] reads, so a wrong time reads as none.
fn until(day: RwSignal<String>, clock: RwSignal<String>) -> String {
    let clock = clock.get_untracked();
    let clock = clock.trim();
    let padded = if clock.len() == 4 {
        format!("0{clock}")
    } else {
        clock.to_string()
    };
    let ok = padded.len() == 5
        && padded.as_bytes()[2] == b':'
        && padded
            .get(..2)
            .and_then(|h| h.parse::<u32>().ok())
            .is_some_and(|h| h < 24)
        && padded
            .get(3..)
            .and_then(|m| m.parse::<u32>().ok())
            .is_some_and(|m| m < 60);
    match ok {
        true => format!("{}T{padded}", day.get_untracked()),
        false => String::new(),
    }
}
