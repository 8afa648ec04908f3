//! An instrument's planned runs: the days a replacement should not be booked on.
//! Managers add and remove them; everyone sees them.

use crate::api;
use crate::app::Session;
use crate::components::states::{Failure, Loading};
use leptos::prelude::*;
use seqhealth_api::{PlannedRun, PlannedRunRequest};

#[component]
pub fn PlannedRuns(id: i64) -> impl IntoView {
    let session = expect_context::<Session>();
    let list = LocalResource::new(move || api::planned_runs(Some(id)));
    let retry = Callback::new(move |_| list.refetch());
    let (starts, ends, label) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let add = Action::new_local(move |_: &()| {
        let req = match (starts.get_untracked().parse(), ends.get_untracked().parse()) {
            (Ok(starts_on), Ok(ends_on)) => Ok(PlannedRunRequest {
                starts_on,
                ends_on,
                label: label.get_untracked(),
            }),
            _ => Err(api::ApiFailure::Decode("enter both dates".into())),
        };
        async move { api::add_planned_run(id, req?).await }
    });
    let remove = Action::new_local(|run: &i64| api::remove_planned_run(*run));
    Effect::new(move |_| {
        let added = add.value().with(|v| matches!(v, Some(Ok(_))));
        let removed = remove.value().with(|v| matches!(v, Some(Ok(_))));
        if added || removed {
            list.refetch();
        }
    });
    let row = move |p: PlannedRun| {
        let run = p.id;
        view! {
            <li>
                <span>{format!("{} to {}: {}", p.starts_on, p.ends_on, p.label)}</span>
                <Show when=move || session.is_manager()>
                    <button
                        type="button"
                        class="secondary"
                        aria-label=format!("Remove planned run {}", p.label)
                        on:click=move |_| { remove.dispatch_local(run); }
                    >
                        "Remove"
                    </button>
                </Show>
            </li>
        }
    };
    view! {
        <section aria-labelledby="planned-heading">
            <h2 id="planned-heading">"Planned runs"</h2>
            <Transition fallback=|| view! { <Loading what="planned runs" /> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(l) if l.planned_runs.is_empty() => view! { <p class="state empty">"No planned runs ahead."</p> }.into_any(),
                        Ok(l) => view! { <ul class="planned">{l.planned_runs.into_iter().map(row).collect_view()}</ul> }.into_any(),
                        Err(e) => view! { <Failure failure=e retry=retry /> }.into_any(),
                    }
                })}
            </Transition>
            <Show when=move || session.is_manager()>
                <form
                    class="planned-add"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        add.dispatch_local(());
                    }
                >
                    <label for="planned-starts">"First day"</label>
                    <input id="planned-starts" type="date" required bind:value=starts />
                    <label for="planned-ends">"Last day"</label>
                    <input id="planned-ends" type="date" required bind:value=ends />
                    <label for="planned-label">"Run"</label>
                    <input id="planned-label" type="text" required maxlength="120" placeholder="e.g. WGS batch 14" bind:value=label />
                    <button type="submit" disabled=move || add.pending().get()>"Add planned run"</button>
                </form>
            </Show>
            {move || {
                add.value()
                    .with(|v| v.as_ref().and_then(|r| r.as_ref().err()).map(|e| e.to_string()))
                    .or_else(|| remove.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err()).map(|e| e.to_string())))
                    .map(|e| view! { <p class="state error" role="alert">{e}</p> })
            }}
        </section>
    }
}
