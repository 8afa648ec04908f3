//! Scores the engine's alerts against the simulator's ground truth.
//!
//! Definitions (all times unix seconds; "day" = 86,400 s):
//!
//! - **Alert**: an actionable prediction, one whose replace-by is at most 14 days after
//!   the moment it is made (the end of an observed day). See [`crate::engine`].
//! - **Lifetime of an alert**: the part installed in the slot at the moment of the alert,
//!   i.e. the lifetime with `installed < alert.at ≤ failure.at`. Alerts made while a slot
//!   is down (failed, not yet replaced) belong to no lifetime and are only counted.
//! - **Gradual failures injected**: gradual failures on an observed day. Those before day
//!   21 are *too early*: the method needs 14 days of data, so no alert can come 7 days
//!   ahead of them; they are reported and left out of every fraction.
//! - **Lead** of a failure: failure time − time of the first alert in its lifetime, in
//!   days. **Predicted 7 d ahead** when the lead is ≥ 7. **Missed** otherwise: either no
//!   alert at all in the lifetime, or a first alert less than 7 days ahead.
//! - **Median lead**: over the scored failures that had any alert in their lifetime.
//! - **True alert** (a stricter reading, reported beside the above): an alert whose own
//!   window, from the alert to its `latest` + 14 days, contains the failure. A first alert
//!   months ahead of the failure is counted as a prediction by the definition above but
//!   is a false alarm by the one below; `predicted_7d_true_alert` counts failures whose
//!   first *true* alert came ≥ 7 days ahead, and `crossing_mae_true_alert_days` measures
//!   the crossing error at that alert.
//! - **Errors**, measured at each scored failure's first alert (failures with no alert
//!   have none): crossing error = predicted crossing − true failure time (MAE is its mean
//!   absolute value; bias its mean); replace-by gap = true failure − replace-by (its
//!   mean absolute value is `replace_by_mae_days`). The replace-by date is by design the
//!   interval's opening minus a 7-day margin (`settings::FORECAST.safety_margin_s`; the
//!   legacy method's is 14 days), so a replace-by "gap" of a week plus the interval's
//!   early side is the engine working as intended; the crossing MAE is the figure to hold
//!   to ≤ 3 days.
//! - **Errors a week before**: the crossing error of the forecast standing 7 days before
//!   each scored failure (the latest made at least 7 and at most 10 days before it, within
//!   the part's lifetime; actionable or not): what a lab booking the replacement a week
//!   ahead goes by. `week_before_crossing_mae_days`, its bias, and how many were measured.
//! - **Late replace-by**: the share of measured failures whose replace-by date, at the
//!   first alert (`replace_by_late_fraction`) or a week before (`week_before_…`), is after
//!   the failure: a lab that replaced on the date shown would have been too late.
//! - **Interval coverage**: the share of measured failures that fell within the
//!   forecast's interval (earliest to latest), at the first alert (`interval_coverage`)
//!   and a week before (`week_before_…`): a 95 % interval that holds the failure about
//!   95 % of the time is one a lab can plan by, however wide.
//! - **Oracles** (with `--oracle`; see [`crate::oracle`]): the crossing error, at the same
//!   two moments and on the same days of data, of a fit that knows the wear's shape
//!   (`oracle_crossing_mae_days` at the first alert, `oracle_week_before_…`), and of one
//!   that knows only the simulator's curve family (`family_…`). Failures where an
//!   oracle's curve stays in the band for ten years are left out of its figure.
//! - **Alert episode**: a maximal run of alerts on consecutive days within one lifetime.
//!   It is a **false alarm** unless the slot's part failed (gradually or suddenly) between
//!   the episode's first alert and that first alert's `latest` + 14 days. An episode whose
//!   window reaches past the simulated truth without a failure is *censored* (not
//!   counted either way). A **hit** is an episode that is neither.
//! - **Wide interval**: an alert whose interval (earliest to latest) spans more than 60
//!   days. Its window reaches far (up to the one-year horizon plus 14 days), so a failure
//!   months later still makes its episode a hit and its failure "predicted":
//!   `alert_hits_wide_interval` and `predicted_7d_wide_interval` count how much of the
//!   above rests on such alerts.

use crate::engine::{Alert, ComponentRun, Forecasted, BASIS_DAYS};
use crate::oracle;
use crate::physics::{day_of, day_start, Component, Degradation, Fleet, Kind, Lifetime, DAY};
use crate::physics::{Failure, FailureKind, TRUTH_TAIL_DAYS};
use seqhealth_health::settings::FORECAST;
use serde::Serialize;

pub const LEAD_DAYS: f64 = 7.0;
/// The date error is also measured on the forecast standing this many days before the
/// failure: the last moment to book a replacement a week ahead.
const WEEK_BEFORE_DAYS: i64 = 7;
/// …made no longer than this before the failure (an outage leaves it unmeasured).
const WEEK_BEFORE_MAX_DAYS: i64 = 10;
pub const FALSE_ALARM_GRACE_DAYS: i64 = 14;
const GRACE: i64 = FALSE_ALARM_GRACE_DAYS * DAY;
/// Gradual failures before this observed day cannot be alerted 7 days ahead.
pub fn first_scored_day() -> i64 {
    FORECAST.min_days as i64 + 7
}
/// An episode starting this soon after a replacement may be fitted on the old part's data.
const AFTER_REPLACEMENT_DAYS: i64 = 90;
/// An alert whose interval spans more than this many days is counted apart: its hit
/// window is long enough to catch a failure months away.
pub const WIDE_INTERVAL_DAYS: i64 = 60;

/// Whether an alert's interval (earliest to latest) spans more than [`WIDE_INTERVAL_DAYS`].
pub fn wide_interval(a: &Alert) -> bool {
    a.latest.saturating_sub(a.earliest) > WIDE_INTERVAL_DAYS * DAY
}

/// The verdict on an alert episode starting with `first`, in a lifetime that ended in
/// `failure` (if it did before the truth ends at `truth_end`): a hit when the part failed
/// by the first alert's `latest` + 14 days; censored when that window reaches past the
/// truth with no failure; else a false alarm.
pub fn verdict(first: &Alert, failure: Option<Failure>, truth_end: i64) -> Verdict {
    let window_end = first.latest.saturating_add(GRACE);
    match failure {
        Some(f) if f.at <= window_end => Verdict::Hit,
        Some(_) => Verdict::False,
        None if window_end > truth_end => Verdict::Censored,
        None => Verdict::False,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FailureOutcome {
    pub kind: Kind,
    pub deg: Degradation,
    pub installed: i64,
    /// The part replaced an earlier one during the observed days (not the first in its slot).
    pub is_replacement: bool,
    pub at: i64,
    pub scored: bool,
    pub first_alert: Option<Alert>,
    /// The first alert whose window (to `latest` + 14 days) contains the failure.
    pub first_true_alert: Option<Alert>,
    /// The forecast in force a week before the failure (made at most 10 days before it).
    pub week_before: Option<Forecasted>,
    /// The oracle's crossing at the moment of the first alert, and of the week-before
    /// forecast ([`crate::oracle`]): a floor for the engine's error at those moments.
    pub oracle_first_alert: Option<i64>,
    pub oracle_week_before: Option<i64>,
    pub family_first_alert: Option<i64>,
    pub family_week_before: Option<i64>,
}

impl FailureOutcome {
    pub fn lead_days(&self) -> Option<f64> {
        self.first_alert
            .map(|a| (self.at - a.at) as f64 / DAY as f64)
    }

    pub fn predicted(&self) -> bool {
        self.lead_days().is_some_and(|l| l >= LEAD_DAYS)
    }

    pub fn predicted_by_true_alert(&self) -> bool {
        self.first_true_alert
            .is_some_and(|a| (self.at - a.at) as f64 / DAY as f64 >= LEAD_DAYS)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Hit,
    False,
    Censored,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Episode {
    pub kind: Kind,
    pub first: Alert,
    pub days: usize,
    pub verdict: Verdict,
    /// Starts within 90 days of a replacement seen in the data.
    pub after_replacement: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Outcomes {
    pub failures: Vec<FailureOutcome>,
    pub sudden: usize,
    pub episodes: Vec<Episode>,
    pub alerts_while_down: usize,
}

/// `runs[i][k]` is the engine's run on component `k` of instrument `i`.
/// `with_oracles`: also fit the two oracles at each failure's first alert and week-before
/// forecast (slow: the family oracle tries hundreds of shapes per fit).
pub fn collect(fleet: &Fleet, runs: &[Vec<ComponentRun>], with_oracles: bool) -> Outcomes {
    let obs_start = day_start(0);
    let obs_end = day_start(fleet.days);
    let truth_end = obs_end + TRUTH_TAIL_DAYS * DAY;
    let mut out = Outcomes::default();
    for (inst, inst_runs) in fleet.instruments.iter().zip(runs) {
        for (c, run) in inst.components.iter().zip(inst_runs) {
            let mut assigned = 0;
            for (k, lt) in c.lifetimes.iter().enumerate() {
                let mine = alerts_of(lt, &run.alerts);
                assigned += mine.len();
                if let Some(f) = lt.failure.filter(|f| f.at >= obs_start && f.at < obs_end) {
                    let first_alert = mine.first().copied();
                    let week_before = week_before(&run.forecasts, lt.installed, f.at);
                    let known = |at: i64| {
                        with_oracles.then(|| oracle_at(c, k, lt, at, oracle::crossing))?
                    };
                    let family = |at: i64| {
                        with_oracles.then(|| oracle_at(c, k, lt, at, oracle::crossing_family))?
                    };
                    match f.kind {
                        FailureKind::Sudden => out.sudden += 1,
                        FailureKind::Gradual => out.failures.push(FailureOutcome {
                            kind: c.kind,
                            deg: lt.deg,
                            installed: lt.installed,
                            is_replacement: k > 0 && lt.installed > obs_start,
                            at: f.at,
                            scored: day_of(f.at) >= first_scored_day(),
                            first_alert,
                            first_true_alert: mine
                                .iter()
                                .find(|a| f.at <= a.latest.saturating_add(GRACE))
                                .copied(),
                            week_before,
                            oracle_first_alert: first_alert.and_then(|a| known(a.at)),
                            oracle_week_before: week_before.and_then(|p| known(p.at)),
                            family_first_alert: first_alert.and_then(|a| family(a.at)),
                            family_week_before: week_before.and_then(|p| family(p.at)),
                        }),
                    }
                }
                for run in episodes(mine) {
                    let first = run[0];
                    let verdict = verdict(&first, lt.failure, truth_end);
                    out.episodes.push(Episode {
                        kind: c.kind,
                        first,
                        days: run.len(),
                        verdict,
                        after_replacement: k > 0
                            && lt.installed > obs_start
                            && first.at - lt.installed < AFTER_REPLACEMENT_DAYS * DAY,
                    });
                }
            }
            out.alerts_while_down += run.alerts.len() - assigned;
        }
    }
    out
}

/// The oracle's crossing for the `k`th part of `c`, fitted at `at` (the end of an observed
/// day) on the window the engine had: the last 90 days, none up to the part's installation
/// if it replaced another.
fn oracle_at(
    c: &Component,
    k: usize,
    lt: &Lifetime,
    at: i64,
    crossing: oracle::Crossing,
) -> Option<i64> {
    let to = usize::try_from(day_of(at) - 1).ok()?;
    let since = if k > 0 {
        usize::try_from(day_of(lt.installed) + 1).unwrap_or(0)
    } else {
        0
    };
    let from = (to + 1).saturating_sub(BASIS_DAYS).max(since);
    (from <= to).then(|| crossing(c.kind, &lt.deg, &c.daily, from, to, at))?
}

/// The latest forecast made at least 7 days before `failure`, if it was made within
/// 10 days of it and after the part was installed (none across an outage or a swap).
fn week_before(forecasts: &[Forecasted], installed: i64, failure: i64) -> Option<Forecasted> {
    let to = forecasts.partition_point(|p| p.at <= failure - WEEK_BEFORE_DAYS * DAY);
    to.checked_sub(1)
        .and_then(|i| forecasts.get(i))
        .filter(|p| p.at > installed && p.at > failure - WEEK_BEFORE_MAX_DAYS * DAY)
        .copied()
}

fn alerts_of<'a>(lt: &Lifetime, alerts: &'a [Alert]) -> &'a [Alert] {
    let end = lt.failure.map_or(i64::MAX, |f| f.at);
    let from = alerts.partition_point(|a| a.at <= lt.installed);
    let to = alerts.partition_point(|a| a.at <= end);
    alerts.get(from..to.max(from)).unwrap_or(&[])
}

/// Splits alerts (in day order) into runs of consecutive days.
fn episodes(alerts: &[Alert]) -> Vec<&[Alert]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=alerts.len() {
        let breaks = i == alerts.len() || alerts[i].day != alerts[i - 1].day + 1;
        if breaks {
            out.push(&alerts[start..i]);
            start = i;
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// The one-line result.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub seed: u64,
    pub instruments: usize,
    pub days: usize,
    pub window: &'static str,
    pub method: &'static str,
    /// Gradual failures on an observed day.
    pub failures_injected: usize,
    /// Of those, before day 21 (left out of the fractions below).
    pub failures_too_early: usize,
    /// Injected − too early: the denominator of the predicted fraction.
    pub failures_scored: usize,
    /// Sudden failures (no precursor) on an observed day; not in any fraction.
    pub sudden_failures: usize,
    pub predicted_7d: usize,
    pub predicted_7d_fraction: Option<f64>,
    pub median_lead_days: Option<f64>,
    pub missed: usize,
    pub missed_no_alert: usize,
    pub missed_late_alert: usize,
    pub alert_episodes: usize,
    pub false_alarms: usize,
    pub false_alarm_fraction: Option<f64>,
    pub episodes_censored: usize,
    /// Episodes judged hits; of those, begun by an alert whose interval spans > 60 days.
    pub alert_hits: usize,
    pub alert_hits_wide_interval: usize,
    /// Failures predicted ≥ 7 days ahead by a first alert with such a wide interval.
    pub predicted_7d_wide_interval: usize,
    pub alerts_while_down: usize,
    /// Scored failures with a first alert: the sample of the errors below.
    pub errors_measured: usize,
    pub crossing_mae_days: Option<f64>,
    pub crossing_bias_days: Option<f64>,
    pub replace_by_mae_days: Option<f64>,
    pub replace_by_mean_gap_days: Option<f64>,
    pub predicted_7d_true_alert: usize,
    pub predicted_7d_true_alert_fraction: Option<f64>,
    pub crossing_mae_true_alert_days: Option<f64>,
    pub week_before_measured: usize,
    pub week_before_crossing_mae_days: Option<f64>,
    pub week_before_crossing_bias_days: Option<f64>,
    pub replace_by_late_fraction: Option<f64>,
    pub week_before_replace_by_late_fraction: Option<f64>,
    pub interval_coverage: Option<f64>,
    pub week_before_interval_coverage: Option<f64>,
    pub oracle_crossing_mae_days: Option<f64>,
    pub oracle_week_before_crossing_mae_days: Option<f64>,
    pub family_crossing_mae_days: Option<f64>,
    pub family_week_before_crossing_mae_days: Option<f64>,
    pub wall_seconds: f64,
}

/// Scores for one kind of component, or the whole fleet.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    pub failures_scored: usize,
    pub predicted_7d: usize,
    pub predicted_7d_fraction: Option<f64>,
    pub median_lead_days: Option<f64>,
    pub missed_no_alert: usize,
    pub missed_late_alert: usize,
    /// Scored failures whose first alert came within 90 days of the part's installation
    /// as a replacement: with the server's window, fitted partly on the old part's data.
    pub first_alert_soon_after_replacement: usize,
    pub errors_measured: usize,
    pub crossing_mae_days: Option<f64>,
    pub crossing_bias_days: Option<f64>,
    pub replace_by_mae_days: Option<f64>,
    pub replace_by_mean_gap_days: Option<f64>,
    pub replace_by_late_fraction: Option<f64>,
    pub predicted_7d_true_alert: usize,
    pub predicted_7d_true_alert_fraction: Option<f64>,
    pub crossing_mae_true_alert_days: Option<f64>,
    /// Scored failures with a forecast standing a week before them.
    pub week_before_measured: usize,
    pub week_before_crossing_mae_days: Option<f64>,
    pub week_before_crossing_bias_days: Option<f64>,
    pub week_before_replace_by_late_fraction: Option<f64>,
    /// Measured failures inside the interval at the first alert, and a week before.
    pub interval_coverage: Option<f64>,
    pub week_before_interval_coverage: Option<f64>,
    /// The oracle's crossing MAE at the same moments (first alert, a week before): a floor
    /// for the two above, from a fit that knows the wear's shape.
    pub oracle_crossing_mae_days: Option<f64>,
    pub oracle_week_before_crossing_mae_days: Option<f64>,
    pub family_crossing_mae_days: Option<f64>,
    pub family_week_before_crossing_mae_days: Option<f64>,
    pub alert_episodes: usize,
    pub false_alarms: usize,
    pub false_alarm_fraction: Option<f64>,
    /// False alarms starting within 90 days of a replacement (old part's data in the fit).
    pub false_alarms_after_replacement: usize,
    pub episodes_censored: usize,
    /// Episodes judged hits, and of those, how many began with an alert whose interval
    /// spans more than 60 days ([`WIDE_INTERVAL_DAYS`]).
    pub alert_hits: usize,
    pub alert_hits_wide_interval: usize,
    /// Failures predicted ≥ 7 days ahead whose first alert's interval was that wide.
    pub predicted_7d_wide_interval: usize,
}

pub fn scores<'a>(
    failures: impl Iterator<Item = &'a FailureOutcome>,
    episodes: impl Iterator<Item = &'a Episode>,
) -> Scores {
    let scored: Vec<&FailureOutcome> = failures.filter(|f| f.scored).collect();
    let predicted = scored.iter().filter(|f| f.predicted()).count();
    let leads: Vec<f64> = scored.iter().filter_map(|f| f.lead_days()).collect();
    let missed_no_alert = scored.iter().filter(|f| f.first_alert.is_none()).count();
    let measured: Vec<(&FailureOutcome, Alert)> = scored
        .iter()
        .filter_map(|f| f.first_alert.map(|a| (*f, a)))
        .collect();
    let days = |s: i64| s as f64 / DAY as f64;
    let crossing: Vec<f64> = measured
        .iter()
        .map(|(f, a)| days(a.crossing.saturating_sub(f.at)))
        .collect();
    let gap: Vec<f64> = measured
        .iter()
        .map(|(f, a)| days(f.at.saturating_sub(a.replace_by)))
        .collect();
    let predicted_true = scored
        .iter()
        .filter(|f| f.predicted_by_true_alert())
        .count();
    let crossing_true = scored.iter().filter_map(|f| {
        f.first_true_alert
            .map(|a| days(a.crossing.saturating_sub(f.at)).abs())
    });
    let week: Vec<f64> = scored
        .iter()
        .filter_map(|f| f.week_before.map(|p| days(p.crossing.saturating_sub(f.at))))
        .collect();
    let oracle_mae = |pick: fn(&FailureOutcome) -> Option<i64>| {
        mean(
            scored
                .iter()
                .filter_map(|f| pick(f).map(|c| days(c.saturating_sub(f.at)).abs())),
        )
    };
    let eps: Vec<&Episode> = episodes.collect();
    let judged = eps
        .iter()
        .filter(|e| e.verdict != Verdict::Censored)
        .count();
    let false_alarms = eps.iter().filter(|e| e.verdict == Verdict::False).count();
    let hits: Vec<&&Episode> = eps.iter().filter(|e| e.verdict == Verdict::Hit).collect();
    Scores {
        failures_scored: scored.len(),
        predicted_7d: predicted,
        predicted_7d_fraction: fraction(predicted, scored.len()),
        median_lead_days: median(&leads),
        missed_no_alert,
        missed_late_alert: scored.len() - predicted - missed_no_alert,
        first_alert_soon_after_replacement: scored
            .iter()
            .filter(|f| {
                f.is_replacement
                    && f.first_alert
                        .is_some_and(|a| a.at - f.installed < AFTER_REPLACEMENT_DAYS * DAY)
            })
            .count(),
        errors_measured: measured.len(),
        crossing_mae_days: mean(crossing.iter().map(|e| e.abs())),
        crossing_bias_days: mean(crossing.iter().copied()),
        replace_by_mae_days: mean(gap.iter().map(|e| e.abs())),
        replace_by_mean_gap_days: mean(gap.iter().copied()),
        replace_by_late_fraction: fraction(gap.iter().filter(|g| **g < 0.0).count(), gap.len()),
        predicted_7d_true_alert: predicted_true,
        predicted_7d_true_alert_fraction: fraction(predicted_true, scored.len()),
        crossing_mae_true_alert_days: mean(crossing_true),
        week_before_measured: week.len(),
        week_before_crossing_mae_days: mean(week.iter().map(|e| e.abs())),
        week_before_crossing_bias_days: mean(week.iter().copied()),
        week_before_replace_by_late_fraction: fraction(
            scored
                .iter()
                .filter(|f| f.week_before.is_some_and(|p| p.replace_by > f.at))
                .count(),
            week.len(),
        ),
        interval_coverage: fraction(
            measured
                .iter()
                .filter(|(f, a)| (a.earliest..=a.latest).contains(&f.at))
                .count(),
            measured.len(),
        ),
        week_before_interval_coverage: fraction(
            scored
                .iter()
                .filter(|f| {
                    f.week_before
                        .is_some_and(|p| (p.earliest..=p.latest).contains(&f.at))
                })
                .count(),
            week.len(),
        ),
        oracle_crossing_mae_days: oracle_mae(|f| f.oracle_first_alert),
        oracle_week_before_crossing_mae_days: oracle_mae(|f| f.oracle_week_before),
        family_crossing_mae_days: oracle_mae(|f| f.family_first_alert),
        family_week_before_crossing_mae_days: oracle_mae(|f| f.family_week_before),
        alert_episodes: judged,
        false_alarms,
        false_alarm_fraction: fraction(false_alarms, judged),
        false_alarms_after_replacement: eps
            .iter()
            .filter(|e| e.verdict == Verdict::False && e.after_replacement)
            .count(),
        episodes_censored: eps.len() - judged,
        alert_hits: hits.len(),
        alert_hits_wide_interval: hits.iter().filter(|e| wide_interval(&e.first)).count(),
        predicted_7d_wide_interval: scored
            .iter()
            .filter(|f| f.predicted() && f.first_alert.is_some_and(|a| wide_interval(&a)))
            .count(),
    }
}

/// Which wear shapes the misses come from: a feature of each scored failure binned.
#[derive(Debug, Clone, Serialize)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub failures: usize,
    pub missed: usize,
}

pub fn bins<'a>(
    failures: impl Iterator<Item = &'a FailureOutcome>,
    edges: &[f64],
    feature: impl Fn(&FailureOutcome) -> f64,
) -> Vec<Bin> {
    let mut out: Vec<Bin> = edges
        .windows(2)
        .map(|w| Bin {
            from: w[0],
            to: w[1],
            failures: 0,
            missed: 0,
        })
        .collect();
    for f in failures.filter(|f| f.scored) {
        let v = feature(f);
        let last = out.len().saturating_sub(1);
        let i = out.iter().position(|b| v < b.to).unwrap_or(last);
        if let Some(b) = out.get_mut(i) {
            b.failures += 1;
            b.missed += usize::from(!f.predicted());
        }
    }
    out
}

pub fn fraction(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| round3(n as f64 / d as f64))
}

pub fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| round3(sum / n as f64))
}

pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(round3(v[n / 2])),
        _ => Some(round3((v[n / 2 - 1] + v[n / 2]) / 2.0)),
    }
}

pub fn round3(x: f64) -> f64 {
    (x * 1_000.0).round() / 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(day: usize) -> Alert {
        let at = day_start(day + 1);
        Alert {
            day,
            at,
            crossing: at,
            earliest: at,
            latest: at,
            replace_by: at,
        }
    }

    #[test]
    fn episodes_are_runs_of_consecutive_days() {
        let alerts: Vec<Alert> = [3, 4, 5, 9, 11, 12].into_iter().map(alert).collect();
        let runs: Vec<Vec<usize>> = episodes(&alerts)
            .iter()
            .map(|r| r.iter().map(|a| a.day).collect())
            .collect();
        assert_eq!(runs, vec![vec![3, 4, 5], vec![9], vec![11, 12]]);
        assert!(episodes(&[]).is_empty());
    }

    // ---------------------------------------------------- scoring on hand-made cases

    const FLEET_DAYS: usize = 400;

    /// Unix seconds `day` days (fractional) after the start of observed day 0.
    fn t(day: f64) -> i64 {
        crate::physics::EPOCH + (day * DAY as f64) as i64
    }

    /// An actionable alert made at the end of `day`, its interval `earliest`..`latest`
    /// (days), crossing halfway.
    fn alert_at(day: usize, earliest: f64, latest: f64) -> Alert {
        let at = day_start(day + 1);
        Alert {
            day,
            at,
            crossing: (t(earliest) + t(latest)) / 2,
            earliest: t(earliest),
            latest: t(latest),
            replace_by: t(earliest) - 7 * DAY,
        }
    }

    /// `n` alerts on consecutive days from `day`, each with the same interval.
    fn episode(day: usize, n: usize, earliest: f64, latest: f64) -> Vec<Alert> {
        (day..day + n)
            .map(|d| alert_at(d, earliest, latest))
            .collect()
    }

    fn wear() -> Degradation {
        Degradation {
            base: 100.0,
            onset: t(0.0),
            duration_days: 100.0,
            exponent: 1.0,
            rate: -0.2,
            osc_amplitude: 0.0,
            osc_exponent: 1.0,
            osc_period_s: DAY as f64,
            osc_phase: 0.0,
            noise_sd: 0.5,
            noise_growth: 0.0,
        }
    }

    /// One laser, installed before day 0, failing gradually at `failure` (days) or not
    /// at all; the engine said `alerts` about it.
    fn score(failure: Option<f64>, alerts: Vec<Alert>) -> (Outcomes, Scores) {
        let lifetimes = vec![Lifetime {
            installed: t(-30.0),
            deg: wear(),
            failure: failure.map(|d| Failure {
                at: t(d),
                kind: FailureKind::Gradual,
                replaced_at: t(d + 2.0),
            }),
        }];
        let component = Component {
            kind: Kind::Laser,
            lifetimes,
            daily: vec![crate::physics::DayAgg::default(); FLEET_DAYS],
        };
        let fleet = Fleet {
            seed: 0,
            days: FLEET_DAYS,
            instruments: vec![crate::physics::Instrument {
                installed: t(-30.0),
                components: vec![component],
            }],
        };
        let forecasts = alerts
            .iter()
            .map(|a| Forecasted {
                at: a.at,
                crossing: a.crossing,
                earliest: a.earliest,
                latest: a.latest,
                replace_by: a.replace_by,
            })
            .collect();
        let run = ComponentRun {
            prediction_days: alerts.len(),
            alerts,
            forecasts,
        };
        let out = collect(&fleet, &[vec![run]], false);
        let s = scores(out.failures.iter(), out.episodes.iter());
        (out, s)
    }

    fn verdicts(out: &Outcomes) -> Vec<Verdict> {
        out.episodes.iter().map(|e| e.verdict).collect()
    }

    #[test]
    fn an_alert_weeks_ahead_whose_interval_holds_the_failure_is_a_hit() {
        // Daily alerts from the end of day 80 to that of day 93; failure at day 100.25,
        // inside 92–102.
        let (out, s) = score(Some(100.25), episode(80, 14, 92.0, 102.0));
        assert_eq!(verdicts(&out), [Verdict::Hit]);
        assert_eq!((s.failures_scored, s.predicted_7d), (1, 1));
        assert_eq!(s.median_lead_days, Some(19.25));
        assert_eq!((s.missed_no_alert, s.missed_late_alert), (0, 0));
        assert_eq!((s.alert_episodes, s.false_alarms, s.alert_hits), (1, 0, 1));
        assert_eq!(s.predicted_7d_true_alert, 1);
        assert_eq!(s.interval_coverage, Some(1.0));
        // Crossing at 97: 3.25 days early. Replace-by at 85: 15.25 days before.
        assert_eq!(s.crossing_mae_days, Some(3.25));
        assert_eq!(s.crossing_bias_days, Some(-3.25));
        assert_eq!(s.replace_by_mean_gap_days, Some(15.25));
        assert_eq!(s.replace_by_late_fraction, Some(0.0));
        assert_eq!(s.alert_hits_wide_interval, 0);
        // The forecast standing a week before: the alert made at the end of day 92.
        assert_eq!(s.week_before_measured, 1);
        assert_eq!(s.week_before_crossing_mae_days, Some(3.25));
        assert_eq!(s.week_before_interval_coverage, Some(1.0));
        // Alerts that stop 15 days before the failure leave no forecast a week before.
        let (_, s) = score(Some(100.25), episode(80, 5, 92.0, 102.0));
        assert_eq!((s.predicted_7d, s.week_before_measured), (1, 0));
    }

    #[test]
    fn an_alert_less_than_a_week_ahead_is_a_miss_though_its_episode_is_a_hit() {
        // First alert at the end of day 96: 3.25 days before the failure.
        let (out, s) = score(Some(100.25), episode(96, 3, 98.0, 104.0));
        assert_eq!(verdicts(&out), [Verdict::Hit]);
        assert_eq!(s.predicted_7d, 0);
        assert_eq!((s.missed_no_alert, s.missed_late_alert), (0, 1));
        assert_eq!(s.predicted_7d_fraction, Some(0.0));
        assert_eq!(s.median_lead_days, Some(3.25));
        // No alert at all: missed without one.
        let (out, s) = score(Some(100.25), Vec::new());
        assert!(out.episodes.is_empty());
        assert_eq!((s.missed_no_alert, s.missed_late_alert), (1, 0));
        assert_eq!(s.errors_measured, 0);
    }

    #[test]
    fn an_alert_whose_window_closes_before_the_failure_is_a_false_alarm() {
        // Alerts at days 20–22 saying 28–35; the part lasts until day 100.25, so the
        // window (to 35 + 14 = 49) closes first. The lenient score still counts the
        // failure as predicted 80 days ahead; the true-alert score does not.
        let (out, s) = score(Some(100.25), episode(20, 3, 28.0, 35.0));
        assert_eq!(verdicts(&out), [Verdict::False]);
        assert_eq!((s.alert_episodes, s.false_alarms), (1, 1));
        assert_eq!(s.false_alarm_fraction, Some(1.0));
        assert_eq!(s.predicted_7d, 1);
        assert_eq!(s.predicted_7d_true_alert, 0);
        // A part that never fails: false unless the window outlasts the simulated truth.
        let (out, _) = score(None, episode(20, 3, 28.0, 35.0));
        assert_eq!(verdicts(&out), [Verdict::False]);
        let truth_days = (FLEET_DAYS as i64 + TRUTH_TAIL_DAYS) as f64;
        let (out, s) = score(None, episode(390, 2, 395.0, truth_days - 10.0));
        assert_eq!(verdicts(&out), [Verdict::Censored]);
        assert_eq!((s.alert_episodes, s.episodes_censored), (0, 1));
        // Two runs of alerts, a day apart: two episodes, each judged on its own.
        let mut alerts = episode(20, 2, 28.0, 35.0);
        alerts.extend(episode(90, 2, 95.0, 105.0));
        let (out, s) = score(Some(100.25), alerts);
        assert_eq!(verdicts(&out), [Verdict::False, Verdict::Hit]);
        assert_eq!((s.false_alarms, s.alert_hits), (1, 1));
    }

    #[test]
    fn an_alert_whose_interval_reaches_the_horizon_is_a_hit_counted_apart() {
        // Alert at day 20 with an interval 30–380: a failure 280 days later is inside its
        // window, so the episode is a hit and the failure "predicted" 280 days ahead.
        let (out, s) = score(Some(300.25), episode(20, 2, 30.0, 380.0));
        assert_eq!(verdicts(&out), [Verdict::Hit]);
        assert_eq!((s.alert_hits, s.alert_hits_wide_interval), (1, 1));
        assert_eq!((s.predicted_7d, s.predicted_7d_wide_interval), (1, 1));
        assert_eq!(s.median_lead_days, Some(279.25));
        // An interval of exactly 60 days is not wide; 60 days and a second is.
        let a = alert_at(20, 30.0, 90.0);
        assert!(!wide_interval(&a));
        assert!(wide_interval(&Alert {
            latest: a.latest + 1,
            ..a
        }));
    }

    #[test]
    fn medians_and_fractions() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(fraction(1, 3), Some(0.333));
        assert_eq!(fraction(1, 0), None);
    }
}
