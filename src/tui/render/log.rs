//! The event log: the last events (or those around the selection), filtered
//! with `/`.

use super::super::app::{App, Focus};
use super::{clip, focused, panel};
use crate::sim::{DynSim, EntryView};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draw the event log.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let sim = app.timeline.sim();
    let height = area.height.saturating_sub(2) as usize;
    let width = area.width.saturating_sub(2) as usize;
    let end = window_end(app, height);
    let mut rows = sim.find_entries(end, height, &app.filter);
    rows.reverse();
    let lines: Vec<Line> = rows
        .iter()
        .filter_map(|&i| sim.entry(i).map(|e| (i, e)))
        .map(|(i, e)| {
            let style = row_style(&e, app.selected_entry == Some(i));
            let text = if width < 60 {
                compact_row_text(&e, width >= 45)
            } else {
                row_text(&e)
            };
            Line::styled(clip(&text, width), style)
        })
        .collect();
    let title = if app.filter.is_empty() {
        " events (/ filters) ".to_string()
    } else {
        format!(" events: {} ", app.filter_text)
    };
    let widget = Paragraph::new(lines).block(panel(title, focused(app, Focus::Events)));
    frame.render_widget(widget, area);
}

/// The entry index the visible rows end before: the end of the trace, or a
/// little past the selection so it stays in view.
fn window_end(app: &App, height: usize) -> usize {
    let sim = app.timeline.sim();
    let len = sim.trace_len();
    let Some(selected) = app.selected_entry else {
        return len;
    };
    let after = newer_matches(sim, selected, height / 2, &app.filter);
    after.map_or(selected + 1, |i| i + 1).min(len)
}

/// The `count`-th matching entry after `from`, or the last one found.
fn newer_matches(
    sim: &dyn DynSim,
    from: usize,
    count: usize,
    filter: &crate::sim::EntryFilter,
) -> Option<usize> {
    (from + 1..sim.trace_len())
        .filter(|&j| sim.entry_matches(j, filter))
        .take(count)
        .last()
}

fn route(e: &EntryView) -> String {
    match (e.source, e.target) {
        (Some(s), Some(t)) => format!("{s}→{t}"),
        (None, Some(t)) => t.to_string(),
        (Some(s), None) => format!("{s}→"),
        (None, None) => "-".into(),
    }
}

/// The row for a narrow log (an 80-column terminal): no padding beyond
/// what lines the columns up, and the time only when there is room (the
/// inspector shows it), so the label shows.
/// `  412 103.817ms deliver n1→n2 Gossip([14])`, `  412 deliver n1→n2 ...`
fn compact_row_text(e: &EntryView, with_time: bool) -> String {
    let time = if with_time {
        format!(" {:>9}", e.time.to_string())
    } else {
        String::new()
    };
    format!("{:>5}{time} {} {} {}", e.step, e.kind, route(e), e.summary)
}

/// `   412   103.817ms deliver   n1→n2  Gossip([14])`
pub fn row_text(e: &EntryView) -> String {
    let route = route(e);
    format!(
        "{:>7} {:>11} {:<9} {:<8} {}",
        e.step,
        e.time.to_string(),
        e.kind,
        route,
        e.summary
    )
}

fn row_style(e: &EntryView, selected: bool) -> Style {
    let style = match e.kind {
        "fault" | "held" => Style::new().fg(Color::Yellow),
        "drop-down" => Style::new().fg(Color::Red),
        "control" | "client-timeout" => Style::new().fg(Color::Magenta),
        "invoke" | "reply" | "request" => Style::new().fg(Color::Gray),
        _ => Style::new(),
    };
    if selected {
        style.add_modifier(Modifier::REVERSED)
    } else {
        style
    }
}
