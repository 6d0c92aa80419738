//! The space-time (Lamport) diagram: one column per node, one row per step,
//! time flowing down. A delivery is an arrow from the sender's column to the
//! receiver's on the row where it arrives; timers, starts and client traffic
//! are marks on the node's line; faults cross every column; sends lost or cut
//! by a partition are marked `✗` at their target. Below, messages still in
//! flight are dashed arrows with their arrival time.
//!
//! A big cluster (more than [`BIG_CLUSTER`] nodes) gets columns only for
//! [`App::shown_nodes`] (the selected, picked and busiest nodes), and rows
//! only for the steps that touch one of them (or cross every node).

use super::super::app::{App, Focus, BIG_CLUSTER};
use super::{clip, focused, group_color, panel};
use crate::sim::{Endpoint, EntryView, FlightView, SendOutcome};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Least room for the event labels right of the columns: nodes past it
/// are hidden (the title says so) rather than labels cut to `timer …`.
const MIN_LABEL: usize = 9;

/// One row of cells, turned into a line at the end.
struct Row {
    cells: Vec<(char, Style)>,
}

impl Row {
    fn new(width: usize) -> Row {
        Row {
            cells: vec![(' ', Style::new()); width],
        }
    }
    fn put(&mut self, x: usize, c: char, style: Style) {
        if let Some(cell) = self.cells.get_mut(x) {
            *cell = (c, style);
        }
    }
    fn text(&mut self, x: usize, text: &str, style: Style) {
        for (i, c) in text.chars().enumerate() {
            self.put(x + i, c, style);
        }
    }
    fn line(self) -> Line<'static> {
        let spans: Vec<Span> = self
            .cells
            .into_iter()
            .map(|(c, s)| Span::styled(c.to_string(), s))
            .collect();
        Line::from(spans)
    }
}

/// Column geometry: where each node's line is.
struct Columns {
    /// Step-number gutter width (the widest step shown, and a space).
    gutter: usize,
    width: usize,
    /// The nodes with a column, in id order.
    ids: Vec<usize>,
}

impl Columns {
    fn x(&self, node: usize) -> Option<usize> {
        let column = self.ids.binary_search(&node).ok()?;
        Some(self.gutter + column * self.width + self.width / 2)
    }
    fn end(&self) -> usize {
        self.gutter + self.ids.len() * self.width
    }
    fn endpoint_x(&self, e: Option<Endpoint>) -> Option<usize> {
        match e? {
            Endpoint::Node(n) => self.x(n.index()),
            Endpoint::Client(_) => None,
        }
    }
}

/// Draw the diagram.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let sim = app.timeline.sim();
    let inner_w = area.width.saturating_sub(2) as usize;
    let inner_h = area.height.saturating_sub(2) as usize;
    let nodes = sim.node_count() as usize;
    let len = sim.trace_len();
    let gutter = (len.max(1).to_string().len() + 1).max(5);
    let big = nodes > BIG_CLUSTER;
    let (width, ids) = if big {
        // Room for the widest name (`n9999`) and a space.
        let width = sim.node_count().saturating_sub(1).to_string().len() + 2;
        let room = inner_w.saturating_sub(gutter + MIN_LABEL + 10) / width;
        (width, app.shown_nodes(room.max(1)))
    } else {
        let width = ((inner_w.saturating_sub(gutter + 24)) / nodes.max(1)).clamp(2, 6);
        let shown = nodes.min(inner_w.saturating_sub(gutter + MIN_LABEL) / width);
        (width, (0..shown).collect())
    };
    let shown = ids.len();
    let cols = Columns { gutter, width, ids };
    let groups = sim.partition_groups();
    let flights = sim.flights(inner_h / 3);
    let flight_rows = if flights.is_empty() {
        0
    } else {
        flights.len() + 1
    };
    // Node numbers of two digits or more do not fit a narrow column: they
    // are written downwards, tens above units.
    let tall_names = !big && shown > 10 && cols.width < 4;
    let header_rows = if tall_names { 2 } else { 1 };
    let history = inner_h.saturating_sub(header_rows + flight_rows);
    let end = match app.selected_entry {
        Some(s) => (s + 1 + history / 2).min(len).max(history.min(len)),
        None => len,
    };
    let rows: Vec<usize> = if big {
        touching_rows(app, &cols, end, history)
    } else {
        (end.saturating_sub(history)..end).collect()
    };
    let start = rows.first().copied().unwrap_or(end);
    let mut lines: Vec<Line> = names_rows(&cols, &groups, inner_w, tall_names)
        .into_iter()
        .map(Row::line)
        .collect();
    for i in rows {
        let Some(e) = sim.entry(i) else { continue };
        let mut row = lifelines(&cols, &groups, inner_w);
        let selected = app.selected_entry == Some(i);
        let current = i + 1 == len;
        event_row(&mut row, &cols, &e, selected, current, inner_w);
        lines.push(row.line());
    }
    if !flights.is_empty() {
        let mut sep = Row::new(inner_w);
        sep.text(0, &format!("in flight (next {}):", flights.len()), dim());
        lines.push(sep.line());
        for f in &flights {
            lines.push(flight_row(&cols, &groups, f, inner_w).line());
        }
    }
    let hidden = if big {
        format!(", {shown}/{nodes} nodes")
    } else if shown < nodes {
        format!(", n{shown}..n{} hidden", nodes - 1)
    } else {
        String::new()
    };
    let steps = match (start, end) {
        (_, 0) => "no steps yet".to_string(),
        (s, e) if s + 1 == e => format!("step {e}"),
        (s, e) => format!("steps {}–{e}", s + 1),
    };
    let mut title = format!(" space-time: {steps}{hidden} (time flows down) ");
    if title.chars().count() + 2 > area.width as usize {
        title = format!(" space-time: {steps}{hidden} ");
    }
    let widget = Paragraph::new(lines).block(panel(title, focused(app, Focus::Events)));
    frame.render_widget(widget, area);
}

/// How far back a big cluster's diagram looks for steps touching a shown
/// node.
const SCAN_BACK: usize = 20_000;

/// Up to `history` kept steps before `end` (oldest first) that touch a
/// shown node or cross every node, looking at most [`SCAN_BACK`] back.
fn touching_rows(app: &App, cols: &Columns, end: usize, history: usize) -> Vec<usize> {
    let sim = app.timeline.sim();
    let shown =
        |e: Option<Endpoint>| matches!(e, Some(Endpoint::Node(n)) if cols.x(n.index()).is_some());
    let mut rows = Vec::with_capacity(history);
    for i in (end.saturating_sub(SCAN_BACK)..end).rev() {
        if rows.len() >= history {
            break;
        }
        let Some(e) = sim.entry(i) else { continue };
        let crosses = matches!(e.kind, "fault" | "control") && e.target.is_none();
        // A delivery's mark sits on its target's column: one from a shown
        // node to a hidden one would be an empty row.
        let from_shown = shown(e.source) && !matches!(e.kind, "deliver" | "drop-down");
        if crosses || shown(e.target) || from_shown {
            rows.push(i);
        }
    }
    rows.reverse();
    rows
}

fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// The column headers: `n0 n1 ...`, or for two-digit node numbers in
/// narrow columns the numbers written downwards (tens, then units).
fn names_rows(cols: &Columns, groups: &[usize], width: usize, tall: bool) -> Vec<Row> {
    let style = |n: usize| Style::new().fg(group_color(groups.get(n).copied().unwrap_or(0)));
    let label = format!("{:>w$}", "step ", w = cols.gutter);
    if !tall {
        let mut row = Row::new(width);
        row.text(0, label.trim_end(), dim());
        for &n in &cols.ids {
            let name = format!("n{n}");
            let x = cols.x(n).unwrap_or(0);
            let left = x.saturating_sub(name.len() / 2);
            row.text(left, &name, style(n));
        }
        return vec![row];
    }
    let (mut tens, mut units) = (Row::new(width), Row::new(width));
    tens.text(0, &format!("{:>w$}", "node ", w = cols.gutter), dim());
    units.text(0, label.trim_end(), dim());
    for &n in &cols.ids {
        let x = cols.x(n).unwrap_or(0);
        if n >= 10 {
            let digit = char::from(b'0' + ((n / 10) % 10) as u8);
            tens.put(x, digit, style(n));
        }
        units.put(x, char::from(b'0' + (n % 10) as u8), style(n));
    }
    vec![tens, units]
}

fn lifelines(cols: &Columns, groups: &[usize], width: usize) -> Row {
    let mut row = Row::new(width);
    for &n in &cols.ids {
        let g = groups.get(n).copied().unwrap_or(0);
        let style = if groups.iter().any(|&g| g > 0) {
            Style::new().fg(group_color(g))
        } else {
            dim()
        };
        row.put(cols.x(n).unwrap_or(0), '│', style);
    }
    row
}

fn arrow(row: &mut Row, from: usize, to: usize, line: char, head: char, style: Style) {
    let (low, high) = (from.min(to), from.max(to));
    for x in low + 1..high {
        row.put(x, line, style);
    }
    let head_x = if to > from { to - 1 } else { to + 1 };
    if head_x != from {
        let head = if to > from { head } else { mirror(head) };
        row.put(head_x, head, style);
    }
}

fn mirror(head: char) -> char {
    match head {
        '▶' => '◀',
        '▷' => '◁',
        other => other,
    }
}

fn event_row(
    row: &mut Row,
    cols: &Columns,
    e: &EntryView,
    selected: bool,
    current: bool,
    width: usize,
) {
    let mut gutter = dim();
    if current {
        gutter = Style::new().fg(Color::White).add_modifier(Modifier::BOLD);
    }
    if selected {
        gutter = gutter.add_modifier(Modifier::REVERSED);
    }
    let digits = cols.gutter.saturating_sub(1);
    row.text(0, &format!("{:>digits$}", e.step), gutter);
    marks(row, cols, e);
    let red = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    for s in &e.sends {
        if matches!(s.outcome, SendOutcome::Lost | SendOutcome::Partitioned) {
            if let Some(x) = cols.endpoint_x(Some(s.to)) {
                if row.cells[x].0 == '│' {
                    row.put(x, '✗', red);
                }
            }
        }
    }
    let label_x = cols.end() + 1;
    let room = width.saturating_sub(label_x);
    let label = clip(&row_label(e, room), room);
    let style = match e.kind {
        "fault" | "held" => Style::new().fg(Color::Yellow),
        "drop-down" => Style::new().fg(Color::Red),
        _ => Style::new().fg(Color::Gray),
    };
    row.text(label_x, &label, style);
}

/// The row's text: the kind, the client involved (clients have no column,
/// so the row names them), and the event's label.
/// In little `room` a delivery's label leaves out its kind (the arrow
/// says it), so the message shows.
fn row_label(e: &EntryView, room: usize) -> String {
    let client = |x: Option<Endpoint>| matches!(x, Some(Endpoint::Client(_)));
    let route = match (e.source, e.target) {
        (Some(s), Some(t)) if client(Some(s)) || client(Some(t)) => format!("{s}→{t} "),
        (None, Some(t)) if client(Some(t)) => format!("{t} "),
        (Some(s), None) if client(Some(s)) => format!("{s} "),
        _ => String::new(),
    };
    if e.kind == "deliver" && room < 24 {
        return e.summary.clone();
    }
    format!("{} {route}{}", e.kind, e.summary)
}

/// The event's marks on the node lines: arrows, glyphs, fault crossings.
fn marks(row: &mut Row, cols: &Columns, e: &EntryView) {
    let source = cols.endpoint_x(e.source);
    let target = cols.endpoint_x(e.target);
    let cyan = Style::new().fg(Color::Cyan);
    let red = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    match e.kind {
        "deliver" | "drop-down" => {
            let style = if e.kind == "deliver" { cyan } else { red };
            if let (Some(a), Some(b)) = (source, target) {
                arrow(row, a, b, '─', '▶', style);
                row.put(a, '○', style);
            }
            let mark = if e.kind == "deliver" { '●' } else { '✗' };
            if let Some(b) = target {
                row.put(b, mark, style);
            }
        }
        "fault" | "control" if e.target.is_none() => {
            let style = Style::new().fg(Color::Yellow);
            for x in cols.gutter..cols.end() {
                if row.cells[x].0 == ' ' {
                    row.put(x, '┄', style);
                } else {
                    row.put(x, '┼', style);
                }
            }
        }
        kind => {
            let (x, mark, style) = match kind {
                "timer" => (target, '◆', Style::new().fg(Color::Blue)),
                "start" => (target, '▲', Style::new().fg(Color::Green)),
                "request" | "invoke" => (target, '◇', Style::new().fg(Color::Gray)),
                "reply" => (source, '◁', Style::new().fg(Color::Gray)),
                "held" => (target, '‖', Style::new().fg(Color::Yellow)),
                _ => (None, ' ', Style::new()),
            };
            if let Some(x) = x {
                row.put(x, mark, style);
            }
        }
    }
}

fn flight_row(cols: &Columns, groups: &[usize], f: &FlightView, width: usize) -> Row {
    let mut row = lifelines(cols, groups, width);
    let style = Style::new().fg(Color::Cyan).add_modifier(Modifier::DIM);
    let from = cols.endpoint_x(Some(f.from));
    let to = cols.endpoint_x(Some(f.to));
    match (from, to) {
        (Some(a), Some(b)) => {
            arrow(&mut row, a, b, '┄', '▷', style);
            row.put(a, '○', style);
        }
        (None, Some(b)) => row.put(b, '◇', style),
        (Some(a), None) => row.put(a, '◁', style),
        (None, None) => {}
    }
    let label_x = cols.end() + 1;
    let text = format!(
        "#{} {}→{} {} due {}",
        f.msg_id, f.from, f.to, f.summary, f.arrives
    );
    row.text(label_x, &clip(&text, width.saturating_sub(label_x)), dim());
    row
}
