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

/// A world copied into a recycled one (`DynSim::clone_into_box`, what the
/// explorer does with the worlds it is done with) is the world a fresh
/// copy (`clone_box`) is: the same fingerprint, trace hash, choices and
/// future, whatever the recycled world held before (here: states further
/// down other paths, with more events queued, more timers and clients
/// with open operations, or fewer).
#[test]
fn a_copy_into_a_recycled_world_is_a_fresh_copy() {
    use distlab::sim::{Choice, FaultChoices};
    let faults = FaultChoices::default();
    let mut root = paxos();
    root.start_exploring(config(8).options());
    // Walk a fixed pseudo-random path, keeping every world on it.
    let mut path = vec![root];
    let mut pick: u64 = 7;
    for _ in 0..14 {
        let state = path.last().expect("a world");
        let choices = state.choices(faults);
        if choices.is_empty() {
            break;
        }
        pick = pick
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let choice = choices[(pick >> 33) as usize % choices.len()];
        let mut next = state.clone_box();
        next.apply_choice(&choice).expect("enabled");
        path.push(next);
    }
    assert!(path.len() > 10, "the walk went {} steps", path.len() - 1);
    let same = |a: &dyn DynSim, b: &dyn DynSim, what: &str| {
        assert_eq!(a.fingerprint(), b.fingerprint(), "{what}: fingerprint");
        assert_eq!(a.trace_hash(), b.trace_hash(), "{what}: trace hash");
        assert_eq!(a.steps(), b.steps(), "{what}: steps");
        assert_eq!(a.choices(faults), b.choices(faults), "{what}: choices");
    };
    for (i, source) in path.iter().enumerate() {
        for (j, target) in path.iter().enumerate().step_by(3) {
            let mut fresh = source.clone_box();
            let mut recycled = target.clone_box();
            source.clone_into_box(&mut recycled);
            same(fresh.as_ref(), recycled.as_ref(), &format!("{i} into {j}"));
            // The same future: every choice of the copy, and two more steps.
            let choices: Vec<Choice> = fresh.choices(faults);
            for choice in choices.iter().take(3) {
                let (mut a, mut b) = (fresh.clone_box(), recycled.clone_box());
                assert_eq!(a.apply_choice(choice), b.apply_choice(choice));
                same(a.as_ref(), b.as_ref(), &format!("{i} into {j}, {choice:?}"));
            }
            for choice in choices.iter().take(2) {
                fresh.apply_choice(choice);
                recycled.apply_choice(choice);
                same(
                    fresh.as_ref(),
                    recycled.as_ref(),
                    &format!("{i} into {j}, on"),
                );
            }
        }
    }
}
