//! A deterministic simulated instrument: runs with believable %≥Q30 for each model and
//! read length, and subsystem sensor readings that follow the instrument's [`Story`].
//!
//! Everything is a pure function of (seed, instrument, time window), so the same seed
//! gives the same fleet, and live readings after the backfill continue the same curves.

pub use crate::fleet::Model;
use crate::fleet::{DemoInstrument, Story};
use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use seqhealth_api::{
    EventSeverity, InstrumentReport, OperationEvent, RunConfiguration, RunIngest, RunSummary,
    SensorReading, Subsystem, TelemetryBatch,
};

/// One kind of run an instrument does: its read structure and what it typically yields.
#[derive(Debug, Clone, Copy)]
struct RunKind {
    read_structure: &'static str,
    /// The flow cell's type as RunParameters.xml names it (MiSeq: the kit version).
    flow_cell: &'static str,
    /// Typical %≥Q30 (spec-sheet floor plus a few points, DOMAIN.md).
    q30: f64,
    yield_gb: f64,
    hours: i64,
    /// Cluster density, K/mm² (patterned flow cells report their nominal occupancy).
    density: f64,
    weight: u32,
}

const fn kind(
    read_structure: &'static str,
    flow_cell: &'static str,
    q30: f64,
    yield_gb: f64,
    hours: i64,
    density: f64,
    weight: u32,
) -> RunKind {
    RunKind {
        read_structure,
        flow_cell,
        q30,
        yield_gb,
        hours,
        density,
        weight,
    }
}

// v2 2×150 floor 80 %, v2 2×250 floor 75 %, v3 2×300 floor 70 %.
const MISEQ_RUNS: &[RunKind] = &[
    kind("151-8-8-151", "Version2", 89.0, 5.1, 24, 1050.0, 5),
    kind("251-8-8-251", "Version2", 82.5, 8.0, 39, 1000.0, 3),
    kind("301-8-8-301", "Version3", 76.0, 14.5, 56, 1250.0, 2),
];
// 2×75 floor 80 %, 2×150 floor 75 %.
const NEXTSEQ550_RUNS: &[RunKind] = &[
    kind("76-8-8-76", "High Output", 89.5, 60.0, 18, 200.0, 4),
    kind("151-8-8-151", "High Output", 84.0, 115.0, 29, 195.0, 6),
];
// 2×150 ≥ 85 % (XLEAP).
const NEXTSEQ2000_RUNS: &[RunKind] = &[
    kind("151-10-10-151", "P3", 91.5, 300.0, 44, 2400.0, 6),
    kind("101-10-10-101", "P2", 93.0, 190.0, 30, 2400.0, 4),
];
// S4 2×150 ≥ 75–85 %, S2 2×100 ≥ 85 %.
const NOVASEQ6000_RUNS: &[RunKind] = &[
    kind("151-8-8-151", "S4", 89.0, 2500.0, 44, 2900.0, 6),
    kind("101-8-8-101", "S2", 92.0, 820.0, 25, 2900.0, 4),
];

/// What the simulator knows of each model (the model itself is the fleet's).
impl Model {
    fn run_kinds(self) -> &'static [RunKind] {
        match self {
            Model::MiSeq => MISEQ_RUNS,
            Model::NextSeq550 => NEXTSEQ550_RUNS,
            Model::NextSeq2000 => NEXTSEQ2000_RUNS,
            Model::NovaSeq6000 => NOVASEQ6000_RUNS,
        }
    }

    /// (control software, RTA) before and after the fleet's software upgrade, if any.
    fn software(self, upgraded: bool) -> (&'static str, &'static str) {
        match (self, upgraded) {
            (Model::MiSeq, _) => ("4.0.0.1769", "1.18.54.4"),
            (Model::NextSeq550, false) => ("4.0.1.41", "2.4.11"),
            (Model::NextSeq550, true) => ("4.2.0.10", "2.11.3"),
            (Model::NextSeq2000, _) => ("1.5.0.42699", "3.10.30"),
            (Model::NovaSeq6000, _) => ("1.8.0", "v3.4.4"),
        }
    }

    fn chemistry(self) -> &'static str {
        match self {
            Model::MiSeq => "Amplicon",
            Model::NextSeq550 => "NextSeq High",
            Model::NextSeq2000 => "XLEAP-SBS",
            Model::NovaSeq6000 => "NovaSeq v1.5",
        }
    }
}

/// The simulated window and cadence.
#[derive(Debug, Clone, Copy)]
pub struct SimConfig {
    pub seed: u64,
    /// The simulated "now": the last day of history.
    pub end: DateTime<Utc>,
    pub days: i64,
    /// Sensor readings every this many hours.
    pub reading_every_hours: i64,
    /// Days of telemetry per batch pushed.
    pub batch_days: i64,
}

impl SimConfig {
    /// A year of history ending at `end`, as the demo shows it.
    pub fn demo(seed: u64, end: DateTime<Utc>) -> SimConfig {
        SimConfig {
            seed,
            end,
            days: 365,
            reading_every_hours: 6,
            batch_days: 7,
        }
    }
    fn start(&self) -> DateTime<Utc> {
        self.end - Duration::days(self.days)
    }
    /// Where in the one-year story `t` is: 0 a year before `end`, 1 at `end` and after.
    fn story_fraction(&self, t: DateTime<Utc>) -> f64 {
        let year_start = self.end - Duration::days(365);
        ((t - year_start).num_seconds() as f64 / (365.0 * 86400.0)).clamp(0.0, 1.0)
    }
    /// The software upgrade of the NextSeq 550s happened 150 days before `end`.
    fn upgraded(&self, t: DateTime<Utc>) -> bool {
        t >= self.end - Duration::days(150)
    }
    /// The bad reagent lot of the NextSeq 2000s was in use 130 to 109 days before `end`.
    fn in_bad_lot_window(&self, t: DateTime<Utc>) -> bool {
        t >= self.end - Duration::days(130) && t < self.end - Duration::days(109)
    }
}

/// The reagent lot every NextSeq 2000 in the fleet used during the bad-lot window.
pub const BAD_REAGENT_LOT: &str = "20794513";

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A standard-normal number that depends only on its key: order-independent noise.
fn noise(key: u64) -> f64 {
    let a = splitmix(key);
    let b = splitmix(a);
    let u1 = ((a >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let u2 = (b >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn instrument_seed(seed: u64, inst: &DemoInstrument) -> u64 {
    splitmix(seed ^ hash_str(inst.serial))
}

/// A sensor's value at time `t` for this instrument.
pub fn sensor_value(inst: &DemoInstrument, cfg: &SimConfig, sensor: &str, t: DateTime<Utc>) -> f64 {
    sensor_value_of(inst, inst.story, cfg, sensor, t)
}

/// `sensor_value` as if the instrument's story were `story` (a replaced part is healthy).
fn sensor_value_of(
    inst: &DemoInstrument,
    story: Story,
    cfg: &SimConfig,
    sensor: &str,
    t: DateTime<Utc>,
) -> f64 {
    let f = cfg.story_fraction(t);
    let n = noise(
        instrument_seed(cfg.seed, inst)
            ^ hash_str(sensor)
            ^ (t.timestamp() as u64).wrapping_mul(31),
    );
    let days_to_end = (cfg.end - t).num_hours() as f64 / 24.0;
    match (sensor, story) {
        ("laser_power_pct", Story::LaserDecay) => 100.0 - 25.0 * f.powf(1.3) + 1.0 * n,
        // 84 % at the end, falling 0.09 % a day: the 80 % limit some six weeks ahead.
        ("laser_power_pct", Story::LaserDimming) => 100.0 - 16.0 * f * f + 0.6 * n,
        ("laser_power_pct", _) => 100.0 - 3.0 * f + 1.0 * n,
        ("focus_fwhm_px", Story::LaserDecay) => 2.6 + 0.5 * f + 0.08 * n,
        ("focus_fwhm_px", _) => 2.6 + 0.08 * n,
        ("stage_position_error_um", Story::StageWear) => 0.5 + 1.45 * f * f + 0.08 * n.abs(),
        ("stage_position_error_um", _) => 0.5 + 0.08 * n.abs(),
        ("flow_cell_temp_delta_c", _) => 0.12 * n,
        // A failing chiller loses regulation over its last five days and oscillates.
        ("chiller_temp_c", Story::ChillerFailing) if days_to_end < 5.0 => {
            let lost = (5.0 - days_to_end.max(0.0)) / 5.0;
            4.0 + 7.5 * lost + 0.6 * lost * (t.timestamp() as f64 / 5400.0).sin() + 0.2 * n
        }
        ("chiller_temp_c", _) => 4.0 + 0.25 * n,
        ("line_pressure_kpa", Story::PressureDrift) => 105.0 + 23.0 * f.powf(1.5) + 1.5 * n,
        // 122 kPa at the end, rising 0.14 kPa a day: the 125 kPa limit some three weeks
        // ahead.
        ("line_pressure_kpa", Story::PumpWear) => 105.0 + 17.0 * f.powi(3) + 1.0 * n,
        ("line_pressure_kpa", _) => 105.0 + 1.5 * n,
        _ => n,
    }
}

/// Sensors every simulated instrument reports.
pub const SIM_SENSORS: [(&str, Subsystem); 6] = [
    ("laser_power_pct", Subsystem::Optical),
    ("focus_fwhm_px", Subsystem::Optical),
    ("stage_position_error_um", Subsystem::Mechanical),
    ("flow_cell_temp_delta_c", Subsystem::Thermal),
    ("chiller_temp_c", Subsystem::Thermal),
    ("line_pressure_kpa", Subsystem::Fluidics),
];

/// Every sensor's reading at `t`.
pub fn readings_at(inst: &DemoInstrument, cfg: &SimConfig, t: DateTime<Utc>) -> Vec<SensorReading> {
    readings_after_replacements(inst, cfg, t, &[])
}

/// Every sensor's reading at `t`, the sensors in `replaced` reading like a new part's.
pub fn readings_after_replacements(
    inst: &DemoInstrument,
    cfg: &SimConfig,
    t: DateTime<Utc>,
    replaced: &[String],
) -> Vec<SensorReading> {
    SIM_SENSORS
        .iter()
        .map(|(sensor, subsystem)| {
            let story = if replaced.iter().any(|r| r == sensor) {
                Story::Healthy
            } else {
                inst.story
            };
            SensorReading {
                at: t,
                subsystem: *subsystem,
                sensor: sensor.to_string(),
                value: (sensor_value_of(inst, story, cfg, sensor, t) * 1000.0).round() / 1000.0,
            }
        })
        .collect()
}

/// Operation-log events at `t`, if any: rare everywhere, frequent where a story says so.
pub fn events_at(inst: &DemoInstrument, cfg: &SimConfig, t: DateTime<Utc>) -> Vec<OperationEvent> {
    let f = cfg.story_fraction(t);
    let u = (splitmix(instrument_seed(cfg.seed, inst) ^ (t.timestamp() as u64)) >> 11) as f64
        / (1u64 << 53) as f64;
    let event = |subsystem, code: &str, severity| OperationEvent {
        at: t,
        subsystem,
        code: code.into(),
        severity,
    };
    match inst.story {
        Story::PressureDrift if u < 0.02 + 0.3 * f.powi(3) => {
            let severity = if f > 0.9 {
                EventSeverity::Error
            } else {
                EventSeverity::Warning
            };
            vec![event(
                Subsystem::Fluidics,
                "FLUIDICS_BUBBLE_DETECTED",
                severity,
            )]
        }
        Story::StageWear if u < 0.01 + 0.1 * f.powi(2) => {
            vec![event(
                Subsystem::Mechanical,
                "STAGE_HOMING_RETRY",
                EventSeverity::Warning,
            )]
        }
        _ if u < 0.004 => vec![event(
            Subsystem::Fluidics,
            "FLUIDICS_BUBBLE_DETECTED",
            EventSeverity::Info,
        )],
        _ => vec![],
    }
}

/// The instrument's telemetry over the window, in batches of `batch_days`.
pub fn telemetry(inst: &DemoInstrument, cfg: &SimConfig) -> Vec<TelemetryBatch> {
    let step = Duration::hours(cfg.reading_every_hours.max(1));
    let mut batches = Vec::new();
    let mut batch_start = cfg.start();
    while batch_start < cfg.end {
        let batch_end = (batch_start + Duration::days(cfg.batch_days.max(1))).min(cfg.end);
        let mut readings = Vec::new();
        let mut events = Vec::new();
        let mut t = batch_start;
        while t < batch_end {
            readings.extend(readings_at(inst, cfg, t));
            events.extend(events_at(inst, cfg, t));
            t += step;
        }
        let (csv, rta) = inst
            .model
            .software(inst.model == Model::NextSeq550 && cfg.upgraded(batch_end));
        batches.push(TelemetryBatch {
            batch_id: format!("{}-{}", inst.serial, batch_start.format("%Y%m%dT%H%M")),
            instrument: Some(InstrumentReport {
                control_software_version: Some(csv.into()),
                rta_version: Some(rta.into()),
            }),
            readings,
            events,
        });
        batch_start = batch_end;
    }
    batches
}

/// A live batch for "now", continuing the same curves after the backfill.
/// `replaced`: sensors whose component a technician has replaced; they read healthy.
pub fn live_batch(
    inst: &DemoInstrument,
    cfg: &SimConfig,
    t: DateTime<Utc>,
    replaced: &[String],
) -> TelemetryBatch {
    let (csv, rta) = inst
        .model
        .software(inst.model == Model::NextSeq550 && cfg.upgraded(t));
    TelemetryBatch {
        batch_id: format!("{}-live-{}", inst.serial, t.timestamp()),
        instrument: Some(InstrumentReport {
            control_software_version: Some(csv.into()),
            rta_version: Some(rta.into()),
        }),
        readings: readings_after_replacements(inst, cfg, t, replaced),
        events: events_at(inst, cfg, t),
    }
}

/// Every run the instrument finished in the window, oldest first.
pub fn runs(inst: &DemoInstrument, cfg: &SimConfig) -> Vec<RunIngest> {
    let mut rng = ChaCha8Rng::seed_from_u64(instrument_seed(cfg.seed, inst));
    let kinds = inst.model.run_kinds();
    let total_weight: u32 = kinds.iter().map(|k| k.weight).sum();
    let mut t = cfg.start() + Duration::hours(rng.gen_range(0..48));
    let mut out = Vec::new();
    let mut number = 1u32;
    loop {
        let mut pick = rng.gen_range(0..total_weight);
        let kind = kinds
            .iter()
            .find(|k| {
                if pick < k.weight {
                    true
                } else {
                    pick -= k.weight;
                    false
                }
            })
            .unwrap_or(&kinds[0]);
        let done = t + Duration::hours(kind.hours) + Duration::minutes(rng.gen_range(0..90));
        if done > cfg.end {
            break;
        }
        out.push(one_run(inst, cfg, &mut rng, kind, t, done, number));
        number += 1;
        // Labs load the next run after a gap of hours to a few days.
        t = done + Duration::hours(rng.gen_range(4..80));
    }
    out
}

fn one_run(
    inst: &DemoInstrument,
    cfg: &SimConfig,
    rng: &mut ChaCha8Rng,
    kind: &RunKind,
    started: DateTime<Utc>,
    done: DateTime<Utc>,
    number: u32,
) -> RunIngest {
    let f = cfg.story_fraction(started);
    let upgraded = inst.model == Model::NextSeq550 && cfg.upgraded(started);
    let bad_lot = inst.model == Model::NextSeq2000 && cfg.in_bad_lot_window(started);
    // Reagent lots turn over every six weeks, flow-cell lots every four.
    let day = (started - cfg.start()).num_days();
    let reagent_kit_lot = if bad_lot {
        BAD_REAGENT_LOT.to_string()
    } else {
        format!(
            "2{:07}",
            splitmix(hash_str(inst.model.name()) ^ (day / 42) as u64) % 10_000_000
        )
    };
    let flow_cell_lot = format!(
        "2{:07}",
        splitmix(hash_str(inst.model.name()) ^ 0xF1 ^ (day / 28) as u64) % 10_000_000
    );
    let mut q30 = kind.q30 + 1.8 * normal(rng);
    if upgraded {
        q30 += 1.2;
    }
    if bad_lot {
        q30 -= 7.0;
    }
    if inst.story == Story::LaserDecay {
        q30 -= 5.0 * f.powf(1.3);
    }
    let q30 = q30.clamp(40.0, 98.5);
    let density = kind.density * (1.0 + 0.08 * normal(rng));
    let pct_pf = (91.0 - (q30 < 80.0) as u8 as f64 * 4.0 + 2.5 * normal(rng)).clamp(50.0, 99.0);
    let yield_gb = kind.yield_gb * (pct_pf / 90.0) * (1.0 + 0.05 * normal(rng));
    let error_rate = (0.35 + (95.0 - q30) * 0.04 + 0.08 * normal(rng)).clamp(0.05, 10.0);
    let (csv, rta) = inst.model.software(upgraded);
    let flow_cell_id = format!(
        "FC{:06X}",
        splitmix(hash_str(inst.serial) ^ number as u64) & 0xFF_FFFF
    );
    RunIngest {
        run_id: format!(
            "{}_{}_{:04}_{}",
            started.format("%y%m%d"),
            inst.serial,
            number,
            flow_cell_id
        ),
        started_at: started,
        completed_at: Some(done),
        read_structure: kind.read_structure.to_string(),
        configuration: RunConfiguration {
            control_software_version: Some(csv.into()),
            rta_version: Some(rta.into()),
            flow_cell_id: Some(flow_cell_id),
            flow_cell_lot: Some(flow_cell_lot),
            reagent_kit_lot: Some(reagent_kit_lot),
            chemistry: Some(inst.model.chemistry().into()),
            flow_cell_type: Some(kind.flow_cell.into()),
        },
        summary: RunSummary {
            yield_gb: Some(round(yield_gb, 2)),
            pct_q30: Some(round(q30, 2)),
            pct_pf: Some(round(pct_pf, 2)),
            cluster_density_k_mm2: Some(round(density, 1)),
            error_rate: Some(round(error_rate, 3)),
        },
    }
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    noise(rng.gen())
}

fn round(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::DEMO_FLEET;
    use seqhealth_api::domain::sensor_spec;
    use seqhealth_api::Health;

    fn cfg() -> SimConfig {
        SimConfig::demo(7, "2026-06-30T00:00:00Z".parse().unwrap())
    }

    fn by_story(story: Story) -> &'static DemoInstrument {
        DEMO_FLEET.iter().find(|i| i.story == story).unwrap()
    }

    #[test]
    fn a_replaced_component_reads_like_a_new_one_in_live_reports() {
        let chiller = by_story(Story::ChillerFailing);
        let later = cfg().end + Duration::days(3);
        let temp = |replaced: &[String]| {
            live_batch(chiller, &cfg(), later, replaced)
                .readings
                .into_iter()
                .find(|r| r.sensor == "chiller_temp_c")
                .unwrap()
                .value
        };
        assert!(temp(&[]) > 10.0, "the failing chiller stays failed");
        let fixed = temp(&["chiller_temp_c".to_string()]);
        assert!(
            (3.0..5.0).contains(&fixed),
            "a new chiller holds 4 °C: {fixed}"
        );
    }

    #[test]
    fn same_seed_same_fleet_other_seed_other_fleet() {
        let a = runs(&DEMO_FLEET[0], &cfg());
        assert_eq!(a, runs(&DEMO_FLEET[0], &cfg()));
        assert_eq!(
            telemetry(&DEMO_FLEET[3], &cfg()),
            telemetry(&DEMO_FLEET[3], &cfg())
        );
        let other = SimConfig { seed: 8, ..cfg() };
        assert_ne!(a, runs(&DEMO_FLEET[0], &other));
    }

    #[test]
    fn a_year_of_runs_at_a_believable_pace() {
        for inst in &DEMO_FLEET {
            let r = runs(inst, &cfg());
            assert!(
                (40..=200).contains(&r.len()),
                "{} has {} runs",
                inst.serial,
                r.len()
            );
            assert!(r
                .windows(2)
                .all(|w| w[0].completed_at.unwrap() <= w[1].started_at));
            let ids: std::collections::HashSet<_> = r.iter().map(|x| &x.run_id).collect();
            assert_eq!(ids.len(), r.len(), "run ids are unique");
        }
    }

    #[test]
    fn q30_is_realistic_per_model_and_read_length() {
        let miseq = runs(by_story(Story::Healthy), &cfg());
        let mean = |rs: &[&RunIngest]| {
            rs.iter().map(|r| r.summary.pct_q30.unwrap()).sum::<f64>() / rs.len() as f64
        };
        let short: Vec<_> = miseq
            .iter()
            .filter(|r| r.read_structure == "151-8-8-151")
            .collect();
        let long: Vec<_> = miseq
            .iter()
            .filter(|r| r.read_structure == "301-8-8-301")
            .collect();
        assert!(
            mean(&short) > 80.0 && mean(&short) < 95.0,
            "2×150 {}",
            mean(&short)
        );
        assert!(
            mean(&long) > 70.0 && mean(&long) < mean(&short),
            "2×300 {}",
            mean(&long)
        );
    }

    #[test]
    fn the_bad_lot_shows_in_q30() {
        let inst = DEMO_FLEET
            .iter()
            .find(|i| i.model == Model::NextSeq2000)
            .unwrap();
        let r = runs(inst, &cfg());
        let (bad, good): (Vec<_>, Vec<_>) = r
            .iter()
            .partition(|x| x.configuration.reagent_kit_lot.as_deref() == Some(BAD_REAGENT_LOT));
        assert!(!bad.is_empty());
        let mean = |rs: &[&RunIngest]| {
            rs.iter().map(|r| r.summary.pct_q30.unwrap()).sum::<f64>() / rs.len() as f64
        };
        assert!(mean(&good) - mean(&bad) > 4.0);
    }

    #[test]
    fn stories_end_in_the_health_they_promise() {
        let c = cfg();
        let judge = |inst: &DemoInstrument, sensor: &str| {
            // The last reading is up to one reading interval before the end.
            sensor_spec(sensor).unwrap().judge(sensor_value(
                inst,
                &c,
                sensor,
                c.end - Duration::hours(6),
            ))
        };
        assert_eq!(
            judge(by_story(Story::LaserDecay), "laser_power_pct"),
            Health::Warning
        );
        assert_eq!(
            judge(by_story(Story::ChillerFailing), "chiller_temp_c"),
            Health::Critical
        );
        assert_eq!(
            judge(by_story(Story::PressureDrift), "line_pressure_kpa"),
            Health::Warning
        );
        assert_eq!(
            judge(by_story(Story::StageWear), "stage_position_error_um"),
            Health::Warning
        );
        // The upcoming ones are still within their bands: their replacements lie ahead.
        assert_eq!(
            judge(by_story(Story::LaserDimming), "laser_power_pct"),
            Health::Ok
        );
        assert_eq!(
            judge(by_story(Story::PumpWear), "line_pressure_kpa"),
            Health::Ok
        );
        for (sensor, _) in SIM_SENSORS {
            assert_eq!(
                judge(by_story(Story::Healthy), sensor),
                Health::Ok,
                "{sensor}"
            );
        }
    }

    #[test]
    fn telemetry_covers_the_window_once() {
        let c = SimConfig { days: 30, ..cfg() };
        let b = telemetry(&DEMO_FLEET[0], &c);
        let n: usize = b.iter().map(|x| x.readings.len()).sum();
        assert_eq!(n, 30 * 4 * SIM_SENSORS.len());
        let ids: std::collections::HashSet<_> = b.iter().map(|x| &x.batch_id).collect();
        assert_eq!(ids.len(), b.len());
    }
}
