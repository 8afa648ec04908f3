//! The allow-list of run-derived signals: a finished run folder's hardware figures
//! (`seqhealth_interop::signals`) → sensor readings that leave as one telemetry batch,
//! stamped at the run's end.
//!
//! Each figure leaves only under a sensor name listed in [`RUN_SIGNALS`], which the
//! server declares too (`seqhealth_api::domain::SENSORS`, source `run`); only numbers
//! leave, each finite and within its plausible range, else it is dropped. How the run
//! ended (RunCompletionStatus.xml) rides in the same batch as one operation event
//! (`crate::oplog`), so it is spooled and sent with the run's readings.

use chrono::{DateTime, TimeZone, Utc};
use seqhealth_api::domain::{sensor_spec, Source};
use seqhealth_api::{RunIngest, SensorReading, TelemetryBatch};
use seqhealth_interop::signals::RunSignals;

/// Sensor name, the figure, and the range a real run can give (anything else is a
/// parsing accident and stays home).
type Pick = fn(&RunSignals) -> Option<f64>;

pub const RUN_SIGNALS: [(&str, Pick, (f64, f64)); 15] = [
    ("run_fwhm_px", |s| s.fwhm_px, (0.0, 20.0)),
    ("run_out_of_focus_pct", |s| s.out_of_focus_pct, (0.0, 100.0)),
    (
        "run_surface_fwhm_delta_px",
        |s| s.surface_fwhm_delta_px,
        (0.0, 20.0),
    ),
    ("run_c1_intensity", |s| s.c1_intensity, (0.0, 65_535.0)),
    // Per laser, in `Laser::ALL` order: red, green, blue.
    ("run_fwhm_px_red", |s| s.fwhm_px_by_laser[0], (0.0, 20.0)),
    ("run_fwhm_px_green", |s| s.fwhm_px_by_laser[1], (0.0, 20.0)),
    ("run_fwhm_px_blue", |s| s.fwhm_px_by_laser[2], (0.0, 20.0)),
    (
        "run_early_intensity_red",
        |s| s.early_intensity_by_laser[0],
        (0.0, 65_535.0),
    ),
    (
        "run_early_intensity_green",
        |s| s.early_intensity_by_laser[1],
        (0.0, 65_535.0),
    ),
    (
        "run_early_intensity_blue",
        |s| s.early_intensity_by_laser[2],
        (0.0, 65_535.0),
    ),
    (
        "run_intensity_change_pct",
        |s| s.intensity_change_pct_per_cycle,
        (-100.0, 100.0),
    ),
    ("run_cycle_minutes", |s| s.cycle_minutes, (0.0, 600.0)),
    ("run_phasing_pct", |s| s.phasing_pct, (0.0, 100.0)),
    ("run_prephasing_pct", |s| s.prephasing_pct, (0.0, 100.0)),
    (
        "run_cycles_completed_pct",
        |s| s.completion.and_then(|c| c.completed_pct()),
        (0.0, 100.0),
    ),
];

/// When the run ended: its last image, if the extraction file has timestamps and the
/// time is after the run's start; `None` otherwise.
pub fn completed_at(run: &RunIngest, signals: &RunSignals) -> Option<DateTime<Utc>> {
    let at = Utc.timestamp_opt(signals.last_image_at?, 0).single()?;
    (at >= run.started_at).then_some(at)
}

/// The telemetry batch of a run's derived signals and how it ended, stamped at the run's
/// end (or its start, when the folder does not say when it ended); `None` when the folder
/// gives neither. Its id is derived from the run id, so a resend changes nothing.
pub fn run_batch(run: &RunIngest, signals: &RunSignals) -> Option<TelemetryBatch> {
    let at = run.completed_at.unwrap_or(run.started_at);
    let readings: Vec<SensorReading> = RUN_SIGNALS
        .iter()
        .filter_map(|(name, pick, (lo, hi))| {
            let value = pick(signals).filter(|v| v.is_finite() && (*lo..=*hi).contains(v))?;
            let spec = sensor_spec(name).filter(|s| s.source == Source::Run)?;
            Some(SensorReading {
                at,
                subsystem: spec.subsystem,
                sensor: (*name).to_string(),
                value,
            })
        })
        .collect();
    let events: Vec<_> = signals
        .completion
        .iter()
        .map(|c| crate::oplog::completion_event(c, at))
        .collect();
    if readings.is_empty() && events.is_empty() {
        return None;
    }
    let id: String = format!("run-signals.{}", run.run_id)
        .chars()
        .take(128)
        .collect();
    Some(TelemetryBatch {
        batch_id: id,
        instrument: None,
        readings,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use seqhealth_interop::lasers::Laser;

    /// A run the software stopped, from a folder with no extraction file: the batch still
    /// leaves, with the error event and how far the run got, at the run's end.
    #[test]
    fn an_aborted_run_sends_its_error_event_with_its_signals() {
        use seqhealth_api::{EventSeverity, RunConfiguration, RunSummary};
        use seqhealth_interop::completion::{CompletionStatus, Cycles, RunCompletion};
        let end = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let run = RunIngest {
            run_id: "260301_NS500318_0001_AHXXXXXXXX".into(),
            started_at: end - chrono::Duration::hours(10),
            completed_at: Some(end),
            read_structure: "151-151".into(),
            configuration: RunConfiguration {
                control_software_version: None,
                rta_version: None,
                flow_cell_id: None,
                flow_cell_lot: None,
                reagent_kit_lot: None,
                chemistry: None,
                flow_cell_type: None,
            },
            summary: RunSummary {
                yield_gb: None,
                pct_q30: None,
                pct_pf: None,
                cluster_density_k_mm2: None,
                error_rate: None,
            },
        };
        assert_eq!(run_batch(&run, &RunSignals::default()), None);
        let signals = RunSignals {
            completion: Some(RunCompletion {
                status: CompletionStatus::ExceptionEndedEarly,
                cycles: Some(Cycles {
                    planned: 302,
                    completed: 151,
                }),
            }),
            ..RunSignals::default()
        };
        let b = run_batch(&run, &signals).unwrap();
        assert_eq!(b.events.len(), 1);
        let e = &b.events[0];
        assert_eq!(
            (e.code.as_str(), e.severity, e.subsystem, e.at),
            (
                crate::oplog::RUN_ENDED_BY_ERROR,
                EventSeverity::Error,
                seqhealth_api::domain::Subsystem::Fluidics,
                end
            )
        );
        let cycles: Vec<_> = b
            .readings
            .iter()
            .map(|r| (r.sensor.as_str(), r.value))
            .collect();
        assert_eq!(cycles, [("run_cycles_completed_pct", 50.0)]);
    }

    #[test]
    fn per_laser_signals_follow_the_laser_order() {
        let mut s = RunSignals::default();
        for laser in Laser::ALL {
            s.fwhm_px_by_laser[laser.index()] = Some(2.0 + laser.index() as f64);
            s.early_intensity_by_laser[laser.index()] = Some(100.0 * laser.index() as f64);
        }
        let value = |name: &str| {
            RUN_SIGNALS
                .iter()
                .find(|r| r.0 == name)
                .and_then(|r| (r.1)(&s))
        };
        assert_eq!(value("run_fwhm_px_red"), Some(2.0));
        assert_eq!(value("run_fwhm_px_green"), Some(3.0));
        assert_eq!(value("run_fwhm_px_blue"), Some(4.0));
        assert_eq!(value("run_early_intensity_green"), Some(100.0));
        assert_eq!(value("run_early_intensity_blue"), Some(200.0));
    }

    #[test]
    fn every_run_signal_is_a_declared_run_sensor() {
        for (name, _, (lo, hi)) in RUN_SIGNALS {
            let spec = sensor_spec(name).unwrap_or_else(|| panic!("{name} undeclared"));
            assert_eq!(spec.source, Source::Run, "{name}");
            assert!(lo < hi);
        }
    }
}
