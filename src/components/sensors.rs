//! Sensor trend charts of one instrument, one per sensor, grouped by subsystem, each with
//! its data as a table for those who cannot see the chart.

use crate::api::{self, Remote};
use crate::chart::{sensor_svg, BandPoint, Limits, Overlay, Region, TrendLine, WarningMark};
use crate::components::states::loaded;
use crate::components::when;
use crate::format;
use crate::routes::sensor_anchor;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::domain::{LimitOn, Source, SENSORS};
use seqhealth_api::{
    Prediction, PredictionList, ReplacementList, ReplacementStatus, Severity, StatusFilter,
    Subsystem, TelemetrySeries, WarningList, WarningQuery,
};

fn periods() -> [(i64, &'static str); 5] {
    [
        (7, t!("Last 7 days")),
        (30, t!("Last 30 days")),
        (90, t!("Last 90 days")),
        (365, t!("Last 12 months")),
        // A signal derived from runs has a point per run, and a lab's older runs may be
        // years back (an instrument's archive, the demo's real folders).
        (36_500, t!("All readings")),
    ]
}

/// A sensor's name in the user's language.
fn label(s: &seqhealth_api::SensorInfo) -> &str {
    seqhealth_api::domain::sensor_spec(&s.name).map_or(&s.label, |x| crate::i18n::word(x.label))
}

#[component]
pub fn Sensors(
    id: i64,
    /// The sensors the instrument has reported: only these are charted.
    sensors: Vec<String>,
    tz: String,
    predictions: Remote<PredictionList>,
    replacements: Remote<ReplacementList>,
) -> impl IntoView {
    let days = RwSignal::new(30i64);
    // Every warning of this instrument, history included, for the markers on its charts.
    let warnings = api::warnings(move || WarningQuery {
        status: StatusFilter::All,
        instrument: Some(id),
        ..Default::default()
    });
    view! {
        <section aria-labelledby="sensors-heading">
            <div class="section-head">
                <h2 id="sensors-heading">{tv!("Subsystem sensors")}</h2>
                <label>
                    {tv!("Period ")}
                    <select on:change=move |ev| {
                        if let Ok(d) = event_target_value(&ev).parse() {
                            days.set(d)
                        }
                    }>
                        {periods()
                            .into_iter()
                            .map(|(d, label)| view! { <option value=d.to_string() selected=d == 30>{label}</option> })
                            .collect_view()}
                    </select>
                </label>
            </div>
            {sensors.is_empty().then(|| view! {
                <p class="state">
                    {tv!("No sensor readings yet: they come from the instrument's own sensors, a local sensor feed, and the signals derived from each finished run.")}
                </p>
            })}
            <div class="sensor-grid">
                {Subsystem::ALL
                    .into_iter()
                    .flat_map(|s| SENSORS.iter().filter(move |spec| spec.subsystem == s))
                    .filter(|spec| sensors.iter().any(|n| n == spec.name))
                    .map(|spec| {
                        view! {
                            <SensorChart
                                id=id
                                metric=spec.name
                                days=days
                                tz=tz.clone()
                                predictions=predictions
                                warnings=warnings
                                replacements=replacements
                            />
                        }
                    })
                    .collect_view()}
            </div>
        </section>
    }
}

#[component]
fn SensorChart(
    id: i64,
    metric: &'static str,
    days: RwSignal<i64>,
    tz: String,
    predictions: Remote<PredictionList>,
    warnings: Remote<WarningList>,
    replacements: Remote<ReplacementList>,
) -> impl IntoView {
    let series = api::telemetry(id, metric, days);
    let retry = Callback::new(move |_| series.refetch());
    // A link to this chart (`#sensor-…`, the evidence of a replacement) scrolls to it once
    // its readings are on screen; the page loads after the browser looked for the anchor.
    let anchor = sensor_anchor(metric);
    let anchor_id = anchor.clone();
    let scrolled = StoredValue::new(false);
    Effect::new(move |_| {
        if !series.is_loaded() || scrolled.get_value() {
            return;
        }
        scrolled.set_value(true);
        let scroll = move |anchor: &str| {
            let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
                return;
            };
            let wanted = doc
                .location()
                .and_then(|l| l.hash().ok())
                .unwrap_or_default();
            if wanted == format!("#{anchor}") {
                if let Some(el) = doc.get_element_by_id(anchor) {
                    el.scroll_into_view();
                }
            }
        };
        let (now, later) = (anchor.clone(), anchor.clone());
        request_animation_frame(move || scroll(&now));
        // Sections above may still be loading and push the chart down: look again.
        set_timeout(
            move || scroll(&later),
            std::time::Duration::from_millis(1500),
        );
    });
    view! {
        <figure class="chart sensor" id=anchor_id data-sensor=metric>
            {loaded(
                t!("readings"),
                retry,
                move || {
                            // A prediction adds its fitted line; without one the chart still stands.
                            let prediction = predictions
                                .get()?
                                .ok()
                                .and_then(|l| l.predictions.into_iter().find(|p| p.sensor == metric));
                            let rule = format!("threshold:{metric}");
                            let marks: Vec<WarningMark> = warnings
                                .get()?
                                .map(|l| {
                                    l.warnings
                                        .iter()
                                        .filter(|w| w.rule == rule)
                                        .map(|w| WarningMark {
                                            at: w.raised_at.timestamp(),
                                            critical: w.severity == Severity::Critical,
                                        })
                                        .collect()
                                })
                                .unwrap_or_default();
                            // Scheduled and completed appointments of this sensor's component.
                            let regions: Vec<Appointment> = replacements
                                .get()?
                                .map(|l| {
                                    l.replacements
                                        .into_iter()
                                        .filter(|r| {
                                            r.sensor == metric
                                                && matches!(r.status, ReplacementStatus::Scheduled | ReplacementStatus::Completed)
                                        })
                                        .filter_map(|r| {
                                            let a = r.appointment?;
                                            Some(Appointment {
                                                from: a.starts_at.timestamp(),
                                                to: a.ends_at.timestamp(),
                                                what: if r.status == ReplacementStatus::Completed {
                                                    tf!("{0} replacement (done)", crate::i18n::name(&r.component))
                                                } else {
                                                    tf!("{0} replacement", crate::i18n::name(&r.component))
                                                },
                                                slot: crate::i18n::word(a.slot.label()),
                                            })
                                        })
                                        .collect()
                                })
                                .unwrap_or_default();
                            Some(series.get()?.map(|s| {
                                view! { <SensorView series=s tz=tz.clone() prediction=prediction marks=marks appointments=regions /> }.into_any()
                            }))
                },
            )}
        </figure>
    }
}

/// A replacement appointment to shade on the chart.
#[derive(Clone)]
struct Appointment {
    from: i64,
    to: i64,
    what: String,
    slot: &'static str,
}

#[component]
fn SensorView(
    series: TelemetrySeries,
    tz: String,
    prediction: Option<Prediction>,
    mut marks: Vec<WarningMark>,
    appointments: Vec<Appointment>,
) -> impl IntoView {
    let s = series;
    marks.retain(|m| m.at >= s.from.timestamp() && m.at <= s.to.timestamp());
    let svg = chart(&s, &tz, prediction.as_ref(), &marks, &appointments);
    let caption = caption(&s, &tz, prediction.as_ref(), marks.len(), &appointments);
    view! {
        {if s.points.is_empty() {
            // An empty chart with an axis from 1970 helps no one.
            let why = if SENSORS.iter().any(|x| x.name == s.sensor.name && x.source == Source::Run) {
                t!("No runs in this period: choose “All readings” above for older runs.")
            } else {
                t!("No readings in this period.")
            };
            view! { <p class="state empty">{why}</p> }.into_any()
        } else {
            view! { <div class="svg" role="img" aria-label=caption.clone() inner_html=svg></div> }
                .into_any()
        }}
        <figcaption>{caption}</figcaption>
        <DataTable series=s tz=tz />
    }
}

/// A date in the lab's time zone, from Unix seconds.
fn day(t: i64, tz: &str) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|t| time::date(t, tz))
        .unwrap_or_default()
}

/// The chart: the buckets, the warning limits, the prediction's fitted line, the
/// warnings' markers and the appointments shaded.
fn chart(
    s: &TelemetrySeries,
    tz: &str,
    prediction: Option<&Prediction>,
    marks: &[WarningMark],
    appointments: &[Appointment],
) -> String {
    let points: Vec<BandPoint> = s
        .points
        .iter()
        .map(|p| BandPoint {
            at: p.at.timestamp(),
            mean: p.mean,
            min: p.min,
            max: p.max,
        })
        .collect();
    let trend = prediction.map(|p| TrendLine {
        fitted_to: match p.fitted {
            LimitOn::Peaks => daily_peaks(s),
            LimitOn::Level => Vec::new(),
        },
        points: if p.fit.len() >= 2 {
            p.fit.iter().map(|q| (q.at.timestamp(), q.value)).collect()
        } else {
            // A server from before curved trends: the straight line it fitted.
            vec![
                (p.fit_from.timestamp(), p.fit_from_value),
                (p.predicted_at.timestamp(), p.limit),
            ]
        },
    });
    let regions: Vec<Region> = appointments
        .iter()
        .map(|a| Region {
            from: a.from,
            to: a.to,
            label: format!("{} {}", a.what, day(a.from, tz)),
        })
        .collect();
    let overlay = Overlay {
        limits: Limits {
            warn: s.sensor.warn,
            critical: s.sensor.critical,
        },
        trend: trend.as_ref(),
        warnings: marks,
        regions: &regions,
    };
    sensor_svg(
        &points,
        &overlay,
        &crate::i18n::name(&s.sensor.unit),
        (600, 220),
        &|t| day(t, tz),
    )
}

/// Each UTC day's highest reading, at the day's middle: the series a peaks trend is
/// fitted to (the server's daily buckets are UTC days).
fn daily_peaks(s: &TelemetrySeries) -> Vec<(i64, f64)> {
    use seqhealth_api::DAY;
    let mut peaks: Vec<(i64, f64)> = Vec::new();
    for p in &s.points {
        let day = p.at.timestamp().div_euclid(DAY) * DAY + DAY / 2;
        match peaks.last_mut() {
            Some((d, v)) if *d == day => *v = v.max(p.max),
            _ => peaks.push((day, p.max)),
        }
    }
    peaks
}

/// What one point of the series stands for, after "per": "hour", "6 h", "day".
fn per(s: &TelemetrySeries) -> String {
    let starts: Vec<i64> = s.points.iter().map(|p| p.at.timestamp()).collect();
    format::span(format::spacing(s.bucket_seconds, &starts))
}

/// What the chart shows, in words: its caption and the text screen readers get for it.
fn caption(
    s: &TelemetrySeries,
    tz: &str,
    prediction: Option<&Prediction>,
    marked: usize,
    appointments: &[Appointment],
) -> String {
    let unit = &crate::i18n::name(&s.sensor.unit);
    let bucket = per(s);
    let latest = s
        .points
        .last()
        .map(|p| tf!("latest {0} {1}", format::number(Some(p.mean), 2), unit));
    let predicted = prediction
        .map(|p| {
            let (limit, when) = (format::shortest(p.limit), time::date(p.predicted_at, tz));
            match p.fitted {
                LimitOn::Level => tf!(
                    "; dashed purple: fitted trend, reaching {0} {1} about {2}",
                    limit,
                    unit,
                    when
                ),
                LimitOn::Peaks => tf!(
                    "; dashed purple: fitted trend of the daily peaks (purple dots), reaching {0} {1} about {2}",
                    limit,
                    unit,
                    when
                ),
            }
        })
        .unwrap_or_default();
    let warned = match marked {
        0 => String::new(),
        1 => t!("; a triangle marks when its warning was raised").to_string(),
        n => tf!("; triangles mark when its {0} warnings were raised", n),
    };
    let shaded: Vec<String> = appointments
        .iter()
        .map(|a| tf!("{0} on {1}, {2}", a.what, day(a.from, tz), a.slot))
        .collect();
    let shaded = if shaded.is_empty() {
        String::new()
    } else {
        tf!("; shaded: {0}", shaded.join("; "))
    };
    format!(
        "{}{predicted}{warned}{shaded}",
        tf!(
            "{0} ({1}): {2} per {3}; normal {4}–{5} {6}{7}",
            label(&s.sensor),
            crate::i18n::word(s.sensor.subsystem.label()),
            if s.points.is_empty() {
                t!("no readings in this period")
            } else {
                t!("mean and range")
            },
            bucket,
            format::shortest(s.sensor.warn.0),
            format::shortest(s.sensor.warn.1),
            unit,
            latest.map(|l| format!("; {l}")).unwrap_or_default()
        )
    )
}

/// The chart's data as a table, for those who cannot see the chart; built when opened.
#[component]
fn DataTable(series: TelemetrySeries, tz: String) -> impl IntoView {
    let s = series;
    let unit = crate::i18n::name(&s.sensor.unit);
    let open = RwSignal::new(false);
    view! {
        <details on:toggle=move |ev| {
            let details: web_sys::HtmlDetailsElement = event_target(&ev);
            open.set(details.open());
        }>
            <summary>{tv!("Data table")}</summary>
            {when(move || open.get(), move || view! {
                <div class="table-wrap" tabindex="0" role="region" aria-label=tv!("Data table")>
                <table class="data">
                    <caption>{tf!("{0}, mean and range per {1}; times in {2}", label(&s.sensor), per(&s), tz)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{tv!("From")}</th>
                            <th scope="col">{tf!("Mean ({0})", unit)}</th>
                            <th scope="col">{tv!("Min")}</th>
                            <th scope="col">{tv!("Max")}</th>
                            <th scope="col">{tv!("Readings")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {s.points
                            .iter()
                            .map(|p| {
                                view! {
                                    <tr>
                                        <td>{time::date_time(p.at, &tz)}</td>
                                        <td class="num">{format::number(Some(p.mean), 2)}</td>
                                        <td class="num">{format::number(Some(p.min), 2)}</td>
                                        <td class="num">{format::number(Some(p.max), 2)}</td>
                                        <td class="num">{p.n}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                </div>
            }.into_any())}
        </details>
    }
}
