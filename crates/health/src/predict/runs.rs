//! A forecast of a run-derived signal, indexed by run rather than by day.
//!
//! A signal that a run folder gives (focus, first-cycle intensity, cycle time) has one
//! value per run, and a part wears per run: a laser dims with the hours it is lit, a
//! stage with the tiles it scans. An instrument that runs once a week would give a daily
//! forecast two or three points a month and never reach its minimum; one that runs three
//! times on a Monday would have them averaged into one day. So each run is one step: the
//! same method as [`forecast_from_daily`] (its gate, its curve, its interval, its tricube
//! weights) fits the runs one step apart, and the crossing, counted in runs, becomes a
//! date at the instrument's pace of runs.

use super::daily::{forecast_from_daily, DailyAggregate, Forecast, ForecastMethod};
use seqhealth_api::DAY;

/// One run's value of a signal: when the run ended (unix seconds) and the value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunValue {
    pub at: i64,
    pub value: f64,
}

/// How runs become a forecast: the daily method's fields read in runs, with the spans
/// that are times (horizon, margin) converted at the pace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunMethod {
    /// The most recent runs fitted.
    pub basis_runs: usize,
    /// Fewer runs than this is not evidence enough.
    pub min_runs: usize,
    /// Tricube bandwidth, in runs back from the newest.
    pub bandwidth_runs: f64,
    /// Runs older than this many days are left out, however few the recent ones: an
    /// archive's old runs describe the part as it was then.
    pub max_age_days: i64,
}

/// A forecast in runs and the dates it gives at the instrument's pace.
#[derive(Debug, Clone, PartialEq)]
pub struct RunForecast {
    /// Dates in unix seconds (crossing, interval, replace-by at `pace`); `slope_per_day`
    /// is the change per run times the pace.
    pub forecast: Forecast,
    /// Runs from the newest to the predicted crossing (rounded up).
    pub runs_to_crossing: u32,
    /// Fitted change per run.
    pub change_per_run: f64,
    pub runs_used: usize,
    /// The fitted curve at each run used (its time and the fitted value), then at the
    /// crossing: the evidence as it was fitted.
    pub fit: Vec<(i64, f64)>,
}

/// Forecasts when the signal leaves `band`, one run per step. `runs`: any order; runs
/// not strictly after `since` (the part's latest replacement), at or after `now`, or not
/// finite are left out. `pace`: runs a day (the lab's cadence); none, no dates, so no
/// forecast.
pub fn forecast_from_runs(
    runs: &[RunValue],
    band: (f64, f64),
    now: i64,
    since: Option<i64>,
    pace: f64,
    daily: &ForecastMethod,
    method: &RunMethod,
) -> Option<RunForecast> {
    if !(pace.is_finite() && pace > 0.0) {
        return None;
    }
    let mut used: Vec<RunValue> = runs
        .iter()
        .copied()
        .filter(|r| {
            r.at < now
                && r.at >= now.saturating_sub(method.max_age_days.saturating_mul(DAY))
                && since.is_none_or(|s| r.at > s)
                && r.value.is_finite()
        })
        .collect();
    used.sort_by_key(|r| r.at);
    let skip = used.len().saturating_sub(method.basis_runs);
    let used = &used[skip..];
    if used.len() < method.min_runs.max(2) {
        return None;
    }
    // Run k of n is the day ending one step before the next; the newest ends at `now`,
    // so a step is a day of the daily method's clock.
    let n = used.len() as i64;
    let steps: Vec<DailyAggregate> = used
        .iter()
        .enumerate()
        .map(|(k, r)| DailyAggregate {
            start: now - (n - k as i64) * DAY,
            n: 1,
            mean: r.value,
            min: r.value,
            max: r.value,
        })
        .collect();
    let per_run = ForecastMethod {
        basis_days: n,
        min_days: method.min_runs,
        // Horizon and margin are times: as many runs as the pace fits into them.
        horizon_days: (daily.horizon_days as f64 * pace).ceil().max(1.0) as i64,
        safety_margin_s: (daily.safety_margin_s as f64 * pace).round() as i64,
        bandwidth_days: Some(method.bandwidth_runs),
        noise_days: method.bandwidth_runs.min(daily.noise_days),
        ..*daily
    };
    let f = forecast_from_daily(&steps, band, now, None, &per_run)?;
    // Run steps ahead of `now` → days at the pace.
    let date = |t: i64| now + ((t - now) as f64 / pace).round() as i64;
    let runs_ahead = ((f.time.crossing - now) as f64 / DAY as f64)
        .max(0.0)
        .ceil();
    let x_of = |k: usize| k as f64 + 0.5 - n as f64;
    let value_at = |x: f64| f.fit[0] + x * (f.fit[1] + x * f.fit[2]);
    let mut fit: Vec<(i64, f64)> = used
        .iter()
        .enumerate()
        .map(|(k, r)| (r.at, value_at(x_of(k))))
        .collect();
    fit.push((date(f.time.crossing), f.limit.value));
    let mut forecast = f;
    forecast.time.crossing = date(f.time.crossing);
    forecast.time.earliest = date(f.time.earliest);
    forecast.time.latest = date(f.time.latest);
    forecast.time.replace_by = date(f.time.replace_by);
    forecast.slope_per_day = f.slope_per_day * pace;
    forecast.fit_from = used[0].at;
    Some(RunForecast {
        forecast,
        runs_to_crossing: runs_ahead.min(u32::MAX as f64) as u32,
        change_per_run: f.slope_per_day,
        runs_used: used.len(),
        fit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{FORECAST, RUN_FORECAST};

    const NOW: i64 = 1_780_000_000;

    /// `n` runs `every` seconds apart up to `NOW`, run k valued `f(k)`.
    fn runs(n: i64, every: i64, f: impl Fn(f64) -> f64) -> Vec<RunValue> {
        (0..n)
            .map(|k| RunValue {
                at: NOW - (n - k) * every,
                value: f(k as f64),
            })
            .collect()
    }

    fn daily(runs: &[RunValue]) -> Vec<DailyAggregate> {
        runs.iter()
            .map(|r| DailyAggregate {
                start: r.at - r.at.rem_euclid(DAY),
                n: 1,
                mean: r.value,
                min: r.value,
                max: r.value,
            })
            .collect()
    }

    #[test]
    fn a_weekly_instrument_is_forecast_in_runs_where_days_give_nothing() {
        // Twenty weekly runs, intensity falling 5 counts a run from 300 towards 120
        // (the band's edge): 36 runs from the first, so about 17 after the newest.
        let weekly = runs(20, 7 * DAY, |k| 300.0 - 5.0 * k);
        let band = (120.0, 800.0);
        let pace = 1.0 / 7.0;
        assert!(
            forecast_from_daily(&daily(&weekly), band, NOW, None, &FORECAST).is_none(),
            "thirteen days in the daily basis: no forecast by day"
        );
        let f = forecast_from_runs(&weekly, band, NOW, None, pace, &FORECAST, &RUN_FORECAST)
            .expect("twenty runs are enough");
        assert!((-5.5..-4.5).contains(&f.change_per_run), "{f:?}");
        assert!((14..=20).contains(&f.runs_to_crossing), "{f:?}");
        // The crossing's date is the runs at one a week.
        let weeks = (f.forecast.time.crossing - NOW) as f64 / (7 * DAY) as f64;
        assert!(
            (weeks - f.runs_to_crossing as f64).abs() <= 1.0,
            "{weeks} {f:?}"
        );
        assert!((f.forecast.slope_per_day - f.change_per_run / 7.0).abs() < 1e-9);
        assert!(f.forecast.time.replace_by <= f.forecast.time.earliest);
        assert_eq!(f.runs_used, 20);
        assert_eq!(
            f.fit.len(),
            21,
            "one fitted value per run, then the crossing"
        );
        assert_eq!(f.fit[0].0, weekly[0].at);
        assert!((f.fit[0].1 - 300.0).abs() < 3.0, "{:?}", f.fit[0]);
        assert_eq!(f.fit[20], (f.forecast.time.crossing, 120.0));
    }

    #[test]
    fn runs_on_one_day_are_steps_not_one_average() {
        // Fifteen runs in five days, three a day: each is its own step.
        let busy = runs(15, DAY / 3, |k| 300.0 - 8.0 * k);
        let f = forecast_from_runs(
            &busy,
            (120.0, 800.0),
            NOW,
            None,
            3.0,
            &FORECAST,
            &RUN_FORECAST,
        )
        .unwrap();
        assert_eq!(f.runs_used, 15);
        assert!((-8.5..-7.5).contains(&f.change_per_run), "{f:?}");
        // Three runs a day: the crossing is about a third as many days ahead as runs.
        let days = (f.forecast.time.crossing - NOW) as f64 / DAY as f64;
        assert!(
            (days * 3.0 - f.runs_to_crossing as f64).abs() <= 3.0,
            "{days} {f:?}"
        );
    }

    #[test]
    fn no_drift_no_pace_too_few_runs_or_a_new_part_give_nothing() {
        let band = (120.0, 800.0);
        let flat = runs(30, DAY, |k| {
            300.0 + if k as i64 % 2 == 0 { 2.0 } else { -2.0 }
        });
        let f = |r: &[RunValue], since, pace| {
            forecast_from_runs(r, band, NOW, since, pace, &FORECAST, &RUN_FORECAST)
        };
        assert!(f(&flat, None, 1.0).is_none(), "no drift");
        let falling = runs(30, DAY, |k| 300.0 - 5.0 * k);
        assert!(f(&falling, None, 1.0).is_some());
        assert!(f(&falling, None, 0.0).is_none(), "no pace, no dates");
        assert!(f(&falling, None, f64::NAN).is_none());
        assert!(f(&falling[..11], None, 1.0).is_none(), "eleven runs");
        // A part replaced before the last ten runs: its old runs do not count.
        assert!(f(&falling, Some(falling[19].at), 1.0).is_none());
        // Runs more than a year old are not this part's recent wear.
        let archive = runs(30, 30 * DAY, |k| 300.0 - 5.0 * k);
        let r = f(&archive, None, 1.0 / 30.0).unwrap();
        assert_eq!(r.runs_used, 12, "a year of monthly runs: {r:?}");
    }
}
