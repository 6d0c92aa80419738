// SOLUTION FILE: lab 12's skeleton with every todo!() filled in, a test
// SOLUTION FILE: fixture (tests/labs/paxos.rs grades it). The skeleton,
// SOLUTION FILE: labs/12-paxos/src/lib.rs, is this file with these
// SOLUTION FILE: lines dropped and each `// SOLUTION:` ... `// END` block cut
// SOLUTION FILE: to its comment and a todo!(); regenerate it with
// SOLUTION FILE: DISTLAB_BLESS=1 cargo test --test labs paxos::the_skeleton
//! Lab 12: Paxos — your acceptor, proposer and recovery rules.
//!
//! Read `labs/12-paxos/README.md` first: it explains the system (every node
//! a proposer, an acceptor and a learner; single-decree first, then
//! Multi-Paxos, which runs the same rules once per log slot), the rules
//! R1..R6 that the comments below refer to, and the parts.
//!
//! The nodes are given (they are the reference's,
//! `distlab::protocols::paxos`); they call the eight functions below at the
//! points where the rules apply. Fill in every `todo!()`; each says what
//! goes there.
//!
//! Run your code: `cargo run --release -p lab-12-paxos -- tui labs/12-paxos/scenarios/sd-competing.toml`.
//! Grade it: `cargo run --release -- lab check 12`.

// The `todo!()`s leave parameters and imports unused until you fill them in.
#![allow(unused_variables, unused_imports, unreachable_code)]

use distlab::labs::paxos::{
    accepted_key, Ballot, Command, PaxosRules, Recovered, PROMISED_KEY, ROUND_KEY,
};
use distlab::storage::Storage;

/// Your rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct Synod;

impl PaxosRules for Synod {
    fn promise(promised: Ballot, ballot: Ballot) -> Option<Ballot> {
        // SOLUTION: R1 (part A): phase 1b. Promise `ballot` if it is at least the ballot you promised (`>=`: a duplicated prepare gets the same answer; ballots are unique per proposer): return `Some(ballot)`, your promise from now on. Refuse a lower one with `None` — a promise never goes back.
        if ballot >= promised {
            Some(ballot)
        } else {
            None
        }
        // END
    }

    fn may_accept(promised: Ballot, ballot: Ballot) -> bool {
        // SOLUTION: R2 (part B): phase 2b. Accept a proposal only in a ballot at least the one you promised (equal is the usual case: the proposer you promised); a lower one is what you promised to refuse.
        ballot >= promised
        // END
    }

    fn choose_value(reported: &[(Ballot, Command)]) -> Option<&Command> {
        // SOLUTION: R3 (part C): phase 2a. Of the proposals a majority of promises reported for this slot, the value of the one with the highest ballot (it may be chosen already); `None` if none was reported (ignore a ballot of `Ballot::ZERO`: no proposal).
        reported
            .iter()
            .filter(|(b, _)| *b > Ballot::ZERO)
            .max_by_key(|(b, _)| *b)
            .map(|(_, v)| v)
        // END
    }

    fn is_majority(count: usize, nodes: u32) -> bool {
        // SOLUTION: R4 (part C): enough promises to propose, enough acceptances for a value to be chosen: strictly more than half of `nodes`.
        count * 2 > nodes as usize
        // END
    }

    fn store_promise(storage: &mut Storage, promised: Ballot) {
        // SOLUTION: R5 (part D): the new promise, in `storage` under `PROMISED_KEY` (the node syncs before any answer leaves its handler).
        storage.put(PROMISED_KEY, &promised);
        // END
    }

    fn store_accepted(storage: &mut Storage, slot: u64, ballot: Ballot, command: &Command) {
        // SOLUTION: R5 (part D): the accepted proposal `(ballot, command)`, under its slot's own key (`accepted_key(slot)`).
        storage.put(&accepted_key(slot), &(ballot, command));
        // END
    }

    fn store_round(storage: &mut Storage, round: u64) {
        // SOLUTION: R6 (part D): the proposer's round, under `ROUND_KEY`, before a ballot with it is used: a restarted proposer must never reuse a ballot.
        storage.put(ROUND_KEY, &round);
        // END
    }

    fn recover(storage: &Storage) -> Recovered {
        // SOLUTION: R5, R6 (part D): at a (re)start, read back the promise (`Ballot::ZERO` if none), the round (0 if none) and every accepted proposal (`storage.keys()` lists the stored keys; `accepted_key(slot)` is the key of a slot).
        let mut recovered = Recovered {
            promised: storage.get(PROMISED_KEY).unwrap_or(Ballot::ZERO),
            round: storage.get(ROUND_KEY).unwrap_or(0),
            ..Recovered::default()
        };
        for key in storage.keys() {
            let Some(slot) = key
                .strip_prefix("accepted/")
                .and_then(|s| s.parse::<u64>().ok())
            else {
                continue;
            };
            if let Some(pair) = storage.get::<(Ballot, Command)>(&key) {
                recovered.accepted.insert(slot, pair);
            }
        }
        recovered
        // END
    }
}
