//! Lab 13 (load balancing and tail latency) has teeth: the reference and a
//! solution score full marks, every bug switch loses the parts it breaks,
//! the skeleton scores zero without crashing the grader and is the
//! solution cut down, grading is deterministic, each part passes with only
//! its own strategies written, wrong strategies lose their parts, and the
//! cheat catalogue (`tests/labs/load_balancing/cheats.rs`) loses: always
//! instance 0, an index out of range, a strategy that remembers the slow
//! instance across runs, a ring without virtual nodes.

#[path = "load_balancing/cheats.rs"]
mod cheat_rules;
#[path = "../../labs/13-load-balancing/src/lib.rs"]
mod skeleton;
#[path = "load_balancing/solution.rs"]
mod solution;

use crate::support::labs::{cheats, cut, grading};
use distlab::labs::grade;
use distlab::labs::load_balancing::{build, ring_report, Hooks, Prng, Reference, LAB};
use grading::{options, root};

#[test]
fn the_reference_gets_full_marks() {
    grading::reference_gets_full_marks(&LAB);
}

#[test]
fn a_solution_written_in_the_skeleton_gets_full_marks() {
    grading::gets_full_marks(&LAB, &build::<solution::Strategies>);
}

#[test]
fn every_bug_loses_the_parts_it_breaks() {
    grading::every_bug_loses_the_parts_it_breaks(&LAB);
}

#[test]
fn the_skeleton_scores_zero_and_its_todos_are_caught() {
    grading::skeleton_scores_zero(&LAB, &build::<skeleton::Strategies>);
}

#[test]
fn grading_is_deterministic_and_independent_of_jobs() {
    grading::grading_is_independent_of_jobs(&LAB, "choose-more-loaded", "B");
}

#[test]
fn the_skeleton_is_the_solution_cut_down() {
    cut::assert_cut(
        "tests/labs/load_balancing/solution.rs",
        "labs/13-load-balancing/src/lib.rs",
        "13",
    );
}

#[test]
fn the_reference_protocol_runs_the_reference_hooks() {
    // The plain `load-balancing` build and the lab's build of the
    // reference run the same events (the lab changes no behaviour), with
    // every strategy.
    for path in [
        "scenarios/lb-slow-instance.toml",
        "scenarios/lb-herd-after-restart.toml",
        "labs/13-load-balancing/scenarios/even-random.toml",
        "labs/13-load-balancing/scenarios/hash-churn.toml",
        "labs/13-load-balancing/scenarios/even-round-robin.toml",
    ] {
        let mut scenario = distlab::testing::load(path);
        scenario.duration = distlab::sim::SimTime::from_secs(2);
        let plain = distlab::testing::run(&scenario, 3);
        scenario.seed = 3;
        let options = distlab::scenario::engine::BuildOptions::default();
        let mut sim = build::<Reference>(&scenario, &options).expect("builds");
        let lab = sim.run();
        assert_eq!(plain.trace_hash, lab.trace_hash, "{path}");
    }
}

/// What a strategy can see is its arguments: the eligibility of each
/// instance, the balancer's load view and the balancer's own random
/// stream. The hooks' types say so (this test does not compile if a hook
/// gains an argument): no simulation, no clock, no seed, so no way to look
/// at the run's future — the service times still to be drawn (another
/// stream), the `slow` fault still to come. `Prng` has no accessor for its
/// seed; cloning it shows only the balancer's own next draws.
#[test]
// The hooks' types are spelled out on purpose: they are the claim.
#[allow(clippy::type_complexity)]
fn a_strategy_sees_only_its_arguments_and_not_the_seed_or_the_future() {
    let hooks = Hooks::of::<solution::Strategies>();
    let _: fn(&mut usize, &[bool]) -> Option<usize> = hooks.round_robin;
    let _: fn(&[bool], &mut Prng) -> Option<usize> = hooks.random;
    let _: fn(&[u32], &[bool], &mut Prng) -> Option<usize> = hooks.least_outstanding;
    let _: fn(&[u32], &[bool], &mut Prng) -> Option<(usize, usize)> = hooks.two_choices;
    let _: fn(usize, u32) -> Vec<u64> = hooks.ring_points;
    let _: fn(&[(u64, usize)], u64, &[bool]) -> Option<usize> = hooks.ring_owner;
    // And a strategy that tries anyway, by carrying what it learnt in one
    // run into the next (a thread_local), loses: see
    // `a_strategy_that_remembers_the_slow_instance_loses_part_b`.
}

/// Wrong answers a student may give: the solution with one function
/// replaced.
mod mutants {
    use super::solution::Strategies as S;
    use distlab::labs::load_balancing::{hash_text, BalancingRules, Prng};

    macro_rules! solution_but {
        ($name:ident { $($own:tt)* } $($f:ident),*) => {
            pub struct $name;
            impl BalancingRules for $name {
                $($own)*
                $(from_solution!($f);)*
            }
        };
    }

    macro_rules! from_solution {
        (round_robin) => {
            fn round_robin(c: &mut usize, e: &[bool]) -> Option<usize> {
                S::round_robin(c, e)
            }
        };
        (random) => {
            fn random(e: &[bool], r: &mut Prng) -> Option<usize> {
                S::random(e, r)
            }
        };
        (least_outstanding) => {
            fn least_outstanding(l: &[u32], e: &[bool], r: &mut Prng) -> Option<usize> {
                S::least_outstanding(l, e, r)
            }
        };
        (two_choices) => {
            fn two_choices(l: &[u32], e: &[bool], r: &mut Prng) -> Option<(usize, usize)> {
                S::two_choices(l, e, r)
            }
        };
        (ring_points) => {
            fn ring_points(i: usize, v: u32) -> Vec<u64> {
                S::ring_points(i, v)
            }
        };
        (ring_owner) => {
            fn ring_owner(ring: &[(u64, usize)], h: u64, e: &[bool]) -> Option<usize> {
                S::ring_owner(ring, h, e)
            }
        };
    }

    // Part A alone written: the skeleton's todo!()s for B and C are never
    // reached by part A's scenarios.
    solution_but!(PartA {
        fn least_outstanding(_: &[u32], _: &[bool], _: &mut Prng) -> Option<usize> {
            todo!()
        }
        fn two_choices(_: &[u32], _: &[bool], _: &mut Prng) -> Option<(usize, usize)> {
            todo!()
        }
        fn ring_points(_: usize, _: u32) -> Vec<u64> {
            todo!()
        }
        fn ring_owner(_: &[(u64, usize)], _: u64, _: &[bool]) -> Option<usize> {
            todo!()
        }
    } round_robin, random);

    // Part B alone written.
    solution_but!(PartB {
        fn round_robin(_: &mut usize, _: &[bool]) -> Option<usize> {
            todo!()
        }
        fn random(_: &[bool], _: &mut Prng) -> Option<usize> {
            todo!()
        }
        fn ring_points(_: usize, _: u32) -> Vec<u64> {
            todo!()
        }
        fn ring_owner(_: &[(u64, usize)], _: u64, _: &[bool]) -> Option<usize> {
            todo!()
        }
    } least_outstanding, two_choices);

    // Round robin that never wraps past the cursor's start: stuck on the
    // last instance once it gets there.
    solution_but!(RoundRobinNoWrap {
        fn round_robin(c: &mut usize, e: &[bool]) -> Option<usize> {
            let found = (*c..e.len()).find(|&i| e[i]).or_else(|| e.iter().rposition(|&x| x))?;
            *c = (found + 1).min(e.len() - 1);
            Some(found)
        }
    } random, least_outstanding, two_choices, ring_points, ring_owner);

    // Two "choices" that are one: the same instance drawn twice.
    solution_but!(TwoChoicesOneSample {
        fn two_choices(_: &[u32], e: &[bool], r: &mut Prng) -> Option<(usize, usize)> {
            let c: Vec<usize> = (0..e.len()).filter(|&i| e[i]).collect();
            if c.is_empty() {
                return None;
            }
            let a = c[r.index(c.len())];
            Some((a, a))
        }
    } round_robin, random, least_outstanding, ring_points, ring_owner);

    // A ring that ignores virtual nodes: one point per instance.
    solution_but!(RingWithoutVirtualNodes {
        fn ring_points(i: usize, _: u32) -> Vec<u64> {
            vec![hash_text(&format!("{i}#0"))]
        }
    } round_robin, random, least_outstanding, two_choices, ring_owner);

    // Not a ring at all: the key's hash modulo the eligible instances —
    // balanced, but a leave or join moves almost every key.
    solution_but!(ModuloHashing {
        fn ring_owner(_: &[(u64, usize)], h: u64, e: &[bool]) -> Option<usize> {
            let c: Vec<usize> = (0..e.len()).filter(|&i| e[i]).collect();
            (!c.is_empty()).then(|| c[(h % c.len() as u64) as usize])
        }
    } round_robin, random, least_outstanding, two_choices, ring_points);
}

#[test]
fn each_part_passes_with_only_its_own_strategies_written() {
    let builds: [(&str, distlab::registry::BuildFn); 2] = [
        ("A", build::<mutants::PartA>),
        ("B", build::<mutants::PartB>),
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
fn wrong_strategies_lose_their_parts() {
    use distlab::labs::load_balancing::BalancingRules;
    fn lose<R: BalancingRules>(name: &str, part: &str, table: &mut Vec<String>) {
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
    lose::<mutants::RoundRobinNoWrap>("round-robin-no-wrap", "A", &mut table);
    lose::<mutants::TwoChoicesOneSample>("two-choices-one-sample", "B", &mut table);
    lose::<mutants::RingWithoutVirtualNodes>("ring-without-virtual-nodes", "C", &mut table);
    lose::<mutants::ModuloHashing>("modulo-hashing", "C", &mut table);
    eprintln!("{}", table.join("\n"));
}

#[test]
fn the_ring_report_measures_moves_and_balance() {
    // The reference's ring moves exactly the keys that must move; one
    // point per instance still moves only those, but is unbalanced;
    // modulo hashing is balanced and moves most keys.
    let reference = ring_report(&Hooks::of::<Reference>(), 10, 64, 1000, false);
    assert_eq!(reference.moved, reference.minimum, "{reference:?}");
    assert!(reference.most_owned < 160, "{reference:?}");
    let one_point = ring_report(&Hooks::of::<Reference>(), 10, 64, 1000, true);
    assert_eq!(one_point.moved, one_point.minimum, "{one_point:?}");
    assert!(one_point.most_owned > 160, "{one_point:?}");
    let modulo = ring_report(&Hooks::of::<mutants::ModuloHashing>(), 10, 64, 1000, false);
    assert!(modulo.moved > 3 * modulo.minimum, "{modulo:?}");
}

#[test]
fn the_cheat_catalogue_loses() {
    use cheats::Cheat;
    cheats::assert_cheats_lose(
        &LAB,
        &[
            Cheat {
                name: "always instance 0",
                build: &build::<cheat_rules::AlwaysFirst>,
                real_parts: &[],
            },
            Cheat {
                name: "an index past the last instance",
                build: &build::<cheat_rules::OutOfRange>,
                real_parts: &[],
            },
        ],
    );
}

#[test]
fn always_instance_0_fails_the_slow_instance_cases() {
    let cheat = cheats::Cheat {
        name: "always instance 0",
        build: &build::<cheat_rules::AlwaysFirst>,
        real_parts: &[],
    };
    let board =
        grade::grade(&LAB, cheat.build, &root(), &options(Some("B"), 2), &|| {}).expect("grades");
    let part = board.part("B").expect("graded");
    for case in part.cases.iter().filter(|c| c.scenario.contains("slow-")) {
        assert!(!case.ok(), "{} passed", case.scenario);
    }
}

#[test]
fn an_index_out_of_range_is_a_clear_failure_not_a_crash() {
    let cheat = cheats::Cheat {
        name: "an index past the last instance",
        build: &build::<cheat_rules::OutOfRange>,
        real_parts: &[],
    };
    let board =
        grade::grade(&LAB, cheat.build, &root(), &options(Some("A"), 2), &|| {}).expect("grades");
    let part = board.part("A").expect("graded");
    let case = part.first_failure().expect("a failing case");
    let failure = case.first_failure.as_ref().expect("a failing seed");
    let (check, why) = &failure.reasons[0];
    assert!(check.contains("picks-in-range"), "{:?}", failure.reasons);
    assert!(
        why.contains("returned instance index 10, but there are 10 instances (0..=9)"),
        "{why}"
    );
    assert!(
        !failure.reasons.iter().any(|(_, w)| w.contains("panic")),
        "{:?}",
        failure.reasons
    );
}

#[test]
fn a_strategy_that_remembers_the_slow_instance_loses_part_b() {
    let cheat = cheats::Cheat {
        name: "honest A and C; B remembers the slow instance across runs in a thread_local",
        build: &build::<cheat_rules::Clairvoyant>,
        real_parts: &["A", "C"],
    };
    let board = cheats::grade_cheat(&LAB, &cheat);
    eprintln!("{}", cheats::score_line(&cheat, &board));
    assert_eq!(board.part("B").map(|p| p.earned()), Some(0), "part B");
}
