//! Pairwise slopes and Sen's interval over them: the expensive part of Theil–Sen, kept
//! apart so its cost bound (all pairs, or a fixed-seed sample) is in one place.

use super::{SlopeInterval, SAMPLED_PAIRS};
use crate::stats::order_stat_in_place;

/// Draw attempts allowed when sampling; bounds the work when many pairs share an x.
const MAX_DRAWS: usize = 4 * SAMPLED_PAIRS;
/// Fixed seed: the same series always gives the same fit.
const SAMPLE_SEED: u64 = 0x5EED_4EA1_7000_0001;

fn pair_slope(a: (f64, f64), b: (f64, f64)) -> Option<f64> {
    let dx = b.0 - a.0;
    if dx == 0.0 {
        return None;
    }
    let s = (b.1 - a.1) / dx;
    s.is_finite().then_some(s)
}

pub(super) fn all_slopes(pts: &[(f64, f64)]) -> Vec<f64> {
    let n = pts.len();
    let mut out = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for (i, &a) in pts.iter().enumerate() {
        out.extend(pts[i + 1..].iter().filter_map(|&b| pair_slope(a, b)));
    }
    out
}

/// Slopes of pseudo-random pairs from a fixed-seed generator: deterministic, and unlike
/// taking every k-th point it cannot alias with a periodic signal (daily temperature).
pub(super) fn sampled_slopes(pts: &[(f64, f64)]) -> Vec<f64> {
    let n = pts.len() as u64;
    let mut rng = SplitMix64(SAMPLE_SEED);
    let mut out = Vec::with_capacity(SAMPLED_PAIRS);
    for _ in 0..MAX_DRAWS {
        if out.len() == SAMPLED_PAIRS {
            break;
        }
        let i = rng.below(n) as usize;
        let j = rng.below(n) as usize;
        if i == j {
            continue;
        }
        if let (Some(&a), Some(&b)) = (pts.get(i), pts.get(j)) {
            out.extend(pair_slope(a, b));
        }
    }
    out
}

/// Sen's interval: the M₁-th and (M₂+1)-th smallest of the N slopes, with
/// M₁ = ⌊(N − C)/2⌋, M₂ = ⌈(N + C)/2⌉ and C = z·√(n(n−1)(2n+5)/18), the normal
/// approximation of Kendall's S (ties in x ignored, which makes it slightly wide).
/// `None` when M₁ < 1: too few points to bound the slope at this confidence.
pub(super) fn sen_interval(
    slopes: &mut [f64],
    n: usize,
    pair_count: f64,
    z: f64,
) -> Option<SlopeInterval> {
    let nf = n as f64;
    let c = z * (nf * (nf - 1.0) * (2.0 * nf + 5.0) / 18.0).sqrt();
    let lower_rank = ((pair_count - c) / 2.0).floor();
    let upper_rank = ((pair_count + c) / 2.0).ceil();
    if lower_rank < 1.0 || !pair_count.is_finite() || pair_count <= 0.0 {
        return None;
    }
    // Map ranks among `pair_count` pairs onto the slopes we hold (equal unless sampled).
    let scale = slopes.len() as f64 / pair_count;
    let lo_index = ((lower_rank * scale).floor() as usize).saturating_sub(1);
    let hi_index = (upper_rank * scale).ceil() as usize;
    let low = order_stat_in_place(slopes, lo_index)?;
    let high = order_stat_in_place(slopes, hi_index)?;
    Some(SlopeInterval { low, high })
}

/// SplitMix64: a tiny, well-mixed generator; enough for picking pairs, no dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (multiply-high, no modulo bias worth the name).
    fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(bound)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vertical_and_overflowing_pairs_have_no_slope() {
        assert_eq!(pair_slope((1.0, 0.0), (1.0, 5.0)), None);
        assert_eq!(pair_slope((0.0, -f64::MAX), (1e-300, f64::MAX)), None);
        assert_eq!(pair_slope((0.0, 0.0), (2.0, 1.0)), Some(0.5));
    }

    #[test]
    fn generator_stays_in_bounds_and_repeats() {
        let mut a = SplitMix64(7);
        let mut b = SplitMix64(7);
        for bound in [1u64, 2, 3, 1_000, u64::MAX] {
            let (x, y) = (a.below(bound), b.below(bound));
            assert!(x < bound);
            assert_eq!(x, y);
        }
    }

    #[test]
    fn sampling_draws_the_pair_budget() {
        let pts: Vec<(f64, f64)> = (0..3_000).map(|i| (i as f64, 2.0 * i as f64)).collect();
        let slopes = sampled_slopes(&pts);
        assert!(slopes.len() == SAMPLED_PAIRS);
        assert!(slopes.iter().all(|s| (s - 2.0).abs() < 1e-9));
    }

    #[test]
    fn interval_ranks_follow_sen() {
        // n = 10 points, N = 45 slopes 0..=44: C = 1.96·√(10·9·25/18) ≈ 21.9, ranks
        // floor(11.54) = 11 and ceil(33.46) + 1 = 35 (1-based) → values 10 and 34.
        let mut slopes: Vec<f64> = (0..45).rev().map(f64::from).collect();
        let ci = sen_interval(&mut slopes, 10, 45.0, super::super::Z_95).map(|c| (c.low, c.high));
        assert_eq!(ci, Some((10.0, 34.0)));
    }
}
