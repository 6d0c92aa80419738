//! Lab 03 (two-phase commit) has teeth: the reference and a solution score
//! full marks, every bug switch loses the parts it breaks, the skeleton
//! scores zero without crashing the grader, grading is deterministic, and
//! the skeleton is the solution cut down.

#[path = "labs_common/skeleton.rs"]
mod cut;
#[path = "labs_common/grading.rs"]
mod grading;
#[path = "../labs/03-two-phase-commit/src/lib.rs"]
mod skeleton;
#[path = "labs_two_pc/solution.rs"]
mod solution;

use distlab::labs::two_pc::{build, LAB};

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
        "tests/labs_two_pc/solution.rs",
        "labs/03-two-phase-commit/src/lib.rs",
        "03",
    );
}
