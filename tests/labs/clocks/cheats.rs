//! Lab 01's cheat catalogue: clock rules that fake the work. Each must
//! score 0 on every part it does not really implement and at most 10%
//! overall (`tests/support/labs/cheats.rs`). Clocks hold no durable state, so the
//! "process global" cheat keeps one `thread_local` counter for every clock.

use distlab::protocols::clocks::{ClockOrder, ClockRules};
use distlab::sim::NodeId;
use std::cell::Cell;

/// Does nothing: clocks never move, every clock equals every other, every
/// message is deliverable.
pub struct Idle;
impl ClockRules for Idle {
    fn lamport_send(time: u64) -> u64 {
        time
    }
    fn lamport_receive(time: u64, _: u64) -> u64 {
        time
    }
    fn vector_increment(_: &mut [u64], _: NodeId) {}
    fn vector_merge(_: &mut [u64], _: &[u64]) {}
    fn vector_compare(_: &[u64], _: &[u64]) -> ClockOrder {
        ClockOrder::Equal
    }
    fn deliverable(_: &[u64], _: NodeId, _: &[u64]) -> bool {
        true
    }
}

/// Hard-coded answers: the Lamport time is always 1, every vector entry is
/// set to 1, every pair is concurrent, everything is deliverable.
pub struct HardCoded;
impl ClockRules for HardCoded {
    fn lamport_send(_: u64) -> u64 {
        1
    }
    fn lamport_receive(_: u64, _: u64) -> u64 {
        1
    }
    fn vector_increment(clock: &mut [u64], _: NodeId) {
        clock.fill(1);
    }
    fn vector_merge(clock: &mut [u64], _: &[u64]) {
        clock.fill(1);
    }
    fn vector_compare(_: &[u64], _: &[u64]) -> ClockOrder {
        ClockOrder::Concurrent
    }
    fn deliverable(_: &[u64], _: NodeId, _: &[u64]) -> bool {
        true
    }
}

thread_local! {
    /// One counter for every clock on this thread.
    static TIME: Cell<u64> = const { Cell::new(0) };
}

fn tick() -> u64 {
    TIME.with(|t| {
        t.set(t.get() + 1);
        t.get()
    })
}

/// Time in a process global: one counter shared by every clock (a "global
/// clock"), ticking and jumping past stamps; vector entries copy it.
pub struct Global;
impl ClockRules for Global {
    fn lamport_send(_: u64) -> u64 {
        tick()
    }
    fn lamport_receive(_: u64, stamp: u64) -> u64 {
        TIME.with(|t| {
            t.set(t.get().max(stamp) + 1);
            t.get()
        })
    }
    fn vector_increment(clock: &mut [u64], node: NodeId) {
        clock[node.index()] = tick();
    }
    fn vector_merge(clock: &mut [u64], _: &[u64]) {
        let now = tick();
        clock.fill(now);
    }
    fn vector_compare(_: &[u64], _: &[u64]) -> ClockOrder {
        ClockOrder::Before
    }
    fn deliverable(_: &[u64], _: NodeId, _: &[u64]) -> bool {
        true
    }
}
