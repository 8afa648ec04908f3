//! %≥Q30 per run: one series per kind of run, its control limits and focusable markers.

use super::*;
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
    fn empty_series_still_draws_axes() {
        let svg = q30_trend_svg(&[], 400, 200, &|t| t.to_string());
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<circle").count(), 0);
    }
}
