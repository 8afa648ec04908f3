//! "Today": what needs a manager now, ranked (unhandled critical warnings, warnings,
//! replacements due soon, planned runs at risk, instruments gone silent), each with its
//! state and the one action it needs. At the top of the fleet page; the nav shows the
//! count nobody has handled.

use crate::api::Remote;
use crate::router::A;
use crate::routes::Route;
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::{Handling, Today, TodayItem, TodayKind};

/// Items shown before "and N more".
const SHOWN: usize = 8;

fn kind_label(k: TodayKind) -> &'static str {
    match k {
        TodayKind::Critical => t!("Critical"),
        TodayKind::Warning => t!("Warning"),
        TodayKind::ReplacementDue => t!("Replacement due"),
        TodayKind::PlannedRunAtRisk => t!("Planned run at risk"),
        TodayKind::Silent => t!("Gone silent"),
    }
}

fn kind_class(k: TodayKind) -> &'static str {
    match k {
        TodayKind::Critical => "today-item critical",
        TodayKind::Warning => "today-item warning",
        _ => "today-item",
    }
}

/// The one action an item needs, and where it is done.
fn action(i: &TodayItem) -> (&'static str, String) {
    let id = i.instrument_id;
    match (i.kind, i.handling, i.replacement_id) {
        (TodayKind::Critical | TodayKind::Warning, Handling::Open, _) => {
            (t!("Acknowledge"), Route::InstrumentWarnings(id).href())
        }
        (TodayKind::ReplacementDue, _, _) | (TodayKind::PlannedRunAtRisk, _, Some(_)) => {
            (t!("Book"), Route::InstrumentReplacements(id).href())
        }
        _ => (t!("Open"), Route::Instrument(id).href()),
    }
}

fn item_view(i: TodayItem, tz: &str) -> impl IntoView {
    let (verb, href) = action(&i);
    let state = match i.handling {
        Handling::Open => t!("New").to_string(),
        Handling::Acknowledged => t!("Acknowledged").to_string(),
        Handling::Booked(at) => tf!("Booked {0}", time::date(at, tz)),
    };
    let on = time::date(i.at, tz);
    let when = match i.kind {
        TodayKind::ReplacementDue => tf!("due {0}", on),
        TodayKind::PlannedRunAtRisk => tf!("starts {0}", on),
        _ => tf!("since {0}", on),
    };
    let name = format!("{} ({})", i.instrument_nickname, i.instrument_serial);
    let label = format!("{verb}: {name}");
    view! {
        <li class=kind_class(i.kind)>
            <span class="kind">{kind_label(i.kind)}</span>
            <A href=Route::Instrument(i.instrument_id).href()>{name}</A>
            <span class="what">{crate::words::say(i.title_said.as_ref(), &i.title)}</span>
            <span class="handled">{state}</span>
            <span class="when">{when}</span>
            <A href=href attr:class="action" attr:aria-label=label>
                {verb}
            </A>
        </li>
    }
}

#[component]
pub fn TodayPanel(today: Remote<Today>) -> impl IntoView {
    let session = use_session();
    view! {
        <section class="today" aria-labelledby="today-heading">
            <h2 id="today-heading">{tv!("Today")}</h2>
            {move || {
                let tz = session.time_zone();
                match today.get() {
                    None => view! {
                        <p class="state loading" role="status">{tv!("Loading what needs attention…")}</p>
                    }
                        .into_any(),
                    Some(Err(e)) => view! {
                        <p class="state error" role="alert">
                            {tf!("What needs attention could not be loaded ({0}); the fleet below is current.", e)}
                        </p>
                    }
                        .into_any(),
                    Some(Ok(t)) if t.items.is_empty() => view! {
                        <p class="state empty" role="status">{tv!("Nothing needs a manager today.")}</p>
                    }
                        .into_any(),
                    Some(Ok(t)) => {
                        let more = t.items.len().saturating_sub(SHOWN);
                        let summary = match t.unhandled {
                            0 => t!("Everything here is being handled.").to_string(),
                            1 => t!("1 item needs a manager.").to_string(),
                            n => tf!("{0} items need a manager.", n),
                        };
                        view! {
                            <p class="summary">{summary}</p>
                            <ol class="today-list">
                                {t.items
                                    .into_iter()
                                    .take(SHOWN)
                                    .map(|i| item_view(i, &tz))
                                    .collect_view()}
                            </ol>
                            {(more > 0).then(|| view! {
                                <p class="more">
                                    {super::sentence(
                                        &tf!("And {0} more: see {1} and {2}.", more),
                                        vec![
                                            ().into_any(),
                                            view! { <A href=Route::Warnings.href()>{tv!("Warnings")}</A> }.into_any(),
                                            view! { <A href=Route::Replacements.href()>{tv!("Replacements")}</A> }.into_any(),
                                        ],
                                    )}
                                </p>
                            })}
                        }
                            .into_any()
                    }
                }
            }}
        </section>
    }
}
