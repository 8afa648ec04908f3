//! Statistical process control on per-run %≥Q30.
//!
//! A run that fails the spec floor is already lost. Control limits from the instrument's
//! own healthy runs, plus the Westgard run rules, flag a drift several runs earlier: a
//! slow optics or fluidics problem shows up as "4 of 5 beyond 1σ" long before a run
//! drops below spec.
//!
//! Non-finite values (a run without a Q-score) are skipped: they neither break nor extend
//! a pattern, and signals keep the run's index in the caller's series.

use crate::domain::Severity;
use crate::stats::mean_sd;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a baseline could not be formed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SpcError {
    /// Fewer than two finite runs in the baseline window.
    TooFewRuns { finite: usize },
    /// The baseline has no spread (σ = 0, or not finite): every later run would signal.
    NoSpread { sd: f64 },
    /// The mean is not a finite number.
    NonFiniteMean,
}

impl fmt::Display for SpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpcError::TooFewRuns { finite } => write!(
                f,
                "a Q-score baseline needs at least 2 runs with a value, got {finite}"
            ),
            SpcError::NoSpread { sd } => write!(
                f,
                "the Q-score baseline has no usable spread (σ = {sd}); give a baseline σ"
            ),
            SpcError::NonFiniteMean => f.write_str("the Q-score baseline mean is not finite"),
        }
    }
}

impl std::error::Error for SpcError {}

/// In-control mean and σ of %≥Q30.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub mean: f64,
    pub sd: f64,
}

impl Baseline {
    /// A baseline given by the caller (e.g. carried over from before a software update).
    pub fn new(mean: f64, sd: f64) -> Result<Self, SpcError> {
        if !mean.is_finite() {
            return Err(SpcError::NonFiniteMean);
        }
        if !(sd.is_finite() && sd > 0.0) {
            return Err(SpcError::NoSpread { sd });
        }
        Ok(Baseline { mean, sd })
    }

    /// Mean and sample σ of the finite values among the first `runs` runs.
    pub fn from_first_runs(values: &[f64], runs: usize) -> Result<Self, SpcError> {
        let window: Vec<f64> = values
            .iter()
            .take(runs)
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let (mean, sd) = mean_sd(&window).ok_or(SpcError::TooFewRuns {
            finite: window.len(),
        })?;
        Baseline::new(mean, sd)
    }

    /// Control limits at mean ± 3σ.
    pub fn limits(&self) -> ControlLimits {
        ControlLimits {
            center: self.mean,
            lower: self.mean - 3.0 * self.sd,
            upper: self.mean + 3.0 * self.sd,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ControlLimits {
    pub center: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Which side of the mean a signal is on. For %≥Q30, `Below` is the bad side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Above,
    Below,
}

/// The rules, in Westgard notation where one exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpcRule {
    /// 1₃ₛ: one run beyond 3σ.
    OneBeyond3Sd,
    /// 2of3₂ₛ: 2 of the last 3 runs beyond 2σ on the same side.
    TwoOfThreeBeyond2Sd,
    /// 4₁ₛ (4 of 5): 4 of the last 5 runs beyond 1σ on the same side.
    FourOfFiveBeyond1Sd,
    /// 8ₓ: 8 runs in a row on the same side of the mean.
    EightOnOneSide,
    /// Below the spec floor for the model / flow cell / read length.
    BelowSpecFloor,
}

/// One rule firing at one run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpcSignal {
    /// Index into the series passed to [`evaluate`].
    pub run_index: usize,
    pub rule: SpcRule,
    pub side: Side,
    pub value: f64,
}

impl SpcSignal {
    /// A spec failure is critical; a drift downward is a warning (act before a run
    /// fails); a long run below the mean is worth noting. Runs better than baseline are
    /// only information: the process changed, perhaps a new kit, not a fault.
    pub fn severity(&self) -> Severity {
        match (self.rule, self.side) {
            (SpcRule::BelowSpecFloor, _) => Severity::Critical,
            (_, Side::Above) => Severity::Info,
            (SpcRule::EightOnOneSide, Side::Below) => Severity::Info,
            (_, Side::Below) => Severity::Warning,
        }
    }
}

/// Applies every rule to every run; a rule is reported at each run whose value completes
/// it (the run itself is part of the pattern), so signals point at the runs that matter.
pub fn evaluate(values: &[f64], baseline: &Baseline, spec_floor: Option<f64>) -> Vec<SpcSignal> {
    let mut out = Vec::new();
    // (run index, value, z-score) of finite runs seen so far.
    let mut seen: Vec<(usize, f64, f64)> = Vec::new();
    for (run_index, &value) in values.iter().enumerate() {
        if !value.is_finite() {
            continue;
        }
        let z = (value - baseline.mean) / baseline.sd;
        seen.push((run_index, value, z));
        let mut fire = |rule, side| {
            out.push(SpcSignal {
                run_index,
                rule,
                side,
                value,
            })
        };
        let side = if z >= 0.0 { Side::Above } else { Side::Below };
        let zs: Vec<f64> = seen.iter().rev().take(8).map(|s| s.2).collect();
        if z.abs() > 3.0 {
            fire(SpcRule::OneBeyond3Sd, side);
        }
        if completes(&zs, 3, 2, 2.0, side) {
            fire(SpcRule::TwoOfThreeBeyond2Sd, side);
        }
        if completes(&zs, 5, 4, 1.0, side) {
            fire(SpcRule::FourOfFiveBeyond1Sd, side);
        }
        if zs.len() == 8 && zs.iter().all(|&w| on_side(w, side)) {
            fire(SpcRule::EightOnOneSide, side);
        }
        if spec_floor.is_some_and(|floor| value < floor) {
            fire(SpcRule::BelowSpecFloor, Side::Below);
        }
    }
    out
}

/// Strictly on `side` of the mean (a run exactly at the mean breaks a streak).
fn on_side(z: f64, side: Side) -> bool {
    match side {
        Side::Above => z > 0.0,
        Side::Below => z < 0.0,
    }
}

/// True when the newest run (`recent_first[0]`) is beyond `k`σ on `side` and at least
/// `need` of the last `window` runs are. Near the start of a series, fewer than `window`
/// runs may already hold `need` of them; that still counts.
fn completes(recent_first: &[f64], window: usize, need: usize, k: f64, side: Side) -> bool {
    let beyond = |z: f64| match side {
        Side::Above => z > k,
        Side::Below => z < -k,
    };
    let newest_beyond = recent_first.first().is_some_and(|&z| beyond(z));
    let count = recent_first
        .iter()
        .take(window)
        .filter(|&&z| beyond(z))
        .count();
    newest_beyond && count >= need
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mean 90, σ 1 exactly.
    fn base() -> Baseline {
        Baseline::new(90.0, 1.0).expect("valid baseline")
    }

    fn fired(signals: &[SpcSignal]) -> Vec<(usize, SpcRule)> {
        signals.iter().map(|s| (s.run_index, s.rule)).collect()
    }

    #[test]
    fn baseline_from_first_runs() {
        let runs = [91.0, 89.0, 90.0, 92.0, 88.0, 60.0];
        let b = Baseline::from_first_runs(&runs, 5).expect("baseline");
        assert!((b.mean - 90.0).abs() < 1e-12);
        assert!((b.sd - 2.5f64.sqrt()).abs() < 1e-12);
        let l = b.limits();
        assert!(l.lower < b.mean && b.mean < l.upper);
        assert!((l.upper - (90.0 + 3.0 * 2.5f64.sqrt())).abs() < 1e-12);
    }

    #[test]
    fn baseline_errors_are_typed() {
        assert_eq!(
            Baseline::from_first_runs(&[90.0, f64::NAN], 2),
            Err(SpcError::TooFewRuns { finite: 1 })
        );
        assert_eq!(
            Baseline::from_first_runs(&[90.0, 90.0, 90.0], 3),
            Err(SpcError::NoSpread { sd: 0.0 })
        );
        assert_eq!(Baseline::new(f64::NAN, 1.0), Err(SpcError::NonFiniteMean));
        assert!(Baseline::new(90.0, -1.0).is_err());
        assert!(Baseline::from_first_runs(&[], 10).is_err());
    }

    #[test]
    fn in_control_series_is_quiet() {
        let runs = [90.2, 89.5, 90.8, 89.9, 90.4, 89.1, 90.6, 90.0, 89.7];
        assert!(evaluate(&runs, &base(), Some(85.0)).is_empty());
    }

    #[test]
    fn one_beyond_three_sigma() {
        let runs = [90.0, 86.5, 90.0];
        let s = evaluate(&runs, &base(), None);
        assert_eq!(fired(&s), [(1, SpcRule::OneBeyond3Sd)]);
        assert_eq!(s[0].side, Side::Below);
        assert_eq!(s[0].severity(), Severity::Warning);
    }

    #[test]
    fn two_of_three_beyond_two_sigma_same_side() {
        // 87.5 (z −2.5), 90.1, 87.7 (z −2.3): fires at the third run.
        let s = evaluate(&[87.5, 90.1, 87.7], &base(), None);
        assert_eq!(fired(&s), [(2, SpcRule::TwoOfThreeBeyond2Sd)]);
        // Opposite sides do not combine.
        assert!(evaluate(&[87.5, 90.1, 92.5], &base(), None).is_empty());
    }

    #[test]
    fn four_of_five_beyond_one_sigma_same_side() {
        let runs = [88.5, 88.7, 90.2, 88.6, 88.8];
        let s = evaluate(&runs, &base(), None);
        assert_eq!(fired(&s), [(4, SpcRule::FourOfFiveBeyond1Sd)]);
        let up = [91.5, 91.7, 89.9, 91.6, 91.8];
        let s = evaluate(&up, &base(), None);
        assert_eq!(fired(&s), [(4, SpcRule::FourOfFiveBeyond1Sd)]);
        assert_eq!((s[0].side, s[0].severity()), (Side::Above, Severity::Info));
    }

    #[test]
    fn eight_in_a_row_on_one_side() {
        let mut runs = vec![89.6; 7];
        runs.push(89.8); // 8th below the mean
        runs.push(90.0); // exactly at the mean: breaks the streak
        runs.push(89.9);
        let s = evaluate(&runs, &base(), None);
        assert_eq!(fired(&s), [(7, SpcRule::EightOnOneSide)]);
        assert_eq!(s[0].severity(), Severity::Info);
    }

    #[test]
    fn spec_floor_is_a_hard_failure() {
        let b = Baseline::new(80.0, 5.0).expect("wide baseline");
        let s = evaluate(&[80.0, 74.0], &b, Some(75.0));
        assert_eq!(fired(&s), [(1, SpcRule::BelowSpecFloor)]);
        assert_eq!(s[0].severity(), Severity::Critical);
    }

    #[test]
    fn missing_runs_are_skipped_but_indices_kept() {
        let runs = [87.5, f64::NAN, f64::INFINITY, 87.6];
        let s = evaluate(&runs, &base(), None);
        assert_eq!(fired(&s), [(3, SpcRule::TwoOfThreeBeyond2Sd)]);
        assert!(evaluate(&[], &base(), Some(80.0)).is_empty());
    }

    #[test]
    fn slow_drift_is_flagged_before_the_floor() {
        // %≥Q30 losing 0.4 points per run from 90 (σ 1); spec floor 85 reached at run 13.
        let runs: Vec<f64> = (0..16).map(|i| 90.0 - 0.4 * i as f64).collect();
        let s = evaluate(&runs, &base(), Some(85.0));
        let first_drift = s.iter().find(|x| x.rule != SpcRule::BelowSpecFloor);
        let first_floor = s.iter().find(|x| x.rule == SpcRule::BelowSpecFloor);
        let (drift, floor) = (
            first_drift.map(|x| x.run_index),
            first_floor.map(|x| x.run_index),
        );
        assert_eq!(floor, Some(13));
        assert!(drift.is_some_and(|d| d < 13), "{s:?}");
    }
}
