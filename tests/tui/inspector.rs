//! The inspector: a node's labelled view (Raft reads like the paper's
//! Figure 2 state table), a selected message's fields, other protocols'
//! views, `e` unfolding, and every built-in protocol providing its own view.

use crate::support::tui::{screen, session};
use distlab::tui::{Action, App};

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn steps(app: &mut App, n: u64) {
    for _ in 0..n {
        app.apply(Action::StepForward);
    }
}

/// Select the first node whose role is `role` (the cluster panel has the
/// focus at the start).
fn select_role(app: &mut App, role: &str) {
    let nodes = app.timeline().sim().nodes();
    let at = nodes
        .iter()
        .position(|n| n.role.as_deref() == Some(role))
        .unwrap_or_else(|| panic!("no {role} among {nodes:?}"));
    for _ in 0..at {
        app.apply(Action::SelectNext);
    }
}

fn check(name: &str, app: &App) {
    for (w, h) in SIZES {
        let text = screen(app, w, h);
        for raw in ["SimTime(", "NodeId(", "Some("] {
            assert!(!text.contains(raw), "{name} {w}x{h} shows {raw}:\n{text}");
        }
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

#[test]
fn a_raft_leader_reads_like_figure_2() {
    let mut app = session("scenarios/raft-basic.toml");
    steps(&mut app, 400);
    select_role(&mut app, "leader");
    check("raft_leader", &app);
    let text = screen(&app, 120, 40);
    for label in ["currentTerm", "votedFor", "log", "commitIndex", "lastApplied", "nextIndex", "matchIndex"] {
        assert!(text.contains(label), "no {label}:\n{text}");
    }
}

#[test]
fn a_raft_follower_shows_its_state_and_folds_its_parameters() {
    let mut app = session("scenarios/raft-basic.toml");
    steps(&mut app, 400);
    select_role(&mut app, "follower");
    check("raft_follower", &app);
    let follower = app.timeline().sim().nodes()[0].view.clone();
    let text = |expanded| -> String {
        let lines = distlab::base::inspect::lines(&follower, 44, expanded);
        lines.iter().map(|l| l.text() + "\n").collect()
    };
    let folded = text(false);
    assert!(folded.contains("▸ parameters (7)  e expands"), "{folded}");
    assert!(!folded.contains("heartbeat"), "{folded}");
    let unfolded = text(true);
    assert!(unfolded.contains("▾ parameters"), "{unfolded}");
    assert!(unfolded.contains("heartbeat         50ms"), "{unfolded}");
    assert!(unfolded.contains("  1   t1 noop"), "the whole log: {unfolded}");
}

#[test]
fn a_selected_message_shows_its_fields() {
    let mut app = session("scenarios/raft-basic.toml");
    steps(&mut app, 400);
    app.apply(Action::NextPanel);
    let mut found = false;
    for _ in 0..40 {
        app.apply(Action::SelectPrev);
        if screen(&app, 120, 40).contains("prevLogIndex") {
            found = true;
            break;
        }
    }
    assert!(found, "no AppendEntries among the last 40 events");
    check("raft_message", &app);
}
