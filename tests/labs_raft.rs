//! The Raft labs' graders have teeth: the reference and a solution of each
//! lab earn full marks, each bug switch loses points on the parts it
//! breaks, the skeleton earns zero without crashing the grader, grading is
//! deterministic, the parts can be passed in order, and the cheat
//! catalogue (tests/raft_lab/cheats.rs, and the mutants of
//! tests/raft_lab/mutants.rs) scores nothing it did not earn.

#[path = "labs_common/cheats.rs"]
mod cheats;
#[path = "labs_common/grading.rs"]
mod grading;
#[path = "raft_lab/mutants.rs"]
mod mutants;
#[path = "raft_lab/cheats.rs"]
mod raft_cheats;

#[allow(clippy::all)]
#[path = "../labs/05-raft-election/src/lib.rs"]
mod skeleton05;
#[allow(clippy::all)]
#[path = "../labs/06-raft-log/src/lib.rs"]
mod skeleton06;
#[allow(clippy::all)]
#[path = "../labs/07-raft-persist/src/lib.rs"]
mod skeleton07;
#[allow(clippy::all)]
#[path = "../labs/08-raft-kv/src/lib.rs"]
mod skeleton08;
#[path = "raft_lab/lab05_solution.rs"]
mod solution05;
#[path = "raft_lab/lab06_solution.rs"]
mod solution06;
#[path = "raft_lab/lab07_solution.rs"]
mod solution07;
#[path = "raft_lab/lab08_solution.rs"]
mod solution08;

#[path = "raft_lab/mutants/lab05_global.rs"]
#[rustfmt::skip]
mod global05;
#[path = "raft_lab/mutants/lab07_global.rs"]
#[rustfmt::skip]
mod global07;
#[path = "raft_lab/mutants/lab05_no_step_down.rs"]
#[rustfmt::skip]
mod no_step_down05;
#[path = "raft_lab/mutants/lab05_part_a.rs"]
#[rustfmt::skip]
mod part_a05;
#[path = "raft_lab/mutants/lab08_part_a.rs"]
#[rustfmt::skip]
mod part_a08;
#[path = "raft_lab/mutants/lab05_timeout_once.rs"]
#[rustfmt::skip]
mod timeout_once05;

use cheats::{assert_cheats_lose, assert_shortcuts_lose, Cheat, Shortcut};
use distlab::labs::grade::{grade, Build, GradeOptions, Scoreboard};
use distlab::labs::raft::{build, election, kv, persistence, replication};
use distlab::labs::{repo_root, Lab};
use mutants::{assert_mutant, every, once, Edit, GLOBAL_DISK};
use raft_cheats::{FixedLeader, Idle, LocalKv};

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
// Full marks, bugs, skeletons, determinism.
// ---------------------------------------------------------------------

#[test]
fn lab05_reference_and_solution_earn_full_marks() {
    grading::reference_gets_full_marks(&election::LAB);
    grading::gets_full_marks(&election::LAB, &build::<solution05::RaftNode>);
}

#[test]
fn lab06_reference_and_solution_earn_full_marks() {
    grading::reference_gets_full_marks(&replication::LAB);
    grading::gets_full_marks(&replication::LAB, &build::<solution06::RaftNode>);
}

#[test]
fn lab07_reference_and_solution_earn_full_marks() {
    grading::reference_gets_full_marks(&persistence::LAB);
    grading::gets_full_marks(&persistence::LAB, &build::<solution07::RaftNode>);
}

#[test]
fn lab08_reference_and_solution_earn_full_marks() {
    grading::reference_gets_full_marks(&kv::LAB);
    grading::gets_full_marks(&kv::LAB, &build::<solution08::RaftNode>);
}

#[test]
fn every_bug_loses_the_parts_it_breaks() {
    for lab in [
        &election::LAB,
        &replication::LAB,
        &persistence::LAB,
        &kv::LAB,
    ] {
        grading::every_bug_loses_the_parts_it_breaks(lab);
    }
}

/// The skeleton scores zero, its todo!() panics caught and reported at the
/// first seed of the first case.
fn skeleton_earns_zero(lab: &Lab, build: Build<'_>, todo: &str) {
    let s = grade(lab, build, &repo_root(), &options(None, 2), &|| {}).expect("grades");
    assert_eq!((s.earned(), s.possible()), (0, 100));
    let first = s.parts[0].cases[0].first_failure.as_ref().expect("fails");
    assert_eq!(first.seed, 0);
    assert!(
        first
            .reasons
            .iter()
            .any(|(check, why)| check == "panic" && why.contains(todo)),
        "{:?}",
        first.reasons
    );
}

#[test]
fn the_skeletons_earn_zero_without_crashing_the_grader() {
    skeleton_earns_zero(&election::LAB, &build::<skeleton05::RaftNode>, "lab 05");
    skeleton_earns_zero(&replication::LAB, &build::<skeleton06::RaftNode>, "lab 05");
    skeleton_earns_zero(&persistence::LAB, &build::<skeleton07::RaftNode>, "lab 07");
    skeleton_earns_zero(&kv::LAB, &build::<skeleton08::RaftNode>, "lab 05");
}

#[test]
fn grading_is_deterministic_and_independent_of_jobs() {
    grading::grading_is_independent_of_jobs(&election::LAB, "forget-vote", "C");
    grading::grading_is_independent_of_jobs(&kv::LAB, "no-dedup", "B");
}

// ---------------------------------------------------------------------
// Parts in order: a later part's work never fails an earlier part.
// ---------------------------------------------------------------------

/// `build` (a solution with only the parts up to `part` written) earns all
/// of `part`.
fn passes_part(lab: &Lab, build: Build<'_>, part: &str) {
    let s = grade_part(lab, build, part);
    let p = s.part(part).expect("graded");
    assert_eq!(p.earned(), p.possible(), "{}", grading::lost(&s));
}

#[test]
fn lab05_part_a_passes_with_only_part_a_written() {
    passes_part(&election::LAB, &build::<part_a05::RaftNode>, "A");
}

#[test]
fn lab06_and_07_part_a_needs_only_part_a_functions() {
    // Every todo!() of labs 06 and 07 is part A's (later parts grade the
    // same functions under harder faults): the whole solution is part A.
    passes_part(&replication::LAB, &build::<solution06::RaftNode>, "A");
    passes_part(&persistence::LAB, &build::<solution07::RaftNode>, "A");
}

#[test]
fn lab08_part_a_passes_with_only_part_a_written() {
    passes_part(&kv::LAB, &build::<part_a08::RaftNode>, "A");
}

// ---------------------------------------------------------------------
// The mutants stay their solution plus their recipe.
// ---------------------------------------------------------------------

const PART_A05: &[Edit] = &[
    once(
        "        let meta = Meta {\n            term: self.term,\n            voted_for: self.voted_for,\n        };\n        ctx.storage().put(META_KEY, &meta);\n        ctx.storage().sync();\n",
        "        // lab 05 C: left as the skeleton leaves it.\n",
    ),
    once(
        "        if let Some(meta) = ctx.storage().get::<Meta>(META_KEY) {\n            self.term = meta.term;\n            self.voted_for = meta.voted_for;\n        }\n    }\n\n    // ------------------------------------------------------------------\n    // Election",
        "        // lab 05 C: left as the skeleton leaves it.\n    }\n\n    // ------------------------------------------------------------------\n    // Election",
    ),
];

const PART_A08: &[Edit] = &[once(
    "        if let Some(session) = self.kv.sessions.get(&command.client) {\n            if command.id == session.last_id {\n                return Some(session.result.clone());\n            }\n            if command.id < session.last_id {\n                return None;\n            }\n        }\n        let result = self.kv.execute(&command.op);",
    "        // lab 08 B: left as the skeleton leaves it.\n        let result = self.kv.execute(&command.op);",
)];

const GLOBAL: &[Edit] = &[every("ctx.storage().", "global_disk(ctx.id()).")];

const NO_STEP_DOWN: &[Edit] = &[once(
    "        self.become_follower(ctx, term, Some(from));\n        self.reset_election_timer(ctx);\n",
    "        if self.role == Role::Candidate && term == self.term {\n            return; // the shortcut: a candidate ignores its own term's leader\n        }\n        self.become_follower(ctx, term, Some(from));\n        self.reset_election_timer(ctx);\n",
)];

const TIMEOUT_ONCE: &[Edit] = &[
    once(
        "    pub heartbeat_timer: Option<TimerId>,\n}",
        "    pub heartbeat_timer: Option<TimerId>,\n    /// The shortcut: one timeout per node, drawn at its first reset.\n    fixed_timeout: Option<SimTime>,\n}",
    ),
    once(
        "            heartbeat_timer: None,\n        }",
        "            heartbeat_timer: None,\n            fixed_timeout: None,\n        }",
    ),
    once(
        "        let timeout = SimTime(ctx.rng().range_inclusive(lo.as_nanos(), hi.as_nanos()));",
        "        let timeout = *self\n            .fixed_timeout\n            .get_or_insert_with(|| SimTime(ctx.rng().range_inclusive(lo.as_nanos(), hi.as_nanos())));",
    ),
];

const LAB05: &str = "tests/raft_lab/lab05_solution.rs";
const LAB07: &str = "tests/raft_lab/lab07_solution.rs";
const LAB08: &str = "tests/raft_lab/lab08_solution.rs";

#[test]
fn the_mutants_are_their_solution_and_recipe() {
    let dir = "tests/raft_lab/mutants";
    assert_mutant(
        LAB05,
        &format!("{dir}/lab05_part_a.rs"),
        "lab 05 with part A written and part C (persist, recover) left as in the skeleton",
        PART_A05,
        "",
    );
    assert_mutant(
        LAB08,
        &format!("{dir}/lab08_part_a.rs"),
        "lab 08 with part A written and part B (the session table) left as in the skeleton",
        PART_A08,
        "",
    );
    assert_mutant(
        LAB05,
        &format!("{dir}/lab05_global.rs"),
        "cheat: lab 05 keeping term and vote in a thread_local! instead of ctx.storage()",
        GLOBAL,
        GLOBAL_DISK,
    );
    assert_mutant(
        LAB07,
        &format!("{dir}/lab07_global.rs"),
        "cheat: lab 07 keeping term, vote, log and commit in a thread_local! instead of ctx.storage()",
        GLOBAL,
        GLOBAL_DISK,
    );
    assert_mutant(
        LAB05,
        &format!("{dir}/lab05_no_step_down.rs"),
        "shortcut: a candidate never steps down on an AppendEntries of its own term",
        NO_STEP_DOWN,
        "",
    );
    assert_mutant(
        LAB05,
        &format!("{dir}/lab05_timeout_once.rs"),
        "shortcut: each node draws its election timeout once and reuses it",
        TIMEOUT_ONCE,
        "",
    );
}

// ---------------------------------------------------------------------
// The cheat catalogue.
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
                build: &build::<global05::RaftNode>,
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
                // KNOWN GAP (issue 14 stays open): this shortcut scores
                // 100/100. It lost part C only through stable-leader's count
                // of elections after the faults stop, which also failed the
                // honest reference on raft-clock-skew (an election forced by
                // a clock jump undone at the settle point) and was loosened
                // by one. It is listed so the table shows it; a check that
                // catches it (a candidate still campaigning while a leader of
                // its term heartbeats it) is the next step.
                name: "a candidate never steps down on a same-term AppendEntries",
                build: &build::<no_step_down05::RaftNode>,
                must_lose: &[],
            },
            Shortcut {
                name: "the election timeout drawn once per node",
                build: &build::<timeout_once05::RaftNode>,
                must_lose: &["A"],
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
    assert_cheats_lose(&replication::LAB, &service_cheats());
}

#[test]
fn lab07_cheats_score_nothing() {
    let mut cheats = service_cheats();
    cheats.push(Cheat {
        name: "term, vote, log and commit in a thread_local!",
        build: &build::<global07::RaftNode>,
        real_parts: &[],
    });
    assert_cheats_lose(&persistence::LAB, &cheats);
}

#[test]
fn lab08_cheats_score_nothing() {
    assert_cheats_lose(&kv::LAB, &service_cheats());
}

/// The global-state cheat loses every case with a restart on its own (the
/// restart check), whatever the seeds before it leaked.
#[test]
fn keeping_state_in_a_global_fails_every_case_with_restarts() {
    for (lab, part, build) in [
        (
            &election::LAB,
            "C",
            &build::<global05::RaftNode> as Build<'_>,
        ),
        (&persistence::LAB, "A", &build::<global07::RaftNode>),
    ] {
        let s = grade_part(lab, build, part);
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
