//! A latency distribution as a tail plot: for each series (one parameter
//! value of a sweep), the share of operations slower than `x`, on
//! logarithmic axes both ways, so the median, p99 and p99.9 are equally
//! readable: guide lines at 50%, 1% and 0.1% mark them, and the legend
//! writes each series' p50, p99 and p99.9 (nearest rank, as the runs'
//! metrics). One line per series, up to ~300 points each (quantiles at
//! even steps of the log of the share), so a million operations still
//! make a small file.

use crate::pictures::text::{escape, fit};
use std::fmt::Write;

const PALETTE: [&str; 6] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
];
const PLOT_W: f64 = 520.0;
const PLOT_H: f64 = 280.0;
const LEFT: f64 = 64.0;
const TOP: f64 = 56.0;
/// Quantile steps per decade of the share.
const STEPS_PER_DECADE: f64 = 60.0;

/// The nearest-rank quantile `per_mille`/1000 of sorted values (rounding
/// down, the rule of the runs' `op-latency-*` metrics).
fn rank(sorted: &[u64], per_mille: usize) -> Option<u64> {
    let last = sorted.len().checked_sub(1)?;
    sorted.get(last * per_mille / 1000).copied()
}

fn ms(nanos: u64) -> f64 {
    nanos as f64 / 1e6
}

/// `value` in ms as a short label: `0.5`, `12`, `1.2k`.
fn label_ms(value: f64) -> String {
    if value >= 1000.0 {
        format!("{}s", value / 1000.0)
    } else {
        format!("{value}ms")
    }
}

/// The tail plot of `series` (name, latencies in nanoseconds, any order),
/// titled `title`; `param` names what the series vary.
pub fn tail_chart(title: &str, param: &str, series: &[(String, Vec<u64>)]) -> String {
    let sorted: Vec<(&str, Vec<u64>)> = series
        .iter()
        .map(|(name, values)| {
            let mut v = values.clone();
            v.sort_unstable();
            (name.as_str(), v)
        })
        .collect();
    let all = sorted.iter().flat_map(|(_, v)| v.iter().copied());
    let lowest = all.clone().filter(|&v| v > 0).min().unwrap_or(1_000_000);
    let highest = all.max().unwrap_or(1_000_000).max(lowest + 1);
    let x_from = ms(lowest).log10().floor();
    let x_to = ms(highest).log10().ceil().max(x_from + 1.0);
    let most = sorted
        .iter()
        .map(|(_, v)| v.len())
        .max()
        .unwrap_or(1)
        .max(10);
    let y_decades = (most as f64).log10().ceil().clamp(1.0, 6.0);
    let x_of = |nanos: u64| {
        let lx = ms(nanos.max(1)).log10().clamp(x_from, x_to);
        LEFT + PLOT_W * (lx - x_from) / (x_to - x_from)
    };
    let y_of = |share: f64| {
        let ly = share.max(10f64.powf(-y_decades)).log10();
        TOP + PLOT_H * (-ly) / y_decades
    };
    let legend_h = 16.0 * sorted.len() as f64;
    let width = LEFT + PLOT_W + 30.0;
    let height = TOP + PLOT_H + 50.0 + legend_h;
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
                &format!(
                    "share of ok operations slower than x, one line per {param} value (log-log)"
                ),
                width - 20.0,
                10.0
            )
            .unwrap_or_default()
        )
    );
    axes(&mut out, (x_from, x_to), y_decades, &y_of);
    for (s, (name, values)) in sorted.iter().enumerate() {
        let color = PALETTE[s % PALETTE.len()];
        let points = curve(values, y_decades, &x_of, &y_of);
        let _ = writeln!(
            out,
            r##"<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{points}"><title>{}</title></polyline>"##,
            escape(name)
        );
        let q = |pm| rank(values, pm).map_or("-".to_string(), |v| format!("{:.1}", ms(v)));
        let y = TOP + PLOT_H + 40.0 + 16.0 * s as f64;
        let _ = writeln!(
            out,
            r##"<rect x="{LEFT:.1}" y="{:.1}" width="14" height="4" fill="{color}"/><text x="{:.1}" y="{y:.1}">{}</text>"##,
            y - 5.0,
            LEFT + 20.0,
            escape(&format!(
                "{name}: p50 {} ms, p99 {} ms, p99.9 {} ms ({} ops)",
                q(500),
                q(990),
                q(999),
                values.len()
            ))
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The frame, the decades on both axes and the p50/p99/p99.9 guides.
fn axes(out: &mut String, (x_from, x_to): (f64, f64), y_decades: f64, y_of: &dyn Fn(f64) -> f64) {
    let (right, bottom) = (LEFT + PLOT_W, TOP + PLOT_H);
    let _ = writeln!(
        out,
        r##"<rect x="{LEFT:.1}" y="{TOP:.1}" width="{PLOT_W:.1}" height="{PLOT_H:.1}" fill="none" stroke="#333"/>"##
    );
    let decades = (x_to - x_from).round() as i32;
    for d in 0..=decades {
        let x = LEFT + PLOT_W * f64::from(d) / f64::from(decades.max(1));
        let value = 10f64.powi(x_from as i32 + d);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="#e2e8f0"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            bottom + 14.0,
            label_ms(value)
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#4a5568">latency (ok operations)</text>"##,
        LEFT + PLOT_W / 2.0,
        bottom + 28.0
    );
    for (share, name) in [(0.5, "p50"), (0.01, "p99"), (0.001, "p99.9")] {
        if share < 10f64.powf(-y_decades) {
            continue;
        }
        let y = y_of(share);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT:.1}" y1="{y:.1}" x2="{right:.1}" y2="{y:.1}" stroke="#a0aec0" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#4a5568">{name}</text>"##,
            right - 4.0,
            y - 3.0
        );
    }
    for d in 0..=(y_decades as i32) {
        let share = 10f64.powi(-d);
        let y = y_of(share);
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT - 4.0,
            y + 3.0,
            share_label(d)
        );
    }
}

/// `10^-d` as a percentage written out: `100%`, `10%`, `1%`, `0.1%`,
/// `0.01%`, ...
fn share_label(d: i32) -> String {
    match d {
        0 => "100%".to_string(),
        1 => "10%".to_string(),
        2 => "1%".to_string(),
        _ => format!("0.{}1%", "0".repeat((d - 3) as usize)),
    }
}

/// The points of one series: at each share `10^(-k/STEPS)`, the latency
/// that many operations are slower than.
fn curve(
    sorted: &[u64],
    y_decades: f64,
    x_of: &dyn Fn(u64) -> f64,
    y_of: &dyn Fn(f64) -> f64,
) -> String {
    let n = sorted.len();
    if n == 0 {
        return String::new();
    }
    let mut points = Vec::new();
    let steps = (STEPS_PER_DECADE * y_decades) as usize;
    let mut last_index = usize::MAX;
    for k in 0..=steps {
        let share = 10f64.powf(-(k as f64) / STEPS_PER_DECADE);
        // The operation at rank n·(1 − share): a share `share` are at
        // least this slow.
        let slower = (share * n as f64).floor() as usize;
        if slower == 0 {
            break;
        }
        let index = n - slower;
        if index == last_index {
            continue;
        }
        last_index = index;
        points.push(format!("{:.1},{:.1}", x_of(sorted[index]), y_of(share)));
    }
    points.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slower_series_lies_to_the_right_and_the_legend_has_its_quantiles() {
        let fast: Vec<u64> = (1..=1000).map(|i| i * 10_000).collect(); // 0.01..10 ms
        let slow: Vec<u64> = fast.iter().map(|v| v * 100).collect();
        let svg = tail_chart(
            "t",
            "strategy",
            &[("fast".into(), fast), ("slow".into(), slow)],
        );
        assert!(
            svg.contains("fast: p50 5.0 ms, p99 9.9 ms, p99.9 10.0 ms (1000 ops)"),
            "{svg}"
        );
        assert!(svg.contains("slow: p50 500.0 ms"), "{svg}");
        let first_x = |name: &str| -> f64 {
            let at = svg.find(&format!("<title>{name}</title>")).unwrap();
            let line = &svg[svg[..at].rfind("points=\"").unwrap() + 8..];
            line.split(',').next().unwrap().parse().unwrap()
        };
        assert!(first_x("slow") > first_x("fast") + 100.0);
        for guide in ["p50", "p99", "p99.9"] {
            assert!(svg.contains(&format!(">{guide}</text>")), "{guide}");
        }
    }

    #[test]
    fn shares_are_written_as_short_percentages() {
        let labels: Vec<String> = (0..6).map(share_label).collect();
        assert_eq!(labels, ["100%", "10%", "1%", "0.1%", "0.01%", "0.001%"]);
    }

    #[test]
    fn an_empty_series_draws_no_line_and_no_panic() {
        let svg = tail_chart("t", "p", &[("none".into(), Vec::new())]);
        assert!(svg.contains("none: p50 - ms"));
    }
}
