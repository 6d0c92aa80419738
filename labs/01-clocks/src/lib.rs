//! Lab 01: logical clocks — your rules.
//!
//! Read `labs/01-clocks/README.md` first: it explains happens-before, the
//! clock condition and the rules R1..R6 that the comments below refer to.
//!
//! You write six small pure functions; the shipped protocols call them.
//! The `lamport` nodes (Lamport's totally ordered broadcast) call R1 and R2
//! at every send and receipt; the `vclock` nodes (causal broadcast) call R3
//! and R4 at every broadcast and delivery and R6 to decide what leaves the
//! buffer; the grader calls R5 to compare the stamps they see. The nodes
//! own the clocks: a Lamport clock is a `u64`, a vector clock a slice with
//! one entry per node (`clock[k]` is node `k`'s entry, `node.index()` the
//! index of a `NodeId`).
//!
//! - Part A: R1, R2 (the Lamport clock).
//! - Part B: R3, R4, R5 (the vector clock).
//! - Part C: R6 (causal delivery).
//!
//! Grade: `cargo run --release -- lab check 01`. Watch your clocks at
//! work: `cargo run --release -p lab-01-clocks -- tui scenarios/vclock-causal-broadcast.toml`.

// The `todo!()`s leave parameters unused until you fill them in.
#![allow(unused_variables)]

use distlab::protocols::clocks::{ClockOrder, ClockRules};
use distlab::sim::NodeId;

/// Your clock rules (the lab builds the shipped protocols with them).
#[derive(Clone, Copy, Debug)]
pub struct Clocks;

impl ClockRules for Clocks {
    fn lamport_send(time: u64) -> u64 {
        // R1: a send is an event: add one to the time and return the new time
        // (the message carries it).
        todo!("lab 01, R1: see the comment above")
    }

    fn lamport_receive(time: u64, stamp: u64) -> u64 {
        // R2: receiving a message stamped `stamp` jumps past it: return
        // max(time, stamp) + 1.
        todo!("lab 01, R2: see the comment above")
    }

    fn vector_increment(clock: &mut [u64], node: NodeId) {
        // R3: add one to `node`'s entry (`clock[node.index()]`).
        todo!("lab 01, R3: see the comment above")
    }

    fn vector_merge(clock: &mut [u64], other: &[u64]) {
        // R4: every entry of `clock` becomes the maximum of its own and
        // `other`'s (the same length).
        todo!("lab 01, R4: see the comment above")
    }

    fn vector_compare(a: &[u64], b: &[u64]) -> ClockOrder {
        // R5: Equal when every entry is equal; Before when every entry of `a`
        // is <= `b`'s and one is <; After the reverse; Concurrent when some
        // entry is smaller and another larger.
        todo!("lab 01, R5: see the comment above")
    }

    fn deliverable(delivered: &[u64], sender: NodeId, stamp: &[u64]) -> bool {
        // R6: deliverable when the message is the next from `sender` (stamp[j]
        // == delivered[j] + 1, j = sender.index()) and stamp[k] <= delivered[k]
        // for every other k.
        todo!("lab 01, R6: see the comment above")
    }
}
