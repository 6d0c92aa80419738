//! `explore` exhausts the 3-node Raft reference inside a boundary
//! (`scenarios/explore-raft-bounded.toml`: no node past term 2 or one log
//! entry, at most three messages on the wire, times relative to now) and
//! finds a bug switch inside the same boundary. Unbounded, Raft's space is
//! infinite: its election timers re-arm forever.

use distlab::explore::{self, Config, Limit, Report};
use distlab::registry::Registry;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{load, Overrides};
use distlab::sim::{DynSim, Verdict};

const SCENARIO: &str = "scenarios/explore-raft-bounded.toml";

/// The scenario's world, with `bugs` switched on.
fn raft(bugs: &[&str]) -> Box<dyn DynSim> {
    let mut scenario = load(SCENARIO.as_ref(), &Overrides::default()).expect("scenario loads");
    let bugs: Vec<String> = bugs.iter().map(|b| format!("{b:?}")).collect();
    scenario.protocol_params = scenario
        .protocol_params
        .with_param("bugs", &format!("[{}]", bugs.join(", ")))
        .expect("bugs");
    Registry::builtin()
        .build(&scenario, &BuildOptions::default())
        .expect("builds")
}

/// The scenario's `[explore]` table: depth first, deadline-ordered time,
/// relative time, no client operation, one drop, `term ≤ 2, log ≤ 1,
/// wire ≤ 3`.
fn config() -> Config {
    let scenario = load(SCENARIO.as_ref(), &Overrides::default()).expect("scenario loads");
    Config::from_spec(&scenario.explore)
}

/// What must not depend on the strategy or the number of threads.
fn counts(r: &Report) -> (u64, u64, u64, bool, bool) {
    (
        r.unique_states,
        r.outside_states,
        r.terminal_states,
        r.exhausted,
        r.exhausted_within_boundary,
    )
}

/// Pinned: a change in the engine's choices, the fingerprint (relative
/// time), Raft's relative fingerprint or the boundary moves them.
const STATES_ONE_DROP: u64 = 1_365_190;
const OUTSIDE_ONE_DROP: u64 = 537_108;
const STATES_NO_DROP: u64 = 177_616;
const OUTSIDE_NO_DROP: u64 = 68_442;

/// The reference breaks no check in any state inside the boundary, and the
/// search says it visited them all: exhausted within the boundary, never
/// plainly exhausted (states outside were found and not expanded). Depth
/// first with the scenario's one drop; without the drop, breadth first on
/// one and two threads and depth first agree state for state.
#[test]
fn raft_reference_exhausts_a_bounded_space_with_no_violation() {
    let config = config();
    assert_eq!(config.bounds.len(), 3, "{:?}", config.bounds);
    let report = explore::search(raft(&[]), &config);
    report
        .assert_no_violation()
        .assert_exhausted_within_boundary();
    assert!(!report.exhausted, "states outside the boundary were cut");
    assert_eq!(report.limits, vec![Limit::Boundary]);
    assert_eq!(
        (report.unique_states, report.outside_states),
        (STATES_ONE_DROP, OUTSIDE_ONE_DROP)
    );
    let leader = report.sometimes.iter().find(|s| s.name == "leader-elected");
    assert!(
        leader.is_some_and(|s| s.witness.is_some()),
        "a leader is elected"
    );

    let no_drop = config.budgets(Default::default());
    let bfs = explore::search(raft(&[]), &no_drop.clone().bfs());
    let bfs_two = explore::search(raft(&[]), &no_drop.clone().bfs().jobs(2));
    let dfs = explore::search(raft(&[]), &no_drop.clone().dfs());
    assert_eq!(bfs, bfs_two, "two jobs report something else than one");
    assert_eq!(
        counts(&bfs),
        counts(&dfs),
        "breadth and depth first disagree"
    );
    bfs.assert_no_violation().assert_exhausted_within_boundary();
    assert_eq!(
        (bfs.unique_states, bfs.outside_states),
        (STATES_NO_DROP, OUTSIDE_NO_DROP)
    );
}

/// `vote-without-log-check` inside the same boundary: n0 leads term 1 and
/// commits its no-op on n1; its AppendEntries to n2 is lost (the one drop:
/// keeping it on the wire through the next heartbeat would put four
/// messages there, outside the boundary); n2 stands for term 2 and wins
/// with n0's vote, which the bug grants although n0's log is longer.
/// Breadth first: a shortest path, 16 steps.
#[test]
fn vote_without_log_check_is_found_inside_the_boundary() {
    let report = explore::search(raft(&["vote-without-log-check"]), &config().bfs());
    let c = report.expect_violation();
    println!("{} states:\n{c}", report.unique_states);
    assert_eq!(c.check, "leader-completeness", "{c}");
    assert_eq!(c.verdict, Verdict::SafetyViolation);
    assert_eq!(c.path.len(), 16, "{c}");
    assert!(c.path.iter().any(|s| s.label.starts_with("drop: ")), "{c}");
    assert!(!report.exhausted_within_boundary);
}
