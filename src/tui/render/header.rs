//! The header: scenario, seed, time, step, play state, checks badge, network,
//! recorded actions (or, on an explored path, the choices applied).

use super::super::app::{speed_label, App, SPEEDS};
use crate::sim::trace::format_hash;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draw the two header lines.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let sim = app.timeline.sim();
    let failed = app.failed_check();
    let base = match failed {
        Some(_) => Style::new().bg(Color::Red).fg(Color::White),
        None => Style::new().bg(Color::Blue).fg(Color::White),
    };
    let play = if app.seek_active() {
        "⏩ seeking".to_string()
    } else if app.playing {
        format!("▶ running {}", speed_label(SPEEDS[app.speed]))
    } else {
        format!("⏸ paused {}", speed_label(SPEEDS[app.speed]))
    };
    let badge = checks_badge(app, failed.as_ref());
    let first = Line::from(vec![
        Span::styled(" distlab │ ", base.add_modifier(Modifier::BOLD)),
        Span::styled(badge, base.add_modifier(Modifier::BOLD)),
        Span::styled(
            format!(
                " │ step {} │ t={} │ {play} │ {} seed {}",
                sim.steps(),
                sim.now(),
                sim.name(),
                sim.seed(),
            ),
            base,
        ),
    ]);
    let c = sim.counters();
    let ahead = app.timeline.actions_ahead();
    let recorded = app.timeline.injected().len();
    let mut actions = format!("actions {recorded}");
    if ahead > 0 {
        actions.push_str(&format!(" ({ahead} ahead: replaying, x forks)"));
    }
    if let Some((done, all)) = app.timeline.explored_position() {
        actions = format!("explored choice {done}/{all}");
    }
    let second = Line::from(vec![Span::styled(
        format!(
            " net {} │ loss {} │ msgs sent {} delivered {} dropped {} │ {actions} │ hash {}",
            sim.network_description(),
            sim.loss(),
            c.sent,
            c.delivered,
            c.dropped,
            format_hash(sim.trace_hash())
        ),
        Style::new().fg(Color::Gray),
    )]);
    let first = first.style(base);
    frame.render_widget(Paragraph::new(vec![first, second]), area);
}

/// The checks of an ended run that could not decide: such a run is no
/// pass (the verdict `unknown`, or a pass the scenario allows), and the
/// badge must not say "passed".
fn undecided(app: &App) -> Vec<String> {
    let sim = app.timeline.sim();
    sim.check_results().map_or_else(Vec::new, |checks| {
        checks
            .iter()
            .filter(|c| matches!(c.outcome, crate::check::Outcome::Unknown(_)))
            .map(|c| c.name.clone())
            .collect()
    })
}

fn checks_badge(app: &App, failed: Option<&(String, String, Option<u64>)>) -> String {
    let sim = app.timeline.sim();
    // Every check `run` lists: the monitors and the invariants.
    let count = sim.check_count();
    if let (Some(p), Some((_, _, Some(step)))) = (sim.panic(), failed) {
        let site = p.site.split('(').next().unwrap_or(&p.site).trim_end();
        return format!("✗ PANIC in {site} (step {step})");
    }
    match (failed, app.ended.is_some()) {
        (Some((name, _, Some(step))), _) => format!("✗ FAILED {name} (step {step})"),
        (Some((name, _, None)), _) => format!("✗ FAILED {name} (at the end)"),
        (None, true) => match undecided(app).as_slice() {
            [] => format!("✓ all {count} checks passed"),
            names => format!("? UNKNOWN: {} could not decide", names.join(", ")),
        },
        (None, false) => format!("✓ {count} checks ok so far"),
    }
}
