//! Raft under a network that changes mid-run: the shipped
//! `raft-network-changes` (a change for one message kind, a partition that
//! drops what is in flight, a partial heal, a reset) and `raft-swarm` (a
//! swarm nemesis) pass over seeds, and their traces show what happened.

use distlab::registry::Registry;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{parse, Overrides};
use distlab::testing;

/// The fault log of `path` run at `seed`.
fn faults(path: &str, seed: u64) -> Vec<String> {
    let mut scenario = testing::load(path);
    scenario.seed = seed;
    let mut sim = Registry::builtin()
        .build(&scenario, &BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    sim.run();
    sim.fault_log()
        .iter()
        .map(|(_, text)| text.clone())
        .collect()
}

#[test]
fn raft_network_changes_passes_and_says_what_changed() {
    testing::check_seeds(
        "raft_network_changes_passes_and_says_what_changed",
        "scenarios/raft-network-changes.toml",
        0..10,
    );
    let log = faults("scenarios/raft-network-changes.toml", 4);
    assert_eq!(
        log[0],
        "network * -> *: AppendReply: latency uniform 1ms..60ms"
    );
    assert!(
        log[1].contains("dropped") && log[1].contains("in flight: #"),
        "{}",
        log[1]
    );
    assert!(log[2].starts_with("heal n1 <-> n2: "), "{}", log[2]);
    assert!(
        log[4].starts_with("network reset: 3 change(s) undone"),
        "{}",
        log[4]
    );
}

#[test]
fn raft_swarm_passes_with_a_mix_per_seed() {
    testing::check_seeds(
        "raft_swarm_passes_with_a_mix_per_seed",
        "scenarios/raft-swarm.toml",
        0..10,
    );
    let mix = |seed| {
        let report = testing::run(&testing::load("scenarios/raft-swarm.toml"), seed);
        let found = report.metrics.iter().find(|(k, _)| k == "nemesis-swarm");
        found.map(|(_, v)| v.clone()).expect("the mix is a metric")
    };
    let mixes: std::collections::BTreeSet<String> = (0..6).map(mix).collect();
    assert!(mixes.len() >= 5, "{mixes:?}");
}

/// A `slow` nemesis fault changes what Raft's `all-follow-leader` bounds:
/// the check reads the link as the change left it. Before it did, seeds 6
/// and 8 of `raft-swarm` (mixes with `slow`) failed it falsely: "n2 stayed
/// a candidate ... within the heartbeat × 1.5 plus the link's maximum
/// latency, 85ms" while the link was 50-500 ms.
#[test]
fn a_slow_network_change_is_no_false_liveness_failure() {
    let scenario = testing::load("scenarios/raft-swarm.toml");
    for seed in [6, 8] {
        let report = testing::run(&scenario, seed);
        let mix = report.metrics.iter().find(|(k, _)| k == "nemesis-swarm");
        assert!(mix.is_some_and(|(_, v)| v.contains("slow")), "{mix:?}");
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.outcome != distlab::check::Outcome::Pass)
            .map(|c| c.name.as_str())
            .collect();
        assert!(failed.is_empty(), "seed {seed}: {failed:?}");
    }
}

/// An unknown role in a relative target is an error at its place.
#[test]
fn a_relative_target_names_a_role_of_the_protocol() {
    let text = std::fs::read_to_string("scenarios/raft-basic.toml").expect("shipped");
    let text = format!("{text}\n[[faults]]\nat = \"1s\"\nisolate = \"boss+1\"\n");
    let scenario = parse("boss.toml", &text, &Overrides::default()).expect("parses");
    let error = Registry::builtin()
        .build(&scenario, &BuildOptions::default())
        .err()
        .expect("unknown role");
    insta::assert_snapshot!(error.to_string());
}
