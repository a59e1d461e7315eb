//! Charts for answers: a PNG drawn in Rust (plotters on a bitmap, with DejaVu Sans embedded so
//! no system font is needed). A grouped answer gets bars, one per group in the answer's order;
//! a series by month or year gets a line. Single values and lists get no chart.

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use serde_json::Value;
use std::sync::Once;

const FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// Most bars drawn; an answer with more shows its first ones.
const MAX_BARS: usize = 20;

const WIDTH: u32 = 800;

static FONT_REGISTERED: Once = Once::new();

/// The chart for an answer's table, when one helps: `columns` end with the measure, and the
/// first column names the groups.
pub fn chart(columns: &[String], rows: &[Vec<Value>]) -> Option<Vec<u8>> {
    if columns.len() != 2 || rows.len() < 2 {
        return None;
    }
    let points: Vec<(String, f64)> = rows
        .iter()
        .filter_map(|row| {
            let label = match &row[0] {
                Value::String(s) => s.clone(),
                Value::Null => "(none)".to_string(),
                other => other.to_string(),
            };
            Some((label, row[1].as_f64()?))
        })
        .collect();
    if points.len() < 2 {
        return None;
    }
    FONT_REGISTERED.call_once(|| {
        let _ = register_font("sans-serif", FontStyle::Normal, FONT);
    });
    let series = columns[0].ends_with(":month") || columns[0].ends_with(":year");
    let words = |column: &str| {
        column
            .split(':')
            .next()
            .unwrap_or(column)
            .replace("_id.", " ")
            .trim_end_matches("_id")
            .replace('_', " ")
    };
    let result = if series {
        line(&words(&columns[1]), &points)
    } else {
        let shown = points.len().min(MAX_BARS);
        let mut title = format!("{} by {}", words(&columns[1]), words(&columns[0]));
        if shown < points.len() {
            title.push_str(&format!(" (the first {shown} of {})", points.len()));
        }
        bars(&title, &points[..shown])
    };
    match result {
        Ok(png) => Some(png),
        Err(error) => {
            tracing::warn!("a chart could not be drawn: {error}");
            None
        }
    }
}

fn encode(pixels: &[u8], width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(pixels)?;
    Ok(png)
}

fn range(points: &[(String, f64)]) -> (f64, f64) {
    let low = points.iter().map(|p| p.1).fold(0.0, f64::min);
    let high = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let pad = (high - low).abs().max(1.0) * 0.05;
    (low - if low < 0.0 { pad } else { 0.0 }, high + pad)
}

/// Horizontal bars, one per group, top to bottom in the answer's order.
fn bars(title: &str, points: &[(String, f64)]) -> anyhow::Result<Vec<u8>> {
    let height = 80 + 26 * points.len() as u32;
    let mut pixels = vec![255u8; (WIDTH * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (low, high) = range(points);
        let n = points.len() as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(20)
            .x_label_area_size(30)
            .y_label_area_size(260)
            .build_cartesian_2d(low..high, (0..n).into_segmented())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let labels: Vec<String> = points
            .iter()
            .map(|(label, _)| crate::engine::form::truncate(label, 40))
            .collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(points.len())
            .x_labels(5)
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) => labels
                    .get((n - 1 - *i) as usize)
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_formatter(&|x| super::figure(&serde_json::json!(x), false))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let color = RGBColor(46, 106, 170);
        chart
            .draw_series(points.iter().enumerate().map(|(i, (_, value))| {
                let row = n - 1 - i as i32;
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row)),
                        (*value, SegmentValue::Exact(row + 1)),
                    ],
                    color.filled(),
                );
                bar.set_margin(3, 3, 0, 0);
                bar
            }))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    encode(&pixels, WIDTH, height)
}

/// A line through the periods, in the answer's order.
fn line(measure: &str, points: &[(String, f64)]) -> anyhow::Result<Vec<u8>> {
    let height = 420;
    let mut pixels = vec![255u8; (WIDTH * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (low, high) = range(points);
        let n = points.len();
        let mut chart = ChartBuilder::on(&root)
            .caption(measure, ("sans-serif", 18))
            .margin(25)
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(0..n.saturating_sub(1), low..high)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let labels: Vec<String> = points.iter().map(|(label, _)| label.clone()).collect();
        chart
            .configure_mesh()
            .x_labels(n.min(12))
            .y_labels(6)
            .x_label_formatter(&|x| labels.get(*x).cloned().unwrap_or_default())
            .y_label_formatter(&|y| super::figure(&serde_json::json!(y), false))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let color = RGBColor(46, 106, 170);
        chart
            .draw_series(LineSeries::new(
                points.iter().enumerate().map(|(i, (_, v))| (i, *v)),
                color.stroke_width(2),
            ))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        chart
            .draw_series(
                points
                    .iter()
                    .enumerate()
                    .map(|(i, (_, v))| Circle::new((i, *v), 3, color.filled())),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        root.present().map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    encode(&pixels, WIDTH, height)
}

#[cfg(test)]
mod tests {
    use super::chart;
    use serde_json::json;

    fn size(png: &[u8]) -> (u32, u32) {
        let decoder = png::Decoder::new(png);
        let reader = decoder.read_info().expect("a PNG");
        (reader.info().width, reader.info().height)
    }

    #[test]
    fn grouped_answers_get_bars_series_get_a_line_and_single_values_nothing() {
        let columns = |a: &str| vec![a.to_string(), "sum of amount".to_string()];
        let groups = vec![
            vec![json!("Apex Concrete (V002)"), json!(81185.18)],
            vec![json!("Ironclad Steel Supply (V001)"), json!(120000.0)],
            vec![json!("Summit Electric (V010)"), json!(-500.0)],
        ];
        let bars = chart(&columns("vendor_id"), &groups).expect("bars");
        assert_eq!(size(&bars), (800, 80 + 26 * 3));
        let months: Vec<_> = (1..=11)
            .map(|m| vec![json!(format!("2026-{m:02}")), json!(m * 10)])
            .collect();
        let line = chart(&columns("issued_date:month"), &months).expect("a line");
        assert_eq!(size(&line), (800, 420));
        assert!(chart(&columns("vendor_id"), &groups[..1]).is_none());
        assert!(chart(&["count".to_string()], &[vec![json!(3)]]).is_none());
    }
}
