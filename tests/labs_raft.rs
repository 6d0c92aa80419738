//! The Raft labs' graders have teeth: the reference earns full marks, each
//! bug switch loses points on the parts it breaks, the skeleton earns zero
//! without crashing the grader, a solved skeleton earns full marks, and
//! grading is deterministic.

use distlab::labs::grade::{grade, grade_reference, GradeOptions, Scoreboard};
use distlab::labs::raft::{build, election, kv, persistence, replication};
use distlab::labs::{repo_root, Lab};

#[allow(clippy::all)]
#[path = "../labs/05-raft-election/src/lib.rs"]
mod skeleton05;

#[path = "raft_lab/lab05_solution.rs"]
mod solution05;

#[allow(clippy::all)]
#[path = "../labs/06-raft-log/src/lib.rs"]
mod skeleton06;

#[path = "raft_lab/lab06_solution.rs"]
mod solution06;

#[allow(clippy::all)]
#[path = "../labs/07-raft-persist/src/lib.rs"]
mod skeleton07;

#[path = "raft_lab/lab07_solution.rs"]
mod solution07;

#[allow(clippy::all)]
#[path = "../labs/08-raft-kv/src/lib.rs"]
mod skeleton08;

#[path = "raft_lab/lab08_solution.rs"]
mod solution08;

fn options(part: Option<&str>, jobs: usize) -> GradeOptions {
    GradeOptions {
        part: part.map(str::to_string),
        extra_seeds: 0,
        jobs,
    }
}

fn reference(lab: &Lab) -> Scoreboard {
    grade_reference(lab, None, &repo_root(), &options(None, 2), &|| {}).expect("grades")
}

/// Every case's failure, for messages.
fn failures(s: &Scoreboard) -> String {
    let mut out = Vec::new();
    for p in &s.parts {
        for c in &p.cases {
            if let Some(f) = &c.first_failure {
                out.push(format!(
                    "{} {} seed {}: {:?}",
                    p.id, c.scenario, f.seed, f.reasons
                ));
            }
            if let Some(e) = &c.error {
                out.push(format!("{} {}: {e}", p.id, c.scenario));
            }
        }
    }
    out.join("\n")
}

#[test]
fn lab05_reference_earns_full_marks() {
    let s = reference(&election::LAB);
    assert_eq!(s.earned(), election::LAB.points(), "{}", failures(&s));
    assert_eq!(s.possible(), 100);
}

#[test]
fn lab05_each_bug_loses_points_on_its_parts() {
    let root = repo_root();
    for bug in election::LAB.bugs {
        for part in bug.breaks {
            let s = grade_reference(
                &election::LAB,
                Some(bug),
                &root,
                &options(Some(part), 2),
                &|| {},
            )
            .expect("grades");
            let p = s.part(part).expect("graded part");
            assert!(
                p.earned() < p.possible(),
                "bug {} should lose points on part {part}, earned {}/{}",
                bug.name,
                p.earned(),
                p.possible()
            );
        }
    }
}

#[test]
fn lab05_skeleton_earns_zero_without_crashing_the_grader() {
    let s = grade(
        &election::LAB,
        &build::<skeleton05::RaftNode>,
        &repo_root(),
        &options(None, 2),
        &|| {},
    )
    .expect("grades");
    assert_eq!(s.earned(), 0);
    let first = s.parts[0].cases[0].first_failure.as_ref().expect("fails");
    assert_eq!(first.seed, 0);
    assert!(
        first
            .reasons
            .iter()
            .any(|(check, why)| check == "panic" && why.contains("lab 05")),
        "{:?}",
        first.reasons
    );
}

#[test]
fn lab05_solved_skeleton_earns_full_marks() {
    let s = grade(
        &election::LAB,
        &build::<solution05::RaftNode>,
        &repo_root(),
        &options(None, 2),
        &|| {},
    )
    .expect("grades");
    assert_eq!(s.earned(), election::LAB.points(), "{}", failures(&s));
}

#[test]
fn lab05_grading_is_deterministic() {
    let root = repo_root();
    let bug = &election::LAB.bugs[0];
    let run = |jobs| {
        let s = grade_reference(
            &election::LAB,
            Some(bug),
            &root,
            &options(Some("C"), jobs),
            &|| {},
        )
        .expect("grades");
        let p = s.part("C").expect("part C").clone();
        let firsts: Vec<Option<u64>> = p
            .cases
            .iter()
            .map(|c| c.first_failure.as_ref().map(|f| f.seed))
            .collect();
        let passed: Vec<u64> = p.cases.iter().map(|c| c.passed).collect();
        (p.earned(), firsts, passed)
    };
    let a = run(2);
    assert_eq!(a, run(2));
    assert_eq!(a, run(1));
}

#[test]
fn lab06_reference_earns_full_marks() {
    let s = reference(&replication::LAB);
    assert_eq!(s.earned(), replication::LAB.points(), "{}", failures(&s));
    assert_eq!(s.possible(), 100);
}

#[test]
fn lab06_each_bug_loses_points_on_its_parts() {
    let root = repo_root();
    for bug in replication::LAB.bugs {
        for part in bug.breaks {
            let s = grade_reference(
                &replication::LAB,
                Some(bug),
                &root,
                &options(Some(part), 2),
                &|| {},
            )
            .expect("grades");
            let p = s.part(part).expect("graded part");
            eprintln!("lab 06 bug {} part {part}: {}", bug.name, failures(&s));
            assert!(
                p.earned() < p.possible(),
                "bug {} should lose points on part {part}, earned {}/{}",
                bug.name,
                p.earned(),
                p.possible()
            );
        }
    }
}

#[test]
fn lab06_skeleton_earns_zero_without_crashing_the_grader() {
    let s = grade(
        &replication::LAB,
        &build::<skeleton06::RaftNode>,
        &repo_root(),
        &options(None, 2),
        &|| {},
    )
    .expect("grades");
    assert_eq!(s.earned(), 0);
    let first = s.parts[0].cases[0].first_failure.as_ref().expect("fails");
    assert!(
        first
            .reasons
            .iter()
            .any(|(check, why)| check == "panic" && why.contains("lab 05")),
        "{:?}",
        first.reasons
    );
}

#[test]
fn lab06_solved_skeleton_earns_full_marks() {
    let s = grade(
        &replication::LAB,
        &build::<solution06::RaftNode>,
        &repo_root(),
        &options(None, 2),
        &|| {},
    )
    .expect("grades");
    assert_eq!(s.earned(), replication::LAB.points(), "{}", failures(&s));
}

/// Grade `lab` with each of its bug switches on, part by part: every part in
/// `breaks` must lose points. Prints each first failure (for the report).
fn each_bug_loses_points(lab: &Lab) {
    let root = repo_root();
    for bug in lab.bugs {
        for part in bug.breaks {
            let s = grade_reference(lab, Some(bug), &root, &options(Some(part), 2), &|| {})
                .expect("grades");
            let p = s.part(part).expect("graded part");
            eprintln!(
                "lab {} bug {} part {part}: {}/{}\n{}",
                lab.id,
                bug.name,
                p.earned(),
                p.possible(),
                failures(&s)
            );
            assert!(
                p.earned() < p.possible(),
                "bug {} should lose points on part {part}, earned {}/{}",
                bug.name,
                p.earned(),
                p.possible()
            );
        }
    }
}

/// The skeleton scores zero, its todo!() panics caught and reported.
fn skeleton_earns_zero(lab: &Lab, build: distlab::registry::BuildFn, todo: &str) {
    let s = grade(lab, &build, &repo_root(), &options(None, 2), &|| {}).expect("grades");
    assert_eq!(s.earned(), 0);
    for p in &s.parts {
        for c in &p.cases {
            let first = c.first_failure.as_ref().expect("every case fails");
            assert_eq!(first.seed, c.seeds.0, "fails at the first seed");
            assert!(
                first
                    .reasons
                    .iter()
                    .any(|(check, why)| check == "panic" && why.contains(todo)),
                "{:?}",
                first.reasons
            );
        }
    }
}

#[test]
fn lab07_reference_earns_full_marks() {
    let s = reference(&persistence::LAB);
    assert_eq!(s.earned(), persistence::LAB.points(), "{}", failures(&s));
    assert_eq!(s.possible(), 100);
}

#[test]
fn lab07_each_bug_loses_points_on_its_parts() {
    each_bug_loses_points(&persistence::LAB);
}

#[test]
fn lab07_skeleton_earns_zero_without_crashing_the_grader() {
    skeleton_earns_zero(&persistence::LAB, build::<skeleton07::RaftNode>, "lab 07");
}

#[test]
fn lab07_solved_skeleton_earns_full_marks() {
    let s = grade(
        &persistence::LAB,
        &build::<solution07::RaftNode>,
        &repo_root(),
        &options(None, 2),
        &|| {},
    )
    .expect("grades");
    assert_eq!(s.earned(), persistence::LAB.points(), "{}", failures(&s));
}

#[test]
fn lab08_reference_earns_full_marks() {
    let s = reference(&kv::LAB);
    assert_eq!(s.earned(), kv::LAB.points(), "{}", failures(&s));
    assert_eq!(s.possible(), 100);
}

#[test]
fn lab08_each_bug_loses_points_on_its_parts() {
    each_bug_loses_points(&kv::LAB);
}

#[test]
fn lab08_skeleton_earns_zero_without_crashing_the_grader() {
    skeleton_earns_zero(&kv::LAB, build::<skeleton08::RaftNode>, "lab 0");
}

#[test]
fn lab08_solved_skeleton_earns_full_marks() {
    let s = grade(
        &kv::LAB,
        &build::<solution08::RaftNode>,
        &repo_root(),
        &options(None, 2),
        &|| {},
    )
    .expect("grades");
    assert_eq!(s.earned(), kv::LAB.points(), "{}", failures(&s));
}

#[test]
fn lab08_grading_is_deterministic() {
    let root = repo_root();
    let bug = kv::LAB
        .bugs
        .iter()
        .find(|b| b.name == "no-dedup")
        .expect("bug");
    let run = |jobs| {
        let s = grade_reference(
            &kv::LAB,
            Some(bug),
            &root,
            &options(Some("B"), jobs),
            &|| {},
        )
        .expect("grades");
        let p = s.part("B").expect("part B").clone();
        let firsts: Vec<Option<u64>> = p
            .cases
            .iter()
            .map(|c| c.first_failure.as_ref().map(|f| f.seed))
            .collect();
        (p.earned(), firsts)
    };
    let a = run(2);
    assert_eq!(a, run(2));
    assert_eq!(a, run(1));
}
