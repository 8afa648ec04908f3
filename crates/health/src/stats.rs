//! Small order statistics shared by the trend fit, SPC and the rules.
//!
//! Every function here expects finite values (callers filter first) and returns `None`
//! instead of panicking on empty input. Selection (`select_nth_unstable_by`) rather than
//! a full sort keeps the median of the ~2 million pairwise slopes linear in time.

/// Scale factor that makes the median absolute deviation estimate σ for normal data.
pub(crate) const MAD_TO_SIGMA: f64 = 1.4826;

/// Median of finite values; reorders `values`. `None` when empty.
pub(crate) fn median_in_place(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mid = n / 2;
    let (left, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper);
    }
    // Even count: the lower middle is the largest value left of the upper middle.
    let lower = left.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(lower / 2.0 + upper / 2.0)
}

/// Median of finite values without disturbing the caller's slice.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    let mut copy = values.to_vec();
    median_in_place(&mut copy)
}

/// The `index`-th smallest (0-based, clamped into range) value; reorders `values`.
pub(crate) fn order_stat_in_place(values: &mut [f64], index: usize) -> Option<f64> {
    let last = values.len().checked_sub(1)?;
    let (_, v, _) = values.select_nth_unstable_by(index.min(last), f64::total_cmp);
    Some(*v)
}

/// Robust σ: median absolute deviation from the median, scaled to σ for normal data.
pub(crate) fn mad_sigma(values: &[f64]) -> Option<f64> {
    let centre = median(values)?;
    let mut dev: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    median_in_place(&mut dev).map(|m| m * MAD_TO_SIGMA)
}

/// Mean and sample standard deviation (n − 1). `None` for fewer than two values.
pub(crate) fn mean_sd(values: &[f64]) -> Option<(f64, f64)> {
    if values.len() < 2 {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    // Two passes: subtracting the mean first avoids the cancellation of Σx² − n·mean².
    let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    Some((mean, (ss / (n - 1.0)).sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[-7.0]), Some(-7.0));
    }

    #[test]
    fn order_stat_clamps_index() {
        let mut v = vec![5.0, 1.0, 4.0];
        assert_eq!(order_stat_in_place(&mut v, 0), Some(1.0));
        assert_eq!(order_stat_in_place(&mut v, 99), Some(5.0));
        assert_eq!(order_stat_in_place(&mut [], 0), None);
    }

    #[test]
    fn mad_ignores_one_wild_value() {
        let sigma = mad_sigma(&[1.0, 2.0, 3.0, 4.0, 1000.0]).unwrap_or(f64::NAN);
        // deviations from median 3: 2,1,0,1,997 → median 1 → 1.4826
        assert!((sigma - MAD_TO_SIGMA).abs() < 1e-12);
    }

    #[test]
    fn mean_sd_sample() {
        let (m, s) = mean_sd(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap_or((0.0, 0.0));
        assert!((m - 5.0).abs() < 1e-12);
        assert!((s - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(mean_sd(&[1.0]), None);
    }
}
