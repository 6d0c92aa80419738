//! Three-phase commit: the shipped scenarios pass over seed ranges with the
//! same checks as two-phase commit; under the coordinator crash that blocks
//! 2PC nobody blocks; a partition breaks atomicity (by design); each bug
//! switch is caught (and the same scenario passes without it); 3pc-basic's
//! trace hash is pinned.

use crate::support::{code, distlab, stdout};
use distlab::check::Outcome;
use distlab::sim::{RunReport, Verdict};
use distlab::testing;

fn load(name: &str) -> distlab::scenario::Scenario {
    testing::load(format!("scenarios/3pc-{name}.toml"))
}

fn metric(report: &RunReport, name: &str) -> String {
    report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no metric {name}: {:?}", report.metrics))
}

fn failed_check(report: &RunReport) -> Option<(String, String)> {
    report.checks.iter().find_map(|c| match &c.outcome {
        Outcome::Fail(why) => Some((c.name.clone(), why.clone())),
        _ => None,
    })
}

/// A copy of a shipped scenario with one replacement, in a temp file.
fn variant(path: &str, from: &str, to: &str, name: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(full).expect("scenario exists");
    assert!(text.contains(from), "{path} has no {from:?}");
    let dir = std::env::temp_dir().join(format!("distlab-three-pc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join(name);
    std::fs::write(&out, text.replace(from, to)).expect("write variant");
    out.to_string_lossy().into_owned()
}

#[test]
fn three_pc_basic_passes_over_seeds() {
    testing::check_seeds("three_pc_basic", "scenarios/3pc-basic.toml", 0..30);
}

#[test]
fn three_pc_coordinator_crash_passes_over_seeds() {
    testing::check_seeds(
        "three_pc_coordinator_crash",
        "scenarios/3pc-coordinator-crash.toml",
        0..30,
    );
}

#[test]
fn three_pc_decides_where_two_pc_blocks() {
    // The same faults, the same seeds: 2PC's participants wait out the
    // outage holding their locks; 3PC's terminate within about a second.
    let mut two_blocked = 0;
    let mut three_terminated = 0;
    for seed in 0..10 {
        let two = testing::run(&testing::load("scenarios/2pc-coordinator-crash.toml"), seed);
        let three = testing::run(&load("coordinator-crash"), seed);
        assert_eq!(three.verdict, Verdict::Pass, "seed {seed}: {three:#?}");
        assert_eq!(metric(&three, "blocked-txns"), "0", "seed {seed}");
        two_blocked += metric(&two, "blocked-txns")
            .parse::<u32>()
            .expect("a count");
        three_terminated += metric(&three, "terminated-txns")
            .parse::<u32>()
            .expect("a count");
        let took: distlab::sim::SimTime = metric(&three, "termination-time-max")
            .parse()
            .expect("a duration");
        assert!(
            took < distlab::sim::SimTime::from_millis(2_600),
            "seed {seed}: {took}"
        );
    }
    assert!(
        two_blocked > 0 && three_terminated > 0,
        "{two_blocked} {three_terminated}"
    );
}

#[test]
fn three_pc_a_partition_breaks_atomicity_by_design() {
    // Seeds 0..20: nearly all fail `atomicity` (one side committed, the
    // other aborted); the rest lose a commit the coordinator acknowledged
    // (`commits-applied`), or — rarely — the cuts catch no transaction.
    let mut atomicity = 0;
    for seed in 0..20 {
        let report = testing::run(&load("partition"), seed);
        if let Some((check, why)) = failed_check(&report) {
            if check == "atomicity" {
                assert!(
                    why.contains(" is committed at n1 and aborted at n"),
                    "seed {seed}: {why}"
                );
                atomicity += 1;
            }
        }
    }
    assert!(atomicity >= 15, "only {atomicity} of 20 seeds split");
    let report = testing::run(&load("partition"), 1);
    let (check, why) = failed_check(&report).expect("seed 1 fails");
    assert_eq!(
        (check.as_str(), report.verdict),
        ("atomicity", Verdict::SafetyViolation),
        "{why}"
    );
}

/// The bug scenario fails within `limit` seeds on `check`; without the bug
/// the first 20 seeds pass. Returns the first failing seed.
fn caught(bug: &str, check: &str, limit: u64) -> u64 {
    let path = format!("scenarios/3pc-bug-{bug}.toml");
    let report = testing::first_failure(&testing::load(&path), 0..limit)
        .unwrap_or_else(|| panic!("{bug} is not caught within {limit} seeds"));
    let (name, why) = failed_check(&report).expect("a failed check");
    assert_eq!(name, check, "{bug}: {why}");
    let fixed = variant(
        &path,
        &format!("bugs = [\"{bug}\"]"),
        "bugs = []",
        &format!("fixed-{bug}.toml"),
    );
    testing::check_seeds(&format!("fixed {bug}"), &fixed, 0..20);
    report.seed
}

#[test]
fn three_pc_abort_after_precommit_breaks_atomicity() {
    assert_eq!(caught("abort-after-precommit", "atomicity", 1000), 6);
}

#[test]
fn three_pc_skip_precommit_loses_an_acknowledged_commit() {
    assert_eq!(caught("skip-precommit", "commits-applied", 1000), 3);
}

#[test]
fn three_pc_the_cli_shows_the_termination_protocol() {
    let out = distlab(&["run", "scenarios/3pc-coordinator-crash.toml"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    for metric in ["blocked-txns", "terminated-txns", "termination-time-max"] {
        assert!(text.contains(metric), "{text}");
    }
}

#[test]
fn three_pc_basic_trace_hash_is_pinned() {
    let scenario = load("basic");
    let report = testing::run(&scenario, scenario.seed);
    assert_eq!(report, testing::run(&scenario, scenario.seed));
    insta::assert_snapshot!(
        "three_pc_basic_trace_hash",
        format!("3pc-basic seed {}: {}", scenario.seed, report.trace_hash)
    );
}
