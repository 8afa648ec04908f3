//! A sensor's time buckets with its limits, a prediction's trend, warnings and appointments.

use super::*;
use std::fmt::Write;

/// One time bucket of a sensor: its mean and range.
pub struct BandPoint {
    /// Unix seconds, start of the bucket.
    pub at: i64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

/// Limits drawn on a sensor chart: the normal band and the critical band.
pub struct Limits {
    pub warn: (f64, f64),
    pub critical: (f64, f64),
}

/// When a warning on this signal was raised: a marker on the time axis.
pub struct WarningMark {
    pub at: i64,
    pub critical: bool,
}

/// A stretch of time shaded and labelled on a chart: a replacement appointment.
pub struct Region {
    pub from: i64,
    pub to: i64,
    pub label: String,
}

/// What is drawn over a sensor's buckets.
pub struct Overlay<'a> {
    pub limits: Limits,
    pub trend: Option<&'a TrendLine>,
    pub warnings: &'a [WarningMark],
    pub regions: &'a [Region],
}

/// A fitted trend: the evidence of a prediction, drawn to the predicted crossing (its
/// last point). Two points for a line, more for a curve; in time order.
pub struct TrendLine {
    pub points: Vec<(i64, f64)>,
    /// What the trend was fitted to, where that is not the plotted mean (a day's peak per
    /// day): drawn as dots, so the line is seen beside its own evidence.
    pub fitted_to: Vec<(i64, f64)>,
}

impl TrendLine {
    /// The predicted crossing.
    fn end(&self) -> Option<(i64, f64)> {
        self.points.last().copied()
    }

    /// The trend between `t0` and `t1`, cut where it leaves the view.
    fn clipped(&self, t0: f64, t1: f64) -> Vec<(f64, f64)> {
        let pts: Vec<(f64, f64)> = self.points.iter().map(|&(t, v)| (t as f64, v)).collect();
        let mut out = Vec::new();
        for w in pts.windows(2) {
            let ((xa, ya), (xb, yb)) = (w[0], w[1]);
            let (a, b) = (xa.max(t0), xb.min(t1));
            if a > b {
                continue;
            }
            let at = |t: f64| {
                if xb == xa {
                    ya
                } else {
                    ya + (yb - ya) * (t - xa) / (xb - xa)
                }
            };
            if out.last() != Some(&(a, at(a))) {
                out.push((a, at(a)));
            }
            out.push((b, at(b)));
        }
        out
    }
}

/// A sensor's buckets: the min–max range shaded, the mean as a line, and the warning
/// limits dashed, so a drift towards a limit is seen before it crosses; with a
/// prediction, its fitted line runs on to the crossing.
pub fn sensor_svg(
    points: &[BandPoint],
    overlay: &Overlay,
    unit: &str,
    (width, height): (u32, u32),
    date_label: &dyn Fn(i64) -> String,
) -> String {
    let (t0, t1) = time_span(points, overlay);
    let (y_lo, y_hi) = value_range(points, &overlay.limits);
    let f = Frame {
        x: (t0, t1),
        y: (y_lo, y_hi),
        ..Frame::new((width, height), 10, 30, 56)
    };
    let mut out = open((width, height));
    axes(
        &mut out,
        &f,
        &Axes {
            x_ticks: date_ticks(t0, t1, 5),
            y_ticks: ticks(y_lo, y_hi, 5),
            x_label: &|t| date_label(t as i64),
            y_label: &|v| crate::format::fixed(v, 1),
            y_desc: unit,
            light: "#F4F4F4",
            label_size: 12,
            desc_size: 13,
        },
    );
    f.clip_open(&mut out);
    band(&mut out, &f, points);
    if let Some(tr) = overlay.trend {
        trend(&mut out, &f, tr);
    }
    let labels = regions(&mut out, &f, overlay.regions, width);
    limit_levels(&mut out, &f, &overlay.limits);
    out.push_str("</svg>");
    out.push_str(&labels);
    warning_marks(&mut out, &f, overlay.warnings);
    out.push_str("</svg>");
    out
}

/// The time a sensor chart spans: its buckets, widened to show a predicted crossing or an
/// appointment coming up soon after them.
fn time_span(points: &[BandPoint], overlay: &Overlay) -> (f64, f64) {
    let (t0, t1) = points.iter().fold((i64::MAX, i64::MIN), |(lo, hi), p| {
        (lo.min(p.at), hi.max(p.at))
    });
    let (t0, t1) = if points.is_empty() {
        (0, DAY)
    } else {
        (t0, t1.max(t0 + 3600))
    };
    // A crossing soon after the data widens the view to show it; a far one would squash it.
    let reach = (t1 - t0).max(DAY);
    let t1 = match overlay.trend.and_then(TrendLine::end) {
        Some((end, _)) if end > t1 && end - t1 <= reach => end,
        _ => t1,
    };
    // So does an appointment coming up, with a little room to its right for its label.
    let t1 = overlay
        .regions
        .iter()
        .filter(|r| r.to > t1 && r.to - t1 <= reach)
        .map(|r| r.to + (r.to - t0) / 20)
        .fold(t1, i64::max);
    (t0 as f64, t1 as f64)
}

/// The values a sensor chart spans, padded: the normal band is always in view; the data
/// may reach beyond it.
fn value_range(points: &[BandPoint], limits: &Limits) -> (f64, f64) {
    let lo = points.iter().map(|p| p.min).fold(limits.warn.0, f64::min);
    let hi = points.iter().map(|p| p.max).fold(limits.warn.1, f64::max);
    let pad = ((hi - lo) * 0.08).max(1e-6);
    (lo - pad, hi + pad)
}

/// The buckets: the min–max range shaded, the mean as a line.
fn band(out: &mut String, f: &Frame, points: &[BandPoint]) {
    if points.is_empty() {
        return;
    }
    let _ = write!(out, r#"<polygon fill="{BLUE}" opacity="0.18" points=""#);
    points_at(
        out,
        f,
        points
            .iter()
            .map(|p| (p.at as f64, p.max))
            .chain(points.iter().rev().map(|p| (p.at as f64, p.min))),
    );
    let _ = write!(
        out,
        r#""/><polyline fill="none" stroke="{BLUE}" stroke-width="2" points=""#
    );
    points_at(out, f, points.iter().map(|p| (p.at as f64, p.mean)));
    out.push_str(r#""/>"#);
    // Few buckets (a run-derived signal: a run now and then) are dots as well, so that a
    // lone run is seen, not a line of no length.
    if points.len() <= DOTS_UP_TO {
        for p in points {
            let _ = write!(
                out,
                r#"<circle cx="{}" cy="{}" r="3" fill="{BLUE}"/>"#,
                f.px(p.at as f64),
                f.py(p.mean)
            );
        }
    }
}

/// Buckets drawn as dots too, up to this many.
const DOTS_UP_TO: usize = 40;

/// A prediction's fitted line, dashed, within the view; a cross where it reaches the
/// limit, if that is in view.
fn trend(out: &mut String, f: &Frame, tr: &TrendLine) {
    let (t0, t1) = f.x;
    let shown = tr.clipped(t0, t1);
    if shown.len() >= 2 {
        let _ = write!(
            out,
            r#"<polyline fill="none" stroke="{PURPLE}" stroke-width="2" stroke-dasharray="8 4" points=""#
        );
        points_at(out, f, shown.into_iter());
        out.push_str(r#""/>"#);
    }
    for &(t, v) in tr
        .fitted_to
        .iter()
        .filter(|p| (t0..=t1).contains(&(p.0 as f64)))
    {
        let _ = write!(
            out,
            r#"<circle class="fitted" cx="{}" cy="{}" r="2.5" fill="{PURPLE}"/>"#,
            f.px(t as f64),
            f.py(v)
        );
    }
    if let Some((end, limit)) = tr.end().filter(|&(end, _)| end as f64 <= t1) {
        let (x, y) = (f.px(end as f64), f.py(limit));
        let wide = r#" stroke-width="2""#;
        line(out, (x - 6, y - 6), (x + 6, y + 6), PURPLE, wide);
        line(out, (x - 6, y + 6), (x + 6, y - 6), PURPLE, wide);
    }
}

/// Appointments: shaded at least a few pixels wide (half a day on a year is less than a
/// pixel). Answers their labels, for the top of the chart outside the clipped plot.
fn regions(out: &mut String, f: &Frame, regions: &[Region], width: u32) -> String {
    let (t0, t1) = f.x;
    let min_width = (t1 - t0) * 6.0 / f64::from(width.max(1));
    let mut labels = String::new();
    for r in regions {
        let (a, b) = ((r.from as f64).max(t0), (r.to as f64).min(t1));
        if a > t1 || b < t0 {
            continue;
        }
        let (a, b) = if b - a < min_width {
            let mid = (a + b) / 2.0;
            (mid - min_width / 2.0, mid + min_width / 2.0)
        } else {
            (a, b)
        };
        let (xa, xb) = (f.px(a), f.px(b));
        let _ = write!(
            out,
            r#"<rect x="{xa}" y="{}" width="{}" height="{}" fill="{PURPLE}" opacity="0.25"/>"#,
            f.top,
            xb - xa,
            f.bottom - f.top
        );
        // Label on the side with room: left of a region near the right edge.
        let (anchor, x) = if b > t0 + (t1 - t0) * 0.6 {
            ("end", xa)
        } else {
            ("start", xb)
        };
        text(
            &mut labels,
            (x, f.top),
            12,
            anchor,
            "hanging",
            PURPLE,
            "",
            &r.label,
        );
    }
    labels
}

/// The warning limits (orange) and critical limits (red), dashed, where in view.
fn limit_levels(out: &mut String, f: &Frame, limits: &Limits) {
    let (y_lo, y_hi) = f.y;
    for (limit, colour) in [
        (limits.warn.0, ORANGE),
        (limits.warn.1, ORANGE),
        (limits.critical.0, RED),
        (limits.critical.1, RED),
    ] {
        if limit > y_lo && limit < y_hi {
            level(out, f, limit, colour, r#" stroke-dasharray="6 4""#);
        }
    }
}

/// Warning markers: a triangle on the lower edge where a warning was raised.
fn warning_marks(out: &mut String, f: &Frame, warnings: &[WarningMark]) {
    let (t0, t1) = f.x;
    for m in warnings {
        let t = m.at as f64;
        if t >= t0 && t <= t1 {
            let colour = if m.critical { RED } else { ORANGE };
            let (x, y) = (f.px(t), f.bottom);
            let _ = write!(
                out,
                r#"<polygon fill="{colour}" points="{x},{} {},{} {},{}"/>"#,
                y - 7,
                x + 6,
                y + 4,
                x - 6,
                y + 4
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_band_mean_and_limits() {
        let points: Vec<_> = (0..48)
            .map(|h| BandPoint {
                at: h * 3600,
                mean: 4.0 + h as f64 * 0.05,
                min: 3.8,
                max: 4.4 + h as f64 * 0.05,
            })
            .collect();
        let limits = Limits {
            warn: (2.0, 7.0),
            critical: (0.0, 10.0),
        };
        let trend = TrendLine {
            points: vec![(0, 4.0), (30 * 3600, 5.0), (60 * 3600, 7.0)],
            fitted_to: vec![(0, 4.4), (24 * 3600, 5.6), (999 * 3600, 9.0)],
        };
        // One warning inside the view, one long after it.
        let warnings = [
            WarningMark {
                at: 10 * 3600,
                critical: false,
            },
            WarningMark {
                at: 999 * 3600,
                critical: true,
            },
        ];
        let regions = [Region {
            from: 20 * 3600,
            to: 24 * 3600,
            label: "Chiller replacement".into(),
        }];
        let overlay = Overlay {
            limits,
            trend: Some(&trend),
            warnings: &warnings,
            regions: &regions,
        };
        let svg = sensor_svg(&points, &overlay, "°C", (600, 220), &|t| t.to_string());
        assert!(svg.starts_with("<svg"));
        assert_eq!(
            svg.matches("<polygon").count(),
            2,
            "the shaded range and one warning marker"
        );
        assert!(
            svg.matches("<polyline").count() >= 2,
            "the mean line and the trend"
        );
        assert!(
            svg.contains(r#"stroke-dasharray="8 4" points"#),
            "the dashed trend"
        );
        assert_eq!(
            svg.matches(r#"<circle class="fitted""#).count(),
            2,
            "the daily peaks the trend was fitted to, those in view"
        );
        assert!(
            svg.contains("Chiller replacement"),
            "the appointment's label"
        );
        assert!(
            svg.matches("<rect").count() >= 2,
            "the background and the appointment"
        );
        assert!(
            svg.contains("stroke-dasharray") || svg.matches("<line").count() >= 2,
            "dashed limits"
        );
    }

    #[test]
    fn a_bent_trend_is_cut_at_the_edges_of_the_view() {
        let trend = TrendLine {
            points: vec![(0, 0.0), (10, 1.0), (20, 4.0), (30, 9.0)],
            fitted_to: vec![],
        };
        assert_eq!(trend.end(), Some((30, 9.0)));
        // From 5 to 25: half-way into the first and last segments, both bends kept.
        assert_eq!(
            trend.clipped(5.0, 25.0),
            vec![(5.0, 0.5), (10.0, 1.0), (20.0, 4.0), (25.0, 6.5)]
        );
        assert!(trend.clipped(31.0, 40.0).is_empty());
        let empty = TrendLine {
            points: vec![],
            fitted_to: vec![],
        };
        assert!(empty.clipped(0.0, 1.0).is_empty());
    }

    #[test]
    fn a_lone_run_is_a_dot() {
        let one = [BandPoint {
            at: 1_365_000_000,
            mean: 2.6,
            min: 2.6,
            max: 2.6,
        }];
        let limits = Limits {
            warn: (1.8, 3.6),
            critical: (1.5, 4.5),
        };
        let overlay = Overlay {
            limits,
            trend: None,
            warnings: &[],
            regions: &[],
        };
        let svg = sensor_svg(&one, &overlay, "px", (500, 200), &|t| t.to_string());
        assert_eq!(svg.matches("<circle").count(), 1, "{svg}");
    }

    #[test]
    fn an_empty_series_still_draws() {
        let limits = Limits {
            warn: (80.0, 110.0),
            critical: (70.0, 120.0),
        };
        let overlay = Overlay {
            limits,
            trend: None,
            warnings: &[],
            regions: &[],
        };
        assert!(sensor_svg(&[], &overlay, "%", (600, 220), &|t| t.to_string()).starts_with("<svg"));
    }
}
