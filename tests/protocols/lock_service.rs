//! The lock service: its scenarios pass over seed ranges, the pause without
//! fencing corrupts the storage (the report names both holders), fencing
//! rejects the stale write, and one trace hash is pinned.

use distlab::check::Outcome;
use distlab::scenario::{parse, Overrides};
use distlab::sim::{RunReport, Verdict};
use distlab::testing;

fn metric(report: &RunReport, name: &str) -> u64 {
    report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn lock_scenarios_with_fencing_pass_over_seeds() {
    for path in [
        "scenarios/lock-pause-fencing.toml",
        "scenarios/lock-clock-skew.toml",
        "scenarios/lock-holder-crash.toml",
    ] {
        testing::check_seeds("lock_scenarios_with_fencing_pass_over_seeds", path, 0..50);
    }
}

#[test]
fn lock_pause_with_fencing_rejects_the_stale_write() {
    let scenario = testing::load("scenarios/lock-pause-fencing.toml");
    for seed in 0..10 {
        let report = testing::run(&scenario, seed);
        assert_eq!(report.verdict, Verdict::Pass, "seed {seed}");
        assert!(
            metric(&report, "fenced-writes-rejected") >= 1,
            "seed {seed}: {:?}",
            report.metrics
        );
    }
}

#[test]
fn lock_pause_without_fencing_fails_fenced_writes_naming_both_holders() {
    let path = "scenarios/lock-pause-no-fencing.toml";
    let scenario = testing::load(path);
    let failure = testing::first_failure(&scenario, 0..100)
        .unwrap_or_else(|| panic!("{path}: no seed in 0..100 catches the bug"));
    println!(
        "{}",
        testing::failure_message(
            "lock_pause_without_fencing_fails_fenced_writes_naming_both_holders",
            path,
            &failure
        )
    );
    assert_eq!(failure.verdict, Verdict::SafetyViolation);
    let report = testing::run(&scenario, 1);
    let check = report
        .checks
        .iter()
        .find(|c| c.name == "fenced-writes")
        .expect("fenced-writes");
    assert_eq!(
        check.outcome,
        Outcome::Fail(
            "n3 wrote with token 6 after n2 wrote with token 8 at 4.571s — \
             n3's lease had expired and n2 was granted the lock after it (n4 holds it now)"
                .into()
        )
    );
}

#[test]
fn lock_clock_skew_without_fencing_corrupts() {
    let path = "scenarios/lock-clock-skew.toml";
    let text = std::fs::read_to_string(path).expect("scenario");
    let text = text.replace("bugs = []", "bugs = [\"no-fencing\"]");
    let scenario = parse(path, &text, &Overrides::default()).expect("parses");
    let failure = testing::first_failure(&scenario, 0..20).expect("a seed fails");
    let check = failure
        .checks
        .iter()
        .find(|c| c.name == "fenced-writes")
        .expect("fenced-writes");
    let Outcome::Fail(why) = &check.outcome else {
        panic!("fenced-writes should fail: {:?}", check.outcome);
    };
    assert!(why.contains("'s lease had expired"), "{why}");
}

#[test]
fn lock_service_volatile_token_fails_tokens_grow() {
    let path = "scenarios/lock-holder-crash.toml";
    let text = std::fs::read_to_string(path).expect("scenario");
    let text = text.replace("bugs = []", "bugs = [\"volatile-token\"]");
    let scenario = parse(path, &text, &Overrides::default()).expect("parses");
    let failure = testing::first_failure(&scenario, 0..20).expect("a seed fails");
    assert_eq!(failure.verdict, Verdict::SafetyViolation);
    let check = failure
        .checks
        .iter()
        .find(|c| c.name == "tokens-grow")
        .expect("tokens-grow");
    assert!(
        matches!(&check.outcome, Outcome::Fail(why) if why.starts_with("n0 granted token 1 to n")),
        "{:?}",
        check.outcome
    );
}

#[test]
fn lock_pause_fencing_trace_hash_is_pinned() {
    let scenario = testing::load("scenarios/lock-pause-fencing.toml");
    let report = testing::run(&scenario, scenario.seed);
    insta::assert_snapshot!(report.trace_hash);
}
