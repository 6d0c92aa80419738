//! The labs framework itself: the grader scores a correct implementation
//! full marks, takes points for a real bug, survives panics, does not depend
//! on `--jobs`, refuses a build that lacks a promised check; the tour's quiz
//! grades right and wrong answers; `distlab lab` list/check/hint work from a
//! scratch repository root.

mod common;

use distlab::labs::grade::{self, GradeOptions};
use distlab::labs::{tour, Case, Lab, LabBug, Part};
use distlab::protocols::broadcast;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{Scenario, ScenarioError};
use distlab::sim::DynSim;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A lab over the broadcast protocol: flooding on a healthy network, then
/// under loss (where retransmission matters).
const BROADCAST_LAB: Lab = Lab {
    id: "90",
    slug: "90-test",
    title: "test lab",
    package: None,
    protocol: "broadcast",
    parts: &[
        Part {
            id: "A",
            title: "healthy network",
            cases: &[Case {
                scenario: "scenarios/broadcast-basic.toml",
                seeds: (0, 10),
                checks: &["acked-values-everywhere"],
                points: 10,
            }],
        },
        Part {
            id: "B",
            title: "lossy network",
            cases: &[Case {
                scenario: "scenarios/broadcast-lossy.toml",
                seeds: (0, 10),
                checks: &["acked-values-everywhere"],
                points: 20,
            }],
        },
    ],
    hints: &[],
    reference: Some(broadcast::scenario::build),
    bugs: &[LabBug {
        name: "no-retransmit",
        param: "bug",
        value: "\"no-retransmit\"",
        breaks: &["B"],
    }],
    custom: None,
};

fn options(jobs: usize) -> GradeOptions {
    GradeOptions {
        jobs,
        ..GradeOptions::default()
    }
}

#[test]
fn the_reference_gets_full_marks_and_a_bug_loses_the_part_it_breaks() {
    let board =
        grade::grade_reference(&BROADCAST_LAB, None, &root(), &options(2), &|| {}).expect("grades");
    assert_eq!((board.earned(), board.possible()), (30, 30));
    for bug in BROADCAST_LAB.bugs {
        let board = grade::grade_reference(&BROADCAST_LAB, Some(bug), &root(), &options(2), &|| {})
            .expect("grades");
        for part in bug.breaks {
            let p = board.part(part).expect("part graded");
            assert!(p.earned() < p.possible(), "{} kept part {part}", bug.name);
            let failure = p.first_failure().and_then(|c| c.first_failure.as_ref());
            let failure = failure.expect("a first failure");
            assert!(
                failure
                    .reasons
                    .iter()
                    .any(|(check, _)| check == "acked-values-everywhere"),
                "{:?}",
                failure.reasons
            );
            assert!(failure.report.is_some(), "a report to replay");
        }
        assert_eq!(
            board.part("A").map(|p| p.earned()),
            Some(10),
            "the healthy part still passes"
        );
    }
}

fn panicking(_: &Scenario, _: &BuildOptions) -> Result<Box<dyn DynSim>, ScenarioError> {
    todo!("implement the protocol")
}

#[test]
fn a_panicking_implementation_scores_zero_without_crashing_the_grader() {
    let board =
        grade::grade(&BROADCAST_LAB, &panicking, &root(), &options(2), &|| {}).expect("grades");
    assert_eq!((board.earned(), board.possible()), (0, 30));
    let case = &board.parts[0].cases[0];
    let failure = case.first_failure.as_ref().expect("fails");
    assert_eq!(failure.seed, 0);
    assert_eq!(failure.reasons[0].0, "panic");
    assert!(
        failure.reasons[0]
            .1
            .contains("not yet implemented: implement the protocol")
            && failure.reasons[0].1.contains("tests/labs.rs:"),
        "{:?}",
        failure.reasons
    );
}

#[test]
fn grading_does_not_depend_on_jobs() {
    let bug = &BROADCAST_LAB.bugs[0];
    let part = GradeOptions {
        part: Some("B".into()),
        extra_seeds: 10,
        ..options(1)
    };
    let one =
        grade::grade_reference(&BROADCAST_LAB, Some(bug), &root(), &part, &|| {}).expect("grades");
    let two = grade::grade_reference(
        &BROADCAST_LAB,
        Some(bug),
        &root(),
        &GradeOptions {
            jobs: 2,
            ..part.clone()
        },
        &|| {},
    )
    .expect("grades");
    let summary = |b: &grade::Scoreboard| {
        let c = &b.parts[0].cases[0];
        (
            c.seeds,
            c.passed,
            c.first_failure
                .as_ref()
                .map(|f| (f.seed, f.reasons.clone())),
        )
    };
    assert_eq!(summary(&one), summary(&two));
    assert_eq!(one.parts.len(), 1, "only part B");
    assert_eq!(
        one.parts[0].cases[0].seeds,
        (0, 20),
        "extra seeds extend the range"
    );
}

#[test]
fn a_case_fails_when_the_build_lacks_a_promised_check() {
    const LAB: Lab = Lab {
        parts: &[Part {
            id: "A",
            title: "x",
            cases: &[Case {
                scenario: "scenarios/broadcast-basic.toml",
                seeds: (0, 2),
                checks: &["no-such-check"],
                points: 1,
            }],
        }],
        ..BROADCAST_LAB
    };
    let board = grade::grade_reference(&LAB, None, &root(), &options(1), &|| {}).expect("grades");
    assert_eq!(board.earned(), 0);
    let reasons = &board.parts[0].cases[0]
        .first_failure
        .as_ref()
        .expect("fails")
        .reasons;
    assert!(reasons[0].1.contains("no such check"), "{reasons:?}");
}

#[test]
fn an_unknown_part_is_an_error_naming_the_parts() {
    let opts = GradeOptions {
        part: Some("Z".into()),
        ..options(1)
    };
    let err = grade::grade_reference(&BROADCAST_LAB, None, &root(), &opts, &|| {}).unwrap_err();
    assert_eq!(err, "lab 90 has no part \"Z\"; its parts are A, B");
}

/// A scratch repository root holding the scenarios and the tour's folder.
fn scratch_root(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("distlab-labs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["scenarios", "labs/00-tour"] {
        std::fs::create_dir_all(dir.join(sub)).expect("scratch dirs");
    }
    for file in [
        "scenarios/raft-basic.toml",
        "scenarios/raft-bug-forget-vote.toml",
        tour::ANSWERS,
    ] {
        std::fs::copy(root().join(file), dir.join(file)).expect("copy");
    }
    dir
}

/// The right answers, read from the CLI the way a student would.
fn right_answers() -> String {
    let run = common::json(&common::distlab(&[
        "run",
        "scenarios/raft-basic.toml",
        "--json",
    ]));
    let sweep = common::json(&common::distlab(&[
        "sweep",
        "scenarios/raft-bug-forget-vote.toml",
        "--seeds",
        "0..20",
        "--json",
        "--failures",
        &std::env::temp_dir()
            .join(format!("distlab-labs-failures-{}.json", std::process::id()))
            .to_string_lossy(),
    ]));
    let first = &sweep["failures"][0];
    format!(
        "trace_hash = {}\nmessages_delivered = \"{}\"\nfirst_failing_seed = \"{}\"\nfailing_check = {}\nfailing_trace_hash = {}\n",
        run["trace_hash"], run["messages"]["delivered"], first["seed"], first["failed_checks"][0], first["trace_hash"]
    )
}

#[test]
fn the_tour_quiz_grades_right_and_wrong_answers() {
    let dir = scratch_root("quiz");
    let unanswered =
        grade::grade(&tour::LAB, &panicking, &dir, &options(1), &|| {}).expect("grades");
    assert_eq!((unanswered.earned(), unanswered.possible()), (0, 5));
    let answers = right_answers();
    std::fs::write(dir.join(tour::ANSWERS), &answers).expect("write answers");
    let right = grade::grade(&tour::LAB, &panicking, &dir, &options(1), &|| {}).expect("grades");
    assert_eq!(right.earned(), 5, "{answers}\n{right:#?}");
    let wrong = answers.replace("failing_check = \"", "failing_check = \"x");
    std::fs::write(dir.join(tour::ANSWERS), wrong).expect("write answers");
    let board = grade::grade(&tour::LAB, &panicking, &dir, &options(1), &|| {}).expect("grades");
    assert_eq!(board.earned(), 4);
    assert_eq!(board.part("B").map(|p| p.earned()), Some(2));
}

fn distlab_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_distlab"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the distlab binary runs")
}

#[test]
fn lab_commands_list_check_and_hint() {
    let dir = scratch_root("cli");
    let list = distlab_in(&dir, &["lab", "list"]);
    assert_eq!(common::code(&list), 0);
    let text = common::stdout(&list);
    assert!(
        text.contains("00  Tour: run, read, sweep, replay") && text.contains("not attempted"),
        "{text}"
    );

    let check = distlab_in(&dir, &["lab", "check", "0"]);
    assert_eq!(common::code(&check), 1, "points lost");
    let text = common::stdout(&check);
    assert!(text.contains("score: 0/5"), "{text}");
    let list = common::stdout(&distlab_in(&dir, &["lab", "list"]));
    assert!(list.contains("0/5"), "the score is remembered: {list}");

    std::fs::write(dir.join(tour::ANSWERS), right_answers()).expect("write answers");
    let check = distlab_in(&dir, &["lab", "check", "00-tour"]);
    assert_eq!(common::code(&check), 0, "{}", common::stdout(&check));
    assert!(common::stdout(&check).contains("score: 5/5"));

    let first = common::stdout(&distlab_in(&dir, &["lab", "hint", "00"]));
    let second = common::stdout(&distlab_in(&dir, &["lab", "hint", "00"]));
    assert!(
        first.starts_with("hint 1/3") && second.starts_with("hint 2/3"),
        "{first}{second}"
    );
    let reset = common::stdout(&distlab_in(&dir, &["lab", "hint", "00", "--reset"]));
    assert!(reset.starts_with("hint 1/3"), "{reset}");

    let missing = distlab_in(&dir, &["lab", "check", "77"]);
    assert_eq!(common::code(&missing), 3);
    insta::assert_snapshot!("lab-unknown", common::stderr(&missing));
    let bad_part = distlab_in(&dir, &["lab", "check", "00", "--part", "Q"]);
    assert_eq!(common::code(&bad_part), 3);
    insta::assert_snapshot!("lab-unknown-part", common::stderr(&bad_part));
}

#[test]
fn lab_check_reference_with_a_bug_prints_replays_that_reproduce() {
    let dir = scratch_root("replay");
    let lab = "labs/05-raft-election/scenarios";
    std::fs::create_dir_all(dir.join(lab)).expect("lab dir");
    for entry in std::fs::read_dir(root().join(lab)).expect("lab scenarios") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.join(lab).join(path.file_name().expect("name"))).expect("copy");
    }
    let check = distlab_in(
        &dir,
        &[
            "lab",
            "check",
            "05",
            "--reference",
            "--bug",
            "forget-vote",
            "--part",
            "C",
        ],
    );
    assert_eq!(common::code(&check), 1, "points lost");
    let text = common::stdout(&check);
    assert!(
        text.contains("the reference with bug forget-vote"),
        "{text}"
    );
    assert!(
        text.contains(
            "distlab lab replay 05 target/distlab-labs/05-failure.json --tui --bug forget-vote"
        ),
        "{text}"
    );
    let replay = distlab_in(
        &dir,
        &[
            "lab",
            "replay",
            "05",
            "target/distlab-labs/05-failure.json",
            "--bug",
            "forget-vote",
        ],
    );
    assert!(
        common::stdout(&replay).contains("replay: reproduced seed"),
        "{}{}",
        common::stdout(&replay),
        common::stderr(&replay)
    );
    let unknown = distlab_in(
        &dir,
        &["lab", "check", "05", "--reference", "--bug", "nope"],
    );
    assert_eq!(common::code(&unknown), 3);
    assert!(common::stderr(&unknown).contains("its bug switches are: forget-vote"));
}
