//! Charts as SVG text: pure Rust, testable natively, and in the browser real DOM elements
//! that stay crisp at any zoom. Axes, grid and series are written by hand: a charting
//! library (plotters) drew the same for ~30 KB more wasm.

use std::fmt::Write;

pub struct TrendPoint {
    /// Unix seconds.
    pub at: i64,
    pub value: f64,
    /// A control rule fired at this run (drawn larger, in red).
    pub flagged: bool,
    /// What the point says on hover and to a screen reader: run, date, value, rule.
    pub label: String,
}

/// Control limits drawn behind a kind of run's %≥Q30.
pub struct ControlBand {
    pub center: f64,
    pub lower: f64,
    pub upper: f64,
    pub floor: Option<f64>,
}

/// The runs of one kind (read structure, flow cell), with the limits they are judged by.
pub struct Q30Series {
    pub points: Vec<TrendPoint>,
    pub control: Option<ControlBand>,
}

/// Colour and marker of the k-th kind of run (cycling): told apart by shape as well as by
/// a colour-blind-safe hue. The dashboard's legend uses the same order (`.k0`…`.k3`).
pub const SERIES: [(&str, Shape); 4] = [
    (BLUE, Shape::Circle),
    (ORANGE, Shape::Square),
    (PURPLE, Shape::Triangle),
    ("#1B7837", Shape::Diamond),
];

#[derive(Clone, Copy)]
pub enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
}

impl Shape {
    /// The legend's character for it.
    pub fn glyph(self) -> &'static str {
        match self {
            Shape::Circle => "●",
            Shape::Square => "■",
            Shape::Triangle => "▲",
            Shape::Diamond => "◆",
        }
    }
}

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

/// %≥Q30 per run over time, one series per kind of run with its own control limits.
/// `date_label` turns unix seconds into an axis label (the dashboard passes one that speaks
/// the lab's time zone). Flagged runs and each kind's newest run can be focused.
pub fn q30_trend_svg(
    series: &[Q30Series],
    width: u32,
    height: u32,
    date_label: &dyn Fn(i64) -> String,
) -> String {
    let all = || series.iter().flat_map(|s| &s.points);
    let (min_t, max_t) = all().fold((i64::MAX, i64::MIN), |(lo, hi), p| {
        (lo.min(p.at), hi.max(p.at))
    });
    let (min_t, max_t) = if min_t > max_t {
        (0, DAY)
    } else {
        (min_t - DAY, max_t + DAY)
    };
    let (min_t, max_t) = (min_t as f64, max_t as f64);
    let lo = all().map(|p| p.value).fold(100.0f64, f64::min);
    let floors = series.iter().filter_map(|s| s.control.as_ref()?.floor);
    let lo = floors.fold(lo, f64::min);
    let y_min = ((lo - 5.0) / 5.0).floor() * 5.0;
    let y_min = y_min.clamp(0.0, 90.0);
    let f = Frame {
        x: (min_t, max_t),
        y: (y_min, 100.0),
        ..Frame::new((width, height), 12, 36, 52)
    };
    let mut out = open((width, height));
    axes(
        &mut out,
        &f,
        &Axes {
            x_ticks: date_ticks(min_t, max_t, 6),
            y_ticks: ticks(y_min, 100.0, 6),
            x_label: &|t| date_label(t as i64),
            y_label: &|v| crate::format::fixed(v, 0) + " %",
            y_desc: "%≥Q30",
            light: "#ECECEC",
            label_size: 13,
            desc_size: 14,
        },
    );
    f.clip_open(&mut out);
    for (k, s) in series.iter().enumerate() {
        let colour = SERIES[k % SERIES.len()].0;
        if let Some(c) = &s.control {
            level(&mut out, &f, c.center, colour, r#" opacity="0.7""#);
            for limit in [c.lower, c.upper] {
                level(&mut out, &f, limit, colour, r#" stroke-dasharray="6 4""#);
            }
            if let Some(floor) = c.floor {
                level(
                    &mut out,
                    &f,
                    floor,
                    RED,
                    r#" stroke-width="2" stroke-dasharray="10 4""#,
                );
            }
        }
        let _ = write!(
            out,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points=""#
        );
        points_at(
            &mut out,
            &f,
            s.points.iter().map(|p| (p.at as f64, p.value)),
        );
        out.push_str(r#""/>"#);
    }
    out.push_str("</svg>");
    for (k, s) in series.iter().enumerate() {
        let (colour, shape) = SERIES[k % SERIES.len()];
        for (i, p) in s.points.iter().enumerate() {
            let (r, fill) = if p.flagged { (6, RED) } else { (4, colour) };
            // Keyboard users reach what matters without a stop at every run.
            let focus = if p.flagged || i + 1 == s.points.len() {
                r#" tabindex="0" role="img""#
            } else {
                ""
            };
            marker(
                &mut out,
                shape,
                (f.px(p.at as f64), f.py(p.value)),
                r,
                fill,
                focus,
                &p.label,
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// One run's marker, with its words as a tooltip and, when focusable, its name.
fn marker(
    out: &mut String,
    shape: Shape,
    (x, y): (i32, i32),
    r: i32,
    fill: &str,
    extra: &str,
    label: &str,
) {
    let label = escape(label);
    let named = if extra.is_empty() {
        String::new()
    } else {
        format!(r#" aria-label="{label}""#)
    };
    let _ = match shape {
        Shape::Circle => write!(out, r#"<circle cx="{x}" cy="{y}" r="{r}""#),
        Shape::Square => write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}""#,
            x - r,
            y - r,
            2 * r,
            2 * r
        ),
        Shape::Triangle => write!(
            out,
            r#"<polygon points="{x},{} {},{} {},{}""#,
            y - r - 1,
            x + r + 1,
            y + r,
            x - r - 1,
            y + r
        ),
        Shape::Diamond => write!(
            out,
            r#"<polygon points="{x},{} {},{y} {x},{} {},{y}""#,
            y - r - 1,
            x + r + 1,
            y + r + 1,
            x - r - 1
        ),
    };
    let _ = write!(
        out,
        r##" class="pt" fill="{fill}" stroke="#FFFFFF"{extra}{named}><title>{label}</title></{}>"##,
        match shape {
            Shape::Circle => "circle",
            Shape::Square => "rect",
            _ => "polygon",
        }
    );
}

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
}

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

    fn point(at: i64, value: f64, flagged: bool) -> TrendPoint {
        TrendPoint {
            at,
            value,
            flagged,
            label: format!("run at {at}: {value} % <ok> & \"so\""),
        }
    }

    #[test]
    fn draws_one_marker_per_run_and_one_series_per_kind() {
        let kind = |offset: f64, flag: i64| Q30Series {
            points: (0..12)
                .map(|i| {
                    point(
                        1_700_000_000 + i * 86400 * 3,
                        offset + i as f64 * 0.5,
                        i == flag,
                    )
                })
                .collect(),
            control: Some(ControlBand {
                center: offset + 3.0,
                lower: offset - 3.0,
                upper: offset + 9.0,
                floor: Some(80.0),
            }),
        };
        let svg = q30_trend_svg(&[kind(85.0, 3), kind(90.0, -1)], 800, 320, &|t| {
            format!("d{t}")
        });
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        assert_eq!(
            svg.matches("<circle").count(),
            12,
            "the first kind: circles"
        );
        assert_eq!(
            svg.matches("<rect x").count(),
            12 + 1,
            "the second: squares (+ background)"
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(
            svg.matches(&format!(r#"fill="{RED}""#)).count(),
            1,
            "one flagged run"
        );
        // Focusable: the flagged run, and each kind's newest.
        assert_eq!(svg.matches(r#"tabindex="0""#).count(), 3);
        assert_eq!(svg.matches("<title>").count(), 24);
        assert!(
            !svg.contains("<ok>") && svg.contains("&lt;ok&gt;"),
            "labels are escaped"
        );
        assert!(svg.contains("%≥Q30"));
    }

    #[test]
    fn any_time_range_draws_without_panicking() {
        for (start, step) in [
            (0i64, 1i64),
            (1_700_000_000, 3600),
            (1_700_000_000, 86_400 * 30),
            (-86_400, 7),
        ] {
            let points: Vec<_> = (0..50)
                .map(|i| point(start + i * step, 80.0 + (i % 7) as f64, false))
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

    #[test]
    fn empty_series_still_draws_axes() {
        let svg = q30_trend_svg(&[], 400, 200, &|t| t.to_string());
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<circle").count(), 0);
    }
}

#[cfg(test)]
mod sensor_tests {
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
