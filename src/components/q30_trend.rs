//! An instrument's Q-score trend: %≥Q30 per run for a chosen period, one series per kind
//! of run with its control limits and legend, and the runs table behind it.

use crate::api;
use crate::chart::{q30_trend_svg, ControlBand, Q30Series, TrendPoint, SERIES};
use crate::components::states::{loaded, Empty};
use crate::format;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::{RunList, RunRow, Severity};

/// Rows of the runs table shown until the user asks for all of them: a year of runs is
/// a hundred rows or more, and the newest are the ones a lab looks at.
const RUNS_SHOWN: usize = 20;

fn windows() -> [(i64, &'static str); 5] {
    [
        (90, t!("Last 90 days")),
        (180, t!("Last 6 months")),
        (365, t!("Last 12 months")),
        (730, t!("Last 2 years")),
        (36_500, t!("All (latest 1,000 runs)")),
    ]
}

/// The Q-score trend and the runs behind it, for a chosen period.
#[component]
pub fn Q30Trend(id: i64, tz: String) -> impl IntoView {
    let days = RwSignal::new(365i64);
    let runs = api::runs(id, days);
    let retry = Callback::new(move |_| runs.refetch());
    view! {
        <section aria-labelledby="trend-heading">
            <div class="section-head">
                <h2 id="trend-heading">{tv!("Q-score trend")}</h2>
                <label>
                    {tv!("Period ")}
                    <select on:change=move |ev| {
                        if let Ok(d) = event_target_value(&ev).parse() {
                            days.set(d)
                        }
                    }>
                        {windows()
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
                t!("runs"),
                retry,
                move || runs.get().map(|r| r.map(|list| view! { <Runs list=list tz=tz.clone() /> }.into_any())),
            )}
        </section>
    }
}

#[component]
fn Runs(list: RunList, tz: String) -> impl IntoView {
    if list.runs.is_empty() {
        return view! {
            <Empty>
                <p>{tv!("No runs in this period. Choose a longer period above, or wait for the next run to finish.")}</p>
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
                    <p class="note">{tv!("Only the most recent runs of this period are shown. Choose a shorter period.")}</p>
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
        Some(c) => tf!("{0} on {1}", reads, c),
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
                            Some(f) => tf!("flagged: {0}", f),
                            None if control(k).is_some() => t!("in control").into(),
                            None => t!("no control limits yet").into(),
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
    let description = tf!(
        "Line chart of %≥Q30 for each of {0} runs, oldest on the left, one line per kind of run. The same figures are in the runs table below.",
        n
    );
    let legend = kinds
        .iter()
        .zip(&series)
        .enumerate()
        .map(|(k, (kind, s))| {
            let said = match control(kind) {
                Some(c) => tf!(
                    "{0}: {1} runs; mean {2} %, control limits {3}–{4} % (±3σ of its first {5} runs){6}",
                    kind_label(kind),
                    s.points.len(),
                    format::fixed(c.center, 1),
                    format::fixed(c.lower, 1),
                    format::fixed(c.upper, 1),
                    c.baseline_runs,
                    c.floor
                        .map(|f| tf!(", spec floor {0} %", format::fixed(f, 0)))
                        .unwrap_or_default()
                ),
                None => tf!(
                    "{0}: {1} runs; too few for control limits yet",
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
                {tf!(
                    "%≥Q30 per run, {0} runs; dates in {1}. Each kind of run (read structure and flow cell) is judged against its own limits: solid line its mean, dashed its control limits, red dashed its spec floor; large red markers are runs a control rule flags. Hover a marker for its run; Tab reaches the flagged runs and each kind's newest. ",
                    n,
                    tz
                )}
                <a href="#runs-table">{tv!("The runs table")}</a>
                {if n > RUNS_SHOWN {
                    t!(" holds the same data (its newest rows until you show all).")
                } else {
                    t!(" holds the same data.")
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
                        tf!("Show only the newest {0} runs", RUNS_SHOWN)
                    } else {
                        tf!("Show all {0} runs", n)
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
            tf!("Runs, newest first ({0}); times in {1}", n, caption_tz)
        } else {
            tf!(
                "Runs, newest first (the newest {0} of {1}); times in {2}",
                RUNS_SHOWN,
                n,
                caption_tz
            )
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
        <div class="table-wrap" tabindex="0" role="region" aria-label=tv!("Runs table")>
            <table id="runs-table" class="runs">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tv!("Started")}</th>
                        <th scope="col">{tv!("Run")}</th>
                        <th scope="col">{tv!("Kind of run")}</th>
                        <th scope="col">{tv!("%≥Q30")}</th>
                        <th scope="col">{tv!("%≥Q30 control")}</th>
                        <th scope="col">{tv!("Yield (Gb)")}</th>
                        <th scope="col">{tv!("%PF")}</th>
                        <th scope="col">{tv!("Density (K/mm²)")}</th>
                        <th scope="col">{tv!("Error rate")}</th>
                        <th scope="col">{tv!("Reagent-kit lot")}</th>
                        <th scope="col">{tv!("Flow-cell lot")}</th>
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
                    None if judged => t!("In control").into(),
                    None => t!("No limits yet").into(),
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
