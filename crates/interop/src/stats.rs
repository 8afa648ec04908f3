//! Mean / standard deviation / median over tiles, as the official summary computes them.

use serde::Serialize;

/// Statistics over the tiles of one lane.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stat {
    pub mean: f64,
    /// Sample standard deviation (n − 1); 0 for a single tile.
    pub stddev: f64,
    /// Middle value; mean of the two middle values for an even count.
    pub median: f64,
}

/// Statistics of the non-NaN values; `None` when there are none.
pub fn stat(values: impl IntoIterator<Item = f64>) -> Option<Stat> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| !x.is_nan()).collect();
    let n = v.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let mean = v.iter().sum::<f64>() / nf;
    let stddev = if n > 1 {
        (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (nf - 1.0)).sqrt()
    } else {
        0.0
    };
    v.sort_by(f64::total_cmp);
    // Odd n: both indices are the middle; even n: the two middle values.
    let median = match (v.get((n - 1) / 2), v.get(n / 2)) {
        (Some(&lo), Some(&hi)) => (lo + hi) / 2.0,
        _ => mean,
    };
    Some(Stat {
        mean,
        stddev,
        median,
    })
}

/// `num / den`, or 0 when `den` is (nearly) zero — the official library's "safe divide".
pub fn divide(num: f64, den: f64) -> f64 {
    if den < 1e-9 {
        0.0
    } else {
        num / den
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats() {
        assert_eq!(stat([]), None);
        assert_eq!(stat([f64::NAN]), None);
        let s = stat([4.0, 1.0, f64::NAN, 3.0, 2.0]).unwrap();
        assert_eq!((s.mean, s.median), (2.5, 2.5));
        assert!((s.stddev - 1.290_994_448_735_805_6).abs() < 1e-12);
        assert_eq!(
            stat([5.0]).unwrap(),
            Stat {
                mean: 5.0,
                stddev: 0.0,
                median: 5.0
            }
        );
        assert_eq!(stat([3.0, 1.0, 2.0]).unwrap().median, 2.0);
        assert_eq!(divide(1.0, 0.0), 0.0);
    }
}
