//! A static SVG of a range of a run's steps, for slides and docs. Every mark
//! carries a `<title>` (the step, its time and what happened), so a viewer
//! shows it on hover. Classes name what is drawn (`lane`, `arrow`, `drop`,
//! `mark`, `fault`, `span`, `partition`, `failure`): the tests count them.

use super::geometry::{color, group_tint, AXIS, COL, HEAD, LANE, LEFT, LEGEND, RIGHT};
use super::model::{RunModel, StepMark};
use crate::pictures::text::{escape, fit, wrap_items};
use crate::sim::SimTime;
use std::fmt::Write;

/// Most steps one SVG draws (a slide holds about a hundred).
pub const MAX_SVG_STEPS: u64 = 1000;

/// Steps drawn by default.
const DEFAULT_STEPS: u64 = 100;

/// A range of steps, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepRange {
    /// First step drawn.
    pub first: u64,
    /// Last step drawn.
    pub last: u64,
}

/// The first 100 steps, or the 100 steps that end 10 after the failing step.
pub fn default_window(model: &RunModel) -> StepRange {
    let end = model.last_step().max(1);
    let last = match &model.failure {
        Some(f) => (f.step + 10).max(DEFAULT_STEPS).min(end),
        None => DEFAULT_STEPS.min(end),
    };
    StepRange {
        first: last.saturating_sub(DEFAULT_STEPS - 1).max(1),
        last,
    }
}

/// Where things go for one range.
struct Frame {
    first: u64,
    last: u64,
    lanes: usize,
    /// Height above the axis: the title, the legend's lines, the failure.
    head: i64,
}

impl Frame {
    fn x(&self, step: u64) -> i64 {
        LEFT + (step as i64 - self.first as i64) * COL + COL / 2
    }
    fn y(&self, lane: usize) -> i64 {
        self.head + AXIS + lane as i64 * LANE + LANE / 2
    }
    fn top(&self) -> i64 {
        self.head + AXIS
    }
    fn bottom(&self) -> i64 {
        self.head + AXIS + self.lanes as i64 * LANE
    }
    fn right(&self) -> i64 {
        self.x(self.last) + COL / 2
    }
}

/// One line of a step for a tooltip: `step 13 · 166.033ms · deliver n1→n0: label`.
pub(super) fn describe(model: &RunModel, mark: &StepMark) -> String {
    let lane = |l: Option<usize>| l.map(|l| model.lanes[l].clone());
    let place = match (lane(mark.source), lane(mark.target)) {
        (Some(a), Some(b)) => format!(" {a}→{b}"),
        (None, Some(b)) => format!(" at {b}"),
        (Some(a), None) => format!(" from {a}"),
        (None, None) => String::new(),
    };
    format!(
        "step {} · {} · {}{place}: {}",
        mark.step,
        SimTime::from_nanos(mark.time_ns),
        mark.kind,
        model.labels[mark.label]
    )
}

/// Draw steps `range` of `model` (the caller checked the range).
pub fn render_svg(model: &RunModel, range: StepRange) -> String {
    let mut frame = Frame {
        first: range.first,
        last: range.last,
        lanes: model.lanes.len(),
        head: HEAD,
    };
    let width = (frame.right() + RIGHT).max(640);
    let legend = wrap_items(LEGEND, width as f64 - 16.0, 10.0);
    frame.head = HEAD + (legend.len() as i64 - 1) * 13;
    let height = frame.bottom() + 40;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">"#
    );
    defs(&mut svg, &frame);
    let _ = writeln!(
        svg,
        r##"<rect width="{width}" height="{height}" fill="#ffffff"/>"##
    );
    head(&mut svg, model, &frame, width as f64, &legend);
    axis(&mut svg, model, &frame);
    backgrounds(&mut svg, model, &frame);
    for (lane, name) in model.lanes.iter().enumerate() {
        let y = frame.y(lane);
        let _ = writeln!(
            svg,
            r##"<g class="lane"><line x1="{LEFT}" y1="{y}" x2="{}" y2="{y}" stroke="#a0aec0"/><text x="6" y="{}">{}</text></g>"##,
            frame.right(),
            y + 4,
            escape(name)
        );
    }
    faults(&mut svg, model, &frame);
    svg.push_str("<g clip-path=\"url(#plot)\">\n");
    arrows(&mut svg, model, &frame);
    marks(&mut svg, model, &frame);
    svg.push_str("</g>\n");
    svg.push_str("</svg>\n");
    svg
}

fn defs(svg: &mut String, frame: &Frame) {
    svg.push_str("<defs>");
    for kind in ["deliver", "request", "drop-down"] {
        let _ = write!(
            svg,
            r#"<marker id="head-{kind}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="{}"/></marker>"#,
            color(kind)
        );
    }
    let _ = writeln!(
        svg,
        r#"<clipPath id="plot"><rect x="{LEFT}" y="{}" width="{}" height="{}"/></clipPath></defs>"#,
        frame.top(),
        frame.right() - LEFT,
        frame.bottom() - frame.top()
    );
}

fn head(svg: &mut String, model: &RunModel, frame: &Frame, width: f64, legend: &[String]) {
    let title = format!(
        "{} · seed {} · steps {}–{} of {} · {} · trace {}",
        model.scenario,
        model.seed,
        frame.first,
        frame.last,
        model.last_step(),
        model.verdict,
        model.trace_hash
    );
    let room = width - 16.0;
    let _ = writeln!(
        svg,
        r#"<text x="8" y="17" font-size="13">{}<title>{}</title></text>"#,
        escape(&fit(&title, room, 13.0).unwrap_or_default()),
        escape(&title)
    );
    for (i, line) in legend.iter().enumerate() {
        let _ = writeln!(
            svg,
            r##"<text x="8" y="{}" font-size="10" fill="#4a5568">{}</text>"##,
            32 + 13 * i,
            escape(line)
        );
    }
    if let Some(f) = &model.failure {
        let text = format!(
            "✗ check {} failed at step {}: {}",
            f.check,
            f.step,
            f.detail.lines().next().unwrap_or("")
        );
        let _ = writeln!(
            svg,
            r##"<text class="failure-text" x="8" y="{}" font-size="11" fill="{}">{}<title>{}</title></text>"##,
            frame.head - 10,
            color("failure"),
            escape(&fit(&text, room, 11.0).unwrap_or_default()),
            escape(&format!("{text}\n{}", f.detail))
        );
    }
}

/// Step numbers above the lanes and virtual times below, every 10 steps.
fn axis(svg: &mut String, model: &RunModel, frame: &Frame) {
    let y = frame.head + AXIS - 5;
    let below = frame.bottom() + 14;
    let _ = writeln!(
        svg,
        r##"<text x="6" y="{y}" font-size="9" fill="#718096">step</text><text x="6" y="{below}" font-size="9" fill="#718096">time</text>"##
    );
    for step in frame.first..=frame.last {
        if !step.is_multiple_of(10) {
            continue;
        }
        let x = frame.x(step);
        let _ = writeln!(
            svg,
            r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#edf2f7"/><text x="{x}" y="{y}" font-size="9" text-anchor="middle" fill="#718096">{step}</text>"##,
            frame.top(),
            frame.bottom()
        );
        if let Some(mark) = model.at(step) {
            let _ = writeln!(
                svg,
                r##"<text x="{x}" y="{below}" font-size="9" text-anchor="middle" fill="#718096">{}</text>"##,
                SimTime::from_nanos(mark.time_ns)
            );
        }
    }
}

/// Partition tints, crashed and paused stretches, the failing step's band.
fn backgrounds(svg: &mut String, model: &RunModel, frame: &Frame) {
    let clip = |from: u64, to: u64| {
        (from <= frame.last && to >= frame.first)
            .then(|| (from.max(frame.first), to.min(frame.last)))
    };
    for p in &model.partitions {
        let Some((a, b)) = clip(p.from, p.to) else {
            continue;
        };
        let (x, w) = (frame.x(a) - COL / 2, (b - a + 1) as i64 * COL);
        for (lane, &group) in p.groups.iter().enumerate() {
            let _ = writeln!(
                svg,
                r#"<rect class="partition" x="{x}" y="{}" width="{w}" height="{}" fill="{}"><title>steps {}–{}: partition group {group}</title></rect>"#,
                frame.y(lane) - LANE / 2 + 2,
                LANE - 4,
                group_tint(group),
                p.from,
                p.to
            );
        }
    }
    for s in &model.lane_spans {
        let Some((a, b)) = clip(s.from, s.to) else {
            continue;
        };
        let _ = writeln!(
            svg,
            r#"<rect class="span {}" x="{}" y="{}" width="{}" height="6" fill="{}" opacity="0.7"><title>{} {} from step {} to step {}</title></rect>"#,
            s.kind,
            frame.x(a) - COL / 2,
            frame.y(s.lane) - 3,
            (b - a + 1) as i64 * COL,
            color(s.kind),
            model.lanes[s.lane],
            s.kind,
            s.from,
            s.to
        );
    }
    if let Some(f) = &model.failure {
        if (frame.first..=frame.last).contains(&f.step) {
            let _ = writeln!(
                svg,
                r#"<rect class="failure" x="{}" y="{}" width="{COL}" height="{}" fill="{}" opacity="0.25"><title>check {} failed at step {}</title></rect>"#,
                frame.x(f.step) - COL / 2,
                frame.top(),
                frame.bottom() - frame.top(),
                color("failure"),
                escape(&f.check),
                f.step
            );
        }
    }
}

/// Is `mark` drawn as a line across every lane: a fault, or a control
/// step of the whole run (the settle point). A control step at one lane (a
/// client's timeout that lapsed because the operation was answered) is a
/// dot on that lane instead.
fn spans_lanes(mark: &StepMark) -> bool {
    mark.kind == "fault" || (mark.kind == "control" && mark.target.is_none())
}

/// Faults and control events: a dashed line across the lanes, named above
/// when the name fits before the next one.
fn faults(svg: &mut String, model: &RunModel, frame: &Frame) {
    let shown: Vec<&StepMark> = (frame.first..=frame.last)
        .filter_map(|s| model.at(s))
        .filter(|m| spans_lanes(m))
        .collect();
    for (i, mark) in shown.iter().enumerate() {
        let x = frame.x(mark.step);
        let next = shown.get(i + 1).map_or(frame.right(), |n| frame.x(n.step));
        let label = &model.labels[mark.label];
        let text = fit(label, (next - x - 4) as f64, 9.0).unwrap_or_default();
        let _ = writeln!(
            svg,
            r#"<g class="fault"><line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{}" stroke-dasharray="3 2"/><text x="{}" y="{}" font-size="9" fill="{}">{}</text><title>{}</title></g>"#,
            frame.top() - 2,
            frame.bottom(),
            color(mark.kind),
            x + 2,
            frame.top() + 7,
            color(mark.kind),
            escape(&text),
            escape(&describe(model, mark))
        );
    }
}

/// Deliveries whose flight overlaps the range, from sending to arriving step.
fn arrows(svg: &mut String, model: &RunModel, frame: &Frame) {
    for mark in &model.steps {
        let (Some(sent), Some(from), Some(to)) = (mark.sent_step, mark.source, mark.target) else {
            continue;
        };
        if sent > frame.last || mark.step < frame.first {
            continue;
        }
        let kind = match mark.kind {
            "deliver" | "drop-down" => mark.kind,
            _ => "request",
        };
        let (x1, y1, x2, y2) = (
            frame.x(sent),
            frame.y(from),
            frame.x(mark.step),
            frame.y(to),
        );
        let cross = if kind == "drop-down" {
            format!(
                r#"<text x="{x2}" y="{}" text-anchor="middle" fill="{}">✗</text>"#,
                y2 + 4,
                color(kind)
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            svg,
            r#"<g class="arrow"><line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{}" stroke-width="1.2" marker-end="url(#head-{kind})"/>{cross}<title>{} (sent at step {sent})</title></g>"#,
            color(kind),
            escape(&describe(model, mark))
        );
    }
}

/// Point marks of the steps in range, and the sends that were lost.
fn marks(svg: &mut String, model: &RunModel, frame: &Frame) {
    for step in frame.first..=frame.last {
        let Some(mark) = model.at(step) else {
            continue;
        };
        let x = frame.x(step);
        for &(from, to, fate) in &mark.sends {
            if !matches!(fate, "lost" | "partitioned") {
                continue;
            }
            let (y1, y2) = (frame.y(from), frame.y(to));
            let (xe, ye) = (x + COL, y1 + (y2 - y1) * 2 / 5);
            let _ = writeln!(
                svg,
                r#"<g class="drop"><line x1="{x}" y1="{y1}" x2="{xe}" y2="{ye}" stroke="{c}" stroke-dasharray="2 2"/><text x="{xe}" y="{}" text-anchor="middle" fill="{c}">✗</text><title>step {step}: message {}→{} {fate}</title></g>"#,
                ye + 4,
                model.lanes[from],
                model.lanes[to],
                c = color(fate),
            );
        }
        let (lane, glyph) = match mark.kind {
            "timer" => (mark.target, "◆"),
            "start" => (mark.target, "▲"),
            "invoke" => (mark.source, "○"),
            "client-timeout" => (mark.target.or(mark.source), "·"),
            "held" => (mark.target, "‖"),
            "resend" => (mark.source, "↻"),
            "control" => (mark.target, "·"),
            _ => (None, ""),
        };
        if let Some(lane) = lane {
            let _ = writeln!(
                svg,
                r#"<text class="mark" x="{x}" y="{}" text-anchor="middle" fill="{}">{glyph}<title>{}</title></text>"#,
                frame.y(lane) + 4,
                color(mark.kind),
                escape(&describe(model, mark))
            );
        }
    }
}
