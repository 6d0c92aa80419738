//! Raft membership changes (`voters`, `changes`, `membership`) and
//! leadership transfer: the scenarios pass over seed ranges, every change
//! of the list is made, a drained leader hands over with `TimeoutNow`, and
//! the trace hashes are pinned. The bug switches are in `raft_bugs`.

use distlab::protocols::raft::{self, Raft};
use distlab::scenario::engine::BuildOptions;
use distlab::sim::{NodeId, Sim, TraceLevel, Verdict};
use distlab::testing;
use std::collections::BTreeSet;

/// The scenario at `path` run at `seed` with the full trace kept.
fn run_full(path: &str, seed: u64) -> Sim<Raft> {
    let mut scenario = testing::load(path);
    scenario.seed = seed;
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let mut sim = raft::scenario::configured::<Raft>(&scenario, &options)
        .expect("the scenario builds")
        .build();
    let report = sim.run();
    assert_eq!(
        report.verdict,
        Verdict::Pass,
        "{path} seed {seed}: {report:#?}"
    );
    sim
}

/// Every annotation the run logged, in order.
fn annotations(sim: &Sim<Raft>) -> Vec<String> {
    let trace = sim.trace();
    (0..trace.len())
        .flat_map(|i| trace.annotations_at(i).iter().cloned())
        .collect()
}

fn ids(list: &[u32]) -> BTreeSet<NodeId> {
    list.iter().copied().map(NodeId).collect()
}

/// Every live node ends with the configuration `voters`, reached through
/// all `steps` changes of the list, and no learner left.
fn ends_with(sim: &Sim<Raft>, voters: &[u32], steps: u32) {
    for (id, n) in sim.live_nodes().filter(|(id, _)| voters.contains(&id.0)) {
        assert_eq!(n.config.voters, ids(voters), "{id}: {}", n.config);
        assert_eq!(n.config.step, steps, "{id}: {}", n.config);
        assert!(
            n.config.learners.is_empty() && n.config.old.is_none(),
            "{id}: {}",
            n.config
        );
    }
}

#[test]
fn single_server_changes_add_remove_and_replace_under_load() {
    testing::check_seeds(
        "single_server_changes_add_remove_and_replace_under_load",
        "scenarios/raft-membership.toml",
        0..8,
    );
    let sim = run_full("scenarios/raft-membership.toml", 1);
    ends_with(&sim, &[2, 3, 4], 3);
    let notes = annotations(&sim);
    // Learner first, then promotion, one voter at a time.
    let changes: Vec<&String> = notes
        .iter()
        .filter(|a| a.starts_with("configuration"))
        .collect();
    assert_eq!(changes.len(), 6, "{changes:#?}");
    assert!(
        changes[0].ends_with("→ {0,1,2} + learners {3}"),
        "{changes:#?}"
    );
    assert!(changes[1].ends_with("→ {0,1,2,3}"), "{changes:#?}");
}

#[test]
fn joint_consensus_goes_through_a_joint_configuration() {
    testing::check_seeds(
        "joint_consensus_goes_through_a_joint_configuration",
        "scenarios/raft-membership-joint.toml",
        0..8,
    );
    let sim = run_full("scenarios/raft-membership-joint.toml", 1);
    ends_with(&sim, &[2, 3, 4], 3);
    let notes = annotations(&sim);
    assert!(
        notes
            .iter()
            .any(|a| a.ends_with("→ joint {1,2,3} → {2,3,4}")),
        "the replace is one joint step: {notes:#?}"
    );
}

#[test]
fn a_drained_leader_transfers_leadership_before_it_is_removed() {
    testing::check_seeds(
        "a_drained_leader_transfers_leadership_before_it_is_removed",
        "scenarios/raft-drain-remove.toml",
        0..8,
    );
    let sim = run_full("scenarios/raft-drain-remove.toml", 1);
    ends_with(&sim, &[0, 1, 2, 3, 4], 6);
    let notes = annotations(&sim);
    let transfer = notes
        .iter()
        .position(|a| a.starts_with("transfers leadership to"))
        .expect("the file's seed drains the leader");
    let rest = &notes[transfer..];
    assert!(
        rest.iter().any(|a| a.starts_with("TimeoutNow from")),
        "{rest:#?}"
    );
    // The drained leader never removed itself: it handed over first.
    assert!(
        !notes.iter().any(|a| a.starts_with("removed from")),
        "{notes:#?}"
    );
}

#[test]
fn membership_changes_during_churn_pass() {
    testing::check_seeds(
        "membership_changes_during_churn_pass",
        "scenarios/raft-churn-membership.toml",
        0..4,
    );
}

#[test]
fn raft_membership_trace_hashes_are_pinned() {
    let hashes: Vec<(String, u64, String)> = [
        "membership",
        "membership-joint",
        "drain-remove",
        "churn-membership",
        "removed-node",
    ]
    .iter()
    .map(|name| {
        let path = format!("scenarios/raft-{name}.toml");
        let scenario = testing::load(&path);
        let report = testing::run(&scenario, scenario.seed);
        assert_eq!(report, testing::run(&scenario, scenario.seed), "{path}");
        (path, scenario.seed, report.trace_hash)
    })
    .collect();
    insta::assert_debug_snapshot!(hashes);
}

/// The value of metric `name` in `report`.
fn metric_of(report: &distlab::sim::RunReport, name: &str) -> f64 {
    let value = report.metrics.iter().find(|(n, _)| n == name);
    value
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing: {:?}", report.metrics))
}

/// `scenarios/raft-removed-node.toml`: node 4, removed while cut off and
/// then cut off from the leader only, times out again and again without
/// PreVote; with `ignore_votes_with_leader` (the default) the voters
/// disregard its RequestVotes and the first leader leads to the end; with
/// the rule off it is deposed over and over and the file's `[expect]
/// elections-won` fails.
#[test]
fn a_removed_node_cannot_depose_the_leader() {
    let path = "scenarios/raft-removed-node.toml";
    testing::check_seeds("a_removed_node_cannot_depose_the_leader", path, 0..3);
    let mut scenario = testing::load(path);
    let report = testing::run(&scenario, 0);
    assert_eq!(metric_of(&report, "elections-won"), 1.0);
    assert!(
        metric_of(&report, "max-term") > 10.0,
        "node 4 kept campaigning: {:?}",
        report.metrics
    );
    scenario.protocol_params = scenario
        .protocol_params
        .with_param("ignore_votes_with_leader", "false")
        .unwrap();
    let report = testing::run(&scenario, 0);
    assert_ne!(report.verdict, Verdict::Pass);
    assert!(
        metric_of(&report, "elections-won") > 5.0,
        "{:?}",
        report.metrics
    );
}

/// A removed node that can hear the leader learns it was removed: the
/// leader replicates to it until it holds the configuration without it,
/// and from then on it never campaigns (its term stays where it was).
#[test]
fn a_removed_node_that_hears_the_leader_learns_it_and_stops_campaigning() {
    let path = "scenarios/raft-membership.toml";
    let sim = run_full(path, 1);
    // "4s remove 0": node 0 holds a configuration without it, and never
    // stood in a term after its removal.
    let n0 = sim.node(NodeId(0)).expect("node 0 is up");
    assert!(!n0.config.is_voter(NodeId(0)), "{}", n0.config);
    let top = sim
        .live_nodes()
        .map(|(_, n)| n.term)
        .max()
        .expect("nodes are up");
    assert!(n0.term <= top);
    assert_ne!(n0.role, raft::Role::Candidate);
}
