//! Lab 12 (Paxos) has teeth: the reference and a solution score full
//! marks, every bug switch loses the parts it breaks, the skeleton scores
//! zero without crashing the grader and is the solution cut down, grading
//! is deterministic, each part passes with only the parts before it
//! written, wrong rules lose their parts, and the cheat catalogue
//! (`tests/labs/paxos/cheats.rs`) loses.

#[path = "paxos/cheats.rs"]
mod cheat_rules;
#[path = "../../labs/12-paxos/src/lib.rs"]
mod skeleton;
#[path = "paxos/solution.rs"]
mod solution;

use crate::support::labs::{cheats, cut, grading};
use distlab::labs::grade;
use distlab::labs::paxos::{build, LAB};
use grading::{options, root};

#[test]
fn the_reference_gets_full_marks() {
    grading::reference_gets_full_marks(&LAB);
}

#[test]
fn a_solution_written_in_the_skeleton_gets_full_marks() {
    grading::gets_full_marks(&LAB, &build::<solution::Synod>);
}

#[test]
fn every_bug_loses_the_parts_it_breaks() {
    grading::every_bug_loses_the_parts_it_breaks(&LAB);
}

#[test]
fn the_skeleton_scores_zero_and_its_todos_are_caught() {
    grading::skeleton_scores_zero(&LAB, &build::<skeleton::Synod>);
}

#[test]
fn grading_is_deterministic_and_independent_of_jobs() {
    grading::grading_is_independent_of_jobs(&LAB, "no-promise-check", "B");
}

#[test]
fn the_skeleton_is_the_solution_cut_down() {
    cut::assert_cut(
        "tests/labs/paxos/solution.rs",
        "labs/12-paxos/src/lib.rs",
        "12",
    );
}

#[test]
fn the_reference_protocol_runs_the_reference_hooks() {
    // The plain `paxos` build and the lab's build of the reference run the
    // same events (the lab changes no behaviour), in both modes.
    for path in [
        "scenarios/paxos-churn.toml",
        "scenarios/paxos-dueling-backoff.toml",
        "scenarios/paxos-bug-reuse-ballot.toml",
    ] {
        let scenario = distlab::testing::load(path);
        let plain = distlab::testing::run(&scenario, 3);
        let options = distlab::scenario::engine::BuildOptions::default();
        let mut scenario = scenario;
        scenario.seed = 3;
        let mut sim =
            build::<distlab::labs::paxos::Reference>(&scenario, &options).expect("builds");
        let lab = sim.run();
        assert_eq!(plain.trace_hash, lab.trace_hash, "{path}");
    }
}

/// Wrong answers a student may give, one rule each: the solution with one
/// function replaced.
mod mutants {
    use super::skeleton::Synod as K;
    use super::solution::Synod as S;
    use distlab::labs::paxos::{Ballot, Command, PaxosRules, Recovered};
    use distlab::storage::Storage;

    /// The function `$f` of `$T`.
    macro_rules! from {
        ($T:ty, promise) => {
            fn promise(p: Ballot, b: Ballot) -> Option<Ballot> {
                <$T>::promise(p, b)
            }
        };
        ($T:ty, may_accept) => {
            fn may_accept(p: Ballot, b: Ballot) -> bool {
                <$T>::may_accept(p, b)
            }
        };
        ($T:ty, choose_value) => {
            fn choose_value(r: &[(Ballot, Command)]) -> Option<&Command> {
                <$T>::choose_value(r)
            }
        };
        ($T:ty, is_majority) => {
            fn is_majority(c: usize, n: u32) -> bool {
                <$T>::is_majority(c, n)
            }
        };
        ($T:ty, store_promise) => {
            fn store_promise(s: &mut Storage, p: Ballot) {
                <$T>::store_promise(s, p)
            }
        };
        ($T:ty, store_accepted) => {
            fn store_accepted(s: &mut Storage, slot: u64, b: Ballot, c: &Command) {
                <$T>::store_accepted(s, slot, b, c)
            }
        };
        ($T:ty, store_round) => {
            fn store_round(s: &mut Storage, r: u64) {
                <$T>::store_round(s, r)
            }
        };
        ($T:ty, recover) => {
            fn recover(s: &Storage) -> Recovered {
                <$T>::recover(s)
            }
        };
    }

    /// Every rule but those written out from the solution.
    macro_rules! solution_but {
        ($name:ident { $($own:tt)* } $($f:ident),*) => {
            pub struct $name;
            impl PaxosRules for $name {
                $($own)*
                $(from!(S, $f);)*
            }
        };
    }

    /// Part A's rule written (the solution's), the rest the skeleton's.
    pub struct PartA;
    impl PaxosRules for PartA {
        from!(S, promise);
        from!(K, may_accept);
        from!(K, choose_value);
        from!(K, is_majority);
        from!(K, store_promise);
        from!(K, store_accepted);
        from!(K, store_round);
        from!(K, recover);
    }

    /// Parts A and B written.
    pub struct PartsAB;
    impl PaxosRules for PartsAB {
        from!(S, promise);
        from!(S, may_accept);
        from!(K, choose_value);
        from!(K, is_majority);
        from!(K, store_promise);
        from!(K, store_accepted);
        from!(K, store_round);
        from!(K, recover);
    }

    /// Parts A, B and C written.
    pub struct PartsABC;
    impl PaxosRules for PartsABC {
        from!(S, promise);
        from!(S, may_accept);
        from!(S, choose_value);
        from!(S, is_majority);
        from!(K, store_promise);
        from!(K, store_accepted);
        from!(K, store_round);
        from!(K, recover);
    }

    solution_but!(PromisesAnything {
        fn promise(_: Ballot, b: Ballot) -> Option<Ballot> {
            Some(b)
        }
    } may_accept, choose_value, is_majority, store_promise, store_accepted, store_round, recover);

    solution_but!(PromisesWithoutRaising {
        fn promise(p: Ballot, b: Ballot) -> Option<Ballot> {
            (b >= p).then_some(p)
        }
    } may_accept, choose_value, is_majority, store_promise, store_accepted, store_round, recover);

    solution_but!(AcceptsAnything {
        fn may_accept(_: Ballot, _: Ballot) -> bool {
            true
        }
    } promise, choose_value, is_majority, store_promise, store_accepted, store_round, recover);

    solution_but!(AcceptsOnlyHigher {
        fn may_accept(p: Ballot, b: Ballot) -> bool {
            b > p
        }
    } promise, choose_value, is_majority, store_promise, store_accepted, store_round, recover);

    solution_but!(LowestBallotValue {
        fn choose_value(r: &[(Ballot, Command)]) -> Option<&Command> {
            r.iter().min_by_key(|(b, _)| *b).map(|(_, v)| v)
        }
    } promise, may_accept, is_majority, store_promise, store_accepted, store_round, recover);

    solution_but!(OwnValue {
        fn choose_value(_: &[(Ballot, Command)]) -> Option<&Command> {
            None
        }
    } promise, may_accept, is_majority, store_promise, store_accepted, store_round, recover);

    solution_but!(NoMajority {
        fn is_majority(c: usize, _: u32) -> bool {
            c >= 1
        }
    } promise, may_accept, choose_value, store_promise, store_accepted, store_round, recover);

    solution_but!(HalfIsEnough {
        fn is_majority(c: usize, n: u32) -> bool {
            c >= n as usize / 2
        }
    } promise, may_accept, choose_value, store_promise, store_accepted, store_round, recover);

    solution_but!(ForgetsThePromise {
        fn store_promise(_: &mut Storage, _: Ballot) {}
    } promise, may_accept, choose_value, is_majority, store_accepted, store_round, recover);

    solution_but!(ForgetsAcceptances {
        fn recover(s: &Storage) -> Recovered {
            Recovered {
                accepted: Default::default(),
                ..<S>::recover(s)
            }
        }
    } promise, may_accept, choose_value, is_majority, store_promise, store_accepted, store_round);

    // Not a mutant: forgetting only the round (`store_round` doing
    // nothing) keeps part D. The node's proposer also counts from its own
    // acceptor's recovered promise (which holds its last ballot), so the
    // round is a second copy; `reuse-ballot-after-restart` bypasses both.
}

#[test]
fn each_part_passes_with_only_the_parts_before_it_written() {
    // Parts in order: part A's cases give B, C and D (`given_parts`), B's
    // give A, C and D, C's give A, B and D; only D's cases run every rule
    // of the student's, so a later todo!() never fails an earlier part.
    let builds: [(&str, distlab::registry::BuildFn); 3] = [
        ("A", build::<mutants::PartA>),
        ("B", build::<mutants::PartsAB>),
        ("C", build::<mutants::PartsABC>),
    ];
    for (id, build) in builds {
        let board =
            grade::grade(&LAB, &build, &root(), &options(Some(id), 2), &|| {}).expect("grades");
        let part = board.part(id).expect("graded");
        assert_eq!(
            part.earned(),
            part.possible(),
            "part {id}: {}",
            grading::lost(&board)
        );
    }
}

#[test]
fn wrong_rules_lose_their_parts() {
    use distlab::labs::paxos::PaxosRules;
    fn lose<R: PaxosRules>(name: &str, part: &str, table: &mut Vec<String>) {
        let board = grade::grade(&LAB, &build::<R>, &root(), &options(Some(part), 2), &|| {})
            .expect("grades");
        let p = board.part(part).expect("graded");
        let first = p.first_failure().and_then(|c| {
            c.first_failure
                .as_ref()
                .map(|f| (c.scenario.clone(), f.seed, f.reasons[0].0.clone()))
        });
        table.push(format!(
            "{name} part {part}: {}/{} {first:?}",
            p.earned(),
            p.possible()
        ));
        assert!(p.earned() < p.possible(), "{name} kept part {part}");
    }
    let mut table = Vec::new();
    lose::<mutants::PromisesAnything>("promises-anything", "A", &mut table);
    lose::<mutants::PromisesWithoutRaising>("promises-without-raising", "A", &mut table);
    lose::<mutants::AcceptsAnything>("accepts-anything", "B", &mut table);
    lose::<mutants::AcceptsOnlyHigher>("accepts-only-higher", "B", &mut table);
    lose::<mutants::LowestBallotValue>("lowest-ballot-value", "C", &mut table);
    lose::<mutants::OwnValue>("own-value", "C", &mut table);
    lose::<mutants::NoMajority>("no-majority", "C", &mut table);
    lose::<mutants::HalfIsEnough>("half-is-enough", "C", &mut table);
    lose::<mutants::ForgetsThePromise>("forgets-the-promise", "D", &mut table);
    lose::<mutants::ForgetsAcceptances>("forgets-acceptances", "D", &mut table);
    eprintln!("{}", table.join("\n"));
}

#[test]
fn the_cheat_catalogue_loses() {
    use cheats::Cheat;
    cheats::assert_cheats_lose(
        &LAB,
        &[
            Cheat {
                name: "does nothing (never promises or accepts)",
                build: &build::<cheat_rules::Idle>,
                real_parts: &[],
            },
            Cheat {
                name: "hard-coded: always promise, always accept, own value, one is a majority",
                build: &build::<cheat_rules::HardCoded>,
                real_parts: &[],
            },
            Cheat {
                name:
                    "promise and acceptor state kept in thread_locals, not in the nodes and storage",
                build: &build::<cheat_rules::Globals>,
                real_parts: &[],
            },
        ],
    );
}

#[test]
fn acceptor_state_in_a_thread_local_loses_part_d() {
    // Honest rules for parts A-C (they earn their points: part D is given
    // there) with part D's state in a thread_local instead of storage: it
    // survives crashes, but it leaks from one run into the next (and is
    // shared by every node), so part D earns nothing.
    let cheat = cheats::Cheat {
        name: "honest rules, acceptor state in a thread_local",
        build: &build::<cheat_rules::Global>,
        real_parts: &["A", "B", "C"],
    };
    let board = cheats::grade_cheat(&LAB, &cheat);
    eprintln!("{}", cheats::score_line(&cheat, &board));
    assert_eq!(board.part("D").map(|p| p.earned()), Some(0), "part D");
}
