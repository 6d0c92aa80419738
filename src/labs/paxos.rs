//! Lab 12, Paxos: the student writes the synod rules of
//! [`crate::protocols::paxos`] — the acceptor's promise (phase 1b) and
//! accept (phase 2b) rules, the proposer's choice of value (phase 2a) and
//! its majority, and what the acceptor stores and recovers across a
//! restart — and the grader runs them inside the reference's nodes, first
//! in single-decree mode (competing proposers, one value) and then in
//! Multi-Paxos (the same rules once per slot, a linearizable key-value
//! store), under crashes, partitions, pauses, loss and duplication, judged
//! by the protocol's own checks.
//!
//! The student's type implements [`PaxosRules`]: small pure functions
//! (plus the storage they are handed) that the nodes call through
//! [`crate::protocols::paxos::lab::Hooks`] carried in the parameters. The
//! reference ([`Reference`]) implements the same trait by calling the
//! synod rules and goes through the same [`build`]. Bug switches act in
//! the nodes' plumbing, overriding the hooks exactly where a wrong rule
//! would.

use super::Lab;
pub use crate::protocols::paxos::lab::{
    accepted_key, build_lab as build, PaxosRules, Recovered, Reference, PROMISED_KEY, ROUND_KEY,
};
use crate::protocols::paxos::scenario::FACTS;
pub use crate::protocols::paxos::{Ballot, Command};
use crate::registry::{BuildFn, ProtocolEntry};
use std::sync::LazyLock;

/// The registry entry that runs `R` under the name `paxos`, so the shipped
/// `paxos-*` scenario files run the student's rules.
pub fn entry<R: PaxosRules>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "single-decree and Multi-Paxos (lab 12: your implementation)",
        facts: FACTS,
        build: build::<R>,
    }
}

/// Lab 12, as `labs/12-paxos/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("12"));

/// The reference build, through the lab's generic build.
pub const REFERENCE: BuildFn = build::<Reference>;
