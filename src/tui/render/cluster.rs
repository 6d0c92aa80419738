//! The cluster panel: every node (up/down, partition group, role, summary)
//! and every client.

use super::super::app::{App, Focus};
use super::{clip, focused, group_color, group_letter, panel};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draw the cluster panel.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let sim = app.timeline.sim();
    let groups = sim.partition_groups();
    let split = groups.iter().any(|&g| g > 0);
    let width = area.width.saturating_sub(2) as usize;
    let id_width = sim
        .nodes()
        .iter()
        .map(|v| v.id.to_string().len())
        .max()
        .unwrap_or(2);
    let mut lines: Vec<Line> = Vec::new();
    for view in sim.nodes() {
        let i = view.id.index();
        let selected = i == app.selected_node;
        let marker = if selected { "▸" } else { " " };
        let (state, state_style) = if view.paused_until.is_some() {
            (
                "‖",
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            )
        } else if view.up {
            ("●", Style::new().fg(Color::Green))
        } else {
            (
                "✖",
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            )
        };
        let g = groups.get(i).copied().unwrap_or(0);
        // The group letter only while the network is split.
        let group = if split {
            format!("[{}] ", group_letter(g))
        } else {
            String::new()
        };
        // A summary that starts with the role says it already (Raft's
        // "LEADER t3 ...", "pre-candidate t2 ..."): no role column then.
        let role = view.role.clone().unwrap_or_default();
        let role = if says_role(&view.summary, &role) {
            String::new()
        } else {
            role
        };
        let summary = match view.paused_until {
            Some(until) => format!("paused until {until}; {}", view.summary),
            None => view.summary.clone(),
        };
        let summary = match &view.service {
            Some(load) => format!("[{load}] {summary}"),
            None => summary,
        };
        let head = format!("{marker}{:<id_width$} ", view.id.to_string());
        let role = if role.is_empty() {
            role
        } else {
            format!("{} ", clip(&role, 10))
        };
        let used = head.chars().count() + 2 + group.chars().count() + role.chars().count();
        let summary = clip(&summary, width.saturating_sub(used));
        let name_style = if selected {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(head, name_style),
            Span::styled(format!("{state} "), state_style),
            Span::styled(group, Style::new().fg(group_color(g))),
            Span::styled(role, Style::new().fg(Color::Yellow)),
            Span::raw(summary),
        ]));
    }
    for client in sim.clients() {
        let text = format!(
            " {:<id_width$} → {}  {}",
            client.id.to_string(),
            client.target,
            client.pending.as_deref().unwrap_or("idle")
        );
        lines.push(Line::styled(
            clip(&text, width),
            Style::new().fg(Color::Gray),
        ));
    }
    let height = area.height.saturating_sub(2) as usize;
    let scroll = app.selected_node.saturating_sub(height.saturating_sub(1));
    let title = format!(
        " cluster: {} nodes, {} clients ",
        sim.node_count(),
        sim.clients().len()
    );
    let widget = Paragraph::new(lines)
        .block(panel(title, focused(app, Focus::Cluster)))
        .scroll((scroll as u16, 0));
    frame.render_widget(widget, area);
}

/// Whether `summary`'s first word names the role (`follower ...`,
/// `LEADER ...`, `pre-candidate ...` for the role `candidate`).
fn says_role(summary: &str, role: &str) -> bool {
    let first = summary.split_whitespace().next().unwrap_or("");
    !role.is_empty() && first.to_lowercase().ends_with(&role.to_lowercase())
}
