//! Lab 01, logical clocks: the student writes a Lamport clock (part A), a
//! vector clock (part B) and the causal-delivery rule (part C); the lab runs
//! them inside two harness protocols and checks every operation.
//!
//! The student's types implement [`LabLamportClock`] and [`LabVectorClock`]
//! (bundled by a [`ClockTypes`] marker). The harness nodes in this module
//! are the shipped `lamport` (totally ordered broadcast) and `vclock`
//! (causal broadcast) protocols rewritten generically over those types, so
//! the shipped scenario files run the student's clocks under the same
//! checks (`clock-condition`, `total-order`, `causal-delivery`, ...). On top
//! of those, each harness checks the clocks themselves:
//!
//! - `lamport-rules` / `vector-clock-rules`: every clock operation the
//!   protocol performs gives exactly what the rule says (from the values
//!   read just before it);
//! - `lamport-laws` / `vector-clock-laws`: at start, every node runs
//!   deterministic generated operation sequences (from the seed) on fresh
//!   clocks and compares each result with the reference model.
//!
//! Parts are independent where the lab can make them so: part B's
//! scenarios set `delivery_rule = "given"` (the harness decides causal
//! readiness itself, from the student's clock entries), so a vector clock
//! can earn its points before the delivery rule is written.
//!
//! The reference ([`Reference`]) wraps [`VClock`] and a counter; the
//! scenario's `bug` parameter reaches it through the constructors
//! ([`LabLamportClock::with_params`]): `no-increment-on-send` (its
//! `on_send` does not tick), `merge-min` (its merge takes minima) and
//! `no-causal-wait` (everything is deliverable).

mod causal;
mod lamport;
mod laws;

pub use causal::{CausalMessage, CausalNode, Stamp};
pub use lamport::LamportNode;

use super::Lab;
use crate::protocols::clocks::scenario::{LAMPORT_FACTS, VCLOCK_FACTS};
use crate::protocols::clocks::{Bug, VClock};
use crate::registry::{BuildFn, ProtocolEntry};
use crate::scenario::engine::BuildOptions;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, NodeId, SimTime};
use std::cmp::Ordering;
use std::fmt::Debug;
use std::sync::LazyLock;

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

/// What a clock is built from: the cluster size and the scenario's bug
/// switch (only the reference reads `bug`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockParams {
    /// Nodes in the cluster (`n0` .. `n{nodes-1}`).
    pub nodes: u32,
    /// The reference's deliberate defect, if any.
    pub bug: Option<Bug>,
}

/// Part A: a Lamport clock.
///
/// Rules (the README's): a fresh clock reads 0; a local event and a send
/// each add one and return the new time; receiving a message stamped `t`
/// sets the time to `max(time, t) + 1` and returns it.
pub trait LabLamportClock: Clone + Debug + 'static {
    /// A fresh clock at time 0.
    fn new() -> Self;
    /// A fresh clock for a scenario's parameters (the reference reads its
    /// bug switch here); by default [`LabLamportClock::new`].
    fn with_params(params: &ClockParams) -> Self {
        let _ = params;
        Self::new()
    }
    /// The current time.
    fn time(&self) -> u64;
    /// A local event: tick and return the new time.
    fn tick(&mut self) -> u64;
    /// A send: tick and return the timestamp to put on the message.
    fn on_send(&mut self) -> u64;
    /// A receipt of a message stamped `stamp`: move past it and return the
    /// new time.
    fn on_receive(&mut self, stamp: u64) -> u64;
}

/// Part B (and C's rule): a vector clock over a fixed set of nodes.
pub trait LabVectorClock: Clone + Debug + 'static {
    /// All zeros, for `nodes` nodes.
    fn new(nodes: u32) -> Self;
    /// A fresh clock for a scenario's parameters (the reference reads its
    /// bug switch here); by default [`LabVectorClock::new`].
    fn with_params(params: &ClockParams) -> Self {
        Self::new(params.nodes)
    }
    /// The entry of `node`.
    fn get(&self, node: NodeId) -> u64;
    /// Add one to `node`'s entry.
    fn increment(&mut self, node: NodeId);
    /// Entry-wise maximum with `other` (the least upper bound).
    fn merge(&mut self, other: &Self);
    /// How `self` is ordered against `other`.
    fn compare(&self, other: &Self) -> ClockOrder;
    /// Part C: `self` counts the messages delivered here per sender; may a
    /// message from `sender` stamped `stamp` be delivered now?
    fn deliverable(&self, sender: NodeId, stamp: &Self) -> bool;
}

/// The student's pair of clock types (one marker type names both).
pub trait ClockTypes: 'static {
    /// Part A's type.
    type Lamport: LabLamportClock;
    /// Part B's type (with part C's rule).
    type Vector: LabVectorClock;
}

/// The entries of `clock`, read through [`LabVectorClock::get`].
pub fn read_entries<V: LabVectorClock>(clock: &V, nodes: u32) -> VClock {
    VClock((0..nodes).map(|k| clock.get(NodeId(k))).collect())
}

/// The causal-delivery rule on plain vectors: `stamp` from `sender` is
/// next from `sender` and everything else it depends on is delivered.
pub fn causally_ready(delivered: &VClock, sender: NodeId, stamp: &VClock) -> bool {
    let len = delivered.0.len().max(stamp.0.len()) as u32;
    stamp.get(sender) == delivered.get(sender) + 1
        && (0..len)
            .map(NodeId)
            .filter(|&k| k != sender)
            .all(|k| stamp.get(k) <= delivered.get(k))
}

/// The reference Lamport clock (a counter; `no-increment-on-send` on).
#[derive(Clone, Debug, Default)]
pub struct ReferenceLamport {
    time: u64,
    bug: Option<Bug>,
}

impl LabLamportClock for ReferenceLamport {
    fn new() -> Self {
        ReferenceLamport::default()
    }
    fn with_params(params: &ClockParams) -> Self {
        ReferenceLamport {
            time: 0,
            bug: params.bug,
        }
    }
    fn time(&self) -> u64 {
        self.time
    }
    fn tick(&mut self) -> u64 {
        self.time += 1;
        self.time
    }
    fn on_send(&mut self) -> u64 {
        if self.bug != Some(Bug::NoIncrementOnSend) {
            self.time += 1;
        }
        self.time
    }
    fn on_receive(&mut self, stamp: u64) -> u64 {
        self.time = self.time.max(stamp) + 1;
        self.time
    }
}

/// The reference vector clock: [`VClock`] with the bug switches
/// `merge-min` and `no-causal-wait`.
#[derive(Clone, Debug, Default)]
pub struct ReferenceVector {
    clock: VClock,
    bug: Option<Bug>,
}

impl LabVectorClock for ReferenceVector {
    fn new(nodes: u32) -> Self {
        ReferenceVector {
            clock: VClock::new(nodes),
            bug: None,
        }
    }
    fn with_params(params: &ClockParams) -> Self {
        ReferenceVector {
            clock: VClock::new(params.nodes),
            bug: params.bug,
        }
    }
    fn get(&self, node: NodeId) -> u64 {
        self.clock.get(node)
    }
    fn increment(&mut self, node: NodeId) {
        self.clock.increment(node);
    }
    fn merge(&mut self, other: &Self) {
        if self.bug == Some(Bug::MergeMin) {
            self.clock.merge_min(&other.clock);
        } else {
            self.clock.merge(&other.clock);
        }
    }
    fn compare(&self, other: &Self) -> ClockOrder {
        ClockOrder::from_partial(self.clock.partial_cmp(&other.clock))
    }
    fn deliverable(&self, sender: NodeId, stamp: &Self) -> bool {
        self.bug == Some(Bug::NoCausalWait) || causally_ready(&self.clock, sender, &stamp.clock)
    }
}

/// The reference's clock types.
#[derive(Clone, Copy, Debug)]
pub struct Reference;

impl ClockTypes for Reference {
    type Lamport = ReferenceLamport;
    type Vector = ReferenceVector;
}

/// Who decides causal readiness in the `vclock` harness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryRule {
    /// The student's [`LabVectorClock::deliverable`] (part C).
    Yours,
    /// The lab's rule over the student's entries (part B's scenarios).
    Given,
}

/// Harness parameters, from `[protocol]`.
#[derive(Clone, Debug, PartialEq)]
pub struct HarnessParams {
    /// What the clocks are built from.
    pub clock: ClockParams,
    /// Resend unacknowledged link messages this often (default 100 ms).
    pub retry: SimTime,
    /// Generated operation sequences each node runs at start (default 10).
    pub laws: u64,
    /// Who decides causal readiness (`vclock` only; default yours).
    pub delivery: DeliveryRule,
}

/// Steps in each generated operation sequence.
const LAW_STEPS: usize = 40;

fn read_params(scenario: &Scenario, causal: bool) -> Result<HarnessParams, ScenarioError> {
    let mut p = scenario.protocol_params.reader();
    let retry = p.positive_duration("retry", SimTime::from_millis(100))?;
    let names = [
        "none",
        "merge-min",
        "no-increment-on-send",
        "no-causal-wait",
    ];
    let bug = Bug::from_name(p.one_of("bug", "none", &names)?).flatten();
    let laws = p.u64_in("laws", 10, 0..=10_000)?;
    let delivery = if causal {
        match p.one_of("delivery_rule", "yours", &["yours", "given"])? {
            "given" => DeliveryRule::Given,
            _ => DeliveryRule::Yours,
        }
    } else {
        DeliveryRule::Yours
    };
    p.finish()?;
    let clock = ClockParams {
        nodes: scenario.nodes,
        bug,
    };
    Ok(HarnessParams {
        clock,
        retry,
        laws,
        delivery,
    })
}

/// Build a `lamport` or `vclock` scenario with the clock types `C`.
///
/// `[protocol]`: `retry` (default 100ms), `bug` (none|merge-min|
/// no-increment-on-send|no-causal-wait; only the reference reads it),
/// `laws` (generated sequences per node at start, default 10), and for
/// `vclock` `delivery_rule` (yours|given, default yours).
pub fn build<C: ClockTypes>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    match scenario.protocol.get_ref().as_str() {
        "lamport" => lamport::build::<C::Lamport>(scenario, read_params(scenario, false)?, options),
        "vclock" => causal::build::<C::Vector>(scenario, read_params(scenario, true)?, options),
        other => Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            format!("lab 01 runs the lamport and vclock protocols, not {other:?}"),
        )),
    }
}

/// The student's `vclock` entry (the lab's [`Lab::protocol`]).
pub fn entry<C: ClockTypes>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "lab 01: causal broadcast over your vector clock and delivery rule",
        facts: VCLOCK_FACTS,
        build: build::<C>,
    }
}

/// Both protocols the lab replaces: `lamport` and `vclock`, built with the
/// student's clocks (a lab crate's `main` installs them).
pub fn entries<C: ClockTypes>() -> Vec<ProtocolEntry> {
    vec![
        ProtocolEntry {
            summary: "lab 01: totally ordered broadcast over your Lamport clock",
            facts: LAMPORT_FACTS,
            build: build::<C>,
        },
        entry::<C>(),
    ]
}

/// Lab 01, as `labs/01-clocks/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("01"));

/// The reference build, through the lab's generic build.
pub const REFERENCE: BuildFn = build::<Reference>;
