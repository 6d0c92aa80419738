//! Event sourcing and CQRS: the shipped scenarios pass over seed ranges
//! (crashes, loss, duplication), every bug switch is caught by the check
//! meant for it (and the same scenario passes without it), the metrics are
//! in the summary, and two scenarios' trace hashes are pinned.

use crate::support::{self, code, distlab, stdout};
use distlab::check::Outcome;
use distlab::sim::{RunReport, Verdict};
use distlab::testing;

/// A copy of a shipped scenario with several replacements, in a temp file.
fn variant(path: &str, edits: &[(&str, &str)], name: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let mut text = std::fs::read_to_string(full).expect("scenario exists");
    for (from, to) in edits {
        assert!(text.contains(from), "{path} has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    let dir = std::env::temp_dir().join(format!("distlab-cqrs-{}", std::process::id()));
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

fn metric(report: &RunReport, name: &str) -> String {
    report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no metric {name}: {:?}", report.metrics))
}

fn number(report: &RunReport, name: &str) -> u64 {
    metric(report, name).parse().expect("a number")
}

#[test]
fn es_basic_passes_over_seeds() {
    testing::check_seeds(
        "es_basic_passes_over_seeds",
        "scenarios/es-basic.toml",
        0..50,
    );
}

#[test]
fn a_crashing_consumer_neither_loses_nor_double_counts() {
    let path = "scenarios/cqrs-consumer-crash.toml";
    testing::check_seeds(
        "a_crashing_consumer_neither_loses_nor_double_counts",
        path,
        0..200,
    );
    let scenario = testing::load(path);
    let (redelivered, suppressed): (u64, u64) = (0..20)
        .map(|seed| testing::run(&scenario, seed))
        .map(|r| {
            (
                number(&r, "redeliveries"),
                number(&r, "duplicates-suppressed"),
            )
        })
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert!(redelivered > 0, "the crashes must cause redeliveries");
    assert!(suppressed >= redelivered, "{suppressed} < {redelivered}");
}

#[test]
fn the_outbox_survives_store_crashes() {
    let path = "scenarios/es-outbox-crash.toml";
    testing::check_seeds("the_outbox_survives_store_crashes", path, 0..200);
}

#[test]
fn concurrent_commands_conflict_and_retry() {
    let path = "scenarios/es-concurrent-commands.toml";
    testing::check_seeds("concurrent_commands_conflict_and_retry", path, 0..100);
    let report = testing::run(&testing::load(path), 1);
    assert!(
        number(&report, "command-conflicts") > 10,
        "{:?}",
        report.metrics
    );
    assert!(
        number(&report, "command-retries") > 10,
        "{:?}",
        report.metrics
    );
}

#[test]
fn reads_lag_but_read_latest_sees_every_acknowledged_write() {
    let path = "scenarios/cqrs-read-lag.toml";
    testing::check_seeds("reads_lag_but_read_latest", path, 0..100);
    let report = testing::run(&testing::load(path), 1);
    assert!(number(&report, "stale-reads") > 0, "{:?}", report.metrics);
    assert!(number(&report, "read-latest-reads") > 0);
    assert!(metric(&report, "read-model-lag-p99").ends_with("ms"));
}

#[test]
fn a_rebuilt_projection_converges_to_the_store() {
    let path = "scenarios/es-rebuild-projection.toml";
    testing::check_seeds("a_rebuilt_projection_converges_to_the_store", path, 0..100);
}

#[test]
fn a_partitioned_and_crashed_broker_loses_nothing() {
    let path = "scenarios/broker-partition.toml";
    testing::check_seeds(
        "a_partitioned_and_crashed_broker_loses_nothing",
        path,
        0..100,
    );
}

/// The bug scenario fails on its own seed with `check`, naming `needle`;
/// without the bug, the first 30 seeds pass. Returns the first failing seed
/// in 0..limit.
fn caught(path: &str, bug: &str, check: &str, needle: &str, limit: u64) -> u64 {
    let scenario = testing::load(path);
    let own = testing::run(&scenario, scenario.seed);
    let (name, why) = failed_check(&own).unwrap_or_else(|| panic!("{path} passes its own seed"));
    assert_eq!(name, check, "{bug}: {why}");
    assert!(why.contains(needle), "{bug}: {why}");
    let first = testing::first_failure(&scenario, 0..limit)
        .unwrap_or_else(|| panic!("{bug} is not caught within {limit} seeds"));
    let fixed = variant(
        path,
        &[(&format!("bugs = [\"{bug}\"]"), "bugs = []")],
        &format!("fixed-{bug}.toml"),
    );
    testing::check_seeds(&format!("fixed {bug}"), &fixed, 0..30);
    first.seed
}

#[test]
fn dual_write_loses_an_event_the_outbox_would_have_kept() {
    let path = "scenarios/cqrs-bug-dual-write.toml";
    let check = "every-event-published";
    let seed = caught(
        path,
        "dual-write",
        check,
        "never reached the broker; first: acct-",
        20,
    );
    assert_eq!(seed, 1);
    let report = testing::run(&testing::load(path), 2);
    assert_eq!(report.verdict, Verdict::LivenessFailure);
    let lost = report
        .checks
        .iter()
        .find(|c| c.name == "projection-matches-store")
        .expect("check ran");
    assert!(
        matches!(&lost.outcome, Outcome::Fail(w) if w.contains("never applied")),
        "{lost:?}"
    );
}

#[test]
fn a_non_idempotent_projection_double_counts() {
    let path = "scenarios/cqrs-bug-non-idempotent-projection.toml";
    let seed = caught(
        path,
        "non-idempotent-projection",
        "no-double-apply",
        "so the event is counted twice",
        10,
    );
    assert_eq!(seed, 0);
}

#[test]
fn the_fold_check_alone_catches_a_double_count_at_the_end() {
    let path = variant(
        "scenarios/cqrs-bug-non-idempotent-projection.toml",
        &[(
            "[network]",
            "[check]\ninvariants = [\"projection-matches-store\"]\n\n[network]",
        )],
        "fold-only.toml",
    );
    let report = testing::first_failure(&testing::load(&path), 0..10).expect("caught");
    let (name, why) = failed_check(&report).expect("a failed check");
    assert_eq!(name, "projection-matches-store");
    assert!(why.contains("applied twice: acct-"), "{why}");
}

#[test]
fn committing_before_processing_loses_events() {
    let path = "scenarios/cqrs-bug-commit-before-process.toml";
    let check = "projection-matches-store";
    let seed = caught(path, "commit-before-process", check, "never applied", 10);
    assert_eq!(seed, 0);
}

#[test]
fn appending_without_an_expected_version_loses_updates() {
    let path = "scenarios/cqrs-bug-no-expected-version.toml";
    let check = "optimistic-concurrency";
    let seed = caught(
        path,
        "no-expected-version",
        check,
        "was validated against v",
        10,
    );
    assert_eq!(seed, 0);
}

#[test]
fn the_summary_shows_the_flow_metrics() {
    let out = distlab(&["run", "scenarios/es-basic.toml"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    for m in [
        "read-model-lag-p50",
        "read-model-lag-p99",
        "redeliveries",
        "duplicates-suppressed",
        "command-conflicts",
        "command-retries",
        "deposits-v1-upcast",
        "read-model-at-half",
    ] {
        assert!(text.contains(m), "{m}: {text}");
    }
}

#[test]
fn the_dual_write_run_names_the_lost_event_and_how_to_replay_it() {
    let out = distlab(&["run", "scenarios/cqrs-bug-dual-write.toml"]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("every-event-published"), "{text}");
    assert!(text.contains("0 left in the outbox"), "{text}");
    assert!(
        text.contains("replay: distlab replay scenarios/cqrs-bug-dual-write.toml --seed 2"),
        "{text}"
    );
}

#[test]
fn two_projections_each_converge_under_crashes() {
    let path = variant(
        "scenarios/cqrs-consumer-crash.toml",
        &[("nodes = 5", "nodes = 6")],
        "two-projections.toml",
    );
    testing::check_seeds("two_projections_each_converge_under_crashes", &path, 0..50);
}

#[test]
fn cqrs_needs_a_projection_node() {
    let path = variant(
        "scenarios/es-basic.toml",
        &[("nodes = 5", "nodes = 4")],
        "four.toml",
    );
    let out = distlab(&["run", &path]);
    assert_eq!(code(&out), 3);
    let err = support::stderr(&out);
    assert!(
        err.contains("cqrs needs at least 5 nodes (store, broker, 2 command handler(s), a projection), got 4"),
        "{err}"
    );
}

#[test]
fn trace_hashes_are_pinned() {
    let hashes: Vec<String> = [
        "scenarios/es-basic.toml",
        "scenarios/cqrs-consumer-crash.toml",
    ]
    .iter()
    .map(|path| {
        let scenario = testing::load(path);
        let report = testing::run(&scenario, scenario.seed);
        format!("{path} seed {}: {}", scenario.seed, report.trace_hash)
    })
    .collect();
    insta::assert_snapshot!("cqrs_trace_hashes", hashes.join("\n"));
}
