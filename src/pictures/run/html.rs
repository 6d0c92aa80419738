//! One self-contained HTML page over a whole run: the model as compact JSON
//! (texts interned, one array per step), a small inline stylesheet and
//! script (`page.css`, `page.js`) that draw the steps in sight into an SVG
//! and redraw on scroll and zoom. Click a mark or an arrow for the step's
//! details (the message's content, what it sent, what the nodes looked
//! like), a lane's name for the node's summary; `#step=N` in the address
//! selects step N (`#step=N&zoom=Z` also zooms by Z). No network, no external script or font.

use super::geometry::{color, group_tint, AXIS, COL, HEAD, LANE, LEFT, LEGEND, RIGHT};
use super::model::RunModel;
use crate::pictures::text::escape;
use serde_json::{json, Value};
use std::fmt::Write;

const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

/// Kinds of steps, in the order the page's data numbers them.
const KINDS: [&str; 14] = crate::sim::trace::EVENT_KINDS;

/// Fates of a send, in the order the page's data numbers them.
const FATES: [&str; 4] = ["scheduled", "duplicated", "lost", "partitioned"];

fn index_of(list: &[&str], item: &str) -> usize {
    list.iter().position(|k| *k == item).unwrap_or(0)
}

fn lane_or_none(lane: Option<usize>) -> i64 {
    lane.map_or(-1, |l| l as i64)
}

/// The model as the page's script reads it.
fn data(model: &RunModel) -> Value {
    let steps: Vec<Value> = model
        .steps
        .iter()
        .map(|m| {
            let mut row = vec![
                json!(m.step),
                json!(m.time_ns),
                json!(index_of(&KINDS, m.kind)),
                json!(lane_or_none(m.source)),
                json!(lane_or_none(m.target)),
                json!(m.label),
                json!(m.sent_step.map_or(-1, |s| s as i64)),
            ];
            if !m.sends.is_empty() || !m.annotations.is_empty() {
                let sends: Vec<Value> = m
                    .sends
                    .iter()
                    .map(|&(from, to, fate)| json!([from, to, index_of(&FATES, fate)]))
                    .collect();
                row.push(json!(sends));
            }
            if !m.annotations.is_empty() {
                row.push(json!(m.annotations));
            }
            Value::Array(row)
        })
        .collect();
    let mut colors = serde_json::Map::new();
    for kind in KINDS
        .iter()
        .chain(FATES.iter())
        .chain(["failure", "down", "paused", "other"].iter())
    {
        colors.insert(kind.to_string(), json!(color(kind)));
    }
    json!({
        "geometry": { "left": LEFT, "head": HEAD, "axis": AXIS, "lane": LANE, "col": COL, "right": RIGHT },
        "kinds": KINDS,
        "fates": FATES,
        "colors": colors,
        "tints": (0..5).map(group_tint).collect::<Vec<_>>(),
        "nodes": model.nodes,
        "lanes": model.lanes,
        "labels": model.labels,
        "steps": steps,
        "spans": model.lane_spans.iter().map(|s| json!([s.lane, s.from, s.to, s.kind])).collect::<Vec<_>>(),
        "partitions": model.partitions.iter().map(|p| json!([p.from, p.to, p.groups])).collect::<Vec<_>>(),
        "snapshots": model.snapshots.iter().map(|s| json!([s.step, s.summaries])).collect::<Vec<_>>(),
        "failure": model.failure.as_ref().map(|f| json!({ "check": f.check, "step": f.step, "detail": f.detail })),
    })
}

/// JSON safe inside a `<script>` element: no `<`, so no `</script>`.
fn script_safe(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// The page.
pub fn render_html(model: &RunModel) -> String {
    let title = format!("{} · seed {}", model.scenario, model.seed);
    let mut html = String::new();
    let _ = writeln!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head><body>",
        escape(&title)
    );
    let _ = writeln!(html, "<header><h1>{}</h1>", escape(&title));
    let _ = writeln!(
        html,
        "<div class=\"meta\">{} steps · {} nodes, {} clients · verdict {} · trace-hash {}</div>",
        model.last_step(),
        model.nodes,
        model.lanes.len() - model.nodes,
        escape(&model.verdict),
        escape(&model.trace_hash)
    );
    if let Some(f) = &model.failure {
        let _ = writeln!(
            html,
            "<div class=\"bad\">✗ check {} failed at step {}: {}</div>",
            escape(&f.check),
            f.step,
            escape(f.detail.lines().next().unwrap_or(""))
        );
    }
    let _ = writeln!(
        html,
        "<div class=\"legend\">{}</div></header>",
        escape(LEGEND)
    );
    html.push_str("<nav><button id=\"zoom-out\" title=\"zoom out (-, ctrl+wheel)\">−</button><button id=\"zoom-in\" title=\"zoom in (+, ctrl+wheel)\">+</button>\n");
    html.push_str("<label>step <input id=\"jump\" type=\"number\" min=\"1\"></label><button id=\"go\">go</button>\n");
    if model.failure.is_some() {
        html.push_str("<button id=\"to-failure\">go to the failure</button>\n");
    }
    html.push_str("<span>click a mark or arrow for its step, a lane's name for the node; ← → move; the address #step=N selects step N, #step=N&amp;zoom=0.2 zooms out</span></nav>\n");
    html.push_str("<div id=\"scroller\"><div id=\"spacer\"></div><svg id=\"view\" xmlns=\"http://www.w3.org/2000/svg\"></svg></div>\n");
    html.push_str(
        "<div id=\"status\"></div>\n<section id=\"details\"><p>Select a step.</p></section>\n",
    );
    let _ = writeln!(
        html,
        "<script type=\"application/json\" id=\"run-data\">{}</script>",
        script_safe(&data(model))
    );
    let _ = writeln!(html, "<script>\n{SCRIPT}</script>\n</body></html>");
    html
}
