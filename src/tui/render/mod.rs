//! Drawing: every function takes `&App` and a frame; nothing here changes
//! state.

mod cluster;
mod diagram;
mod header;
mod help;
mod inspector;
mod log;

use super::action::Mode;
use super::app::{App, Focus};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

/// Below this size the screen says so instead of drawing.
pub const MIN_WIDTH: u16 = 60;
/// Below this size the screen says so instead of drawing.
pub const MIN_HEIGHT: u16 = 16;

/// Draw the whole app.
pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(app, frame, head);
    // Narrow terminals give the cluster a little more: its rows carry the
    // numbers a learner reads (term, commit, applied).
    let left_share = if area.width < 100 { 55 } else { 40 };
    let [left, right] = Layout::horizontal([
        Constraint::Percentage(left_share),
        Constraint::Percentage(100 - left_share),
    ])
    .areas(body);
    let [cluster_area, inspector_area] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(left);
    let [diagram_area, log_area] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(right);
    cluster::render(app, frame, cluster_area);
    inspector::render(app, frame, inspector_area);
    diagram::render(app, frame, diagram_area);
    log::render(app, frame, log_area);
    help::render_line(app, frame, foot);
    if app.mode == Mode::Help {
        help::render_overlay(frame, body);
    }
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::from("distlab: the terminal is too small"),
        Line::from(format!(
            "need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{}",
            area.width, area.height
        )),
        Line::from("enlarge it, or press q to quit"),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// A panel's frame: bordered, titled, highlighted when focused.
fn panel(title: String, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    Block::bordered()
        .border_style(style)
        .title(Line::styled(title, style))
}

fn focused(app: &App, focus: Focus) -> bool {
    app.focus == focus
}

/// Colour of partition group `g`.
fn group_color(g: usize) -> Color {
    const COLORS: [Color; 6] = [
        Color::Green,
        Color::Yellow,
        Color::Magenta,
        Color::Cyan,
        Color::Blue,
        Color::Red,
    ];
    COLORS[g % COLORS.len()]
}

/// `A`, `B`, ... for partition group `g`.
fn group_letter(g: usize) -> char {
    (b'A' + (g % 26) as u8) as char
}

/// Cut `text` to `width` characters, marking the cut with `…`.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}
