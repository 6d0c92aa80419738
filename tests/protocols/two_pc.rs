//! Two-phase commit: the shipped scenarios pass over seed ranges, every bug
//! switch is caught (and the same scenario passes without it), every check
//! catches something, and 2pc-basic's trace hash is pinned.

use crate::support::{self, code, distlab, stdout};
use distlab::check::Outcome;
use distlab::sim::{RunReport, Verdict};
use distlab::testing;

/// A copy of a shipped scenario with several replacements, in a temp file.
fn variant_many(path: &str, edits: &[(&str, &str)], name: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let mut text = std::fs::read_to_string(full).expect("scenario exists");
    for (from, to) in edits {
        assert!(text.contains(from), "{path} has no {from:?}");
        text = text.replace(from, to);
    }
    let dir = std::env::temp_dir().join(format!("distlab-two-pc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join(name);
    std::fs::write(&out, text).expect("write variant");
    out.to_string_lossy().into_owned()
}

fn failed_check(report: &RunReport) -> Option<(String, String)> {
    report.checks.iter().find_map(|c| match &c.outcome {
        Outcome::Fail(why) => Some((c.name.clone(), why.clone())),
        _ => None,
    })
}

#[test]
fn basic_passes_over_seeds() {
    testing::check_seeds("basic_passes_over_seeds", "scenarios/2pc-basic.toml", 0..30);
}

#[test]
fn coordinator_crash_passes_over_seeds() {
    testing::check_seeds(
        "coordinator_crash_passes_over_seeds",
        "scenarios/2pc-coordinator-crash.toml",
        0..30,
    );
}

#[test]
fn participant_crash_passes_over_seeds() {
    testing::check_seeds(
        "participant_crash_passes_over_seeds",
        "scenarios/2pc-participant-crash.toml",
        0..20,
    );
}

#[test]
fn partition_passes_over_seeds() {
    testing::check_seeds(
        "partition_passes_over_seeds",
        "scenarios/2pc-partition.toml",
        0..40,
    );
}

/// The bug scenario fails within `limit` seeds on `check`; without the bug
/// the first ten seeds pass. Returns the first failing seed.
fn caught(bug: &str, check: &str, limit: u64) -> u64 {
    let path = format!("scenarios/2pc-bug-{bug}.toml");
    let scenario = testing::load(&path);
    let report = testing::first_failure(&scenario, 0..limit)
        .unwrap_or_else(|| panic!("{bug} is not caught within {limit} seeds"));
    assert_eq!(report.verdict, Verdict::SafetyViolation, "{report:#?}");
    let (name, why) = failed_check(&report).expect("a failed check");
    assert_eq!(name, check, "{bug}: {why}");
    let fixed = variant_many(
        &path,
        &[(&format!("bugs = [\"{bug}\"]"), "bugs = []")],
        &format!("fixed-{bug}.toml"),
    );
    testing::check_seeds(&format!("fixed {bug}"), &fixed, 0..10);
    report.seed
}

#[test]
fn send_before_log_breaks_atomicity() {
    assert_eq!(caught("send-before-log", "atomicity", 1000), 0);
}

#[test]
fn forget_prepared_commits_without_a_yes_vote() {
    assert_eq!(
        caught("forget-prepared", "commit-needs-every-yes-vote", 1000),
        0
    );
}

#[test]
fn unilateral_abort_breaks_atomicity() {
    assert_eq!(caught("unilateral-abort", "atomicity", 1000), 0);
}

#[test]
fn presume_commit_commits_without_a_yes_vote() {
    assert_eq!(
        caught("presume-commit", "commit-needs-every-yes-vote", 1000),
        3
    );
}

#[test]
fn early_unlock_is_not_serializable() {
    assert_eq!(caught("early-unlock", "serializable", 1000), 0);
}

#[test]
fn money_conservation_catches_a_forgotten_vote_on_its_own() {
    let path = variant_many(
        "scenarios/2pc-bug-forget-prepared.toml",
        &[(
            "[network]",
            "[check]\ninvariants = [\"money-conserved\"]\n\n[network]",
        )],
        "money.toml",
    );
    let report = testing::first_failure(&testing::load(&path), 0..50).expect("caught");
    let (name, why) = failed_check(&report).expect("a failed check");
    assert_eq!(name, "money-conserved");
    assert!(why.contains("was deposited"), "{why}");
}

#[test]
fn an_in_doubt_transaction_at_the_end_fails_liveness() {
    // The coordinator comes back only as the run ends: no time to decide.
    let path = variant_many(
        "scenarios/2pc-coordinator-crash.toml",
        &[
            ("settle = \"4s\"", "settle = \"1ms\""),
            ("at = \"8s\"\nrestart = 0", "at = \"11.999s\"\nrestart = 0"),
        ],
        "late.toml",
    );
    let report = testing::run(&testing::load(&path), 1);
    assert_eq!(report.verdict, Verdict::LivenessFailure, "{report:#?}");
    let (name, why) = failed_check(&report).expect("a failed check");
    assert_eq!(name, "every-transaction-decided");
    assert!(why.contains("undecided after the settle phase"), "{why}");
}

#[test]
fn the_cli_reports_a_bug_with_a_replay_command() {
    let out = distlab(&[
        "run",
        "scenarios/2pc-bug-unilateral-abort.toml",
        "--seed",
        "0",
    ]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("FAIL    always     atomicity:"), "{text}");
    assert!(
        text.contains("distlab replay scenarios/2pc-bug-unilateral-abort.toml --seed 0"),
        "{text}"
    );
}

#[test]
fn the_coordinator_crash_summary_shows_blocking() {
    let out = distlab(&["run", "scenarios/2pc-coordinator-crash.toml"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    for metric in ["blocked-txns", "blocked-time-max", "blocked-lock-time"] {
        assert!(text.contains(metric), "{text}");
    }
}

#[test]
fn one_node_is_not_enough() {
    let path = variant_many(
        "scenarios/2pc-basic.toml",
        &[("nodes = 4", "nodes = 1")],
        "one.toml",
    );
    let out = distlab(&["run", &path]);
    assert_eq!(code(&out), 3);
    let err = support::stderr(&out);
    assert!(
        err.contains("two-pc needs at least 2 nodes (a coordinator and a participant), got 1"),
        "{err}"
    );
}

#[test]
fn basic_trace_hash_is_pinned() {
    let scenario = testing::load("scenarios/2pc-basic.toml");
    let report = testing::run(&scenario, scenario.seed);
    insta::assert_snapshot!(
        "two_pc_basic_trace_hash",
        format!("2pc-basic seed {}: {}", scenario.seed, report.trace_hash)
    );
}
