//! Sharding: the shipped scenarios pass over seed ranges (joins, leaves,
//! churn with crashes, loss and duplication); keys moved against the
//! minimum; the hot range under range partitioning against hashing; every
//! bug switch caught within 1,000 seeds on the check meant for it (the
//! same seed passes without it); bad parameters are reported with their
//! place; trace hashes are pinned.

use crate::support;
use distlab::check::Outcome;
use distlab::registry::Registry;
use distlab::scenario::engine::BuildOptions;
use distlab::sim::{RunReport, Verdict};
use distlab::testing;

fn path(name: &str) -> String {
    format!("scenarios/shard-{name}.toml")
}

fn load(name: &str) -> distlab::scenario::Scenario {
    testing::load(path(name))
}

fn metric<'a>(report: &'a RunReport, name: &str) -> &'a str {
    report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("metric {name} missing: {:?}", report.metrics))
}

fn number(report: &RunReport, name: &str) -> f64 {
    let text = metric(report, name);
    text.parse()
        .unwrap_or_else(|_| panic!("metric {name} = {text:?} is not a number"))
}

#[test]
fn shard_basic_serves_every_operation_after_redirects() {
    testing::check_seeds(
        "shard_basic_serves_every_operation_after_redirects",
        &path("basic"),
        0..10,
    );
    let report = testing::run(&load("basic"), 1);
    assert_eq!(report.operations.ok, report.operations.invoked);
    assert_eq!(number(&report, "rebalances"), 0.0);
    assert!(number(&report, "redirects") > 0.0, "{:?}", report.metrics);
}

#[test]
fn shard_join_leave_moves_keys_and_stays_linearizable() {
    testing::check_seeds(
        "shard_join_leave_moves_keys_and_stays_linearizable",
        &path("join-leave"),
        0..10,
    );
    let report = testing::run(&load("join-leave"), 2);
    assert_eq!(number(&report, "rebalances"), 2.0);
    // Consistent hashing: about the minimum (the leaver's keys, the
    // joiner's share).
    let (moved, minimum) = (
        number(&report, "keys-moved"),
        number(&report, "keys-moved-minimum"),
    );
    assert!(moved <= 1.5 * minimum, "{moved} moved, minimum {minimum}");
    // mod-N on the same run moves most keys.
    let mod_n = support::variant(
        &path("join-leave"),
        "leave = 2",
        "leave = 2\nplacement = \"mod-n\"",
        "shard-join-leave-mod-n.toml",
    );
    let report = testing::run(&testing::load(&mod_n), 2);
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    assert!(
        number(&report, "keys-moved") > 2.0 * minimum,
        "{:?}",
        report.metrics
    );
}

#[test]
fn shard_churn_passes_over_seeds() {
    testing::check_seeds("shard_churn_passes_over_seeds", &path("churn"), 0..8);
    let report = testing::run(&load("churn"), 3);
    assert!(number(&report, "rebalances") >= 8.0, "{:?}", report.metrics);
    assert!(report.messages.duplicated > 0 && report.messages.dropped > 0);
}

#[test]
fn a_hot_range_loads_one_server_under_range_partitioning_not_under_hashing() {
    testing::check_seeds(
        "a_hot_range_loads_one_server_under_range_partitioning_not_under_hashing",
        &path("hot-range"),
        0..5,
    );
    let range = testing::run(&load("hot-range"), 4);
    let hashed = support::variant(
        &path("hot-range"),
        "placement = \"range\"",
        "placement = \"consistent-hash\"",
        "shard-hot-hashed.toml",
    );
    let hashed = testing::run(&testing::load(&hashed), 4);
    assert_eq!(hashed.verdict, Verdict::Pass);
    let (range, hashed) = (
        number(&range, "load-max-mean"),
        number(&hashed, "load-max-mean"),
    );
    assert!(range > 2.5, "range: max/mean {range}");
    assert!(hashed < range, "hashed {hashed} against range {range}");
}

/// `scenarios/shard-bug-{bug}.toml` fails first at `first` with one of
/// `checks` failing, and passes without the switch.
fn caught(test: &str, bug: &str, checks: &[&str], first: u64) {
    support::bug_caught_at(test, &path(&format!("bug-{bug}")), bug, checks, first);
}

#[test]
fn serving_after_handoff_puts_two_servers_on_one_key() {
    caught(
        "serving_after_handoff_puts_two_servers_on_one_key",
        "serve-after-handoff",
        &["single-server"],
        0,
    );
}

#[test]
fn serving_after_handoff_is_not_linearizable_without_the_monitor() {
    // The monitor off: the stale reads and lost writes themselves.
    let path = support::variant(
        &path("bug-serve-after-handoff"),
        "history = \"linearizable\"",
        "history = \"linearizable\"\ninvariants = [\"acked-writes-survive\", \"migrations-complete\"]",
        "shard-serve-after-handoff-no-monitor.toml",
    );
    let scenario = testing::load(&path);
    let report = testing::first_failure(&scenario, 0..100).expect("caught within 100 seeds");
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
        .map(|c| c.name.as_str())
        .collect();
    assert!(
        failed.contains(&"linearizable") || failed.contains(&"acked-writes-survive"),
        "seed {}: {failed:?}",
        report.seed
    );
}

#[test]
fn without_session_transfer_a_retried_write_applies_twice() {
    caught(
        "without_session_transfer_a_retried_write_applies_twice",
        "no-session-transfer",
        &["linearizable"],
        0,
    );
}

#[test]
fn acking_a_handoff_before_sync_loses_keys_in_a_crash() {
    caught(
        "acking_a_handoff_before_sync_loses_keys_in_a_crash",
        "ack-before-sync",
        &["acked-writes-survive", "migrations-complete"],
        0,
    );
}

#[test]
fn bad_sharding_parameters_are_reported_with_their_place() {
    for name in [
        "sharding-servers-too-many",
        "sharding-join-without-spare",
        "sharding-leave-after-end",
        "sharding-hot-ratio-without-keys",
    ] {
        let file = format!("tests/fixtures/bad_inputs/{name}.toml");
        let scenario = testing::load(&file);
        let error = match Registry::builtin().build(&scenario, &BuildOptions::default()) {
            Ok(_) => panic!("{file} built, but it is meant to be invalid"),
            Err(e) => e.to_string(),
        };
        insta::assert_snapshot!(name, error);
    }
}

#[test]
fn sharding_trace_hashes_are_pinned() {
    let hashes: Vec<(String, String)> = [
        "basic",
        "join-leave",
        "churn",
        "hot-range",
        "bug-serve-after-handoff",
        "bug-no-session-transfer",
        "bug-ack-before-sync",
    ]
    .iter()
    .map(|name| {
        let scenario = load(name);
        let report = testing::run(&scenario, scenario.seed);
        (path(name), report.trace_hash)
    })
    .collect();
    let scenario = load("churn");
    assert_eq!(
        testing::run(&scenario, scenario.seed),
        testing::run(&scenario, scenario.seed)
    );
    insta::assert_debug_snapshot!(hashes);
}
