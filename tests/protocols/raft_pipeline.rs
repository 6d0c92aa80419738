//! Raft's pipelined replication (`scenarios/raft-pipeline.toml`): every
//! entry reaches each follower once and an AppendEntries carries several
//! commands; with `pipeline = false` the same run blows both bounds.

use distlab::check::Outcome;
use distlab::scenario::Scenario;
use distlab::sim::RunReport;
use distlab::testing;

fn metric(report: &RunReport, name: &str) -> f64 {
    let value = report.metrics.iter().find(|(n, _)| n == name);
    value
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing: {:?}", report.metrics))
}

fn outcome<'r>(report: &'r RunReport, check: &str) -> &'r Outcome {
    let found = report.checks.iter().find(|c| c.name == check);
    &found.unwrap_or_else(|| panic!("no check {check}")).outcome
}

fn pipeline(pipelined: bool) -> Scenario {
    let mut s = testing::load("scenarios/raft-pipeline.toml");
    let value = if pipelined { "true" } else { "false" };
    s.protocol_params = s.protocol_params.with_param("pipeline", value).unwrap();
    s
}

#[test]
fn raft_pipeline_sends_every_entry_once_per_follower() {
    testing::check_seeds(
        "raft_pipeline_sends_every_entry_once_per_follower",
        "scenarios/raft-pipeline.toml",
        0..3,
    );
    let report = testing::run(&pipeline(true), 0);
    assert!(metric(&report, "entries-sent-per-needed") <= 1.2);
    assert!(metric(&report, "appends-per-commit") <= 1.0);
    assert!(
        metric(&report, "commit-index") > 1000.0,
        "{:?}",
        report.metrics
    );
}

#[test]
fn without_pipelining_the_same_run_fails_its_bounds() {
    let mut scenario = pipeline(false);
    // The old leader's re-sends grow with the log: a second is plenty.
    scenario.duration = distlab::sim::SimTime::from_secs(1);
    let report = testing::run(&scenario, 0);
    assert!(
        metric(&report, "entries-sent-per-needed") > 5.0,
        "{:?}",
        report.metrics
    );
    assert!(matches!(
        outcome(&report, "expect entries-sent-per-needed"),
        Outcome::Fail(_)
    ));
    assert!(matches!(
        outcome(&report, "expect appends-per-commit"),
        Outcome::Fail(_)
    ));
}

/// 10 % loss with the default parameters (PreVote on): the first leader
/// keeps its term over every seed (main's defaults, PreVote off, elected a
/// second leader on 117 of 1,000 seeds).
#[test]
fn lossy_links_cause_no_spurious_election_with_the_defaults() {
    let mut scenario = testing::load("scenarios/raft-basic.toml");
    scenario.network.loss = distlab::scenario::Probability::new(0.1).unwrap();
    for seed in 0..30 {
        let report = testing::run(&scenario, seed);
        assert_eq!(metric(&report, "elections-won"), 1.0, "seed {seed}");
    }
}

/// `scenarios/raft-pipeline-reorder.toml`: the same workload on reordering
/// links. The follower keeps an AppendEntries that overtook the one before
/// it (`reorder_buffer`), so each entry still reaches each follower about
/// once; with the buffer off, an overtaken AppendEntries is rejected and
/// its entries go again, and the file's `[expect]` fails.
#[test]
fn raft_pipeline_reorder_sends_every_entry_once_per_follower() {
    let path = "scenarios/raft-pipeline-reorder.toml";
    testing::check_seeds(
        "raft_pipeline_reorder_sends_every_entry_once_per_follower",
        path,
        0..3,
    );
    let mut scenario = testing::load(path);
    let report = testing::run(&scenario, 0);
    assert!(metric(&report, "entries-sent-per-needed") <= 1.05);
    scenario.protocol_params = scenario
        .protocol_params
        .with_param("reorder_buffer", "false")
        .unwrap();
    let report = testing::run(&scenario, 0);
    assert!(
        metric(&report, "entries-sent-per-needed") > 1.2,
        "{:?}",
        report.metrics
    );
    assert!(matches!(
        outcome(&report, "expect entries-sent-per-needed"),
        Outcome::Fail(_)
    ));
}

/// `spurious-elections` with no faults: 0 on lossy links and under a
/// latency tail (the files' `[expect]`). Without PreVote and without the
/// leader-contact rule (either alone protects the leader) a follower that
/// missed heartbeats deposes the healthy leader, and the metric counts it;
/// a leader lost to a fault and replaced is not counted.
#[test]
fn spurious_elections_are_counted_and_the_defaults_have_none() {
    for name in ["lossy", "long-tail"] {
        let path = format!("scenarios/raft-{name}.toml");
        testing::check_seeds(
            "spurious_elections_are_counted_and_the_defaults_have_none",
            &path,
            0..3,
        );
    }
    let mut scenario = testing::load("scenarios/raft-lossy.toml");
    scenario.protocol_params = scenario
        .protocol_params
        .with_param("prevote", "false")
        .unwrap()
        .with_param("ignore_votes_with_leader", "false")
        .unwrap();
    // The first such seed is 56 (3 of 0..300).
    let spurious = (0..60)
        .map(|seed| testing::run(&scenario, seed))
        .find(|r| metric(r, "spurious-elections") >= 1.0)
        .expect("without PreVote or the rule, 10 % loss deposes a healthy leader by seed 56");
    assert!(matches!(
        outcome(&spurious, "expect spurious-elections"),
        Outcome::Fail(_)
    ));
    // The leader isolated and replaced: a second election, not spurious.
    let isolated = testing::load("scenarios/raft-leader-isolated.toml");
    let report = testing::run(&isolated, isolated.seed);
    assert!(
        metric(&report, "elections-won") >= 2.0,
        "{:?}",
        report.metrics
    );
    assert_eq!(metric(&report, "spurious-elections"), 0.0);
}
