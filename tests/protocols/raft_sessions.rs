//! Raft's client sessions that expire (`session_timeout`): sessions expire
//! by the leader's stamps in the log, requests of expired sessions are
//! refused (`fail`) or, for a retry of an applied request, end `info`, and
//! the history stays linearizable; the hash is pinned.

use distlab::check::history::{EventType, HistoryEvent};
use distlab::scenario::Scenario;
use distlab::sim::RunReport;
use distlab::testing;

/// The run of `scenario` at `seed`: its report and its client history.
fn run_with_history(scenario: &Scenario, seed: u64) -> (RunReport, Vec<HistoryEvent>) {
    let mut scenario = scenario.clone();
    scenario.seed = seed;
    let mut sim = distlab::registry::build(&scenario, &Default::default()).expect("builds");
    let report = sim.run();
    (report, sim.history().events.clone())
}

#[test]
fn expired_sessions_are_refused_and_the_history_stays_linearizable() {
    let path = "scenarios/raft-session-expiry.toml";
    testing::check_seeds(
        "expired_sessions_are_refused_and_the_history_stays_linearizable",
        path,
        0..3,
    );
    let scenario = testing::load(path);
    let (report, history) = run_with_history(&scenario, scenario.seed);
    let refused = history
        .iter()
        .filter(|e| e.kind == EventType::Fail)
        .filter(|e| e.error.as_deref() == Some("session expired"))
        .count();
    let unknown = history
        .iter()
        .filter(|e| e.kind == EventType::Info)
        .filter(|e| {
            e.error
                .as_deref()
                .is_some_and(|w| w.starts_with("session expired"))
        })
        .count();
    assert!(refused > 10, "{refused} refused: {report:#?}");
    assert!(unknown > 0, "no retry of an expired session: {report:#?}");
    insta::assert_debug_snapshot!((scenario.seed, report.trace_hash));
}

/// Without `session_timeout` the same run refuses nothing.
#[test]
fn without_a_timeout_no_session_expires() {
    let mut scenario = testing::load("scenarios/raft-session-expiry.toml");
    scenario.protocol_params = scenario
        .protocol_params
        .with_param("session_timeout", "\"0ms\"")
        .unwrap();
    let (_, history) = run_with_history(&scenario, 1);
    assert!(!history.iter().any(|e| e
        .error
        .as_deref()
        .is_some_and(|w| w.contains("session expired"))));
}
