//! Lab 01 (clocks): the reference and the solution earn full marks, each
//! bug switch loses the parts it breaks, wrong rules written the way
//! students write them lose theirs, the skeleton (the solution cut down)
//! scores zero without crashing the grader, each part passes with only its
//! own rules filled in, grading is deterministic, and the cheat catalogue
//! (`tests/labs/clocks/cheats.rs`) loses.

#[path = "clocks/cheats.rs"]
mod cheat_rules;
#[path = "../../labs/01-clocks/src/lib.rs"]
mod skeleton;
mod solution;

use crate::support::labs::{cheats, cut, grading};
use cheats::{Cheat, Shortcut};
use distlab::labs::clocks::{self, build, build_with, ClockBuild, Hooks, LAB};
use distlab::labs::grade::{grade, Scoreboard};
use distlab::protocols::clocks::{ClockOrder, ClockRules};
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{Scenario, ScenarioError};
use distlab::sim::{DynSim, NodeId};

type Built = Result<Box<dyn DynSim>, ScenarioError>;

/// Grade `part` (or all) with the hooks `hooks`.
fn grade_hooks(hooks: Hooks, part: Option<&str>) -> Scoreboard {
    let how = ClockBuild { hooks, lab: true };
    let build = move |s: &Scenario, o: &BuildOptions| -> Built { build_with(how, s, o) };
    let options = grading::options(part, 2);
    grade(&LAB, &build, &grading::root(), &options, &|| {}).expect("grades")
}

/// The solution's rules.
fn solved() -> Hooks {
    Hooks::of::<solution::Clocks>()
}

#[test]
fn the_reference_gets_full_marks() {
    grading::reference_gets_full_marks(&LAB);
}

#[test]
fn the_solution_gets_full_marks() {
    grading::gets_full_marks(&LAB, &build::<solution::Clocks>);
}

#[test]
fn every_bug_loses_the_parts_it_breaks() {
    assert_eq!(LAB.bugs.len(), 3);
    grading::every_bug_loses_the_parts_it_breaks(&LAB);
}

#[test]
fn the_skeleton_scores_zero_and_its_todos_are_caught() {
    grading::skeleton_scores_zero(&LAB, &build::<skeleton::Clocks>);
    let board = grade_hooks(Hooks::of::<skeleton::Clocks>(), None);
    for part in &board.parts {
        let case = part.first_failure().expect("a failing case");
        let first = case.first_failure.as_ref().expect("a failing seed");
        assert_eq!(first.seed, case.seeds.0, "the very first seed fails");
        assert_eq!(first.reasons[0].0, "panic", "{:?}", first.reasons);
    }
}

#[test]
fn grading_is_deterministic_and_independent_of_jobs() {
    grading::grading_is_independent_of_jobs(&LAB, "no-causal-wait", "C");
}

#[test]
fn the_skeleton_is_the_solution_cut_down() {
    cut::assert_cut(
        "tests/labs/clocks/solution.rs",
        "labs/01-clocks/src/lib.rs",
        "01",
    );
}

#[test]
fn each_part_passes_with_only_its_own_rules_filled_in() {
    // Parts in order: the skeleton with part A's rules (R1, R2) passes part
    // A although R3..R6 are todo!(); with part B's (R3..R5), part B.
    let skeleton = Hooks::of::<skeleton::Clocks>();
    let part_a = Hooks {
        lamport_send: solved().lamport_send,
        lamport_receive: solved().lamport_receive,
        ..skeleton
    };
    let part_b = Hooks {
        vector_increment: solved().vector_increment,
        vector_merge: solved().vector_merge,
        vector_compare: solved().vector_compare,
        ..skeleton
    };
    for (hooks, id) in [(part_a, "A"), (part_b, "B")] {
        let board = grade_hooks(hooks, Some(id));
        let part = board.part(id).expect("graded");
        let lost = grading::lost(&board);
        assert_eq!(part.earned(), part.possible(), "part {id}: {lost}");
    }
}

// Wrong rules written the way students write them.

/// R2 without the max: a receipt takes the message's stamp plus one.
fn forgets_max(_: u64, stamp: u64) -> u64 {
    stamp + 1
}

/// R2 without the + 1: a receipt is not after the send it receives.
fn receive_without_tick(time: u64, stamp: u64) -> u64 {
    time.max(stamp)
}

/// R4 with an off-by-one: the last entry is never merged.
fn merge_skips_last(clock: &mut [u64], other: &[u64]) {
    let last = clock.len() - 1;
    for k in 0..last {
        clock[k] = clock[k].max(other[k]);
    }
}

/// R5 that only looks for a smaller entry: concurrent clocks come out
/// `Before`.
fn no_concurrent(a: &[u64], b: &[u64]) -> ClockOrder {
    match solution::Clocks::vector_compare(a, b) {
        ClockOrder::Concurrent => ClockOrder::Before,
        order => order,
    }
}

/// R6 that only checks the message is the next from its sender (FIFO
/// delivery), not its other dependencies.
fn fifo_only(delivered: &[u64], sender: NodeId, stamp: &[u64]) -> bool {
    stamp[sender.index()] == delivered[sender.index()] + 1
}

/// The solution's rules with one replaced by `wrong`.
fn with(wrong: impl FnOnce(&mut Hooks)) -> Hooks {
    let mut hooks = solved();
    wrong(&mut hooks);
    hooks
}

fn graded_with(hooks: Hooks) -> impl Fn(&Scenario, &BuildOptions) -> Built + Sync {
    let how = ClockBuild { hooks, lab: true };
    move |s: &Scenario, o: &BuildOptions| build_with(how, s, o)
}

#[test]
fn plausible_shortcuts_lose_their_parts() {
    let forgets_max = graded_with(with(|h| h.lamport_receive = forgets_max));
    let no_tick = graded_with(with(|h| h.lamport_receive = receive_without_tick));
    let skips_last = graded_with(with(|h| h.vector_merge = merge_skips_last));
    let no_concurrent = graded_with(with(|h| h.vector_compare = no_concurrent));
    let fifo_only = graded_with(with(|h| h.deliverable = fifo_only));
    cheats::assert_shortcuts_lose(
        &LAB,
        &[
            Shortcut {
                name: "a receipt takes the stamp + 1, forgetting its own time",
                build: &forgets_max,
                must_lose: &["A"],
            },
            Shortcut {
                name: "a receipt takes max(time, stamp) without the + 1",
                build: &no_tick,
                must_lose: &["A"],
            },
            Shortcut {
                name: "merge forgets the last entry (off by one)",
                build: &skips_last,
                must_lose: &["B", "C"],
            },
            Shortcut {
                name: "compare never answers Concurrent",
                build: &no_concurrent,
                must_lose: &["B"],
            },
            Shortcut {
                name: "deliverable checks only the sender's entry (FIFO)",
                build: &fifo_only,
                must_lose: &["C"],
            },
        ],
    );
}

#[test]
fn the_cheat_catalogue_loses() {
    cheats::assert_cheats_lose(
        &LAB,
        &[
            Cheat {
                name: "does nothing (clocks frozen, everything deliverable)",
                build: &build::<cheat_rules::Idle>,
                real_parts: &[],
            },
            Cheat {
                name: "constant clocks, always concurrent",
                build: &build::<cheat_rules::HardCoded>,
                real_parts: &[],
            },
            Cheat {
                name: "one thread_local counter for every clock",
                build: &build::<cheat_rules::Global>,
                real_parts: &[],
            },
        ],
    );
}

#[test]
fn the_lab_builds_the_shipped_nodes() {
    // One protocol: the lab's build of a shipped scenario with the
    // reference's rules gives the shipped run's trace (the audit only
    // watches).
    for path in [
        "scenarios/lamport-total-order.toml",
        "scenarios/vclock-causal-broadcast.toml",
    ] {
        let scenario = distlab::testing::load(path);
        let shipped = distlab::testing::run(&scenario, 3);
        let mut s = scenario.clone();
        s.seed = 3;
        let mut lab =
            clocks::build::<clocks::Reference>(&s, &BuildOptions::default()).expect("builds");
        let report = lab.run();
        assert_eq!(report.trace_hash, shipped.trace_hash, "{path}");
        assert_eq!(report.verdict, distlab::sim::Verdict::Pass, "{path}");
    }
}
