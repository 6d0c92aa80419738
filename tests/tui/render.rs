//! The TUI's screens, rendered into ratatui's TestBackend and pinned with
//! insta at two sizes (the trace hash is masked).

use crate::support::tui::{failing_session, screen, session};
use distlab::tui::{Action, App, PromptKind};

const SCENARIO: &str = "scenarios/broadcast-partition.toml";
const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn steps(app: &mut App, n: u64) {
    for _ in 0..n {
        app.apply(Action::StepForward);
    }
}

fn check(name: &str, app: &App) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(app, w, h));
    }
}

#[test]
fn first_frame() {
    check("first_frame", &session(SCENARIO));
}

#[test]
fn after_50_steps() {
    let mut app = session(SCENARIO);
    steps(&mut app, 50);
    check("after_50_steps", &app);
}

#[test]
fn after_a_partition() {
    let mut app = session(SCENARIO);
    steps(&mut app, 50);
    app.apply(Action::OpenPrompt(PromptKind::Partition));
    for c in "0 1 2 3 | 4 5 6 7 8".chars() {
        app.apply(Action::PromptInput(c));
    }
    app.apply(Action::PromptSubmit);
    steps(&mut app, 12);
    check("after_a_partition", &app);
}

#[test]
fn at_an_invariant_failure() {
    let mut app = failing_session();
    app.apply(Action::TogglePlay);
    app.apply(Action::Tick(10_000));
    check("at_an_invariant_failure", &app);
}

#[test]
fn with_an_event_selected() {
    let mut app = session(SCENARIO);
    steps(&mut app, 80);
    app.apply(Action::NextPanel);
    for _ in 0..3 {
        app.apply(Action::SelectPrev);
    }
    check("with_an_event_selected", &app);
}

#[test]
fn help_overlay() {
    let mut app = session(SCENARIO);
    app.apply(Action::ToggleHelp);
    check("help_overlay", &app);
}

#[test]
fn too_small_terminal() {
    let app = session(SCENARIO);
    for (w, h) in [(50, 12), (100, 10)] {
        insta::assert_snapshot!(format!("too_small_{w}x{h}"), screen(&app, w, h));
    }
}

#[test]
fn the_checks_badge_counts_every_check_run_reports() {
    // Raft has monitors (stateful `always` checks) besides its invariants:
    // the badge once counted only the invariants ("5 checks" where `run`
    // lists 14).
    let path = "scenarios/raft-basic.toml";
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let mut sim = distlab::registry::build(
        &distlab::testing::load(full),
        &distlab::scenario::engine::BuildOptions::default(),
    )
    .expect("the scenario builds");
    let reported = sim.run().checks.len();
    let app = session(path);
    let text = screen(&app, 160, 40);
    let badge = format!("✓ {reported} checks ok so far");
    assert!(text.contains(&badge), "no `{badge}` in:\n{text}");
}
