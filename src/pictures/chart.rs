//! A table of medians as small multiples: one panel per metric (its name
//! above it, horizontal, cut with `…` to the panel's width and whole in the
//! tooltip), one bar per parameter value, each bar wide enough for its value
//! written over it and its parameter value written under it, each metric
//! scaled to its own maximum. No rotated text, no label wider than its bar.

use crate::pictures::text::{escape, fit, mono_width};
use std::fmt::Write;

const PALETTE: [&str; 6] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
];
/// Panels per row of the chart.
const PER_ROW: usize = 3;
const BAR_HEIGHT: f64 = 120.0;
const VALUE_SIZE: f64 = 10.0;
const NAME_SIZE: f64 = 11.0;

/// A value as the chart and the table print it.
pub fn format_value(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{v:.1}"))
}

/// The chart of `rows` (parameter value, median of each metric) for
/// `metrics`, titled `title`; `param` names the parameter.
pub fn bar_chart(
    title: &str,
    param: &str,
    metrics: &[String],
    rows: &[(String, Vec<Option<f64>>)],
) -> String {
    let widest = rows
        .iter()
        .flat_map(|(value, medians)| {
            let value = mono_width(value, VALUE_SIZE);
            medians
                .iter()
                .map(move |m| mono_width(&format_value(*m), VALUE_SIZE).max(value))
        })
        .fold(24.0_f64, f64::max);
    let bar = (widest + 8.0).min(90.0);
    let panel_w = (bar * rows.len() as f64 + 30.0).max(160.0);
    let panel_h = BAR_HEIGHT + 60.0;
    let columns = metrics.len().clamp(1, PER_ROW);
    let panel_rows = metrics.len().div_ceil(PER_ROW).max(1);
    let width = (20.0 + panel_w * columns as f64).max(360.0);
    let height = 50.0 + panel_h * panel_rows as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="monospace" font-size="10">
<rect width="{width:.0}" height="{height:.0}" fill="#ffffff"/>
<text x="10" y="18" font-size="13">{}<title>{}</title></text>
<text x="10" y="34" fill="#4a5568">{}</text>"##,
        escape(&fit(title, width - 20.0, 13.0).unwrap_or_default()),
        escape(title),
        escape(
            &fit(
                &format!("median over the seeds of each metric, one bar per {param} value, each metric scaled to its own maximum"),
                width - 20.0,
                10.0
            )
            .unwrap_or_default()
        )
    );
    for (m, metric) in metrics.iter().enumerate() {
        let x0 = 10.0 + panel_w * (m % PER_ROW) as f64;
        let y0 = 44.0 + panel_h * (m / PER_ROW) as f64;
        panel(&mut out, metric, m, rows, (x0, y0), (bar, panel_w));
    }
    out.push_str("</svg>\n");
    out
}

/// One metric's panel at `origin`.
fn panel(
    out: &mut String,
    metric: &str,
    m: usize,
    rows: &[(String, Vec<Option<f64>>)],
    origin: (f64, f64),
    (bar, panel_w): (f64, f64),
) {
    let (x0, y0) = origin;
    let name = fit(metric, panel_w - 20.0, NAME_SIZE).unwrap_or_default();
    let _ = writeln!(
        out,
        r##"<g class="panel"><text x="{:.1}" y="{:.1}" font-size="{NAME_SIZE}" font-weight="bold">{}<title>{}</title></text>"##,
        x0 + 10.0,
        y0 + 12.0,
        escape(&name),
        escape(metric)
    );
    let max = rows
        .iter()
        .filter_map(|(_, v)| v.get(m).copied().flatten())
        .fold(0.0_f64, f64::max);
    let base = y0 + 30.0 + BAR_HEIGHT;
    for (i, (value, medians)) in rows.iter().enumerate() {
        let v = medians.get(m).copied().flatten();
        let h = match v {
            Some(v) if max > 0.0 => BAR_HEIGHT * v / max,
            _ => 0.0,
        };
        let x = x0 + 10.0 + bar * i as f64;
        let mid = x + bar / 2.0;
        let color = PALETTE[i % PALETTE.len()];
        let _ = writeln!(
            out,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{color}"><title>{metric} = {} at {value}</title></rect><text x="{mid:.1}" y="{:.1}" font-size="{VALUE_SIZE}" text-anchor="middle">{}</text><text x="{mid:.1}" y="{:.1}" font-size="{VALUE_SIZE}" text-anchor="middle" fill="#4a5568">{}</text>"##,
            x + 3.0,
            base - h,
            bar - 6.0,
            format_value(v),
            base - h - 3.0,
            format_value(v),
            base + 13.0,
            escape(&fit(value, bar - 2.0, VALUE_SIZE).unwrap_or_default()),
            metric = escape(metric),
            value = escape(value),
        );
    }
    let _ = writeln!(
        out,
        r##"<line x1="{:.1}" y1="{base:.1}" x2="{:.1}" y2="{base:.1}" stroke="#333"/></g>"##,
        x0 + 10.0,
        x0 + 10.0 + bar * rows.len() as f64
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_labels_fit_their_bars() {
        let rows: Vec<(String, Vec<Option<f64>>)> = [10.81, 10.72, 17.63, 11.04]
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{}", i + 1), vec![Some(*v)]))
            .collect();
        let svg = bar_chart("t", "fanout", &["latency-ms-p50".into()], &rows);
        assert!(!svg.contains("rotate"));
        // Each value is its own text element, centred over a bar wider than it.
        let xs: Vec<f64> = svg
            .match_indices(r#"font-size="10" text-anchor="middle">1"#)
            .map(|(i, _)| {
                let before = &svg[..i];
                let x = &before[before.rfind("x=\"").unwrap() + 3..];
                x[..x.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(xs.len(), 4, "{svg}");
        let width = mono_width("17.6", VALUE_SIZE);
        assert!(xs.windows(2).all(|w| w[1] - w[0] > width + 2.0), "{xs:?}");
    }
}
