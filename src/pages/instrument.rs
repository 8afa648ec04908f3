//! One instrument: configuration, subsystem health, the Q-score trend and its runs.

use crate::api;
use crate::components::enrollment::ConnectionCard;
use crate::components::health::SubsystemHealthList;
use crate::components::planned_runs::PlannedRuns;
use crate::components::predictions::Predictions;
use crate::components::q30_trend::Q30Trend;
use crate::components::replacements::ReplacementTable;
use crate::components::sensors::Sensors;
use crate::components::silence::Silence;
use crate::components::states::{loaded, Failure};
use crate::components::warnings::WarningTable;
use crate::format;
use crate::router::A;
use crate::routes::Route;
use crate::time;
use api::Remote;
use leptos::prelude::*;
use seqhealth_api::{
    Health, InstrumentDetail, ReplacementList, ReplacementQuery, StatusFilter, Subsystem,
    WarningQuery,
};

/// An instrument's address whose id is not a number: nothing to ask the server.
#[component]
pub fn NoInstrument() -> impl IntoView {
    not_here(
        t!("No instrument here"),
        t!("There is no instrument at this address.").into(),
    )
}

/// No instrument to show, said with a way back to the fleet (no retry: it would not help).
fn not_here(title: &'static str, what: String) -> AnyView {
    crate::components::set_title(title);
    view! {
        <h1>{title}</h1>
        <div class="state error" role="alert">
            <p>{what}</p>
            <p><A href=Route::Fleet.href()>{tv!("Back to the fleet overview")}</A></p>
        </div>
    }
    .into_any()
}

/// `id`: from the path. An id the lab does not have (404) says so with a way back, not a
/// retry.
#[component]
pub fn InstrumentPage(id: i64) -> impl IntoView {
    let detail = api::instrument(id);
    let retry = Callback::new(move |_| detail.refetch());
    view! {
        {loaded(
            t!("the instrument"),
            retry,
            move || {
                detail
                    .get()
                    .map(|d| {
                        d.map(|d| {
                            let (id, tz) = (d.id, d.lab.time_zone.clone());
                            let predictions = api::predictions(id);
                            let replacements = api::replacements(move || ReplacementQuery {
                                status: StatusFilter::All,
                                instrument: Some(id),
                            });
                            let connection = d.clone();
                            let sensors = d.sensors.clone();
                            let cards = d.clone();
                            let silence = d.clone();
                            view! {
                                <Summary detail=d />
                                <Silence detail=silence on_change=retry />
                                <OpenWarnings id=id />
                                <Cards detail=cards />
                                <ConnectionCard detail=connection on_change=retry />
                                <Predictions list=predictions tz=tz.clone() />
                                <Replacements id=id list=replacements />
                                // The sensors hold the evidence of the predictions above, so
                                // they come before the runs (which can be hundreds of rows).
                                <Sensors id=id sensors=sensors tz=tz.clone() predictions=predictions replacements=replacements />
                                <PlannedRuns id=id />
                                <Q30Trend id=id tz=tz />
                            }
                                .into_any()
                        })
                        // A failure still gets the page its heading.
                        .or_else(|e| Ok(match e {
                            api::ApiFailure::Server { status: 404, .. } => not_here(
                                t!("Instrument not found"),
                                tf!("Instrument {0} was not found in your lab.", id),
                            ),
                            e => view! { <h1>{tv!("Instrument")}</h1> <Failure failure=e retry=retry /> }.into_any(),
                        }))
                    })
            },
        )}
    }
}

/// The instrument's active and acknowledged warnings; managers acknowledge them here too.
#[component]
fn OpenWarnings(id: i64) -> impl IntoView {
    let list = api::warnings(move || WarningQuery {
        instrument: Some(id),
        ..Default::default()
    });
    let retry = Callback::new(move |_| list.refetch());
    view! {
        <section aria-labelledby="open-warnings-heading">
            <h2 id="open-warnings-heading">{tv!("Open warnings")}</h2>
            {loaded(
                t!("warnings"),
                retry,
                move || {
                    list.get()
                        .map(|l| {
                            l.map(|l| {
                                view! {
                                    <WarningTable list=l on_change=retry empty=t!("No open warnings for this instrument.") />
                                }
                                    .into_any()
                            })
                        })
                },
            )}
        </section>
    }
}

#[component]
fn Summary(detail: InstrumentDetail) -> impl IntoView {
    // The instrument's heading and verdict are on screen (its charts follow).
    crate::components::mark_once("seqhealth:instrument-rendered");
    let d = detail;
    crate::components::set_title(&format!("{} ({})", d.nickname, d.serial));
    // One line that answers "does it need me?": the worst subsystem, named.
    let worst = Subsystem::ALL
        .into_iter()
        .map(|s| (d.health.get(s), s))
        .max_by_key(|(h, _)| match h {
            Health::Ok => 0,
            Health::Unknown => 1,
            Health::Warning => 2,
            Health::Critical => 3,
        })
        .map_or(Health::Unknown, |w| w.0);
    let named = |h: Health| {
        Subsystem::ALL
            .into_iter()
            .filter(|s| d.health.get(*s) == h)
            .map(|s| crate::i18n::word(s.label()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let verdict = match worst {
        Health::Critical => tf!(
            "Critical: {0} — act now (open warnings below).",
            named(worst)
        ),
        Health::Warning => tf!("Needs attention: {0} (open warnings below).", named(worst)),
        Health::Unknown => {
            t!("No data yet from some subsystems: see each one's freshness below.").into()
        }
        Health::Ok => t!("OK: every subsystem within its band.").into(),
    };
    view! {
        <nav aria-label=tv!("Breadcrumb") class="breadcrumb">
            <A href=Route::Fleet.href()>{tv!("Fleet overview")}</A>
            " › "
            <span aria-current="page">{d.nickname.clone()}</span>
        </nav>
        <h1>{format!("{} ", d.nickname)} <span class="sub">{format!("{} {}", d.model, d.serial)}</span></h1>
        <p class=format!("verdict {}", worst.css_class())>{verdict}</p>
        <nav aria-label=tv!("On this page") class="sections">
            <a href="#open-warnings-heading">{tv!("Warnings")}</a>
            <a href="#predictions-heading">{tv!("Predictions")}</a>
            <a href="#replacements-heading">{tv!("Replacements")}</a>
            <a href="#sensors-heading">{tv!("Sensors")}</a>
            <a href="#trend-heading">{tv!("Runs")}</a>
        </nav>
    }
}

/// The instrument's configuration and subsystem health, after its open warnings.
#[component]
fn Cards(detail: InstrumentDetail) -> impl IntoView {
    let d = detail;
    let tz = d.lab.time_zone.clone();
    let report = match d.last_report_at {
        Some(t) => format!("{} ({})", time::date_time(t, &tz), time::age(t)),
        None => t!("Never").into(),
    };
    view! {
        <div class="cards">
            <section class="card" aria-labelledby="config-heading">
                <h2 id="config-heading">{tv!("Configuration")}</h2>
                <dl class="config">
                    <dt>{tv!("Model")}</dt>
                    <dd>{d.model.clone()}</dd>
                    <dt>{tv!("Serial number")}</dt>
                    <dd class="mono">{d.serial.clone()}</dd>
                    <dt>{tv!("Site")}</dt>
                    <dd>{d.site.clone()}</dd>
                    <dt>{tv!("Control software")}</dt>
                    <dd>{format::text(&d.control_software_version)}</dd>
                    <dt>{tv!("RTA version")}</dt>
                    <dd>{format::text(&d.rta_version)}</dd>
                    <dt>{tv!("Data sharing")}</dt>
                    <dd>{if d.data_sharing { t!("On") } else { t!("Off") }}</dd>
                    <dt>{tf!("Last report ({0})", tz)}</dt>
                    <dd>{report}</dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="health-heading">
                <h2 id="health-heading">{tv!("Subsystem health")}</h2>
                <SubsystemHealthList health=d.health freshness=d.freshness />
            </section>
        </div>
    }
}

/// This instrument's open replacements (the replacements page has the history).
#[component]
fn Replacements(id: i64, list: Remote<ReplacementList>) -> impl IntoView {
    let planned = api::planned_runs(Some(id));
    let retry = Callback::new(move |_| {
        list.refetch();
        planned.refetch();
    });
    view! {
        <section aria-labelledby="replacements-heading">
            <div class="section-head">
                <h2 id="replacements-heading">{tv!("Replacements")}</h2>
                <A href=Route::InstrumentReplacements(id).href()>{tv!("All of this instrument's replacements")}</A>
            </div>
            {loaded(
                t!("replacements"),
                retry,
                move || {
                    let runs = planned.get()?.map(|p| p.planned_runs).unwrap_or_default();
                    Some(list.get()?.map(|mut l| {
                        l.replacements.retain(|r| r.status.is_open());
                        view! {
                            <ReplacementTable
                                list=l
                                planned=runs
                                on_change=retry
                                empty=t!("No replacement is due on this instrument.")
                            />
                        }
                            .into_any()
                    }))
                },
            )}
        </section>
    }
}
