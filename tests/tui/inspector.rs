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
    for label in [
        "currentTerm",
        "votedFor",
        "log",
        "commitIndex",
        "lastApplied",
        "nextIndex",
        "matchIndex",
    ] {
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
    assert!(
        unfolded.contains("  1   t1 noop"),
        "the whole log: {unfolded}"
    );
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

/// Other protocols' views, on a node that has something to show.
#[test]
fn two_phase_commit_paxos_and_gossip_show_their_own_views() {
    for (name, path, role, n) in [
        (
            "two_pc_coordinator",
            "scenarios/2pc-basic.toml",
            "coordinator",
            300,
        ),
        ("paxos_leader", "scenarios/paxos-basic.toml", "leader", 300),
        ("gossip_node", "scenarios/gossip-rumor.toml", "", 600),
    ] {
        let mut app = session(path);
        steps(&mut app, n);
        if !role.is_empty() {
            select_role(&mut app, role);
        }
        check(name, &app);
    }
}

/// `e` unfolds the parameters in the panel and folds them again.
#[test]
fn e_unfolds_and_folds_the_inspector() {
    let mut app = session("scenarios/gossip-rumor.toml");
    steps(&mut app, 20);
    let folded = screen(&app, 120, 40);
    assert!(folded.contains("▸ parameters"), "{folded}");
    app.apply(Action::ToggleExpand);
    let unfolded = screen(&app, 120, 40);
    assert!(unfolded.contains("▾ parameters"), "{unfolded}");
    app.apply(Action::ToggleExpand);
    let again = screen(&app, 120, 40);
    assert!(
        again.contains("▸ parameters") && !again.contains("▾"),
        "{again}"
    );
}

/// Protocols whose nodes show the default view (parsed from `Debug`), with
/// the reason. A protocol not listed here must provide its own view, so a
/// new protocol without one is noticed.
const DEFAULT_VIEW: &[(&str, &str)] = &[];

/// Every built-in protocol's nodes (on the first shipped scenario of it,
/// after 300 steps) show a view the protocol chose, or the protocol is in
/// [`DEFAULT_VIEW`] with a reason.
#[test]
fn every_built_in_protocol_provides_its_own_view() {
    let dir = format!("{}/scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut checked = std::collections::BTreeSet::new();
    let mut missing = Vec::new();
    for file in files {
        let scenario = distlab::testing::load(&file);
        let name = scenario.protocol.get_ref().clone();
        if checked.contains(&name) {
            continue;
        }
        let options = distlab::scenario::engine::BuildOptions::default();
        let Ok(mut sim) = distlab::registry::build(&scenario, &options) else {
            continue;
        };
        checked.insert(name.clone());
        for _ in 0..300 {
            if sim.step() != distlab::sim::StepResult::Progressed {
                break;
            }
        }
        let exempt = DEFAULT_VIEW.iter().any(|(p, _)| *p == name);
        let default = sim.nodes().iter().any(|n| n.up && n.view.from_debug);
        if default && !exempt {
            missing.push(format!("{name} ({})", file.display()));
        }
        assert!(
            !exempt || default,
            "{name} provides its own view now: take it off DEFAULT_VIEW"
        );
    }
    let registered: Vec<&str> = distlab::registry::PROTOCOLS
        .iter()
        .map(|p| p.facts.name)
        .collect();
    for name in &registered {
        assert!(checked.contains(*name), "no shipped scenario runs {name}");
    }
    assert!(
        missing.is_empty(),
        "these protocols' nodes show the default Debug view; give them an inspect view (src/protocols/<name>/inspect.rs) or list them in DEFAULT_VIEW with a reason:\n{}",
        missing.join("\n")
    );
}
