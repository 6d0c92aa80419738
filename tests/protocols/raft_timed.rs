//! Raft's checks in time (`[[check.at]]`, `[[check.within]]`): the shipped
//! scenarios pass on the reference, each check fails when what it states
//! is false (with the moment or the fault in the explanation), and timed
//! checks do not move a run's trace hash.

use crate::support;
use distlab::check::{CheckKind, CheckResult, Outcome};
use distlab::sim::Verdict;
use distlab::testing;

const NO_QUORUM: &str = "scenarios/raft-no-quorum.toml";
const DEADLINE: &str = "scenarios/raft-reelection-deadline.toml";

fn timed(checks: &[CheckResult]) -> Vec<&CheckResult> {
    checks
        .iter()
        .filter(|c| matches!(c.kind, CheckKind::At | CheckKind::Within))
        .collect()
}

#[test]
fn the_reference_meets_every_moment_and_deadline() {
    for path in [NO_QUORUM, DEADLINE] {
        let scenario = testing::load(path);
        for seed in testing::seeds_from_env(0..10) {
            let report = testing::run(&scenario, seed);
            assert_eq!(
                report.verdict,
                Verdict::Pass,
                "{path} seed {seed}: {report:#?}"
            );
            let timed = timed(&report.checks);
            assert!(!timed.is_empty(), "{path} has checks in time");
            assert!(timed.iter().all(|c| c.outcome == Outcome::Pass));
        }
    }
}

/// With the three crashes gone, the cluster keeps its leader: the `at`
/// checks fail, a safety verdict, naming the moment, the step and the
/// leader the role count found.
#[test]
fn a_moment_check_fails_when_the_cluster_still_has_a_leader() {
    let crashes = "[[faults]]\nat = \"3s\"\ncrash = \"leader\"\n\n[[faults]]\nat = \"3s\"\ncrash = \"random\"\n\n[[faults]]\nat = \"3s\"\ncrash = \"random\"\n";
    let path = support::variant(NO_QUORUM, crashes, "", "no-crashes.toml");
    let report = testing::run(&testing::load(&path), 0);
    assert_eq!(report.verdict, Verdict::SafetyViolation, "{report:#?}");
    let at8 = report
        .checks
        .iter()
        .find(|c| c.name.starts_with("at 8s:"))
        .expect("the 8 s check");
    let Outcome::Fail(why) = &at8.outcome else {
        panic!("{at8:?}");
    };
    assert!(why.starts_with("at 8s (step "), "{why}");
    assert!(why.contains("no-leader did not hold"), "{why}");
    assert!(why.contains("nothing-committed did not hold"), "{why}");
    assert!(why.contains("no-op-commits did not hold"), "{why}");
    assert!(
        why.contains("leader count = 0 did not hold (1 live leader: n"),
        "{why}"
    );
}

/// Elections that take 3-6 s cannot meet a 2 s deadline after a crashed
/// leader comes back: the deadline check fails (liveness) and names the
/// fault it followed.
#[test]
fn a_deadline_check_fails_when_elections_are_too_slow() {
    let slow =
        "name = \"raft\"\nelection_timeout = { min = \"3s\", max = \"6s\" }\nheartbeat = \"500ms\"";
    let path = support::variant(DEADLINE, "name = \"raft\"", slow, "slow-elections.toml");
    let scenario = testing::load(&path);
    let report = (0..10)
        .map(|seed| testing::run(&scenario, seed))
        .find(|r| r.verdict != Verdict::Pass)
        .expect("slow elections miss a deadline within 10 seeds");
    let within = timed(&report.checks)[0];
    let Outcome::Fail(why) = &within.outcome else {
        panic!("seed {}: {within:?}", report.seed);
    };
    assert_eq!(report.verdict, Verdict::LivenessFailure, "{report:#?}");
    assert!(why.starts_with("after "), "{why}");
    assert!(why.contains(" (step "), "{why}");
    assert!(why.contains("by the deadline at "), "{why}");
    assert!(why.contains("windows missed their deadline"), "{why}");
}

/// Checks in time schedule nothing: the same seed with and without them
/// runs the same events (same trace hash, same steps).
#[test]
fn checks_in_time_do_not_move_the_trace_hash() {
    for (path, tables) in [
        (NO_QUORUM, "\n[[check.at]]"),
        (DEADLINE, "\n[[check.within]]"),
    ] {
        let text = std::fs::read_to_string(path).expect("scenario");
        let start = text.find(tables).expect("timed tables");
        let stripped = support::variant(path, &text[start..], "\n", "no-timed.toml");
        let without = testing::load(&stripped);
        let with = testing::load(path);
        for seed in 0..3 {
            let a = testing::run(&with, seed);
            let b = testing::run(&without, seed);
            assert_eq!(a.trace_hash, b.trace_hash, "{path} seed {seed}");
            assert_eq!(a.steps, b.steps);
            assert!(timed(&b.checks).is_empty());
        }
    }
}
