//! Robust trend fit: Theil–Sen.
//!
//! Degradation indicators (laser power, pump pressure, stage position error) come with
//! spikes: a run that aborted, a sensor glitch, a reading taken mid-service. A least-squares
//! line follows those; the Theil–Sen slope (median of all pairwise slopes) ignores up to
//! ~29 % of them, so one bad day does not move a replacement date.
//!
//! The slope's confidence interval is Sen's distribution-free one: two order statistics of
//! the same pairwise slopes, picked with Kendall's S variance. [`crate::predict`] turns it
//! into an interval on the crossing time.

pub mod local;
mod pairs;

use crate::stats::{self, median, median_in_place};
use pairs::{all_slopes, sampled_slopes, sen_interval};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Above this many points the fit uses a deterministic sample of pairs, so the cost stays
/// about that of 2,000 points (~2 million slopes) however long the series is.
pub const FULL_PAIRS_MAX_POINTS: usize = 2_000;
/// Pairs drawn when sampling; about the pair count of [`FULL_PAIRS_MAX_POINTS`] points.
pub const SAMPLED_PAIRS: usize = 2_000_000;

/// Two-sided 95 % normal quantile, the default confidence for the slope interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Why no line could be fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TrendError {
    /// Fewer than two points with finite x and y.
    TooFewPoints { finite: usize },
    /// Every pair shares its x (or gives a non-finite slope): no direction to measure.
    NoDistinctX,
}

impl fmt::Display for TrendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrendError::TooFewPoints { finite } => write!(
                f,
                "a trend needs at least 2 points with finite values, got {finite}"
            ),
            TrendError::NoDistinctX => f.write_str("all points share the same x; no trend"),
        }
    }
}

impl std::error::Error for TrendError {}

/// Confidence interval of the slope.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SlopeInterval {
    pub low: f64,
    pub high: f64,
}

impl SlopeInterval {
    /// True when the data cannot tell the slope's sign: the trend is flat within noise.
    pub fn contains_zero(&self) -> bool {
        self.low <= 0.0 && self.high >= 0.0
    }
}

/// A fitted line `y = level + slope · (x − x_ref)`.
///
/// The line is anchored at the median x rather than at x = 0: with x in unix seconds an
/// intercept at 1970 is a large number that loses precision and means nothing, while the
/// level at the middle of the data is the best-determined point of the line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrendFit {
    /// Points with finite x and y that went into the fit.
    pub n: usize,
    /// Median of the pairwise slopes, in y units per x unit.
    pub slope: f64,
    /// `None` when there are too few points for an interval at the requested confidence
    /// (at 95 % that is fewer than 6): the slope is then not known well enough to trust.
    pub slope_interval: Option<SlopeInterval>,
    /// Median of the x values: where the line is anchored.
    pub x_ref: f64,
    /// Median of `y − slope · (x − x_ref)`: the fitted value at `x_ref`.
    pub level: f64,
    /// Robust σ of the residuals (MAD × 1.4826); noise around the line.
    pub residual_scale: f64,
    pub x_min: f64,
    pub x_max: f64,
    /// True when the slopes came from a deterministic sample of pairs (n > 2,000).
    pub sampled: bool,
}

impl TrendFit {
    /// Fitted value at `x`.
    pub fn value_at(&self, x: f64) -> f64 {
        self.level + self.slope * (x - self.x_ref)
    }

    /// The classic intercept (fitted value at x = 0), `median(y − slope · x)` up to rounding.
    pub fn intercept(&self) -> f64 {
        self.level - self.slope * self.x_ref
    }
}

/// Theil–Sen fit with a 95 % slope interval. Points with a non-finite x or y are skipped.
pub fn theil_sen(points: &[(f64, f64)]) -> Result<TrendFit, TrendError> {
    theil_sen_with(points, Z_95)
}

/// Theil–Sen fit with the slope interval at normal quantile `z` (1.96 for 95 %).
/// A non-finite or negative `z` is treated as 95 %.
pub fn theil_sen_with(points: &[(f64, f64)], z: f64) -> Result<TrendFit, TrendError> {
    let z = if z.is_finite() && z >= 0.0 { z } else { Z_95 };
    let pts: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let n = pts.len();
    if n < 2 {
        return Err(TrendError::TooFewPoints { finite: n });
    }

    let sampled = n > FULL_PAIRS_MAX_POINTS;
    let mut slopes = if sampled {
        sampled_slopes(&pts)
    } else {
        all_slopes(&pts)
    };
    if slopes.is_empty() {
        return Err(TrendError::NoDistinctX);
    }
    // Pairs the interval formula is about: all valid pairs, or all possible pairs when the
    // slopes are a sample of them (the sample's quantiles stand in for the full ones).
    let pair_count = if sampled {
        n as f64 * (n as f64 - 1.0) / 2.0
    } else {
        slopes.len() as f64
    };
    let slope_interval = sen_interval(&mut slopes, n, pair_count, z);
    let slope = median_in_place(&mut slopes).ok_or(TrendError::NoDistinctX)?;

    let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
    let x_ref = median(&xs).ok_or(TrendError::TooFewPoints { finite: n })?;
    let anchored: Vec<f64> = pts.iter().map(|(x, y)| y - slope * (x - x_ref)).collect();
    let level = median(&anchored).ok_or(TrendError::TooFewPoints { finite: n })?;
    let residuals: Vec<f64> = anchored.iter().map(|a| a - level).collect();
    let residual_scale = stats::mad_sigma(&residuals).unwrap_or(0.0);

    let x_min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let x_max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Ok(TrendFit {
        n,
        slope,
        slope_interval,
        x_ref,
        level,
        residual_scale,
        x_min,
        x_max,
        sampled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize, slope: f64, intercept: f64) -> Vec<(f64, f64)> {
        (0..n)
            .map(|i| (i as f64, intercept + slope * i as f64))
            .collect()
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn exact_line_is_recovered() {
        let fit = theil_sen(&line(20, -0.5, 100.0)).expect("fit");
        assert!(close(fit.slope, -0.5, 1e-12));
        assert!(close(fit.intercept(), 100.0, 1e-9));
        assert!(close(fit.value_at(10.0), 95.0, 1e-9));
        assert!(close(fit.residual_scale, 0.0, 1e-9));
        let ci = fit.slope_interval.expect("20 points give an interval");
        assert!(close(ci.low, -0.5, 1e-12) && close(ci.high, -0.5, 1e-12));
        assert!(!fit.sampled);
    }

    #[test]
    fn ten_percent_wild_outliers_do_not_move_the_slope() {
        // Clean line with a small deterministic wiggle, then every 10th point wrecked.
        let mut pts: Vec<(f64, f64)> = (0..200)
            .map(|i| {
                let x = i as f64;
                (x, 50.0 + 0.3 * x + 0.2 * (x * 1.7).sin())
            })
            .collect();
        let clean = theil_sen(&pts).expect("clean fit").slope;
        for (k, p) in pts.iter_mut().enumerate().filter(|(k, _)| k % 10 == 3) {
            p.1 += if k % 20 == 3 { 500.0 } else { -800.0 };
        }
        let fit = theil_sen(&pts).expect("dirty fit");
        assert!(close(fit.slope, clean, 0.01), "{} vs {clean}", fit.slope);
        assert!(close(fit.slope, 0.3, 0.01));
        // The residual scale reflects the wiggle, not the outliers.
        assert!(fit.residual_scale < 0.5, "scale {}", fit.residual_scale);
    }

    #[test]
    fn least_squares_would_be_fooled_but_theil_sen_is_not() {
        let mut pts = line(30, 1.0, 0.0);
        pts[29].1 = -1_000.0;
        pts[28].1 = -1_000.0;
        let fit = theil_sen(&pts).expect("fit");
        assert!(close(fit.slope, 1.0, 1e-9));
    }

    #[test]
    fn too_few_points_and_non_finite_values() {
        assert_eq!(theil_sen(&[]), Err(TrendError::TooFewPoints { finite: 0 }));
        assert_eq!(
            theil_sen(&[(1.0, 1.0)]),
            Err(TrendError::TooFewPoints { finite: 1 })
        );
        let pts = [
            (0.0, f64::NAN),
            (f64::INFINITY, 1.0),
            (1.0, 3.0),
            (f64::NAN, f64::NAN),
        ];
        assert_eq!(theil_sen(&pts), Err(TrendError::TooFewPoints { finite: 1 }));
        let pts = [(0.0, 1.0), (1.0, f64::NAN), (2.0, 5.0), (3.0, 7.0)];
        let fit = theil_sen(&pts).expect("three finite points");
        assert_eq!(fit.n, 3);
        assert!(close(fit.slope, 2.0, 1e-12));
    }

    #[test]
    fn identical_x_is_an_error_not_a_panic() {
        let pts = [(5.0, 1.0), (5.0, 2.0), (5.0, 3.0)];
        assert_eq!(theil_sen(&pts), Err(TrendError::NoDistinctX));
    }

    #[test]
    fn identical_x_in_a_long_series_is_an_error_too() {
        let pts = vec![(7.0, 1.0); FULL_PAIRS_MAX_POINTS + 500];
        assert_eq!(theil_sen(&pts), Err(TrendError::NoDistinctX));
    }

    #[test]
    fn repeated_x_values_are_skipped_pairwise() {
        // Two readings per day; same-day pairs have no slope but the rest do.
        let pts: Vec<(f64, f64)> = (0..10)
            .flat_map(|d| [(d as f64, 2.0 * d as f64), (d as f64, 2.0 * d as f64 + 1.0)])
            .collect();
        let fit = theil_sen(&pts).expect("fit");
        assert!(close(fit.slope, 2.0, 0.15), "slope {}", fit.slope);
    }

    #[test]
    fn small_samples_have_no_interval() {
        let fit = theil_sen(&line(5, 1.0, 0.0)).expect("fit");
        assert!(fit.slope_interval.is_none());
        let fit = theil_sen(&line(6, 1.0, 0.0)).expect("fit");
        assert!(fit.slope_interval.is_some());
    }

    #[test]
    fn interval_brackets_slope_and_narrows_with_more_data() {
        let noisy = |n: usize| -> Vec<(f64, f64)> {
            (0..n)
                .map(|i| {
                    let x = i as f64;
                    (
                        x,
                        2.0 * x + 5.0 * ((x * 12.9898).sin() * 43_758.545).fract(),
                    )
                })
                .collect()
        };
        let small = theil_sen(&noisy(20)).expect("fit");
        let large = theil_sen(&noisy(400)).expect("fit");
        let (s, l) = (
            small.slope_interval.expect("ci"),
            large.slope_interval.expect("ci"),
        );
        assert!(s.low <= small.slope && small.slope <= s.high);
        assert!(l.low <= large.slope && large.slope <= l.high);
        assert!(l.high - l.low < s.high - s.low);
        assert!(!l.contains_zero());
    }

    #[test]
    fn long_series_is_sampled_deterministically_and_still_accurate() {
        let mut pts: Vec<(f64, f64)> = (0..5_000)
            .map(|i| {
                let x = i as f64 * 600.0;
                (x, 80.0 - 1e-5 * x + 0.5 * (i as f64 * 0.37).sin())
            })
            .collect();
        for p in pts.iter_mut().step_by(9) {
            p.1 = 0.0; // sensor dropouts
        }
        let a = theil_sen(&pts).expect("fit");
        let b = theil_sen(&pts).expect("fit");
        assert!(a.sampled);
        assert_eq!(a, b);
        assert!(close(a.slope, -1e-5, 1e-7), "slope {}", a.slope);
        let ci = a.slope_interval.expect("ci");
        assert!(ci.low <= a.slope && a.slope <= ci.high && ci.high < 0.0);
    }

    #[test]
    fn huge_and_tiny_magnitudes_do_not_panic() {
        let pts = [
            (0.0, f64::MAX),
            (f64::MIN_POSITIVE, -f64::MAX),
            (1e308, 0.0),
            (-1e308, 1.0),
        ];
        // Whatever the numbers, the call returns.
        let _ = theil_sen(&pts);
        let _ = theil_sen_with(&line(10, 1.0, 0.0), f64::NAN);
    }
}
