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
