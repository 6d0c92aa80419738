//! The key help line (or the open prompt) and the `?` overlay.

use super::super::action::{Mode, KEYS, LEGEND};
use super::super::app::App;
use super::clip;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// The short key list shown at the bottom.
const LINE: &str = "space run  n/→ step  b/← back  +/- speed  g goto  j/k select  tab panel  c crash  r restart  i isolate  p partition  h heal  l loss  s save  / filter  e unfold  ? help  q quit";

/// Draw the bottom line: the prompt when one is open, else the status and
/// the key help.
pub fn render_line(app: &App, frame: &mut Frame, area: Rect) {
    let line = match &app.mode {
        Mode::Prompt(kind) => Line::from(vec![
            Span::styled(
                format!(" {}: ", kind.question()),
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!("{}█", app.prompt)),
            Span::styled("  (enter ok, esc cancel)", Style::new().fg(Color::DarkGray)),
        ]),
        _ => Line::from(vec![
            Span::styled(
                format!(" {} ", app.status()),
                Style::new().fg(Color::Black).bg(Color::Gray),
            ),
            Span::styled(format!(" {LINE}"), Style::new().fg(Color::DarkGray)),
        ]),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Draw the help overlay over `area`: the keys in two columns, then the
/// legend of the diagram's and the cluster's symbols, in two columns too
/// (it fits an 80×24 terminal).
pub fn render_overlay(frame: &mut Frame, area: Rect) {
    let column = 38usize;
    let keys = pairs(KEYS, 10, column);
    let legend = pairs(LEGEND, 8, column);
    let mut lines: Vec<Line> = Vec::new();
    lines.extend(keys);
    lines.push(Line::styled(
        " symbols",
        Style::new().fg(Color::Gray).add_modifier(Modifier::BOLD),
    ));
    lines.extend(legend);
    lines.push(Line::styled(
        " any key closes this help",
        Style::new().fg(Color::DarkGray),
    ));
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = (2 * column as u16 + 2).min(area.width);
    let [_, middle, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, boxed, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(width),
        Constraint::Fill(1),
    ])
    .areas(middle);
    let block = Block::bordered()
        .title(" keys and symbols ")
        .border_style(Style::new().fg(Color::Cyan));
    frame.render_widget(Clear, boxed);
    frame.render_widget(Paragraph::new(lines).block(block), boxed);
}

/// `(name, meaning)` pairs laid out two per line, down the first column
/// then the second; each cell `column` wide with the name in `name_width`.
fn pairs(items: &[(&str, &str)], name_width: usize, column: usize) -> Vec<Line<'static>> {
    let rows = items.len().div_ceil(2);
    let cell = |i: usize| -> Vec<Span<'static>> {
        let Some((name, what)) = items.get(i) else {
            return Vec::new();
        };
        let what_width = column.saturating_sub(name_width + 1);
        vec![
            Span::styled(
                format!(" {name:<name_width$}"),
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!("{:<what_width$}", clip(what, what_width))),
        ]
    };
    (0..rows)
        .map(|r| {
            let mut spans = cell(r);
            spans.extend(cell(r + rows));
            Line::from(spans)
        })
        .collect()
}
