//! The key help line (or the open prompt) and the `?` overlay.

use super::super::action::{Mode, KEYS};
use super::super::app::App;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// The short key list shown at the bottom.
const LINE: &str = "space run  n/→ step  b/← back  +/- speed  g goto  j/k select  tab panel  c crash  r restart  i isolate  p partition  h heal  l loss  s save  / filter  ? help  q quit";

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

/// Draw the help overlay over `area`.
pub fn render_overlay(frame: &mut Frame, area: Rect) {
    let height = (KEYS.len() as u16 + 4).min(area.height);
    let width = 64.min(area.width);
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
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(
                    format!(" {keys:<12}"),
                    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                ),
                Span::raw((*what).to_string()),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        " any key closes this help",
        Style::new().fg(Color::DarkGray),
    ));
    let block = Block::bordered()
        .title(" keys ")
        .border_style(Style::new().fg(Color::Cyan));
    frame.render_widget(Clear, boxed);
    frame.render_widget(Paragraph::new(lines).block(block), boxed);
}
