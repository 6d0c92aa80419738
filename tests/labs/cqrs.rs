//! Lab 10 (event sourcing and CQRS) has teeth: the reference and a solution score
//! full marks, every bug switch loses the parts it breaks, the skeleton
//! scores zero without crashing the grader, grading is deterministic, and
//! the skeleton is the solution cut down, and the cheat catalogue
//! (`tests/labs/cqrs/cheats.rs`) loses.

#[path = "cqrs/cheats.rs"]
mod cheat_rules;
#[path = "../../labs/10-event-sourcing/src/lib.rs"]
mod skeleton;
mod solution;

use crate::support::labs::{cheats, cut, grading};
use distlab::labs::cqrs::{build, LAB};
use distlab::labs::grade;
use grading::{options, root};

#[test]
fn the_reference_gets_full_marks() {
    grading::reference_gets_full_marks(&LAB);
}

#[test]
fn a_solution_written_in_the_skeleton_gets_full_marks() {
    grading::gets_full_marks(&LAB, &build::<solution::EventSourcing>);
}

#[test]
fn every_bug_loses_the_parts_it_breaks() {
    grading::every_bug_loses_the_parts_it_breaks(&LAB);
}

#[test]
fn the_skeleton_scores_zero_and_its_todos_are_caught() {
    grading::skeleton_scores_zero(&LAB, &build::<skeleton::EventSourcing>);
}

#[test]
fn grading_is_deterministic_and_independent_of_jobs() {
    grading::grading_is_independent_of_jobs(&LAB, "dual-write", "C");
}

#[test]
fn the_skeleton_is_the_solution_cut_down() {
    cut::assert_cut(
        "tests/labs/cqrs/solution.rs",
        "labs/10-event-sourcing/src/lib.rs",
        "10",
    );
}

#[test]
fn the_reference_protocol_runs_the_reference_hooks() {
    // The plain `cqrs` build and the lab's build of the reference agree.
    let scenario = distlab::testing::load("scenarios/es-basic.toml");
    let plain = distlab::testing::run(&scenario, 3);
    let options = distlab::scenario::engine::BuildOptions::default();
    let mut scenario = scenario;
    scenario.seed = 3;
    let mut sim = build::<distlab::labs::cqrs::Reference>(&scenario, &options).expect("builds");
    let lab = sim.run();
    assert_eq!(plain.trace_hash, lab.trace_hash);
    assert_eq!(plain.metrics, lab.metrics);
}

/// Wrong answers a student may give, one rule each: the solution with one
/// function replaced.
mod mutants {
    use super::skeleton::EventSourcing as K;
    use super::solution::EventSourcing as S;
    use distlab::labs::cqrs::{CqrsParts, MODEL_KEY};
    use distlab::protocols::cqrs::{
        Account, AccountState, Command, Payload, ProjectionState, Snapshot, StoredEvent,
    };
    use distlab::storage::Storage;
    use std::collections::BTreeMap;

    /// The function `$f` of `$T`.
    macro_rules! from {
        ($T:ty, rebuild) => {
            fn rebuild(a: Account, s: Option<&Snapshot>, e: &[StoredEvent]) -> AccountState {
                <$T>::rebuild(a, s, e)
            }
        };
        ($T:ty, decide) => {
            fn decide(s: &AccountState, c: &Command, v1: bool) -> Result<Payload, String> {
                <$T>::decide(s, c, v1)
            }
        };
        ($T:ty, append_allowed) => {
            fn append_allowed(c: u64, e: u64) -> bool {
                <$T>::append_allowed(c, e)
            }
        };
        ($T:ty, should_apply) => {
            fn should_apply(l: u64, v: u64) -> bool {
                <$T>::should_apply(l, v)
            }
        };
        ($T:ty, persist) => {
            fn persist(st: &mut Storage, s: &ProjectionState) {
                <$T>::persist(st, s)
            }
        };
        ($T:ty, offsets_to_commit) => {
            fn offsets_to_commit(
                p: &BTreeMap<u32, u64>,
                r: &BTreeMap<u32, u64>,
            ) -> Vec<(u32, u64)> {
                <$T>::offsets_to_commit(p, r)
            }
        };
        ($T:ty, write_append) => {
            fn write_append(st: &mut Storage, e: &StoredEvent, s: Option<&Snapshot>) {
                <$T>::write_append(st, e, s)
            }
        };
        ($T:ty, outbox_done) => {
            fn outbox_done(st: &mut Storage, p: &[u64]) {
                <$T>::outbox_done(st, p)
            }
        };
    }

    /// Delegates every function not overridden to the solution.
    macro_rules! delegate {
        ($f:ident) => {
            from!(S, $f);
        };
    }

    /// Parts in order: part A's rules written (the solution's), parts B
    /// and C still the skeleton's `todo!()`s.
    pub struct PartA;
    impl CqrsParts for PartA {
        delegate!(rebuild);
        delegate!(decide);
        delegate!(append_allowed);
        from!(K, should_apply);
        from!(K, persist);
        from!(K, offsets_to_commit);
        from!(K, write_append);
        from!(K, outbox_done);
    }

    /// Parts A and B written, part C still the skeleton's.
    pub struct PartsAB;
    impl CqrsParts for PartsAB {
        delegate!(rebuild);
        delegate!(decide);
        delegate!(append_allowed);
        delegate!(should_apply);
        delegate!(persist);
        delegate!(offsets_to_commit);
        from!(K, write_append);
        from!(K, outbox_done);
    }

    /// Rebuilds from the events alone, dropping the snapshot (or cached state).
    pub struct IgnoresSnapshot;
    impl CqrsParts for IgnoresSnapshot {
        fn rebuild(a: Account, _: Option<&Snapshot>, e: &[StoredEvent]) -> AccountState {
            S::rebuild(a, None, e)
        }
        delegate!(decide);
        delegate!(append_allowed);
        delegate!(should_apply);
        delegate!(persist);
        delegate!(offsets_to_commit);
        delegate!(write_append);
        delegate!(outbox_done);
    }

    /// Lets withdrawals overdraw.
    pub struct Overdraft;
    impl CqrsParts for Overdraft {
        delegate!(rebuild);
        fn decide(s: &AccountState, c: &Command, v1: bool) -> Result<Payload, String> {
            match *c {
                Command::Withdraw { amount } if amount > 0 => Ok(Payload::WithdrawnV1 { amount }),
                _ => S::decide(s, c, v1),
            }
        }
        delegate!(append_allowed);
        delegate!(should_apply);
        delegate!(persist);
        delegate!(offsets_to_commit);
        delegate!(write_append);
        delegate!(outbox_done);
    }

    /// Persists the read model without syncing it.
    pub struct PersistNoSync;
    impl CqrsParts for PersistNoSync {
        delegate!(rebuild);
        delegate!(decide);
        delegate!(append_allowed);
        delegate!(should_apply);
        fn persist(st: &mut Storage, s: &ProjectionState) {
            st.put(MODEL_KEY, s);
        }
        delegate!(offsets_to_commit);
        delegate!(write_append);
        delegate!(outbox_done);
    }

    /// Commits what was received, processed or not.
    pub struct CommitReceived;
    impl CqrsParts for CommitReceived {
        delegate!(rebuild);
        delegate!(decide);
        delegate!(append_allowed);
        delegate!(should_apply);
        delegate!(persist);
        fn offsets_to_commit(_: &BTreeMap<u32, u64>, r: &BTreeMap<u32, u64>) -> Vec<(u32, u64)> {
            r.iter().map(|(&p, &o)| (p, o)).collect()
        }
        delegate!(write_append);
        delegate!(outbox_done);
    }

    /// Writes the event and its outbox entry without syncing.
    pub struct AppendNoSync;
    impl CqrsParts for AppendNoSync {
        delegate!(rebuild);
        delegate!(decide);
        delegate!(append_allowed);
        delegate!(should_apply);
        delegate!(persist);
        delegate!(offsets_to_commit);
        fn write_append(st: &mut Storage, e: &StoredEvent, s: Option<&Snapshot>) {
            let mut scratch = Storage::new();
            S::write_append(&mut scratch, e, s);
            for key in scratch.keys() {
                if key.starts_with("ev/") {
                    st.put(&key, e);
                } else if key.starts_with("out/") {
                    st.put(&key, &());
                } else if let Some(snap) = s {
                    st.put(&key, snap);
                }
            }
        }
        delegate!(outbox_done);
    }

    /// Forgets the outbox entry: the event alone is written.
    pub struct NoOutbox;
    impl CqrsParts for NoOutbox {
        delegate!(rebuild);
        delegate!(decide);
        delegate!(append_allowed);
        delegate!(should_apply);
        delegate!(persist);
        delegate!(offsets_to_commit);
        fn write_append(st: &mut Storage, e: &StoredEvent, s: Option<&Snapshot>) {
            st.put(&distlab::labs::cqrs::event_key(e.account, e.version), e);
            if let Some(snap) = s {
                st.put(&distlab::labs::cqrs::snapshot_key(snap.account), snap);
            }
            st.sync();
        }
        delegate!(outbox_done);
    }
}

#[test]
fn each_part_passes_with_only_the_parts_before_it_written() {
    // Parts in order: part A's cases give parts B and C (`given_parts`),
    // part B's give C, so a later part's todo!() never fails an earlier one.
    let builds: [(&str, distlab::registry::BuildFn); 2] = [
        ("A", build::<mutants::PartA>),
        ("B", build::<mutants::PartsAB>),
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
    use distlab::labs::cqrs::CqrsParts;
    fn lose<P: CqrsParts>(name: &str, part: &str, table: &mut Vec<String>) {
        let board = grade::grade(&LAB, &build::<P>, &root(), &options(Some(part), 2), &|| {})
            .expect("grades");
        let p = board.part(part).expect("graded");
        let first = p.first_failure().and_then(|c| {
            c.first_failure
                .as_ref()
                .map(|f| (c.scenario.clone(), f.seed))
        });
        table.push(format!(
            "{name} part {part}: {}/{} {first:?}",
            p.earned(),
            p.possible()
        ));
        assert!(p.earned() < p.possible(), "{name} kept part {part}");
    }
    let mut table = Vec::new();
    lose::<mutants::IgnoresSnapshot>("ignores-snapshot", "A", &mut table);
    lose::<mutants::Overdraft>("overdraft", "A", &mut table);
    lose::<mutants::PersistNoSync>("persist-no-sync", "B", &mut table);
    lose::<mutants::CommitReceived>("commit-received", "B", &mut table);
    lose::<mutants::AppendNoSync>("append-no-sync", "C", &mut table);
    lose::<mutants::NoOutbox>("no-outbox", "C", &mut table);
    eprintln!("{}", table.join("\n"));
}

#[test]
fn the_cheat_catalogue_loses() {
    use cheats::Cheat;
    cheats::assert_cheats_lose(
        &LAB,
        &[
            Cheat {
                name: "does nothing (refuses every command)",
                build: &build::<cheat_rules::Idle>,
                real_parts: &[],
            },
            Cheat {
                name: "hard-coded: fresh accounts, every append allowed, nothing stored",
                build: &build::<cheat_rules::HardCoded>,
                real_parts: &[],
            },
        ],
    );
}

#[test]
fn an_honest_aggregate_with_a_frozen_projection_scores_only_part_a() {
    // Part A done honestly earns part A (parts in order); a projection that
    // never updates must earn nothing in B and C.
    let board = cheats::grade_cheat(
        &LAB,
        &cheats::Cheat {
            name: "honest aggregate, a projection that never updates",
            build: &build::<cheat_rules::FrozenProjection>,
            real_parts: &["A"],
        },
    );
    assert_eq!(board.part("B").map(|p| p.earned()), Some(0));
    assert_eq!(board.part("C").map(|p| p.earned()), Some(0));
}

#[test]
fn durable_state_in_a_thread_local_loses_the_crash_parts() {
    // An honest aggregate (part A's rules are the reference's) that keeps
    // what must be durable in a thread_local: a shortcut, not a cheat of
    // the whole lab, so it may keep part A (graded with parts B and C
    // given) but loses B and C.
    cheats::assert_shortcuts_lose(
        &LAB,
        &[cheats::Shortcut {
            name: "honest aggregate, durable state in a thread_local",
            build: &build::<cheat_rules::Global>,
            must_lose: &["B", "C"],
        }],
    );
    let board = cheats::grade_cheat(
        &LAB,
        &cheats::Cheat {
            name: "durable state in a thread_local",
            build: &build::<cheat_rules::Global>,
            real_parts: &["A"],
        },
    );
    assert_eq!(board.part("B").map(|p| p.earned()), Some(0));
    assert_eq!(board.part("C").map(|p| p.earned()), Some(0));
}
