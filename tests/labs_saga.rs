//! Lab 04 (sagas) has teeth: the reference and a solution score
//! full marks, every bug switch loses the parts it breaks, the skeleton
//! scores zero without crashing the grader, grading is deterministic, and
//! the skeleton is the solution cut down.

#[path = "labs_common/skeleton.rs"]
mod cut;
#[path = "labs_common/grading.rs"]
mod grading;
#[path = "../labs/04-sagas/src/lib.rs"]
mod skeleton;
#[path = "labs_saga/solution.rs"]
mod solution;

use distlab::labs::saga::{build, LAB};

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
        "tests/labs_saga/solution.rs",
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
