//! The fleet overview: every instrument of the lab, its subsystem health, last run, last report.

use crate::api;
use crate::components::enrollment::AddInstrument;
use crate::components::health::HealthBadge;
use crate::components::states::{loaded, Empty};
use crate::components::today::TodayPanel;
use crate::format;
use crate::router::A;
use crate::routes::Route;
use crate::time;
use leptos::prelude::*;
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
    crate::components::set_title(t!("Fleet overview"));
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
            <h1>{tv!("Fleet overview")}</h1>
            <AddInstrument on_added=retry />
        </div>
        <TodayPanel today />
        {loaded(
            t!("the fleet"),
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
                <p>{tf!("No instruments in {0} yet.", fleet.lab.name)}</p>
                <p>{tv!("A lab manager adds one with “Add instrument” and enrolls its agent with the code shown.")}</p>
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
    let summary = tf!(
        "{0} instruments: {1} critical, {2} with warnings, {3} OK, {4} without data",
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
            Column::Attention => t!(" — what needs attention first").to_string(),
            _ if descending => tf!(", sorted by {0} (descending)", column.label()),
            _ => tf!(", sorted by {0} (ascending)", column.label()),
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
                <caption>{tf!("Instruments of {0}", fleet.lab.name)} {order}</caption>
                <thead role="rowgroup">
                    <tr role="row">
                        {header(Column::Name, sort, None)}
                        {header(Column::Model, sort, None)}
                        {header(Column::Serial, sort, None)}
                        {header(Column::Site, sort, None)}
                        {(0..Subsystem::ALL.len())
                            .map(|k| header(Column::Health(k), sort, None))
                            .collect_view()}
                        {header(Column::LastRun, sort, None)}
                        {header(Column::ComingUp, sort, None)}
                        {header(Column::LastReport, sort, Some(tz.clone()))}
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
    /// Its header, in the user's language.
    fn label(self) -> &'static str {
        match self {
            Column::Attention => t!("attention"),
            Column::Name => t!("Instrument"),
            Column::Model => t!("Model"),
            Column::Serial => t!("Serial"),
            Column::Site => t!("Site"),
            Column::Health(k) => crate::i18n::word(Subsystem::ALL[k].label()),
            Column::LastRun => t!("Last run %≥Q30"),
            Column::ComingUp => t!("Coming up"),
            Column::LastReport => t!("Last report"),
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
fn header(column: Column, sort: RwSignal<(Column, bool)>, sub: Option<String>) -> impl IntoView {
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
                {column.label()}
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
        RunControl::InControl => ("ctl-ok", Some(t!("✓ in control").to_string())),
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
            .map(|t| tf!("Replacement {0}", time::date(t, tz))),
        i.next_planned_run
            .map(|d| tf!("Run planned {0}", format::day(d))),
    ];
    let report = i
        .last_report_at
        .map(|t| (t.to_rfc3339(), time::date_time(t, tz), time::age(t)));
    view! {
        <tr data-instrument-id=i.id.to_string() role="row">
            <th scope="row" role="rowheader">
                <A href=href>{i.nickname}</A>
            </th>
            <td role="cell" data-label=Column::Model.label()>{i.model}</td>
            <td role="cell" data-label=Column::Serial.label() class="mono">{i.serial}</td>
            <td role="cell" data-label=Column::Site.label()>{i.site}</td>
            {Subsystem::ALL
                .into_iter()
                .zip(i.handling)
                .zip(i.causes)
                .map(|((s, handled), cause)| {
                    // An acknowledged or booked problem says so under its badge.
                    let handled = match handled {
                        Handling::Open => None,
                        Handling::Acknowledged => Some(t!("acknowledged").to_string()),
                        Handling::Booked(t) => Some(tf!("booked {0}", time::date(t, tz))),
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
                        <td role="cell" data-label=crate::i18n::word(s.label())>
                            {badge}
                            {handled.map(|h| view! { <span class="sub handled">{h}</span> })}
                        </td>
                    }
                })
                .collect_view()}
            <td role="cell" data-label=Column::LastRun.label() class="num">
                {match last_run {
                    Some(on) => {
                        view! {
                            <span class=format!("q30 {control}")>{format::pct(i.last_run_pct_q30)}</span>
                            {tf!(" on {0}", on)}
                            {said.map(|s| view! { <span class=format!("sub {control}")>{s}</span> })}
                        }
                            .into_any()
                    }
                    None => view! { {tv!("No runs yet")} }.into_any(),
                }}
            </td>
            <td role="cell" data-label=Column::ComingUp.label()>
                {if coming.iter().all(Option::is_none) {
                    view! { <span class="sub">{tv!("None")}</span> }.into_any()
                } else {
                    coming
                        .into_iter()
                        .flatten()
                        .map(|c| view! { <span class="line">{c}</span> })
                        .collect_view()
                        .into_any()
                }}
            </td>
            <td role="cell" data-label=format!("{} ({tz})", Column::LastReport.label())>
                {match report {
                    _ if i.connection == Connection::AwaitingEnrollment => {
                        view! { <span class="sub">{tv!("Awaiting its agent")}</span> }.into_any()
                    }
                    _ if i.connection == Connection::Revoked => {
                        view! { <span class="sub">{tv!("Token revoked")}</span> }.into_any()
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
                    None => view! { {tv!("Never")} }.into_any(),
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
        tf!(
            "Instruments {0}–{1} of {2} (page {3} of {4})",
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
        <nav class="pager" aria-label=tv!("Fleet table pages")>
            <button
                type="button"
                class="secondary"
                disabled=move || { at().2 == 0 }
                on:click=move |_| go(-1)
            >
                {tf!("Previous {0}", PAGE_ROWS)}
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
                {tf!("Next {0}", PAGE_ROWS)}
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
