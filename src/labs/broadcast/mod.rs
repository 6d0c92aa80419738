//! Lab 02, broadcast: the student writes a flooding broadcast node that
//! survives loss, partitions and crashes (part A), makes it efficient
//! enough (part B: messages per broadcast and delivery latency under
//! targets, the way Gossip Glomers grades its efficiency challenge), and
//! writes a push-pull anti-entropy gossip node that converges under loss,
//! crashes and partitions (part C, in `gossip.rs`).
//!
//! The student's node implements [`LabBroadcast`]: a [`Node`] built from a
//! [`BroadcastSetup`] (its neighbours in the scenario's topology, the retry
//! interval) that shows the values it holds. The shipped
//! [`Broadcast`](crate::protocols::broadcast::Broadcast) is the reference.
//! Checks are generic over the trait, so the shipped `broadcast-*.toml`
//! scenarios grade the student's node:
//!
//! - `values-come-from-clients` (always): no node holds a value nobody
//!   broadcast;
//! - `acked-values-everywhere` (eventually): every value acknowledged to a
//!   client is on every node once the network heals;
//! - `value-travels` (sometimes): some value is on two nodes;
//! - with targets in `[protocol]` (`target_messages_per_broadcast`,
//!   `target_latency_p50`, `target_latency_p99`), the eventually-checks
//!   `messages-per-broadcast`, `delivery-latency-p50` and
//!   `delivery-latency-p99`.
//!
//! Latency is measured by an [`Arrivals`] monitor on virtual time: for each
//! value on every node, from its first arrival anywhere (the node the client
//! asked) to its arrival at the last node. Messages are every node-to-node
//! message sent (retransmissions and acknowledgements included) over the
//! broadcasts clients invoked.
//!
//! The student's two node types are named by one [`BroadcastTypes`]
//! marker; [`build`] runs `broadcast` scenarios with the first and `gossip`
//! scenarios with the second.

mod gossip;

pub use gossip::{GossipSetup, LabGossip};

use super::Lab;
use crate::check::history::EventType;
use crate::check::{Invariant, Monitor};
use crate::protocols::broadcast::scenario::FACTS;
use crate::protocols::broadcast::{Broadcast, BroadcastWorkload, Bug, Params, Topology};
use crate::protocols::gossip::scenario::FACTS as GOSSIP_FACTS;
use crate::protocols::gossip::{Bug as GossipBug, Gossip};
use crate::registry::{BuildFn, ProtocolEntry};
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::report::percentile;
use crate::sim::{DynSim, Node, NodeId, Ratio, Sim, SimBuilder, SimTime};
use crate::workload::Workload;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

/// What a node is built from.
#[derive(Clone, Debug)]
pub struct BroadcastSetup {
    /// This node.
    pub id: NodeId,
    /// Nodes in the cluster.
    pub nodes: u32,
    /// This node's neighbours in the scenario's topology.
    pub neighbours: Vec<NodeId>,
    /// How often to resend what a neighbour has not acknowledged.
    pub retry: SimTime,
    /// The scenario's parameters, bug switch included (only the reference
    /// reads the bug).
    pub params: Arc<Params>,
}

/// The student's broadcast node.
///
/// It answers client requests `broadcast v` (hold `v`, make sure every node
/// gets it, answer `Ok` once it is durable here) and `read` (answer the
/// values held, as a list).
pub trait LabBroadcast: Node {
    /// A fresh node (at boot and at every restart: only storage survives).
    fn new(setup: &BroadcastSetup) -> Self;
    /// The values this node holds.
    fn values(&self) -> &BTreeSet<i64>;
}

impl LabBroadcast for Broadcast {
    fn new(setup: &BroadcastSetup) -> Self {
        Broadcast::new(Arc::clone(&setup.params), setup.id, setup.nodes)
    }
    fn values(&self) -> &BTreeSet<i64> {
        &self.values
    }
}

/// First arrival of each value at each node, on virtual time (a monitor:
/// it looks at every node's [`LabBroadcast::values`] after every step).
#[derive(Clone, Debug, Default)]
pub struct Arrivals {
    held: Vec<usize>,
    /// Value → first arrival per node.
    pub first: BTreeMap<i64, Vec<Option<SimTime>>>,
}

impl Arrivals {
    /// For each value on every node: last first-arrival minus first, in
    /// nanoseconds, sorted.
    pub fn latencies(&self) -> Vec<u64> {
        let mut spreads: Vec<u64> = self
            .first
            .values()
            .filter_map(|times| {
                let times: Option<Vec<SimTime>> = times.iter().copied().collect();
                let times = times?;
                let low = times.iter().min()?;
                let high = times.iter().max()?;
                Some((*high - *low).as_nanos())
            })
            .collect();
        spreads.sort_unstable();
        spreads
    }
}

impl<S: LabBroadcast> Monitor<S> for Arrivals {
    fn after_step(&mut self, sim: &Sim<S>) -> Result<(), String> {
        let nodes = sim.node_count() as usize;
        if self.held.len() != nodes {
            self.held = vec![0; nodes];
        }
        let now = sim.now();
        for (id, node) in sim.live_nodes() {
            let values = node.values();
            if values.len() == self.held[id.index()] {
                continue;
            }
            self.held[id.index()] = values.len();
            for &v in values {
                let slots = self.first.entry(v).or_insert_with(|| vec![None; nodes]);
                slots[id.index()].get_or_insert(now);
            }
        }
        Ok(())
    }
}

const ARRIVALS: &str = "arrivals";

/// Efficiency targets (part B), from `[protocol]`; absent ones are not checked.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Targets {
    /// Most node-to-node messages per client broadcast.
    pub messages_per_broadcast: Option<f64>,
    /// Most median delivery latency.
    pub latency_p50: Option<SimTime>,
    /// Most 99th-percentile delivery latency.
    pub latency_p99: Option<SimTime>,
}

fn broadcasts_invoked<S: LabBroadcast>(sim: &Sim<S>) -> u64 {
    let events = &sim.history().events;
    let invoked = events.iter().filter(|e| e.kind == EventType::Invoke);
    invoked.filter(|e| e.f == "broadcast").count() as u64
}

fn messages_per_broadcast<S: LabBroadcast>(sim: &Sim<S>) -> f64 {
    sim.counters().sent as f64 / broadcasts_invoked(sim).max(1) as f64
}

fn latency<S: LabBroadcast>(sim: &Sim<S>, percent: usize) -> Option<SimTime> {
    let arrivals = sim.monitor::<Arrivals>(ARRIVALS)?;
    percentile(&arrivals.latencies(), percent).map(SimTime)
}

fn values_come_from_clients<S: LabBroadcast>(sim: &Sim<S>) -> Result<(), String> {
    let issued = sim.counters().ops_invoked as i64;
    for (id, node) in sim.live_nodes() {
        let values = node.values();
        if let Some(&v) = values.iter().find(|&&v| v < 0 || v >= issued) {
            return Err(format!("{id} holds value {v}, which no client broadcast"));
        }
    }
    Ok(())
}

fn acked_values_everywhere<S: LabBroadcast>(sim: &Sim<S>) -> Result<(), String> {
    let acked: Vec<i64> = sim
        .history()
        .events
        .iter()
        .filter(|e| e.kind == EventType::Ok && e.f == "broadcast")
        .filter_map(|e| e.value.as_int())
        .collect();
    let mut lines = Vec::new();
    for i in 0..sim.node_count() {
        let id = NodeId(i);
        let Some(node) = sim.node(id) else {
            return Err(format!("{id} is down at the end of the run"));
        };
        let lacks: Vec<String> = acked
            .iter()
            .filter(|v| !node.values().contains(v))
            .map(i64::to_string)
            .collect();
        if !lacks.is_empty() {
            let shown = lacks[..lacks.len().min(8)].join(", ");
            let more = lacks.len().saturating_sub(8);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            lines.push(format!("{id} lacks {shown}{more}"));
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} of {} nodes miss acknowledged values after the network healed: {}",
        lines.len(),
        sim.node_count(),
        lines[..lines.len().min(5)].join("; ")
    ))
}

fn value_travels<S: LabBroadcast>(sim: &Sim<S>) -> bool {
    let mut seen = BTreeSet::new();
    sim.live_nodes()
        .any(|(_, node)| node.values().iter().any(|&v| !seen.insert(v)))
}

fn at_most(name: &str, got: Option<SimTime>, target: SimTime) -> Result<(), String> {
    match got {
        None => Err(format!("no value reached every node, so no {name}")),
        Some(t) if t > target => Err(format!("{name} is {t}, over the target {target}")),
        Some(_) => Ok(()),
    }
}

fn metrics<S: LabBroadcast>(sim: &Sim<S>) -> Vec<(String, String)> {
    let mut out = vec![(
        "messages-per-broadcast".to_string(),
        format!("{:.1}", messages_per_broadcast(sim)),
    )];
    for (name, q) in [("delivery-latency-p50", 50), ("delivery-latency-p99", 99)] {
        if let Some(t) = latency(sim, q) {
            out.push((name.to_string(), t.to_string()));
        }
    }
    out
}

/// `messages-flow` (eventually): a value acknowledged to a client must
/// reach the other nodes over the network, so once one was acknowledged at
/// least one message per other node was sent. A node that shares its
/// values through a process global (a `static`, a `thread_local`) instead
/// of messages fails here.
pub fn messages_flow<N: Node>(sim: &Sim<N>) -> crate::check::Outcome {
    let others = u64::from(sim.node_count().saturating_sub(1));
    let (sent, ok) = (sim.counters().sent, sim.counters().ops_ok);
    if ok == 0 || sent >= others {
        crate::check::Outcome::Pass
    } else {
        crate::check::Outcome::Fail(format!(
            "{ok} operations were acknowledged but only {sent} messages were sent among {} nodes: values travel by message",
            others + 1
        ))
    }
}

/// A simulation builder with the student's nodes, the checks and metrics.
pub fn builder<S: LabBroadcast>(
    params: Params,
    targets: Targets,
    nodes: u32,
    seed: u64,
) -> SimBuilder<S> {
    let params = Arc::new(params);
    let graph = params.topology.neighbours(nodes);
    let retry = params.retry;
    let mut b = SimBuilder::new(nodes, seed, move |id, nodes| {
        S::new(&BroadcastSetup {
            id,
            nodes,
            neighbours: graph[id.index()].clone(),
            retry,
            params: Arc::clone(&params),
        })
    })
    .monitor(ARRIVALS, Arrivals::default())
    .invariant(Invariant::always(
        "values-come-from-clients",
        values_come_from_clients::<S>,
    ))
    .invariant(Invariant::eventually(
        "acked-values-everywhere",
        acked_values_everywhere::<S>,
    ))
    .invariant(Invariant::sometimes("value-travels", value_travels::<S>))
    .invariant(Invariant::new(
        "messages-flow",
        crate::check::CheckKind::Eventually,
        messages_flow::<S>,
    ))
    .metrics(metrics::<S>);
    if let Some(target) = targets.messages_per_broadcast {
        b = b.invariant(Invariant::eventually(
            "messages-per-broadcast",
            move |sim: &Sim<S>| {
                let got = messages_per_broadcast(sim);
                if got > target {
                    Err(format!(
                        "{got:.1} messages per broadcast, over the target {target}"
                    ))
                } else {
                    Ok(())
                }
            },
        ));
    }
    for (name, percent, target) in [
        ("delivery-latency-p50", 50, targets.latency_p50),
        ("delivery-latency-p99", 99, targets.latency_p99),
    ] {
        if let Some(target) = target {
            b = b.invariant(Invariant::eventually(name, move |sim: &Sim<S>| {
                at_most(name, latency(sim, percent), target)
            }));
        }
    }
    b
}

/// The student's node types: part A and B's broadcast node, part C's gossip node.
pub trait BroadcastTypes: 'static {
    /// Parts A and B.
    type Broadcast: LabBroadcast;
    /// Part C.
    type Gossip: LabGossip;
}

/// The reference's node types.
#[derive(Clone, Copy, Debug)]
pub struct Reference;

impl BroadcastTypes for Reference {
    type Broadcast = Broadcast;
    type Gossip = Gossip;
}

/// Build a `broadcast` scenario with `T::Broadcast` or a `gossip` scenario
/// with `T::Gossip`.
pub fn build<T: BroadcastTypes>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    match scenario.protocol.get_ref().as_str() {
        "broadcast" => {
            let scenario = without_foreign_bug(scenario, &GossipBug::NAMES)?;
            build_broadcast::<T::Broadcast>(&scenario, options)
        }
        "gossip" => {
            let scenario = without_foreign_bug(scenario, &Bug::NAMES)?;
            gossip::build::<T::Gossip>(&scenario, options)
        }
        other => Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            format!("lab 02 runs the broadcast and gossip protocols, not {other:?}"),
        )),
    }
}

/// `scenario` with its `bug` switched off if it names a bug of the other
/// protocol (`foreign`): the grader switches one bug on for every case of
/// the lab, and each reference protocol only knows its own.
fn without_foreign_bug(scenario: &Scenario, foreign: &[&str]) -> Result<Scenario, ScenarioError> {
    let bug = scenario.protocol_params.reader().string("bug", "none")?;
    let mut scenario = scenario.clone();
    if bug != "none" && foreign.contains(&bug.as_str()) {
        scenario.protocol_params = scenario.protocol_params.with_param("bug", "\"none\"")?;
    }
    Ok(scenario)
}

/// Build a `broadcast` scenario with the node type `S`.
///
/// `[protocol]`: `topology` (line|ring|grid|tree|total, default total),
/// `retry` (default 100ms), `bug` (none|no-retransmit|forget-on-restart;
/// only the reference reads it), and the optional part-B targets
/// `target_messages_per_broadcast` (a number), `target_latency_p50` and
/// `target_latency_p99` (durations). `[workload]`: `read_ratio`.
pub fn build_broadcast<S: LabBroadcast>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut p = scenario.protocol_params.reader();
    let topology = p.one_of("topology", "total", &Topology::NAMES)?;
    let retry = p.positive_duration("retry", Params::default().retry)?;
    let bug = p.one_of("bug", "none", &Bug::NAMES)?;
    let messages = p.f64_in("target_messages_per_broadcast", 0.0, 0.0..=1e9)?;
    let p50 = p.duration("target_latency_p50", SimTime::ZERO)?;
    let p99 = p.duration("target_latency_p99", SimTime::ZERO)?;
    p.finish()?;
    let params = Params {
        topology: Topology::from_name(topology).unwrap_or(Topology::Total),
        retry,
        bug: Bug::from_name(bug).flatten(),
    };
    let targets = Targets {
        messages_per_broadcast: (messages > 0.0).then_some(messages),
        latency_p50: (p50 > SimTime::ZERO).then_some(p50),
        latency_p99: (p99 > SimTime::ZERO).then_some(p99),
    };
    let workload: Option<Box<dyn Workload>> = match &scenario.workload {
        Some(w) => {
            let mut wp = w.params.reader();
            let read_ratio = wp.f64_in("read_ratio", 0.2, 0.0..=1.0)?;
            wp.finish()?;
            let read_ratio = Ratio::from_probability(read_ratio);
            Some(Box::new(BroadcastWorkload { read_ratio }))
        }
        None => None,
    };
    let b = builder::<S>(params, targets, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}

/// The student's `broadcast` entry (the lab's [`Lab::protocol`]).
pub fn entry<T: BroadcastTypes>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "lab 02: your flooding broadcast over a topology",
        facts: FACTS,
        build: build::<T>,
    }
}

/// Both protocols the lab replaces: `broadcast` and `gossip`, built with
/// the student's nodes (a lab crate's `main` installs them).
pub fn entries<T: BroadcastTypes>() -> Vec<ProtocolEntry> {
    vec![
        entry::<T>(),
        ProtocolEntry {
            summary: "lab 02: your push-pull anti-entropy gossip",
            facts: GOSSIP_FACTS,
            build: build::<T>,
        },
    ]
}

/// Lab 02, as `labs/02-broadcast/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("02"));

/// The reference build, through the lab's generic build.
pub const REFERENCE: BuildFn = build::<Reference>;
