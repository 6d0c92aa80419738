//! Lab 03 (two-phase commit) has teeth: the reference and a solution score
//! full marks, every bug switch loses the parts it breaks, the skeleton
//! scores zero without crashing the grader, grading is deterministic, and
//! the skeleton is the solution cut down, the skeleton with only part A's
//! rules filled in passes part A, and the cheat catalogue
//! (`tests/labs/two_pc/cheats.rs`) loses.

#[path = "two_pc/cheats.rs"]
mod cheat_nodes;
mod part_a;
#[path = "../../labs/03-two-phase-commit/src/lib.rs"]
mod skeleton;
mod solution;

use crate::support::labs::{cheats, cut, grading, parts};
use cheats::{Cheat, Shortcut};
use distlab::labs::two_pc::{build, LAB};
use distlab::protocols::two_pc::TwoPc;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{Scenario, ScenarioError};
use distlab::sim::DynSim;

#[test]
fn the_reference_gets_full_marks() {
    grading::reference_gets_full_marks(&LAB);
}

#[test]
fn a_solution_written_in_the_skeleton_gets_full_marks() {
    grading::gets_full_marks(&LAB, &build::<solution::TwoPhaseCommit>);
}

#[test]
fn every_bug_loses_the_parts_it_breaks() {
    grading::every_bug_loses_the_parts_it_breaks(&LAB);
}

#[test]
fn the_skeleton_scores_zero_and_its_todos_are_caught() {
    grading::skeleton_scores_zero(&LAB, &build::<skeleton::TwoPhaseCommit>);
}

#[test]
fn grading_is_deterministic_and_independent_of_jobs() {
    grading::grading_is_independent_of_jobs(&LAB, "unilateral-abort", "C");
}

#[test]
fn the_skeleton_is_the_solution_cut_down() {
    cut::assert_cut(
        "tests/labs/two_pc/solution.rs",
        "labs/03-two-phase-commit/src/lib.rs",
        "03",
    );
}

/// Part A's rules: R1-R4, R6, and R7 (on a lossy network a decision can be
/// late, so an in-doubt participant asks).
const PART_A: &[&str] = &["R1", "R2", "R3", "R4", "R6", "R7"];

#[test]
fn the_skeleton_with_only_part_a_is_cut_from_the_solution() {
    parts::assert_cut_keeping(
        "tests/labs/two_pc/solution.rs",
        "tests/labs/two_pc/part_a.rs",
        "03",
        PART_A,
    );
}

#[test]
fn part_a_passes_with_only_its_rules_filled_in() {
    // Recovery (R5, R8) is still todo!(): a first boot never runs it.
    let board = distlab::labs::grade(
        &LAB,
        &build::<part_a::TwoPhaseCommit>,
        &grading::root(),
        &grading::options(Some("A"), 2),
        &|| {},
    )
    .expect("grades");
    let a = board.part("A").expect("part A");
    assert_eq!(
        (a.earned(), a.possible()),
        (30, 30),
        "{}",
        grading::lost(&board)
    );
}

#[test]
fn the_cheat_catalogue_loses() {
    cheats::assert_cheats_lose(
        &LAB,
        &[
            Cheat {
                name: "does nothing",
                build: &build::<cheat_nodes::Idle>,
                real_parts: &[],
            },
            Cheat {
                name: "the coordinator always commits, asking nobody",
                build: &build::<cheat_nodes::AlwaysCommit>,
                real_parts: &[],
            },
            Cheat {
                name: "the bank in a thread_local, no messages, no storage",
                build: &build::<cheat_nodes::Global>,
                real_parts: &[],
            },
        ],
    );
}

/// The reference with `[protocol] bugs = ["always-yes"]`: participants vote
/// yes to every prepare (no lock or funds check).
fn always_yes(s: &Scenario, o: &BuildOptions) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut s = s.clone();
    s.protocol_params = s.protocol_params.with_param("bugs", "[\"always-yes\"]")?;
    build::<TwoPc>(&s, o)
}

#[test]
fn plausible_shortcuts_lose_their_parts() {
    cheats::assert_shortcuts_lose(
        &LAB,
        &[Shortcut {
            name: "participants always vote yes",
            build: &always_yes,
            must_lose: &["A", "B", "C"],
        }],
    );
}

/// `TwoPcLabNode::last_decision` and `TwoPcLabNode::stance` are shortcuts
/// the grader does not take: a node that overrides one to hide its
/// decisions, or to claim yes votes, from the per-step checks gets exactly
/// the grade of the same node without the override, which the per-step
/// check `commit-needs-every-yes-vote` fails.
#[test]
fn a_lying_last_decision_does_not_change_the_grade() {
    use distlab::labs::grade;
    let board = |b: distlab::labs::grade::Build<'_>| {
        let board = grade::grade(
            &LAB,
            b,
            &grading::root(),
            &grading::options(None, 2),
            &|| {},
        )
        .expect("grades");
        (board.earned(), grading::lost(&board))
    };
    let honest = board(&build::<cheat_nodes::CommitsForOthers>);
    let liar = board(&build::<cheat_nodes::HidesItsDecisions>);
    assert!(
        honest.1.contains("commit-needs-every-yes-vote"),
        "{}",
        honest.1
    );
    assert_eq!(honest, liar);
    // Nor does a `stance` override claiming every participant voted yes.
    let claims = board(&build::<cheat_nodes::ClaimsEveryYesVote>);
    assert_eq!(honest, claims);
}
