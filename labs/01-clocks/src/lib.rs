//! Lab 01: logical clocks. Fill in the `todo!()`s; the README
//! (`labs/01-clocks/README.md`) states every rule.
//!
//! - Part A: [`LamportClock`] — `tick`, `on_send`, `on_receive`.
//! - Part B: [`VectorClock`] — `increment`, `merge`, `compare`.
//! - Part C: [`VectorClock::deliverable`] — the causal-delivery rule.
//!
//! Run `cargo run --release -- lab check 01` (or `cargo run --release -p
//! lab-01-clocks -- lab check 01`) to grade, and `cargo run --release -p
//! lab-01-clocks -- tui <scenario>` to watch your clocks at work.

// The skeleton's `todo!()`s leave parameters unused until you fill them in.
#![allow(unused_variables)]

use distlab::labs::clocks::{ClockOrder, ClockTypes, LabLamportClock, LabVectorClock};
use distlab::sim::NodeId;

/// Names your two clock types for the lab's harness.
#[derive(Clone, Copy, Debug)]
pub struct Clocks;

impl ClockTypes for Clocks {
    type Lamport = LamportClock;
    type Vector = VectorClock;
}

/// Part A: a Lamport clock (one counter).
#[derive(Clone, Debug, Default)]
pub struct LamportClock {
    time: u64,
}

impl LabLamportClock for LamportClock {
    fn new() -> Self {
        LamportClock { time: 0 }
    }

    fn time(&self) -> u64 {
        self.time
    }

    fn tick(&mut self) -> u64 {
        // README, part A, rule 1: a local event adds one; return the new time.
        todo!("part A: tick")
    }

    fn on_send(&mut self) -> u64 {
        // README, part A, rule 1: a send is an event too; the returned time
        // is the timestamp the message carries.
        todo!("part A: on_send")
    }

    fn on_receive(&mut self, stamp: u64) -> u64 {
        // README, part A, rule 2: jump past the message's timestamp.
        todo!("part A: on_receive")
    }
}

/// Part B: a vector clock (one counter per node, `n0` .. `n{nodes-1}`).
#[derive(Clone, Debug)]
pub struct VectorClock {
    entries: Vec<u64>,
}

impl LabVectorClock for VectorClock {
    fn new(nodes: u32) -> Self {
        VectorClock {
            entries: vec![0; nodes as usize],
        }
    }

    fn get(&self, node: NodeId) -> u64 {
        self.entries[node.index()]
    }

    fn increment(&mut self, node: NodeId) {
        // README, part B: add one to `node`'s entry (`node.index()`).
        todo!("part B: increment")
    }

    fn merge(&mut self, other: &Self) {
        // README, part B: the entry-wise maximum of `self` and `other`.
        todo!("part B: merge")
    }

    fn compare(&self, other: &Self) -> ClockOrder {
        // README, part B: Before, After, Equal or Concurrent, from the
        // entries of both clocks.
        todo!("part B: compare")
    }

    fn deliverable(&self, sender: NodeId, stamp: &Self) -> bool {
        // README, part C: `self` counts the messages delivered here per
        // sender; is the message from `sender` stamped `stamp` causally
        // ready (the next from `sender`, and nothing it depends on missing)?
        todo!("part C: deliverable")
    }
}
