//! Lab 11 (leases and fencing) has teeth: the reference and a solution
//! score full marks, every bug switch loses the parts it breaks, the
//! skeleton scores zero without crashing the grader and is the solution cut
//! down, grading is deterministic, each part passes with only the parts
//! before it written, wrong rules lose their parts, and the cheat catalogue
//! (`tests/labs/leases/cheats.rs`) loses.

#[path = "leases/cheats.rs"]
mod cheat_rules;
#[path = "../../labs/11-leases-fencing/src/lib.rs"]
mod skeleton;
#[path = "leases/solution.rs"]
mod solution;

use crate::support::labs::{cheats, cut, grading};
use distlab::labs::grade;
use distlab::labs::leases::{build, LAB};
use grading::{options, root};

#[test]
fn the_reference_gets_full_marks() {
    grading::reference_gets_full_marks(&LAB);
}

#[test]
fn a_solution_written_in_the_skeleton_gets_full_marks() {
    grading::gets_full_marks(&LAB, &build::<solution::Leases>);
}

#[test]
fn every_bug_loses_the_parts_it_breaks() {
    grading::every_bug_loses_the_parts_it_breaks(&LAB);
}

#[test]
fn the_skeleton_scores_zero_and_its_todos_are_caught() {
    grading::skeleton_scores_zero(&LAB, &build::<skeleton::Leases>);
}

#[test]
fn grading_is_deterministic_and_independent_of_jobs() {
    grading::grading_is_independent_of_jobs(&LAB, "no-fencing", "C");
}

#[test]
fn the_skeleton_is_the_solution_cut_down() {
    cut::assert_cut(
        "tests/labs/leases/solution.rs",
        "labs/11-leases-fencing/src/lib.rs",
        "11",
    );
}

#[test]
fn the_reference_protocol_runs_the_reference_hooks() {
    // The plain `lock-service` build and the lab's build of the reference
    // run the same events (the lab adds checks, not behaviour).
    for path in [
        "scenarios/lock-pause-fencing.toml",
        "scenarios/lock-holder-crash.toml",
    ] {
        let scenario = distlab::testing::load(path);
        let plain = distlab::testing::run(&scenario, 3);
        let options = distlab::scenario::engine::BuildOptions::default();
        let mut scenario = scenario;
        scenario.seed = 3;
        let mut sim =
            build::<distlab::labs::leases::Reference>(&scenario, &options).expect("builds");
        let lab = sim.run();
        assert_eq!(plain.trace_hash, lab.trace_hash, "{path}");
    }
}

/// Wrong answers a student may give, one rule each: the solution with one
/// function replaced.
mod mutants {
    use super::skeleton::Leases as K;
    use super::solution::Leases as S;
    use distlab::labs::leases::{Acquire, Lease, LeaseRules};
    use distlab::sim::{NodeId, SimTime};
    use distlab::storage::Storage;

    /// The function `$f` of `$T`.
    macro_rules! from {
        ($T:ty, acquire) => {
            fn acquire(l: Option<&Lease>, a: NodeId, n: SimTime) -> Acquire {
                <$T>::acquire(l, a, n)
            }
        };
        ($T:ty, renew) => {
            fn renew(l: Option<&Lease>, a: NodeId, t: u64, n: SimTime) -> bool {
                <$T>::renew(l, a, t, n)
            }
        };
        ($T:ty, next_token) => {
            fn next_token(s: &mut Storage, l: u64) -> u64 {
                <$T>::next_token(s, l)
            }
        };
        ($T:ty, recover_token) => {
            fn recover_token(s: &Storage) -> Option<u64> {
                <$T>::recover_token(s)
            }
        };
        ($T:ty, accept_write) => {
            fn accept_write(h: u64, t: u64) -> bool {
                <$T>::accept_write(h, t)
            }
        };
        ($T:ty, lease_end) => {
            fn lease_end(s: SimTime, l: SimTime) -> SimTime {
                <$T>::lease_end(s, l)
            }
        };
        ($T:ty, may_start_write) => {
            fn may_start_write(n: SimTime, e: SimTime, w: SimTime) -> bool {
                <$T>::may_start_write(n, e, w)
            }
        };
    }

    /// Every rule but those named from the solution.
    macro_rules! solution_but {
        ($name:ident { $($own:tt)* } $($f:ident),*) => {
            pub struct $name;
            impl LeaseRules for $name {
                $($own)*
                $(from!(S, $f);)*
            }
        };
    }

    /// Part A's rules written (the solution's), the rest the skeleton's.
    pub struct PartA;
    impl LeaseRules for PartA {
        from!(S, acquire);
        from!(S, renew);
        from!(K, next_token);
        from!(K, recover_token);
        from!(K, accept_write);
        from!(K, lease_end);
        from!(K, may_start_write);
    }

    /// Parts A and B written.
    pub struct PartsAB;
    impl LeaseRules for PartsAB {
        from!(S, acquire);
        from!(S, renew);
        from!(S, next_token);
        from!(S, recover_token);
        from!(K, accept_write);
        from!(K, lease_end);
        from!(K, may_start_write);
    }

    /// Parts A, B and C written.
    pub struct PartsABC;
    impl LeaseRules for PartsABC {
        from!(S, acquire);
        from!(S, renew);
        from!(S, next_token);
        from!(S, recover_token);
        from!(S, accept_write);
        from!(K, lease_end);
        from!(K, may_start_write);
    }

    solution_but!(GrantsToAnyone {
        fn acquire(l: Option<&Lease>, a: NodeId, n: SimTime) -> Acquire {
            match l {
                Some(l) if l.holder == a && n < l.expires => Acquire::Again,
                _ => Acquire::Grant,
            }
        }
    } renew, next_token, recover_token, accept_write, lease_end, may_start_write);

    solution_but!(TokenNotSynced {
        fn next_token(s: &mut Storage, l: u64) -> u64 {
            s.put(distlab::labs::leases::TOKEN_KEY, &(l + 1));
            l + 1
        }
    } acquire, renew, recover_token, accept_write, lease_end, may_start_write);

    solution_but!(ForgetsTheToken {
        fn recover_token(_: &Storage) -> Option<u64> {
            None
        }
    } acquire, renew, next_token, accept_write, lease_end, may_start_write);

    solution_but!(FencesEqualTokens {
        fn accept_write(h: u64, t: u64) -> bool {
            t > h
        }
    } acquire, renew, next_token, recover_token, lease_end, may_start_write);

    solution_but!(AcceptsEverything {
        fn accept_write(_: u64, _: u64) -> bool {
            true
        }
    } acquire, renew, next_token, recover_token, lease_end, may_start_write);

    solution_but!(WritesWithoutLooking {
        fn may_start_write(_: SimTime, _: SimTime, _: SimTime) -> bool {
            true
        }
    } acquire, renew, next_token, recover_token, accept_write, lease_end);

    solution_but!(NoMargin {
        fn may_start_write(n: SimTime, e: SimTime, _: SimTime) -> bool {
            n < e
        }
    } acquire, renew, next_token, recover_token, accept_write, lease_end);

    solution_but!(DoubleLease {
        fn lease_end(s: SimTime, l: SimTime) -> SimTime {
            s + l + l
        }
    } acquire, renew, next_token, recover_token, accept_write, may_start_write);
}

#[test]
fn each_part_passes_with_only_the_parts_before_it_written() {
    // Parts in order: part A's cases give B, C and D (`given_parts`), B's
    // give C and D, C's give D, so a later todo!() never fails an earlier part.
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
    use distlab::labs::leases::LeaseRules;
    fn lose<R: LeaseRules>(name: &str, part: &str, table: &mut Vec<String>) {
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
    lose::<mutants::GrantsToAnyone>("grants-to-anyone", "A", &mut table);
    lose::<mutants::TokenNotSynced>("token-not-synced", "B", &mut table);
    lose::<mutants::ForgetsTheToken>("forgets-the-token", "B", &mut table);
    lose::<mutants::FencesEqualTokens>("fences-equal-tokens", "C", &mut table);
    lose::<mutants::AcceptsEverything>("accepts-everything", "C", &mut table);
    lose::<mutants::WritesWithoutLooking>("writes-without-looking", "D", &mut table);
    lose::<mutants::NoMargin>("no-margin", "D", &mut table);
    lose::<mutants::DoubleLease>("double-lease", "D", &mut table);
    eprintln!("{}", table.join("\n"));
}

#[test]
fn the_cheat_catalogue_loses() {
    use cheats::Cheat;
    cheats::assert_cheats_lose(
        &LAB,
        &[
            Cheat {
                name: "does nothing (never grants)",
                build: &build::<cheat_rules::Idle>,
                real_parts: &[],
            },
            Cheat {
                name: "hard-coded: always grant, always renew, accept every write",
                build: &build::<cheat_rules::HardCoded>,
                real_parts: &[],
            },
            Cheat {
                name: "leases never expire",
                build: &build::<cheat_rules::NeverExpires>,
                real_parts: &[],
            },
            Cheat {
                name: "lease and token kept in thread_locals, not in the nodes and storage",
                build: &build::<cheat_rules::Globals>,
                real_parts: &[],
            },
        ],
    );
}

#[test]
fn a_token_counter_in_a_thread_local_loses_every_part_that_uses_it() {
    // Honest lease rules (part A earns its points: parts B-D are given
    // there) with the token counter in a thread_local instead of storage:
    // a shortcut, not a cheat of the whole lab. It survives restarts, so
    // every run passes its checks, but it leaks from one run into the next
    // and the determinism check zeroes B, C and D.
    let cheat = cheats::Cheat {
        name: "honest leases, token counter in a thread_local",
        build: &build::<cheat_rules::Global>,
        real_parts: &["A"],
    };
    let board = cheats::grade_cheat(&LAB, &cheat);
    eprintln!("{}", cheats::score_line(&cheat, &board));
    for part in ["B", "C", "D"] {
        assert_eq!(board.part(part).map(|p| p.earned()), Some(0), "part {part}");
    }
}
