//! Raft's reads without log entries (`read_mode`, src/protocols/raft/reads.rs):
//! ReadIndex and lease reads pass their scenarios with the linearizability
//! check, answer reads with no log entry (fewer rounds than reads with a
//! lease), and their trace hashes are pinned. The bug switches are in
//! `raft_bugs`.

use distlab::sim::RunReport;
use distlab::testing;

fn metric(report: &RunReport, name: &str) -> f64 {
    let value = report.metrics.iter().find(|(n, _)| n == name);
    value
        .and_then(|(_, v)| v.trim_end_matches('%').parse().ok())
        .unwrap_or_else(|| panic!("{name} missing: {:?}", report.metrics))
}

#[test]
fn read_index_reads_are_linearizable_through_leader_isolations() {
    let path = "scenarios/raft-read-index.toml";
    testing::check_seeds(
        "read_index_reads_are_linearizable_through_leader_isolations",
        path,
        0..3,
    );
    let report = testing::run(&testing::load(path), 1);
    assert!(metric(&report, "reads-without-log") > 300.0, "{report:#?}");
    assert!(metric(&report, "read-rounds") > 100.0, "{report:#?}");
}

#[test]
fn lease_reads_inside_the_drift_bound_are_linearizable_and_skip_rounds() {
    let path = "scenarios/raft-lease-read.toml";
    testing::check_seeds(
        "lease_reads_inside_the_drift_bound_are_linearizable_and_skip_rounds",
        path,
        0..3,
    );
    let report = testing::run(&testing::load(path), 1);
    assert!(metric(&report, "reads-without-log") > 300.0, "{report:#?}");
    assert!(metric(&report, "reads-per-round") > 1.5, "{report:#?}");
}

/// The same run with `read_mode = "log"` puts every read in the log: no
/// read is answered outside it, and the log holds the reads (a higher
/// commit index for the same operations). Messages per operation are about
/// the same at this load (one read per round: docs/protocols/raft.md).
#[test]
fn log_reads_take_log_entries_that_read_index_does_not() {
    let mut scenario = testing::load("scenarios/raft-read-index.toml");
    let index = testing::run(&scenario, 1);
    scenario.protocol_params = scenario
        .protocol_params
        .with_param("read_mode", "\"log\"")
        .unwrap();
    let log = testing::run(&scenario, 1);
    assert!(!log.metrics.iter().any(|(n, _)| n == "reads-without-log"));
    assert!(
        metric(&log, "commit-index")
            > metric(&index, "commit-index") + metric(&index, "reads-without-log") / 2.0,
        "{:?} vs {:?}",
        log.metrics,
        index.metrics
    );
}

#[test]
fn raft_read_trace_hashes_are_pinned() {
    let hashes: Vec<(String, u64, String)> = [
        "read-index",
        "lease-read",
        "bug-read-index-no-confirm",
        "bug-lease-ignores-drift",
    ]
    .iter()
    .map(|name| {
        let path = format!("scenarios/raft-{name}.toml");
        let scenario = testing::load(&path);
        let report = testing::run(&scenario, scenario.seed);
        (path, scenario.seed, report.trace_hash)
    })
    .collect();
    insta::assert_debug_snapshot!(hashes);
}
