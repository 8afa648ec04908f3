//! The sensors an instrument reports, the bands that make a reading a warning or
//! critical, and the model bands of the run signals.

use super::{Health, Subsystem};
use serde::{Deserialize, Serialize};

/// A sensor an instrument reports, and the band outside which a reading is a warning or
/// critical. Readings of sensors not listed here are stored but not judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SensorSpec {
    pub name: &'static str,
    /// What a person calls it: "Laser output power".
    pub label: &'static str,
    /// The replaceable component whose wear this signal shows.
    pub component: &'static str,
    pub subsystem: Subsystem,
    pub unit: &'static str,
    /// Normal operating band; outside it the subsystem is in warning.
    pub warn: (f64, f64),
    /// Outside this band the subsystem is critical.
    pub critical: (f64, f64),
    /// (rise, fall) per day beyond which a change is a warning while still in band: the
    /// early sign of a failing part. `None`: that direction is not judged.
    pub max_change_per_day: (Option<f64>, Option<f64>),
    /// What the band judges when a part's wear is forecast: the signal's level or its
    /// every excursion.
    pub limit_on: LimitOn,
    /// The band edges wear can push the signal toward; a drift toward another (a position
    /// error easing toward zero) is not forecast as a failure.
    pub wears_toward: WearsToward,
    /// Where its readings come from: a sensor of the instrument (or the lab), or a figure
    /// the agent derives from each finished run folder, stamped at the run's end.
    pub source: Source,
    /// Bands of particular models, where a figure differs by instrument (intensity counts,
    /// cycle time): the first whose prefix starts the instrument's model replaces `warn`
    /// and `critical`. See [`SensorSpec::for_model`].
    pub model_bands: &'static [ModelBand],
}

/// Where a sensor's readings come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A sensor read on the instrument or in the lab, at its own pace.
    #[default]
    Sensor,
    /// Derived by the agent from a finished run folder's InterOp files, one reading per
    /// run: its freshness is the last run's, and its silence is no fault.
    Run,
}

/// The normal band of a sensor on one family of models.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelBand {
    /// Model name prefixes ("MiSeq", "NextSeq 5" for the 500 and 550).
    pub models: &'static [&'static str],
    pub warn: (f64, f64),
    pub critical: (f64, f64),
}

/// Which band edges a part's wear can push its signal toward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WearsToward {
    Either,
    Low,
    High,
}

/// What a sensor's normal band is meant for, when its wear is forecast to the band's edge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitOn {
    /// The signal's level: a single noisy reading past the edge is the sensor, not the
    /// part (laser power, line pressure, position error). The daily mean is forecast.
    #[default]
    Level,
    /// Every excursion: a temperature that swings past the edge harms the reagents or the
    /// chemistry even if its average is fine. The daily extreme is forecast.
    Peaks,
}

impl SensorSpec {
    /// This sensor as judged on an instrument of `model`: its model band where one is
    /// given, else its own.
    pub fn for_model(&self, model: &str) -> SensorSpec {
        let band = self
            .model_bands
            .iter()
            .find(|b| b.models.iter().any(|m| model.starts_with(m)));
        match band {
            Some(b) => SensorSpec {
                warn: b.warn,
                critical: b.critical,
                ..*self
            },
            None => *self,
        }
    }

    pub fn judge(&self, value: f64) -> Health {
        if !value.is_finite() || value < self.critical.0 || value > self.critical.1 {
            Health::Critical
        } else if value < self.warn.0 || value > self.warn.1 {
            Health::Warning
        } else {
            Health::Ok
        }
    }
}

/// Run focus (FWHM) per model, for the run's figure and each laser's: the shared folders
/// (MiSeq 2.31–3.13, HiSeq 2500 2.49–2.59, NextSeq 500 2.72–2.88 px) with room around them.
const FWHM_BANDS: &[ModelBand] = &[
    ModelBand {
        models: &["MiSeq"],
        warn: (1.8, 3.6),
        critical: (1.5, 4.2),
    },
    ModelBand {
        models: &["HiSeq"],
        warn: (1.8, 3.2),
        critical: (1.5, 3.8),
    },
    ModelBand {
        models: &["NextSeq 5"],
        warn: (2.0, 3.5),
        critical: (1.5, 4.0),
    },
];

/// Early intensity of the red laser's channels: shared folders MiSeq 228–310, HiSeq 2500
/// 10,884, NextSeq 500 5,338 counts.
const EARLY_RED_BANDS: &[ModelBand] = &[
    ModelBand {
        models: &["MiSeq"],
        warn: (140.0, 900.0),
        critical: (90.0, 1_300.0),
    },
    ModelBand {
        models: &["HiSeq"],
        warn: (5_000.0, 20_000.0),
        critical: (3_000.0, 26_000.0),
    },
    ModelBand {
        models: &["NextSeq 5"],
        warn: (2_500.0, 10_000.0),
        critical: (1_500.0, 14_000.0),
    },
];

/// Early intensity of the green laser's channels: shared folders MiSeq 120–248, HiSeq
/// 2500 5,805, NextSeq 500 4,223 counts.
const EARLY_GREEN_BANDS: &[ModelBand] = &[
    ModelBand {
        models: &["MiSeq"],
        warn: (70.0, 700.0),
        critical: (45.0, 1_000.0),
    },
    ModelBand {
        models: &["HiSeq"],
        warn: (2_800.0, 11_000.0),
        critical: (1_800.0, 15_000.0),
    },
    ModelBand {
        models: &["NextSeq 5"],
        warn: (2_000.0, 8_500.0),
        critical: (1_200.0, 12_000.0),
    },
];

/// Sensors common to the simulated and real fleets (approximate public figures, DOMAIN.md).
pub const SENSORS: &[SensorSpec] = &[
    SensorSpec {
        name: "laser_power_pct",
        component: "Laser",
        label: "Laser output power",
        subsystem: Subsystem::Optical,
        unit: "% of rated",
        warn: (80.0, 110.0),
        critical: (70.0, 120.0),
        max_change_per_day: (None, Some(2.0)),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::Low,
        source: Source::Sensor,
        model_bands: &[],
    },
    SensorSpec {
        name: "focus_fwhm_px",
        component: "Objective and autofocus",
        label: "Focus quality (FWHM)",
        subsystem: Subsystem::Optical,
        unit: "px",
        warn: (1.5, 3.4),
        critical: (1.0, 4.0),
        max_change_per_day: (Some(0.2), None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::High,
        source: Source::Sensor,
        model_bands: &[],
    },
    SensorSpec {
        name: "stage_position_error_um",
        component: "XY stage",
        label: "XY stage position error",
        subsystem: Subsystem::Mechanical,
        unit: "µm",
        warn: (0.0, 1.5),
        critical: (0.0, 3.0),
        max_change_per_day: (Some(0.15), None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::High,
        source: Source::Sensor,
        model_bands: &[],
    },
    SensorSpec {
        name: "flow_cell_temp_delta_c",
        component: "Flow-cell heater",
        label: "Flow-cell temperature deviation",
        subsystem: Subsystem::Thermal,
        unit: "°C from set point",
        warn: (-0.8, 0.8),
        critical: (-2.0, 2.0),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Peaks,
        wears_toward: WearsToward::Either,
        source: Source::Sensor,
        model_bands: &[],
    },
    SensorSpec {
        name: "chiller_temp_c",
        component: "Reagent chiller",
        label: "Reagent chiller temperature",
        subsystem: Subsystem::Thermal,
        unit: "°C",
        warn: (2.0, 7.0),
        critical: (0.0, 10.0),
        max_change_per_day: (Some(1.0), Some(1.0)),
        limit_on: LimitOn::Peaks,
        wears_toward: WearsToward::Either,
        source: Source::Sensor,
        model_bands: &[],
    },
    SensorSpec {
        name: "line_pressure_kpa",
        component: "Fluidics pump and lines",
        label: "Fluidics line pressure",
        subsystem: Subsystem::Fluidics,
        unit: "kPa",
        warn: (85.0, 125.0),
        critical: (70.0, 140.0),
        max_change_per_day: (Some(4.0), Some(8.0)),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::Either,
        source: Source::Sensor,
        model_bands: &[],
    },
    // ------------------------------------------------------------------ lab sensors
    // Read by a lab's own sensors and fed to the agent as a local feed (README "The
    // agent"). Bands: Illumina's site-preparation guides (MiSeq, NextSeq 500/550, NovaSeq:
    // operating temperature 19–25 °C, relative humidity 20–80 % non-condensing).
    SensorSpec {
        name: "room_temp_c",
        component: "Room climate",
        label: "Room temperature",
        subsystem: Subsystem::Thermal,
        unit: "°C",
        warn: (19.0, 25.0),
        critical: (15.0, 30.0),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Peaks,
        wears_toward: WearsToward::Either,
        source: Source::Sensor,
        model_bands: &[],
    },
    SensorSpec {
        name: "room_humidity_pct",
        component: "Room climate",
        label: "Room relative humidity",
        subsystem: Subsystem::Thermal,
        unit: "% RH",
        warn: (20.0, 80.0),
        critical: (10.0, 90.0),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Peaks,
        wears_toward: WearsToward::Either,
        source: Source::Sensor,
        model_bands: &[],
    },
    // ------------------------------------------------------------- run-derived signals
    // One reading per finished run, derived by the agent from the run folder's InterOp
    // files (`seqhealth_interop::signals`). Bands: the shared real folders' values (MiSeq
    // ×3, HiSeq 2500, NextSeq 500) with room around them, and Illumina's published
    // figures where there are some; the README's table says which band is a first
    // estimate. A model with no band of its own gets the wide default, which judges
    // only figures no instrument gives.
    SensorSpec {
        name: "run_fwhm_px",
        component: "Objective and autofocus",
        label: "Run focus (FWHM)",
        subsystem: Subsystem::Optical,
        unit: "px",
        warn: (1.5, 3.6),
        critical: (1.0, 4.2),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::High,
        source: Source::Run,
        model_bands: FWHM_BANDS,
    },
    SensorSpec {
        name: "run_out_of_focus_pct",
        component: "Objective and autofocus",
        label: "Images out of focus",
        subsystem: Subsystem::Optical,
        unit: "% of images",
        warn: (0.0, 2.0),
        critical: (0.0, 10.0),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::High,
        source: Source::Run,
        model_bands: &[],
    },
    SensorSpec {
        name: "run_c1_intensity",
        component: "Laser",
        label: "Cycle-1 intensity",
        subsystem: Subsystem::Optical,
        unit: "counts",
        warn: (0.0, 65_535.0),
        critical: (0.0, 65_535.0),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::Low,
        source: Source::Run,
        model_bands: &[
            ModelBand {
                models: &["MiSeq"],
                warn: (120.0, 800.0),
                critical: (80.0, 1_200.0),
            },
            ModelBand {
                models: &["HiSeq"],
                warn: (4_000.0, 16_000.0),
                critical: (2_500.0, 20_000.0),
            },
            ModelBand {
                models: &["NextSeq 5"],
                warn: (2_500.0, 10_000.0),
                critical: (1_500.0, 14_000.0),
            },
        ],
    },
    SensorSpec {
        name: "run_surface_fwhm_delta_px",
        component: "Flow-cell stage and Z",
        label: "Focus difference between surfaces",
        subsystem: Subsystem::Mechanical,
        unit: "px",
        warn: (0.0, 0.35),
        critical: (0.0, 0.6),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::High,
        source: Source::Run,
        model_bands: &[],
    },
    SensorSpec {
        name: "run_cycle_minutes",
        component: "Flow-cell heater",
        label: "Cycle time",
        subsystem: Subsystem::Thermal,
        unit: "min per cycle",
        warn: (0.0, 600.0),
        critical: (0.0, 600.0),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::High,
        source: Source::Run,
        model_bands: &[
            ModelBand {
                models: &["MiSeq"],
                warn: (3.0, 5.5),
                critical: (2.5, 7.0),
            },
            ModelBand {
                models: &["HiSeq"],
                warn: (4.0, 40.0),
                critical: (3.0, 60.0),
            },
            ModelBand {
                models: &["NextSeq 5"],
                warn: (3.0, 6.0),
                critical: (2.5, 8.0),
            },
        ],
    },
    SensorSpec {
        name: "run_phasing_pct",
        component: "Fluidics pump and lines",
        label: "Phasing (read 1)",
        subsystem: Subsystem::Fluidics,
        unit: "%",
        warn: (0.0, 0.3),
        critical: (0.0, 0.5),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::High,
        source: Source::Run,
        model_bands: &[],
    },
    SensorSpec {
        name: "run_prephasing_pct",
        component: "Fluidics pump and lines",
        label: "Prephasing (read 1)",
        subsystem: Subsystem::Fluidics,
        unit: "%",
        warn: (0.0, 0.3),
        critical: (0.0, 0.5),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::High,
        source: Source::Run,
        model_bands: &[],
    },
    SensorSpec {
        name: "run_intensity_change_pct",
        component: "Fluidics pump and lines",
        label: "Intensity change along read 1",
        subsystem: Subsystem::Fluidics,
        unit: "% per cycle",
        warn: (-100.0, 100.0),
        critical: (-100.0, 100.0),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::Low,
        source: Source::Run,
        model_bands: &[
            ModelBand {
                models: &["MiSeq"],
                warn: (0.0, 2.0),
                critical: (-1.0, 3.0),
            },
            ModelBand {
                models: &["HiSeq"],
                warn: (-1.0, 0.5),
                critical: (-2.0, 1.0),
            },
            ModelBand {
                models: &["NextSeq 5"],
                warn: (-1.2, 0.3),
                critical: (-2.5, 1.0),
            },
        ],
    },
    // Per laser (red: A and C, or the red channel; green: G and T, or the green channel;
    // blue on blue/green instruments): a laser or its channel's optics that fade show in
    // its own channels first. Intensity over cycles 1–5 of read 1. Bands: the shared
    // folders' values (README), margins as for the run's figures; no real blue/green
    // folder here, so blue is not judged.
    SensorSpec {
        name: "run_early_intensity_red",
        component: "Laser",
        label: "Early intensity, red laser",
        subsystem: Subsystem::Optical,
        unit: "counts",
        warn: (0.0, 65_535.0),
        critical: (0.0, 65_535.0),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::Low,
        source: Source::Run,
        model_bands: EARLY_RED_BANDS,
    },
    SensorSpec {
        name: "run_early_intensity_green",
        component: "Laser",
        label: "Early intensity, green laser",
        subsystem: Subsystem::Optical,
        unit: "counts",
        warn: (0.0, 65_535.0),
        critical: (0.0, 65_535.0),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::Low,
        source: Source::Run,
        model_bands: EARLY_GREEN_BANDS,
    },
    SensorSpec {
        name: "run_early_intensity_blue",
        component: "Laser",
        label: "Early intensity, blue laser",
        subsystem: Subsystem::Optical,
        unit: "counts",
        warn: (0.0, 65_535.0),
        critical: (0.0, 65_535.0),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::Low,
        source: Source::Run,
        model_bands: &[],
    },
    SensorSpec {
        name: "run_fwhm_px_red",
        component: "Objective and autofocus",
        label: "Focus (FWHM), red channels",
        subsystem: Subsystem::Optical,
        unit: "px",
        warn: (1.5, 3.6),
        critical: (1.0, 4.2),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::High,
        source: Source::Run,
        model_bands: FWHM_BANDS,
    },
    SensorSpec {
        name: "run_fwhm_px_green",
        component: "Objective and autofocus",
        label: "Focus (FWHM), green channels",
        subsystem: Subsystem::Optical,
        unit: "px",
        warn: (1.5, 3.6),
        critical: (1.0, 4.2),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::High,
        source: Source::Run,
        model_bands: FWHM_BANDS,
    },
    SensorSpec {
        name: "run_fwhm_px_blue",
        component: "Objective and autofocus",
        label: "Focus (FWHM), blue channels",
        subsystem: Subsystem::Optical,
        unit: "px",
        warn: (1.5, 3.6),
        critical: (1.0, 4.2),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        wears_toward: WearsToward::High,
        source: Source::Run,
        model_bands: FWHM_BANDS,
    },
    // How far a run got (RunCompletionStatus.xml, NextSeq 500/550 and later). Not judged:
    // a run that ended early is judged by its operation event (an error only when the
    // software stopped it); a user-stopped run at 40 % is no hardware fault. The reading
    // shows where in the run the stops happen.
    SensorSpec {
        name: "run_cycles_completed_pct",
        component: "Fluidics pump and lines",
        label: "Cycles completed",
        subsystem: Subsystem::Fluidics,
        unit: "% of planned cycles",
        warn: (0.0, 100.0),
        critical: (0.0, 100.0),
        max_change_per_day: (None, None),
        limit_on: LimitOn::Level,
        // Never forecast as wear: it cannot pass 100, and a drop is a stop, not a trend.
        wears_toward: WearsToward::High,
        source: Source::Run,
        model_bands: &[],
    },
];

pub fn sensor_spec(name: &str) -> Option<&'static SensorSpec> {
    SENSORS.iter().find(|s| s.name == name)
}

/// A sensor as judged on an instrument of `model` (its model band, if it has one).
pub fn sensor_spec_for(name: &str, model: &str) -> Option<SensorSpec> {
    sensor_spec(name).map(|s| s.for_model(model))
}
