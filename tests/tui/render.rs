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

/// A session of `path` with `nodes` nodes instead of the file's.
fn session_with_nodes(path: &str, nodes: u32) -> App {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let overrides = distlab::scenario::Overrides {
        nodes: Some(nodes),
        ..Default::default()
    };
    let scenario = distlab::scenario::load(full.as_ref(), &overrides).expect("loads");
    let options = distlab::scenario::engine::BuildOptions {
        trace_level: distlab::sim::TraceLevel::Full,
    };
    let sim = distlab::registry::build(&scenario, &options).expect("builds");
    App::new(distlab::sim::Timeline::new(sim, 64))
}

/// The header's two lines, the cluster rows, the diagram: what issue 19
/// saw cut or repeated on Raft at 120 and 80 columns.
#[test]
fn raft_rows_and_header_fit() {
    let mut app = session("scenarios/raft-basic.toml");
    steps(&mut app, 400);
    check("raft_after_400_steps", &app);
    for (w, h) in SIZES {
        let text = screen(&app, w, h);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].contains("hash 0x#"),
            "{w}: no hash in {:?}",
            lines[1]
        );
        assert!(!text.contains("follower follower"), "{text}");
        assert!(!text.contains("leader LEADER"), "{text}");
        assert!(text.contains("commit"), "{text}");
    }
    // Every node row shows its commit and applied index in full, at both
    // sizes, also once they have three digits.
    applied_in_full(&app);
    steps(&mut app, 4000);
    applied_in_full(&app);
}

/// Each node's "applied N" (from its summary) is on its cluster row whole.
fn applied_in_full(app: &App) {
    let sim = app.timeline().sim();
    for (w, h) in SIZES {
        let text = screen(app, w, h);
        for view in sim.nodes() {
            let summary = &view.summary;
            let words: Vec<&str> = summary.split_whitespace().collect();
            let at = words
                .iter()
                .position(|w| *w == "applied")
                .expect("Raft's summary");
            let applied = format!("applied {}", words[at + 1]);
            let row = text
                .lines()
                .find(|l| l.contains(&format!("{} ● ", view.id)))
                .unwrap_or_else(|| panic!("no row for {} in\n{text}", view.id));
            assert!(row.contains(&applied), "{w}x{h}: no {applied:?} in {row:?}");
        }
    }
}

#[test]
fn the_header_keeps_the_hash_during_a_partition() {
    let mut app = session("scenarios/raft-basic.toml");
    steps(&mut app, 200);
    app.apply(Action::OpenPrompt(PromptKind::Partition));
    for c in "0 | 1 2".chars() {
        app.apply(Action::PromptInput(c));
    }
    app.apply(Action::PromptSubmit);
    steps(&mut app, 20);
    check("raft_partitioned", &app);
    for (w, h) in SIZES {
        let text = screen(&app, w, h);
        let second = text.lines().nth(1).unwrap_or("");
        assert!(second.contains("hash 0x#"), "{w}: {second:?}");
        assert!(second.contains("actions 1"), "{w}: {second:?}");
    }
}

#[test]
fn twelve_nodes_get_readable_columns_and_labels() {
    let mut app = session_with_nodes("scenarios/broadcast-partition.toml", 12);
    steps(&mut app, 60);
    check("twelve_nodes", &app);
    let text = screen(&app, 80, 24);
    assert!(!text.contains("n1n1n1"), "{text}");
}

#[test]
fn the_diagram_title_at_step_zero_says_no_steps() {
    let app = session(SCENARIO);
    let text = screen(&app, 120, 40);
    assert!(text.contains("space-time: no steps yet"), "{text}");
    assert!(!text.contains("steps 1–0"), "{text}");
}

#[test]
fn the_help_explains_every_diagram_symbol_at_80x24() {
    let mut app = session(SCENARIO);
    app.apply(Action::ToggleHelp);
    let text = screen(&app, 80, 24);
    for symbol in ["○─▶●", "○┄▷", "✗", "◆", "▲", "◇", "◁", "‖", "┄┼┄", "[A]"]
    {
        assert!(text.contains(symbol), "no {symbol} in the help:\n{text}");
    }
    assert!(text.contains("any key closes this help"), "cut:\n{text}");
}

#[test]
#[ignore]
/// Writes the screen docs/tui.md shows (run by hand, `-- --ignored`).
fn print_the_docs_capture() {
    let mut app = session(SCENARIO);
    app.apply(Action::OpenPrompt(PromptKind::Goto));
    for c in "3.2s".chars() {
        app.apply(Action::PromptInput(c));
    }
    app.apply(Action::PromptSubmit);
    while app.is_busy() {
        app.apply(Action::Tick(10_000));
    }
    app.apply(Action::NextPanel);
    for _ in 0..3 {
        app.apply(Action::SelectPrev);
    }
    let hash = distlab::sim::trace::format_hash(app.timeline().sim().trace_hash());
    let text = screen(&app, 120, 40).replace("0x################", &hash);
    std::fs::write("/tmp/distlab-tui-capture.txt", text).unwrap();
}

/// A node that takes time shows its workers, its queue and a `slow` fault
/// in the cluster panel (`scenarios/raft-gray-leader.toml`: the leader is
/// 20 times slower from 3 s to 7 s and its queue grows).
#[test]
fn the_cluster_panel_shows_a_slow_leaders_queue() {
    let mut app = session("scenarios/raft-gray-leader.toml");
    let mut seen = None;
    for _ in 0..6000 {
        app.apply(Action::StepForward);
        let text = screen(&app, 120, 40);
        // The leader's row in the cluster panel, not the event log's
        // `queued` lines: its worker busy, arrivals waiting, the fault on.
        if text.lines().any(|line| {
            line.contains("[1/1 busy ")
                && line.contains("%, ")
                && line.contains(" queued, x20 slow]")
        }) {
            seen = Some(text);
            break;
        }
    }
    assert!(
        seen.is_some(),
        "the slow leader's queue shows within 6000 steps"
    );
}

/// The cluster panel shows a node's utilisation so far, read from the
/// engine's service bookkeeping, at 80×24: the gray leader of
/// `scenarios/raft-gray-leader.toml` is 20 times slower from 3 s, and its
/// row's `1/1 busy N%` climbs from a few percent past 40% while
/// its queue builds.
#[test]
fn the_cluster_panel_shows_a_busy_nodes_utilisation() {
    let mut app = session("scenarios/raft-gray-leader.toml");
    let mut seen: Vec<u64> = Vec::new();
    for _ in 0..6000 {
        app.apply(Action::StepForward);
        let text = screen(&app, 80, 24);
        for line in text.lines().filter(|l| l.contains(" queued, x20 slow")) {
            let util = line
                .split("/1 busy ")
                .nth(1)
                .and_then(|rest| rest.split('%').next())
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("a `1/1 busy N%` figure on the slow node's row: {line}"));
            seen.push(util);
        }
        if seen.last().is_some_and(|&u| u >= 40) {
            break;
        }
    }
    let (first, last) = (seen.first().copied(), seen.last().copied());
    assert!(
        first.is_some_and(|f| f < 20) && last.is_some_and(|l| l >= 40),
        "the slow leader's utilisation climbs past 40% within 6000 steps: first {first:?}, last {last:?}"
    );
}
