//! The audit log: who recommended, scheduled, rescheduled, cancelled, completed or
//! acknowledged what, and when. Read-only, newest first.

use crate::api;
use crate::components::states::{loaded, Empty};
use crate::router::A;
use crate::routes::Route;
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::AuditList;

#[component]
pub fn AuditPage() -> impl IntoView {
    crate::components::set_title(t!("Audit log"));
    let instrument = RwSignal::new(None::<i64>);
    let list = api::audit(instrument);
    let fleet = api::fleet();
    let retry = Callback::new(move |_| list.refetch());
    let instrument_options = move || {
        fleet.get().and_then(Result::ok).map(|f| {
            f.instruments
                .into_iter()
                .map(|i| view! { <option value=i.id.to_string()>{format!("{} ({})", i.nickname, i.serial)}</option> })
                .collect_view()
        })
    };
    view! {
        <h1>{tv!("Audit log")}</h1>
        <p class="lede">{tv!("Every recommendation, appointment, cancellation, completion and acknowledgement in your lab. Entries are never changed or removed.")}</p>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <label>
                {tv!("Instrument")}
                <select on:change=move |ev| instrument.set(event_target_value(&ev).parse().ok())>
                    <option value="">{tv!("Any")}</option>
                    {instrument_options}
                </select>
            </label>
            <p class="downloads">
                <a href=move || api::audit_csv_href(instrument.get()) download="audit-log.csv">{tv!("Download CSV")}</a>
            </p>
        </form>
        {loaded(
            t!("the audit log"),
            retry,
            move || list.get().map(|l| l.map(|l| view! { <AuditTable list=l /> }.into_any())),
        )}
    }
}

#[component]
fn AuditTable(list: AuditList) -> impl IntoView {
    if list.entries.is_empty() {
        return view! {
            <Empty>
                <p>{tv!("Nothing has been recorded yet.")}</p>
            </Empty>
        }
        .into_any();
    }
    let session = use_session();
    let n = list.entries.len();
    let rows = list
        .entries
        .into_iter()
        .map(|e| {
            let at = e.at;
            view! {
                <tr>
                    <td>{move || time::date_time(at, &session.time_zone())}</td>
                    <td>{e.actor}</td>
                    <td>{crate::i18n::name(&e.action)}</td>
                    <td>
                        {e.instrument_id
                            .map(|id| {
                                view! {
                                    <A href=Route::Instrument(id).href()>
                                        {e.instrument_nickname.clone().unwrap_or_default()}
                                    </A>
                                }
                            })}
                    </td>
                    <td>{crate::words::say(e.said.as_ref(), &e.detail)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=tv!("Audit log table")>
            <table class="audit">
                <caption>
                    {move || if n == 1 { tf!("1 entry, newest first; times in {0}", session.time_zone()) } else { tf!("{0} entries, newest first; times in {1}", n, session.time_zone()) }}
                    {list.truncated.then(|| t!(" (only the latest 1,000 are shown; the CSV download has the same limit)"))}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">{tv!("When")}</th>
                        <th scope="col">{tv!("Who")}</th>
                        <th scope="col">{tv!("What")}</th>
                        <th scope="col">{tv!("Instrument")}</th>
                        <th scope="col">{tv!("Detail")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
