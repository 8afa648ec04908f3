//! One degradation signal's daily aggregates → a forecast of when it leaves its band:
//! the method the server runs and the prediction benchmark (`health-eval`) scores. The
//! settings are [`crate::settings::FORECAST`]; `BENCHMARKS.md` has the figures behind
//! each choice.
//!
//! The choices, and why:
//! - **Only the current part's days.** Days up to the component's latest replacement
//!   belong to the old, worn part; a fit across the swap sees a jump and predicts
//!   nonsense. The caller passes the replacement time as `since`.
//! - **The level or the peaks, as the sensor's limit is meant.** Most limits judge the
//!   signal's level (laser power, line pressure, stage error: a noisy reading above the
//!   band is the sensor, not the part), so the daily mean is fitted. Some judge every
//!   excursion (a reagent chiller hunting around its set point spoils reagents at its
//!   peaks, and the cycle averages out of the daily mean), so the daily extreme is
//!   fitted. The caller says which ([`ForecastMethod::aggregate`]; the server takes it
//!   from the sensor's configuration). [`Aggregate::Peak`] guesses instead, from the
//!   data, how much of each day's extreme is noise; with four readings a day it cannot
//!   tell a fast cycle from noise, so it runs late on a hunting chiller.
//! - **A robust line weighted toward recent days** (tricube over 45 days, biweight
//!   against glitch days): wear accelerates toward the end of a part's life, and a line
//!   over 90 equally weighted days extrapolates weeks late.
//! - **The crossing interval from the line's own uncertainty**, the replace-by a week
//!   before its early end. An interval that does not close within the horizon (the line
//!   might, for all the data says, never get there) gives no forecast: on healthy parts
//!   such "predictions" are months out and noise. The line's band is narrow and steady,
//!   so when a part first comes due changes little from day to day.
//! - **The interval opens as early as acceleration allows.** The line's band counts the
//!   noise, not the chance that wear speeds up, so on its own it opens after many
//!   failures. Where a parabola through the same days bends toward the limit at all, the
//!   interval opens where its pessimistic band reaches the limit, if that is sooner. The
//!   replace-by stays a week before the line's band opens, and is never after the
//!   interval opens ([`ForecastMethod::open_by_bend`]).
//! - **The predicted date follows a clear bend.** Where a parabola through the same days
//!   bends toward the limit by [`ForecastMethod::bend_z`] standard errors (wear
//!   accelerating), its crossing is the predicted date: the line would be days late. The
//!   parabola moves the date, and the line's early end to it when it is sooner; its own
//!   band widens with the square of the horizon, so timing the alert by it would alert
//!   weeks early. The replace-by stays a week before the line's early end (or the bent
//!   date), so it is rarely after the failure.
//!
//! The direction (which band edge) comes from the fitted value's drift (the daily mean's;
//! for extremes, the max's toward the upper edge and the min's toward the lower), which
//! must be clear (its slope `gate_z` standard errors from zero), and toward an edge
//! wear can push the signal to ([`ForecastMethod::toward`]): a stage's position error
//! drifting down toward its floor of zero is not a part wearing out.

use super::limit::{Limit, LimitKind, TimeToLimit};
use super::to_unix_seconds;
use crate::trend::local::{robust_poly, PolyFit, Shape};
use crate::trend::Z_95;
use serde::{Deserialize, Serialize};

use seqhealth_api::DAY;
const DAY_F: f64 = DAY as f64;

/// One day of one sensor, as the server's daily bucket holds it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DailyAggregate {
    /// Unix seconds of the start of the day (UTC midnight).
    pub start: i64,
    /// Readings that day; days with none are skipped.
    pub n: u32,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

impl DailyAggregate {
    /// From a bucket's stored columns (`sum` rather than the mean). `None` when empty.
    pub fn from_sum(start: i64, n: u32, sum: f64, min: f64, max: f64) -> Option<Self> {
        (n > 0).then(|| DailyAggregate {
            start,
            n,
            mean: sum / f64::from(n),
            min,
            max,
        })
    }
}

/// Which daily value is fitted for the timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    Mean,
    /// Max toward an upper limit, min toward a lower one.
    Extreme,
    /// The extreme less the excursion independent noise alone would give it:
    /// `mean ± max(0, |extreme − mean| − d₂(n)/2 · σ)`, σ the noise of one reading
    /// inferred from the recent daily means' scatter about the level (`σ_mean · √n`), and
    /// d₂(n)/2 the expected maximum of n standard normal values. A pure-noise signal's
    /// peak is about its mean; a cycle's peak is about its extreme.
    Peak,
}

/// Which band edges wear can push a signal toward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Toward {
    Either,
    /// Only down (a laser's output power).
    Lower,
    /// Only up (position error, focus blur).
    Upper,
}

/// How daily aggregates become a forecast. `Default` is the production method,
/// [`crate::settings::FORECAST`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ForecastMethod {
    /// Only days starting within this many days before `now` are used.
    pub basis_days: i64,
    /// Fewer usable days than this is not evidence enough.
    pub min_days: usize,
    /// Crossings further ahead than this are dropped, and so are intervals that do not
    /// close by then: no curve is a guide that far.
    pub horizon_days: i64,
    /// Which daily value is fitted: the level ([`Aggregate::Mean`], the default) or the
    /// extreme, as the sensor's limit is meant.
    pub aggregate: Aggregate,
    /// The curve whose band times the forecast. [`Shape::Quadratic`] uses a parabola
    /// whenever its bend toward the limit is `curvature_z` standard errors.
    pub shape: Shape,
    /// Tricube weight bandwidth in days back from `now` (older days weigh nothing);
    /// `None`: every day in the basis weighs the same.
    pub bandwidth_days: Option<f64>,
    /// A parabola is used when its curvature toward the limit is this many standard
    /// errors; otherwise a line.
    pub curvature_z: f64,
    /// [`Aggregate::Peak`] infers the noise from this many most recent days.
    pub noise_days: f64,
    /// With a line `shape`: a parabola bending toward the limit by this many standard
    /// errors of its curvature gives the predicted date (not the band). `None`: the line's.
    pub bend_z: Option<f64>,
    /// With a line `shape`: the interval opens no later than where a parabola bending
    /// toward the limit (by any amount) has its pessimistic band reach it, and the
    /// replace-by is no later than that opening.
    pub open_by_bend: bool,
    /// The edges a drift is forecast toward; a clear drift toward another is ignored.
    pub toward: Toward,
    /// The level's drift must be this many standard errors toward a band edge.
    pub gate_z: f64,
    /// Normal quantile of the crossing interval.
    pub z: f64,
    /// Lead subtracted from the line's earliest crossing (or a sooner bent date) to give
    /// the replace-by time; it is never after the interval opens.
    pub safety_margin_s: i64,
}

impl Default for ForecastMethod {
    /// The production method, [`crate::settings::FORECAST`] (where each value's reason
    /// is): what the server runs and health-eval scores, for a level-judged sensor. A
    /// sensor's `aggregate` and `toward` are its configuration, not defaults: the caller
    /// sets them.
    fn default() -> Self {
        crate::settings::FORECAST
    }
}

/// A forecast and its evidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// The band edge the signal heads for.
    pub limit: Limit,
    pub time: TimeToLimit,
    /// Which daily value the timing was fitted on.
    pub aggregate: Aggregate,
    /// Days that went into the fit.
    pub days_used: usize,
    /// Middle of the first day used (unix seconds) and the fitted value there.
    pub fit_from: i64,
    pub fit_from_value: f64,
    /// Fitted value and slope (units per day) at `now`.
    pub value_now: f64,
    pub slope_per_day: f64,
    /// The curve that gives the predicted date: `c[0] + c[1]·h + c[2]·h²` at `h` days
    /// from `now` (`c[2]` = 0 for a line), to draw the evidence as it was fitted.
    pub fit: [f64; 3],
}

impl Forecast {
    /// The fitted curve's value at unix seconds `t`, `now` being the time forecast at.
    pub fn fitted_at(&self, now: i64, t: i64) -> f64 {
        let h = (t - now) as f64 / DAY_F;
        self.fit[0] + h * (self.fit[1] + h * self.fit[2])
    }
}

/// Forecasts when the signal leaves `band` = (low, high).
///
/// `days`: the sensor's daily aggregates, any order; days outside the basis window, days
/// that do not start strictly after `since`, and empty days are ignored, so the caller
/// may pass more than needed. `since`: unix seconds at which the component's latest
/// replacement was completed (`None`: never replaced, or not known); the day holding it
/// is left out too, as it may mix the two parts. `now`: unix seconds; only days that
/// start before it are used.
pub fn forecast_from_daily(
    days: &[DailyAggregate],
    band: (f64, f64),
    now: i64,
    since: Option<i64>,
    method: &ForecastMethod,
) -> Option<Forecast> {
    let basis = Basis::select(days, now, since, method)?;
    let (limit, gated) = basis.direction(band)?;
    let points = basis.timing_points(limit, &gated);
    let timing = basis.timing_curve(&points, limit, gated)?;
    let x_first = basis.x_first();
    let z = if method.z.is_finite() && method.z >= 0.0 {
        method.z
    } else {
        Z_95
    };
    let horizon = method.horizon_days as f64;
    let (c, e, l) = crossings(&timing, limit, x_first, horizon, z)?;
    if l >= horizon {
        // The data cannot rule out that it never gets there: no date to give.
        return None;
    }
    let line = Timing {
        fit: timing,
        crossing: c,
        opens: e,
        due: e,
        latest: l,
    };
    let timing = follow_bend(&points, limit, x_first, horizon, z, method, line);
    basis.forecast(limit, timing)
}

/// The days a forecast is fitted on, and where each sits and how much it weighs.
struct Basis<'m> {
    /// The usable days, oldest first; at least one.
    days: Vec<DailyAggregate>,
    now: i64,
    method: &'m ForecastMethod,
}

/// Where a forecast's dates fall, in days from now, and the curve that gives them.
#[derive(Debug, Clone, Copy)]
struct Timing {
    /// The curve whose crossing is the predicted date.
    fit: PolyFit,
    crossing: f64,
    /// Where the interval opens.
    opens: f64,
    /// What the replace-by keeps its margin from: the line's band, or a sooner bent date.
    due: f64,
    /// Where the line's band closes.
    latest: f64,
}

impl<'m> Basis<'m> {
    /// The days in the basis window, after the latest replacement, before `now`, with
    /// readings and finite values; `None` when fewer than the method's minimum.
    fn select(
        days: &[DailyAggregate],
        now: i64,
        since: Option<i64>,
        method: &'m ForecastMethod,
    ) -> Option<Self> {
        let from = now.saturating_sub(method.basis_days.max(0).saturating_mul(DAY));
        let mut used: Vec<DailyAggregate> = days
            .iter()
            .copied()
            .filter(|d| {
                d.n > 0
                    && d.start >= from
                    && d.start < now
                    && since.is_none_or(|s| d.start > s)
                    && d.mean.is_finite()
                    && d.min.is_finite()
                    && d.max.is_finite()
            })
            .collect();
        if used.len() < method.min_days.max(1) {
            return None;
        }
        used.sort_by_key(|d| d.start);
        Some(Basis {
            days: used,
            now,
            method,
        })
    }

    /// x in days relative to now (the middle of the day): small numbers, well-conditioned
    /// powers.
    fn x_of(&self, d: &DailyAggregate) -> f64 {
        (d.start + DAY / 2 - self.now) as f64 / DAY_F
    }

    /// The first day's x.
    fn x_first(&self) -> f64 {
        self.days.first().map_or(0.0, |d| self.x_of(d))
    }

    /// Tricube weight of a day at `x`: recent days weigh most.
    fn weight(&self, x: f64) -> f64 {
        match self.method.bandwidth_days {
            Some(bw) if bw > 0.0 => {
                let u = (-x / bw).clamp(0.0, 1.0);
                (1.0 - u * u * u).powi(3)
            }
            _ => 1.0,
        }
    }

    /// (x, f(day), weight) of every day.
    fn series(&self, f: &dyn Fn(&DailyAggregate) -> f64) -> Vec<(f64, f64, f64)> {
        self.days
            .iter()
            .map(|d| {
                let x = self.x_of(d);
                (x, f(d), self.weight(x))
            })
            .collect()
    }

    /// Whether a fitted line heads for `limit` now, clearly (its slope `gate_z` standard
    /// errors from zero), and toward an edge wear can push the signal to.
    fn heads(&self, fit: &PolyFit, limit: Limit) -> bool {
        let method = self.method;
        let gate = if method.gate_z.is_finite() {
            method.gate_z.max(0.0)
        } else {
            Z_95
        };
        let (slope, se) = (fit.slope_at(0.0), fit.slope_se());
        match limit.kind {
            LimitKind::Upper => method.toward != Toward::Lower && slope > gate * se && slope > 0.0,
            LimitKind::Lower => method.toward != Toward::Upper && slope < -gate * se && slope < 0.0,
        }
    }

    /// Direction and gate: the limit the signal heads for, and the line that passed the
    /// gate. For the level (and the noise-aware peak), the daily mean's line; for the
    /// extremes, the daily max's toward the upper edge and the daily min's toward the
    /// lower, as a swing that grows about a steady mean wears toward both: the edge the
    /// line reaches first.
    fn direction(&self, band: (f64, f64)) -> Option<(Limit, PolyFit)> {
        let (upper, lower) = (Limit::upper(band.1), Limit::lower(band.0));
        if self.method.aggregate == Aggregate::Extreme {
            let horizon = self.method.horizon_days as f64;
            let reaches = |f: &dyn Fn(&DailyAggregate) -> f64, limit: Limit| {
                robust_poly(&self.series(f), 0.0, Shape::Line)
                    .filter(|fit| self.heads(fit, limit))
                    .and_then(|fit| {
                        first_crossing(&|h| beyond(limit, fit.value_at(h)), 0.0, horizon)
                            .map(|c| (fit, c))
                    })
            };
            match (reaches(&|d| d.max, upper), reaches(&|d| d.min, lower)) {
                (Some((_, u)), Some((fit, l))) if l < u => Some((lower, fit)),
                (Some((fit, _)), _) => Some((upper, fit)),
                (None, Some((fit, _))) => Some((lower, fit)),
                (None, None) => None,
            }
        } else {
            let level = robust_poly(&self.series(&|d| d.mean), 0.0, Shape::Line)?;
            if self.heads(&level, upper) {
                Some((upper, level))
            } else if self.heads(&level, lower) {
                Some((lower, level))
            } else {
                None
            }
        }
    }

    /// The daily values the timing is fitted on, as the method's aggregate says.
    fn timing_points(&self, limit: Limit, gated: &PolyFit) -> Vec<(f64, f64, f64)> {
        match self.method.aggregate {
            Aggregate::Mean => self.series(&|d| d.mean),
            Aggregate::Peak => self.peaks(limit, gated),
            Aggregate::Extreme => match limit.kind {
                LimitKind::Upper => self.series(&|d| d.max),
                LimitKind::Lower => self.series(&|d| d.min),
            },
        }
    }

    /// [`Aggregate::Peak`]: each day's extreme toward the limit, less the excursion
    /// independent noise alone would give it.
    fn peaks(&self, limit: Limit, level: &PolyFit) -> Vec<(f64, f64, f64)> {
        // Noise σ of one reading, from the recent daily means' scatter about the level.
        let recent: Vec<f64> = self
            .days
            .iter()
            .filter(|d| self.x_of(d) >= -self.method.noise_days)
            .map(|d| (d.mean - level.value_at(self.x_of(d))) * f64::from(d.n).sqrt())
            .collect();
        let sigma = crate::stats::mad_sigma(&recent).unwrap_or(0.0);
        let sign = if limit.kind == LimitKind::Upper {
            1.0
        } else {
            -1.0
        };
        let peak = |d: &DailyAggregate| {
            let ext = if sign > 0.0 { d.max } else { d.min };
            let excess = sign * (ext - d.mean) - 0.5 * d2(d.n.max(2)) * sigma;
            d.mean + sign * excess.max(0.0)
        };
        self.series(&peak)
    }

    /// The curve whose band times the forecast: the gate's line when that is already the
    /// fit of these points; else a parabola when its bend toward the limit is clear, or a
    /// line.
    fn timing_curve(
        &self,
        points: &[(f64, f64, f64)],
        limit: Limit,
        gated: PolyFit,
    ) -> Option<PolyFit> {
        let method = self.method;
        if let (Shape::Line, Aggregate::Mean | Aggregate::Extreme) =
            (method.shape, method.aggregate)
        {
            return Some(gated);
        }
        let line = robust_poly(points, 0.0, Shape::Line)?;
        if method.shape == Shape::Line {
            return Some(line);
        }
        let Some(q) = robust_poly(points, 0.0, Shape::Quadratic) else {
            return Some(line);
        };
        Some(if bends_toward(&q, limit, method.curvature_z) {
            q
        } else {
            line
        })
    }

    /// The forecast in unix seconds.
    fn forecast(&self, limit: Limit, t: Timing) -> Option<Forecast> {
        let at = |h: f64| to_unix_seconds(self.now as f64 + h * DAY_F);
        let crossing = at(t.crossing)?;
        let earliest = at(t.opens)?;
        let latest = at(t.latest.max(t.crossing))?;
        let time = TimeToLimit {
            crossing,
            earliest,
            latest,
            // A week before the line's band opens, and never after the interval opens.
            replace_by: at(t.due)?
                .saturating_sub(self.method.safety_margin_s.max(0))
                .min(earliest),
        };
        let x_first = self.x_first();
        Some(Forecast {
            limit,
            time,
            aggregate: self.method.aggregate,
            days_used: self.days.len(),
            fit_from: at(x_first)?,
            fit_from_value: t.fit.value_at(x_first),
            value_now: t.fit.value_at(0.0),
            slope_per_day: t.fit.slope_at(0.0),
            fit: t.fit.coef,
        })
    }
}

/// A parabola through the same points, bending toward the limit: it moves the date
/// when its bend is clear (`bend_z`), and opens the interval when it bends at all
/// (`open_by_bend`). The line's band stays the alert's. Only with a line `shape`.
fn follow_bend(
    points: &[(f64, f64, f64)],
    limit: Limit,
    x_first: f64,
    horizon: f64,
    z: f64,
    method: &ForecastMethod,
    line: Timing,
) -> Timing {
    let bending = (method.shape == Shape::Line
        && (method.open_by_bend || method.bend_z.is_some_and(f64::is_finite)))
    .then(|| robust_poly(points, 0.0, Shape::Quadratic))
    .flatten()
    .filter(|q| bends_toward(q, limit, 0.0));
    // From its vertex, where it turns toward the limit: its far arm may be past the limit
    // before that.
    let vertex = |q: &PolyFit| x_first.max(-q.coef[1] / (2.0 * q.coef[2]));
    let bent = bending
        .filter(|q| {
            method
                .bend_z
                .is_some_and(|bz| bz.is_finite() && bends_toward(q, limit, bz))
        })
        .and_then(|q| {
            // A crossing already in the data is a date past.
            first_crossing(&|h| beyond(limit, q.value_at(h)), vertex(&q), horizon).map(|c| (q, c))
        });
    let (fit, crossing) = match bent {
        Some((q, qc)) if qc < line.crossing => (q, qc),
        _ => (line.fit, line.crossing),
    };
    // The line's band, or a bent date before it: what the replace-by keeps a week from.
    let due = line.due.min(crossing);
    let opens = bending
        .filter(|_| method.open_by_bend)
        .and_then(|q| {
            // Only ahead: a band already past the limit in the data says nothing of when.
            let pessimistic = |h: f64| beyond(limit, q.value_at(h)) + z * q.se_at(h);
            first_crossing(&pessimistic, vertex(&q).max(0.0), due)
        })
        .map_or(due, |o| o.min(due));
    Timing {
        fit,
        crossing,
        opens,
        due,
        latest: line.latest,
    }
}

/// d₂(n): expected range of n standard normal values (the SPC constant). Tabled to 10;
/// beyond, twice Blom's expected maximum with a Tukey-lambda quantile (within ~3 %).
fn d2(n: u32) -> f64 {
    const TABLE: [f64; 9] = [
        1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078,
    ];
    match n {
        0 | 1 => f64::NAN,
        2..=10 => TABLE[n as usize - 2],
        _ => {
            let nf = f64::from(n);
            let p = (nf - 0.375) / (nf + 0.25);
            2.0 * 4.91 * (p.powf(0.14) - (1.0 - p).powf(0.14))
        }
    }
}

/// Whether a parabola bends toward the limit by more than `z` standard errors.
fn bends_toward(q: &PolyFit, limit: Limit, z: f64) -> bool {
    let toward = match limit.kind {
        LimitKind::Upper => q.coef[2],
        LimitKind::Lower => -q.coef[2],
    };
    toward > z * q.cov[2][2].max(0.0).sqrt()
}

/// Distance of `v` past the limit: positive once crossed.
fn beyond(limit: Limit, v: f64) -> f64 {
    match limit.kind {
        LimitKind::Upper => v - limit.value,
        LimitKind::Lower => limit.value - v,
    }
}

/// (crossing, earliest, latest) in days from now, searched from the first data day to the
/// horizon. `None` when the fitted curve does not reach the limit by then. The earliest is
/// where the pessimistic edge of the curve's confidence band reaches it; the latest, where
/// the optimistic edge does (the horizon if it does not).
fn crossings(
    fit: &PolyFit,
    limit: Limit,
    from: f64,
    horizon: f64,
    z: f64,
) -> Option<(f64, f64, f64)> {
    let point = |h: f64| beyond(limit, fit.value_at(h));
    let pessimistic = |h: f64| beyond(limit, fit.value_at(h)) + z * fit.se_at(h);
    let optimistic = |h: f64| beyond(limit, fit.value_at(h)) - z * fit.se_at(h);
    let horizon = horizon.max(0.0);
    let c = first_crossing(&point, from, horizon)?;
    let e = first_crossing(&pessimistic, from, c).unwrap_or(c);
    let l = first_crossing(&optimistic, c, horizon).unwrap_or(horizon);
    Some((c, e, l))
}

/// First `h` in `[from, to]` with `f(h) ≥ 0`: daily steps, then bisection to ~1 minute.
fn first_crossing(f: &dyn Fn(f64) -> f64, from: f64, to: f64) -> Option<f64> {
    if !(from.is_finite() && to.is_finite()) || to < from {
        return None;
    }
    if f(from) >= 0.0 {
        return Some(from);
    }
    let mut lo = from;
    while lo < to {
        let hi = (lo + 1.0).min(to);
        if f(hi) >= 0.0 {
            let (mut a, mut b) = (lo, hi);
            while b - a > 1e-3 {
                let m = 0.5 * (a + b);
                if f(m) >= 0.0 {
                    b = m;
                } else {
                    a = m;
                }
            }
            return Some(b);
        }
        lo = hi;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_006_400 - 1_700_006_400 % DAY + 100 * DAY;

    /// Deterministic noise in [−1, 1].
    fn noise(i: i64) -> f64 {
        ((i as f64 * 12.9898).sin() * 43_758.545).fract() * 2.0 - 1.0
    }

    /// `days` days ending yesterday; `f(day offset from now) → the four readings`.
    fn series(days: i64, f: impl Fn(i64) -> [f64; 4]) -> Vec<DailyAggregate> {
        (1..=days)
            .map(|back| {
                let r = f(-back);
                let sum: f64 = r.iter().sum();
                let min = r.iter().copied().fold(f64::INFINITY, f64::min);
                let max = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                DailyAggregate::from_sum(NOW - back * DAY, 4, sum, min, max).expect("n > 0")
            })
            .collect()
    }

    fn crossing_day(f: &Forecast) -> f64 {
        (f.time.crossing - NOW) as f64 / DAY as f64
    }

    #[test]
    fn a_falling_signal_heads_for_the_low_edge_on_time() {
        // 100 falling 0.5/day (reaches 80 in 40 days from now), small noise.
        let days = series(60, |d| {
            let v = 100.0 - 0.5 * (d + 40) as f64;
            [0, 1, 2, 3].map(|k| v + 0.3 * noise(d * 4 + k))
        });
        let f = forecast_from_daily(&days, (80.0, 110.0), NOW, None, &ForecastMethod::default())
            .expect("forecast");
        assert_eq!(f.limit, Limit::lower(80.0));
        assert!((crossing_day(&f) - 0.0).abs() < 2.0 + 40.0 - 40.0, "{f:?}");
        let t = f.time;
        assert!(t.earliest <= t.crossing && t.crossing <= t.latest);
        assert_eq!(t.replace_by, t.earliest - 7 * DAY);
        assert_eq!(f.days_used, 60);
        assert!((f.slope_per_day + 0.5).abs() < 0.05, "{f:?}");
    }

    #[test]
    fn days_of_the_replaced_part_are_left_out() {
        // The old, worn part read 108 (near the 110 edge) until it was swapped 30 days
        // ago, mid-day; the new one reads 100 rising 0.1/day: 110 in 70 days.
        let swap = NOW - 30 * DAY + DAY / 2;
        let days = series(90, |d| {
            let v = if d < -30 {
                108.0
            } else {
                103.0 + 0.1 * d as f64
            };
            [0, 1, 2, 3].map(|k| v + 0.2 * noise(d * 4 + k))
        });
        let m = ForecastMethod::default();
        let band = (80.0, 110.0);
        let f = forecast_from_daily(&days, band, NOW, Some(swap), &m).expect("forecast");
        // The swap day itself is out too: 29 days remain.
        assert_eq!(f.days_used, 29);
        assert!((crossing_day(&f) - 70.0).abs() < 8.0, "{f:?}");
        // Without `since` the old part's 60 days are fitted too.
        let mixed = forecast_from_daily(&days, band, NOW, None, &m);
        assert_eq!(mixed.map(|g| g.days_used), Some(90));
    }

    #[test]
    fn a_growing_cycle_is_forecast_by_its_peaks_and_noise_is_not() {
        // Mean 4 rising 0.02/day; a within-day cycle whose amplitude grows 0.03/day,
        // sampled at four phases that average out of the daily mean.
        let cycle = series(60, |d| {
            let mean = 5.0 + 0.02 * d as f64;
            let amp = (1.5 + 0.03 * d as f64).max(0.0);
            [1.0, 0.0, -1.0, 0.0].map(|s| mean + amp * s)
        });
        let band = (2.0, 7.0);
        let mean_method = ForecastMethod::default();
        let m = ForecastMethod {
            aggregate: Aggregate::Peak,
            ..mean_method
        };
        let peak = forecast_from_daily(&cycle, band, NOW, None, &m).expect("peak forecast");
        let mean = forecast_from_daily(&cycle, band, NOW, None, &mean_method).expect("mean");
        // Peak: 6.5 + 0.05·h reaches 7 at h = 10; the mean only at h = 100.
        assert!((crossing_day(&peak) - 10.0).abs() < 1.0, "{peak:?}");
        assert!(crossing_day(&mean) > 90.0, "{mean:?}");
        // The daily extreme, for a limit meant for every excursion, is the cycle's top.
        let top = ForecastMethod {
            aggregate: Aggregate::Extreme,
            ..mean_method
        };
        let e = forecast_from_daily(&cycle, band, NOW, None, &top).expect("extreme");
        assert!((crossing_day(&e) - 10.0).abs() < 1.0, "{e:?}");

        // Same mean, independent noise of σ 0.5 instead of the cycle: the peak is the mean.
        let noisy = series(60, |d| {
            let mean = 5.0 + 0.05 * d as f64;
            [0, 1, 2, 3].map(|k| mean + 0.5 * 1.7 * noise(d * 4 + k))
        });
        // (A horizon long enough for the peaks' wider interval to close.)
        let far = |m: ForecastMethod| ForecastMethod {
            horizon_days: 5_000,
            ..m
        };
        let p = forecast_from_daily(&noisy, band, NOW, None, &far(m)).expect("peak");
        let q = forecast_from_daily(&noisy, band, NOW, None, &far(mean_method)).expect("mean");
        assert!(
            (crossing_day(&p) - crossing_day(&q)).abs() < 4.0,
            "{} vs {}",
            crossing_day(&p),
            crossing_day(&q)
        );
        let raw = ForecastMethod {
            aggregate: Aggregate::Extreme,
            ..m
        };
        let r = forecast_from_daily(&noisy, band, NOW, None, &far(raw)).expect("extreme");
        assert!(
            crossing_day(&r) < crossing_day(&p) - 5.0,
            "the raw max runs early"
        );
    }

    #[test]
    fn a_drift_toward_an_edge_wear_does_not_reach_is_not_forecast() {
        // Position error easing from 0.4 toward its floor of 0: not a wearing part.
        let easing = series(60, |d| [0.1 - 0.005 * d as f64; 4]);
        let band = (0.0, 1.5);
        let either = ForecastMethod::default();
        let up = ForecastMethod {
            toward: Toward::Upper,
            ..either
        };
        let f = forecast_from_daily(&easing, band, NOW, None, &either).expect("either edge");
        assert_eq!(f.limit, Limit::lower(0.0));
        assert_eq!(forecast_from_daily(&easing, band, NOW, None, &up), None);
        // Rising, it is forecast either way.
        let rising = series(60, |d| [1.0 + 0.005 * d as f64; 4]);
        let r = forecast_from_daily(&rising, band, NOW, None, &up).expect("up");
        assert_eq!(r.limit, Limit::upper(1.5));
        let down = ForecastMethod {
            toward: Toward::Lower,
            ..either
        };
        assert_eq!(forecast_from_daily(&rising, band, NOW, None, &down), None);
    }

    #[test]
    fn a_swing_growing_about_a_steady_mean_heads_for_the_nearer_edge() {
        // Mean steady, swing ± (1 + 0.02·(d + 40)), 1.8 now. About a mean of 5 the peaks
        // reach 7 at h = 10 and the troughs 2 at h = 60; about a mean of 4, the reverse.
        let swing = |mean: f64| {
            series(60, move |d| {
                let amp = 1.0 + 0.02 * (d + 40) as f64;
                [1.0, 0.0, -1.0, 0.0].map(|s| mean + amp * s)
            })
        };
        let band = (2.0, 7.0);
        let m = ForecastMethod {
            aggregate: Aggregate::Extreme,
            ..ForecastMethod::default()
        };
        let warm = forecast_from_daily(&swing(5.0), band, NOW, None, &m).expect("upper");
        assert_eq!(warm.limit, Limit::upper(7.0));
        assert!((crossing_day(&warm) - 10.0).abs() < 1.0, "{warm:?}");
        let cold = forecast_from_daily(&swing(4.0), band, NOW, None, &m).expect("lower");
        assert_eq!(cold.limit, Limit::lower(2.0));
        assert!((crossing_day(&cold) - 10.0).abs() < 1.0, "{cold:?}");
        // Judged on its level, the same steady mean is no drift at all.
        let level = ForecastMethod::default();
        assert_eq!(
            forecast_from_daily(&swing(5.0), band, NOW, None, &level),
            None
        );
        // Told the part only warms, the troughs are not forecast.
        let up = ForecastMethod {
            toward: Toward::Upper,
            ..m
        };
        assert_eq!(
            forecast_from_daily(&swing(4.0), band, NOW, None, &up).map(|f| f.limit),
            Some(Limit::upper(7.0))
        );
    }

    #[test]
    fn a_chiller_that_takes_off_in_its_last_days_is_forecast() {
        // 85 days steady at 4.1 °C (peaks ~4.3), then the last five days' peaks climb past
        // 7 °C (the demo's failing chiller): not five glitches.
        let climb = [6.2, 7.1, 9.4, 10.1, 11.4];
        let days = series(90, |d| {
            let top = match d {
                -5..=-1 => climb[(d + 5) as usize],
                _ => 4.3,
            };
            [top, 4.0, 3.9, 4.1]
        });
        let m = ForecastMethod {
            aggregate: Aggregate::Extreme,
            ..ForecastMethod::default()
        };
        let f = forecast_from_daily(&days, (2.0, 7.0), NOW, None, &m).expect("forecast");
        assert_eq!(f.limit, Limit::upper(7.0));
        assert!(crossing_day(&f) <= 0.0, "already crossed: {f:?}");
        assert!(crossing_day(&f) > -10.0, "{f:?}");
    }

    #[test]
    fn too_few_days_flat_signals_old_and_future_days_give_nothing() {
        let m = ForecastMethod::default();
        let band = (80.0, 110.0);
        let falling = |n| series(n, |d| [100.0 + 0.5 * d as f64; 4]);
        assert_eq!(forecast_from_daily(&falling(10), band, NOW, None, &m), None);
        assert!(forecast_from_daily(&falling(20), band, NOW, None, &m).is_some());
        let flat = series(60, |d| [0, 1, 2, 3].map(|k| 100.0 + noise(d * 4 + k)));
        assert_eq!(forecast_from_daily(&flat, band, NOW, None, &m), None);
        // Only 10 of these days are in the basis (the rest are older than 90 days).
        let old: Vec<DailyAggregate> = falling(100);
        let f = forecast_from_daily(&old, band, NOW, None, &m).map(|f| f.days_used);
        assert_eq!(f, Some(90));
        let shifted: Vec<DailyAggregate> = old
            .iter()
            .map(|d| DailyAggregate {
                start: d.start - 80 * DAY,
                ..*d
            })
            .collect();
        assert_eq!(forecast_from_daily(&shifted, band, NOW, None, &m), None);
        // Days starting at or after `now` are not data yet.
        assert_eq!(
            forecast_from_daily(&falling(30), band, NOW - 25 * DAY, None, &m),
            None
        );
        assert_eq!(DailyAggregate::from_sum(0, 0, 0.0, 0.0, 0.0), None);
    }

    #[test]
    fn an_interval_that_does_not_close_within_the_horizon_gives_nothing() {
        // Falling 0.5/day to 80 in about 40 days, with noise: an interval a few weeks wide.
        let days = series(60, |d| {
            let v = 100.0 - 0.5 * (d + 40) as f64;
            [0, 1, 2, 3].map(|k| v + 3.0 * noise(d * 4 + k))
        });
        let band = (80.0, 110.0);
        let m = ForecastMethod::default();
        let f = forecast_from_daily(&days, band, NOW, None, &m).expect("forecast");
        let latest = (f.time.latest - NOW) / DAY;
        assert!(latest < m.horizon_days, "{f:?}");
        // A horizon between the crossing and the interval's late end: no forecast.
        let short = ForecastMethod {
            horizon_days: latest - 1,
            ..m
        };
        assert!(crossing_day(&f) < (latest - 1) as f64, "{f:?}");
        assert_eq!(forecast_from_daily(&days, band, NOW, None, &short), None);
    }

    #[test]
    fn a_crossing_beyond_the_horizon_is_dropped() {
        let slow = series(60, |d| {
            [0, 1, 2, 3].map(|k| 100.0 + 0.01 * d as f64 + 0.001 * noise(k))
        });
        let m = ForecastMethod::default();
        assert_eq!(
            forecast_from_daily(&slow, (80.0, 110.0), NOW, None, &m),
            None
        );
        let long = ForecastMethod {
            horizon_days: 5_000,
            ..m
        };
        assert!(forecast_from_daily(&slow, (80.0, 110.0), NOW, None, &long).is_some());
    }

    #[test]
    fn wear_that_may_be_accelerating_opens_the_interval_sooner() {
        // 95 + 0.1·t + 0.0015·t² (t = days since the first): the line heads for 110 in a
        // few weeks, and wear may be speeding up.
        let days = series(60, |d| {
            let t = (d + 60) as f64;
            let v = 95.0 + 0.1 * t + 0.0015 * t * t;
            [0, 1, 2, 3].map(|k| v + 0.5 * noise(d * 7 + k))
        });
        let band = (80.0, 110.0);
        // The line's date in both, to see the interval alone.
        let open = ForecastMethod {
            bend_z: None,
            ..ForecastMethod::default()
        };
        let line = ForecastMethod {
            open_by_bend: false,
            ..open
        };
        let o = forecast_from_daily(&days, band, NOW, None, &open).expect("forecast");
        let l = forecast_from_daily(&days, band, NOW, None, &line).expect("forecast");
        assert_eq!(o.time.crossing, l.time.crossing, "{o:?} {l:?}");
        assert_eq!(o.time.latest, l.time.latest);
        assert!(
            o.time.earliest < l.time.earliest - 2 * DAY,
            "opens sooner: {o:?} {l:?}"
        );
        // The replace-by is never inside the interval.
        assert!(o.time.replace_by <= o.time.earliest);
        assert!(o.time.replace_by <= l.time.replace_by);
        // A drift whose parabola bends away from the limit keeps the line's interval.
        let easing = series(60, |d| {
            let t = (d + 60) as f64;
            let v = 95.0 + 0.3 * t - 0.002 * t * t;
            [0, 1, 2, 3].map(|k| v + 0.2 * noise(d * 7 + k))
        });
        let o = forecast_from_daily(&easing, band, NOW, None, &open).expect("forecast");
        let l = forecast_from_daily(&easing, band, NOW, None, &line).expect("forecast");
        assert_eq!(o.time, l.time);
    }

    #[test]
    fn a_clear_bend_toward_the_limit_is_followed_by_the_parabola() {
        // 90 + 0.005·(d + 60)²: accelerating, reaches 110 at h ≈ 3 days.
        let days = series(60, |d| {
            let v = 90.0 + 0.005 * ((d + 60) * (d + 60)) as f64;
            [0, 1, 2, 3].map(|k| v + 0.05 * noise(d * 4 + k))
        });
        let band = (80.0, 110.0);
        let bent = ForecastMethod::default();
        let line = ForecastMethod {
            bend_z: None,
            open_by_bend: false,
            ..bent
        };
        let quad = ForecastMethod {
            shape: Shape::Quadratic,
            ..line
        };
        let l = forecast_from_daily(&days, band, NOW, None, &line).expect("line");
        let q = forecast_from_daily(&days, band, NOW, None, &quad).expect("parabola");
        let b = forecast_from_daily(&days, band, NOW, None, &bent).expect("line, bent date");
        assert!((crossing_day(&q) - 3.2).abs() < 1.0, "{q:?}");
        assert!(crossing_day(&l) > crossing_day(&q) + 1.0, "{l:?}");
        // The default: the parabola's date; a week before the line's band opens (or the
        // bent date, if sooner), and not after the interval opens.
        assert!((crossing_day(&b) - 3.2).abs() < 1.0, "{b:?}");
        assert!(b.time.earliest <= b.time.crossing && b.time.crossing <= b.time.latest);
        assert!(b.time.earliest <= l.time.earliest.min(b.time.crossing));
        assert_eq!(
            b.time.replace_by,
            (l.time.earliest.min(b.time.crossing) - 7 * DAY).min(b.time.earliest)
        );
        assert_eq!(b.time.latest, l.time.latest);
        // Its evidence is the parabola: it reaches the limit at the predicted date.
        assert!(b.fit[2] > 0.0, "{b:?}");
        assert!(
            (b.fitted_at(NOW, b.time.crossing) - 110.0).abs() < 0.01,
            "{b:?}"
        );
        assert!((b.fitted_at(NOW, NOW) - b.value_now).abs() < 1e-9);
        // Already past the limit: the date the bent curve crossed it, in the data.
        let past = series(60, |d| {
            let v = 90.0 + 0.005 * ((d + 70) * (d + 70)) as f64;
            [0, 1, 2, 3].map(|k| v + 0.05 * noise(d * 4 + k))
        });
        let p = forecast_from_daily(&past, band, NOW, None, &bent).expect("crossed");
        // (d + 70)² = 4,000: d ≈ −6.8.
        assert!((crossing_day(&p) + 6.8).abs() < 1.0, "{p:?}");
        assert!(
            (p.fitted_at(NOW, p.time.crossing) - 110.0).abs() < 0.01,
            "{p:?}"
        );
        // Bending away from the limit, the parabola is not trusted: the line is used.
        let easing = series(60, |d| [100.0 + 0.3 * d as f64 - 0.002 * (d * d) as f64; 4]);
        let e = forecast_from_daily(&easing, band, NOW, None, &quad).expect("line");
        let e_line = forecast_from_daily(&easing, band, NOW, None, &line).expect("line");
        let e_bent = forecast_from_daily(&easing, band, NOW, None, &bent).expect("line");
        assert_eq!(e.time, e_line.time);
        assert_eq!(e_bent.time, e_line.time);
        // Nor is noise about a straight drift a bend.
        let straight = series(60, |d| {
            let v = 100.0 + 0.25 * d as f64;
            [0, 1, 2, 3].map(|k| v + 0.5 * noise(d * 4 + k))
        });
        let s_line = forecast_from_daily(&straight, band, NOW, None, &line).expect("line");
        let s_bent = forecast_from_daily(&straight, band, NOW, None, &bent).expect("line");
        assert_eq!(s_bent.time, s_line.time);
        assert_eq!(s_bent.fit[2], 0.0);
    }

    #[test]
    fn d2_matches_the_table_and_grows_slowly() {
        assert_eq!(d2(4), 2.059);
        assert!((d2(25) - 3.931).abs() < 0.12);
        assert!((d2(1_000) - 6.483).abs() < 0.25);
        assert!(d2(1).is_nan());
    }
}
