//! Warnings across the fleet: filter, read what triggered each, acknowledge with a reason.

use crate::api;
use crate::components::states::loaded;
use crate::components::warnings::{severity_label, WarningTable};
use leptos::prelude::*;
use seqhealth_api::{Query, Severity, StatusFilter, Subsystem, WarningQuery, WarningStatus};

fn statuses() -> [(&'static str, &'static str); 5] {
    [
        ("open", t!("Open (active or acknowledged)")),
        ("active", t!("Active")),
        ("acknowledged", t!("Acknowledged")),
        ("resolved", t!("Resolved (history)")),
        ("all", t!("All")),
    ]
}

/// A status option's value as the filter it selects.
fn status(v: &str) -> StatusFilter<WarningStatus> {
    match v {
        "all" => StatusFilter::All,
        v => WarningStatus::parse(v).map_or(StatusFilter::Open, StatusFilter::Only),
    }
}

#[component]
pub fn WarningsPage() -> impl IntoView {
    crate::components::set_title(t!("Warnings"));
    // The filters come from the address (a bookmark, a reload) and go back into it.
    let q = crate::components::query_value;
    let initial = WarningQuery {
        status: q("status").map_or(StatusFilter::Open, |v| status(&v)),
        severity: q("severity").and_then(|v| Severity::parse(&v)),
        subsystem: q("subsystem").and_then(|v| Subsystem::parse(&v)),
        instrument: q("instrument").and_then(|v| v.parse().ok()),
    };
    let filter = RwSignal::new(initial);
    crate::components::filters_in_url("/warnings", move || filter.get().to_query());
    let shown_status = initial.status.as_str(WarningStatus::as_str);
    let list = api::warnings(move || filter.get());
    let fleet = api::fleet();
    let retry = Callback::new(move |_| list.refetch());
    let set = move |f: fn(&mut WarningQuery, String)| {
        move |ev: leptos::ev::Event| filter.update(|x| f(x, event_target_value(&ev)))
    };
    let instrument_options = move || {
        fleet.get().and_then(Result::ok).map(|f| {
            f.instruments
                .into_iter()
                .map(|i| {
                    let selected = Some(i.id) == initial.instrument;
                    view! { <option value=i.id.to_string() selected=selected>{format!("{} ({})", i.nickname, i.serial)}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <h1>{tv!("Warnings")}</h1>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label>
                {tv!("Status")}
                <select on:change=set(|f, v| f.status = status(&v))>
                    {statuses()
                        .into_iter()
                        .map(|(v, l)| view! { <option value=v selected=v == shown_status>{l}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                {tv!("Severity")}
                <select on:change=set(|f, v| f.severity = Severity::parse(&v))>
                    <option value="">{tv!("Any")}</option>
                    {Severity::ALL
                        .into_iter()
                        .rev()
                        .map(|s| view! { <option value=s.as_str() selected=Some(s) == initial.severity>{severity_label(s)}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                {tv!("Subsystem")}
                <select on:change=set(|f, v| f.subsystem = Subsystem::parse(&v))>
                    <option value="">{tv!("Any")}</option>
                    {Subsystem::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=Some(s) == initial.subsystem>{crate::i18n::word(s.label())}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                {tv!("Instrument")}
                <select on:change=set(|f, v| f.instrument = v.parse().ok())>
                    <option value="">{tv!("Any")}</option>
                    {instrument_options}
                </select>
            </label>
        </form>
        {loaded(
            t!("warnings"),
            retry,
            move || {
                list.get()
                    .map(|l| {
                        l.map(|l| {
                            view! { <WarningTable list=l on_change=retry empty=t!("No warnings match these filters.") /> }
                                .into_any()
                        })
                    })
            },
        )}
    }
}
