//! Lab 12's cheat catalogue: rules that fake Paxos. Each must score 0 on
//! every part it does not really implement and at most 10% overall
//! (`tests/support/labs/cheats.rs`).

use distlab::labs::paxos::{Ballot, Command, PaxosRules, Recovered, Reference};
use distlab::storage::Storage;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

/// Does nothing: never promises, never accepts, never counts a majority,
/// stores nothing.
pub struct Idle;
impl PaxosRules for Idle {
    fn promise(_: Ballot, _: Ballot) -> Option<Ballot> {
        None
    }
    fn may_accept(_: Ballot, _: Ballot) -> bool {
        false
    }
    fn choose_value(_: &[(Ballot, Command)]) -> Option<&Command> {
        None
    }
    fn is_majority(_: usize, _: u32) -> bool {
        false
    }
    fn store_promise(_: &mut Storage, _: Ballot) {}
    fn store_accepted(_: &mut Storage, _: u64, _: Ballot, _: &Command) {}
    fn store_round(_: &mut Storage, _: u64) {}
    fn recover(_: &Storage) -> Recovered {
        Recovered::default()
    }
}

/// Hard-codes the answers: always promise (the ballot asked), always
/// accept, always propose its own value, one acceptance is enough, stores
/// nothing.
pub struct HardCoded;
impl PaxosRules for HardCoded {
    fn promise(_: Ballot, ballot: Ballot) -> Option<Ballot> {
        Some(ballot)
    }
    fn may_accept(_: Ballot, _: Ballot) -> bool {
        true
    }
    fn choose_value(_: &[(Ballot, Command)]) -> Option<&Command> {
        None
    }
    fn is_majority(count: usize, _: u32) -> bool {
        count >= 1
    }
    fn store_promise(_: &mut Storage, _: Ballot) {}
    fn store_accepted(_: &mut Storage, _: u64, _: Ballot, _: &Command) {}
    fn store_round(_: &mut Storage, _: u64) {}
    fn recover(_: &Storage) -> Recovered {
        Recovered::default()
    }
}

thread_local! {
    /// The highest promise any acceptor made, outside the simulation.
    static PROMISED: Cell<Ballot> = const { Cell::new(Ballot::ZERO) };
    /// The highest ballot ever reported to a proposer, outside the
    /// simulation.
    static SEEN: Cell<Ballot> = const { Cell::new(Ballot::ZERO) };
    /// The highest round, outside the simulation.
    static ROUND: Cell<u64> = const { Cell::new(0) };
    /// Accepted proposals by slot, outside the simulation.
    static ACCEPTED: RefCell<BTreeMap<u64, (Ballot, Command)>> =
        const { RefCell::new(BTreeMap::new()) };
}

/// Keeps its state in `thread_local`s instead of the nodes and their
/// storage: one promise for every acceptor (ignoring the node's own), the
/// round and the accepted proposals. Each run passes many checks on a
/// fresh thread; the state leaks from one run into the next.
pub struct Globals;
impl PaxosRules for Globals {
    fn promise(_: Ballot, ballot: Ballot) -> Option<Ballot> {
        PROMISED.with(|p| {
            if ballot >= p.get() {
                p.set(ballot);
                Some(ballot)
            } else {
                None
            }
        })
    }
    fn may_accept(_: Ballot, ballot: Ballot) -> bool {
        PROMISED.with(|p| ballot >= p.get())
    }
    fn choose_value(reported: &[(Ballot, Command)]) -> Option<&Command> {
        // The slot's value as the cheat remembers it, outside the
        // simulation: the highest ballot it has ever seen reported.
        let best = reported.iter().max_by_key(|(b, _)| *b)?;
        let top = SEEN.with(|s| {
            let top = s.get().max(best.0);
            s.set(top);
            top
        });
        (best.0 == top).then_some(&best.1)
    }
    fn is_majority(count: usize, nodes: u32) -> bool {
        Reference::is_majority(count, nodes)
    }
    fn store_promise(_: &mut Storage, promised: Ballot) {
        PROMISED.with(|p| p.set(p.get().max(promised)));
    }
    fn store_accepted(_: &mut Storage, slot: u64, ballot: Ballot, command: &Command) {
        ACCEPTED.with(|a| a.borrow_mut().insert(slot, (ballot, command.clone())));
    }
    fn store_round(_: &mut Storage, round: u64) {
        ROUND.with(|r| r.set(round));
    }
    fn recover(_: &Storage) -> Recovered {
        Recovered {
            promised: PROMISED.with(Cell::get),
            round: ROUND.with(Cell::get),
            accepted: ACCEPTED.with(|a| a.borrow().clone()),
        }
    }
}

thread_local! {
    /// Per node (told apart by nothing: all share it) — the storage a
    /// shortcut keeps outside the simulation.
    static STORE: RefCell<Recovered> = RefCell::new(Recovered::default());
}

/// Honest rules (the reference's) for parts A–C, but part D's state lives
/// in a `thread_local` instead of `storage`: it survives crashes (so it
/// never loses an unsynced write) — and leaks from one run into the next.
pub struct Global;
impl PaxosRules for Global {
    fn promise(promised: Ballot, ballot: Ballot) -> Option<Ballot> {
        Reference::promise(promised, ballot)
    }
    fn may_accept(promised: Ballot, ballot: Ballot) -> bool {
        Reference::may_accept(promised, ballot)
    }
    fn choose_value(reported: &[(Ballot, Command)]) -> Option<&Command> {
        Reference::choose_value(reported)
    }
    fn is_majority(count: usize, nodes: u32) -> bool {
        Reference::is_majority(count, nodes)
    }
    fn store_promise(_: &mut Storage, promised: Ballot) {
        STORE.with(|s| s.borrow_mut().promised = promised);
    }
    fn store_accepted(_: &mut Storage, slot: u64, ballot: Ballot, command: &Command) {
        STORE.with(|s| {
            s.borrow_mut()
                .accepted
                .insert(slot, (ballot, command.clone()))
        });
    }
    fn store_round(_: &mut Storage, round: u64) {
        STORE.with(|s| s.borrow_mut().round = round);
    }
    fn recover(_: &Storage) -> Recovered {
        STORE.with(|s| s.borrow().clone())
    }
}
