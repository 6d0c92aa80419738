//! Lab 09 (quorum KV) has teeth: the reference and a solution score full
//! marks, every bug switch loses the parts it breaks, the skeleton scores
//! zero without crashing the grader, grading is deterministic, the lab build
//! refuses the modes the lab leaves out, and the skeleton is the solution
//! cut down.

#[path = "labs_common/skeleton.rs"]
mod cut;
#[path = "labs_common/grading.rs"]
mod grading;
#[path = "../labs/09-quorum-kv/src/lib.rs"]
mod skeleton;
#[path = "labs_quorum_kv/solution.rs"]
mod solution;

use distlab::labs::quorum_kv::{build, LAB};
use distlab::scenario::engine::BuildOptions;
use grading::root;

#[test]
fn the_reference_gets_full_marks() {
    grading::reference_gets_full_marks(&LAB);
}

#[test]
fn a_solution_written_in_the_skeleton_gets_full_marks() {
    grading::gets_full_marks(&LAB, &build::<solution::QuorumKv>);
}

#[test]
fn every_bug_loses_the_parts_it_breaks() {
    grading::every_bug_loses_the_parts_it_breaks(&LAB);
}

#[test]
fn the_skeleton_scores_zero_and_its_todos_are_caught() {
    grading::skeleton_scores_zero(&LAB, &build::<skeleton::QuorumKv>);
}

#[test]
fn grading_is_deterministic_and_independent_of_jobs() {
    grading::grading_is_independent_of_jobs(&LAB, "no-write-back", "A");
}

#[test]
fn the_lab_build_refuses_primary_modes_and_sessions() {
    for path in [
        "scenarios/cap-read-replicas.toml",
        "labs/09-quorum-kv/scenarios/cp-basic.toml",
    ] {
        let text = std::fs::read_to_string(root().join(path)).expect("scenario");
        let text = if path.contains("cp-basic") {
            text.replace("mode = \"cp\"", "mode = \"primary-sync\"")
        } else {
            text
        };
        let scenario = distlab::scenario::parse(path, &text, &Default::default()).expect("parses");
        let err = match build::<solution::QuorumKv>(&scenario, &BuildOptions::default()) {
            Ok(_) => panic!("{path}: built"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("lab 09 implements modes cp and ap"), "{err}");
    }
}

#[test]
fn the_skeleton_is_the_solution_cut_down() {
    cut::assert_cut(
        "tests/labs_quorum_kv/solution.rs",
        "labs/09-quorum-kv/src/lib.rs",
        "09",
    );
}
