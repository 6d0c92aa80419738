//! Lab 01 (clocks): the reference earns full marks, each bug switch loses
//! the parts it breaks, hand-written wrong clocks lose theirs, the skeleton
//! scores zero without crashing the grader, grading is deterministic, and
//! the cheat catalogue (`labs_clocks/cheats.rs`) loses.

#[path = "labs_clocks/cheats.rs"]
mod cheat_clocks;
#[path = "labs_common/cheats.rs"]
mod cheats;
#[path = "../labs/01-clocks/src/lib.rs"]
#[allow(dead_code)]
mod skeleton;

use distlab::labs::clocks::{
    self, ClockOrder, ClockTypes, LabLamportClock, LabVectorClock, ReferenceLamport,
    ReferenceVector,
};
use distlab::labs::grade::{grade, grade_reference, GradeOptions, Scoreboard};
use distlab::labs::repo_root;
use distlab::sim::NodeId;

fn options(part: Option<&str>, jobs: usize) -> GradeOptions {
    GradeOptions {
        part: part.map(str::to_string),
        extra_seeds: 0,
        jobs,
    }
}

fn grade_types<C: ClockTypes>(part: Option<&str>) -> Scoreboard {
    grade(
        &clocks::LAB,
        &clocks::build::<C>,
        &repo_root(),
        &options(part, 2),
        &|| {},
    )
    .expect("grade")
}

/// One line per part, with the first failure: for assertion messages.
fn describe(board: &Scoreboard) -> String {
    let mut lines = Vec::new();
    for part in &board.parts {
        let mut line = format!("{} {}/{}", part.id, part.earned(), part.possible());
        if let Some(case) = part.first_failure() {
            let first = case.first_failure.as_ref();
            line += &format!(
                " — {} seed {:?}: {:?} {:?}",
                case.scenario,
                first.map(|f| f.seed),
                first.map(|f| &f.reasons),
                case.error
            );
            if let Some(report) = first.and_then(|f| f.report.as_ref()) {
                line += &format!(" (steps {}, metrics {:?})", report.steps, report.metrics);
            }
        }
        lines.push(line);
    }
    lines.join("\n")
}

#[test]
fn the_reference_earns_full_marks() {
    let board = grade_reference(&clocks::LAB, None, &repo_root(), &options(None, 2), &|| {})
        .expect("grade");
    assert_eq!(
        board.possible(),
        clocks::LAB.points(),
        "{}",
        describe(&board)
    );
    assert_eq!(board.earned(), board.possible(), "{}", describe(&board));
}

#[test]
fn every_bug_switch_loses_points_on_the_parts_it_breaks() {
    assert_eq!(clocks::LAB.bugs.len(), 3);
    for bug in clocks::LAB.bugs {
        for &part in bug.breaks {
            let board = grade_reference(
                &clocks::LAB,
                Some(bug),
                &repo_root(),
                &options(Some(part), 2),
                &|| {},
            )
            .expect("grade");
            let result = board.part(part).expect("part graded");
            println!("{} part {part}:\n{}", bug.name, describe(&board));
            assert!(
                result.earned() < result.possible(),
                "bug {} kept every point of part {part}",
                bug.name
            );
        }
    }
}

#[test]
fn the_skeleton_scores_zero_without_crashing_the_grader() {
    let board = grade_types::<skeleton::Clocks>(None);
    assert_eq!(board.earned(), 0, "{}", describe(&board));
    assert_eq!(board.possible(), clocks::LAB.points());
    for part in &board.parts {
        let case = part.first_failure().expect("a failing case");
        let first = case.first_failure.as_ref().expect("a failing seed");
        assert_eq!(first.seed, case.seeds.0, "the very first seed fails");
        assert_eq!(first.reasons[0].0, "panic", "{:?}", first.reasons);
        assert!(
            first.reasons[0].1.contains("not yet implemented"),
            "{:?}",
            first.reasons
        );
    }
}

#[test]
fn grading_is_deterministic() {
    let bug = &clocks::LAB.bugs[2]; // no-causal-wait
    let run = |jobs| {
        let board = grade_reference(
            &clocks::LAB,
            Some(bug),
            &repo_root(),
            &options(Some("C"), jobs),
            &|| {},
        )
        .expect("grade");
        let firsts: Vec<_> = board.parts[0]
            .cases
            .iter()
            .map(|c| (c.passed, c.first_failure.as_ref().map(|f| f.seed)))
            .collect();
        (board.earned(), firsts)
    };
    let once = run(1);
    assert_eq!(once, run(1));
    assert_eq!(once, run(2));
}

// Wrong clocks written the way students write them: each must lose its part.

/// Lamport: `on_receive` takes the message's stamp plus one, ignoring its own time.
#[derive(Clone, Debug, Default)]
struct ForgetsMax(u64);

impl LabLamportClock for ForgetsMax {
    fn new() -> Self {
        ForgetsMax(0)
    }
    fn time(&self) -> u64 {
        self.0
    }
    fn tick(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
    fn on_send(&mut self) -> u64 {
        self.tick()
    }
    fn on_receive(&mut self, stamp: u64) -> u64 {
        self.0 = stamp + 1;
        self.0
    }
}

/// Vector: `compare` calls two different clocks with one smaller and one
/// larger entry `Before` (it only looks for a smaller entry).
#[derive(Clone, Debug)]
struct NoConcurrent(ReferenceVector);

impl LabVectorClock for NoConcurrent {
    fn new(nodes: u32) -> Self {
        NoConcurrent(ReferenceVector::new(nodes))
    }
    fn get(&self, node: NodeId) -> u64 {
        self.0.get(node)
    }
    fn increment(&mut self, node: NodeId) {
        self.0.increment(node);
    }
    fn merge(&mut self, other: &Self) {
        self.0.merge(&other.0);
    }
    fn compare(&self, other: &Self) -> ClockOrder {
        match self.0.compare(&other.0) {
            ClockOrder::Concurrent => ClockOrder::Before,
            order => order,
        }
    }
    fn deliverable(&self, sender: NodeId, stamp: &Self) -> bool {
        self.0.deliverable(sender, &stamp.0)
    }
}

/// Causal rule: only checks that the message is the next from its sender
/// (FIFO delivery), not its other dependencies.
#[derive(Clone, Debug)]
struct FifoOnly(ReferenceVector);

impl LabVectorClock for FifoOnly {
    fn new(nodes: u32) -> Self {
        FifoOnly(ReferenceVector::new(nodes))
    }
    fn get(&self, node: NodeId) -> u64 {
        self.0.get(node)
    }
    fn increment(&mut self, node: NodeId) {
        self.0.increment(node);
    }
    fn merge(&mut self, other: &Self) {
        self.0.merge(&other.0);
    }
    fn compare(&self, other: &Self) -> ClockOrder {
        self.0.compare(&other.0)
    }
    fn deliverable(&self, sender: NodeId, stamp: &Self) -> bool {
        stamp.get(sender) == self.get(sender) + 1
    }
}

struct WrongLamport;
impl ClockTypes for WrongLamport {
    type Lamport = ForgetsMax;
    type Vector = ReferenceVector;
}

struct WrongCompare;
impl ClockTypes for WrongCompare {
    type Lamport = ReferenceLamport;
    type Vector = NoConcurrent;
}

struct WrongRule;
impl ClockTypes for WrongRule {
    type Lamport = ReferenceLamport;
    type Vector = FifoOnly;
}

#[test]
fn hand_written_wrong_clocks_lose_their_part() {
    let board = grade_types::<WrongLamport>(Some("A"));
    assert_eq!(
        board.part("A").expect("A").earned(),
        0,
        "{}",
        describe(&board)
    );
    let board = grade_types::<WrongCompare>(Some("B"));
    assert_eq!(
        board.part("B").expect("B").earned(),
        0,
        "{}",
        describe(&board)
    );
    let board = grade_types::<WrongRule>(Some("C"));
    let c = board.part("C").expect("C");
    assert!(c.earned() < c.possible(), "{}", describe(&board));
}

#[test]
fn the_cheat_catalogue_loses() {
    use cheats::Cheat;
    cheats::assert_cheats_lose(
        &clocks::LAB,
        &[
            Cheat {
                name: "does nothing (clocks frozen at 0, everything deliverable)",
                build: &clocks::build::<cheat_clocks::Idle>,
                real_parts: &[],
            },
            Cheat {
                name: "constant clocks, always concurrent",
                build: &clocks::build::<cheat_clocks::HardCoded>,
                real_parts: &[],
            },
            Cheat {
                name: "one thread_local counter for every clock",
                build: &clocks::build::<cheat_clocks::Global>,
                real_parts: &[],
            },
        ],
    );
}

/// The reference Lamport clock with the skeleton's vector clock.
struct SkeletonVector;
impl ClockTypes for SkeletonVector {
    type Lamport = ReferenceLamport;
    type Vector = skeleton::VectorClock;
}

/// The reference vector clock whose causal-delivery rule is still a
/// `todo!()` (part C), with the skeleton's Lamport clock (part A).
#[derive(Clone, Debug)]
struct NoRuleYet(ReferenceVector);

impl LabVectorClock for NoRuleYet {
    fn new(nodes: u32) -> Self {
        NoRuleYet(ReferenceVector::new(nodes))
    }
    fn get(&self, node: NodeId) -> u64 {
        self.0.get(node)
    }
    fn increment(&mut self, node: NodeId) {
        self.0.increment(node);
    }
    fn merge(&mut self, other: &Self) {
        self.0.merge(&other.0);
    }
    fn compare(&self, other: &Self) -> ClockOrder {
        self.0.compare(&other.0)
    }
    fn deliverable(&self, _: NodeId, _: &Self) -> bool {
        todo!("part C: deliverable")
    }
}

struct VectorOnly;
impl ClockTypes for VectorOnly {
    type Lamport = skeleton::LamportClock;
    type Vector = NoRuleYet;
}

#[test]
fn each_part_passes_with_the_other_parts_still_todo() {
    // Part A with the vector clock untouched.
    let board = grade_types::<SkeletonVector>(Some("A"));
    let a = board.part("A").expect("A");
    assert_eq!(a.earned(), a.possible(), "{}", describe(&board));
    // Part B with the Lamport clock and the delivery rule untouched.
    let board = grade_types::<VectorOnly>(Some("B"));
    let b = board.part("B").expect("B");
    assert_eq!(b.earned(), b.possible(), "{}", describe(&board));
}
