//! The inspector: the selected node's state (its protocol's labelled view,
//! [`crate::sim::Node::inspect`]), the selected event with its message's
//! fields, or the failed check's explanation. `e` unfolds long lists and
//! folded sections.

use super::super::app::{App, Focus, Inspect};
use super::{focused, panel};
use crate::base::inspect::{self, SpanKind, View};
use crate::sim::{EntryView, NodeId, SendOutcome};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// Draw the inspector.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width.saturating_sub(2));
    let (title, lines) = match (app.inspect, app.selected_entry) {
        (Inspect::Check, _) => check_lines(app, width),
        (Inspect::Entry, Some(i)) => match app.timeline.sim().entry(i) {
            Some(e) => (
                format!(" inspector: step {} ", e.step),
                entry_lines(&e, width, app.inspector_expanded),
            ),
            None => node_lines(app, width),
        },
        _ => node_lines(app, width),
    };
    let widget = Paragraph::new(lines)
        .block(panel(title, focused(app, Focus::Inspector)))
        .wrap(Wrap { trim: false })
        .scroll((app.inspector_scroll, 0));
    frame.render_widget(widget, area);
}

fn node_lines(app: &App, width: usize) -> (String, Vec<Line<'static>>) {
    let node = NodeId(app.selected_node as u32);
    let Some(view) = app.timeline.sim().node_view(node) else {
        return (" inspector ".into(), Vec::new());
    };
    let mut lines = vec![Line::styled(
        format!(
            "{} {}{} local clock {}",
            view.id,
            if view.up { "up" } else { "DOWN" },
            view.role
                .as_ref()
                .map(|r| format!(" {r}"))
                .unwrap_or_default(),
            view.local_time
        ),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    lines.extend(view_lines(&view.view, width, app.inspector_expanded));
    (format!(" inspector: {} ", view.id), lines)
}

/// A labelled view, laid out for `width` columns and styled: titles bold,
/// labels cyan, fold markers grey.
fn view_lines(view: &View, width: usize, expanded: bool) -> Vec<Line<'static>> {
    inspect::lines(view, width, expanded)
        .into_iter()
        .map(|line| {
            let spans: Vec<Span<'static>> = line
                .spans
                .into_iter()
                .map(|span| {
                    let style = match span.kind {
                        SpanKind::Title => Style::new().add_modifier(Modifier::BOLD),
                        SpanKind::Label => Style::new().fg(Color::Cyan),
                        SpanKind::Value => Style::new(),
                        SpanKind::Hint => Style::new().fg(Color::DarkGray),
                    };
                    Span::styled(span.text, style)
                })
                .collect();
            Line::from(spans)
        })
        .collect()
}

fn entry_lines(e: &EntryView, width: usize, expanded: bool) -> Vec<Line<'static>> {
    let endpoint = |x: Option<crate::sim::Endpoint>| x.map_or("-".to_string(), |x| x.to_string());
    let mut lines = vec![
        Line::styled(
            format!("step {} at {}: {}", e.step, e.time, e.kind),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Line::raw(format!("{} → {}", endpoint(e.source), endpoint(e.target))),
    ];
    if let Some(id) = e.msg_id {
        let sent = e
            .sent_at
            .map(|t| format!(", sent at {t}"))
            .unwrap_or_default();
        lines.push(Line::raw(format!("message #{id}{sent}")));
    }
    match &e.view {
        Some(view) => lines.extend(view_lines(view, width, expanded)),
        None => lines.push(Line::raw(e.label.clone())),
    }
    if !e.sends.is_empty() {
        lines.push(Line::styled("sends:", Style::new().fg(Color::Cyan)));
    }
    for s in &e.sends {
        let fate = match s.outcome {
            SendOutcome::Scheduled(at) => format!("arrives {at}"),
            SendOutcome::Duplicated(a, b) => format!("arrives {a} and {b} (duplicated)"),
            SendOutcome::Lost => "LOST".into(),
            SendOutcome::Partitioned => "DROPPED by a partition".into(),
        };
        lines.push(Line::raw(format!(
            "  #{} {} → {}: {fate}",
            s.msg_id, s.from, s.to
        )));
    }
    for note in &e.annotations {
        lines.push(Line::styled(
            format!("log: {note}"),
            Style::new().fg(Color::Gray),
        ));
    }
    lines
}

fn check_lines(app: &App, width: usize) -> (String, Vec<Line<'static>>) {
    if let Some(p) = app.timeline.sim().panic() {
        return panic_lines(p, app.timeline.sim().steps());
    }
    let Some((name, why, step)) = app.failed_check() else {
        return node_lines(app, width);
    };
    let red = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    let when = match step {
        Some(s) => format!("at step {s}"),
        None => "at the end of the run".into(),
    };
    let mut lines = vec![Line::styled(format!("✗ check `{name}` failed {when}"), red)];
    lines.extend(why.lines().map(|l| Line::raw(l.to_string())));
    lines.push(Line::raw(""));
    let hint = match app.timeline.explored_position() {
        Some((_, all)) => {
            format!("found by distlab explore: b steps back through its {all} choice(s), n forward")
        }
        None => "b steps back before the failure; s saves a replay file".into(),
    };
    lines.push(Line::styled(hint, Style::new().fg(Color::Gray)));
    (format!(" inspector: {name} "), lines)
}

/// A panic in protocol code: where in the run, where in the source, the
/// message.
fn panic_lines(p: &crate::sim::PanicReport, step: u64) -> (String, Vec<Line<'static>>) {
    let red = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    let gray = Style::new().fg(Color::Gray);
    let mut lines = vec![Line::styled(
        format!("✗ {} panicked at step {step}", p.site),
        red,
    )];
    if let Some(at) = &p.location {
        lines.push(Line::styled(
            format!("at {at}"),
            Style::new().fg(Color::Yellow),
        ));
    }
    lines.extend(p.message.lines().map(|l| Line::raw(l.to_string())));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "the run stops here: the world may be half-updated",
        gray,
    ));
    lines.push(Line::styled(
        "b steps back before the panic; s saves a replay file",
        gray,
    ));
    (" inspector: panic ".into(), lines)
}
