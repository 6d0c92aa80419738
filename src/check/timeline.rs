//! Drawing a history as a timeline (SVG, or HTML around it): one row per
//! process, one bar per operation from invocation to completion, failing
//! operations in red. A person can look instead of read.

use super::ops::{Operations, Outcome};
use std::collections::BTreeMap;
use std::fmt::Write;

const ROW: usize = 26;
const LEFT: usize = 110;
const STEP: usize = 9;
const TOP: usize = 40;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An SVG picture of the history; operations whose id is in `failing` are red.
pub fn render_svg(ops: &Operations, failing: &[usize], title: &str) -> String {
    let rows: BTreeMap<u64, usize> = ops
        .ops
        .iter()
        .map(|o| o.process)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, p)| (p, i))
        .collect();
    let end = ops.events + 2;
    let width = LEFT + end * STEP + 40;
    let height = TOP + rows.len() * ROW + 30;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" font-size="11">"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="8" y="18" font-size="14">{}</text>"#,
        escape(title)
    );
    let _ = writeln!(
        svg,
        r##"<text x="8" y="32" fill="#555555">green ok · grey dashed info (unknown) · light fail (did not happen) · red: cannot be placed</text>"##
    );
    for (process, row) in &rows {
        let y = TOP + row * ROW + 16;
        let _ = writeln!(svg, r#"<text x="8" y="{y}">process {process}</text>"#);
    }
    for op in &ops.ops {
        let row = rows[&op.process];
        let y = TOP + row * ROW + 4;
        let x0 = LEFT + op.call * STEP;
        let x1 = LEFT + op.ret.unwrap_or(end) * STEP;
        let bad = failing.binary_search(&op.id).is_ok() || failing.contains(&op.id);
        let (fill, dash) = match (bad, op.outcome) {
            (true, _) => ("#e04040", ""),
            (false, Outcome::Ok) => ("#7cc47c", ""),
            (false, Outcome::Fail) => ("#dddddd", ""),
            (false, Outcome::Info) => ("#bbbbbb", r#" stroke-dasharray="4 2""#),
        };
        let label = escape(&op.to_string());
        let _ = writeln!(
            svg,
            r##"<rect x="{x0}" y="{y}" width="{}" height="16" rx="3" fill="{fill}" stroke="#333"{dash}><title>{label}</title></rect>"##,
            (x1 - x0).max(4)
        );
        let short = escape(&short_label(op));
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" font-size="9">{short}</text>"#,
            x0 + 2,
            y + 12
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn short_label(op: &super::ops::Operation) -> String {
    let mut s = op.f.clone();
    if let Some(k) = &op.key {
        let _ = write!(s, " {k}");
    }
    if op.input != super::history::Value::Nil {
        let _ = write!(s, " {}", op.input);
    }
    if op.outcome == Outcome::Ok && op.output != op.input && op.output != super::history::Value::Nil
    {
        let _ = write!(s, "→{}", op.output);
    }
    s.chars().take(40).collect()
}

/// An HTML page holding the SVG timeline and the list of failing operations.
pub fn render_html(ops: &Operations, failing: &[usize], title: &str) -> String {
    let mut html = String::new();
    let _ = writeln!(
        html,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>",
        escape(title)
    );
    html.push_str("<body style=\"font-family: sans-serif\">\n");
    let _ = writeln!(html, "<h1>{}</h1>", escape(title));
    if !failing.is_empty() {
        html.push_str("<h2>Operations that cannot be placed</h2>\n<ul>\n");
        for id in failing {
            if let Some(op) = ops.ops.get(*id) {
                let _ = writeln!(html, "<li><code>{}</code></li>", escape(&op.to_string()));
            }
        }
        html.push_str("</ul>\n");
    }
    html.push_str(
        "<p>Hover over a bar to see the operation.</p>\n<div style=\"overflow-x: auto\">\n",
    );
    html.push_str(&render_svg(ops, failing, title));
    html.push_str("</div>\n</body></html>\n");
    html
}
