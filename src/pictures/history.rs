//! A history as a timeline: one lane per process, one bar per operation from
//! its invocation to its completion, an axis along the bottom (the history's
//! time where it has one, else its line numbers), operations that cannot be
//! placed in red with the checker's explanation beside the picture.
//!
//! A keyed history (kv) is drawn key by key, the failing key's sub-history
//! first: keys are checked separately, so that is where the problem is. In
//! each sub-history the x axis counts only its own events, in the history's
//! order, and the width is capped ([`PLOT_WIDTH`]): the picture fits one
//! screen. A label is drawn in its bar when it fits, cut with `…` when part
//! of it does, else left to the bar's tooltip (`<title>`).

use crate::check::history::Value;
use crate::check::ops::{Operation, Operations, Outcome};
use crate::pictures::text::{escape, fit, wrap_items};
use crate::sim::SimTime;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Widest plot (the bars' area), in pixels.
pub const PLOT_WIDTH: f64 = 900.0;
/// Width of the explanation column beside the picture.
const NOTE_WIDTH: f64 = 540.0;
/// Widest a history event is drawn.
const UNIT_MAX: f64 = 80.0;
const LEFT: f64 = 86.0;
const ROW: f64 = 24.0;
const BAR: f64 = 16.0;
const LABEL_SIZE: f64 = 9.0;
const NOTE_SIZE: f64 = 10.0;

/// What to draw besides the operations.
#[derive(Clone, Copy, Debug)]
pub struct HistoryPicture<'a> {
    /// The title (file and verdict).
    pub title: &'a str,
    /// Ids of the operations that cannot be placed.
    pub failing: &'a [usize],
    /// For a keyed model: the key whose sub-history is not linearizable.
    pub failing_key: Option<&'a str>,
    /// The checker's explanation, drawn beside the picture.
    pub explanation: &'a str,
}

/// One sub-history to draw.
struct Section<'a> {
    heading: String,
    ops: Vec<&'a Operation>,
}

/// The sub-histories, the failing key's first; one section when unkeyed.
fn sections<'a>(ops: &'a Operations, picture: &HistoryPicture) -> Vec<Section<'a>> {
    let mut by_key: BTreeMap<Option<&str>, Vec<&Operation>> = BTreeMap::new();
    for op in &ops.ops {
        by_key.entry(op.key.as_deref()).or_default().push(op);
    }
    if by_key.len() == 1 && by_key.contains_key(&None) {
        let all = by_key.remove(&None).unwrap_or_default();
        return vec![Section {
            heading: format!("all {} operations", all.len()),
            ops: all,
        }];
    }
    let mut out = Vec::new();
    if let Some(key) = picture.failing_key {
        if let Some(list) = by_key.remove(&Some(key)) {
            out.push(Section {
                heading: format!(
                    "key {key:?}: the failing key's sub-history  ({} operations; keys are checked separately)",
                    list.len()
                ),
                ops: list,
            });
        }
    }
    for (key, list) in by_key {
        let name = key.map_or("no key".to_string(), |k| format!("key {k:?}"));
        out.push(Section {
            heading: format!("{name} ({} operations)", list.len()),
            ops: list,
        });
    }
    out
}

/// x positions: the section's events in history order, one unit apart.
struct Axis {
    /// History event index → position.
    position: BTreeMap<usize, usize>,
    /// Position → (line, time in ns) of that event.
    events: Vec<(usize, u64)>,
    unit: f64,
    timed: bool,
}

impl Axis {
    fn new(ops: &[&Operation]) -> Axis {
        let mut events: BTreeMap<usize, (usize, u64)> = BTreeMap::new();
        for op in ops {
            events.insert(op.call, (op.call_line, op.call_time));
            if let Some(ret) = op.ret {
                events.insert(
                    ret,
                    (
                        op.ret_line.unwrap_or(op.call_line),
                        op.ret_time.unwrap_or(0),
                    ),
                );
            }
        }
        let position = events.keys().enumerate().map(|(i, &e)| (e, i)).collect();
        let events: Vec<(usize, u64)> = events.into_values().collect();
        let slots = events.len() + 1;
        let timed = events.iter().any(|&(_, t)| t > 0);
        Axis {
            position,
            unit: (PLOT_WIDTH / slots as f64).min(UNIT_MAX),
            events,
            timed,
        }
    }
    fn x(&self, event: usize) -> f64 {
        LEFT + (self.position[&event] as f64 + 0.5) * self.unit
    }
    fn end(&self) -> f64 {
        LEFT + (self.events.len() as f64 + 0.5) * self.unit
    }
    fn width(&self) -> f64 {
        self.end() + 8.0 - LEFT
    }
    fn tick_label(&self, position: usize) -> String {
        let (line, time) = self.events[position];
        if self.timed {
            SimTime::from_nanos(time).to_string()
        } else {
            format!("line {line}")
        }
    }
}

/// The short text in a bar: `get "0" → "x 9 0 y"`.
fn short_label(op: &Operation) -> String {
    let mut s = op.f.clone();
    if let Some(k) = &op.key {
        let _ = write!(s, " {k}");
    }
    if op.input != Value::Nil {
        let _ = write!(s, " {}", op.input);
    }
    match op.outcome {
        Outcome::Ok if op.output != op.input && op.output != Value::Nil => {
            let _ = write!(s, " → {}", op.output);
        }
        Outcome::Fail => s.push_str(" → fail"),
        Outcome::Info => s.push_str(" → ?"),
        Outcome::Ok => {}
    }
    s
}

/// One section as SVG elements at vertical offset `top`, its heading
/// wrapped to `width`; returns its height.
fn draw_section(
    svg: &mut String,
    section: &Section,
    failing: &[usize],
    top: f64,
    width: f64,
) -> f64 {
    let axis = Axis::new(&section.ops);
    let processes: BTreeSet<u64> = section.ops.iter().map(|o| o.process).collect();
    let rows: BTreeMap<u64, usize> = processes
        .into_iter()
        .enumerate()
        .map(|(i, p)| (p, i))
        .collect();
    let heading = wrap_items(&section.heading, width - 8.0, 12.0);
    for (i, line) in heading.iter().enumerate() {
        let _ = writeln!(
            svg,
            r##"<text class="section" x="8" y="{:.0}" font-size="12" font-weight="bold">{}</text>"##,
            top + 14.0 + 15.0 * i as f64,
            escape(line)
        );
    }
    let lanes_top = top + 7.0 + 15.0 * heading.len() as f64;
    let lanes_bottom = lanes_top + rows.len() as f64 * ROW;
    for (process, row) in &rows {
        let y = lanes_top + *row as f64 * ROW + ROW / 2.0;
        let _ = writeln!(
            svg,
            r##"<g class="lane"><line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e2e8f0"/><text x="8" y="{:.1}">process {process}</text></g>"##,
            axis.end(),
            y + 4.0
        );
    }
    for op in &section.ops {
        let row = rows[&op.process] as f64;
        let y = lanes_top + row * ROW + (ROW - BAR) / 2.0;
        let x0 = axis.x(op.call);
        let x1 = op.ret.map_or(axis.end(), |r| axis.x(r));
        let width = (x1 - x0).max(3.0);
        let bad = failing.contains(&op.id);
        let (class, fill, dash) = match (bad, op.outcome) {
            (true, _) => ("op failing", "#e53e3e", ""),
            (false, Outcome::Ok) => ("op", "#9ae6b4", ""),
            (false, Outcome::Fail) => ("op", "#e2e8f0", ""),
            (false, Outcome::Info) => ("op", "#cbd5e0", r#" stroke-dasharray="4 2""#),
        };
        let stroke = if bad {
            r##"#742a2a" stroke-width="2"##
        } else {
            "#4a5568"
        };
        let full = escape(&op.to_string());
        let _ = writeln!(
            svg,
            r##"<rect class="{class}" x="{x0:.1}" y="{y:.1}" width="{width:.1}" height="{BAR}" rx="3" fill="{fill}" stroke="{stroke}"{dash}><title>{full}</title></rect>"##
        );
        let label = fit(&short_label(op), width - 4.0, LABEL_SIZE)
            .or_else(|| fit(&format!("#{}", op.id), width - 4.0, LABEL_SIZE));
        if let Some(label) = &label {
            let color = if bad { "#ffffff" } else { "#1a202c" };
            let _ = writeln!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="{LABEL_SIZE}" fill="{color}">{}<title>{full}</title></text>"##,
                x0 + 2.0,
                y + 12.0,
                escape(label)
            );
        }
        if bad {
            let _ = writeln!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#c53030" text-anchor="end">✗</text>"##,
                x0 - 2.0,
                y + 12.0
            );
            if label.is_none() {
                let _ = writeln!(
                    svg,
                    r##"<text x="{:.1}" y="{:.1}" font-size="{LABEL_SIZE}" fill="#c53030">op {}<title>{full}</title></text>"##,
                    x0 + width + 2.0,
                    y + 12.0,
                    op.id
                );
            }
        }
    }
    draw_axis(svg, &axis, lanes_bottom);
    lanes_bottom + 34.0 - top
}

/// Ticks under the lanes, at least 70 pixels apart.
fn draw_axis(svg: &mut String, axis: &Axis, y: f64) {
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#4a5568"/><text x="8" y="{:.1}" font-size="9" fill="#4a5568">{}</text>"##,
        axis.end(),
        y + 12.0,
        if axis.timed {
            "time →"
        } else {
            "history →"
        }
    );
    let every = (70.0 / axis.unit).ceil().max(1.0) as usize;
    for position in (0..axis.events.len()).step_by(every) {
        let x = LEFT + (position as f64 + 0.5) * axis.unit;
        let label = axis.tick_label(position);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{y:.1}" x2="{x:.1}" y2="{:.1}" stroke="#4a5568"/><text x="{x:.1}" y="{:.1}" font-size="9" fill="#4a5568" text-anchor="middle">{}</text>"##,
            y + 4.0,
            y + 14.0,
            escape(&label)
        );
    }
}

/// Lines of at most `chars` characters (long lines wrapped, indent kept).
fn wrap_lines(text: &str, chars: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let indent: String = line.chars().take_while(|c| *c == ' ').collect();
        let mut rest: Vec<char> = line.chars().collect();
        while rest.len() > chars {
            let cut = rest[..chars]
                .iter()
                .rposition(|c| *c == ' ')
                .filter(|&i| i > indent.len() + 4)
                .unwrap_or(chars);
            out.push(rest[..cut].iter().collect());
            let tail: String = rest[cut..].iter().collect();
            rest = format!("{indent}    {}", tail.trim_start())
                .chars()
                .collect();
        }
        out.push(rest.into_iter().collect());
    }
    out
}

/// The explanation as a text column at `x`.
fn draw_note(svg: &mut String, explanation: &str, x: f64, top: f64) -> f64 {
    let chars = (NOTE_WIDTH / (NOTE_SIZE * 0.6)) as usize;
    let lines = wrap_lines(explanation, chars);
    let _ = writeln!(
        svg,
        r##"<g class="explanation"><text x="{x:.1}" y="{:.1}" font-size="12" font-weight="bold" fill="#c53030">Why it cannot be placed</text>"##,
        top + 14.0
    );
    for (i, line) in lines.iter().enumerate() {
        let _ = writeln!(
            svg,
            r##"<text x="{x:.1}" y="{:.1}" font-size="{NOTE_SIZE}" xml:space="preserve">{}</text>"##,
            top + 32.0 + i as f64 * 13.0,
            escape(line)
        );
    }
    svg.push_str("</g>\n");
    32.0 + lines.len() as f64 * 13.0
}

/// The SVG of `sections`, with the explanation beside the first one.
fn svg_of(sections: &[Section], picture: &HistoryPicture) -> String {
    let plot = sections
        .iter()
        .map(|s| Axis::new(&s.ops).width())
        .fold(300.0, f64::max);
    let note = !picture.explanation.is_empty();
    let width = LEFT + plot + if note { NOTE_WIDTH + 40.0 } else { 20.0 };
    let mut body = String::new();
    let mut y = 44.0;
    let mut note_height = 0.0;
    for (i, section) in sections.iter().enumerate() {
        if i == 0 && note {
            note_height = draw_note(&mut body, picture.explanation, LEFT + plot + 30.0, y);
        }
        y += draw_section(&mut body, section, picture.failing, y, LEFT + plot) + 10.0;
    }
    let height = y.max(44.0 + note_height) + 10.0;
    let legend = "bars: green ok · grey dashed info (may or may not have happened) · light grey fail (did not happen) · red ✗: cannot be placed · hover a bar for the operation";
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="monospace" font-size="11">
<rect width="{width:.0}" height="{height:.0}" fill="#ffffff"/>
<text x="8" y="18" font-size="14">{}<title>{}</title></text>
<text x="8" y="34" font-size="10" fill="#4a5568">{}</text>"##,
        escape(&fit(picture.title, width - 16.0, 14.0).unwrap_or_default()),
        escape(picture.title),
        escape(&fit(legend, width - 16.0, 10.0).unwrap_or_default()),
    );
    svg.push_str(&body);
    svg.push_str("</svg>\n");
    svg
}

/// An SVG picture of the history. For a keyed history with a failing key,
/// only that key's sub-history is drawn (a note says how many other keys
/// there are; the HTML page draws them too).
pub fn render_svg(ops: &Operations, picture: &HistoryPicture) -> String {
    let mut all = sections(ops, picture);
    if picture.failing_key.is_some() && all.len() > 1 {
        let others = all.len() - 1;
        let count: usize = all[1..].iter().map(|s| s.ops.len()).sum();
        all.truncate(1);
        all[0].heading.push_str(&format!(
            "  {others} other key{} ({count} operations) not drawn: see --html",
            if others == 1 { "" } else { "s" }
        ));
    }
    svg_of(&all, picture)
}

/// An HTML page: the failing key's sub-history with the explanation beside
/// it, then every other sub-history folded away.
pub fn render_html(ops: &Operations, picture: &HistoryPicture) -> String {
    let all = sections(ops, picture);
    let mut html = String::new();
    let _ = writeln!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>body {{ font-family: sans-serif; margin: 12px; }} .scroll {{ overflow-x: auto; }} details {{ margin: 6px 0; }}</style></head><body>",
        escape(picture.title)
    );
    let _ = writeln!(html, "<h1>{}</h1>", escape(picture.title));
    html.push_str("<p>One lane per process, one bar per operation from invocation to completion; hover a bar for the operation.</p>\n");
    let split = if picture.failing_key.is_some() {
        1
    } else {
        all.len()
    };
    let (first, rest) = all.split_at(split.min(all.len()));
    let _ = writeln!(
        html,
        "<div class=\"scroll\">{}</div>",
        svg_of(first, picture)
    );
    if !rest.is_empty() {
        let _ = writeln!(
            html,
            "<h2>The other {} keys (each linearizable on its own)</h2>",
            rest.len()
        );
        let quiet = HistoryPicture {
            explanation: "",
            ..*picture
        };
        for section in rest {
            let _ = writeln!(
                html,
                "<details><summary>{}</summary><div class=\"scroll\">{}</div></details>",
                escape(&section.heading),
                svg_of(std::slice::from_ref(section), &quiet)
            );
        }
    }
    html.push_str("</body></html>\n");
    html
}
