//! Gossip scenarios: each passes over a seed range, each bug switch is caught
//! (with its replay command printed), and one trace hash is pinned.

use crate::support;
use distlab::sim::Verdict;
use distlab::testing;

#[test]
fn gossip_scenarios_pass_over_seeds() {
    for path in [
        "scenarios/gossip-anti-entropy.toml",
        "scenarios/gossip-rumor.toml",
        "scenarios/gossip-partition-heal.toml",
    ] {
        testing::check_seeds("gossip_scenarios_pass_over_seeds", path, 0..25);
    }
    // The no-anti-entropy scenario with its bug switched off is the counter
    // rule plus its backup, which must pass.
    let fixed = support::variant(
        "scenarios/gossip-bug-no-anti-entropy.toml",
        "bugs = [\"no-anti-entropy\"]",
        "bugs = []",
        "gossip-counter-with-backup.toml",
    );
    testing::check_seeds("gossip_scenarios_pass_over_seeds", &fixed, 0..25);
}

/// The first failing seed of a bug scenario within 1,000 seeds, printed with
/// its replay commands.
fn caught(test: &str, path: &str, expected: Verdict) {
    let scenario = testing::load(path);
    let failure = testing::first_failure(&scenario, 0..1000)
        .unwrap_or_else(|| panic!("{path}: no seed in 0..1000 catches the bug"));
    println!("{}", testing::failure_message(test, path, &failure));
    assert_eq!(failure.verdict, expected, "{path}");
}

#[test]
fn gossip_bug_rumor_stops_early_is_caught() {
    caught(
        "gossip_bug_rumor_stops_early_is_caught",
        "scenarios/gossip-bug-rumor-stops-early.toml",
        Verdict::LivenessFailure,
    );
}

#[test]
fn gossip_bug_no_anti_entropy_is_caught() {
    caught(
        "gossip_bug_no_anti_entropy_is_caught",
        "scenarios/gossip-bug-no-anti-entropy.toml",
        Verdict::LivenessFailure,
    );
}

#[test]
fn gossip_rumor_trace_hash_is_pinned() {
    let scenario = testing::load("scenarios/gossip-rumor.toml");
    let report = testing::run(&scenario, scenario.seed);
    insta::assert_snapshot!(report.trace_hash);
}

#[test]
fn sweep_params_prints_the_fanout_trade_off() {
    let out = support::distlab(&[
        "sweep-params",
        "scenarios/gossip-rumor.toml",
        "--param",
        "fanout=1,3",
        "--seeds",
        "0..3",
        "--metrics",
        "converge-rounds-p50,messages-per-update",
    ]);
    assert_eq!(support::code(&out), 0, "{}", support::stderr(&out));
    let text = support::stdout(&out);
    assert!(
        text.contains("| fanout | pass | converge-rounds-p50 | messages-per-update |"),
        "{text}"
    );
    assert!(
        text.contains("| 1 | 3/3 | ") && text.contains("| 3 | 3/3 | "),
        "{text}"
    );
    let bad = support::distlab(&[
        "sweep-params",
        "scenarios/gossip-rumor.toml",
        "--param",
        "fanout=0",
    ]);
    assert_eq!(support::code(&bad), 3);
    assert!(
        support::stderr(&bad).contains("fanout must be between 1 and 64, got 0"),
        "{}",
        support::stderr(&bad)
    );
}

/// `gossip-10k` shortened for the test profile: the same file (crash at
/// 10 s, restart at 40 s, 60 s in all) on 300 nodes; the full 10,000-node
/// run is a release-build command (docs/performance.md).
#[test]
fn gossip_10k_shortened_trace_hash_is_pinned() {
    let mut scenario = testing::load("scenarios/gossip-10k.toml");
    scenario.nodes = 300;
    let report = testing::run(&scenario, scenario.seed);
    assert_eq!(report.verdict, Verdict::Pass, "{report:?}");
    insta::assert_snapshot!(report.trace_hash);
}
