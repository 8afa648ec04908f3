//! The fleet overview: every instrument of the lab, its subsystem health, last run, last report.

use crate::api;
use crate::components::enrollment::AddInstrument;
use crate::components::health::HealthBadge;
use crate::components::states::{loaded, Empty};
use crate::components::today::TodayPanel;
use crate::format;
use crate::routes::Route;
use crate::time;
use leptos::prelude::*;
use leptos_router::components::A;
use seqhealth_api::{
    Connection, Fleet, FleetInstrument, Handling, Health, RunControl, Severity, Subsystem,
};
use std::cmp::Ordering;
use std::time::Duration;

/// The fleet is re-read this often; the table stays on screen meanwhile.
const REFRESH: Duration = Duration::from_secs(60);

/// Rows on one page of the table. Building and laying out a 1,000-row table took most of
/// a large lab's time to a useful screen (BENCHMARKS.md); the summary line counts them all.
pub const PAGE_ROWS: usize = 100;

/// Page `page` of `total` rows, clamped to the last page: (first row, end, page, pages).
pub fn page_of(total: usize, page: usize) -> (usize, usize, usize, usize) {
    let pages = total.div_ceil(PAGE_ROWS).max(1);
    let page = page.min(pages - 1);
    let start = page * PAGE_ROWS;
    (start, (start + PAGE_ROWS).min(total), page, pages)
}

#[component]
pub fn FleetPage() -> impl IntoView {
    crate::components::set_title("Fleet overview");
    let fleet = api::fleet();
    let today = api::today();
    // Here, not in the table, so a refresh (a new table) keeps the page the user is on.
    let page = RwSignal::new(0usize);
    let sort = RwSignal::new((Column::Attention, false));
    let refresh = move || {
        fleet.refetch();
        today.refetch();
    };
    if let Ok(h) = set_interval_with_handle(refresh, REFRESH) {
        on_cleanup(move || h.clear());
    }
    let retry = Callback::new(move |_| fleet.refetch());
    view! {
        <div class="section-head">
            <h1>"Fleet overview"</h1>
            <AddInstrument on_added=retry />
        </div>
        <TodayPanel today />
        {loaded(
            "the fleet",
            retry,
            move || fleet.get().map(|f| f.map(|f| view! { <FleetTable fleet=f page sort /> }.into_any())),
        )}
    }
}

#[component]
fn FleetTable(
    fleet: Fleet,
    page: RwSignal<usize>,
    sort: RwSignal<(Column, bool)>,
) -> impl IntoView {
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
    let total = fleet.instruments.len();
    let instruments = StoredValue::new(fleet.instruments);
    let row_tz = tz.clone();
    let rows = move || {
        let (column, descending) = sort.get();
        let (start, end, _, _) = page_of(total, page.get());
        instruments.with_value(|all| {
            sorted(all, column, descending)[start..end]
                .iter()
                .map(|&k| row(all[k].clone(), &row_tz))
                .collect_view()
        })
    };
    let order = move || {
        let (column, descending) = sort.get();
        match column {
            Column::Attention => " — what needs attention first".to_string(),
            _ => format!(
                ", sorted by {} ({})",
                column.label(),
                if descending {
                    "descending"
                } else {
                    "ascending"
                }
            ),
        }
    };
    let pager = (total > PAGE_ROWS).then(|| view! { <Pager total page /> });
    view! {
        <p class="fleet-summary" aria-live="polite">{summary}</p>
        {pager}
        <div class="table-wrap">
            // Explicit roles: narrow screens lay the rows out as cards (style/main.css), and
            // some browsers drop a table's semantics once its display changes.
            <table class="fleet narrow-cards" role="table">
                <caption>{format!("Instruments of {}", fleet.lab.name)} {order}</caption>
                <thead role="rowgroup">
                    <tr role="row">
                        {header("Instrument", Column::Name, sort, None)}
                        {header("Model", Column::Model, sort, None)}
                        {header("Serial", Column::Serial, sort, None)}
                        {header("Site", Column::Site, sort, None)}
                        {Subsystem::ALL
                            .into_iter()
                            .enumerate()
                            .map(|(k, s)| header(s.label(), Column::Health(k), sort, None))
                            .collect_view()}
                        {header("Last run %≥Q30", Column::LastRun, sort, None)}
                        {header("Coming up", Column::ComingUp, sort, None)}
                        {header("Last report", Column::LastReport, sort, Some(tz.clone()))}
                    </tr>
                </thead>
                <tbody role="rowgroup">{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A column the fleet table is sorted by; `Attention` is the server's order (critical,
/// warnings, no data, then OK; by site and name within each).
#[derive(Clone, Copy, PartialEq)]
enum Column {
    Attention,
    Name,
    Model,
    Serial,
    Site,
    /// A subsystem's health, by its index in `Subsystem::ALL`.
    Health(usize),
    LastRun,
    /// The sooner of the next booked replacement and the next planned run.
    ComingUp,
    LastReport,
}

impl Column {
    fn label(self) -> &'static str {
        match self {
            Column::Attention => "attention",
            Column::Name => "Instrument",
            Column::Model => "Model",
            Column::Serial => "Serial",
            Column::Site => "Site",
            Column::Health(k) => Subsystem::ALL[k].label(),
            Column::LastRun => "Last run %≥Q30",
            Column::ComingUp => "Coming up",
            Column::LastReport => "Last report",
        }
    }
}

/// How urgent a health is: critical first, as the server orders the fleet.
fn urgency(h: Health) -> u8 {
    match h {
        Health::Critical => 0,
        Health::Warning => 1,
        Health::Unknown => 2,
        Health::Ok => 3,
    }
}

/// Compares `a` and `b` by `column`; a missing figure (no run, no report) sorts last.
fn compare(a: &FleetInstrument, b: &FleetInstrument, column: Column, descending: bool) -> Ordering {
    let text = |x: &str, y: &str| {
        x.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(y.bytes().map(|c| c.to_ascii_lowercase()))
    };
    let order = match column {
        Column::Attention => Ordering::Equal,
        Column::Name => text(&a.nickname, &b.nickname),
        Column::Model => text(&a.model, &b.model),
        Column::Serial => text(&a.serial, &b.serial),
        Column::Site => text(&a.site, &b.site),
        Column::Health(k) => {
            let s = Subsystem::ALL[k];
            urgency(a.health.get(s)).cmp(&urgency(b.health.get(s)))
        }
        Column::LastRun => match (a.last_run_pct_q30, b.last_run_pct_q30) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (x, y) => return y.is_some().cmp(&x.is_some()),
        },
        Column::ComingUp => match (coming_up(a), coming_up(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (x, y) => return y.is_some().cmp(&x.is_some()),
        },
        Column::LastReport => match (a.last_report_at, b.last_report_at) {
            (Some(x), Some(y)) => x.cmp(&y),
            (x, y) => return y.is_some().cmp(&x.is_some()),
        },
    };
    if descending {
        order.reverse()
    } else {
        order
    }
}

/// The first day something is booked or planned on the instrument (UTC days: only an order).
fn coming_up(i: &FleetInstrument) -> Option<chrono::NaiveDate> {
    let booked = i.next_appointment.map(|t| t.date_naive());
    match (booked, i.next_planned_run) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The rows' indices in `column`'s order; ties keep the server's order (an insertion
/// sort: stable, and far smaller in the wasm than the standard library's).
fn sorted(all: &[FleetInstrument], column: Column, descending: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..all.len()).collect();
    if column == Column::Attention {
        return order;
    }
    for i in 1..order.len() {
        let mut j = i;
        while j > 0 && compare(&all[order[j - 1]], &all[order[j]], column, descending).is_gt() {
            order.swap(j - 1, j);
            j -= 1;
        }
    }
    order
}

/// A column's header: a button that sorts by it (ascending, then descending, then back to
/// what needs attention first), with `aria-sort` while the table is sorted by it.
fn header(
    label: &'static str,
    column: Column,
    sort: RwSignal<(Column, bool)>,
    sub: Option<String>,
) -> impl IntoView {
    let state = move || match sort.get() {
        (c, false) if c == column => Some("ascending"),
        (c, true) if c == column => Some("descending"),
        _ => None,
    };
    let next = move |_| {
        sort.update(|s| {
            *s = match *s {
                (c, false) if c == column => (column, true),
                (c, true) if c == column => (Column::Attention, false),
                _ => (column, false),
            }
        })
    };
    view! {
        <th scope="col" role="columnheader" aria-sort=state>
            <button type="button" class="sort" on:click=next>
                {label}
                <span aria-hidden="true">
                    {move || match state() {
                        Some("ascending") => " ▲",
                        Some(_) => " ▼",
                        None => " ↕",
                    }}
                </span>
            </button>
            {sub.map(|s| view! { <span class="sub">{s}</span> })}
        </th>
    }
}

/// One instrument's row: name (a link), model, serial, site, each subsystem's health, the
/// last run and the last report.
fn row(i: FleetInstrument, tz: &str) -> impl IntoView {
    let href = Route::Instrument(i.id).href();
    let last_run = i.last_run_at.map(|t| time::date(t, tz));
    // Coloured by its control status, and said in words (colour alone tells no one).
    let (control, said) = match &i.last_run_control {
        RunControl::NoLimits => ("", None),
        RunControl::InControl => ("ctl-ok", Some("✓ in control".to_string())),
        RunControl::Flagged(s) => (
            match s.severity {
                Severity::Critical => "ctl-critical",
                Severity::Warning => "ctl-warning",
                Severity::Info => "ctl-info",
            },
            Some(format!(
                "{} {}",
                if s.side == "below" { "▼" } else { "▲" },
                format::control_rule(s)
            )),
        ),
    };
    let coming = [
        i.next_appointment
            .map(|t| format!("Replacement {}", time::date(t, tz))),
        i.next_planned_run
            .map(|d| format!("Run planned {}", format::day(d))),
    ];
    let report = i
        .last_report_at
        .map(|t| (t.to_rfc3339(), time::date_time(t, tz), time::age(t)));
    view! {
        <tr data-instrument-id=i.id.to_string() role="row">
            <th scope="row" role="rowheader">
                <A href=href>{i.nickname}</A>
            </th>
            <td role="cell" data-label="Model">{i.model}</td>
            <td role="cell" data-label="Serial" class="mono">{i.serial}</td>
            <td role="cell" data-label="Site">{i.site}</td>
            {Subsystem::ALL
                .into_iter()
                .zip(i.handling)
                .zip(i.causes)
                .map(|((s, handled), cause)| {
                    // An acknowledged or booked problem says so under its badge.
                    let handled = match handled {
                        Handling::Open => None,
                        Handling::Acknowledged => Some("acknowledged".to_string()),
                        Handling::Booked(t) => Some(format!("booked {}", time::date(t, tz))),
                    };
                    // A badge a warning made links to the instrument's open warnings, and
                    // says which (on hover, and to a screen reader in the link's name).
                    let why = cause
                        .filter(|_| i.health.get(s) >= Health::Warning)
                        .map(|rule| format::rule(&rule));
                    let badge = view! {
                        <HealthBadge health=i.health.get(s) subsystem=s fresh=i.freshness.get(s) from_run=i.freshness.from_run(s) cause=why.clone() />
                    };
                    let badge = match why {
                        Some(why) => {
                            let said = format!(": {why}");
                            view! {
                                <A href=Route::InstrumentWarnings(i.id).href() attr:class="cause">
                                    {badge}
                                    <span class="visually-hidden">{said}</span>
                                </A>
                            }
                                .into_any()
                        }
                        None => badge.into_any(),
                    };
                    view! {
                        <td role="cell" data-label=s.label()>
                            {badge}
                            {handled.map(|h| view! { <span class="sub handled">{h}</span> })}
                        </td>
                    }
                })
                .collect_view()}
            <td role="cell" data-label="Last run %≥Q30" class="num">
                {match last_run {
                    Some(on) => {
                        view! {
                            <span class=format!("q30 {control}")>{format::pct(i.last_run_pct_q30)}</span>
                            " on "
                            {on}
                            {said.map(|s| view! { <span class=format!("sub {control}")>{s}</span> })}
                        }
                            .into_any()
                    }
                    None => view! { "No runs yet" }.into_any(),
                }}
            </td>
            <td role="cell" data-label="Coming up">
                {if coming.iter().all(Option::is_none) {
                    view! { <span class="sub">"None"</span> }.into_any()
                } else {
                    coming
                        .into_iter()
                        .flatten()
                        .map(|c| view! { <span class="line">{c}</span> })
                        .collect_view()
                        .into_any()
                }}
            </td>
            <td role="cell" data-label=format!("Last report ({tz})")>
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
}

/// Previous / next page of the fleet table, and which rows are shown.
#[component]
fn Pager(total: usize, page: RwSignal<usize>) -> impl IntoView {
    let at = move || page_of(total, page.get());
    let shown = move || {
        let (start, end, p, pages) = at();
        format!(
            "Instruments {}–{} of {} (page {} of {})",
            start + 1,
            end,
            total,
            p + 1,
            pages
        )
    };
    let go = move |delta: isize| {
        let (_, _, p, _) = at();
        page.set(p.saturating_add_signed(delta));
    };
    view! {
        <nav class="pager" aria-label="Fleet table pages">
            <button
                type="button"
                class="secondary"
                disabled=move || { at().2 == 0 }
                on:click=move |_| go(-1)
            >
                "Previous " {PAGE_ROWS}
            </button>
            <span aria-live="polite">{shown}</span>
            <button
                type="button"
                class="secondary"
                disabled=move || {
                    let (_, _, p, pages) = at();
                    p + 1 >= pages
                }
                on:click=move |_| go(1)
            >
                "Next " {PAGE_ROWS}
            </button>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_row_once_and_clamp_past_the_end() {
        assert_eq!(page_of(0, 0), (0, 0, 0, 1));
        assert_eq!(page_of(8, 0), (0, 8, 0, 1));
        assert_eq!(page_of(100, 1), (0, 100, 0, 1));
        assert_eq!(page_of(1000, 0), (0, 100, 0, 10));
        assert_eq!(page_of(1000, 9), (900, 1000, 9, 10));
        assert_eq!(page_of(1001, 10), (1000, 1001, 10, 11));
        // A fleet that shrank under the page the user was on shows its last page.
        assert_eq!(page_of(150, 7), (100, 150, 1, 2));
    }
}
