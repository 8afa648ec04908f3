//! Runs the engine day by day as the data arrives, the way the server's
//! `predictions.rs` does: at the end of each day, the daily aggregates (n, mean, min,
//! max) of the last 90 days and the time of the component's latest completed replacement
//! go through `forecast_from_daily` with the sensor's production method
//! (`settings::forecast_for`).
//!
//! The engine is handed an [`Observed`] component, which holds only what a lab has: the
//! daily aggregates it received, the times replacements were completed (which a lab
//! records) and the sensor's configuration (band edges, whether the limit judges the
//! level or the peaks, which edges wear heads for). The simulator's wear parameters and
//! failure times are not in it, so they cannot reach the engine.

use crate::physics::{day_of, day_start, Component, DayAgg, DAY};
use seqhealth_api::domain::SensorSpec;
use seqhealth_health::predict::{
    forecast_from_daily, predict_from_daily, DailyAggregate, DailyMethod,
};
use seqhealth_health::settings::{self, FORECAST};

/// Days of daily aggregates a trend is fitted on: the production forecast's basis.
pub const BASIS_DAYS: usize = FORECAST.basis_days as usize;
/// A prediction is an actionable alert when its replace-by date is at most this many
/// days after the moment it is made: "replace within two weeks".
pub const ACTIONABLE_DAYS: i64 = 14;

/// Which days of data a fit may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The last 90 days, whatever happened in them (the server before it recorded
    /// replacements). For comparison.
    Server,
    /// The last 90 days, but none from before the component's latest replacement (the
    /// replacement day itself excluded): `since` = the replacement time. The default.
    SinceReplacement,
}

impl Window {
    pub fn name(self) -> &'static str {
        match self {
            Window::Server => "server",
            Window::SinceReplacement => "since-replacement",
        }
    }
}

/// An actionable prediction made at the end of observed day `day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    pub day: usize,
    /// Unix seconds the prediction was made at: the end of `day`.
    pub at: i64,
    pub crossing: i64,
    pub earliest: i64,
    pub latest: i64,
    pub replace_by: i64,
}

/// A prediction made at `at` (the end of an observed day), actionable or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forecasted {
    pub at: i64,
    pub crossing: i64,
    pub earliest: i64,
    pub latest: i64,
    pub replace_by: i64,
}

/// What the engine said about one component over the observed days.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComponentRun {
    /// Actionable alerts, in day order.
    pub alerts: Vec<Alert>,
    /// Days with any prediction at all (actionable or not).
    pub prediction_days: usize,
    /// Every day's prediction, actionable or not, in day order.
    pub forecasts: Vec<Forecasted>,
}

/// Which engine method runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `forecast_from_daily` with its default method: what the server runs. The default.
    Forecast,
    /// The previous method, `predict_from_daily`: Theil–Sen on daily means. For comparison.
    Legacy,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Forecast => "forecast",
            Method::Legacy => "legacy",
        }
    }
}

/// What a lab has of one component: all the engine may see.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed<'a> {
    /// The sensor watching it, as the server configures it.
    pub sensor: &'static SensorSpec,
    /// Daily aggregates of observed days 0.., as the server's buckets hold them.
    pub daily: &'a [DayAgg],
    /// When replacements were completed during the observed days, in order.
    pub replacements: Vec<i64>,
}

impl<'a> Observed<'a> {
    /// What a lab would have recorded of a simulated component: no wear parameters, no
    /// failure times, no replacement after the observed days.
    pub fn of(c: &'a Component) -> Self {
        let end = day_start(c.daily.len());
        Observed {
            sensor: c.kind.sensor(),
            daily: &c.daily,
            replacements: c
                .lifetimes
                .iter()
                .filter_map(|l| l.failure.map(|f| f.replaced_at))
                .filter(|&r| r <= end)
                .collect(),
        }
    }
}

pub fn run_component(c: &Observed, window: Window, method: Method) -> ComponentRun {
    let band = c.sensor.warn;
    let legacy = DailyMethod::default();
    let forecast = settings::forecast_for(c.sensor);
    let mut out = ComponentRun::default();
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(BASIS_DAYS);
    let mut aggs: Vec<DailyAggregate> = Vec::with_capacity(BASIS_DAYS);
    let replacements = &c.replacements;

    for day in 0..c.daily.len() {
        let now = day_start(day + 1);
        let first = (day + 1).saturating_sub(BASIS_DAYS);
        // The latest replacement completed by now: what a lab has recorded.
        let since = match window {
            Window::SinceReplacement => replacements.iter().rev().find(|&&r| r <= now).copied(),
            Window::Server => None,
        };
        let time = match method {
            Method::Legacy => {
                let after = since.map_or(0, |r| usize::try_from(day_of(r) + 1).unwrap_or(0));
                points.clear();
                for (k, agg) in c
                    .daily
                    .iter()
                    .enumerate()
                    .take(day + 1)
                    .skip(first.max(after))
                {
                    if let Some(mean) = agg.mean() {
                        // Mid-day x: a daily mean stands for the middle of its day.
                        points.push(((day_start(k) + DAY / 2) as f64, mean));
                    }
                }
                predict_from_daily(&points, band, now, &legacy).map(|p| p.time)
            }
            Method::Forecast => {
                aggs.clear();
                aggs.extend(
                    c.daily
                        .iter()
                        .enumerate()
                        .take(day + 1)
                        .skip(first)
                        .filter_map(|(k, a)| {
                            DailyAggregate::from_sum(day_start(k), a.n, a.sum, a.min, a.max)
                        }),
                );
                forecast_from_daily(&aggs, band, now, since, &forecast).map(|f| f.time)
            }
        };
        let Some(p) = time else {
            continue;
        };
        out.prediction_days += 1;
        out.forecasts.push(Forecasted {
            at: now,
            crossing: p.crossing,
            earliest: p.earliest,
            latest: p.latest,
            replace_by: p.replace_by,
        });
        if p.replace_by <= now + ACTIONABLE_DAYS * DAY {
            out.alerts.push(Alert {
                day,
                at: now,
                crossing: p.crossing,
                earliest: p.earliest,
                latest: p.latest,
                replace_by: p.replace_by,
            });
        }
    }
    out
}
