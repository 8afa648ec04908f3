//! Warnings across the fleet: filter, read what triggered each, acknowledge with a reason.

use crate::api::{self, WarningFilter};
use crate::components::states::loaded;
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
    let list = api::warnings(move || filter.get());
    let fleet = api::fleet();
    let retry = Callback::new(move |_| list.refetch());
    let set = move |f: fn(&mut WarningFilter, String)| {
        move |ev: leptos::ev::Event| filter.update(|x| f(x, event_target_value(&ev)))
    };
    let instrument_options = move || {
        fleet.get().and_then(Result::ok).map(|f| {
            f.instruments
                .into_iter()
                .map(|i| view! { <option value=i.id.to_string()>{format!("{} ({})", i.nickname, i.serial)}</option> })
                .collect_view()
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
                    {instrument_options}
                </select>
            </label>
        </form>
        {loaded(
            "warnings",
            retry,
            move || {
                list.get()
                    .map(|l| {
                        l.map(|l| {
                            view! { <WarningTable list=l on_change=retry empty="No warnings match these filters." /> }
                                .into_any()
                        })
                    })
            },
        )}
    }
}
