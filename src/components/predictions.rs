//! Predicted component replacements of one instrument: what, when, why, how sure.

use crate::api::Remote;
use crate::components::states::{loaded, Empty};
use crate::{format, time};
use leptos::prelude::*;
use seqhealth_api::domain::LimitOn;
use seqhealth_api::{Prediction, PredictionList};

#[component]
pub fn Predictions(list: Remote<PredictionList>, tz: String) -> impl IntoView {
    let retry = Callback::new(move |_| list.refetch());
    view! {
        <section aria-labelledby="predictions-heading">
            <h2 id="predictions-heading">"Predicted replacements"</h2>
            {loaded(
                "predictions",
                retry,
                move || list.get().map(|l| l.map(|l| view! { <PredictionTable list=l tz=tz.clone() /> }.into_any())),
            )}
        </section>
    }
}

#[component]
fn PredictionTable(list: PredictionList, tz: String) -> impl IntoView {
    if list.predictions.is_empty() {
        return view! {
            <Empty>
                <p>"No component is heading for its limit in the next 12 months."</p>
            </Empty>
        }
        .into_any();
    }
    let now = list.evaluated_at;
    let rows = list
        .predictions
        .into_iter()
        .map(|p: Prediction| {
            let overdue = p.predicted_at <= now;
            let when = if overdue {
                format!("Crossed about {}", time::date(p.predicted_at, &tz))
            } else {
                format!(
                    "{} (between {} and {})",
                    time::date(p.predicted_at, &tz),
                    time::date(p.earliest, &tz),
                    time::date(p.latest, &tz)
                )
            };
            // A signal derived from each run is fitted per run and counted in runs, at
            // the instrument's pace.
            let runs = p.in_runs.filter(|_| !overdue).map(|r| {
                format!(
                    "about {} more runs at {} a week",
                    r.runs_to_crossing,
                    format::fixed(r.runs_per_week, 1),
                )
            });
            // The date the replacements list shows too (the server gives both the same).
            let due = p.replace_by <= now;
            let replace = time::date(p.replace_by, &tz);
            let (rate, per, basis) = match p.in_runs {
                Some(r) => (r.change_per_run, "a run", format!("{} runs", r.runs_used)),
                None => (p.slope_per_day, "per day", format!("{} days", p.basis_days)),
            };
            let why = format!(
                "{}{} {} {} {} {per} over {basis}, towards {} {}",
                p.sensor_label,
                match p.fitted {
                    LimitOn::Level => "",
                    LimitOn::Peaks => "'s daily peak",
                },
                if rate < 0.0 { "falls" } else { "rises" },
                format::fixed(rate.abs(), 3),
                p.unit,
                format::shortest(p.limit),
                p.unit
            );
            view! {
                <tr data-component=p.component.clone()>
                    <th scope="row">{p.component.clone()} <span class="sub">{p.subsystem.label()}</span></th>
                    <td>{why}</td>
                    <td>{when}{runs.map(|r| view! { <span class="sub">{r}</span> })}</td>
                    <td class=if due { "due" } else { "" }>
                        {replace}
                        {due.then_some(view! { <span class="sub">"overdue"</span> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Predicted replacements table">
            <table class="predictions">
                <caption>{format!("Components whose signal is heading for its limit; dates in {tz}")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Component"</th>
                        <th scope="col">"Why (robust trend of its days or runs)"</th>
                        <th scope="col">"Predicted to reach its limit"</th>
                        <th scope="col">"Replace by"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
