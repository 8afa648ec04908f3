//! References no engine may use: how well the failure date could be told from the same
//! data by fits that already know something of how the simulated part wears.
//!
//! Each is given what the engine is given at the same moment (the daily means of the
//! same window) and, from the simulator, the chiller's oscillation and the sensor's noise.
//!
//! - [`crossing`] also knows the wear's onset and exponent. The signal is then linear in
//!   the two unknowns (`base + rate·τ^p + oscillation`), so weighted least squares is the
//!   best unbiased estimate of them. Its error is a floor: what the data allows when only
//!   the level and the speed of wear are unknown.
//! - [`crossing_family`] knows only the curve family (`base + rate·τ^p`), and fits onset
//!   and exponent too, by trying a grid of them: what fitting the simulator's own
//!   formula would give, which the engine is not allowed to do.
//!
//! Both drop days more than 4σ off a first fit (sensor glitches) and refit; the crossing
//! is where the fitted curve first leaves the band. Evaluation only: the engine never
//! sees the simulator's parameters.

use crate::physics::{day_start, DayAgg, Degradation, Kind, DAY, STEP};

/// Either oracle: `(kind, wear, daily, from, to, now)` → crossing.
pub type Crossing = fn(Kind, &Degradation, &[DayAgg], usize, usize, i64) -> Option<i64>;

/// Grid instants the instrument samples in a day.
const SAMPLES_PER_DAY: i64 = DAY / STEP;
/// How far ahead the oracle looks for its crossing.
const HORIZON_DAYS: i64 = 3_650;
/// Days further than this (in σ of their mean) from the first fit are left out of the second.
const OUTLIER_SIGMAS: f64 = 4.0;

/// The oracle's crossing (unix seconds), fitted on `daily[from..=to]` of a part with wear
/// `deg`, looking from `now` on. `None` when fewer than two days hold readings, the fit is
/// degenerate, or the fitted curve stays in the band for ten years.
pub fn crossing(
    kind: Kind,
    deg: &Degradation,
    daily: &[DayAgg],
    from: usize,
    to: usize,
    now: i64,
) -> Option<i64> {
    let (fitted, _) = fit_level_and_rate(deg, daily.get(from..=to)?, from)?;
    first_outside(kind, &fitted, now)
}

/// Like [`crossing`], but the oracle knows only the family of the wear curve, not its
/// onset or exponent: it tries onsets up to a year before the window, every 4 days, and
/// 9 exponents across the kind's range, and keeps the best weighted fit. (The oscillation
/// and the noise are still known.) Between the engine, which knows neither, and the
/// oracle above.
pub fn crossing_family(
    kind: Kind,
    deg: &Degradation,
    daily: &[DayAgg],
    from: usize,
    to: usize,
    now: i64,
) -> Option<i64> {
    let window = daily.get(from..=to)?;
    let (p_lo, p_hi) = kind.exponent_range();
    let first = day_start(from) - FAMILY_ONSET_BEFORE_DAYS * DAY;
    let mut best: Option<(Degradation, f64)> = None;
    let mut onset = first;
    while onset < now {
        for i in 0..=FAMILY_EXPONENTS {
            let exponent = p_lo + (p_hi - p_lo) * f64::from(i) / f64::from(FAMILY_EXPONENTS);
            let guess = Degradation {
                onset,
                exponent,
                ..*deg
            };
            if let Some((fitted, sse)) = fit_level_and_rate(&guess, window, from) {
                // Wear moves the signal the way the true part's does.
                let right_way = fitted.rate * deg.rate > 0.0;
                if right_way && best.is_none_or(|(_, b)| sse < b) {
                    best = Some((fitted, sse));
                }
            }
        }
        onset += FAMILY_ONSET_STEP_DAYS * DAY;
    }
    first_outside(kind, &best?.0, now)
}

/// How far before the window the family oracle looks for the onset, and in what steps.
const FAMILY_ONSET_BEFORE_DAYS: i64 = 365;
const FAMILY_ONSET_STEP_DAYS: i64 = 4;
/// Exponents tried: this many steps across the kind's range.
const FAMILY_EXPONENTS: u32 = 8;

/// `deg` with its base and rate fitted on `window` (daily buckets from day `from` on),
/// and the weighted sum of squared residuals of the fit.
fn fit_level_and_rate(
    deg: &Degradation,
    window: &[DayAgg],
    from: usize,
) -> Option<(Degradation, f64)> {
    // (shape g, known offset o, mean y, weight w) per day with readings.
    let days: Vec<(f64, f64, f64, f64)> = window
        .iter()
        .enumerate()
        .filter_map(|(i, agg)| {
            let y = agg.mean()?;
            let start = day_start(from + i);
            let (g, o) = day_shape(deg, start);
            let sd = deg.noise_sd_at(start + DAY / 2);
            Some((g, o, y, f64::from(agg.n) / (sd * sd)))
        })
        .collect();
    let (mut base, mut rate) = fit(days.iter().copied())?;
    let residual = |base: f64, rate: f64, (g, o, y, w): (f64, f64, f64, f64)| {
        (y - base - rate * g - o) * w.sqrt()
    };
    let kept: Vec<_> = days
        .iter()
        .copied()
        .filter(|&d| residual(base, rate, d).abs() <= OUTLIER_SIGMAS)
        .collect();
    if let Some((b, r)) = fit(kept.iter().copied()) {
        (base, rate) = (b, r);
    }
    // Clipped, so that fits differing in which days they drop stay comparable.
    let clip = OUTLIER_SIGMAS * OUTLIER_SIGMAS;
    let sse = days
        .iter()
        .map(|&d| residual(base, rate, d).powi(2).min(clip))
        .sum();
    Some((Degradation { base, rate, ..*deg }, sse))
}

/// The first sampling instant from `now` on (within ten years) at which `deg` is outside
/// the kind's band.
fn first_outside(kind: Kind, deg: &Degradation, now: i64) -> Option<i64> {
    let band = kind.band();
    let mut t = now;
    while t <= now + HORIZON_DAYS * DAY {
        if !band.contains(deg.physical(t)) {
            return Some(t);
        }
        t += STEP;
    }
    None
}

/// The day's means of the wear shape `τ^p` and of the known oscillation over its samples.
fn day_shape(deg: &Degradation, start: i64) -> (f64, f64) {
    let flat = Degradation {
        base: 0.0,
        rate: 0.0,
        ..*deg
    };
    let (mut g, mut o) = (0.0, 0.0);
    for s in 0..SAMPLES_PER_DAY {
        let t = start + s * STEP;
        g += deg.tau_days(t).powf(deg.exponent);
        o += flat.physical(t);
    }
    let n = SAMPLES_PER_DAY as f64;
    (g / n, o / n)
}

/// Weighted least squares of `y − o = base + rate·g`.
fn fit(days: impl Iterator<Item = (f64, f64, f64, f64)>) -> Option<(f64, f64)> {
    let (mut sw, mut sg, mut sy, mut sgg, mut sgy, mut n) = (0.0, 0.0, 0.0, 0.0, 0.0, 0);
    for (g, o, y, w) in days {
        let y = y - o;
        sw += w;
        sg += w * g;
        sy += w * y;
        sgg += w * g * g;
        sgy += w * g * y;
        n += 1;
    }
    if n < 2 {
        return None;
    }
    let det = sw * sgg - sg * sg;
    if det.abs() <= f64::EPSILON * sw * sgg || !det.is_finite() {
        return None;
    }
    let rate = (sw * sgy - sg * sy) / det;
    let base = (sy - rate * sg) / sw;
    (base.is_finite() && rate.is_finite()).then_some((base, rate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physics::EPOCH;

    fn pump() -> Degradation {
        Degradation {
            base: 100.0,
            onset: EPOCH,
            duration_days: 100.0,
            exponent: 1.0,
            rate: 0.25,
            osc_amplitude: 0.0,
            osc_exponent: 1.0,
            osc_period_s: DAY as f64,
            osc_phase: 0.0,
            noise_sd: 1.0,
            noise_growth: 0.0,
        }
    }

    #[test]
    fn noise_free_days_give_the_true_crossing() {
        let deg = pump();
        let daily: Vec<DayAgg> = (0..60)
            .map(|d| {
                let mut agg = DayAgg::default();
                for s in 0..SAMPLES_PER_DAY {
                    agg.add(deg.physical(day_start(d) + s * STEP));
                }
                agg
            })
            .collect();
        // Pump band edge 125: 100 + 0.25·τ reaches it at τ = 100 days.
        let at = crossing(Kind::Pump, &deg, &daily, 10, 59, day_start(60)).unwrap();
        assert!((at - (day_start(100) + STEP)).abs() <= STEP, "{at}");
        assert_eq!(crossing(Kind::Pump, &deg, &daily, 5, 5, day_start(6)), None);
    }
}
