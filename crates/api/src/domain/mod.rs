//! Domain words shared by every part: subsystems, health levels, roles, and the sensors
//! an instrument reports with the limits that make a reading a warning.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subsystem {
    Optical,
    Mechanical,
    Thermal,
    Fluidics,
}

impl Subsystem {
    pub const ALL: [Subsystem; 4] = [
        Subsystem::Optical,
        Subsystem::Mechanical,
        Subsystem::Thermal,
        Subsystem::Fluidics,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Subsystem::Optical => "optical",
            Subsystem::Mechanical => "mechanical",
            Subsystem::Thermal => "thermal",
            Subsystem::Fluidics => "fluidics",
        }
    }

    pub fn parse(s: &str) -> Option<Subsystem> {
        Subsystem::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Subsystem::Optical => "Optical",
            Subsystem::Mechanical => "Mechanical",
            Subsystem::Thermal => "Thermal",
            Subsystem::Fluidics => "Fluidics",
        }
    }
}

impl fmt::Display for Subsystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A subsystem's state. Ordered so that the worst of several is their `max`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// No reading yet: neither good nor bad.
    #[default]
    Unknown,
    Ok,
    Warning,
    Critical,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Unknown => "No data",
            Health::Ok => "OK",
            Health::Warning => "Warning",
            Health::Critical => "Critical",
        }
    }
    pub fn css_class(self) -> &'static str {
        match self {
            Health::Unknown => "health-unknown",
            Health::Ok => "health-ok",
            Health::Warning => "health-warning",
            Health::Critical => "health-critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Manager,
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Manager => "manager",
            Role::Viewer => "viewer",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "manager" => Some(Role::Manager),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

mod sensors;
pub use sensors::*;

/// The longest non-index read of a read structure such as "151-8-8-151": what spec
/// sheets key their %≥Q30 floors on. Index reads (≤ 24 cycles) are skipped.
pub fn read_length(read_structure: &str) -> Option<u32> {
    read_structure
        .split(['-', '+'])
        .filter_map(|r| r.parse::<u32>().ok())
        .filter(|&c| c > 24)
        .max()
}

/// The spec-sheet %≥Q30 floor for a model and read structure (approximate public figures,
/// DOMAIN.md); `None` where no floor is known. Runs usually land 5–10 points above it.
pub fn q30_floor(model: &str, read_structure: &str) -> Option<f64> {
    let len = read_length(read_structure)?;
    let floor = match model {
        "MiSeq" => match len {
            0..=76 => 85.0,
            77..=151 => 80.0,
            152..=251 => 75.0,
            _ => 70.0,
        },
        "NextSeq 500" | "NextSeq 550" => match len {
            0..=76 => 80.0,
            _ => 75.0,
        },
        "NextSeq 1000" | "NextSeq 2000" => 85.0,
        "NovaSeq 6000" => match len {
            0..=51 => 90.0,
            52..=101 => 85.0,
            _ => 75.0,
        },
        "NovaSeq X" | "NovaSeq X Plus" => 85.0,
        "HiSeq 2500" | "iSeq 100" => 80.0,
        _ => return None,
    };
    Some(floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_health_is_the_max() {
        let worst = [Health::Ok, Health::Critical, Health::Warning]
            .into_iter()
            .max();
        assert_eq!(worst, Some(Health::Critical));
        assert!(Health::Unknown < Health::Ok);
    }

    #[test]
    fn sensor_bands_judge_readings() {
        let laser = sensor_spec("laser_power_pct").unwrap();
        assert_eq!(laser.judge(100.0), Health::Ok);
        assert_eq!(laser.judge(75.0), Health::Warning);
        assert_eq!(laser.judge(60.0), Health::Critical);
        assert_eq!(laser.judge(f64::NAN), Health::Critical);
    }

    #[test]
    fn q30_floors_follow_model_and_read_length() {
        assert_eq!(read_length("151-8-8-151"), Some(151));
        assert_eq!(read_length("8-8"), None);
        assert_eq!(q30_floor("MiSeq", "301-8-8-301"), Some(70.0));
        assert_eq!(q30_floor("MiSeq", "151-8-8-151"), Some(80.0));
        assert_eq!(q30_floor("NovaSeq 6000", "101-8-8-101"), Some(85.0));
        assert_eq!(q30_floor("NextSeq 550", "76-8-8-76"), Some(80.0));
        assert_eq!(q30_floor("Unknown sequencer", "151-151"), None);
    }

    #[test]
    fn every_sensor_band_nests_inside_its_critical_band() {
        for s in SENSORS {
            let bands = std::iter::once((s.warn, s.critical))
                .chain(s.model_bands.iter().map(|b| (b.warn, b.critical)));
            for (warn, critical) in bands {
                assert!(
                    critical.0 <= warn.0 && warn.0 < warn.1 && warn.1 <= critical.1,
                    "{}",
                    s.name
                );
            }
        }
    }

    /// No public figures and no real folder for these models: intensity, its change and
    /// cycle time judge nothing there (README, "Not judged on NovaSeq 6000 …").
    #[test]
    fn unmeasured_models_are_not_judged() {
        let unjudged = [
            "run_c1_intensity",
            "run_early_intensity_red",
            "run_early_intensity_green",
            "run_early_intensity_blue",
            "run_intensity_change_pct",
            "run_cycle_minutes",
        ];
        for model in [
            "NovaSeq 6000",
            "iSeq 100",
            "NextSeq 1000",
            "NextSeq 2000",
            "NovaSeq X",
        ] {
            for name in unjudged {
                let s = sensor_spec_for(name, model).unwrap();
                assert_eq!(s.warn, s.critical, "{name} on {model}");
                assert_eq!(s.judge(s.warn.0), Health::Ok, "{name} on {model}");
                assert_eq!(s.judge(s.warn.1), Health::Ok, "{name} on {model}");
            }
        }
    }

    #[test]
    fn run_signals_are_judged_by_the_model_band() {
        let c1 = sensor_spec("run_c1_intensity").unwrap();
        assert_eq!(c1.source, Source::Run);
        assert_eq!(c1.for_model("MiSeq").judge(175.0), Health::Ok);
        assert_eq!(c1.for_model("MiSeq").judge(100.0), Health::Warning);
        assert_eq!(c1.for_model("HiSeq 2500").judge(175.0), Health::Critical);
        assert_eq!(c1.for_model("NextSeq 550").warn, (2_500.0, 10_000.0));
        // A model without a band of its own: the default, which judges nothing real.
        assert_eq!(c1.for_model("NovaSeq 6000").judge(175.0), Health::Ok);
        // Per laser: the shared NextSeq 500's figures are normal on a NextSeq 550.
        for (name, value) in [
            ("run_early_intensity_red", 5_337.5),
            ("run_early_intensity_green", 4_222.7),
            ("run_fwhm_px_red", 2.88),
            ("run_fwhm_px_green", 2.72),
        ] {
            let spec = sensor_spec_for(name, "NextSeq 550").unwrap();
            assert_eq!(
                (spec.source, spec.subsystem),
                (Source::Run, Subsystem::Optical)
            );
            assert_eq!(spec.judge(value), Health::Ok, "{name}");
        }
        assert_eq!(
            sensor_spec_for("run_early_intensity_red", "MiSeq")
                .unwrap()
                .judge(60.0),
            Health::Critical
        );
        assert_eq!(
            sensor_spec_for("laser_power_pct", "MiSeq").unwrap().warn,
            (80.0, 110.0)
        );
    }
}
