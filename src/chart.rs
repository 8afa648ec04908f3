//! Charts rendered to SVG text with plotters: pure Rust, testable natively, and in the
//! browser real DOM elements that stay crisp at any zoom.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct TrendPoint {
    /// Unix seconds.
    pub at: i64,
    pub value: f64,
    /// A control rule fired at this run (drawn as a larger red marker).
    pub flagged: bool,
}

/// Control limits drawn behind the %≥Q30 trend.
pub struct ControlBand {
    pub center: f64,
    pub lower: f64,
    pub upper: f64,
    pub floor: Option<f64>,
}

/// %≥Q30 per run over time. `date_label` turns unix seconds into an axis label (the
/// dashboard passes one that speaks the lab's time zone).
pub fn q30_trend_svg(
    points: &[TrendPoint],
    control: Option<&ControlBand>,
    width: u32,
    height: u32,
    date_label: &dyn Fn(i64) -> String,
) -> String {
    let mut svg = String::new();
    if let Err(e) = draw_q30(&mut svg, points, control, width, height, date_label) {
        return format!("<p class=\"chart-error\">The chart could not be drawn: {e}</p>");
    }
    svg
}

fn draw_q30(
    out: &mut String,
    points: &[TrendPoint],
    control: Option<&ControlBand>,
    width: u32,
    height: u32,
    date_label: &dyn Fn(i64) -> String,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(out, (width, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (min_t, max_t) = points.iter().fold((i64::MAX, i64::MIN), |(lo, hi), p| {
        (lo.min(p.at), hi.max(p.at))
    });
    let (min_t, max_t) = if points.is_empty() {
        (0, 86400)
    } else {
        (min_t - 86400, max_t + 86400)
    };
    // f64 time axis: plotters' i64 tick arithmetic can overflow on some ranges.
    let (min_t, max_t) = (min_t as f64, max_t as f64);
    let lo = points.iter().map(|p| p.value).fold(100.0f64, f64::min);
    let lo = control.and_then(|c| c.floor).map_or(lo, |f| lo.min(f));
    let y_min = ((lo - 5.0) / 5.0).floor() * 5.0;
    let y_min = y_min.clamp(0.0, 90.0);
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d(min_t..max_t, y_min..100.0)?;
    chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|t| date_label(*t as i64))
        .y_label_formatter(&|v| format!("{v:.0} %"))
        .y_desc("%≥Q30")
        .max_light_lines(1)
        .light_line_style(RGBColor(236, 236, 236))
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 13))
        .draw()?;
    if let Some(c) = control {
        let grey = RGBColor(110, 110, 110);
        let span = [min_t, max_t];
        chart.draw_series(LineSeries::new(
            span.map(|t| (t, c.center)),
            grey.stroke_width(1),
        ))?;
        for limit in [c.lower, c.upper] {
            chart.draw_series(DashedLineSeries::new(
                span.map(|t| (t, limit)),
                6,
                4,
                grey.stroke_width(1),
            ))?;
        }
        if let Some(f) = c.floor {
            let red = RGBColor(176, 0, 32);
            chart.draw_series(DashedLineSeries::new(
                span.map(|t| (t, f)),
                10,
                4,
                red.stroke_width(2),
            ))?;
        }
    }
    let line = RGBColor(0, 90, 181);
    chart.draw_series(LineSeries::new(
        points.iter().map(|p| (p.at as f64, p.value)),
        line.stroke_width(2),
    ))?;
    let flag = RGBColor(176, 0, 32);
    chart.draw_series(points.iter().map(|p| {
        let (r, colour) = if p.flagged { (5, flag) } else { (3, line) };
        Circle::new((p.at as f64, p.value), r, colour.filled())
    }))?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_one_marker_per_run() {
        let points: Vec<_> = (0..12)
            .map(|i| TrendPoint {
                at: 1_700_000_000 + i * 86400 * 3,
                value: 85.0 + i as f64 * 0.5,
                flagged: i == 3,
            })
            .collect();
        let control = ControlBand {
            center: 88.0,
            lower: 82.0,
            upper: 94.0,
            floor: Some(80.0),
        };
        let svg = q30_trend_svg(&points, Some(&control), 800, 320, &|t| format!("d{t}"));
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        assert_eq!(svg.matches("<circle").count(), 12);
        assert_eq!(
            svg.matches(r#"r="5""#).count(),
            1,
            "the flagged run stands out"
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
                .map(|i| TrendPoint {
                    at: start + i * step,
                    value: 80.0 + (i % 7) as f64,
                    flagged: false,
                })
                .collect();
            assert!(
                q30_trend_svg(&points, None, 500, 200, &|t| t.to_string()).starts_with("<svg"),
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
    fn empty_series_still_draws_axes() {
        let svg = q30_trend_svg(&[], None, 400, 200, &|t| t.to_string());
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<circle").count(), 0);
    }
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

/// A fitted trend line: the evidence of a prediction, drawn to the predicted crossing.
pub struct TrendLine {
    pub from: (i64, f64),
    pub to: (i64, f64),
}

/// A sensor's buckets: the min–max range shaded, the mean as a line, and the warning
/// limits dashed, so a drift towards a limit is seen before it crosses; with a
/// prediction, its fitted line runs on to the crossing.
pub fn sensor_svg(
    points: &[BandPoint],
    overlay: &Overlay,
    unit: &str,
    size: (u32, u32),
    date_label: &dyn Fn(i64) -> String,
) -> String {
    let mut svg = String::new();
    if let Err(e) = draw_sensor(&mut svg, points, overlay, unit, size, date_label) {
        return format!("<p class=\"chart-error\">The chart could not be drawn: {e}</p>");
    }
    svg
}

fn draw_sensor(
    out: &mut String,
    points: &[BandPoint],
    overlay: &Overlay,
    unit: &str,
    (width, height): (u32, u32),
    date_label: &dyn Fn(i64) -> String,
) -> Result<(), Box<dyn std::error::Error>> {
    let (limits, trend) = (&overlay.limits, overlay.trend);
    let root = SVGBackend::with_string(out, (width, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (t0, t1) = points.iter().fold((i64::MAX, i64::MIN), |(lo, hi), p| {
        (lo.min(p.at), hi.max(p.at))
    });
    let (t0, t1) = if points.is_empty() {
        (0, 86_400)
    } else {
        (t0, t1.max(t0 + 3600))
    };
    // A crossing soon after the data widens the view to show it; a far one would squash it.
    let reach = (t1 - t0).max(86_400);
    let t1 = match trend {
        Some(tr) if tr.to.0 > t1 && tr.to.0 - t1 <= reach => tr.to.0,
        _ => t1,
    };
    // So does an appointment coming up, with a little room to its right for its label.
    let t1 = overlay
        .regions
        .iter()
        .filter(|r| r.to > t1 && r.to - t1 <= reach)
        .map(|r| r.to + (r.to - t0) / 20)
        .fold(t1, i64::max);
    let (t0, t1) = (t0 as f64, t1 as f64);
    // The normal band is always in view; the data may reach beyond it.
    let lo = points.iter().map(|p| p.min).fold(limits.warn.0, f64::min);
    let hi = points.iter().map(|p| p.max).fold(limits.warn.1, f64::max);
    let pad = ((hi - lo) * 0.08).max(1e-6);
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(56)
        .build_cartesian_2d(t0..t1, (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_labels(5)
        .y_labels(5)
        .max_light_lines(1)
        .light_line_style(RGBColor(244, 244, 244))
        .x_label_formatter(&|t| date_label(*t as i64))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .y_desc(unit)
        .axis_desc_style(("sans-serif", 13))
        .label_style(("sans-serif", 12))
        .draw()?;
    let band = RGBColor(0, 90, 181);
    if !points.is_empty() {
        let outline: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.at as f64, p.max))
            .chain(points.iter().rev().map(|p| (p.at as f64, p.min)))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            band.mix(0.18).filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            points.iter().map(|p| (p.at as f64, p.mean)),
            band.stroke_width(2),
        ))?;
    }
    if let Some(tr) = trend {
        // Clip the line to the view: it is a straight line, so interpolate at the edges.
        let at = |t: f64| {
            let (x0, y0, x1, y1) = (tr.from.0 as f64, tr.from.1, tr.to.0 as f64, tr.to.1);
            if x1 == x0 {
                y0
            } else {
                y0 + (y1 - y0) * (t - x0) / (x1 - x0)
            }
        };
        let (a, b) = ((tr.from.0 as f64).max(t0), (tr.to.0 as f64).min(t1));
        if a < b {
            let fitted = RGBColor(90, 40, 140);
            chart.draw_series(DashedLineSeries::new(
                [(a, at(a)), (b, at(b))],
                8,
                4,
                fitted.stroke_width(2),
            ))?;
            if (tr.to.0 as f64) <= t1 {
                chart.draw_series(std::iter::once(Cross::new(
                    (tr.to.0 as f64, tr.to.1),
                    6,
                    fitted.stroke_width(2),
                )))?;
            }
        }
    }
    // Appointments: shaded at least a few pixels wide (half a day on a year is less
    // than a pixel), labelled at the top.
    let region = RGBColor(90, 40, 140);
    let min_width = (t1 - t0) * 6.0 / f64::from(width.max(1));
    for r in overlay.regions {
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
        chart.draw_series(std::iter::once(Rectangle::new(
            [(a, lo - pad), (b, hi + pad)],
            region.mix(0.25).filled(),
        )))?;
        // Label on the side with room: left of a region near the right edge.
        let (anchor, x) = if b > t0 + (t1 - t0) * 0.6 {
            (Pos::new(HPos::Right, VPos::Top), a)
        } else {
            (Pos::new(HPos::Left, VPos::Top), b)
        };
        chart.draw_series(std::iter::once(Text::new(
            r.label.clone(),
            (x, hi + pad),
            ("sans-serif", 12).into_font().color(&region).pos(anchor),
        )))?;
    }
    // Warning markers: a triangle on the lower edge where a warning was raised.
    for m in overlay.warnings {
        let t = m.at as f64;
        if t >= t0 && t <= t1 {
            let colour = if m.critical {
                RGBColor(176, 0, 32)
            } else {
                RGBColor(176, 96, 0)
            };
            chart.draw_series(std::iter::once(TriangleMarker::new(
                (t, lo - pad),
                7,
                colour.filled(),
            )))?;
        }
    }
    let warn = RGBColor(176, 96, 0);
    let critical = RGBColor(176, 0, 32);
    let (y_lo, y_hi) = (lo - pad, hi + pad);
    for (limit, colour) in [
        (limits.warn.0, warn),
        (limits.warn.1, warn),
        (limits.critical.0, critical),
        (limits.critical.1, critical),
    ] {
        if limit > y_lo && limit < y_hi {
            chart.draw_series(DashedLineSeries::new(
                [(t0, limit), (t1, limit)],
                6,
                4,
                colour.stroke_width(1),
            ))?;
        }
    }
    root.present()?;
    Ok(())
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
            from: (0, 4.0),
            to: (60 * 3600, 7.0),
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
        assert!(svg.matches("<polyline").count() >= 1, "the mean line");
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
