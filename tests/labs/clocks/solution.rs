// SOLUTION FILE: lab 01's skeleton with every todo!() filled in, a test
// SOLUTION FILE: fixture (tests/labs/clocks.rs grades it). The skeleton,
// SOLUTION FILE: labs/01-clocks/src/lib.rs, is this file with these lines
// SOLUTION FILE: dropped and each `// SOLUTION:` ... `// END` block cut to
// SOLUTION FILE: its comment and a todo!(); regenerate it with
// SOLUTION FILE: DISTLAB_BLESS=1 cargo test --test labs clocks::the_skeleton
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
        // SOLUTION: R1: a send is an event: add one to the time and return the new time (the message carries it).
        time + 1
        // END
    }

    fn lamport_receive(time: u64, stamp: u64) -> u64 {
        // SOLUTION: R2: receiving a message stamped `stamp` jumps past it: return max(time, stamp) + 1.
        time.max(stamp) + 1
        // END
    }

    fn vector_increment(clock: &mut [u64], node: NodeId) {
        // SOLUTION: R3: add one to `node`'s entry (`clock[node.index()]`).
        clock[node.index()] += 1;
        // END
    }

    fn vector_merge(clock: &mut [u64], other: &[u64]) {
        // SOLUTION: R4: every entry of `clock` becomes the maximum of its own and `other`'s (the same length).
        for (mine, theirs) in clock.iter_mut().zip(other) {
            *mine = (*mine).max(*theirs);
        }
        // END
    }

    fn vector_compare(a: &[u64], b: &[u64]) -> ClockOrder {
        // SOLUTION: R5: Equal when every entry is equal; Before when every entry of `a` is <= `b`'s and one is <; After the reverse; Concurrent when some entry is smaller and another larger.
        let less = a.iter().zip(b).any(|(x, y)| x < y);
        let greater = a.iter().zip(b).any(|(x, y)| x > y);
        match (less, greater) {
            (false, false) => ClockOrder::Equal,
            (true, false) => ClockOrder::Before,
            (false, true) => ClockOrder::After,
            (true, true) => ClockOrder::Concurrent,
        }
        // END
    }

    fn deliverable(delivered: &[u64], sender: NodeId, stamp: &[u64]) -> bool {
        // SOLUTION: R6: deliverable when the message is the next from `sender` (stamp[j] == delivered[j] + 1, j = sender.index()) and stamp[k] <= delivered[k] for every other k.
        let j = sender.index();
        stamp[j] == delivered[j] + 1
            && (0..stamp.len())
                .filter(|&k| k != j)
                .all(|k| stamp[k] <= delivered[k])
        // END
    }
}
