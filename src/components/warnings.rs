//! The warnings table, shared by the warnings page and the instrument page: severity,
//! what triggered it, when, its status, and acknowledgement for managers.

use crate::api::{self, Mutation};
use crate::components::states::{failure_line, Empty};
use crate::components::{when, ColumnHeads};
use crate::router::A;
use crate::routes::Route;
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::{Role, Severity, WarningList, WarningRow, WarningStatus};

pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Info => t!("Info"),
        Severity::Warning => t!("Warning"),
        Severity::Critical => t!("Critical"),
    }
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Info => "badge health-unknown",
        Severity::Warning => "badge health-warning",
        Severity::Critical => "badge health-critical",
    }
}

/// `empty`: what to say when there is no warning to show.
#[component]
pub fn WarningTable(
    list: WarningList,
    on_change: Callback<()>,
    empty: &'static str,
) -> impl IntoView {
    if list.warnings.is_empty() {
        return view! {
            <Empty>
                <p>{empty}</p>
            </Empty>
        }
        .into_any();
    }
    let session = use_session();
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
            // Cards on narrow screens (style/main.css `table.narrow-cards`); explicit roles keep the
            // table's semantics where a browser drops them with the display change.
            <table class="warnings narrow-cards" role="table">
                <caption>
                    {move || if n == 1 { tf!("1 warning; times in {0}", tz()) } else { tf!("{0} warnings; times in {1}", n, tz()) }}
                    {list.truncated.then(|| t!(" (only the first 500 are shown: narrow the filters)"))}
                </caption>
                <ColumnHeads labels=vec![t!("Severity"), t!("Instrument"), t!("Subsystem"), t!("What triggered it"), t!("Raised"), t!("Status")] />
                <tbody role="rowgroup">{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn WarningRowView(warning: WarningRow, on_change: Callback<()>) -> impl IntoView {
    let session = use_session();
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
    // A warning kept open by later findings says when the one it quotes came.
    let latest = w.latest_at.filter(|l| (*l - raised).num_hours() >= 24);
    // Got worse after it was acknowledged (or while active): a manager acknowledges it
    // (again); acknowledged since, it says it was after it got worse.
    let worse = w
        .worse_at
        .is_some_and(|t| w.acknowledged_at.is_none_or(|a| t > a));
    let status_text = {
        let w = w.clone();
        // The whole story: acknowledged (by whom, why), then booked (muted until when).
        move || {
            let told = match w.status {
                WarningStatus::Active => t!("Active").to_string(),
                WarningStatus::Acknowledged => tf!(
                    "Acknowledged by {0} on {1}: “{2}”",
                    w.acknowledged_by.clone().unwrap_or_default(),
                    w.acknowledged_at
                        .map(|t| time::date_time(t, &tz()))
                        .unwrap_or_default(),
                    w.acknowledge_reason.clone().unwrap_or_default()
                ),
                WarningStatus::Resolved => {
                    tf!(
                        "Resolved on {0}",
                        w.resolved_at
                            .map(|t| time::date_time(t, &tz()))
                            .unwrap_or_default()
                    )
                }
            };
            let told = match w.muted_until {
                Some(t) => tf!(
                    "{0}. Replacement booked: muted until {1}",
                    told,
                    time::date_time(t, &tz())
                ),
                None => told,
            };
            // Worse since it was handled: it alerts again, and says so (until a manager
            // acknowledges it again).
            match w.worse_at {
                Some(t) if worse => tf!(
                    "{0}. Got worse on {1}: now critical",
                    told,
                    time::date_time(t, &tz())
                ),
                Some(t) => tf!(
                    "{0} (after it got worse on {1})",
                    told,
                    time::date_time(t, &tz())
                ),
                None => told,
            }
        }
    };
    let active = w.status == WarningStatus::Active || worse;
    let ack_label = if w.status == WarningStatus::Acknowledged {
        t!("Acknowledge again")
    } else {
        t!("Acknowledge")
    };
    let muted = w.muted_until.is_some();
    let editing = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let ack = Mutation::<WarningRow>::new(move || api::acknowledge(id, reason.get_untracked()));
    let input_id = format!("ack-reason-{id}");
    let rule = crate::format::rule(&w.rule);
    let what = tf!("{0} on {1}", rule, w.instrument_nickname);
    let said = tf!("Warning acknowledged: {0}.", what);
    Effect::new(move |_| {
        if ack.succeeded() {
            crate::components::done(&said, &format!("[data-warning-id=\"{id}\"] .status span"));
            on_change.run(());
        }
    });
    // The button named by its row: a page lists several "Acknowledge" (WCAG 2.4.6).
    let ack_name = format!("{ack_label}: {what}");
    view! {
        <tr data-warning-id=id.to_string() class=if muted { "muted" } else { "" } role="row">
            <td role="cell" data-label=tv!("Severity")>
                <span class=severity_class(w.severity)>{severity_label(w.severity)}</span>
            </td>
            <th scope="row" role="rowheader">
                <A href=Route::Instrument(w.instrument_id).href()>{w.instrument_nickname.clone()}</A>
                <span class="sub mono">{w.instrument_serial.clone()}</span>
            </th>
            <td role="cell" data-label=tv!("Subsystem")>{crate::i18n::word(w.subsystem.label())}</td>
            <td role="cell" data-label=tv!("What triggered it")>
                {crate::words::say(w.said.as_ref(), &w.message)}
                <span class="sub rule" data-rule=w.rule.clone()>{rule}</span>
            </td>
            <td role="cell" data-label=tv!("Raised")>
                {move || time::date_time(raised, &tz())}
                {latest.map(|l| view! {
                    <span class="sub">{move || tf!("latest finding {0}", time::date(l, &tz()))}</span>
                })}
            </td>
            <td role="cell" data-label=tv!("Status") class="status">
                <span>{status_text}</span>
                {when(move || active && is_manager() && !editing.get(), move || view! {
                    <button type="button" class="secondary" data-opens="ack" aria-label=ack_name.clone() on:click=move |_| editing.set(true)>
                        {ack_label}
                    </button>
                }.into_any())}
                {when(move || editing.get(), move || view! {
                    <form
                        class="ack"
                        on:submit=move |ev| {
                            ev.prevent_default();
                            ack.dispatch();
                        }
                    >
                        <label for=input_id.clone()>{tf!("Reason for acknowledging {0}", what)}</label>
                        <input id=input_id.clone() type="text" required autofocus maxlength="500" bind:value=reason />
                        <button type="submit" disabled=move || ack.pending()>
                            {tv!("Confirm")}
                        </button>
                        <button type="button" class="secondary" data-closes="ack" on:click=move |_| editing.set(false)>
                            {tv!("Cancel")}
                        </button>
                    </form>
                }.into_any())}
                {failure_line(move || ack.failure())}
            </td>
        </tr>
    }
}
