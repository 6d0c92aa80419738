//! The inspector: a node's labelled view (Raft reads like the paper's
//! Figure 2 state table), a selected message's fields, other protocols'
//! views, `e` unfolding, every built-in protocol providing its own view,
//! a node view and a message view (with its one-line summary) of every
//! built-in protocol at 80 columns, and no raw `Debug` in any of them.

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
    assert!(folded.contains("▸ parameters (21)  e expands"), "{folded}");
    assert!(!folded.contains("heartbeat"), "{folded}");
    let unfolded = text(true);
    assert!(unfolded.contains("▾ parameters"), "{unfolded}");
    assert!(unfolded.contains("heartbeat           50ms"), "{unfolded}");
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

/// What a `Debug` dump leaves behind that a hand-labelled view does not.
const RAW_DEBUG: [&str; 8] = [
    "{ ",
    "Some(",
    "NodeId(",
    "SimTime(",
    "ClientId(",
    "TxId",
    "SagaId",
    "CommandId",
];

/// The markers of raw `Debug` that `text` contains.
fn raw_debug_in(text: &str) -> Vec<&'static str> {
    RAW_DEBUG
        .iter()
        .copied()
        .filter(|m| text.contains(m))
        .collect()
}

/// A view laid out at `width` columns (unfolded when `expanded`).
fn view_text(view: &distlab::base::inspect::View, width: usize, expanded: bool) -> String {
    distlab::base::inspect::lines(view, width, expanded)
        .iter()
        .map(|l| l.text() + "\n")
        .collect()
}

/// A simulation of `path` at the full trace level, after `steps` steps.
fn run(path: &std::path::Path, steps: u64) -> Option<Box<dyn distlab::sim::DynSim>> {
    let scenario = distlab::testing::load(path);
    let options = distlab::scenario::engine::BuildOptions {
        trace_level: distlab::sim::TraceLevel::Full,
    };
    let mut sim = distlab::registry::build(&scenario, &options).ok()?;
    for _ in 0..steps {
        if sim.step() != distlab::sim::StepResult::Progressed {
            break;
        }
    }
    Some(sim)
}

/// Every shipped scenario, run 300 steps: no live node's view (as the
/// inspector first shows it, parameters folded) and no delivered message's
/// view or one-line summary shows raw `Debug`, and no message view is the
/// default one parsed from `Debug` (every built-in protocol describes
/// every kind of its messages). Each failure names the scenario, the node
/// or step, the markers and the text.
#[test]
fn no_built_in_view_or_message_summary_shows_raw_debug() {
    let dir = format!("{}/scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut messages = 0;
    for file in &files {
        let Some(sim) = run(file, 300) else { continue };
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        for node in sim.nodes().iter().filter(|n| n.up) {
            let text = view_text(&node.view, 80, false);
            let raw = raw_debug_in(&text);
            if !raw.is_empty() || node.view.from_debug {
                failures.push(format!("{name} {}: node view {raw:?}\n{text}", node.id));
            }
        }
        for index in 0..sim.trace_len() {
            let Some(entry) = sim.entry(index) else {
                continue;
            };
            if entry.kind != "deliver" {
                continue;
            }
            messages += 1;
            let raw = raw_debug_in(&entry.summary);
            if !raw.is_empty() {
                failures.push(format!(
                    "{name} step {}: summary {raw:?}: {}",
                    entry.step, entry.summary
                ));
            }
            if let Some(view) = &entry.view {
                let text = view_text(view, 80, true);
                let raw = raw_debug_in(&text);
                if !raw.is_empty() || view.from_debug {
                    failures.push(format!(
                        "{name} step {}: message view {raw:?} (default view: {})\n{text}",
                        entry.step, view.from_debug
                    ));
                }
            }
        }
    }
    assert!(messages > 1000, "only {messages} deliveries looked at");
    failures.truncate(12);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The catch: a protocol whose messages have no view of their own is
/// reported (the test above is not vacuous). Pingpong's `Ping` through
/// the default view is `from_debug`; its own view is not.
#[test]
fn the_default_message_view_is_told_apart() {
    use distlab::protocols::pingpong::{Ping, PingPong};
    use distlab::sim::Node;
    let own = PingPong::inspect_message(&Ping(3));
    assert!(!own.from_debug);
    assert_eq!(PingPong::message_summary(&Ping(3)), "Ping 3");
    let default = distlab::base::inspect::View::from_debug(&format!("{:?}", Ping(3)));
    assert!(default.from_debug);
    let raw =
        distlab::base::inspect::View::from_debug("Vote { tx: TxId { client: 0, request: 6 } }");
    assert_eq!(raw_debug_in(&view_text(&raw, 80, false)), ["{ ", "TxId"]);
}

/// One node view and one delivered message (its summary and its view)
/// of every built-in protocol, as an 80-column inspector shows them:
/// (snapshot name, scenario, steps, the node's role or `n<i>`, the
/// message kind to show: the last delivery whose summary starts so).
const VIEWS: &[(&str, &str, u64, &str, &str)] = &[
    (
        "raft",
        "scenarios/raft-basic.toml",
        400,
        "leader",
        "AppendEntries",
    ),
    (
        "paxos",
        "scenarios/paxos-basic.toml",
        300,
        "leader",
        "Accept ",
    ),
    (
        "two_pc_coordinator",
        "scenarios/2pc-basic.toml",
        300,
        "coordinator",
        "Prepare",
    ),
    (
        "two_pc_participant",
        "scenarios/2pc-basic.toml",
        300,
        "participant",
        "Vote",
    ),
    (
        "three_pc_participant",
        "scenarios/3pc-basic.toml",
        400,
        "participant",
        "PreCommit ",
    ),
    (
        "three_pc_coordinator",
        "scenarios/3pc-basic.toml",
        400,
        "coordinator",
        "CanCommit",
    ),
    (
        "saga_orchestrator",
        "scenarios/saga-orchestrated.toml",
        300,
        "orchestrator",
        "Result",
    ),
    (
        "saga_payment",
        "scenarios/saga-choreographed.toml",
        300,
        "payment",
        "Step",
    ),
    (
        "cqrs_store",
        "scenarios/es-basic.toml",
        300,
        "store",
        "Append ",
    ),
    (
        "cqrs_projection",
        "scenarios/es-basic.toml",
        300,
        "projection",
        "Records",
    ),
    (
        "lock_service",
        "scenarios/lock-pause-fencing.toml",
        300,
        "lock-service",
        "Granted",
    ),
    (
        "lock_holder",
        "scenarios/lock-pause-fencing.toml",
        300,
        "lock-holder",
        "Write",
    ),
    (
        "resilience_gateway",
        "scenarios/resilience-retry-storm.toml",
        300,
        "n4",
        "Answer",
    ),
    (
        "resilience_backend",
        "scenarios/resilience-retry-storm.toml",
        300,
        "backend",
        "Call",
    ),
    ("gossip", "scenarios/gossip-rumor.toml", 600, "n0", "Rumor"),
    (
        "swim",
        "scenarios/swim-failure-detection.toml",
        300,
        "n0",
        "Ack",
    ),
    (
        "broadcast",
        "scenarios/broadcast-basic.toml",
        300,
        "n0",
        "Gossip",
    ),
    (
        "bully",
        "scenarios/bully-basic.toml",
        300,
        "n0",
        "Coordinator",
    ),
    (
        "lamport",
        "scenarios/lamport-total-order.toml",
        300,
        "n0",
        "Broadcast",
    ),
    (
        "vclock",
        "scenarios/vclock-causal-broadcast.toml",
        300,
        "n0",
        "Broadcast",
    ),
    (
        "versioned_kv",
        "scenarios/vclock-siblings.toml",
        300,
        "n1",
        "Sync",
    ),
    (
        "quorum_kv",
        "scenarios/cap-partition.toml",
        300,
        "n0",
        "Store",
    ),
    (
        "sd_registry",
        "scenarios/sd-instance-dies.toml",
        300,
        "registry",
        "Lookup",
    ),
    (
        "sd_caller",
        "scenarios/sd-instance-dies.toml",
        300,
        "n4",
        "Instances",
    ),
    (
        "sharding_server",
        "scenarios/shard-join-leave.toml",
        1420,
        "n5",
        "Handoff",
    ),
    (
        "sharding_controller",
        "scenarios/shard-join-leave.toml",
        1420,
        "controller",
        "HandoffAck",
    ),
    (
        "pingpong",
        "scenarios/explore-pingpong.toml",
        30,
        "n0",
        "Ping",
    ),
];

#[test]
fn every_protocol_explains_a_node_and_a_message_at_80_columns() {
    for &(name, path, steps, who, kind) in VIEWS {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let sim = run(&file, steps).unwrap_or_else(|| panic!("{path} builds"));
        let nodes = sim.nodes();
        let node = nodes
            .iter()
            .find(|n| n.role.as_deref() == Some(who) || n.id.to_string() == who)
            .unwrap_or_else(|| panic!("{name}: no {who} in {path}"));
        let message = (0..sim.trace_len())
            .rev()
            .filter_map(|i| sim.entry(i))
            .find(|e| e.kind == "deliver" && e.summary.starts_with(kind))
            .unwrap_or_else(|| panic!("{name}: no {kind} delivered in {steps} steps of {path}"));
        let view = message.view.as_ref().expect("a delivery has a view");
        let text = format!(
            "{} ({}) after {steps} steps of {path}\n{}\nstep {} {}→{}: {}\n{}",
            node.id,
            node.role.as_deref().unwrap_or("-"),
            view_text(&node.view, 80, false),
            message.step,
            message.source.map(|e| e.to_string()).unwrap_or_default(),
            message.target.map(|e| e.to_string()).unwrap_or_default(),
            message.summary,
            view_text(view, 80, false),
        );
        insta::assert_snapshot!(format!("view_{name}"), text);
    }
}
