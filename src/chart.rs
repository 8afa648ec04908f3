//! Charts rendered to SVG text with plotters: pure Rust, testable natively, and in the
//! browser real DOM elements that stay crisp at any zoom.

use plotters::prelude::*;

pub struct TrendPoint {
    /// Unix seconds.
    pub at: i64,
    pub value: f64,
}

/// %≥Q30 per run over time. `date_label` turns unix seconds into an axis label (the
/// dashboard passes one that speaks the lab's time zone).
pub fn q30_trend_svg(
    points: &[TrendPoint],
    width: u32,
    height: u32,
    date_label: &dyn Fn(i64) -> String,
) -> String {
    let mut svg = String::new();
    if let Err(e) = draw_q30(&mut svg, points, width, height, date_label) {
        return format!("<p class=\"chart-error\">The chart could not be drawn: {e}</p>");
    }
    svg
}

fn draw_q30(
    out: &mut String,
    points: &[TrendPoint],
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
    let lo = points.iter().map(|p| p.value).fold(100.0f64, f64::min);
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
        .x_label_formatter(&|t| date_label(*t))
        .y_label_formatter(&|v| format!("{v:.0} %"))
        .y_desc("%≥Q30")
        .max_light_lines(1)
        .light_line_style(RGBColor(236, 236, 236))
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 13))
        .draw()?;
    let line = RGBColor(0, 90, 181);
    chart.draw_series(LineSeries::new(
        points.iter().map(|p| (p.at, p.value)),
        line.stroke_width(2),
    ))?;
    chart.draw_series(
        points
            .iter()
            .map(|p| Circle::new((p.at, p.value), 3, line.filled())),
    )?;
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
            })
            .collect();
        let svg = q30_trend_svg(&points, 800, 320, &|t| format!("d{t}"));
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        assert_eq!(svg.matches("<circle").count(), 12);
        assert!(svg.contains("%≥Q30"));
    }

    #[test]
    fn empty_series_still_draws_axes() {
        let svg = q30_trend_svg(&[], 400, 200, &|t| t.to_string());
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<circle").count(), 0);
    }
}
