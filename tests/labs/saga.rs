//! Lab 04 (sagas) has teeth: the reference and a solution score
//! full marks, every bug switch loses the parts it breaks, the skeleton
//! scores zero without crashing the grader, grading is deterministic, and
//! the skeleton is the solution cut down, the skeleton with only part A's
//! rules filled in passes part A, and the cheat catalogue
//! (`tests/labs/saga/cheats.rs`) loses.

#[path = "saga/cheats.rs"]
mod cheat_nodes;
mod part_a;
#[path = "../../labs/04-sagas/src/lib.rs"]
mod skeleton;
mod solution;

use crate::support::labs::{cheats, cut, grading, parts};
use cheats::{Cheat, Shortcut};
use distlab::labs::saga::{build, LAB};
use distlab::protocols::saga::SagaNode;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{Scenario, ScenarioError};
use distlab::sim::DynSim;

#[test]
fn the_reference_gets_full_marks() {
    grading::reference_gets_full_marks(&LAB);
}

#[test]
fn a_solution_written_in_the_skeleton_gets_full_marks() {
    grading::gets_full_marks(&LAB, &build::<solution::Sagas>);
}

#[test]
fn every_bug_loses_the_parts_it_breaks() {
    grading::every_bug_loses_the_parts_it_breaks(&LAB);
}

#[test]
fn the_skeleton_scores_zero_and_its_todos_are_caught() {
    grading::skeleton_scores_zero(&LAB, &build::<skeleton::Sagas>);
}

#[test]
fn grading_is_deterministic_and_independent_of_jobs() {
    grading::grading_is_independent_of_jobs(&LAB, "no-compensation-retry", "B");
}

#[test]
fn the_skeleton_is_the_solution_cut_down() {
    cut::assert_cut(
        "tests/labs/saga/solution.rs",
        "labs/04-sagas/src/lib.rs",
        "04",
    );
}

#[test]
fn the_lab_refuses_the_choreographed_style() {
    let scenario = distlab::testing::load("scenarios/saga-choreographed.toml");
    let options = distlab::scenario::engine::BuildOptions::default();
    let Err(err) = build::<solution::Sagas>(&scenario, &options) else {
        panic!("a choreographed scenario builds");
    };
    assert!(err.to_string().contains("orchestrated style only"), "{err}");
}

/// Part A's rules: the orchestrator's R1-R3 and the services' one function
/// `execute` (R5, R6; its duplicate branches are first exercised in part
/// B). Recovery (R4, R7) is part C's.
const PART_A: &[&str] = &["R1", "R2", "R3", "R5", "R6"];

#[test]
fn the_skeleton_with_only_part_a_is_cut_from_the_solution() {
    parts::assert_cut_keeping(
        "tests/labs/saga/solution.rs",
        "tests/labs/saga/part_a.rs",
        "04",
        PART_A,
    );
}

#[test]
fn part_a_passes_with_only_its_rules_filled_in() {
    let board = distlab::labs::grade(
        &LAB,
        &build::<part_a::Sagas>,
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
                name: "answers every order completed, runs no step",
                build: &build::<cheat_nodes::AlwaysCompletes>,
                real_parts: &[],
            },
            Cheat {
                name: "n0 runs every step on a thread_local shop, no messages",
                build: &build::<cheat_nodes::Global>,
                real_parts: &[],
            },
        ],
    );
}

/// The reference with `[protocol] bugs = ["give-up-on-busy"]`.
fn give_up_on_busy(s: &Scenario, o: &BuildOptions) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut s = s.clone();
    s.protocol_params = s
        .protocol_params
        .with_param("bugs", "[\"give-up-on-busy\"]")?;
    build::<SagaNode>(&s, o)
}

#[test]
fn plausible_shortcuts_lose_their_parts() {
    cheats::assert_shortcuts_lose(
        &LAB,
        &[Shortcut {
            name: "a busy step is taken for a refusal (compensate, no retry)",
            build: &give_up_on_busy,
            must_lose: &["A"],
        }],
    );
}
