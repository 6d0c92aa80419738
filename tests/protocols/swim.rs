//! SWIM scenarios: each passes over a seed range, the bug switch is caught
//! (with its replay command printed), and one trace hash is pinned.

use distlab::sim::Verdict;
use distlab::testing;

#[test]
fn swim_scenarios_pass_over_seeds() {
    for path in [
        "scenarios/swim-failure-detection.toml",
        "scenarios/swim-slow-member.toml",
    ] {
        testing::check_seeds("swim_scenarios_pass_over_seeds", path, 0..40);
    }
}

#[test]
fn swim_bug_no_incarnation_is_caught() {
    let path = "scenarios/swim-bug-no-incarnation.toml";
    let scenario = testing::load(path);
    let failure = testing::first_failure(&scenario, 0..1000)
        .unwrap_or_else(|| panic!("{path}: no seed in 0..1000 catches the bug"));
    println!(
        "{}",
        testing::failure_message("swim_bug_no_incarnation_is_caught", path, &failure)
    );
    assert_eq!(failure.verdict, Verdict::LivenessFailure);
}

#[test]
fn swim_failure_detection_trace_hash_is_pinned() {
    let scenario = testing::load("scenarios/swim-failure-detection.toml");
    let report = testing::run(&scenario, scenario.seed);
    insta::assert_snapshot!(report.trace_hash);
}

/// `swim-10k` shortened for the test profile: 2,000 members (above
/// `LISTED_ORDER_MAX`, so the permuted probe order and sampled helpers run)
/// for 8 s; the full run is a release-build command (docs/performance.md).
#[test]
fn swim_10k_shortened_trace_hash_is_pinned() {
    let mut scenario = testing::load("scenarios/swim-10k.toml");
    scenario.nodes = 2_000;
    scenario.duration = distlab::sim::SimTime::from_secs(8);
    scenario.check.expect.clear();
    let report = testing::run(&scenario, scenario.seed);
    assert_eq!(report.verdict, Verdict::Pass, "{report:?}");
    insta::assert_snapshot!(report.trace_hash);
}
