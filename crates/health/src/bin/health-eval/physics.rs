//! The fleet simulator: components that wear out in their own ways, with the ground truth
//! of when each one failed.
//!
//! Every instrument has four monitored components, each with one degradation signal and
//! the normal band the server judges it by:
//!
//! | component | signal | band | how it wears |
//! |---|---|---|---|
//! | laser | output power, % of rated | 80–110 | `base − a·τ^p` after a random onset, p in 0.7–3 |
//! | fluidics pump | line pressure, kPa | 85–125 | drifts up as `base + b·τ^q`, noise grows with the drift |
//! | reagent chiller | temperature, °C | 2–7 | mean drifts up and an oscillation of growing amplitude sets in |
//! | XY stage | position error, µm | 0–1.5 | grows roughly quadratically, `base + c·τ^r`, r in 1.7–2.4 |
//!
//! τ is days since the degradation onset. Onsets, durations, exponents, noise levels and
//! oscillation periods are drawn per component lifetime, so no two parts are alike.
//!
//! Time runs on a 6-hour grid (the instrument samples every 6 hours). A component's
//! *physical* value is the noise-free signal (the chiller's oscillation is physical and
//! part of it); a *reading* adds sensor noise, glitches and drop-outs. A component FAILS at
//! the first grid instant its physical value is outside its band; that instant is the
//! recorded true failure time. It is then down for a repair delay (no readings) and
//! replaced by a new part whose lifetime starts afresh.
//!
//! About 5 % of lifetimes instead end in a sudden failure: before any degradation onset,
//! so no precursor exists; these are recorded as [`FailureKind::Sudden`].
//!
//! Instruments were installed up to 540 days before day 0 (a fleet of mixed ages); the
//! server receives readings from day 0 on. Ground truth is simulated
//! [`TRUTH_TAIL_DAYS`] past the last observed day, so an alert near the end can still be
//! judged against what really happened next.
//!
//! The engine never sees any of these parameters: the evaluation hands it daily means of
//! readings and the band edge, exactly what the server would have.

use crate::rng::{mix, Rng};
use seqhealth_api::domain::{sensor_spec, SensorSpec};

pub use seqhealth_api::DAY;
/// The instrument's sampling interval, and the grid failures are judged on.
pub const STEP: i64 = 6 * 3_600;
/// Day 0 of the observation: 2024-01-01T00:00:00Z.
pub const EPOCH: i64 = 1_704_067_200;
/// Ground truth (failure dates, no readings) continues this many days past the end.
pub const TRUTH_TAIL_DAYS: i64 = 800;
/// Share of component lifetimes that end in a sudden failure with no precursor.
pub const SUDDEN_PROBABILITY: f64 = 0.05;

const MAX_INSTRUMENT_AGE_DAYS: f64 = 540.0;
/// Days from installation to the onset of degradation.
const ONSET_DAYS: (f64, f64) = (15.0, 500.0);
/// Days from onset until the mean drift alone reaches the band edge (log-uniform).
const DURATION_DAYS: (f64, f64) = (40.0, 365.0);
/// Chance per day that an instrument goes silent (switched off, network down)…
const OUTAGE_START_PER_DAY: f64 = 0.015;
/// …for this many whole days.
const OUTAGE_DAYS: (i64, i64) = (1, 6);
/// Chance that a single reading is lost.
const DROPOUT: f64 = 0.03;
/// Chance that a single reading is a sensor glitch (a spike unrelated to wear).
const GLITCH: f64 = 0.003;
/// Days between a failure and the new part being in (no readings meanwhile).
const REPAIR_DAYS: (f64, f64) = (0.5, 4.0);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Laser,
    Pump,
    Chiller,
    Stage,
}

/// A signal's normal band; outside it the component has failed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub lo: f64,
    pub hi: f64,
}

impl Band {
    pub fn contains(&self, v: f64) -> bool {
        v >= self.lo && v <= self.hi
    }
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Laser, Kind::Pump, Kind::Chiller, Kind::Stage];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Laser => "laser",
            Kind::Pump => "pump",
            Kind::Chiller => "chiller",
            Kind::Stage => "stage",
        }
    }

    /// The sensor in the server's configuration (`seqhealth-api` `SENSORS`) that
    /// watches this component: its band, what the band judges and which edges wear
    /// heads for are read from there.
    pub fn sensor(self) -> &'static SensorSpec {
        let name = match self {
            Kind::Laser => "laser_power_pct",
            Kind::Pump => "line_pressure_kpa",
            Kind::Chiller => "chiller_temp_c",
            Kind::Stage => "stage_position_error_um",
        };
        sensor_spec(name).expect("every simulated component is a configured sensor")
    }

    /// The normal band of the component's signal: its sensor's warn band.
    pub fn band(self) -> Band {
        let (lo, hi) = self.sensor().warn;
        Band { lo, hi }
    }

    /// Range the wear exponent of a new part is drawn from.
    pub fn exponent_range(self) -> (f64, f64) {
        match self {
            Kind::Laser => (0.7, 3.0),
            Kind::Pump | Kind::Chiller => (1.0, 2.0),
            Kind::Stage => (1.7, 2.4),
        }
    }

    fn index(self) -> u64 {
        match self {
            Kind::Laser => 1,
            Kind::Pump => 2,
            Kind::Chiller => 3,
            Kind::Stage => 4,
        }
    }

    /// A new part's wear, installed at `installed`.
    fn draw(self, rng: &mut Rng, installed: i64) -> Degradation {
        let onset = installed + (rng.uniform(ONSET_DAYS.0, ONSET_DAYS.1) * DAY as f64) as i64;
        let duration_days = rng.log_uniform(DURATION_DAYS.0, DURATION_DAYS.1);
        let band = self.band();
        let (p_lo, p_hi) = self.exponent_range();
        let exponent = rng.uniform(p_lo, p_hi);
        let mut d = Degradation {
            base: 0.0,
            onset,
            duration_days,
            exponent,
            rate: 0.0,
            osc_amplitude: 0.0,
            osc_exponent: 1.0,
            osc_period_s: DAY as f64,
            osc_phase: 0.0,
            noise_sd: 0.0,
            noise_growth: 0.0,
        };
        match self {
            Kind::Laser => {
                d.base = rng.uniform(97.0, 104.0);
                d.rate = -(d.base - band.lo) / duration_days.powf(d.exponent);
                d.noise_sd = rng.uniform(0.3, 1.0);
            }
            Kind::Pump => {
                d.base = rng.uniform(98.0, 108.0);
                d.rate = (band.hi - d.base) / duration_days.powf(d.exponent);
                d.noise_sd = rng.uniform(0.8, 2.0);
                d.noise_growth = rng.uniform(1.0, 4.0);
            }
            Kind::Chiller => {
                d.base = rng.uniform(3.6, 4.6);
                d.rate = (band.hi - d.base) / duration_days.powf(d.exponent);
                d.osc_amplitude = rng.uniform(0.3, 1.5);
                d.osc_exponent = rng.uniform(1.0, 2.5);
                d.osc_period_s = rng.uniform(3.0, 30.0) * 3_600.0;
                d.osc_phase = rng.uniform(0.0, std::f64::consts::TAU);
                d.noise_sd = rng.uniform(0.05, 0.15);
            }
            Kind::Stage => {
                d.base = rng.uniform(0.15, 0.45);
                d.rate = (band.hi - d.base) / duration_days.powf(d.exponent);
                d.noise_sd = rng.uniform(0.03, 0.08);
            }
        }
        d
    }

    /// What the sensor reports at the instant of a sudden failure.
    fn sudden_value(self, rng: &mut Rng) -> f64 {
        match self {
            Kind::Laser => rng.uniform(0.0, 20.0),
            Kind::Pump => rng.uniform(20.0, 50.0),
            Kind::Chiller => rng.uniform(12.0, 20.0),
            Kind::Stage => rng.uniform(5.0, 20.0),
        }
    }

    /// A sensor glitch: a spike added to one reading.
    fn glitch(self, rng: &mut Rng) -> f64 {
        let sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
        match self {
            Kind::Laser => sign * rng.uniform(10.0, 25.0),
            Kind::Pump => sign * rng.uniform(15.0, 40.0),
            Kind::Chiller => sign * rng.uniform(1.5, 4.0),
            Kind::Stage => rng.uniform(0.5, 2.0),
        }
    }
}

/// One part's wear. Signal = `base + rate·τ^exponent + oscillation`, τ = days since onset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Degradation {
    /// The new part's level.
    pub base: f64,
    /// Unix seconds at which wear starts.
    pub onset: i64,
    /// Days from onset until the drift alone reaches the band edge.
    pub duration_days: f64,
    pub exponent: f64,
    /// Signal units per day^exponent; negative when the signal falls (laser).
    pub rate: f64,
    /// Oscillation amplitude at τ = `duration_days` (chiller; 0 otherwise). It grows as
    /// `(τ / duration_days)^osc_exponent`.
    pub osc_amplitude: f64,
    pub osc_exponent: f64,
    pub osc_period_s: f64,
    pub osc_phase: f64,
    /// Sensor noise σ of a new part…
    pub noise_sd: f64,
    /// …multiplied by `1 + noise_growth · wear` as it wears (pump).
    pub noise_growth: f64,
}

impl Degradation {
    pub fn tau_days(&self, t: i64) -> f64 {
        ((t - self.onset) as f64 / DAY as f64).max(0.0)
    }

    /// Wear so far: 0 for a new part, 1 when the drift alone reaches the band edge.
    pub fn wear(&self, t: i64) -> f64 {
        (self.tau_days(t) / self.duration_days).powf(self.exponent)
    }

    /// Oscillation amplitude at `t`.
    pub fn osc_amplitude_at(&self, t: i64) -> f64 {
        if self.osc_amplitude == 0.0 {
            return 0.0;
        }
        self.osc_amplitude * (self.tau_days(t) / self.duration_days).powf(self.osc_exponent)
    }

    /// The noise-free signal at `t`.
    pub fn physical(&self, t: i64) -> f64 {
        let drift = self.rate * self.tau_days(t).powf(self.exponent);
        let amp = self.osc_amplitude_at(t);
        let osc = if amp == 0.0 {
            0.0
        } else {
            let phase = (t - EPOCH) as f64 / self.osc_period_s * std::f64::consts::TAU;
            amp * (phase + self.osc_phase).sin()
        };
        self.base + drift + osc
    }

    /// Sensor noise σ at `t`.
    pub fn noise_sd_at(&self, t: i64) -> f64 {
        self.noise_sd * (1.0 + self.noise_growth * self.wear(t).min(1.5))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The signal crossed its band edge after a degradation the data could show.
    Gradual,
    /// The part died with no precursor (before its degradation onset).
    Sudden,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Failure {
    /// Unix seconds: the first grid instant the signal was outside its band (gradual), or
    /// the instant the part died (sudden).
    pub at: i64,
    pub kind: FailureKind,
    /// When the new part went in (the next lifetime's `installed`).
    pub replaced_at: i64,
}

/// One part in one slot, from installation to failure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lifetime {
    pub installed: i64,
    pub deg: Degradation,
    /// `None` when the part still worked at the end of the simulated truth.
    pub failure: Option<Failure>,
}

/// Readings of one component over one day, as the server's daily bucket holds them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayAgg {
    pub sum: f64,
    pub n: u32,
    pub min: f64,
    pub max: f64,
}

impl Default for DayAgg {
    fn default() -> Self {
        DayAgg {
            sum: 0.0,
            n: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl DayAgg {
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / f64::from(self.n))
    }

    pub fn add(&mut self, v: f64) {
        self.sum += v;
        self.n += 1;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub kind: Kind,
    /// In order; each one's failure's `replaced_at` is the next one's `installed`.
    pub lifetimes: Vec<Lifetime>,
    /// Observed days 0..days: the readings the server received.
    pub daily: Vec<DayAgg>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instrument {
    pub installed: i64,
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    pub seed: u64,
    pub days: usize,
    pub instruments: Vec<Instrument>,
}

/// Unix seconds of the start of observed day `day`.
pub fn day_start(day: usize) -> i64 {
    EPOCH + day as i64 * DAY
}

/// The observed day a time falls in (may be negative or past the end).
pub fn day_of(t: i64) -> i64 {
    (t - EPOCH).div_euclid(DAY)
}

/// The first grid instant at or after `t`.
fn snap_up(t: i64) -> i64 {
    EPOCH
        + (t - EPOCH).div_euclid(STEP) * STEP
        + if (t - EPOCH).rem_euclid(STEP) == 0 {
            0
        } else {
            STEP
        }
}

pub fn simulate(seed: u64, instruments: usize, days: usize) -> Fleet {
    let instruments = (0..instruments)
        .map(|i| simulate_instrument(seed, i as u64, days))
        .collect();
    Fleet {
        seed,
        days,
        instruments,
    }
}

fn simulate_instrument(seed: u64, index: u64, days: usize) -> Instrument {
    let mut rng = Rng::new(mix(&[seed, index, 0x1]));
    let age_s = (rng.uniform(0.0, MAX_INSTRUMENT_AGE_DAYS) * DAY as f64) as i64;
    let installed = snap_up(EPOCH - age_s);
    let truth_end = day_start(days) + TRUTH_TAIL_DAYS * DAY;

    // Days the whole instrument is silent.
    let mut silent = vec![false; days];
    let mut d = 0usize;
    while d < days {
        if rng.chance(OUTAGE_START_PER_DAY) {
            let len = rng.int_in(OUTAGE_DAYS.0, OUTAGE_DAYS.1) as usize;
            for s in silent.iter_mut().skip(d).take(len) {
                *s = true;
            }
            d += len;
        } else {
            d += 1;
        }
    }

    let components = Kind::ALL
        .iter()
        .map(|&kind| {
            // Separate streams for the truth and for the readings: the truth of a slot
            // does not depend on how many days are observed.
            let mut truth_rng = Rng::new(mix(&[seed, index, kind.index(), 0x7]));
            let mut read_rng = Rng::new(mix(&[seed, index, kind.index(), 0x5]));
            let lifetimes = lifetimes(kind, installed, truth_end, &mut truth_rng);
            let daily = observe(kind, &lifetimes, &silent, &mut read_rng);
            Component {
                kind,
                lifetimes,
                daily,
            }
        })
        .collect();
    Instrument {
        installed,
        components,
    }
}

/// Parts in one slot from `installed` until the truth ends.
fn lifetimes(kind: Kind, installed: i64, truth_end: i64, rng: &mut Rng) -> Vec<Lifetime> {
    let band = kind.band();
    let mut out = Vec::new();
    let mut t0 = installed;
    while t0 <= truth_end {
        let deg = kind.draw(rng, t0);
        let sudden = rng.chance(SUDDEN_PROBABILITY);
        let sudden_at = rng.unit();
        let repair_s = (rng.uniform(REPAIR_DAYS.0, REPAIR_DAYS.1) * DAY as f64) as i64;

        let at = if sudden {
            // Uniformly between a day after installation and the onset: no precursor.
            let from = t0 + DAY;
            let span = (deg.onset - from - STEP).max(0) as f64;
            Some((
                snap_up(from + (sudden_at * span) as i64),
                FailureKind::Sudden,
            ))
        } else {
            let mut t = t0;
            let mut found = None;
            while t <= truth_end {
                if !band.contains(deg.physical(t)) {
                    found = Some((t, FailureKind::Gradual));
                    break;
                }
                t += STEP;
            }
            found
        };
        let failure = at
            .filter(|&(at, _)| at <= truth_end)
            .map(|(at, kind)| Failure {
                at,
                kind,
                replaced_at: snap_up(at + repair_s),
            });
        out.push(Lifetime {
            installed: t0,
            deg,
            failure,
        });
        match failure {
            Some(f) => t0 = f.replaced_at,
            None => break,
        }
    }
    out
}

/// The readings the server receives, folded into daily buckets.
fn observe(kind: Kind, lifetimes: &[Lifetime], silent: &[bool], rng: &mut Rng) -> Vec<DayAgg> {
    let days = silent.len();
    let mut daily = vec![DayAgg::default(); days];
    let obs_end = day_start(days);
    for lt in lifetimes {
        let last = lt.failure.map_or(obs_end - 1, |f| f.at.min(obs_end - 1));
        let mut t = lt.installed.max(EPOCH);
        while t <= last {
            let day = day_of(t) as usize;
            let failing = lt.failure.filter(|f| f.at == t);
            let dropped = rng.chance(DROPOUT);
            let value = match failing {
                Some(f) if f.kind == FailureKind::Sudden => kind.sudden_value(rng),
                _ => {
                    let mut v = lt.deg.physical(t) + lt.deg.noise_sd_at(t) * rng.normal();
                    if rng.chance(GLITCH) {
                        v += kind.glitch(rng);
                    }
                    if kind == Kind::Stage {
                        v = v.max(0.0);
                    }
                    v
                }
            };
            if let (Some(agg), Some(false)) = (daily.get_mut(day), silent.get(day)) {
                if !dropped {
                    agg.add(value);
                }
            }
            t += STEP;
        }
    }
    daily
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_fleet_other_seed_other_fleet() {
        let a = simulate(7, 6, 200);
        let b = simulate(7, 6, 200);
        assert_eq!(a, b);
        let c = simulate(8, 6, 200);
        assert_ne!(a.instruments, c.instruments);
        // The truth of a slot does not depend on how long it is observed.
        let longer = simulate(7, 6, 400);
        for (x, y) in a.instruments.iter().zip(&longer.instruments) {
            for (cx, cy) in x.components.iter().zip(&y.components) {
                let fx: Vec<_> = cx.lifetimes.iter().filter_map(|l| l.failure).collect();
                let fy: Vec<_> = cy.lifetimes.iter().filter_map(|l| l.failure).collect();
                assert!(fx.len() <= fy.len());
                assert_eq!(fx[..], fy[..fx.len()]);
            }
        }
    }

    #[test]
    fn every_gradual_failure_is_a_first_crossing_of_the_band() {
        let fleet = simulate(11, 40, 730);
        let (mut gradual, mut sudden) = (0, 0);
        for inst in &fleet.instruments {
            for c in &inst.components {
                let band = c.kind.band();
                for (k, lt) in c.lifetimes.iter().enumerate() {
                    if k > 0 {
                        let prev = c.lifetimes[k - 1].failure.map(|f| f.replaced_at);
                        assert_eq!(prev, Some(lt.installed));
                    }
                    let Some(f) = lt.failure else { continue };
                    assert!(f.replaced_at > f.at);
                    assert_eq!((f.at - EPOCH).rem_euclid(STEP), 0);
                    match f.kind {
                        FailureKind::Gradual => {
                            gradual += 1;
                            let v = lt.deg.physical(f.at);
                            assert!(!band.contains(v), "{:?} {v} at {}", c.kind, f.at);
                            // Inside the band at every earlier sample of this lifetime.
                            let mut t = lt.installed;
                            while t < f.at {
                                assert!(band.contains(lt.deg.physical(t)), "{:?} at {t}", c.kind);
                                t += STEP;
                            }
                        }
                        FailureKind::Sudden => {
                            sudden += 1;
                            assert!(f.at <= lt.deg.onset, "sudden failure after onset");
                            assert!(band.contains(lt.deg.physical(f.at)));
                        }
                    }
                }
            }
        }
        assert!(gradual > 50, "{gradual}");
        assert!(sudden > 0 && sudden < gradual / 5, "{sudden} of {gradual}");
    }

    #[test]
    fn readings_are_gappy_and_near_the_physical_signal() {
        let fleet = simulate(23, 10, 365);
        let mut empty = 0;
        for inst in &fleet.instruments {
            for c in &inst.components {
                assert_eq!(c.daily.len(), 365);
                empty += c.daily.iter().filter(|d| d.n == 0).count();
                assert!(c.daily.iter().all(|d| d.n <= 4));
            }
        }
        assert!(empty > 0, "no gaps at all");
        // A laser early in a long first lifetime reads about its base level.
        let c = &fleet.instruments[0].components[0];
        let lt = &c.lifetimes[0];
        if lt.deg.onset > day_start(3) && lt.installed < EPOCH {
            let means: Vec<f64> = c.daily[..3].iter().filter_map(DayAgg::mean).collect();
            assert!(
                means.iter().all(|m| (m - lt.deg.base).abs() < 10.0),
                "{means:?}"
            );
        }
    }
}
