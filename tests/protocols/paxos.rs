//! Paxos: Multi-Paxos passes its scenarios over seed ranges (the churn one
//! with crashes, partitions, pauses, loss and duplication); every bug switch
//! is caught within 1,000 seeds on the check meant for it, and the same seed
//! passes without it; two single-decree proposers without backoff livelock
//! (by design) and with backoff choose one value; a trace hash is pinned.

use crate::support;
use distlab::check::Outcome;
use distlab::sim::{RunReport, Verdict};
use distlab::testing;

fn load(name: &str) -> distlab::scenario::Scenario {
    testing::load(format!("scenarios/paxos-{name}.toml"))
}

fn metric(report: &RunReport, name: &str) -> u64 {
    report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or_else(|| panic!("metric {name} missing: {:?}", report.metrics))
}

fn outcome<'a>(report: &'a RunReport, check: &str) -> &'a Outcome {
    &report
        .checks
        .iter()
        .find(|c| c.name == check)
        .unwrap_or_else(|| panic!("no check {check}"))
        .outcome
}

#[test]
fn paxos_basic_passes_over_seeds() {
    testing::check_seeds(
        "paxos_basic_passes_over_seeds",
        "scenarios/paxos-basic.toml",
        0..30,
    );
    let report = testing::run(&load("basic"), 1);
    assert_eq!(metric(&report, "ballots-led"), 1);
    assert_eq!(report.operations.ok, report.operations.invoked);
}

#[test]
fn paxos_churn_passes_over_seeds() {
    testing::check_seeds(
        "paxos_churn_passes_over_seeds",
        "scenarios/paxos-churn.toml",
        0..12,
    );
    let report = testing::run(&load("churn"), 17);
    assert!(metric(&report, "ballots-led") > 5, "{:?}", report.metrics);
    assert!(report.messages.duplicated > 0 && report.messages.dropped > 0);
}

/// `scenarios/paxos-bug-{file}.toml` (bug switch `bug`) fails first at
/// `first` with one of `checks` failing, and passes without the switch.
fn caught(test: &str, (bug, file): (&str, &str), checks: &[&str], first: u64) {
    let path = format!("scenarios/paxos-bug-{file}.toml");
    support::bug_caught_at(test, &path, bug, checks, first);
}

#[test]
fn accepting_without_the_promise_check_chooses_two_values() {
    caught(
        "accepting_without_the_promise_check_chooses_two_values",
        ("no-promise-check", "no-promise-check"),
        &["agreement", "acceptor-monotonic"],
        1,
    );
}

#[test]
fn re_proposing_any_accepted_value_overwrites_a_chosen_one() {
    caught(
        "re_proposing_any_accepted_value_overwrites_a_chosen_one",
        ("any-accepted-value", "any-accepted-value"),
        &["agreement"],
        // 0 before checkpoints: a slot a promise's checkpoint covers is no
        // longer re-proposed, so seed 0's stale value never goes out; 65
        // of the first 100 seeds fail (60 before).
        1,
    );
}

#[test]
fn replying_before_sync_forgets_an_acceptance_in_a_crash() {
    caught(
        "replying_before_sync_forgets_an_acceptance_in_a_crash",
        ("reply-before-sync", "reply-before-sync"),
        &["acceptor-monotonic", "agreement"],
        0,
    );
}

#[test]
fn a_round_kept_in_memory_reuses_a_ballot_after_a_restart() {
    caught(
        "a_round_kept_in_memory_reuses_a_ballot_after_a_restart",
        ("reuse-ballot-after-restart", "reuse-ballot"),
        &["ballot-led-once"],
        0,
    );
}

#[test]
fn dueling_proposers_livelock_by_design() {
    for seed in 0..10 {
        let report = testing::run(&load("dueling-proposers"), seed);
        assert_eq!(report.verdict, Verdict::LivenessFailure, "seed {seed}");
        assert_eq!(outcome(&report, "agreement"), &Outcome::Pass);
        match outcome(&report, "value-learned") {
            Outcome::Fail(why) => assert!(why.contains("never learned a chosen value"), "{why}"),
            other => panic!("seed {seed}: value-learned {other:?}"),
        }
        assert!(matches!(outcome(&report, "value-chosen"), Outcome::Fail(_)));
        assert!(metric(&report, "preemptions") > 1000, "seed {seed}");
    }
}

#[test]
fn randomized_backoff_ends_the_duel() {
    testing::check_seeds(
        "randomized_backoff_ends_the_duel",
        "scenarios/paxos-dueling-backoff.toml",
        0..100,
    );
    for seed in 0..10 {
        let report = testing::run(&load("dueling-backoff"), seed);
        assert_eq!(metric(&report, "slots-chosen"), 1);
        assert!(metric(&report, "preemptions") < 20, "seed {seed}");
    }
}

#[test]
fn paxos_trace_hashes_are_pinned() {
    let scenario = load("basic");
    let report = testing::run(&scenario, scenario.seed);
    assert_eq!(report, testing::run(&scenario, scenario.seed));
    insta::assert_snapshot!(report.trace_hash);
}
