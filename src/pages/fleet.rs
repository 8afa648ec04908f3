//! The fleet overview: every instrument of the lab, its subsystem health, last run, last report.

use crate::api;
use crate::components::enrollment::AddInstrument;
use crate::components::health::HealthBadge;
use crate::components::states::{loaded, Empty};
use crate::format;
use crate::time;
use leptos::prelude::*;
use leptos_router::components::A;
use seqhealth_api::{Connection, Fleet, Health, Subsystem};
use std::time::Duration;

/// The fleet is re-read this often; the table stays on screen meanwhile.
const REFRESH: Duration = Duration::from_secs(60);

#[component]
pub fn FleetPage() -> impl IntoView {
    crate::components::set_title("Fleet overview");
    let fleet = api::fleet();
    if let Ok(h) = set_interval_with_handle(move || fleet.refetch(), REFRESH) {
        on_cleanup(move || h.clear());
    }
    let retry = Callback::new(move |_| fleet.refetch());
    view! {
        <div class="section-head">
            <h1>"Fleet overview"</h1>
            <AddInstrument on_added=retry />
        </div>
        {loaded(
            "the fleet",
            retry,
            move || fleet.get().map(|f| f.map(|f| view! { <FleetTable fleet=f /> }.into_any())),
        )}
    }
}

#[component]
fn FleetTable(fleet: Fleet) -> impl IntoView {
    // The fleet's answer (its table, or that it has no instrument yet) is on screen.
    crate::components::mark_once("seqhealth:fleet-rendered");
    if fleet.instruments.is_empty() {
        return view! {
            <Empty>
                <p>"No instruments in " {fleet.lab.name.clone()} " yet."</p>
                <p>"A lab manager adds one with “Add instrument” and enrolls its agent with the code shown."</p>
            </Empty>
        }
        .into_any();
    }
    let tz = fleet.lab.time_zone.clone();
    let count = |h: Health| {
        fleet
            .instruments
            .iter()
            .filter(|i| Subsystem::ALL.iter().map(|s| i.health.get(*s)).max() == Some(h))
            .count()
    };
    let summary = format!(
        "{} instruments: {} critical, {} with warnings, {} OK, {} without data",
        fleet.instruments.len(),
        count(Health::Critical),
        count(Health::Warning),
        count(Health::Ok),
        count(Health::Unknown)
    );
    let rows = fleet
        .instruments
        .into_iter()
        .map(|i| {
            let href = format!("/instruments/{}", i.id);
            let last_run = i
                .last_run_at
                .map(|t| {
                    format!(
                        "{} on {}",
                        format::pct(i.last_run_pct_q30),
                        time::date(t, &tz)
                    )
                })
                .unwrap_or_else(|| "No runs yet".into());
            let report = i
                .last_report_at
                .map(|t| (t.to_rfc3339(), time::date_time(t, &tz), time::age(t)));
            view! {
                <tr data-instrument-id=i.id.to_string()>
                    <th scope="row">
                        <A href=href>{i.nickname}</A>
                    </th>
                    <td>{i.model}</td>
                    <td class="mono">{i.serial}</td>
                    <td>{i.site}</td>
                    {Subsystem::ALL
                        .into_iter()
                        .map(|s| {
                            view! {
                                <td>
                                    <HealthBadge health=i.health.get(s) subsystem=s fresh=i.freshness.get(s) />
                                </td>
                            }
                        })
                        .collect_view()}
                    <td class="num">{last_run}</td>
                    <td>
                        {match report {
                            _ if i.connection == Connection::AwaitingEnrollment => {
                                view! { <span class="sub">"Awaiting its agent"</span> }.into_any()
                            }
                            _ if i.connection == Connection::Revoked => {
                                view! { <span class="sub">"Token revoked"</span> }.into_any()
                            }
                            Some((iso, full, age)) => {
                                view! {
                                    <time datetime=iso title=full.clone()>
                                        {age}
                                    </time>
                                    <span class="sub">{full}</span>
                                }
                                    .into_any()
                            }
                            None => view! { "Never" }.into_any(),
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="fleet-summary" aria-live="polite">{summary}</p>
        <div class="table-wrap">
            <table class="fleet">
                <caption>{format!("Instruments of {}", fleet.lab.name)}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Instrument"</th>
                        <th scope="col">"Model"</th>
                        <th scope="col">"Serial"</th>
                        <th scope="col">"Site"</th>
                        {Subsystem::ALL.into_iter().map(|s| view! { <th scope="col">{s.label()}</th> }).collect_view()}
                        <th scope="col">"Last run %≥Q30"</th>
                        <th scope="col">"Last report" <span class="sub">{tz.clone()}</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
