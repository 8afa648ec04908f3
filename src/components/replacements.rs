//! The replacements table, shared by the replacements page and the instrument page:
//! what to replace and why, by when, its appointment, and — for managers — schedule,
//! reschedule, cancel with a reason, and mark completed.

use crate::api::{self, ApiFailure, Mutation};
use crate::components::states::{failure_line, Empty};
use crate::components::{when, ColumnHeads, DateField};
use crate::format;
use crate::router::A;
use crate::routes::Route;
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::{
    PlannedRun, ReplacementList, ReplacementRow, ReplacementSource, ReplacementStatus,
    ScheduleRequest, Slot,
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

/// Which form is open in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Editing {
    None,
    Schedule,
    Cancel,
    Complete,
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

/// Shows an action's failure under its form.
fn failure_of(a: Mutation<ReplacementRow>) -> AnyView {
    failure_line(move || a.failure())
}

/// Runs `on_change` when the action succeeds, says `said()` and focuses the row's new
/// status.
fn refresh_on_success(
    a: Mutation<ReplacementRow>,
    on_change: Callback<()>,
    id: i64,
    said: Box<dyn Fn() -> String>,
) {
    Effect::new(move |_| {
        if a.succeeded() {
            crate::components::done(
                &said(),
                &format!("[data-replacement-id=\"{id}\"] .status span"),
            );
            on_change.run(());
        }
    });
}

#[allow(clippy::too_many_arguments)] // a component's props
#[component]
fn ScheduleForm(
    id: i64,
    reschedule: bool,
    what: String,
    nickname: String,
    planned: Vec<PlannedRun>,
    initial: Option<(String, Slot)>,
    /// The appointment's engineer and vendor case number, when rescheduling.
    details: (String, String),
    editing: RwSignal<Editing>,
    on_change: Callback<()>,
) -> impl IntoView {
    let session = use_session();
    let verb = if reschedule {
        t!("Reschedule")
    } else {
        t!("Schedule")
    };
    // A new appointment is proposed on the first weekday morning free of planned runs.
    let (d0, s0) = initial.unwrap_or_else(|| {
        let tz = session.0.get_untracked().map(|s| s.lab.time_zone);
        let tz = tz.unwrap_or_else(|| "UTC".into());
        let today = crate::json::date(&time::iso_date(time::now(), &tz)).unwrap_or_default();
        // `planned` holds this instrument's runs only.
        (
            seqhealth_api::first_free_weekday(today, &planned).to_string(),
            Slot::Am,
        )
    });
    // The field starts at `d0` and is the user's from then on (see `DateField`).
    let date = RwSignal::new(d0);
    let slot = RwSignal::new(s0);
    let nickname_shown = nickname.clone();
    let planned = StoredValue::new(planned);
    let collisions = move || -> Vec<PlannedRun> {
        let Some(day) = crate::json::date(&date.get()) else {
            return Vec::new();
        };
        planned.with_value(|p| p.iter().filter(|p| p.covers(day)).cloned().collect())
    };
    let collision = move || !collisions().is_empty();
    let collision_text = move || {
        let hits = collisions();
        (!hits.is_empty()).then(|| {
            let runs: Vec<String> = hits
                .iter()
                .map(|p| {
                    tf!(
                        "“{0}” ({1} to {2})",
                        p.label,
                        format::day(p.starts_on),
                        format::day(p.ends_on)
                    )
                })
                .collect();
            tf!(
                "{0} has a planned run that day: {1}. Pick another day, or book it anyway.",
                nickname,
                runs.join(", ")
            )
        })
    };
    let engineer = RwSignal::new(details.0);
    let case_number = RwSignal::new(details.1);
    let save = Mutation::new(move || match crate::json::date(&date.get_untracked()) {
        Some(date) => api::schedule(
            id,
            ScheduleRequest {
                date,
                slot: slot.get_untracked(),
                allow_collision: collision(),
                engineer: Some(engineer.get_untracked()),
                case_number: Some(case_number.get_untracked()),
            },
            reschedule,
        ),
        None => api::refused(ApiFailure::Decode(t!("pick a date").into())),
    });
    {
        let what = what.clone();
        refresh_on_success(
            save,
            on_change,
            id,
            Box::new(move || {
                let day = crate::json::date(&date.get_untracked()).map(format::weekday);
                let day = day.unwrap_or_default();
                match (reschedule, slot.get_untracked()) {
                    (false, Slot::Am) => {
                        tf!("Replacement of {0} scheduled for {1}, morning.", what, day)
                    }
                    (false, Slot::Pm) => tf!(
                        "Replacement of {0} scheduled for {1}, afternoon.",
                        what,
                        day
                    ),
                    (true, Slot::Am) => tf!(
                        "Replacement of {0} rescheduled for {1}, morning.",
                        what,
                        day
                    ),
                    (true, Slot::Pm) => tf!(
                        "Replacement of {0} rescheduled for {1}, afternoon.",
                        what,
                        day
                    ),
                }
            }),
        );
    }
    let date_id = format!("schedule-date-{id}");
    let slot_id = format!("schedule-slot-{id}");
    let engineer_id = format!("schedule-engineer-{id}");
    let case_id = format!("schedule-case-{id}");
    view! {
        <form
            class="schedule"
            aria-label=if reschedule { tf!("Reschedule the replacement of {0}", what) } else { tf!("Schedule the replacement of {0}", what) }
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch();
            }
        >
            <label for=date_id.clone()>{tv!("Date")}</label>
            <DateField id=date_id.clone() date autofocus=true />
            <label for=slot_id.clone()>{tv!("Slot")}</label>
            <select
                id=slot_id
                on:change=move |ev| {
                    if let Some(s) = Slot::parse(&event_target_value(&ev)) {
                        slot.set(s)
                    }
                }
            >
                {[Slot::Am, Slot::Pm]
                    .into_iter()
                    .map(|s| view! { <option value=s.as_str() selected=move || slot.get() == s>{crate::i18n::word(s.label())}</option> })
                    .collect_view()}
            </select>
            <label for=engineer_id.clone()>{tv!("Service engineer (optional)")}</label>
            <input id=engineer_id type="text" maxlength="120" autocomplete="off" bind:value=engineer />
            <label for=case_id.clone()>{tv!("Vendor case number (optional)")}</label>
            <input id=case_id type="text" maxlength="60" autocomplete="off" bind:value=case_number />
            <div class="planned-list">
                {planned
                    .with_value(|runs| {
                        if runs.is_empty() {
                            tf!("{0} has no planned runs ahead.", nickname_shown)
                        } else {
                            let list: Vec<String> = runs
                                .iter()
                                .map(|p| tf!("{0} to {1} “{2}”", format::day(p.starts_on), format::day(p.ends_on), p.label))
                                .collect();
                            tf!("Planned runs on {0}: {1}.", nickname_shown, list.join("; "))
                        }
                    })}
            </div>
            {move || collision_text().map(|t| view! { <p class="state warning collision" role="alert">{t}</p> })}
            <button type="submit" disabled=move || save.pending()>
                {move || if collision() { if reschedule { t!("Reschedule anyway") } else { t!("Schedule anyway") } } else { verb }}
            </button>
            <button type="button" class="secondary" data-closes="schedule" on:click=move |_| editing.set(Editing::None)>
                {tv!("Close")}
            </button>
            {failure_of(save)}
        </form>
    }
}

#[component]
fn CancelForm(
    id: i64,
    what: String,
    editing: RwSignal<Editing>,
    on_change: Callback<()>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let save = Mutation::new(move || api::cancel_replacement(id, reason.get_untracked()));
    let said = tf!("Replacement of {0} cancelled.", what);
    refresh_on_success(save, on_change, id, Box::new(move || said.clone()));
    let input_id = format!("cancel-reason-{id}");
    view! {
        <form
            class="cancel"
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch();
            }
        >
            <label for=input_id.clone()>{tf!("Reason for cancelling the replacement of {0}", what)}</label>
            <input id=input_id type="text" required autofocus maxlength="500" bind:value=reason />
            <button type="submit" class="danger" disabled=move || save.pending()>
                {tv!("Cancel replacement")}
            </button>
            <button type="button" class="secondary" data-closes="cancel" on:click=move |_| editing.set(Editing::None)>
                {tv!("Keep it")}
            </button>
            {failure_of(save)}
        </form>
    }
}

#[component]
fn CompleteForm(
    id: i64,
    what: String,
    editing: RwSignal<Editing>,
    on_change: Callback<()>,
) -> impl IntoView {
    let note = RwSignal::new(String::new());
    let save = Mutation::new(move || {
        let n = note.get_untracked();
        api::complete_replacement(id, (!n.trim().is_empty()).then_some(n))
    });
    let said = tf!("Replacement of {0} marked completed.", what);
    refresh_on_success(save, on_change, id, Box::new(move || said.clone()));
    let input_id = format!("complete-note-{id}");
    view! {
        <form
            class="complete"
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch();
            }
        >
            <p>
                {tf!(
                    "Mark the replacement of {0} done? Its warnings resolve and its prediction starts afresh.",
                    what
                )}
            </p>
            <label for=input_id.clone()>{tv!("Note (optional)")}</label>
            <input id=input_id type="text" autofocus maxlength="500" bind:value=note />
            <button type="submit" disabled=move || save.pending()>
                {tv!("Confirm completed")}
            </button>
            <button type="button" class="secondary" data-closes="complete" on:click=move |_| editing.set(Editing::None)>
                {tv!("Not yet")}
            </button>
            {failure_of(save)}
        </form>
    }
}
