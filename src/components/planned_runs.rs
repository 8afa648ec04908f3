//! An instrument's planned runs: the days a replacement should not be booked on.
//! Managers add and remove them; everyone sees them.

use crate::api::{self, Mutation};
use crate::components::states::{failure_line, loaded};
use crate::components::{when, DateField};
use crate::json::date;
use crate::session::use_session;
use leptos::prelude::*;
use seqhealth_api::{PlannedRun, PlannedRunRequest};

#[component]
pub fn PlannedRuns(id: i64) -> impl IntoView {
    let session = use_session();
    let list = api::planned_runs(Some(id));
    let retry = Callback::new(move |_| list.refetch());
    let (starts, ends, label) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let add = Mutation::<PlannedRun>::new(move || {
        match (date(&starts.get_untracked()), date(&ends.get_untracked())) {
            (Some(starts_on), Some(ends_on)) => api::add_planned_run(
                id,
                PlannedRunRequest {
                    starts_on,
                    ends_on,
                    label: label.get_untracked(),
                },
            ),
            _ => api::refused(api::ApiFailure::Decode(t!("enter both dates").into())),
        }
    });
    // Which run "Remove" was pressed on.
    let removing = StoredValue::new(0i64);
    let remove = Mutation::<()>::new(move || api::remove_planned_run(removing.get_value()));
    Effect::new(move |_| {
        let added = add.succeeded();
        let removed = remove.succeeded();
        if added || removed {
            list.refetch();
            let said = if added {
                t!("Planned run added.")
            } else {
                t!("Planned run removed.")
            };
            crate::components::done(said, "#planned-starts");
        }
    });
    let row = move |p: PlannedRun| {
        let run = p.id;
        view! {
            <li>
                <span>
                    {super::sentence(
                        t!("{0} to {1}: {2}"),
                        vec![
                            view! { <time datetime=p.starts_on.to_string()>{crate::format::day(p.starts_on)}</time> }.into_any(),
                            view! { <time datetime=p.ends_on.to_string()>{crate::format::day(p.ends_on)}</time> }.into_any(),
                            p.label.clone().into_any(),
                        ],
                    )}
                </span>
                {when(move || session.is_manager(), move || view! {
                    <button
                        type="button"
                        class="secondary"
                        aria-label=tf!("Remove planned run {0}", p.label)
                        on:click=move |_| {
                            removing.set_value(run);
                            remove.dispatch();
                        }
                    >
                        {tv!("Remove")}
                    </button>
                }.into_any())}
            </li>
        }
    };
    view! {
        <section aria-labelledby="planned-heading">
            <h2 id="planned-heading">{tv!("Planned runs")}</h2>
            {loaded(
                t!("planned runs"),
                retry,
                move || {
                    list.get()
                        .map(|l| {
                            l.map(|l| {
                                if l.planned_runs.is_empty() {
                                    view! { <p class="state empty">{tv!("No planned runs ahead.")}</p> }.into_any()
                                } else {
                                    view! { <ul class="planned">{l.planned_runs.into_iter().map(row).collect_view()}</ul> }.into_any()
                                }
                            })
                        })
                },
            )}
            {when(move || session.is_manager(), move || view! {
                <form
                    class="planned-add"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        add.dispatch();
                    }
                >
                    <label for="planned-starts">{tv!("First day")}</label>
                    <DateField id="planned-starts".to_string() date=starts />
                    <label for="planned-ends">{tv!("Last day")}</label>
                    <DateField id="planned-ends".to_string() date=ends />
                    <label for="planned-label">{tv!("Run")}</label>
                    <input id="planned-label" type="text" required maxlength="120" placeholder=tv!("e.g. WGS batch 14") bind:value=label />
                    <button type="submit" disabled=move || add.pending()>{tv!("Add planned run")}</button>
                </form>
            }.into_any())}
            {failure_line(move || add.failure().or_else(|| remove.failure()))}
        </section>
    }
}
