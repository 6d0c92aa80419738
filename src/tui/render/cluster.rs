//! The cluster panel: every node (up/down, partition group, role, summary)
//! and every client; above [`BIG_CLUSTER`](super::super::app::BIG_CLUSTER)
//! nodes a summary instead (counts
//! by state, partition group, role and summary line) and only the
//! selected, picked (`o`) and busiest nodes.

use super::super::app::{App, Focus};
use super::{clip, focused, group_color, group_letter, panel};
use crate::sim::NodeView;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::collections::BTreeMap;

/// Draw the cluster panel.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    if app.is_big_cluster() {
        return render_big(app, frame, area);
    }
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
        let selected = view.id.index() == app.selected_node;
        let look = Look {
            groups: &groups,
            split,
            id_width,
            width,
        };
        lines.push(node_line(&view, selected, &look));
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

/// How node lines are laid out.
struct Look<'a> {
    groups: &'a [usize],
    split: bool,
    id_width: usize,
    width: usize,
}

/// One node's line: marker, id, state, group, role, summary.
fn node_line(view: &NodeView, selected: bool, look: &Look) -> Line<'static> {
    let (groups, split, id_width, width) = (look.groups, look.split, look.id_width, look.width);
    let i = view.id.index();
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
    Line::from(vec![
        Span::styled(head, name_style),
        Span::styled(format!("{state} "), state_style),
        Span::styled(group, Style::new().fg(group_color(g))),
        Span::styled(role, Style::new().fg(Color::Yellow)),
        Span::raw(summary),
    ])
}

/// `a 3, b 1`: counts, largest first (ties by name), at most `max`, then
/// `+K more`.
fn counts_text(counts: BTreeMap<String, usize>, max: usize) -> String {
    let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let more = counts.len().saturating_sub(max);
    let mut parts: Vec<String> = counts
        .into_iter()
        .take(max)
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    if more > 0 {
        parts.push(format!("+{more} more"));
    }
    parts.join(", ")
}

/// The panel of a big cluster: counts, the commonest summary lines, then
/// the selected, picked and busiest nodes, one line each.
fn render_big(app: &App, frame: &mut Frame, area: Rect) {
    let sim = app.timeline.sim();
    let groups = sim.partition_groups();
    let split = groups.iter().any(|&g| g > 0);
    let width = area.width.saturating_sub(2) as usize;
    let height = area.height.saturating_sub(2) as usize;
    let views = sim.node_lines();
    let (mut up, mut down, mut paused) = (0, 0, 0);
    let mut roles: BTreeMap<String, usize> = BTreeMap::new();
    let mut summaries: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_group: BTreeMap<String, usize> = BTreeMap::new();
    for v in &views {
        match (v.up, v.paused_until.is_some()) {
            (false, _) => down += 1,
            (true, true) => paused += 1,
            (true, false) => up += 1,
        }
        if let Some(role) = &v.role {
            *roles.entry(role.clone()).or_default() += 1;
        }
        *summaries.entry(v.summary.clone()).or_default() += 1;
        if split {
            let g = groups.get(v.id.index()).copied().unwrap_or(0);
            *by_group
                .entry(format!("[{}]", group_letter(g)))
                .or_default() += 1;
        }
    }
    let dim = Style::new().fg(Color::Gray);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = vec![Line::styled(
        clip(&format!("{up} up, {down} crashed, {paused} paused"), width),
        bold,
    )];
    if split {
        let text = format!("groups: {}", counts_text(by_group, 6));
        lines.push(Line::raw(clip(&text, width)));
    }
    if !roles.is_empty() {
        let text = format!("roles: {}", counts_text(roles, 6));
        lines.push(Line::raw(clip(&text, width)));
    }
    let mut common: Vec<(String, usize)> = summaries.into_iter().collect();
    common.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let distinct = common.len();
    lines.push(Line::styled(
        clip(&format!("{distinct} distinct summaries; commonest:"), width),
        dim,
    ));
    for (text, n) in common.iter().take(3) {
        lines.push(Line::raw(clip(&format!(" {n:>5} × {text}"), width)));
    }
    lines.push(Line::styled(
        clip("selected, picked (o) and busiest nodes:", width),
        dim,
    ));
    let room = height.saturating_sub(lines.len());
    let id_width = sim.node_count().saturating_sub(1).to_string().len() + 1;
    let look = Look {
        groups: &groups,
        split,
        id_width,
        width,
    };
    for n in app.shown_nodes(room) {
        if let Some(view) = views.get(n) {
            lines.push(node_line(view, n == app.selected_node, &look));
        }
    }
    let title = format!(
        " cluster: {} nodes (summary), {} clients ",
        sim.node_count(),
        sim.clients().len()
    );
    let widget = Paragraph::new(lines).block(panel(title, focused(app, Focus::Cluster)));
    frame.render_widget(widget, area);
}
