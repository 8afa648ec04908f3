//! Robust local polynomial fit: a line or a parabola through the most recent points,
//! for extrapolating a curved degradation a few weeks ahead.
//!
//! Wear is rarely straight: it often accelerates as a part nears its end. A line fitted
//! over months averages the old slow slope with the new fast one and extrapolates late.
//! A low-degree polynomial anchored at "now", fitted with more weight on recent days,
//! follows the current slope and its change. It is made robust (Tukey's biweight,
//! iteratively reweighted least squares) so a glitch day does not bend it, and it carries
//! its own covariance so the caller can put an interval on where it goes.

use crate::stats;

/// Biweight tuning constant, in robust σ: 95 % efficiency for normal noise.
const BIWEIGHT_C: f64 = 4.685;
/// Huber tuning constant for the first, gentler reweighting steps.
const HUBER_K: f64 = 1.345;
const HUBER_STEPS: usize = 2;
const BIWEIGHT_STEPS: usize = 4;

/// Polynomial shape of a local fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Line,
    Quadratic,
}

impl Shape {
    fn terms(self) -> usize {
        match self {
            Shape::Line => 2,
            Shape::Quadratic => 3,
        }
    }
}

/// `y = c[0] + c[1]·h + c[2]·h²` with `h = x − x0`; `c[2]` is 0 for a line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolyFit {
    pub shape: Shape,
    pub x0: f64,
    pub coef: [f64; 3],
    /// Covariance of `coef` (sandwich form, so non-uniform weights are accounted for).
    pub cov: [[f64; 3]; 3],
    /// Robust σ of the residuals (weighted MAD).
    pub residual_scale: f64,
    /// Points with positive weight.
    pub n: usize,
}

impl PolyFit {
    pub fn value_at(&self, x: f64) -> f64 {
        let h = x - self.x0;
        self.coef[0] + h * (self.coef[1] + h * self.coef[2])
    }

    /// dy/dx at `x`.
    pub fn slope_at(&self, x: f64) -> f64 {
        self.coef[1] + 2.0 * self.coef[2] * (x - self.x0)
    }

    /// Standard error of the fitted value at `x` (the curve's, not a new reading's).
    pub fn se_at(&self, x: f64) -> f64 {
        let h = x - self.x0;
        let g = [1.0, h, h * h];
        let mut v = 0.0;
        for (i, gi) in g.iter().enumerate() {
            for (j, gj) in g.iter().enumerate() {
                v += gi * self.cov[i][j] * gj;
            }
        }
        v.max(0.0).sqrt()
    }

    /// Standard error of the slope at `x0`.
    pub fn slope_se(&self) -> f64 {
        self.cov[1][1].max(0.0).sqrt()
    }
}

/// Robust weighted polynomial fit anchored at `x0`. `points` are `(x, y, weight)`;
/// non-finite values and non-positive weights are skipped (weights are prior weights,
/// e.g. a kernel favouring recent days). `None` when the points cannot determine the
/// shape (fewer points than twice its terms, or all at one x).
pub fn robust_poly(points: &[(f64, f64, f64)], x0: f64, shape: Shape) -> Option<PolyFit> {
    let pts: Vec<(f64, f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y, w)| x.is_finite() && y.is_finite() && w.is_finite() && *w > 0.0)
        .map(|(x, y, w)| (x - x0, y, w))
        .collect();
    let k = shape.terms();
    if pts.len() < 2 * k || !x0.is_finite() {
        return None;
    }
    let mut pinned = vec![false; pts.len()];
    let (mut robust, coef, mut scale) = reweigh(&pts, &pinned, k)?;
    if scale > 0.0 {
        // The newest points, all far off the same side: a change of course, not glitches
        // (which come alone). They keep their full weight and the fit follows them.
        let mut order: Vec<usize> = (0..pts.len()).collect();
        order.sort_by(|&a, &b| pts[b].0.total_cmp(&pts[a].0));
        let res = |i: usize| (pts[i].1 - eval(&coef, pts[i].0)) / scale;
        let side = order.first().map(|&i| res(i).signum()).unwrap_or(0.0);
        let run = order
            .iter()
            .take_while(|&&i| res(i) * side > TRAILING_U)
            .count();
        if run >= TRAILING_RUN {
            for &i in order.iter().take(run) {
                pinned[i] = true;
            }
            (robust, _, scale) = reweigh(&pts, &pinned, k)?;
        }
    }
    let (coef, cov) = wls(&pts, &robust, k)?;
    let res: Vec<f64> = pts.iter().map(|p| p.1 - eval(&coef, p.0)).collect();
    if scale > 0.0 {
        scale = stats::mad_sigma(&res).unwrap_or(0.0);
    }
    let sigma2 = scale * scale;
    let mut c = [[0.0; 3]; 3];
    for (i, row) in cov.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            c[i][j] = v * sigma2;
        }
    }
    Some(PolyFit {
        shape,
        x0,
        coef,
        cov: c,
        residual_scale: scale,
        n: robust
            .iter()
            .zip(&pts)
            .filter(|(r, p)| **r * p.2 > 0.0)
            .count(),
    })
}

/// Trailing points this many robust σ off one side, at least `TRAILING_RUN` of them, are
/// kept at full weight.
const TRAILING_U: f64 = 3.0;
const TRAILING_RUN: usize = 3;

/// Iteratively reweighted least squares (Huber, then biweight); `pinned` points keep full
/// weight. Returns the robust weights, the coefficients and the residual scale.
fn reweigh(
    pts: &[(f64, f64, f64)],
    pinned: &[bool],
    k: usize,
) -> Option<(Vec<f64>, [f64; 3], f64)> {
    let mut robust = vec![1.0; pts.len()];
    let mut coef = wls(pts, &robust, k)?.0;
    let mut scale = 0.0;
    for step in 0..HUBER_STEPS + BIWEIGHT_STEPS {
        let res: Vec<f64> = pts.iter().map(|p| p.1 - eval(&coef, p.0)).collect();
        scale = stats::mad_sigma(&res).unwrap_or(0.0);
        if scale <= 0.0 {
            // An exact fit: nothing to downweight.
            break;
        }
        for ((r, w), pin) in res.iter().zip(robust.iter_mut()).zip(pinned) {
            let u = r.abs() / scale;
            *w = if *pin {
                1.0
            } else if step < HUBER_STEPS {
                if u <= HUBER_K {
                    1.0
                } else {
                    HUBER_K / u
                }
            } else {
                let t = u / BIWEIGHT_C;
                if t < 1.0 {
                    (1.0 - t * t).powi(2)
                } else {
                    0.0
                }
            };
        }
        coef = wls(pts, &robust, k)?.0;
    }
    Some((robust, coef, scale))
}

fn eval(c: &[f64; 3], h: f64) -> f64 {
    c[0] + h * (c[1] + h * c[2])
}

/// Weighted least squares with weights `prior × robust`. Returns the coefficients and
/// the unscaled sandwich covariance `A⁻¹ B A⁻¹` (A = XᵀWX, B = XᵀW²X), to be multiplied
/// by σ². `None` when A is singular.
fn wls(pts: &[(f64, f64, f64)], robust: &[f64], k: usize) -> Option<([f64; 3], [[f64; 3]; 3])> {
    let mut a = [[0.0; 3]; 3];
    let mut b = [[0.0; 3]; 3];
    let mut rhs = [0.0; 3];
    for (p, r) in pts.iter().zip(robust) {
        let w = p.2 * r;
        if w <= 0.0 {
            continue;
        }
        let g = [1.0, p.0, p.0 * p.0];
        for i in 0..k {
            rhs[i] += w * g[i] * p.1;
            for j in 0..k {
                a[i][j] += w * g[i] * g[j];
                b[i][j] += w * w * g[i] * g[j];
            }
        }
    }
    let inv = invert(&a, k)?;
    let mut coef = [0.0; 3];
    for i in 0..k {
        coef[i] = (0..k).map(|j| inv[i][j] * rhs[j]).sum();
    }
    let mut tmp = [[0.0; 3]; 3];
    let mut cov = [[0.0; 3]; 3];
    for i in 0..k {
        for j in 0..k {
            tmp[i][j] = (0..k).map(|m| inv[i][m] * b[m][j]).sum();
        }
    }
    for i in 0..k {
        for j in 0..k {
            cov[i][j] = (0..k).map(|m| tmp[i][m] * inv[m][j]).sum();
        }
    }
    coef.iter().all(|c| c.is_finite()).then_some((coef, cov))
}

/// Gauss–Jordan inverse of the leading k×k block, with partial pivoting.
fn invert(a: &[[f64; 3]; 3], k: usize) -> Option<[[f64; 3]; 3]> {
    let mut m = *a;
    let mut inv = [[0.0; 3]; 3];
    for (i, row) in inv.iter_mut().enumerate().take(k) {
        row[i] = 1.0;
    }
    let scale = (0..k).map(|i| m[i][i].abs()).fold(0.0, f64::max);
    for col in 0..k {
        let pivot = (col..k).max_by(|&x, &y| m[x][col].abs().total_cmp(&m[y][col].abs()))?;
        if m[pivot][col].abs() <= scale * 1e-12 || m[pivot][col] == 0.0 {
            return None;
        }
        m.swap(col, pivot);
        inv.swap(col, pivot);
        let d = m[col][col];
        for j in 0..k {
            m[col][j] /= d;
            inv[col][j] /= d;
        }
        for r in 0..k {
            if r != col {
                let f = m[r][col];
                for j in 0..k {
                    m[r][j] -= f * m[col][j];
                    inv[r][j] -= f * inv[col][j];
                }
            }
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(n: usize, f: impl Fn(f64) -> f64) -> Vec<(f64, f64, f64)> {
        (0..n).map(|i| (i as f64, f(i as f64), 1.0)).collect()
    }

    #[test]
    fn exact_parabola_and_line_are_recovered() {
        let p = robust_poly(
            &pts(20, |x| 3.0 - 0.5 * x + 0.1 * x * x),
            19.0,
            Shape::Quadratic,
        )
        .expect("fit");
        assert!((p.value_at(19.0) - (3.0 - 9.5 + 36.1)).abs() < 1e-9);
        assert!((p.slope_at(19.0) - (-0.5 + 3.8)).abs() < 1e-9);
        assert!((p.coef[2] - 0.1).abs() < 1e-12);
        assert!(p.se_at(25.0) < 1e-9);
        let l = robust_poly(&pts(10, |x| 2.0 * x), 0.0, Shape::Line).expect("fit");
        assert!((l.coef[1] - 2.0).abs() < 1e-12 && l.coef[2] == 0.0);
    }

    #[test]
    fn a_glitch_does_not_bend_the_curve() {
        let wiggle = |x: f64| 0.2 * (x * 2.3).sin();
        let mut p = pts(40, |x| 50.0 + 0.3 * x + wiggle(x));
        p[35].1 += 40.0;
        p[12].1 -= 25.0;
        let fit = robust_poly(&p, 39.0, Shape::Quadratic).expect("fit");
        assert!((fit.slope_at(39.0) - 0.3).abs() < 0.05, "{fit:?}");
        assert!(fit.coef[2].abs() < 0.005, "{fit:?}");
        assert!(fit.residual_scale < 0.4);
    }

    #[test]
    fn a_run_of_newest_points_off_one_side_is_followed_not_rejected() {
        // Flat 50 ± 0.2 for 40 days, then four days climbing 3 a day.
        let wiggle = |x: f64| 0.2 * (x * 2.3).sin();
        let mut p = pts(44, |x| 50.0 + wiggle(x));
        for (i, q) in p.iter_mut().skip(40).enumerate() {
            q.1 += 3.0 * (i + 1) as f64;
        }
        let fit = robust_poly(&p, 43.0, Shape::Line).expect("fit");
        assert!(fit.slope_at(43.0) > 0.05, "{fit:?}");
        // Two such days are still glitches: the flat line stands.
        let mut g = pts(44, |x| 50.0 + wiggle(x));
        g[42].1 += 8.0;
        g[43].1 += 9.0;
        let fit = robust_poly(&g, 43.0, Shape::Line).expect("fit");
        assert!(fit.slope_at(43.0).abs() < 0.02, "{fit:?}");
    }

    #[test]
    fn uncertainty_grows_away_from_the_data() {
        let p = pts(30, |x| {
            10.0 + 0.1 * x + ((x * 12.9898).sin() * 43_758.545).fract()
        });
        let fit = robust_poly(&p, 29.0, Shape::Quadratic).expect("fit");
        assert!(fit.se_at(15.0) < fit.se_at(29.0));
        assert!(fit.se_at(29.0) < fit.se_at(45.0));
        assert!(fit.slope_se() > 0.0);
    }

    #[test]
    fn too_few_or_degenerate_points_give_none() {
        assert!(robust_poly(&pts(5, |x| x), 0.0, Shape::Quadratic).is_none());
        let same_x: Vec<(f64, f64, f64)> = (0..10).map(|i| (1.0, i as f64, 1.0)).collect();
        assert!(robust_poly(&same_x, 0.0, Shape::Line).is_none());
        let zero_w: Vec<(f64, f64, f64)> = (0..10).map(|i| (i as f64, 1.0, 0.0)).collect();
        assert!(robust_poly(&zero_w, 0.0, Shape::Line).is_none());
        assert!(robust_poly(&pts(10, |x| x), f64::NAN, Shape::Line).is_none());
    }
}
