//! The MIT 6.5840 Raft tests as shipped scenarios (`scenarios/raft-6.5840/`):
//! every file passes a few seeds on the reference, and every Raft bug switch
//! fails at least one of them (the table in that folder's README.md; the
//! large sweeps are documented there).

use crate::support;
use distlab::check::Outcome;
use distlab::sim::Verdict;
use distlab::testing;
use std::ops::Range;

const DIR: &str = "scenarios/raft-6.5840";

/// Every scenario file in the folder, sorted.
fn files() -> Vec<String> {
    let dir = format!("{}/{DIR}", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .expect("the suite's folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".toml"))
        .map(|n| format!("{DIR}/{n}"))
        .collect();
    out.sort();
    out
}

#[test]
fn every_suite_file_passes_on_the_reference() {
    let files = files();
    assert!(files.len() >= 8, "{files:?}");
    for path in &files {
        let scenario = testing::load(path);
        for seed in testing::seeds_from_env(0..5) {
            let report = testing::run(&scenario, seed);
            assert_eq!(
                report.verdict,
                Verdict::Pass,
                "{path} seed {seed}: {report:#?}"
            );
        }
    }
}

/// Which suite file catches which bug switch, within which seeds, on which
/// checks (one of them fails).
const CAUGHT: &[(&str, &str, Range<u64>, &[&str])] = &[
    (
        "vote-without-log-check",
        "reelection-3a.toml",
        0..5,
        &["leader-completeness"],
    ),
    (
        "commit-old-terms",
        "figure8-3c.toml",
        0..50,
        &["leader-completeness", "state-machine-safety"],
    ),
    (
        "reply-before-sync",
        "persist-3c.toml",
        0..5,
        &[
            "commit-never-decreases",
            "leader-completeness",
            "election-safety",
            "linearizable",
        ],
    ),
    (
        "forget-vote",
        "crash-loop-3c.toml",
        0..10,
        &["election-safety"],
    ),
    // The moment checks catch it: a leader cut off from its majority
    // answers clients (`no-op-commits` at 4 s).
    (
        "apply-before-commit",
        "fail-no-agree-3b.toml",
        0..5,
        &["at 4s:"],
    ),
    // A request retried with the same id appended twice by one leader.
    (
        "no-dedup",
        "figure8-unreliable-3c.toml",
        0..5,
        &["one-append-per-term", "linearizable"],
    ),
    // The 3D and 4A/4B files (seeds 0..50 in the README: 50 of 50 each).
    (
        "vote-without-log-check",
        "snapshot-install-3d.toml",
        0..5,
        &["leader-completeness"],
    ),
    (
        "reply-before-sync",
        "snapshot-init-3d.toml",
        0..5,
        &["commit-never-decreases"],
    ),
    (
        "apply-before-commit",
        "kv-one-partition-4a.toml",
        0..5,
        &["state-machine-safety", "at 8.5s:"],
    ),
    (
        "no-dedup",
        "snapshot-install-unreliable-3d.toml",
        0..5,
        &["one-append-per-term", "linearizable"],
    ),
];

#[test]
fn every_bug_switch_fails_a_suite_file() {
    let bugs = [
        "vote-without-log-check",
        "commit-old-terms",
        "reply-before-sync",
        "forget-vote",
        "apply-before-commit",
        "no-dedup",
    ];
    for bug in bugs {
        assert!(
            CAUGHT.iter().any(|(b, _, _, _)| *b == bug),
            "no suite file is listed as catching `{bug}`"
        );
    }
    for (bug, file, seeds, checks) in CAUGHT {
        let path = format!("{DIR}/{file}");
        let with_bug = support::variant(
            &path,
            "name = \"raft\"\n",
            &format!("name = \"raft\"\nbugs = [\"{bug}\"]\n"),
            &format!("6.5840-{bug}-{file}"),
        );
        let Some(report) = testing::first_failure(&testing::load(&with_bug), seeds.clone()) else {
            panic!("{path}: the bug `{bug}` was not caught in seeds {seeds:?}");
        };
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
            .map(|c| c.name.as_str())
            .collect();
        assert!(
            failed
                .iter()
                .any(|c| checks.iter().any(|k| c.starts_with(k))),
            "{path} with `{bug}`, seed {}: expected one of {checks:?} to fail, got {failed:?}",
            report.seed
        );
    }
}

/// The value of `metric` in `report`, as a number.
fn metric(report: &distlab::sim::RunReport, metric: &str) -> f64 {
    let (_, text) = report
        .metrics
        .iter()
        .find(|(name, _)| name == metric)
        .unwrap_or_else(|| panic!("no metric `{metric}` in {:?}", report.metrics));
    text.parse().expect("a number")
}

/// The outcome of the check named `name`.
fn outcome<'r>(report: &'r distlab::sim::RunReport, name: &str) -> &'r Outcome {
    &report
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check `{name}`"))
        .outcome
}

/// TestRPCBytes3B: `count-3b.toml` bounds the bytes sent per operation.
/// The reference passes it; the same bound with values five times larger
/// fails, naming the measured value; so does the leader without
/// pipelining, which sends entries again until they are answered; a bound
/// on bytes changes nothing the run does (same trace hash as the file
/// without it).
#[test]
fn count_3b_bounds_the_bytes_sent_per_operation() {
    let path = format!("{DIR}/count-3b.toml");
    let report = testing::run(&testing::load(&path), 0);
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    let per_op = metric(&report, "bytes-per-op");
    assert!(
        (1800.0..=3500.0).contains(&per_op),
        "bytes per operation with 1,000-byte values: {per_op}"
    );
    let big = support::variant(
        &path,
        "payload = 1000\n",
        "payload = 5000\n",
        "6.5840-count-3b-payload-5000.toml",
    );
    let report = testing::run(&testing::load(&big), 0);
    assert_eq!(report.verdict, Verdict::LivenessFailure, "{report:#?}");
    let Outcome::Fail(why) = outcome(&report, "expect bytes-per-op") else {
        panic!("{report:#?}");
    };
    assert!(
        why.starts_with("measured ") && why.contains("expected <= "),
        "{why}"
    );
    let resending = support::variant(
        &path,
        "name = \"raft\"\n",
        "name = \"raft\"\npipeline = false\n",
        "6.5840-count-3b-no-pipeline.toml",
    );
    let report = testing::run(&testing::load(&resending), 0);
    assert_eq!(report.verdict, Verdict::LivenessFailure, "{report:#?}");
    assert!(
        matches!(outcome(&report, "expect bytes-per-op"), Outcome::Fail(_)),
        "{report:#?}"
    );
    // Without a byte bound nothing is counted, and the run is the same.
    let plain = support::variant(
        &path,
        "bytes-per-op = { max = 3500 }\n",
        "",
        "6.5840-count-3b-no-bytes.toml",
    );
    let without = testing::run(&testing::load(&plain), 0);
    assert!(without.metrics.iter().all(|(n, _)| n != "message-bytes"));
    let with = testing::run(&testing::load(&path), 0);
    assert_eq!(with.trace_hash, without.trace_hash);
    assert_eq!(with.steps, without.steps);
}

/// TestSnapshotBasic3D and TestSnapshotSize4B: without compaction
/// (`snapshot_every = 0`) the persisted state outgrows the files' bound.
#[test]
fn the_storage_bound_catches_a_log_that_is_never_compacted() {
    for (file, from) in [
        ("snapshot-basic-3d.toml", "snapshot_every = 10\n"),
        ("kv-snapshot-size-4b.toml", "snapshot_every = 10\n"),
    ] {
        let path = format!("{DIR}/{file}");
        let compacted = testing::run(&testing::load(&path), 1);
        assert_eq!(compacted.verdict, Verdict::Pass, "{path}: {compacted:#?}");
        let never = support::variant(
            &path,
            from,
            "snapshot_every = 0\n",
            &format!("6.5840-no-snapshots-{file}"),
        );
        let report = testing::run(&testing::load(&never), 1);
        let Outcome::Fail(why) = outcome(&report, "expect storage-bytes") else {
            panic!("{path} without snapshots: {report:#?}");
        };
        assert!(why.starts_with("measured "), "{why}");
        assert!(
            metric(&report, "storage-bytes") > 4.0 * metric(&compacted, "storage-bytes"),
            "{path}: {} without snapshots, {} with",
            metric(&report, "storage-bytes"),
            metric(&compacted, "storage-bytes")
        );
    }
}
