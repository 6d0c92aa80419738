//! Lab 01's cheat catalogue: clocks that fake the rules. Each must score 0
//! on every part it does not really implement and at most 10% overall
//! (`labs_common/cheats.rs`). Clocks hold no durable state, so the
//! "process global" cheat is a clock that keeps its time in a
//! `thread_local` shared by every clock.

use distlab::labs::clocks::{ClockOrder, ClockTypes, LabLamportClock, LabVectorClock};
use distlab::sim::NodeId;
use std::cell::Cell;

/// A Lamport clock that never moves: always 0.
#[derive(Clone, Debug)]
pub struct Frozen;
impl LabLamportClock for Frozen {
    fn new() -> Self {
        Frozen
    }
    fn time(&self) -> u64 {
        0
    }
    fn tick(&mut self) -> u64 {
        0
    }
    fn on_send(&mut self) -> u64 {
        0
    }
    fn on_receive(&mut self, _: u64) -> u64 {
        0
    }
}

/// A vector clock that does nothing: every entry 0, every clock equal to
/// every other, every message deliverable.
#[derive(Clone, Debug)]
pub struct FrozenVector;
impl LabVectorClock for FrozenVector {
    fn new(_: u32) -> Self {
        FrozenVector
    }
    fn get(&self, _: NodeId) -> u64 {
        0
    }
    fn increment(&mut self, _: NodeId) {}
    fn merge(&mut self, _: &Self) {}
    fn compare(&self, _: &Self) -> ClockOrder {
        ClockOrder::Equal
    }
    fn deliverable(&self, _: NodeId, _: &Self) -> bool {
        true
    }
}

/// Does nothing.
pub struct Idle;
impl ClockTypes for Idle {
    type Lamport = Frozen;
    type Vector = FrozenVector;
}

/// A Lamport clock that returns a constant, and a vector clock that calls
/// every pair concurrent and delivers everything at once.
#[derive(Clone, Debug)]
pub struct Constant;
impl LabLamportClock for Constant {
    fn new() -> Self {
        Constant
    }
    fn time(&self) -> u64 {
        1
    }
    fn tick(&mut self) -> u64 {
        1
    }
    fn on_send(&mut self) -> u64 {
        1
    }
    fn on_receive(&mut self, _: u64) -> u64 {
        1
    }
}

/// Always concurrent, always deliverable, entries 1.
#[derive(Clone, Debug)]
pub struct Concurrent;
impl LabVectorClock for Concurrent {
    fn new(_: u32) -> Self {
        Concurrent
    }
    fn get(&self, _: NodeId) -> u64 {
        1
    }
    fn increment(&mut self, _: NodeId) {}
    fn merge(&mut self, _: &Self) {}
    fn compare(&self, _: &Self) -> ClockOrder {
        ClockOrder::Concurrent
    }
    fn deliverable(&self, _: NodeId, _: &Self) -> bool {
        true
    }
}

/// Hard-coded answers.
pub struct HardCoded;
impl ClockTypes for HardCoded {
    type Lamport = Constant;
    type Vector = Concurrent;
}

thread_local! {
    /// One counter for every clock on this thread.
    static TIME: Cell<u64> = const { Cell::new(0) };
}

/// A Lamport clock kept in a process global: one counter shared by every
/// clock (a "global clock"), ticking and jumping past stamps.
#[derive(Clone, Debug)]
pub struct SharedCounter;
impl LabLamportClock for SharedCounter {
    fn new() -> Self {
        SharedCounter
    }
    fn time(&self) -> u64 {
        TIME.with(Cell::get)
    }
    fn tick(&mut self) -> u64 {
        TIME.with(|t| {
            t.set(t.get() + 1);
            t.get()
        })
    }
    fn on_send(&mut self) -> u64 {
        self.tick()
    }
    fn on_receive(&mut self, stamp: u64) -> u64 {
        TIME.with(|t| {
            t.set(t.get().max(stamp) + 1);
            t.get()
        })
    }
}

/// A vector clock whose every entry is the shared counter.
#[derive(Clone, Debug)]
pub struct SharedVector;
impl LabVectorClock for SharedVector {
    fn new(_: u32) -> Self {
        SharedVector
    }
    fn get(&self, _: NodeId) -> u64 {
        TIME.with(Cell::get)
    }
    fn increment(&mut self, _: NodeId) {
        TIME.with(|t| t.set(t.get() + 1));
    }
    fn merge(&mut self, _: &Self) {}
    fn compare(&self, _: &Self) -> ClockOrder {
        ClockOrder::Equal
    }
    fn deliverable(&self, _: NodeId, _: &Self) -> bool {
        true
    }
}

/// Time in a process global.
pub struct Global;
impl ClockTypes for Global {
    type Lamport = SharedCounter;
    type Vector = SharedVector;
}
