//! Warnings across the fleet: filter, read what triggered each, acknowledge with a reason.

use crate::api::{self, WarningFilter};
use crate::components::states::{Failure, Loading};
use crate::components::warnings::{severity_label, WarningTable};
use leptos::prelude::*;
use seqhealth_api::{Severity, Subsystem};

const STATUSES: [(&str, &str); 5] = [
    ("open", "Open (active or acknowledged)"),
    ("active", "Active"),
    ("acknowledged", "Acknowledged"),
    ("resolved", "Resolved (history)"),
    ("all", "All"),
];

#[component]
pub fn WarningsPage() -> impl IntoView {
    crate::components::set_title("Warnings");
    let filter = RwSignal::new(WarningFilter {
        status: "open".into(),
        ..Default::default()
    });
    let list = LocalResource::new(move || api::warnings(filter.get()));
    let fleet = LocalResource::new(api::fleet);
    let retry = Callback::new(move |_| list.refetch());
    let set = move |f: fn(&mut WarningFilter, String)| {
        move |ev: leptos::ev::Event| filter.update(|x| f(x, event_target_value(&ev)))
    };
    let instrument_options = move || {
        Suspend::new(async move {
            fleet
                .await
                .map(|f| {
                    f.instruments
                        .into_iter()
                        .map(|i| view! { <option value=i.id.to_string()>{format!("{} ({})", i.nickname, i.serial)}</option> })
                        .collect_view()
                })
                .ok()
        })
    };
    view! {
        <h1>"Warnings"</h1>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label>
                "Status"
                <select on:change=set(|f, v| f.status = v)>
                    {STATUSES
                        .into_iter()
                        .map(|(v, l)| view! { <option value=v selected=v == "open">{l}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Severity"
                <select on:change=set(|f, v| f.severity = v)>
                    <option value="">"Any"</option>
                    {Severity::ALL
                        .into_iter()
                        .rev()
                        .map(|s| view! { <option value=s.as_str()>{severity_label(s)}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Subsystem"
                <select on:change=set(|f, v| f.subsystem = v)>
                    <option value="">"Any"</option>
                    {Subsystem::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Instrument"
                <select on:change=set(|f, v| f.instrument = v)>
                    <option value="">"Any"</option>
                    <Transition>{instrument_options}</Transition>
                </select>
            </label>
        </form>
        <Transition fallback=|| view! { <Loading what="warnings" /> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(l) => {
                        view! { <WarningTable list=l on_change=retry empty="No warnings match these filters." /> }
                            .into_any()
                    }
                    Err(e) => view! { <Failure failure=e retry=retry /> }.into_any(),
                }
            })}
        </Transition>
    }
}
