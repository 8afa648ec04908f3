//! One instrument: configuration, subsystem health, the Q-score trend and its runs.

use crate::api;
use crate::chart::{q30_trend_svg, ControlBand, Q30Series, TrendPoint, SERIES};
use crate::components::enrollment::ConnectionCard;
use crate::components::health::SubsystemHealthList;
use crate::components::planned_runs::PlannedRuns;
use crate::components::predictions::Predictions;
use crate::components::replacements::ReplacementTable;
use crate::components::sensors::Sensors;
use crate::components::silence::Silence;
use crate::components::states::{loaded, Empty, Failure};
use crate::components::warnings::WarningTable;
use crate::format;
use crate::routes::Route;
use crate::time;
use api::Remote;
use leptos::prelude::*;
use leptos_router::components::A;
use seqhealth_api::{
    Health, InstrumentDetail, ReplacementList, ReplacementQuery, RunList, RunRow, Severity,
    StatusFilter, Subsystem, WarningQuery,
};

/// Rows of the runs table shown until the user asks for all of them: a year of runs is
/// a hundred rows or more, and the newest are the ones a lab looks at.
const RUNS_SHOWN: usize = 20;

const WINDOWS: [(i64, &str); 5] = [
    (90, "Last 90 days"),
    (180, "Last 6 months"),
    (365, "Last 12 months"),
    (730, "Last 2 years"),
    (36_500, "All (latest 1,000 runs)"),
];

/// An instrument's address whose id is not a number: nothing to ask the server.
#[component]
pub fn NoInstrument() -> impl IntoView {
    not_here(
        "No instrument here",
        "There is no instrument at this address.".into(),
    )
}

/// No instrument to show, said with a way back to the fleet (no retry: it would not help).
fn not_here(title: &'static str, what: String) -> AnyView {
    crate::components::set_title(title);
    view! {
        <h1>{title}</h1>
        <div class="state error" role="alert">
            <p>{what}</p>
            <p><A href=Route::Fleet.href()>"Back to the fleet overview"</A></p>
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
            "the instrument",
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
                                <Trend id=id tz=tz />
                            }
                                .into_any()
                        })
                        // A failure still gets the page its heading.
                        .or_else(|e| Ok(match e {
                            api::ApiFailure::Server { status: 404, .. } => not_here(
                                "Instrument not found",
                                format!("Instrument {id} was not found in your lab."),
                            ),
                            e => view! { <h1>"Instrument"</h1> <Failure failure=e retry=retry /> }.into_any(),
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
            <h2 id="open-warnings-heading">"Open warnings"</h2>
            {loaded(
                "warnings",
                retry,
                move || {
                    list.get()
                        .map(|l| {
                            l.map(|l| {
                                view! {
                                    <WarningTable list=l on_change=retry empty="No open warnings for this instrument." />
                                }
                                    .into_any()
                            })
                        })
                },
            )}
        </section>
    }
}

/// The Q-score trend and the runs behind it, for a chosen period.
#[component]
fn Trend(id: i64, tz: String) -> impl IntoView {
    let days = RwSignal::new(365i64);
    let runs = api::runs(id, days);
    let retry = Callback::new(move |_| runs.refetch());
    view! {
        <section aria-labelledby="trend-heading">
            <div class="section-head">
                <h2 id="trend-heading">"Q-score trend"</h2>
                <label>
                    "Period "
                    <select on:change=move |ev| {
                        if let Ok(d) = event_target_value(&ev).parse() {
                            days.set(d)
                        }
                    }>
                        {WINDOWS
                            .into_iter()
                            .map(|(d, label)| {
                                view! {
                                    <option value=d.to_string() selected=move || days.get() == d>
                                        {label}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
            </div>
            {loaded(
                "runs",
                retry,
                move || runs.get().map(|r| r.map(|list| view! { <Runs list=list tz=tz.clone() /> }.into_any())),
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
            .map(|s| s.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let verdict = match worst {
        Health::Critical => format!(
            "Critical: {} — act now (open warnings below).",
            named(worst)
        ),
        Health::Warning => format!("Needs attention: {} (open warnings below).", named(worst)),
        Health::Unknown => {
            "No data yet from some subsystems: see each one's freshness below.".into()
        }
        Health::Ok => "OK: every subsystem within its band.".into(),
    };
    view! {
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <A href=Route::Fleet.href()>"Fleet overview"</A>
            " › "
            <span aria-current="page">{d.nickname.clone()}</span>
        </nav>
        <h1>{format!("{} ", d.nickname)} <span class="sub">{format!("{} {}", d.model, d.serial)}</span></h1>
        <p class=format!("verdict {}", worst.css_class())>{verdict}</p>
        <nav aria-label="On this page" class="sections">
            <a href="#open-warnings-heading">"Warnings"</a>
            <a href="#predictions-heading">"Predictions"</a>
            <a href="#replacements-heading">"Replacements"</a>
            <a href="#sensors-heading">"Sensors"</a>
            <a href="#trend-heading">"Runs"</a>
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
        None => "Never".into(),
    };
    view! {
        <div class="cards">
            <section class="card" aria-labelledby="config-heading">
                <h2 id="config-heading">"Configuration"</h2>
                <dl class="config">
                    <dt>"Model"</dt>
                    <dd>{d.model.clone()}</dd>
                    <dt>"Serial number"</dt>
                    <dd class="mono">{d.serial.clone()}</dd>
                    <dt>"Site"</dt>
                    <dd>{d.site.clone()}</dd>
                    <dt>"Control software"</dt>
                    <dd>{format::text(&d.control_software_version)}</dd>
                    <dt>"RTA version"</dt>
                    <dd>{format::text(&d.rta_version)}</dd>
                    <dt>"Data sharing"</dt>
                    <dd>{if d.data_sharing { "On" } else { "Off" }}</dd>
                    <dt>{format!("Last report ({tz})")}</dt>
                    <dd>{report}</dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="health-heading">
                <h2 id="health-heading">"Subsystem health"</h2>
                <SubsystemHealthList health=d.health freshness=d.freshness />
            </section>
        </div>
    }
}

#[component]
fn Runs(list: RunList, tz: String) -> impl IntoView {
    if list.runs.is_empty() {
        return view! {
            <Empty>
                <p>"No runs in this period. Choose a longer period above, or wait for the next run to finish."</p>
            </Empty>
        }
        .into_any();
    }
    let n = list.runs.len();
    let truncated = list.truncated;
    let chart = q30_chart(&list, &tz);
    // Newest first, each with whether its kind has limits; all only when asked for.
    let runs: Vec<(RunRow, bool)> = list
        .runs
        .iter()
        .rev()
        .map(|r| {
            let judged = list.control.iter().any(|c| {
                c.read_structure == r.read_structure && c.flow_cell_type == r.flow_cell_type
            });
            (r.clone(), judged)
        })
        .collect();
    let show_all = RwSignal::new(n <= RUNS_SHOWN);
    view! {
        {chart}
        {truncated
            .then(|| {
                view! {
                    <p class="note">"Only the most recent runs of this period are shown. Choose a shorter period."</p>
                }
            })}
        {(n > RUNS_SHOWN).then(|| show_all_button(show_all, n))}
        {runs_table(runs, show_all, tz)}
    }
    .into_any()
}

/// A kind of run: read structure and flow-cell type.
type Kind = (String, Option<String>);

fn kind_of(r: &RunRow) -> Kind {
    (r.read_structure.clone(), r.flow_cell_type.clone())
}

/// "151-8-8-151 on S4" (or the read structure alone when no flow cell is named).
fn kind_label((reads, cell): &Kind) -> String {
    match cell {
        Some(c) => format!("{reads} on {c}"),
        None => reads.clone(),
    }
}

/// The rules a run completes that matter (a warning or worse), in plain words; `None` when
/// it is in control, or not judged (its kind has no limits yet).
fn flags(r: &RunRow) -> Option<String> {
    let words: Vec<String> = r
        .q30_signals
        .iter()
        .filter(|s| s.severity >= Severity::Warning)
        .map(format::control_rule)
        .collect();
    (!words.is_empty()).then(|| words.join("; "))
}

/// The %≥Q30 of each run over time: one series per kind of run, each with its control
/// limits and a legend, and the runs a control rule flags.
fn q30_chart(list: &RunList, tz: &str) -> impl IntoView {
    // Kinds with limits first (most runs first, as the server orders them), then the rest.
    let mut kinds: Vec<Kind> = list
        .control
        .iter()
        .map(|c| (c.read_structure.clone(), c.flow_cell_type.clone()))
        .collect();
    for r in &list.runs {
        let k = kind_of(r);
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    let control = |k: &Kind| {
        list.control
            .iter()
            .find(|c| c.read_structure == k.0 && c.flow_cell_type == k.1)
    };
    let series: Vec<Q30Series> = kinds
        .iter()
        .map(|k| Q30Series {
            points: list
                .runs
                .iter()
                .filter(|r| kind_of(r) == *k)
                .filter_map(|r| {
                    let value = r.pct_q30?;
                    let flagged = flags(r);
                    let label = format!(
                        "{}, {}: %≥Q30 {} ({}); {}",
                        r.run_id,
                        time::date(r.started_at, tz),
                        format::pct(Some(value)),
                        kind_label(k),
                        match &flagged {
                            Some(f) => format!("flagged: {f}"),
                            None if control(k).is_some() => "in control".into(),
                            None => "no control limits yet".into(),
                        }
                    );
                    Some(TrendPoint {
                        at: r.started_at.timestamp(),
                        value,
                        flagged: flagged.is_some(),
                        label,
                    })
                })
                .collect(),
            control: control(k).map(|c| ControlBand {
                center: c.center,
                lower: c.lower,
                upper: c.upper,
                floor: c.floor,
            }),
        })
        .collect();
    let svg = q30_trend_svg(&series, 880, 320, &|t| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|t| time::date(t, tz))
            .unwrap_or_default()
    });
    let n = list.runs.len();
    let description = format!(
        "Line chart of %≥Q30 for each of {n} runs, oldest on the left, one line per kind of run. The same figures are in the runs table below."
    );
    let legend = kinds
        .iter()
        .zip(&series)
        .enumerate()
        .map(|(k, (kind, s))| {
            let said = match control(kind) {
                Some(c) => format!(
                    "{}: {} runs; mean {} %, control limits {}–{} % (±3σ of its first {} runs){}",
                    kind_label(kind),
                    s.points.len(),
                    format::fixed(c.center, 1),
                    format::fixed(c.lower, 1),
                    format::fixed(c.upper, 1),
                    c.baseline_runs,
                    c.floor
                        .map(|f| format!(", spec floor {} %", format::fixed(f, 0)))
                        .unwrap_or_default()
                ),
                None => format!(
                    "{}: {} runs; too few for control limits yet",
                    kind_label(kind),
                    s.points.len()
                ),
            };
            view! {
                <li>
                    <span class=format!("mark k{}", k % SERIES.len()) aria-hidden="true">
                        {SERIES[k % SERIES.len()].1.glyph()}
                    </span>
                    " "
                    {said}
                </li>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <div class="svg" role="group" aria-label=description inner_html=svg></div>
            <figcaption>
                <ul class="legend">{legend}</ul>
                {format!(
                    "%≥Q30 per run, {n} runs; dates in {tz}. Each kind of run (read structure and flow cell) is judged against its own limits: solid line its mean, dashed its control limits, red dashed its spec floor; large red markers are runs a control rule flags. Hover a marker for its run; Tab reaches the flagged runs and each kind's newest. "
                )}
                <a href="#runs-table">"The runs table"</a>
                {if n > RUNS_SHOWN {
                    " holds the same data (its newest rows until you show all)."
                } else {
                    " holds the same data."
                }}
            </figcaption>
        </figure>
    }
}

/// Shows all `n` runs in the table, or only the newest again.
fn show_all_button(show_all: RwSignal<bool>, n: usize) -> impl IntoView {
    view! {
        <p class="table-actions">
            <button
                type="button"
                class="secondary"
                aria-controls="runs-table"
                aria-expanded=move || show_all.get().to_string()
                on:click=move |_| show_all.update(|a| *a = !*a)
            >
                {move || {
                    if show_all.get() {
                        format!("Show only the newest {RUNS_SHOWN} runs")
                    } else {
                        format!("Show all {n} runs")
                    }
                }}
            </button>
        </p>
    }
}

/// The runs, newest first: the newest [`RUNS_SHOWN`] until `show_all`.
fn runs_table(runs: Vec<(RunRow, bool)>, show_all: RwSignal<bool>, tz: String) -> impl IntoView {
    let n = runs.len();
    let caption_tz = tz.clone();
    let caption = move || {
        if show_all.get() {
            format!("Runs, newest first ({n}); times in {caption_tz}")
        } else {
            format!("Runs, newest first (the newest {RUNS_SHOWN} of {n}); times in {caption_tz}")
        }
    };
    let rows = move || {
        let shown = if show_all.get() { n } else { RUNS_SHOWN };
        runs.iter()
            .take(shown)
            .cloned()
            .map(|(r, judged)| run_row(r, judged, &tz))
            .collect_view()
    };
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Runs table">
            <table id="runs-table" class="runs">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Started"</th>
                        <th scope="col">"Run"</th>
                        <th scope="col">"Kind of run"</th>
                        <th scope="col">"%≥Q30"</th>
                        <th scope="col">"%≥Q30 control"</th>
                        <th scope="col">"Yield (Gb)"</th>
                        <th scope="col">"%PF"</th>
                        <th scope="col">"Density (K/mm²)"</th>
                        <th scope="col">"Error rate"</th>
                        <th scope="col">"Reagent-kit lot"</th>
                        <th scope="col">"Flow-cell lot"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// One row of the runs table; `judged`: its kind has control limits.
fn run_row(r: RunRow, judged: bool, tz: &str) -> impl IntoView {
    let flagged = flags(&r);
    let is_flagged = flagged.is_some();
    let kind = kind_label(&kind_of(&r));
    view! {
        <tr class:flagged=is_flagged>
            <td>
                <time datetime=r.started_at.to_rfc3339()>{time::date_time(r.started_at, tz)}</time>
            </td>
            <td class="mono">{r.run_id}</td>
            <td class="mono">{kind}</td>
            <td class="num">{format::pct(r.pct_q30)}</td>
            <td class="control">
                {match flagged {
                    Some(f) => f,
                    None if judged => "In control".into(),
                    None => "No limits yet".into(),
                }}
            </td>
            <td class="num">{format::number(r.yield_gb, 1)}</td>
            <td class="num">{format::pct(r.pct_pf)}</td>
            <td class="num">{format::number(r.cluster_density_k_mm2, 0)}</td>
            <td class="num">{format::pct(r.error_rate)}</td>
            <td class="mono">{format::text(&r.reagent_kit_lot)}</td>
            <td class="mono">{format::text(&r.flow_cell_lot)}</td>
        </tr>
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
                <h2 id="replacements-heading">"Replacements"</h2>
                <A href=Route::InstrumentReplacements(id).href()>"All of this instrument's replacements"</A>
            </div>
            {loaded(
                "replacements",
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
                                empty="No replacement is due on this instrument."
                            />
                        }
                            .into_any()
                    }))
                },
            )}
        </section>
    }
}
