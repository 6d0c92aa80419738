//! Lab 09 (quorum KV) has teeth: the reference and a solution score full
//! marks, every bug switch loses the parts it breaks, the skeleton scores
//! zero without crashing the grader, grading is deterministic, the lab build
//! refuses the modes the lab leaves out, the skeleton is the solution cut
//! down, the skeleton with only parts A and B's rules (R1–R5) filled in
//! passes them, and the cheat catalogue (`tests/labs/quorum_kv/cheats.rs`) loses.

#[path = "quorum_kv/cheats.rs"]
mod cheat_nodes;
mod part_ab;
#[path = "../../labs/09-quorum-kv/src/lib.rs"]
mod skeleton;
mod solution;

use crate::support::labs::{cheats, cut, grading, parts};
use cheats::{Cheat, Shortcut};
use distlab::labs::quorum_kv::{build, LAB};
use distlab::labs::LabBug;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{Scenario, ScenarioError};
use distlab::sim::DynSim;
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
        "tests/labs/quorum_kv/solution.rs",
        "labs/09-quorum-kv/src/lib.rs",
        "09",
    );
}

#[test]
fn the_skeleton_with_only_the_cp_rules_is_cut_from_the_solution() {
    parts::assert_cut_keeping(
        "tests/labs/quorum_kv/solution.rs",
        "tests/labs/quorum_kv/part_ab.rs",
        "09",
        &["R1", "R2", "R3", "R4", "R5"],
    );
}

#[test]
fn parts_a_and_b_pass_with_only_their_rules_filled_in() {
    // The ap rules (R6-R9) are still todo!()s: part C's code never runs in
    // parts A and B.
    let board = distlab::labs::grade(
        &LAB,
        &build::<part_ab::QuorumKv>,
        &root(),
        &grading::options(None, 2),
        &|| {},
    )
    .expect("grades");
    let score = |id: &str| board.part(id).map(|p| (p.earned(), p.possible()));
    assert_eq!(score("A"), Some((30, 30)), "{}", grading::lost(&board));
    assert_eq!(score("B"), Some((30, 30)), "{}", grading::lost(&board));
    assert_eq!(score("C"), Some((0, 40)));
}

/// The honest cp of the solution next to a black hole in ap (the issue's
/// 75/100 cheat): `ap` scenarios build the black hole.
fn cp_honest_ap_black_hole(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = distlab::protocols::quorum_kv::scenario::params(scenario)?;
    if params.mode == distlab::protocols::quorum_kv::Mode::Ap {
        build::<cheat_nodes::BlackHole>(scenario, options)
    } else {
        build::<solution::QuorumKv>(scenario, options)
    }
}

/// The reference with one `[protocol]` setting.
fn reference_with(
    bug: &'static LabBug,
) -> impl Fn(&Scenario, &BuildOptions) -> Result<Box<dyn DynSim>, ScenarioError> + Sync {
    move |s: &Scenario, o: &BuildOptions| {
        let mut s = s.clone();
        s.protocol_params = s.protocol_params.with_param(bug.param, bug.value)?;
        build::<distlab::protocols::quorum_kv::KvNode>(&s, o)
    }
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
                name: "acknowledges every put, stores nothing, reads nil",
                build: &build::<cheat_nodes::BlackHole>,
                real_parts: &[],
            },
            Cheat {
                name: "one shared map in a thread_local, no messages",
                build: &build::<cheat_nodes::Global>,
                real_parts: &[],
            },
        ],
    );
}

#[test]
fn plausible_shortcuts_lose_their_parts() {
    const NO_HANDOFF: LabBug = LabBug {
        name: "no-handoff",
        param: "bugs",
        value: "[\"no-handoff\"]",
        breaks: &["C"],
    };
    const NO_SLOPPY: LabBug = LabBug {
        name: "no-sloppy",
        param: "sloppy_after",
        value: "\"1s\"",
        breaks: &["C"],
    };
    let no_handoff = reference_with(&NO_HANDOFF);
    let no_sloppy = reference_with(&NO_SLOPPY);
    cheats::assert_shortcuts_lose(
        &LAB,
        &[
            Shortcut {
                name: "honest cp, ap a black hole (acks and forgets)",
                build: &cp_honest_ap_black_hole,
                must_lose: &["C"],
            },
            Shortcut {
                name: "sloppy quorums without hinted handoff",
                build: &no_handoff,
                must_lose: &["C"],
            },
            Shortcut {
                name: "strict quorums only (no fallbacks)",
                build: &no_sloppy,
                must_lose: &["C"],
            },
        ],
    );
    // The black hole earns nothing of part C, however honest part A and B.
    let board = cheats::grade_cheat(
        &LAB,
        &Cheat {
            name: "ap black hole",
            build: &cp_honest_ap_black_hole,
            real_parts: &["A", "B"],
        },
    );
    assert_eq!(board.part("C").map(|p| p.earned()), Some(0));
}
