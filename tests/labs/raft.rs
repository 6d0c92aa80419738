//! The Raft labs' graders have teeth. Labs 05–08 share one student crate,
//! `labs/raft/src/lib.rs`, cut mechanically from one solution
//! (`tests/labs/raft/solution.rs`, blocks marked by lab and part; the cutter
//! is tests/support/labs/staged.rs). These tests keep the skeleton equal to
//! the cut, and check: the reference and the solution earn full marks on
//! every lab; the solution cut through lab k (a student who wrote labs
//! 05..=k) earns full marks on lab k, and through a lab's first part earns
//! that part; the untouched skeleton earns zero on every lab without
//! crashing the grader; each bug switch loses the parts it breaks; grading
//! is deterministic; and the cheat catalogue (tests/labs/raft/cheats.rs,
//! the mutants of tests/labs/raft/mutants.rs, the earlier labs' cuts) scores
//! nothing it did not earn. `--nocapture` prints the score tables.

mod mutants;
#[path = "raft/cheats.rs"]
mod raft_cheats;

#[allow(clippy::all)]
#[path = "../../labs/raft/src/lib.rs"]
mod skeleton;
mod solution;

#[path = "raft/cuts/through_05a.rs"]
#[rustfmt::skip]
#[allow(clippy::needless_return)] // a stand-in returns early before a TODO
mod through_05a;
#[path = "raft/cuts/through_05.rs"]
#[rustfmt::skip]
#[allow(clippy::needless_return)] // a stand-in returns early before a TODO
mod through_05;
#[path = "raft/cuts/through_06.rs"]
#[rustfmt::skip]
#[allow(clippy::needless_return)] // a stand-in returns early before a TODO
mod through_06;
#[path = "raft/cuts/through_07.rs"]
#[rustfmt::skip]
#[allow(clippy::needless_return)] // a stand-in returns early before a TODO
mod through_07;
#[path = "raft/cuts/through_08.rs"]
#[rustfmt::skip]
#[allow(clippy::needless_return)] // a stand-in returns early before a TODO
mod through_08;

#[path = "raft/mutants/global.rs"]
#[rustfmt::skip]
mod global;
#[path = "raft/mutants/no_step_down.rs"]
#[rustfmt::skip]
mod no_step_down;
#[path = "raft/mutants/timeout_once.rs"]
#[rustfmt::skip]
mod timeout_once;
#[path = "raft/mutants/read_no_round.rs"]
#[rustfmt::skip]
mod read_no_round;
#[path = "raft/mutants/read_before_own_commit.rs"]
#[rustfmt::skip]
mod read_before_own_commit;

use crate::support::labs::{cheats, grading, staged};
use cheats::{assert_cheats_lose, assert_shortcuts_lose, Cheat, Shortcut};
use distlab::labs::grade::{grade, Build, GradeOptions, Scoreboard};
use distlab::labs::raft::{build, election, kv, persistence, reads, replication};
use distlab::labs::{repo_root, Lab};
use mutants::{assert_mutant, every, once, Edit, GLOBAL_DISK};
use raft_cheats::{FixedLeader, Idle, LocalKv};

const SOLUTION: &str = "tests/labs/raft/solution.rs";
const SKELETON: &str = "labs/raft/src/lib.rs";

/// The five labs, in order.
fn labs() -> [&'static Lab; 5] {
    [
        &election::LAB,
        &replication::LAB,
        &persistence::LAB,
        &kv::LAB,
        &reads::LAB,
    ]
}

fn options(part: Option<&str>, jobs: usize) -> GradeOptions {
    GradeOptions {
        part: part.map(str::to_string),
        extra_seeds: 0,
        jobs,
    }
}

/// Lab `lab`'s part `part` graded with `build`.
fn grade_part(lab: &Lab, build: Build<'_>, part: &str) -> Scoreboard {
    grade(lab, build, &repo_root(), &options(Some(part), 2), &|| {}).expect("grades")
}

// ---------------------------------------------------------------------
// One solution, one skeleton, cut in stages.
// ---------------------------------------------------------------------

/// The cut fixtures: (file, stage kept through, what it stands for).
const CUTS: &[(&str, (&str, &str), &str)] = &[
    (
        "tests/labs/raft/cuts/through_05a.rs",
        ("05", "A"),
        "the Raft skeleton with lab 05 part A written (parts in order: it must pass 05 A)",
    ),
    (
        "tests/labs/raft/cuts/through_05.rs",
        ("05", "B"),
        "the Raft skeleton with lab 05 written (it must earn full marks on lab 05)",
    ),
    (
        "tests/labs/raft/cuts/through_06.rs",
        ("06", "A"),
        "the Raft skeleton with labs 05 and 06 written (full marks on lab 06)",
    ),
    (
        "tests/labs/raft/cuts/through_07.rs",
        ("07", "B"),
        "the Raft skeleton with labs 05 to 07 written (full marks on lab 07)",
    ),
    (
        "tests/labs/raft/cuts/through_08.rs",
        ("08", "A"),
        "the Raft skeleton with labs 05 to 08 written (full marks on lab 08, zero on the optional lab 14)",
    ),
];

#[test]
fn the_skeleton_and_the_stages_are_cuts_of_the_one_solution() {
    staged::assert_cut(SOLUTION, SKELETON, None, "");
    for (fixture, through, what) in CUTS {
        staged::assert_cut(SOLUTION, fixture, Some(*through), what);
    }
    let text = std::fs::read_to_string(repo_root().join(SOLUTION)).expect("solution");
    let stages: Vec<String> = staged::stages(&text)
        .iter()
        .map(|(lab, part)| format!("{lab} {part}"))
        .collect();
    assert_eq!(
        stages,
        ["05 A", "05 B", "06 A", "07 A", "07 B", "08 A", "14 A"]
    );
}

#[test]
fn the_cutter_reports_a_broken_marker_with_its_line() {
    let open = "fn f() {\n    // SOLUTION 05 A: x\n    body();\n}\n";
    assert_eq!(
        staged::cut(open, None).unwrap_err(),
        "line 2: the block has no // END"
    );
    let stray = "fn f() {\n    // END\n}\n";
    assert_eq!(
        staged::cut(stray, None).unwrap_err(),
        "line 2: `// END` outside a block"
    );
    let block = "    // SOLUTION 06 A: y\n    // SKELETON: stand_in();\n    real();\n    // END\n";
    assert_eq!(
        staged::cut(block, None).unwrap(),
        "    // TODO lab 06 A: y\n    // (Until lab 06, a stand-in:)\n    stand_in();\n"
    );
    assert_eq!(
        staged::cut(block, Some(("06", "A"))).unwrap(),
        "    real();\n"
    );
    let todo = "    // SOLUTION 05 C: z\n    real();\n    // END\n";
    assert_eq!(
        staged::cut(todo, Some(("05", "A"))).unwrap(),
        "    // TODO lab 05 C: z\n    todo!(\"lab 05 C: see the comment above\");\n"
    );
}

// ---------------------------------------------------------------------
// Full marks, in order; the skeleton earns zero.
// ---------------------------------------------------------------------

#[test]
fn lab05_reference_solution_and_cut_earn_full_marks() {
    grading::reference_gets_full_marks(&election::LAB);
    grading::gets_full_marks(&election::LAB, &build::<solution::RaftNode>);
    grading::gets_full_marks(&election::LAB, &build::<through_05::RaftNode>);
}

#[test]
fn lab06_reference_solution_and_cut_earn_full_marks() {
    grading::reference_gets_full_marks(&replication::LAB);
    grading::gets_full_marks(&replication::LAB, &build::<solution::RaftNode>);
    grading::gets_full_marks(&replication::LAB, &build::<through_06::RaftNode>);
}

#[test]
fn lab07_reference_solution_and_cut_earn_full_marks() {
    grading::reference_gets_full_marks(&persistence::LAB);
    grading::gets_full_marks(&persistence::LAB, &build::<solution::RaftNode>);
    grading::gets_full_marks(&persistence::LAB, &build::<through_07::RaftNode>);
}

#[test]
fn lab08_reference_solution_and_cut_earn_full_marks() {
    grading::reference_gets_full_marks(&kv::LAB);
    grading::gets_full_marks(&kv::LAB, &build::<solution::RaftNode>);
    grading::gets_full_marks(&kv::LAB, &build::<through_08::RaftNode>);
}

#[test]
fn lab14_reference_and_solution_earn_full_marks() {
    grading::reference_gets_full_marks(&reads::LAB);
    grading::gets_full_marks(&reads::LAB, &build::<solution::RaftNode>);
}

/// `build` (the solution cut through a lab's first part) earns all of
/// `part`.
fn passes_part(lab: &Lab, build: Build<'_>, part: &str) {
    let s = grade_part(lab, build, part);
    let p = s.part(part).expect("graded");
    assert_eq!(p.earned(), p.possible(), "{}", grading::lost(&s));
}

#[test]
fn lab05_part_a_passes_with_only_part_a_written() {
    passes_part(&election::LAB, &build::<through_05a::RaftNode>, "A");
}

#[test]
fn the_skeleton_earns_zero_on_every_lab_without_crashing_the_grader() {
    for lab in labs() {
        let build: Build<'_> = &build::<skeleton::RaftNode>;
        let s = grade(lab, build, &repo_root(), &options(None, 2), &|| {}).expect("grades");
        assert_eq!((s.earned(), s.possible()), (0, 100), "lab {}", lab.id);
        let first = s.parts[0].cases[0].first_failure.as_ref().expect("fails");
        assert_eq!(first.seed, 0);
        assert!(
            first.reasons.iter().any(|(check, why)| check == "panic"
                && why.contains("lab 05 A: see the comment above")
                && why.contains("labs/raft/src/lib.rs:")),
            "lab {}: {:?}",
            lab.id,
            first.reasons
        );
    }
}

#[test]
fn every_bug_loses_the_parts_it_breaks() {
    for lab in labs() {
        grading::every_bug_loses_the_parts_it_breaks(lab);
    }
}

#[test]
fn grading_is_deterministic_and_independent_of_jobs() {
    grading::grading_is_independent_of_jobs(&election::LAB, "forget-vote", "C");
    grading::grading_is_independent_of_jobs(&kv::LAB, "no-dedup", "B");
}

// ---------------------------------------------------------------------
// The mutants stay the solution plus their recipe.
// ---------------------------------------------------------------------

const GLOBAL: &[Edit] = &[every("ctx.storage().", "global_disk(ctx.id()).")];

/// Lab 14 shortcut: a read is ready as soon as its index is applied — no
/// round confirms that this node still leads.
const READ_NO_ROUND: &[Edit] = &[once(
    ".partition(|r| r.round != 0 && r.round <= confirmed && r.index <= applied);",
    ".partition(|r| r.round != 0 && r.index <= applied); // the shortcut: no confirmation",
)];

/// Lab 14 shortcut: rule R1 skipped — a new leader serves reads at a commit
/// index that may be behind its predecessor's.
const READ_BEFORE_OWN_COMMIT: &[Edit] = &[once(
    "        if self.log.term_at(self.commit) != Some(self.term) {\n            return;\n        }\n        let mut acks",
    "        let mut acks",
)];

const NO_STEP_DOWN: &[Edit] = &[once(
    "        self.become_follower(ctx, term, Some(from));\n        self.reset_election_timer(ctx);\n",
    "        if self.role == Role::Candidate && term == self.term {\n            return; // the shortcut: a candidate ignores its own term's leader\n        }\n        self.become_follower(ctx, term, Some(from));\n        self.reset_election_timer(ctx);\n",
)];

const TIMEOUT_ONCE: &[Edit] = &[
    once(
        "    pub read_acks: BTreeMap<NodeId, u64>,\n}",
        "    pub read_acks: BTreeMap<NodeId, u64>,\n    /// The shortcut: one timeout per node, drawn at its first reset.\n    fixed_timeout: Option<SimTime>,\n}",
    ),
    once(
        "            read_acks: BTreeMap::new(),\n        }",
        "            read_acks: BTreeMap::new(),\n            fixed_timeout: None,\n        }",
    ),
    once(
        "        let timeout = SimTime(ctx.rng().range_inclusive(lo.as_nanos(), hi.as_nanos()));",
        "        let timeout = *self\n            .fixed_timeout\n            .get_or_insert_with(|| SimTime(ctx.rng().range_inclusive(lo.as_nanos(), hi.as_nanos())));",
    ),
];

#[test]
fn the_mutants_are_the_solution_and_their_recipe() {
    let dir = "tests/labs/raft/mutants";
    assert_mutant(
        SOLUTION,
        &format!("{dir}/global.rs"),
        "cheat: term, vote, log and commit in a thread_local! instead of ctx.storage()",
        GLOBAL,
        GLOBAL_DISK,
    );
    assert_mutant(
        SOLUTION,
        &format!("{dir}/no_step_down.rs"),
        "shortcut: a candidate never steps down on an AppendEntries of its own term",
        NO_STEP_DOWN,
        "",
    );
    assert_mutant(
        SOLUTION,
        &format!("{dir}/timeout_once.rs"),
        "shortcut: each node draws its election timeout once and reuses it",
        TIMEOUT_ONCE,
        "",
    );
    assert_mutant(
        SOLUTION,
        &format!("{dir}/read_no_round.rs"),
        "shortcut: a read is answered once its index is applied, without its round",
        READ_NO_ROUND,
        "",
    );
    assert_mutant(
        SOLUTION,
        &format!("{dir}/read_before_own_commit.rs"),
        "shortcut: reads served before an entry of the leader's term commits",
        READ_BEFORE_OWN_COMMIT,
        "",
    );
}

// ---------------------------------------------------------------------
// The cheat catalogue, lab by lab.
// ---------------------------------------------------------------------

#[test]
fn lab05_cheats_score_nothing() {
    assert_cheats_lose(
        &election::LAB,
        &[
            Cheat {
                name: "does nothing",
                build: &build::<Idle>,
                real_parts: &[],
            },
            Cheat {
                name: "n0 leads term 1 forever, no timers, no messages",
                build: &build::<FixedLeader<false>>,
                real_parts: &[],
            },
            Cheat {
                name: "term and vote in a thread_local!",
                build: &build::<global::RaftNode>,
                real_parts: &[],
            },
        ],
    );
}

#[test]
fn lab05_shortcuts_lose_their_parts() {
    assert_shortcuts_lose(
        &election::LAB,
        &[
            Shortcut {
                // Caught by all-follow-leader's same-term rule (liveness.rs,
                // `Hearing`): a node of the leader's term that can hear it
                // follows it within a heartbeat and a half plus the latency.
                name: "a candidate never steps down on a same-term AppendEntries",
                build: &build::<no_step_down::RaftNode>,
                must_lose: &["A", "B", "C"],
            },
            Shortcut {
                name: "the election timeout drawn once per node",
                build: &build::<timeout_once::RaftNode>,
                must_lose: &["A"],
            },
            Shortcut {
                name: "part B (persist, recover) not written",
                build: &build::<through_05a::RaftNode>,
                must_lose: &["B", "C"],
            },
        ],
    );
}

/// The cheats of labs 06–08: nothing, a fixed leader acknowledging without
/// replicating, a store answering from local state.
fn service_cheats() -> Vec<Cheat<'static>> {
    vec![
        Cheat {
            name: "does nothing",
            build: &build::<Idle>,
            real_parts: &[],
        },
        Cheat {
            name: "n0 leads term 1 and acknowledges without replicating",
            build: &build::<FixedLeader<true>>,
            real_parts: &[],
        },
        Cheat {
            name: "every node answers from its local store",
            build: &build::<LocalKv>,
            real_parts: &[],
        },
    ]
}

#[test]
fn lab06_cheats_score_nothing() {
    let mut cheats = service_cheats();
    cheats.push(Cheat {
        name: "lab 05 only: elects, never replicates (the skeleton's stand-ins)",
        build: &build::<through_05::RaftNode>,
        real_parts: &[],
    });
    assert_cheats_lose(&replication::LAB, &cheats);
}

#[test]
fn lab07_cheats_score_nothing() {
    let mut cheats = service_cheats();
    cheats.push(Cheat {
        name: "term, vote, log and commit in a thread_local!",
        build: &build::<global::RaftNode>,
        real_parts: &[],
    });
    assert_cheats_lose(&persistence::LAB, &cheats);
}

#[test]
fn lab07_shortcuts_lose_their_parts() {
    assert_shortcuts_lose(
        &persistence::LAB,
        &[Shortcut {
            name: "labs 05-06 only: the log and commit index not persisted",
            build: &build::<through_06::RaftNode>,
            must_lose: &["A", "B", "C"],
        }],
    );
}

#[test]
fn lab08_cheats_score_nothing() {
    assert_cheats_lose(&kv::LAB, &service_cheats());
}

#[test]
fn lab14_cheats_score_nothing() {
    assert_cheats_lose(&reads::LAB, &service_cheats());
}

/// A Raft with labs 05-08 written serves reads through the log: correct,
/// and zero on lab 14, every case failing `reads-off-the-log`.
#[test]
fn lab14_reads_through_the_log_earn_nothing() {
    let s = grade(
        &reads::LAB,
        &build::<through_08::RaftNode>,
        &repo_root(),
        &options(None, 2),
        &|| {},
    )
    .expect("grades");
    assert_eq!(
        (s.earned(), s.possible()),
        (0, 100),
        "{}",
        grading::lost(&s)
    );
    for part in &s.parts {
        for case in &part.cases {
            let failure = case.first_failure.as_ref().expect("fails");
            assert!(
                failure.reasons.iter().any(
                    |(check, why)| check == "reads-off-the-log" && why.contains("holds a read")
                ),
                "{}: {:?}",
                case.scenario,
                failure.reasons
            );
        }
    }
}

#[test]
fn lab14_shortcuts_lose_their_parts() {
    assert_shortcuts_lose(
        &reads::LAB,
        &[
            Shortcut {
                name: "a read answered at the commit index without waiting for its round",
                build: &build::<read_no_round::RaftNode>,
                must_lose: &["A"],
            },
            Shortcut {
                name: "reads served before the leader's own no-op commits",
                build: &build::<read_before_own_commit::RaftNode>,
                must_lose: &["B"],
            },
        ],
    );
}

#[test]
fn lab08_shortcuts_lose_their_parts() {
    assert_shortcuts_lose(
        &kv::LAB,
        &[
            Shortcut {
                name: "labs 05-06 only: no client sessions, every copy executes",
                build: &build::<through_06::RaftNode>,
                must_lose: &["B"],
            },
            Shortcut {
                name: "labs 05-07 only: no session check when a request arrives",
                build: &build::<through_07::RaftNode>,
                must_lose: &["A"],
            },
        ],
    );
}

/// The global-state cheat loses every case with a restart on its own (the
/// restart check), whatever the seeds before it leaked.
#[test]
fn keeping_state_in_a_global_fails_every_case_with_restarts() {
    for (lab, part) in [(&election::LAB, "C"), (&persistence::LAB, "A")] {
        let s = grade_part(lab, &build::<global::RaftNode>, part);
        let p = s.part(part).expect("graded");
        for case in &p.cases {
            let failure = case.first_failure.as_ref().expect("fails");
            assert!(
                failure.reasons.iter().any(
                    |(check, why)| check == "state-in-storage" && why.contains("ctx.storage()")
                ),
                "{}: {:?}",
                case.scenario,
                failure.reasons
            );
        }
    }
}

// ---------------------------------------------------------------------
// Checks in time catch broken Rafts.
// ---------------------------------------------------------------------

/// The outcome of the timed check of `kind` in `path`'s run of `seed`
/// with the Raft `build` makes (its explanation, if it failed).
fn timed_outcome(
    path: &str,
    seed: u64,
    build: Build<'_>,
    kind: distlab::check::CheckKind,
) -> Vec<distlab::check::Outcome> {
    let mut scenario = distlab::testing::load(path);
    scenario.seed = seed;
    let mut sim = build(&scenario, &Default::default()).expect("builds");
    let report = sim.run();
    report
        .checks
        .into_iter()
        .filter(|c| c.kind == kind)
        .map(|c| c.outcome)
        .collect()
}

/// A Raft that does nothing passes the no-quorum moments (no leader,
/// nothing committed: trivially) but misses every deadline: no leader and
/// no commit ever follows a heal or a restart. The lab solution meets them.
#[test]
fn deadline_checks_catch_a_raft_that_never_elects() {
    use distlab::check::{CheckKind, Outcome};
    for path in [
        "scenarios/raft-no-quorum.toml",
        "scenarios/raft-reelection-deadline.toml",
    ] {
        for seed in 0..3 {
            let idle = timed_outcome(path, seed, &build::<Idle>, CheckKind::Within);
            let [Outcome::Fail(why)] = idle.as_slice() else {
                panic!("{path} seed {seed}: a Raft that does nothing must miss its deadlines: {idle:?}");
            };
            assert!(
                why.contains("leader-exists never held; op-commits never held"),
                "{why}"
            );
            assert!(
                why.contains(" (step "),
                "the explanation names the step: {why}"
            );
            let solution = build::<solution::RaftNode>;
            let timed: Vec<Outcome> = [CheckKind::At, CheckKind::Within]
                .into_iter()
                .flat_map(|kind| timed_outcome(path, seed, &solution, kind))
                .collect();
            assert!(
                !timed.is_empty() && timed.iter().all(|o| *o == Outcome::Pass),
                "{path} seed {seed}: the solution meets every check in time: {timed:?}"
            );
        }
    }
}
