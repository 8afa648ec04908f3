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
            <h2 id="predictions-heading">{tv!("Predicted replacements")}</h2>
            {loaded(
                t!("predictions"),
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
                <p>{tv!("No component is heading for its limit in the next 12 months.")}</p>
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
                tf!("Crossed about {0}", time::date(p.predicted_at, &tz))
            } else {
                tf!(
                    "{0} (between {1} and {2})",
                    time::date(p.predicted_at, &tz),
                    time::date(p.earliest, &tz),
                    time::date(p.latest, &tz)
                )
            };
            // A signal derived from each run is fitted per run and counted in runs, at
            // the instrument's pace.
            let runs = p.in_runs.filter(|_| !overdue).map(|r| {
                tf!(
                    "about {0} more runs at {1} a week",
                    r.runs_to_crossing,
                    format::fixed(r.runs_per_week, 1),
                )
            });
            // The date the replacements list shows too (the server gives both the same).
            let due = p.replace_by <= now;
            let replace = time::date(p.replace_by, &tz);
            let (rate, per, basis) = match p.in_runs {
                Some(r) => (r.change_per_run, t!("a run"), tf!("{0} runs", r.runs_used)),
                None => (p.slope_per_day, t!("per day"), tf!("{0} days", p.basis_days)),
            };
            let sensor = seqhealth_api::domain::sensor_spec(&p.sensor)
                .map_or(p.sensor_label.as_str(), |s| crate::i18n::word(s.label));
            let subject = match p.fitted {
                LimitOn::Level => sensor.to_string(),
                LimitOn::Peaks => tf!("{0}'s daily peak", sensor),
            };
            let (change, limit) = (format::fixed(rate.abs(), 3), format::shortest(p.limit));
            let unit = crate::i18n::name(&p.unit);
            let why = if rate < 0.0 {
                tf!("{0} falls {1} {2} {3} over {4}, towards {5} {2}", subject, change, unit, per, basis, limit)
            } else {
                tf!("{0} rises {1} {2} {3} over {4}, towards {5} {2}", subject, change, unit, per, basis, limit)
            };
            view! {
                <tr data-component=p.component.clone()>
                    <th scope="row">{crate::i18n::name(&p.component)} <span class="sub">{crate::i18n::word(p.subsystem.label())}</span></th>
                    <td>{why}</td>
                    <td>{when}{runs.map(|r| view! { <span class="sub">{r}</span> })}</td>
                    <td class=if due { "due" } else { "" }>
                        {replace}
                        {due.then_some(view! { <span class="sub">{tv!("overdue")}</span> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=tv!("Predicted replacements table")>
            <table class="predictions">
                <caption>{tf!("Components whose signal is heading for its limit; dates in {0}", tz)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tv!("Component")}</th>
                        <th scope="col">{tv!("Why (robust trend of its days or runs)")}</th>
                        <th scope="col">{tv!("Predicted to reach its limit")}</th>
                        <th scope="col">{tv!("Replace by")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
