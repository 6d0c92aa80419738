//! `explore` on Multi-Paxos (`scenarios/explore-paxos.toml`, the
//! configuration docs/explore.md compares with stateright's Paxos): state
//! and transition counts pinned at small depths, breadth first, depth
//! first and on two threads, with fault budgets (a crash and a restart; a
//! drop and a duplicate). Paxos's monitors tell the explorer when a step
//! leaves them as they are (`Monitor::unchanged_after`), so copies of a
//! world share them: these counts were measured before that, and a
//! monitor shared when it should have been copied would move them (or
//! hide a violation).

use distlab::explore::{self, Budgets, Config, Report};
use distlab::registry::Registry;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{load, Overrides};
use distlab::sim::DynSim;

const SCENARIO: &str = "scenarios/explore-paxos.toml";

fn paxos() -> Box<dyn DynSim> {
    let scenario = load(SCENARIO.as_ref(), &Overrides::default()).expect("scenario loads");
    Registry::builtin()
        .build(&scenario, &BuildOptions::default())
        .expect("builds")
}

/// The scenario's `[explore]` table (deadline-ordered time, two operations
/// per client) at depth `depth`.
fn config(depth: u32) -> Config {
    let scenario = load(SCENARIO.as_ref(), &Overrides::default()).expect("scenario loads");
    Config::from_spec(&scenario.explore).depth(depth)
}

fn counts(r: &Report) -> (u64, u64, u64, u32) {
    (
        r.unique_states,
        r.transitions,
        r.terminal_states,
        r.max_depth,
    )
}

#[test]
fn explore_paxos_counts_are_pinned_for_every_strategy() {
    let bfs = explore::search(paxos(), &config(7).bfs());
    bfs.assert_no_violation();
    assert_eq!(counts(&bfs), (11_504, 25_450, 0, 7));
    let dfs = explore::search(paxos(), &config(7).dfs());
    dfs.assert_no_violation();
    assert_eq!(counts(&dfs), counts(&bfs));
    let two = explore::search(paxos(), &config(7).bfs().jobs(2));
    assert_eq!(format!("{two:?}"), format!("{bfs:?}"), "--jobs 2");
}

#[test]
fn explore_paxos_counts_are_pinned_with_fault_budgets() {
    // A crash and a restart: monitors that see a node's incarnation change.
    let crash = Budgets {
        crashes: 1,
        restarts: 1,
        ..Budgets::default()
    };
    let report = explore::search(paxos(), &config(6).budgets(crash));
    report.assert_no_violation();
    assert_eq!(counts(&report), (9_962, 21_967, 0, 6));
    // A drop and a duplicate: the fault choices after the deliveries.
    let wire = Budgets {
        drops: 1,
        duplicates: 1,
        ..Budgets::default()
    };
    let report = explore::search(paxos(), &config(5).budgets(wire));
    report.assert_no_violation();
    assert_eq!(counts(&report), (3_721, 8_524, 0, 5));
}
