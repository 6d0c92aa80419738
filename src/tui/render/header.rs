//! The header: scenario, seed, time, step, play state, checks badge, network,
//! recorded actions (or, on an explored path, the choices applied).

use super::super::app::{speed_label, App, SPEEDS};
use super::clip;
use crate::sim::trace::format_hash;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draw the two header lines. Each has a long form and shorter ones; the
/// first that fits the width is drawn, so an 80-column terminal still shows
/// the step, the time, the scenario and the trace hash.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let sim = app.timeline.sim();
    let width = area.width as usize;
    let failed = app.failed_check();
    let base = match failed {
        Some(_) => Style::new().bg(Color::Red).fg(Color::White),
        None => Style::new().bg(Color::Blue).fg(Color::White),
    };
    let speed = speed_label(SPEEDS[app.speed]);
    let (play, short_play) = if app.seek_active() {
        ("⏩ seeking".to_string(), "⏩".to_string())
    } else if app.playing {
        (format!("▶ running {speed}"), format!("▶ {speed}"))
    } else {
        (format!("⏸ paused {speed}"), format!("⏸ {speed}"))
    };
    let (badge, short_badge) = checks_badge(app, failed.as_ref());
    let step = format!("step {} │ t={}", sim.steps(), sim.now());
    let run = format!("{} seed {}", sim.name(), sim.seed());
    let firsts = [
        (
            " distlab │ ",
            badge.clone(),
            format!(" │ {step} │ {play} │ {run}"),
        ),
        (
            " ",
            badge.clone(),
            format!(" │ {step} │ {short_play} │ {run}"),
        ),
        (
            " ",
            short_badge.clone(),
            format!(" │ {step} │ {short_play} │ {run}"),
        ),
        (" ", short_badge, format!(" │ {step} │ {run}")),
    ];
    let fits = |(a, b, c): &(&str, String, String)| {
        a.chars().count() + b.chars().count() + c.chars().count() <= width
    };
    let (lead, badge, rest) = firsts
        .iter()
        .find(|f| fits(f))
        .unwrap_or(&firsts[firsts.len() - 1])
        .clone();
    let rest = clip(
        &rest,
        width.saturating_sub(lead.chars().count() + badge.chars().count()),
    );
    let first = Line::from(vec![
        Span::styled(lead, base.add_modifier(Modifier::BOLD)),
        Span::styled(badge, base.add_modifier(Modifier::BOLD)),
        Span::styled(rest, base),
    ])
    .style(base);
    let second = Line::from(vec![Span::styled(
        second_line(app, width),
        Style::new().fg(Color::Gray),
    )]);
    frame.render_widget(Paragraph::new(vec![first, second]), area);
}

/// `net … │ loss … │ msgs … │ actions … │ hash …`: the hash and the actions
/// always show; the network's description is shortened first.
fn second_line(app: &App, width: usize) -> String {
    let sim = app.timeline.sim();
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
    let hash = format_hash(sim.trace_hash());
    let net = sim.network_description();
    let groups = {
        let mut g = sim.partition_groups();
        g.sort_unstable();
        g.dedup();
        g.len()
    };
    let (short_net, shortest_net) = if groups > 1 {
        (
            format!("split in {groups} ([A] [B] in the cluster)"),
            format!("split in {groups}"),
        )
    } else {
        (net.clone(), net.clone())
    };
    let loss = sim.loss().to_string();
    let msgs = format!(
        "msgs sent {} delivered {} dropped {}",
        c.sent, c.delivered, c.dropped
    );
    let short_msgs = format!("sent {} dlvd {} drop {}", c.sent, c.delivered, c.dropped);
    let tail = format!(" │ {actions} │ hash {hash}");
    let long_loss = format!(" │ loss {loss}");
    // Loss is worth its room only when there is some.
    let short_loss = if loss == "0" {
        String::new()
    } else {
        long_loss.clone()
    };
    let candidates = [
        format!(" net {net}{long_loss} │ {msgs}{tail}"),
        format!(" net {short_net}{long_loss} │ {msgs}{tail}"),
        format!(" net {short_net}{short_loss} │ {short_msgs}{tail}"),
        format!(" net {shortest_net}{short_loss} │ {short_msgs}{tail}"),
    ];
    if let Some(line) = candidates.iter().find(|l| l.chars().count() <= width) {
        return line.clone();
    }
    // Still too wide: cut the network's description, keep the rest.
    let fixed = format!("{short_loss} │ {short_msgs}{tail}");
    let room = width.saturating_sub(fixed.chars().count() + 5);
    let line = format!(" net {}{fixed}", clip(&shortest_net, room.max(1)));
    clip(&line, width)
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

/// The checks badge, long and short (`✓ 5 checks ok so far`, `✓ 5 ok`).
fn checks_badge(app: &App, failed: Option<&(String, String, Option<u64>)>) -> (String, String) {
    let sim = app.timeline.sim();
    // Every check `run` lists: the monitors and the invariants.
    let count = sim.check_count();
    if let (Some(p), Some((_, _, Some(step)))) = (sim.panic(), failed) {
        let site = p.site.split('(').next().unwrap_or(&p.site).trim_end();
        let text = format!("✗ PANIC in {site} (step {step})");
        return (text.clone(), text);
    }
    match (failed, app.ended.is_some()) {
        (Some((name, _, Some(step))), _) => {
            let text = format!("✗ FAILED {name} (step {step})");
            (text.clone(), text)
        }
        (Some((name, _, None)), _) => {
            let text = format!("✗ FAILED {name} (at the end)");
            (text.clone(), text)
        }
        (None, true) => match undecided(app).as_slice() {
            [] => (
                format!("✓ all {count} checks passed"),
                format!("✓ {count} checks passed"),
            ),
            names => (
                format!("? UNKNOWN: {} could not decide", names.join(", ")),
                format!("? UNKNOWN: {}", names.join(", ")),
            ),
        },
        (None, false) => (
            format!("✓ {count} checks ok so far"),
            format!("✓ {count} checks ok"),
        ),
    }
}
