//! Lab 09 (quorum KV) has teeth: the reference and a solution score full
//! marks, every bug switch loses the parts it breaks, the skeleton scores
//! zero without crashing the grader, grading is deterministic, the lab build
//! refuses the modes the lab leaves out, and the skeleton is the solution
//! cut down.

#[path = "labs_common/skeleton.rs"]
mod cut;
#[path = "../labs/09-quorum-kv/src/lib.rs"]
mod skeleton;
#[path = "labs_quorum_kv/solution.rs"]
mod solution;

use distlab::labs::grade::{self, GradeOptions, Scoreboard};
use distlab::labs::quorum_kv::{build, LAB};
use distlab::scenario::engine::BuildOptions;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn options(part: Option<&str>, jobs: usize) -> GradeOptions {
    GradeOptions {
        part: part.map(str::to_string),
        jobs,
        ..GradeOptions::default()
    }
}

/// Where the board lost points, for assertion messages.
fn lost(board: &Scoreboard) -> String {
    let mut out = Vec::new();
    for part in &board.parts {
        for case in part.cases.iter().filter(|c| !c.ok()) {
            let why = case
                .first_failure
                .as_ref()
                .map(|f| format!("seed {}: {:?}", f.seed, f.reasons))
                .or_else(|| case.error.clone())
                .unwrap_or_default();
            out.push(format!("part {} {}: {why}", part.id, case.scenario));
        }
    }
    out.join("\n")
}

#[test]
fn the_reference_gets_full_marks() {
    let board =
        grade::grade_reference(&LAB, None, &root(), &options(None, 2), &|| {}).expect("grades");
    assert_eq!(board.possible(), 100);
    assert_eq!(board.earned(), 100, "{}", lost(&board));
}

#[test]
fn a_solution_written_in_the_skeleton_gets_full_marks() {
    let board = grade::grade(
        &LAB,
        &build::<solution::QuorumKv>,
        &root(),
        &options(None, 2),
        &|| {},
    )
    .expect("grades");
    assert_eq!(board.earned(), 100, "{}", lost(&board));
}

#[test]
fn every_bug_loses_the_parts_it_breaks() {
    let mut table = Vec::new();
    for bug in LAB.bugs {
        for &part in bug.breaks {
            let board =
                grade::grade_reference(&LAB, Some(bug), &root(), &options(Some(part), 2), &|| {})
                    .expect("grades");
            let p = board.part(part).expect("graded");
            assert!(p.earned() < p.possible(), "{} kept part {part}", bug.name);
            let case = p.first_failure().expect("a failing case");
            let failure = case.first_failure.as_ref().expect("a failing seed");
            assert!(failure.report.is_some(), "a report to replay");
            table.push(format!(
                "{} loses part {part}: {}/{} ({} seed {}: {})",
                bug.name,
                p.earned(),
                p.possible(),
                case.scenario,
                failure.seed,
                failure.reasons[0].0
            ));
        }
    }
    eprintln!("{}", table.join("\n"));
}

#[test]
fn the_skeleton_scores_zero_and_its_todos_are_caught() {
    let board = grade::grade(
        &LAB,
        &build::<skeleton::QuorumKv>,
        &root(),
        &options(None, 2),
        &|| {},
    )
    .expect("grades");
    assert_eq!((board.earned(), board.possible()), (0, 100));
    let case = &board.parts[0].cases[0];
    let failure = case.first_failure.as_ref().expect("fails");
    assert_eq!(failure.seed, 0);
    assert_eq!(failure.reasons[0].0, "panic");
    assert!(
        failure.reasons[0]
            .1
            .contains("not yet implemented: lab 09, R")
            && failure.reasons[0].1.contains("09-quorum-kv/src/lib.rs:"),
        "{:?}",
        failure.reasons
    );
}

#[test]
fn grading_is_deterministic_and_independent_of_jobs() {
    let bug = LAB
        .bugs
        .iter()
        .find(|b| b.name == "no-write-back")
        .expect("a bug");
    let summary = |jobs: usize| {
        let board =
            grade::grade_reference(&LAB, Some(bug), &root(), &options(Some("A"), jobs), &|| {})
                .expect("grades");
        board.parts[0]
            .cases
            .iter()
            .map(|c| {
                let failure = c.first_failure.as_ref();
                (c.passed, failure.map(|f| (f.seed, f.reasons.clone())))
            })
            .collect::<Vec<_>>()
    };
    let one = summary(1);
    assert!(one.iter().any(|(_, f)| f.is_some()), "{one:?}");
    assert_eq!(one, summary(2));
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
