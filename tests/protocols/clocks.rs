//! Logical-clock scenarios: each passes over a seed range, each bug switch
//! is caught (with its replay command printed), LWW loses writes where
//! vector clocks keep siblings, and one trace hash is pinned.

use distlab::sim::Verdict;
use distlab::testing;

#[test]
fn clock_scenarios_pass_over_seeds() {
    for path in [
        "scenarios/lamport-total-order.toml",
        "scenarios/vclock-causal-broadcast.toml",
        "scenarios/vclock-siblings.toml",
    ] {
        testing::check_seeds("clock_scenarios_pass_over_seeds", path, 0..25);
    }
}

fn caught(test: &str, path: &str, expected: Verdict, check: &str) {
    let scenario = testing::load(path);
    let failure = testing::first_failure(&scenario, 0..1000)
        .unwrap_or_else(|| panic!("{path}: no seed in 0..1000 catches the bug"));
    println!("{}", testing::failure_message(test, path, &failure));
    assert_eq!(failure.verdict, expected, "{path}");
    let failed = failure
        .checks
        .iter()
        .find(|c| c.name == check)
        .expect("check");
    assert!(
        matches!(failed.outcome, distlab::check::Outcome::Fail(_)),
        "{path}: {check} did not fail"
    );
}

#[test]
fn lamport_bug_no_increment_is_caught() {
    caught(
        "lamport_bug_no_increment_is_caught",
        "scenarios/lamport-bug-no-increment.toml",
        Verdict::SafetyViolation,
        "clock-condition",
    );
}

#[test]
fn vclock_bug_merge_min_is_caught() {
    caught(
        "vclock_bug_merge_min_is_caught",
        "scenarios/vclock-bug-merge-min.toml",
        Verdict::SafetyViolation,
        "clock-condition",
    );
}

#[test]
fn vclock_bug_no_causal_wait_is_caught() {
    caught(
        "vclock_bug_no_causal_wait_is_caught",
        "scenarios/vclock-bug-no-causal-wait.toml",
        Verdict::SafetyViolation,
        "causal-delivery",
    );
}

#[test]
fn lww_loses_writes_that_vector_clocks_keep() {
    caught(
        "lww_loses_writes_that_vector_clocks_keep",
        "scenarios/lww-clock-skew.toml",
        Verdict::SafetyViolation,
        "no-silent-overwrite",
    );
    let lww = testing::run(&testing::load("scenarios/lww-clock-skew.toml"), 1);
    let vc = testing::run(&testing::load("scenarios/vclock-siblings.toml"), 1);
    let metric = |r: &distlab::sim::RunReport, name: &str| -> u64 {
        let found = r.metrics.iter().find(|(k, _)| k == name);
        found.and_then(|(_, v)| v.parse().ok()).expect("metric")
    };
    assert!(metric(&lww, "lww-lost-writes") > 0);
    assert_eq!(metric(&vc, "vclock-lost-writes"), 0);
    assert_eq!(vc.verdict, Verdict::Pass);
}

#[test]
fn vclock_causal_broadcast_trace_hash_is_pinned() {
    let scenario = testing::load("scenarios/vclock-causal-broadcast.toml");
    let report = testing::run(&scenario, scenario.seed);
    insta::assert_snapshot!(report.trace_hash);
}
