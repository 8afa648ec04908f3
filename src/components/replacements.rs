//! The replacements table, shared by the replacements page and the instrument page:
//! what to replace and why, by when, its appointment, and — for managers — schedule,
//! reschedule, cancel with a reason, and mark completed.

use crate::components::replacement_forms::{CancelForm, CompleteForm, Editing, ScheduleForm};
use crate::components::states::Empty;
use crate::components::{when, ColumnHeads};
use crate::router::A;
use crate::routes::Route;
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::{
    PlannedRun, ReplacementList, ReplacementRow, ReplacementSource, ReplacementStatus,
};

fn status_class(s: ReplacementStatus) -> &'static str {
    match s {
        ReplacementStatus::Recommended => "badge health-warning",
        ReplacementStatus::Scheduled => "badge status-scheduled",
        ReplacementStatus::Completed => "badge health-ok",
        ReplacementStatus::Cancelled => "badge health-unknown",
    }
}

/// `planned`: the lab's planned runs, to warn before a slot that collides with one.
#[component]
pub fn ReplacementTable(
    list: ReplacementList,
    planned: Vec<PlannedRun>,
    on_change: Callback<()>,
    empty: &'static str,
) -> impl IntoView {
    if list.replacements.is_empty() {
        return view! {
            <Empty>
                <p>{empty}</p>
            </Empty>
        }
        .into_any();
    }
    let session = use_session();
    let n = list.replacements.len();
    let rows = list
        .replacements
        .into_iter()
        .map(|r| {
            let planned: Vec<PlannedRun> = planned
                .iter()
                .filter(|p| p.instrument_id == r.instrument_id)
                .cloned()
                .collect();
            view! { <ReplacementRowView replacement=r planned=planned on_change=on_change /> }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            // Cards on narrow screens (style/main.css `table.narrow-cards`); explicit roles keep the
            // table's semantics where a browser drops them with the display change.
            <table class="replacements narrow-cards" role="table">
                <caption>
                    {move || {
                        if n == 1 {
                            tf!("1 replacement, soonest replace-by first; times in {0}", session.time_zone())
                        } else {
                            tf!("{0} replacements, soonest replace-by first; times in {1}", n, session.time_zone())
                        }
                    }}
                    {list.truncated.then(|| t!(" (only the first 500 are shown: narrow the filters)"))}
                </caption>
                <ColumnHeads labels=vec![t!("Instrument"), t!("Component"), t!("Why"), t!("Replace by"), t!("Status")] />
                <tbody role="rowgroup">{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn ReplacementRowView(
    replacement: ReplacementRow,
    planned: Vec<PlannedRun>,
    on_change: Callback<()>,
) -> impl IntoView {
    let session = use_session();
    let tz = move || session.time_zone();
    let r = replacement;
    let id = r.id;
    let editing = RwSignal::new(Editing::None);
    let status = r.status;
    let appointment = r.appointment.clone();
    let status_text = {
        let r = r.clone();
        move || {
            let tz = tz();
            match (r.status, &r.appointment) {
                (ReplacementStatus::Scheduled, Some(a)) => format!(
                    "{}, {}{}{}{}",
                    time::date(a.starts_at, &tz),
                    crate::i18n::word(a.slot.label()),
                    a.scheduled_by
                        .as_ref()
                        .map(|b| tf!("; booked by {0}", b))
                        .unwrap_or_default(),
                    a.engineer
                        .as_ref()
                        .map(|e| tf!("; engineer {0}", e))
                        .unwrap_or_default(),
                    a.case_number
                        .as_ref()
                        .map(|c| tf!("; case {0}", c))
                        .unwrap_or_default()
                ),
                (ReplacementStatus::Completed, _) => {
                    let on = r
                        .completed_at
                        .map(|t| time::date_time(t, &tz))
                        .unwrap_or_default();
                    match &r.completed_by {
                        Some(b) => tf!("on {0} by {1}", on, b),
                        None => tf!("on {0}", on),
                    }
                }
                (ReplacementStatus::Cancelled, _) => {
                    format!("“{}”", r.cancel_reason.clone().unwrap_or_default())
                }
                _ => String::new(),
            }
        }
    };
    let replace_by = r.replace_by;
    let moved = r.moved.clone();
    let overdue = status.is_open() && replace_by < time::now();
    let sensor = seqhealth_api::domain::sensor_spec(&r.sensor)
        .map_or(r.sensor_label.as_str(), |s| crate::i18n::word(s.label));
    let sensor = crate::format::mid_sentence(sensor);
    let evidence = match r.source {
        ReplacementSource::Prediction => tf!("Trend chart of {0}", sensor),
        ReplacementSource::Warning => tf!("Readings of {0}", sensor),
    };
    let what = tf!(
        "{0} of {1}",
        crate::i18n::name(&r.component),
        r.instrument_nickname
    );
    let nickname = r.instrument_nickname.clone();
    let group = what.clone();
    let form = move || {
        match editing.get() {
        Editing::None => ().into_any(),
        Editing::Schedule => view! {
            <ScheduleForm
                id=id
                reschedule=status == ReplacementStatus::Scheduled
                what=what.clone()
                nickname=nickname.clone()
                planned=planned.clone()
                initial=appointment.clone().map(|a| (a.date.to_string(), a.slot))
                details=appointment.clone().map(|a| (a.engineer.unwrap_or_default(), a.case_number.unwrap_or_default())).unwrap_or_default()
                editing=editing
                on_change=on_change
            />
        }
        .into_any(),
        Editing::Cancel => {
            view! { <CancelForm id=id what=what.clone() editing=editing on_change=on_change /> }
                .into_any()
        }
        Editing::Complete => {
            view! { <CompleteForm id=id what=what.clone() editing=editing on_change=on_change /> }
                .into_any()
        }
    }
    };
    view! {
        <tr data-replacement-id=id.to_string() data-status=status.as_str() role="row">
            <th scope="row" role="rowheader">
                <A href=Route::Instrument(r.instrument_id).href()>{r.instrument_nickname.clone()}</A>
                <span class="sub mono">{r.instrument_serial.clone()}</span>
            </th>
            <td role="cell" data-label=tv!("Component")>
                {crate::i18n::name(&r.component)}
                <span class="sub">{crate::i18n::word(r.subsystem.label())}</span>
            </td>
            <td role="cell" data-label=tv!("Why")>
                {crate::words::say(r.reason_said.as_ref(), &r.reason)}
                <A href=Route::Sensor(r.instrument_id, &r.sensor).href() attr:class="sub">
                    {evidence}
                </A>
            </td>
            <td role="cell" data-label=tv!("Replace by") class=if overdue { "overdue" } else { "" }>
                {move || time::date(replace_by, &tz())}
                {overdue.then_some(view! { <span class="sub">{tv!("overdue")}</span> })}
                {moved.map(|m| {
                    let earlier = m.from > replace_by;
                    view! {
                        <span class="sub moved">
                            {move || if earlier {
                                tf!(
                                    "moved earlier on {0} (was {1}): {2}",
                                    time::date(m.on, &tz()),
                                    time::date(m.from, &tz()),
                                    crate::words::say(m.why_said.as_ref(), &m.why)
                                )
                            } else {
                                tf!(
                                    "moved later on {0} (was {1}): {2}",
                                    time::date(m.on, &tz()),
                                    time::date(m.from, &tz()),
                                    crate::words::say(m.why_said.as_ref(), &m.why)
                                )
                            }}
                        </span>
                    }
                })}
            </td>
            <td role="cell" data-label=tv!("Status") class="status">
                <span class=status_class(status)>{crate::i18n::word(status.label())}</span>
                <span class="detail">{status_text}</span>
                {when(
                    move || session.is_manager() && status.is_open() && editing.get() == Editing::None,
                    move || {
                        let scheduled = status == ReplacementStatus::Scheduled;
                        view! {
                            // Named by its row: every row has the same buttons (WCAG 2.4.6).
                            <div class="actions" role="group" aria-label=group.clone()>
                                <button type="button" data-opens="schedule" on:click=move |_| editing.set(Editing::Schedule)>
                                    {if scheduled { t!("Reschedule") } else { t!("Schedule") }}
                                </button>
                                {scheduled
                                    .then(|| {
                                        view! {
                                            <button type="button" class="secondary" data-opens="complete" on:click=move |_| editing.set(Editing::Complete)>
                                                {tv!("Mark completed")}
                                            </button>
                                        }
                                    })}
                                <button type="button" class="secondary" data-opens="cancel" on:click=move |_| editing.set(Editing::Cancel)>
                                    {tv!("Cancel…")}
                                </button>
                            </div>
                        }
                            .into_any()
                    },
                )}
                {form}
            </td>
        </tr>
    }
}
