//! Charts for answers: a PNG drawn in Rust (plotters on a bitmap, with DejaVu Sans embedded so
//! no system font is needed). A grouped answer gets bars, one per group in the answer's order;
//! a series by month or year gets a line. Single values and lists get no chart. Titles are the
//! table's labels ("Invoice total by vendor") and axes write figures as the table does
//! ("$1,000,000"), whatever the machine's locale.

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use serde_json::Value;
use std::sync::Once;

const FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// Most bars drawn; an answer with more shows its first ones.
const MAX_BARS: usize = 20;

const WIDTH: u32 = 800;

static FONT_REGISTERED: Once = Once::new();

/// The chart for an answer's table, when one helps: its columns end with the measure, and the
/// first column names the groups.
pub fn chart(answer: &super::Answer) -> Option<Vec<u8>> {
    let (columns, rows) = (&answer.columns, &answer.rows);
    if columns.len() != 2 || answer.headers.len() != 2 || rows.len() < 2 {
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
    let period = ["month", "year"]
        .into_iter()
        .find(|cut| columns[0].ends_with(&format!(":{cut}")));
    let measure = &answer.headers[1];
    let axis = Axis {
        currency: measure.currency.as_deref(),
    };
    let shown = points.len().min(MAX_BARS);
    let title = title(answer, period, shown, points.len());
    let result = match period {
        Some(_) => line(&title, &points, &axis),
        None => bars(&title, &points[..shown], &axis),
    };
    match result {
        Ok(png) => Some(png),
        Err(error) => {
            tracing::warn!("a chart could not be drawn: {error}");
            None
        }
    }
}

/// The chart's title in words, from the table's labels: "Invoice total by vendor", "Number of
/// invoices by month".
fn title(answer: &super::Answer, period: Option<&str>, shown: usize, groups: usize) -> String {
    let measure = &answer.headers[1].label;
    let by = period.map_or_else(|| answer.headers[0].label.to_lowercase(), str::to_string);
    let mut title = format!("{measure} by {by}");
    if period.is_none() && shown < groups {
        title.push_str(&format!(" (the first {shown} of {groups})"));
    }
    title
}

/// How the measure's axis writes its figures.
struct Axis<'a> {
    currency: Option<&'a str>,
}

impl Axis<'_> {
    /// A tick's figure, as the table writes it; money without cents, which ticks never need.
    fn tick(&self, value: f64) -> String {
        let written = super::figure(&serde_json::json!(value), self.currency);
        match self.currency {
            Some(_) => written
                .strip_suffix(".00")
                .map(str::to_string)
                .unwrap_or(written),
            None => written,
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
fn bars(title: &str, points: &[(String, f64)], axis: &Axis) -> anyhow::Result<Vec<u8>> {
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
            .x_label_area_size(40)
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
            .x_label_formatter(&|x| axis.tick(*x))
            .label_style(("sans-serif", 14))
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
fn line(title: &str, points: &[(String, f64)], axis: &Axis) -> anyhow::Result<Vec<u8>> {
    let height = 420;
    let mut pixels = vec![255u8; (WIDTH * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (low, high) = range(points);
        let n = points.len();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(25)
            .x_label_area_size(40)
            .y_label_area_size(110)
            .build_cartesian_2d(0..n.saturating_sub(1), low..high)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let labels: Vec<String> = points.iter().map(|(label, _)| label.clone()).collect();
        chart
            .configure_mesh()
            .x_labels(n.min(12))
            .y_labels(6)
            .x_label_formatter(&|x| labels.get(*x).cloned().unwrap_or_default())
            .y_label_formatter(&|y| axis.tick(*y))
            .label_style(("sans-serif", 14))
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
    use super::{Axis, chart, title};
    use crate::ask::{Answer, Header};
    use crate::domain::plan::Plan;
    use serde_json::{Value, json};

    fn size(png: &[u8]) -> (u32, u32) {
        let decoder = png::Decoder::new(png);
        let reader = decoder.read_info().expect("a PNG");
        (reader.info().width, reader.info().height)
    }

    /// An answer with `group` and an invoice total per group.
    fn answer(group: (&str, &str), rows: Vec<Vec<Value>>) -> Answer {
        Answer {
            answer: String::new(),
            columns: vec![group.0.into(), "sum of amount".into()],
            headers: vec![
                Header::new(group.1, false, "$"),
                Header::new("Invoice total", true, "$"),
            ],
            rows,
            plan: Some(Plan::Insight {
                name: crate::insights::Insight::BudgetBurn,
            }),
            ..Answer::default()
        }
    }

    #[test]
    fn grouped_answers_get_bars_series_get_a_line_and_single_values_nothing() {
        let groups = vec![
            vec![json!("Apex Concrete (V002)"), json!(81185.18)],
            vec![json!("Ironclad Steel Supply (V001)"), json!(120000.0)],
            vec![json!("Summit Electric (V010)"), json!(-500.0)],
        ];
        let bars = chart(&answer(("vendor_id", "Vendor"), groups.clone())).expect("bars");
        assert_eq!(size(&bars), (800, 80 + 26 * 3));
        let months: Vec<_> = (1..=11)
            .map(|m| vec![json!(format!("2026-{m:02}")), json!(m * 10)])
            .collect();
        let by_month = answer(("issued_date:month", "Issued date (month)"), months);
        assert_eq!(size(&chart(&by_month).expect("a line")), (800, 420));
        assert!(chart(&answer(("vendor_id", "Vendor"), groups[..1].to_vec())).is_none());
    }

    #[test]
    fn titles_are_words_and_axes_write_figures_as_tables_do() {
        let vendors = answer(("vendor_id", "Vendor"), Vec::new());
        assert_eq!(title(&vendors, None, 3, 3), "Invoice total by vendor");
        assert_eq!(
            title(&vendors, None, 20, 35),
            "Invoice total by vendor (the first 20 of 35)"
        );
        assert_eq!(
            title(&vendors, Some("month"), 11, 11),
            "Invoice total by month"
        );
        let money = Axis {
            currency: Some("$"),
        };
        assert_eq!(money.tick(1_000_000.0), "$1,000,000");
        assert_eq!(money.tick(2_500.5), "$2,500.50");
        assert_eq!(Axis { currency: None }.tick(1_000_000.0), "1,000,000");
        assert_eq!(Axis { currency: None }.tick(12.5), "12.5");
    }
}
