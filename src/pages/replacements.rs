//! Upcoming component replacements across the lab's fleet: filter, schedule into a
//! half-day slot clear of planned runs, reschedule, cancel, complete; export as CSV or
//! iCalendar, or subscribe a calendar app.

use crate::api;
use crate::components::calendar::CalendarLink;
use crate::components::replacements::ReplacementTable;
use crate::components::states::loaded;
use leptos::prelude::*;
use seqhealth_api::{Query, ReplacementQuery, ReplacementStatus, StatusFilter};

/// A status option's value as the filter it selects.
fn status(v: &str) -> StatusFilter<ReplacementStatus> {
    match v {
        "open" => StatusFilter::Open,
        v => ReplacementStatus::parse(v).map_or(StatusFilter::All, StatusFilter::Only),
    }
}

#[component]
pub fn ReplacementsPage() -> impl IntoView {
    crate::components::set_title(t!("Replacements"));
    // The filters come from the address (a bookmark, a reload; the instrument page links
    // here with `?instrument=`) and go back into it.
    let q = crate::components::query_value;
    let filter = RwSignal::new(ReplacementQuery {
        status: q("status").map_or(StatusFilter::Open, |v| status(&v)),
        instrument: q("instrument").and_then(|i| i.parse().ok()),
    });
    crate::components::filters_in_url("/replacements", move || filter.get().to_query());
    let shown_status = filter
        .get_untracked()
        .status
        .as_str(ReplacementStatus::as_str);
    let list = api::replacements(move || filter.get());
    let planned = api::planned_runs(None);
    let fleet = api::fleet();
    let retry = Callback::new(move |_| {
        list.refetch();
        planned.refetch();
    });
    let set = move |f: fn(&mut ReplacementQuery, String)| {
        move |ev: leptos::ev::Event| filter.update(|x| f(x, event_target_value(&ev)))
    };
    let chosen = filter.get_untracked().instrument;
    let instrument_options = move || {
        fleet.get().and_then(Result::ok).map(|f| {
            f.instruments
                .into_iter()
                .map(|i| {
                    let v = i.id.to_string();
                    let selected = Some(i.id) == chosen;
                    view! { <option value=v selected=selected>{format!("{} ({})", i.nickname, i.serial)}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <h1>{tv!("Replacements")}</h1>
        <p class="lede">
            {tv!("Components seqhealth recommends replacing, from their predictions and warnings, soonest first. ")}
            {tv!("A scheduled replacement mutes its component's warnings until the appointment ends.")}
        </p>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label>
                {tv!("Status")}
                <select on:change=set(|f, v| f.status = status(&v))>
                    <option value="open" selected=shown_status == "open">{tv!("Open (recommended or scheduled)")}</option>
                    {ReplacementStatus::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=shown_status == s.as_str()>{crate::i18n::word(s.label())}</option> })
                        .collect_view()}
                    <option value="all" selected=shown_status == "all">{tv!("All")}</option>
                </select>
            </label>
            <label>
                {tv!("Instrument")}
                <select on:change=set(|f, v| f.instrument = v.parse().ok())>
                    <option value="">{tv!("Any")}</option>
                    {instrument_options}
                </select>
            </label>
            <p class="downloads">
                <a href=move || api::replacements_csv_href(&filter.get()) download="replacements.csv">{tv!("Download CSV")}</a>
                <a href=api::ics_href() download="seqhealth-replacements.ics">{tv!("Download calendar (.ics)")}</a>
            </p>
        </form>
        {loaded(
            t!("replacements"),
            retry,
            move || {
                // Planned runs only add collision warnings: the list stands without them.
                let runs = planned.get()?.map(|p| p.planned_runs).unwrap_or_default();
                Some(list.get()?.map(|l| {
                    view! {
                        <ReplacementTable
                            list=l
                            planned=runs
                            on_change=retry
                            empty=t!("No replacements match these filters.")
                        />
                    }
                        .into_any()
                }))
            },
        )}
        <CalendarLink />
    }
}
