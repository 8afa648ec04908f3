//! Charts as SVG text: pure Rust, testable natively, and in the browser real DOM elements
//! that stay crisp at any zoom. Axes, grid and series are written by hand: a charting
//! library (plotters) drew the same for ~30 KB more wasm.

use std::fmt::Write;

mod q30;
mod sensor;

pub use q30::*;
pub use sensor::*;

const BLUE: &str = "#005AB5";
const RED: &str = "#B00020";
const ORANGE: &str = "#B06000";
const PURPLE: &str = "#5A288C";
const DAY: i64 = 86_400;

/// The plot area in pixels and the data it spans.
struct Frame {
    margin: i32,
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    /// `margin` around the chart, `x_area` below the plot for the dates, `y_area` left of
    /// it for the values.
    fn new(size: (u32, u32), margin: i32, x_area: i32, y_area: i32) -> Frame {
        Frame {
            margin,
            left: margin + y_area,
            top: margin,
            right: size.0 as i32 - margin,
            bottom: size.1 as i32 - margin - x_area,
            x: (0.0, 1.0),
            y: (0.0, 1.0),
        }
    }

    fn px(&self, t: f64) -> i32 {
        let f = (t - self.x.0) / (self.x.1 - self.x.0);
        (f64::from(self.left) + f * f64::from(self.right - self.left) + 0.5).floor() as i32
    }

    fn py(&self, v: f64) -> i32 {
        let f = (v - self.y.0) / (self.y.1 - self.y.0);
        (f64::from(self.bottom) - f * f64::from(self.bottom - self.top) + 0.5).floor() as i32
    }

    /// A series that may leave the plot is drawn inside this (a nested `<svg>` clips).
    fn clip_open(&self, out: &mut String) {
        let (x, y, w, h) = (
            self.left,
            self.top,
            self.right - self.left,
            self.bottom - self.top,
        );
        let _ = write!(
            out,
            r#"<svg x="{x}" y="{y}" width="{w}" height="{h}" viewBox="{x} {y} {w} {h}">"#
        );
    }
}

fn open(size: (u32, u32)) -> String {
    let (w, h) = size;
    format!(
        r##"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="{w}" height="{h}" fill="#FFFFFF"/>"##
    )
}

/// `extra`: more attributes, each with a leading space.
fn line(out: &mut String, from: (i32, i32), to: (i32, i32), stroke: &str, extra: &str) {
    let _ = write!(
        out,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}"{extra}/>"#,
        from.0, from.1, to.0, to.1
    );
}

/// A line across the plot at value `v`.
fn level(out: &mut String, f: &Frame, v: f64, stroke: &str, extra: &str) {
    let y = f.py(v);
    line(out, (f.left, y), (f.right, y), stroke, extra);
}

fn points_at(out: &mut String, f: &Frame, xy: impl Iterator<Item = (f64, f64)>) {
    for (x, y) in xy {
        let _ = write!(out, "{},{} ", f.px(x), f.py(y));
    }
}

/// Text made safe inside an element or a quoted attribute.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[allow(clippy::too_many_arguments)]
fn text(
    out: &mut String,
    (x, y): (i32, i32),
    size: u32,
    anchor: &str,
    baseline: &str,
    fill: &str,
    extra: &str,
    s: &str,
) {
    let s = escape(s);
    let _ = write!(
        out,
        r#"<text x="{x}" y="{y}" font-family="sans-serif" font-size="{size}" text-anchor="{anchor}" dominant-baseline="{baseline}" fill="{fill}"{extra}>{s}</text>"#
    );
}

/// At most `n` round values (1, 2, 2.5 or 5 × a power of ten apart) from `lo` to `hi`.
fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let raw = (hi - lo) / n as f64;
    if !(raw.is_finite() && raw > 1e-12) {
        return Vec::new();
    }
    let mut mag = 1.0;
    while mag > raw {
        mag /= 10.0;
    }
    while mag * 10.0 <= raw {
        mag *= 10.0;
    }
    for m in [1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0] {
        let step = m * mag;
        let (first, last) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
        if last - first < n as i64 {
            return (first..=last).map(|k| k as f64 * step).collect();
        }
    }
    Vec::new()
}

/// At most `n` dates a round number of days apart, at noon UTC: the same calendar date
/// in every time zone within ±11 h.
fn date_ticks(t0: f64, t1: f64, n: usize) -> Vec<f64> {
    let days = (t1 - t0) / DAY as f64;
    if !(days.is_finite() && days > 0.0) {
        return Vec::new();
    }
    let mut step = [1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 61, 91, 122, 183, 365]
        .into_iter()
        .find(|s| days / *s as f64 <= n as f64)
        .unwrap_or(365);
    while days / step as f64 > n as f64 {
        step *= 2;
    }
    let step = step * DAY;
    let first = ((t0 - (DAY / 2) as f64) / step as f64).ceil() as i64;
    (first..)
        .map(|k| (k * step + DAY / 2) as f64)
        .take_while(|t| *t <= t1)
        .take(n)
        .collect()
}

/// Midway between ticks (and half a step beyond the outer ones): the light grid lines.
fn halves(ticks: &[f64], lo: f64, hi: f64) -> Vec<f64> {
    let Some(step) = ticks.get(1).map(|b| b - ticks[0]) else {
        return Vec::new();
    };
    std::iter::once(ticks[0] - step / 2.0)
        .chain(ticks.iter().map(|t| t + step / 2.0))
        .filter(|t| *t > lo && *t < hi)
        .collect()
}

struct Axes<'a> {
    x_ticks: Vec<f64>,
    y_ticks: Vec<f64>,
    x_label: &'a dyn Fn(f64) -> String,
    y_label: &'a dyn Fn(f64) -> String,
    y_desc: &'a str,
    light: &'a str,
    label_size: u32,
    desc_size: u32,
}

/// Grid (light lines halfway between the labelled ones), the axes with their ticks and
/// labels, and the name of the values along the left edge.
fn axes(out: &mut String, f: &Frame, a: &Axes) {
    for t in halves(&a.x_ticks, f.x.0, f.x.1) {
        let x = f.px(t);
        line(out, (x, f.top), (x, f.bottom), a.light, "");
    }
    for v in halves(&a.y_ticks, f.y.0, f.y.1) {
        level(out, f, v, a.light, "");
    }
    for t in &a.x_ticks {
        let x = f.px(*t);
        line(
            out,
            (x, f.top),
            (x, f.bottom),
            "#000000",
            r#" opacity="0.2""#,
        );
    }
    for v in &a.y_ticks {
        level(out, f, *v, "#000000", r#" opacity="0.2""#);
    }
    line(out, (f.left, f.top), (f.left, f.bottom), "#000000", "");
    line(out, (f.left, f.bottom), (f.right, f.bottom), "#000000", "");
    for t in &a.x_ticks {
        let x = f.px(*t);
        line(out, (x, f.bottom), (x, f.bottom + 5), "#000000", "");
        let label = (a.x_label)(*t);
        text(
            out,
            (x, f.bottom + 8),
            a.label_size,
            "middle",
            "hanging",
            "#000000",
            "",
            &label,
        );
    }
    for v in &a.y_ticks {
        let y = f.py(*v);
        line(out, (f.left - 5, y), (f.left, y), "#000000", "");
        let label = (a.y_label)(*v);
        text(
            out,
            (f.left - 8, y),
            a.label_size,
            "end",
            "middle",
            "#000000",
            "",
            &label,
        );
    }
    let (x, y) = (f.margin + a.desc_size as i32 / 2, (f.top + f.bottom) / 2);
    let rotate = format!(r#" transform="rotate(-90 {x} {y})""#);
    text(
        out,
        (x, y),
        a.desc_size,
        "middle",
        "middle",
        "#000000",
        &rotate,
        a.y_desc,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_time_range_draws_without_panicking() {
        for (start, step) in [
            (0i64, 1i64),
            (1_700_000_000, 3600),
            (1_700_000_000, 86_400 * 30),
            (-86_400, 7),
        ] {
            let points: Vec<_> = (0..50)
                .map(|i| TrendPoint {
                    at: start + i * step,
                    value: 80.0 + (i % 7) as f64,
                    flagged: false,
                    label: String::new(),
                })
                .collect();
            let series = [Q30Series {
                points,
                control: None,
            }];
            assert!(
                q30_trend_svg(&series, 500, 200, &|t| t.to_string()).starts_with("<svg"),
                "{start} {step}"
            );
            let band: Vec<_> = (0..50)
                .map(|i| BandPoint {
                    at: start + i * step,
                    mean: 1.0,
                    min: 0.5,
                    max: 1.5,
                })
                .collect();
            let limits = Limits {
                warn: (0.0, 2.0),
                critical: (-1.0, 3.0),
            };
            let overlay = Overlay {
                limits,
                trend: None,
                warnings: &[],
                regions: &[],
            };
            assert!(
                sensor_svg(&band, &overlay, "u", (500, 200), &|t| t.to_string())
                    .starts_with("<svg"),
                "{start} {step}"
            );
        }
    }

    #[test]
    fn axis_labels_are_round_and_few() {
        assert_eq!(ticks(70.0, 100.0, 6), [70.0, 80.0, 90.0, 100.0]);
        assert_eq!(ticks(1.5, 12.0, 5), [2.5, 5.0, 7.5, 10.0]);
        assert!(ticks(1.0, 1.0, 5).is_empty());
        for (days, n) in [(1, 5), (7, 5), (30, 5), (365, 6), (3650, 6)] {
            let t = date_ticks(0.0, (days * DAY) as f64, n);
            assert!(!t.is_empty() && t.len() <= n, "{days} days: {t:?}");
            // Noon UTC: whole days apart.
            assert!(t.iter().all(|t| (*t as i64 - DAY / 2) % DAY == 0), "{t:?}");
        }
    }
}
