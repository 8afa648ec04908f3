//! Runs the engine day by day as the data arrives, the way the server's
//! `predictions.rs` does: at the end of each day, the daily means of the last 90 days go
//! through the same `predict_from_daily` with the same default method.
//!
//! Only the daily means and the band edges go in; the simulator's parameters never do.

use crate::physics::{day_of, day_start, Component, DAY};
use seqhealth_health::predict::{predict_from_daily, DailyMethod};

/// Days of daily means a trend is fitted on (server: `BASIS_DAYS`).
pub const BASIS_DAYS: usize = 90;
/// A prediction is an actionable alert when its replace-by date is at most this many
/// days after the moment it is made: "replace within two weeks".
pub const ACTIONABLE_DAYS: i64 = 14;

/// Which days of data a fit may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Exactly the server's query: the last 90 days, whatever happened in them.
    Server,
    /// The last 90 days, but none from before the component's latest replacement (the
    /// replacement day itself excluded). Not what the server does today; an experiment.
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

/// What the engine said about one component over the observed days.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComponentRun {
    /// Actionable alerts, in day order.
    pub alerts: Vec<Alert>,
    /// Days with any prediction at all (actionable or not).
    pub prediction_days: usize,
}

pub fn run_component(c: &Component, window: Window) -> ComponentRun {
    let band = c.kind.band();
    let method = DailyMethod::default();
    let mut out = ComponentRun::default();
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(BASIS_DAYS);
    // Replacement times, in order, for the since-replacement window.
    let replacements: Vec<i64> = c
        .lifetimes
        .iter()
        .filter_map(|l| l.failure.map(|f| f.replaced_at))
        .collect();

    for day in 0..c.daily.len() {
        let now = day_start(day + 1);
        let mut first = (day + 1).saturating_sub(BASIS_DAYS);
        if window == Window::SinceReplacement {
            if let Some(&r) = replacements.iter().rev().find(|&&r| r <= now) {
                let after = day_of(r) + 1;
                first = first.max(usize::try_from(after).unwrap_or(0));
            }
        }
        points.clear();
        for (k, agg) in c.daily.iter().enumerate().take(day + 1).skip(first) {
            if let Some(mean) = agg.mean() {
                // Mid-day x: a daily mean stands for the middle of its day.
                points.push(((day_start(k) + DAY / 2) as f64, mean));
            }
        }
        let Some(prediction) = predict_from_daily(&points, (band.lo, band.hi), now, &method) else {
            continue;
        };
        let p = prediction.time;
        out.prediction_days += 1;
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
