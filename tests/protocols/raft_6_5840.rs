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
const CAUGHT: [(&str, &str, Range<u64>, &[&str]); 6] = [
    (
        "vote-without-log-check",
        "reelection-3a.toml",
        0..5,
        &["leader-completeness"],
    ),
    (
        "commit-old-terms",
        "figure8-3c.toml",
        0..10,
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
