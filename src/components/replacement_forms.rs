//! The forms of a replacement's row: schedule (or reschedule) with a date typed in the
//! lab's order, cancel with a reason, mark completed; each says its outcome and moves the
//! focus to the row's new status.

use crate::api::{self, ApiFailure, Mutation};
use crate::components::states::failure_line;
use crate::components::DateField;
use crate::format;
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::{PlannedRun, ReplacementRow, ScheduleRequest, Slot};
/// Which form is open in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editing {
    None,
    Schedule,
    Cancel,
    Complete,
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
pub fn ScheduleForm(
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
pub fn CancelForm(
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
pub fn CompleteForm(
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
