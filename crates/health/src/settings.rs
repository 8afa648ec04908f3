//! The production settings of the warning rules, the run-quality control charts and the
//! replacement forecasts: the values the server runs with and `health-eval` scores, kept
//! in one place so the two cannot drift.
//!
//! Plain constants, so a caller takes exactly the ones it needs (the server binds some of
//! them to SQL, hence the integer types). Each says why it has its value.

use crate::domain::Severity;
use crate::predict::{Aggregate, ForecastMethod, RunMethod, Toward};
use crate::trend::local::Shape;
use crate::trend::Z_95;
use seqhealth_api::domain::{LimitOn, SensorSpec, WearsToward};

use seqhealth_api::{DAY, HOUR};

// ------------------------------------------------------------------- rate of change

/// The window a rate of change is judged over: long enough that noise averages out,
/// short enough to catch a part failing within days.
pub const RATE_WINDOW_SECS: i64 = 72 * HOUR;
/// Fewest readings in [`RATE_WINDOW_SECS`] for a slope to be judged: instruments sample
/// every few hours, and fewer points than this leave the slope to noise.
pub const RATE_MIN_POINTS: usize = 8;
/// A steep change while still in band is an early sign, not yet a fault.
pub const RATE_SEVERITY: Severity = Severity::Warning;
/// A run-derived signal's rate is judged over its most recent runs, one step apart…
pub const RUN_RATE_RUNS: i64 = 10;
/// …once it has this many of them (fewer, and one odd run decides the slope)…
pub const RUN_RATE_MIN_RUNS: usize = 8;
/// …against a change per run that would cross the whole normal band of the model in this
/// many runs: at a busy lab's five runs a week, two months from one edge to the other, a
/// part failing rather than wearing. No public figure gives a normal change per run; the
/// band is the one scale every signal and model has.
pub const RUN_RATE_BAND_RUNS: f64 = 40.0;

// ------------------------------------------------------------ repeated error codes

/// An error code logged this many times…
pub const REPEATED_ERRORS: usize = 3;
/// …within this window is a warning of its own: one bubble is noise, three in a day is a
/// failing part.
pub const REPEATED_WINDOW_SECS: i64 = 24 * HOUR;
/// Repeated errors say a part is failing, not that it has.
pub const REPEATED_SEVERITY: Severity = Severity::Warning;

// -------------------------------------------------------------------- missing data

/// A subsystem is missing data after this many of its usual reporting intervals: an
/// instrument that skips a few samples (a busy PC, a run finishing) is not silent.
pub const MISSING_FACTOR: f64 = 12.0;
/// …and never sooner than this: a short network blip is not a fault.
pub const MISSING_MIN_SECS: f64 = 2.0 * 3_600.0;
/// Fewest gaps between readings the usual interval is estimated from: one gap is no
/// habit.
pub const MISSING_MIN_GAPS: usize = 3;
/// How many of the newest reading times the usual interval is estimated from: enough for
/// a stable median, recent enough to follow a changed sampling rate.
pub const MISSING_INTERVAL_SAMPLE: i64 = 50;
/// Silence hides faults but is not one.
pub const MISSING_SEVERITY: Severity = Severity::Warning;

// ------------------------------------------------------- run quality (SPC on %≥Q30)

/// Runs a kind of run's control limits are taken from: the instrument's first runs of
/// that read structure and flow-cell type, when it was known to be in control.
pub const SPC_BASELINE_RUNS: i64 = 20;
/// Fewer baseline runs than this give no control limits: σ from a handful of runs is too
/// uncertain to call a run out of control.
pub const SPC_MIN_BASELINE_RUNS: usize = 8;
/// Runs looked at for a pattern ending at the newest run: the longest Westgard pattern
/// (8 in a row on one side) plus room.
pub const SPC_RECENT_RUNS: i64 = 12;

// ---------------------------------------------------------------------- forecasts

/// The forecast the server runs and `health-eval` scores, for a sensor whose limit
/// judges its level (`aggregate`) and whose wear may head for either edge (`toward`):
/// those two are the sensor's configuration, which the caller sets
/// (`ForecastMethod { aggregate, toward, ..FORECAST }`). [`ForecastMethod::default`] is
/// this. Why each value, field by field:
///
/// - `basis_days` 90: about a season of daily buckets; older days describe a part that
///   wore differently (and the tricube weight gives them little say anyway).
/// - `min_days` 14: two weeks of days before a trend is evidence; fewer and a few glitch
///   days decide the slope.
/// - `horizon_days` 365: no curve fitted on 90 days is a guide further ahead than a year;
///   a forecast whose interval does not close by then is not given.
/// - `shape` line, with `bend_z` 3 and `open_by_bend`: a line times the alert (its band
///   is narrow and steady, so the day a part comes due does not jump about); a parabola
///   that bends clearly (3 standard errors) toward the limit gives the date, because
///   wear accelerates and a line is then days late; a parabola bending toward it at all
///   opens the interval sooner, because the line's band counts the noise, not the chance
///   that wear speeds up.
/// - `bandwidth_days` 45: recent days weigh most, so accelerating wear is followed; a
///   shorter bandwidth chases noise.
/// - `curvature_z`, `gate_z`, `z` 1.96: 95 % — a drift must be clear before it is
///   forecast, and the interval is a 95 % one.
/// - `noise_days` 30: enough days to estimate one reading's noise, for [`Aggregate::Peak`].
/// - `safety_margin_s` 7 days: the replace-by date is a week before the interval opens
///   (or the bent date, if sooner): time to order a part and book a visit, without
///   replacing parts weeks early.
///
/// `BENCHMARKS.md` has the `health-eval` figures these were chosen by.
pub const FORECAST: ForecastMethod = ForecastMethod {
    basis_days: 90,
    min_days: 14,
    horizon_days: 365,
    aggregate: Aggregate::Mean,
    shape: Shape::Line,
    bandwidth_days: Some(45.0),
    curvature_z: Z_95,
    bend_z: Some(3.0),
    open_by_bend: true,
    toward: Toward::Either,
    noise_days: 30.0,
    gate_z: Z_95,
    z: Z_95,
    safety_margin_s: 7 * DAY,
};

/// How a run-derived signal is forecast: [`FORECAST`] with one run per step
/// ([`crate::predict::forecast_from_runs`]). Why each value:
///
/// - `basis_runs` 60: at the three to seven runs a week of a busy instrument, two to five
///   months, about the daily method's season; older runs describe a part that wore
///   differently.
/// - `bandwidth_runs` 30: half the basis, as the daily method's 45 of 90 days.
/// - `min_runs` 12: a run's value is already a whole run's figure (thousands of tiles),
///   steadier than a day of sensor readings, so fewer than the daily method's 14; fewer
///   than 12 and two unusual runs decide the slope.
/// - `max_age_days` 365: the forecast's own horizon; a run older than that (an archive's,
///   a part's before a service) describes the part as it was then.
pub const RUN_FORECAST: RunMethod = RunMethod {
    basis_runs: 60,
    min_runs: 12,
    bandwidth_runs: 30.0,
    max_age_days: 365,
};

// Settings that must agree with each other, checked when the crate compiles.
const _: () = {
    // At one reading every 6 hours, the rate window holds the points a slope needs.
    assert!(RATE_WINDOW_SECS / (6 * HOUR) >= RATE_MIN_POINTS as i64);
    assert!(RUN_RATE_MIN_RUNS as i64 <= RUN_RATE_RUNS);
    // "Repeated" means more than once.
    assert!(REPEATED_ERRORS >= 2);
    assert!(SPC_MIN_BASELINE_RUNS as i64 <= SPC_BASELINE_RUNS);
    assert!(RUN_FORECAST.min_runs <= RUN_FORECAST.basis_runs);
    assert!(MISSING_INTERVAL_SAMPLE > MISSING_MIN_GAPS as i64);
};

/// [`FORECAST`] for one sensor: its configuration says whether its band judges the
/// level (the daily mean is forecast) or every excursion (the daily extreme), and which
/// band edges its part's wear can push it toward.
pub fn forecast_for(spec: &SensorSpec) -> ForecastMethod {
    ForecastMethod {
        aggregate: match spec.limit_on {
            LimitOn::Level => Aggregate::Mean,
            LimitOn::Peaks => Aggregate::Extreme,
        },
        toward: match spec.wears_toward {
            WearsToward::Either => Toward::Either,
            WearsToward::Low => Toward::Lower,
            WearsToward::High => Toward::Upper,
        },
        ..FORECAST
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_forecast_is_the_production_one() {
        assert_eq!(ForecastMethod::default(), FORECAST);
        assert_eq!(FORECAST.safety_margin_s, 7 * 86_400);
    }

    #[test]
    fn each_sensor_gets_its_own_aggregate_and_direction() {
        let spec = |name| seqhealth_api::domain::sensor_spec(name).expect("configured");
        let laser = forecast_for(spec("laser_power_pct"));
        assert_eq!(
            (laser.aggregate, laser.toward),
            (Aggregate::Mean, Toward::Lower)
        );
        let chiller = forecast_for(spec("chiller_temp_c"));
        assert_eq!(
            (chiller.aggregate, chiller.toward),
            (Aggregate::Extreme, Toward::Either)
        );
        let stage = forecast_for(spec("stage_position_error_um"));
        assert_eq!(stage.toward, Toward::Upper);
        assert_eq!(
            ForecastMethod {
                aggregate: Aggregate::Mean,
                toward: Toward::Either,
                ..stage
            },
            FORECAST
        );
    }
}
