//! Every Raft bug switch is caught by its scenario within a few seeds (the
//! issue asks for at most 1,000), and the same seed passes without the bug.
//! Each test prints the failure with its replay commands (`--nocapture`).

use crate::support;
use distlab::check::Outcome;
use distlab::sim::Verdict;
use distlab::testing;
use std::ops::Range;

/// The scenario of bug `bug` fails within `seeds` on one of `checks`; the
/// same seed passes once the `bugs = [...]` line is removed.
fn caught(test: &str, bug: &str, checks: &[&str], seeds: Range<u64>) {
    let path = format!("scenarios/raft-bug-{bug}.toml");
    let scenario = testing::load(&path);
    let seeds = testing::seeds_from_env(seeds);
    let Some(report) = testing::first_failure(&scenario, seeds.clone()) else {
        panic!("{path}: the bug `{bug}` was not caught in seeds {seeds:?}");
    };
    let message = testing::failure_message(test, &path, &report);
    println!("{message}");
    assert!(
        message.contains(&format!("distlab replay {path} --seed {}", report.seed)),
        "{message}"
    );
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
        .map(|c| c.name.as_str())
        .collect();
    assert!(
        failed.iter().any(|c| checks.contains(c)),
        "{path}: expected one of {checks:?} to fail, got {failed:?}"
    );
    let line = format!("bugs = [\"{bug}\"]");
    let fixed = support::variant(&path, &line, "", &format!("fixed-{bug}.toml"));
    let fixed = testing::run(&testing::load(&fixed), report.seed);
    assert_eq!(
        fixed.verdict,
        Verdict::Pass,
        "without the bug, seed {} must pass: {fixed:#?}",
        report.seed
    );
}

#[test]
fn voting_without_the_log_check_elects_a_leader_missing_committed_entries() {
    caught(
        "voting_without_the_log_check_elects_a_leader_missing_committed_entries",
        "vote-without-log-check",
        &["leader-completeness"],
        0..20,
    );
}

#[test]
fn committing_old_terms_by_counting_loses_a_committed_entry() {
    caught(
        "committing_old_terms_by_counting_loses_a_committed_entry",
        "commit-old-terms",
        &["leader-completeness", "state-machine-safety"],
        0..50,
    );
}

#[test]
fn replying_before_sync_loses_acknowledged_state_in_a_crash() {
    caught(
        "replying_before_sync_loses_acknowledged_state_in_a_crash",
        "reply-before-sync",
        &[
            "commit-never-decreases",
            "leader-completeness",
            "election-safety",
            "linearizable",
        ],
        0..20,
    );
}

#[test]
fn forgetting_the_vote_on_restart_elects_two_leaders_in_a_term() {
    caught(
        "forgetting_the_vote_on_restart_elects_two_leaders_in_a_term",
        "forget-vote",
        &["election-safety"],
        0..20,
    );
}

#[test]
fn applying_before_commit_acknowledges_writes_that_are_lost() {
    caught(
        "applying_before_commit_acknowledges_writes_that_are_lost",
        "apply-before-commit",
        &["state-machine-safety", "linearizable", "acked-ops-applied"],
        0..20,
    );
}

#[test]
fn without_client_sessions_a_retried_append_is_applied_twice() {
    caught(
        "without_client_sessions_a_retried_append_is_applied_twice",
        "no-dedup",
        &["linearizable"],
        0..20,
    );
}

#[test]
fn read_index_without_the_heartbeat_round_serves_stale_reads_from_a_cut_off_leader() {
    caught(
        "read_index_without_the_heartbeat_round_serves_stale_reads_from_a_cut_off_leader",
        "read-index-no-confirm",
        &["linearizable"],
        0..30,
    );
}

#[test]
fn a_lease_without_a_drift_margin_serves_stale_reads_on_drifting_clocks() {
    caught(
        "a_lease_without_a_drift_margin_serves_stale_reads_on_drifting_clocks",
        "lease-ignores-drift",
        &["linearizable"],
        0..150,
    );
}

#[test]
fn an_unknown_bug_name_is_an_error_at_its_position() {
    let path = support::variant(
        "scenarios/raft-bug-no-dedup.toml",
        "bugs = [\"no-dedup\"]",
        "bugs = [\"no-dedup\", \"no-dedupe\"]",
        "bad-bug.toml",
    );
    let scenario = testing::load(&path);
    let err = distlab::registry::build(&scenario, &Default::default())
        .err()
        .expect("an unknown bug is rejected");
    assert!(
        err.message.starts_with("unknown bug switch \"no-dedupe\""),
        "{}",
        err.message
    );
    assert_eq!((err.line, err.column), (26, 21));
}

/// Clients resend after a lost reply (`[workload] resend`): the reference
/// answers a retry of a request it already applied from the session;
/// without sessions the leader appends the retry again in its term, which
/// `one-append-per-term` reports.
#[test]
fn a_retry_after_a_lost_reply_is_answered_from_the_session() {
    let path = "labs/08-raft-kv/scenarios/lost-replies.toml";
    for seed in 0..5 {
        let report = testing::run(&testing::load(path), seed);
        assert_eq!(report.verdict, Verdict::Pass, "seed {seed}: {report:#?}");
    }
    let buggy = support::variant(
        path,
        "name = \"raft\"",
        "name = \"raft\"\nbugs = [\"no-dedup\"]",
        "lost-replies-no-dedup.toml",
    );
    let report = testing::run(&testing::load(&buggy), 0);
    let why = report
        .checks
        .iter()
        .find_map(|c| match &c.outcome {
            Outcome::Fail(why) if c.name == "one-append-per-term" => Some(why.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("one-append-per-term must fail: {report:#?}"));
    assert!(why.contains("twice"), "{why}");
}

#[test]
fn a_configuration_in_force_only_once_committed_commits_without_a_majority_of_it() {
    caught(
        "a_configuration_in_force_only_once_committed_commits_without_a_majority_of_it",
        "config-on-commit",
        &["config-quorums"],
        0..20,
    );
}

#[test]
fn two_membership_changes_at_once_allow_disjoint_majorities() {
    caught(
        "two_membership_changes_at_once_allow_disjoint_majorities",
        "two-changes-at-once",
        &["config-quorums"],
        0..20,
    );
}

#[test]
fn compacting_at_the_applied_index_sends_snapshots_to_near_followers() {
    caught(
        "compacting_at_the_applied_index_sends_snapshots_to_near_followers",
        "compact-past-followers",
        &["expect snapshots-to-near-followers"],
        0..5,
    );
}
