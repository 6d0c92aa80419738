//! The clock rules, as pure functions the `lamport` and `vclock` nodes call
//! through [`Hooks`]: the Lamport clock's send and receive rules, the
//! vector clock's increment, merge and compare, and the causal-delivery
//! rule. [`Reference`] is this protocol's own implementation; a lab build
//! (lab 01) swaps in the student's ([`Hooks::of`]). The nodes own the
//! clocks (a `u64`, a [`VClock`]) and hand the rules plain numbers and
//! slices; the bug switches stay in the nodes' plumbing and override the
//! hooks where they act (`no-increment-on-send` skips the send rule,
//! `merge-min` replaces the merge, `no-causal-wait` the delivery rule).
//!
//! What the checks compare the hooks with is not [`Reference`] but the
//! model: [`VClock`]'s own operations ([`merge_entries`],
//! [`compare_entries`]) and [`causally_ready`] (and `t + 1`, `max(t, s) +
//! 1` for Lamport), which [`Reference`] calls too; a handout that cuts the
//! reference's bodies keeps its checks.
//!
//! [`VClock`]: super::VClock

use super::vclock::{compare_entries, merge_entries};
use crate::sim::NodeId;
use std::cmp::Ordering;

/// How two vector clocks are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClockOrder {
    /// `self` happens before `other`: every entry ≤, at least one <.
    Before,
    /// `other` happens before `self`.
    After,
    /// Every entry is equal.
    Equal,
    /// Neither: some entry is smaller, another larger.
    Concurrent,
}

impl ClockOrder {
    /// From a partial order (`None` is concurrent).
    pub fn from_partial(order: Option<Ordering>) -> ClockOrder {
        match order {
            Some(Ordering::Less) => ClockOrder::Before,
            Some(Ordering::Greater) => ClockOrder::After,
            Some(Ordering::Equal) => ClockOrder::Equal,
            None => ClockOrder::Concurrent,
        }
    }
}

/// The rules of logical clocks that lab 01's student writes; every function
/// is pure. Vector clocks are slices with one entry per node (`n0` ..
/// `n{len-1}`), all of the cluster's length.
pub trait ClockRules: 'static {
    /// Lamport IR1 (part A): a send is an event. The clock reads `time`;
    /// return the time after the send, which the message carries.
    fn lamport_send(time: u64) -> u64;

    /// Lamport IR2 (part A): receiving a message stamped `stamp` with the
    /// clock at `time`; return the time after the receipt.
    fn lamport_receive(time: u64, stamp: u64) -> u64;

    /// Part B: add one to `node`'s entry of `clock`.
    fn vector_increment(clock: &mut [u64], node: NodeId);

    /// Part B: make `clock` the entry-wise maximum of itself and `other`.
    fn vector_merge(clock: &mut [u64], other: &[u64]);

    /// Part B: how `a` is ordered against `b`.
    fn vector_compare(a: &[u64], b: &[u64]) -> ClockOrder;

    /// Part C: `delivered` counts the broadcasts delivered here per sender;
    /// may a broadcast from `sender` stamped `stamp` be delivered now?
    fn deliverable(delivered: &[u64], sender: NodeId, stamp: &[u64]) -> bool;
}

/// The causal-delivery rule (the model the checks and `delivery_rule =
/// "given"` use): `stamp` from `sender` is the next from `sender`, and
/// everything else it depends on is delivered.
/// Entries past a slice's end read 0.
pub fn causally_ready(delivered: &[u64], sender: NodeId, stamp: &[u64]) -> bool {
    let entry = |clock: &[u64], k: usize| clock.get(k).copied().unwrap_or(0);
    let j = sender.index();
    entry(stamp, j) == entry(delivered, j) + 1
        && (0..delivered.len().max(stamp.len()))
            .filter(|&k| k != j)
            .all(|k| entry(stamp, k) <= entry(delivered, k))
}

/// This protocol's own implementation of [`ClockRules`]: a counter and
/// the vector-clock model's operations.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

impl ClockRules for Reference {
    fn lamport_send(time: u64) -> u64 {
        time + 1
    }

    fn lamport_receive(time: u64, stamp: u64) -> u64 {
        time.max(stamp) + 1
    }

    fn vector_increment(clock: &mut [u64], node: NodeId) {
        clock[node.index()] += 1;
    }

    fn vector_merge(clock: &mut [u64], other: &[u64]) {
        merge_entries(clock, other);
    }

    fn vector_compare(a: &[u64], b: &[u64]) -> ClockOrder {
        ClockOrder::from_partial(compare_entries(a, b))
    }

    fn deliverable(delivered: &[u64], sender: NodeId, stamp: &[u64]) -> bool {
        causally_ready(delivered, sender, stamp)
    }
}

/// [`ClockRules`] as function pointers, carried in the protocols'
/// parameters so every node calls the implementation the simulation was
/// built with.
#[derive(Clone, Copy)]
pub struct Hooks {
    /// [`ClockRules::lamport_send`].
    pub lamport_send: fn(u64) -> u64,
    /// [`ClockRules::lamport_receive`].
    pub lamport_receive: fn(u64, u64) -> u64,
    /// [`ClockRules::vector_increment`].
    pub vector_increment: fn(&mut [u64], NodeId),
    /// [`ClockRules::vector_merge`].
    pub vector_merge: fn(&mut [u64], &[u64]),
    /// [`ClockRules::vector_compare`].
    pub vector_compare: fn(&[u64], &[u64]) -> ClockOrder,
    /// [`ClockRules::deliverable`].
    pub deliverable: fn(&[u64], NodeId, &[u64]) -> bool,
}

impl Hooks {
    /// The hooks of `R`.
    pub const fn of<R: ClockRules>() -> Self {
        Hooks {
            lamport_send: R::lamport_send,
            lamport_receive: R::lamport_receive,
            vector_increment: R::vector_increment,
            vector_merge: R::vector_merge,
            vector_compare: R::vector_compare,
            deliverable: R::deliverable,
        }
    }
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks::of::<Reference>()
    }
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hooks")
    }
}

/// Hooks are not part of a scenario's parameters: any two compare equal.
impl PartialEq for Hooks {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
