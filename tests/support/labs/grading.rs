//! The checks every lab's tests make, written once: the reference and a
//! solution score full marks, every bug switch loses the parts it breaks,
//! the skeleton scores zero with its `todo!()`s caught, and grading does not
//! depend on the number of threads.

#![allow(dead_code)]

use distlab::labs::grade::{self, Build, GradeOptions, Scoreboard};
use distlab::labs::Lab;
use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Grade `part` (or all) with `jobs` threads.
pub fn options(part: Option<&str>, jobs: usize) -> GradeOptions {
    GradeOptions {
        part: part.map(str::to_string),
        jobs,
        ..GradeOptions::default()
    }
}

/// Where the board lost points, for assertion messages.
pub fn lost(board: &Scoreboard) -> String {
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

/// The reference scores 100 of 100.
pub fn reference_gets_full_marks(lab: &Lab) {
    let board =
        grade::grade_reference(lab, None, &root(), &options(None, 2), &|| {}).expect("grades");
    assert_eq!(board.possible(), 100);
    assert_eq!(board.earned(), 100, "{}", lost(&board));
}

/// `build` (a solution) scores full marks.
pub fn gets_full_marks(lab: &Lab, build: Build<'_>) {
    let board = grade::grade(lab, build, &root(), &options(None, 2), &|| {}).expect("grades");
    assert_eq!(board.earned(), board.possible(), "{}", lost(&board));
}

/// Every bug switch of `lab` loses points on every part it names, with a
/// report to replay.
pub fn every_bug_loses_the_parts_it_breaks(lab: &Lab) {
    let mut table = Vec::new();
    for bug in lab.bugs {
        for &part in bug.breaks {
            let board =
                grade::grade_reference(lab, Some(bug), &root(), &options(Some(part), 2), &|| {})
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

/// The skeleton (`build`) scores zero; the first case fails at seed 0 on a
/// caught `todo!()` of lab `id` in `labs/<slug>/src/lib.rs`.
pub fn skeleton_scores_zero(lab: &Lab, build: Build<'_>) {
    let board = grade::grade(lab, build, &root(), &options(None, 2), &|| {}).expect("grades");
    assert_eq!((board.earned(), board.possible()), (0, 100));
    let case = &board.parts[0].cases[0];
    let failure = case.first_failure.as_ref().expect("fails");
    assert_eq!(failure.seed, 0);
    assert_eq!(failure.reasons[0].0, "panic");
    let why = &failure.reasons[0].1;
    assert!(
        why.contains(&format!("not yet implemented: lab {}, R", lab.id))
            && why.contains(&format!("{}/src/lib.rs:", lab.slug)),
        "{:?}",
        failure.reasons
    );
}

/// Grading `part` with bug `bug` on finds a failure, and gives the same
/// result with one thread and with two.
pub fn grading_is_independent_of_jobs(lab: &Lab, bug: &str, part: &str) {
    let bug = lab.bugs.iter().find(|b| b.name == bug).expect("a bug");
    let summary = |jobs: usize| {
        let board =
            grade::grade_reference(lab, Some(bug), &root(), &options(Some(part), jobs), &|| {})
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
