//! Warnings across the fleet: filter, read what triggered each, acknowledge with a reason.

use crate::api::{self, ApiFailure, WarningFilter};
use crate::app::Session;
use crate::components::states::{Empty, Failure, Loading};
use crate::time;
use leptos::prelude::*;
use leptos_router::components::A;
use seqhealth_api::{Role, Severity, Subsystem, WarningList, WarningRow, WarningStatus};

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
                    Ok(l) => view! { <WarningTable list=l on_change=retry /> }.into_any(),
                    Err(e) => view! { <Failure failure=e retry=retry /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "Info",
        Severity::Warning => "Warning",
        Severity::Critical => "Critical",
    }
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Info => "badge health-unknown",
        Severity::Warning => "badge health-warning",
        Severity::Critical => "badge health-critical",
    }
}

#[component]
fn WarningTable(list: WarningList, on_change: Callback<()>) -> impl IntoView {
    if list.warnings.is_empty() {
        return view! {
            <Empty>
                <p>"No warnings match these filters."</p>
            </Empty>
        }
        .into_any();
    }
    let session = expect_context::<Session>();
    let tz = move || {
        session
            .0
            .get()
            .map(|s| s.lab.time_zone)
            .unwrap_or_else(|| "UTC".into())
    };
    let n = list.warnings.len();
    let rows = list
        .warnings
        .into_iter()
        .map(|w| view! { <WarningRowView warning=w on_change=on_change /> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="warnings">
                <caption>
                    {move || format!("{n} warnings; times in {}", tz())}
                    {list.truncated.then_some(" (only the first 500 are shown: narrow the filters)")}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Severity"</th>
                        <th scope="col">"Instrument"</th>
                        <th scope="col">"Subsystem"</th>
                        <th scope="col">"What triggered it"</th>
                        <th scope="col">"Raised"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn WarningRowView(warning: WarningRow, on_change: Callback<()>) -> impl IntoView {
    let session = expect_context::<Session>();
    let tz = move || {
        session
            .0
            .get()
            .map(|s| s.lab.time_zone)
            .unwrap_or_else(|| "UTC".into())
    };
    let is_manager = move || {
        session
            .0
            .get()
            .map(|s| s.user.role == Role::Manager)
            .unwrap_or(false)
    };
    let w = warning;
    let id = w.id;
    let raised = w.raised_at;
    let status_text = {
        let w = w.clone();
        move || match w.status {
            WarningStatus::Active => "Active".to_string(),
            WarningStatus::Acknowledged => format!(
                "Acknowledged by {} on {}: “{}”",
                w.acknowledged_by.clone().unwrap_or_default(),
                w.acknowledged_at
                    .map(|t| time::date_time(t, &tz()))
                    .unwrap_or_default(),
                w.acknowledge_reason.clone().unwrap_or_default()
            ),
            WarningStatus::Resolved => {
                format!(
                    "Resolved on {}",
                    w.resolved_at
                        .map(|t| time::date_time(t, &tz()))
                        .unwrap_or_default()
                )
            }
        }
    };
    let active = w.status == WarningStatus::Active;
    let editing = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let ack = Action::new_local(move |r: &String| api::acknowledge(id, r.clone()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = ack.value().get() {
            on_change.run(());
        }
    });
    let input_id = format!("ack-reason-{id}");
    let what = format!("{} on {}", w.rule, w.instrument_nickname);
    view! {
        <tr data-warning-id=id.to_string()>
            <td>
                <span class=severity_class(w.severity)>{severity_label(w.severity)}</span>
            </td>
            <th scope="row">
                <A href=format!("/instruments/{}", w.instrument_id)>{w.instrument_nickname.clone()}</A>
                <span class="sub mono">{w.instrument_serial.clone()}</span>
            </th>
            <td>{w.subsystem.label()}</td>
            <td>
                {w.message.clone()}
                <span class="sub mono">{w.rule.clone()}</span>
            </td>
            <td>{move || time::date_time(raised, &tz())}</td>
            <td class="status">
                <span>{status_text}</span>
                <Show when=move || active && is_manager() && !editing.get()>
                    <button type="button" class="secondary" on:click=move |_| editing.set(true)>
                        "Acknowledge"
                    </button>
                </Show>
                <Show when=move || editing.get()>
                    <form
                        class="ack"
                        on:submit=move |ev| {
                            ev.prevent_default();
                            ack.dispatch_local(reason.get_untracked());
                        }
                    >
                        <label for=input_id.clone()>{format!("Reason for acknowledging {what}")}</label>
                        <input id=input_id.clone() type="text" required maxlength="500" bind:value=reason />
                        <button type="submit" disabled=move || ack.pending().get()>
                            "Confirm"
                        </button>
                        <button type="button" class="secondary" on:click=move |_| editing.set(false)>
                            "Cancel"
                        </button>
                    </form>
                </Show>
                {move || {
                    ack.value()
                        .get()
                        .and_then(|r| r.err())
                        .map(|e: ApiFailure| view! { <p class="state error" role="alert">{e.to_string()}</p> })
                }}
            </td>
        </tr>
    }
}
