//! What a lab build (lab 02) adds to the broadcast checks: delivery latency
//! measured by a monitor on virtual time ([`Arrivals`]: for each value on
//! every node, from its first arrival anywhere to its arrival at the last
//! node), `messages-flow`, `acked-values-durable` (a restart probe), and
//! the part-B targets (`messages-per-broadcast`,
//! `delivery-latency-p50`, `delivery-latency-p99`, the way Gossip Glomers
//! grades its efficiency challenge). Messages are every node-to-node
//! message sent (retransmissions and acknowledgements included) over the
//! broadcasts clients invoked. All of it is generic over
//! [`BroadcastLabNode`]; the reference passes it.

use super::checks::{acked_values, checked_made};
use super::lab::{BroadcastLabNode, BroadcastSetup};
use super::Params;
use crate::check::history::EventType;
use crate::check::{CheckKind, Outcome};
use crate::sim::report::percentile;
use crate::sim::{Invariant, Monitor};
use crate::sim::{Node, NodeId, Sim, SimBuilder, SimTime};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// First arrival of each value at each node, on virtual time (a monitor:
/// it looks at every node's [`BroadcastLabNode::values`] after every step).
#[derive(Clone, Default)]
pub struct Arrivals {
    held: Vec<usize>,
    /// Value → first arrival per node.
    pub first: BTreeMap<i64, Vec<Option<SimTime>>>,
    /// Per node, a bit per value in `0..RECORDED_BITS` whose arrival there
    /// is in `first` already: derived from `first` (so left out of `Debug`
    /// and the fingerprint), it saves a map lookup per value held on every
    /// step that changes a node's set.
    recorded: Vec<Vec<u64>>,
}

/// Values at or above this (or below 0) are looked up in the map.
const RECORDED_BITS: i64 = 1 << 20;

impl std::fmt::Debug for Arrivals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Arrivals")
            .field("held", &self.held)
            .field("first", &self.first)
            .finish()
    }
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

impl<S: BroadcastLabNode> Monitor<S> for Arrivals {
    fn after_step(&mut self, sim: &Sim<S>) -> Result<(), String> {
        let nodes = sim.node_count() as usize;
        if self.held.len() != nodes {
            self.held = vec![0; nodes];
            self.recorded = vec![Vec::new(); nodes];
        }
        let now = sim.now();
        for (id, node) in sim.live_nodes() {
            let values = node.values();
            if values.len() == self.held[id.index()] {
                continue;
            }
            self.held[id.index()] = values.len();
            let bits = &mut self.recorded[id.index()];
            for &v in values {
                let small = (0..RECORDED_BITS).contains(&v);
                let (word, bit) = ((v / 64) as usize, 1u64 << (v % 64));
                if small && bits.get(word).is_some_and(|w| w & bit != 0) {
                    continue;
                }
                let slots = self.first.entry(v).or_insert_with(|| vec![None; nodes]);
                slots[id.index()].get_or_insert(now);
                if small {
                    if bits.len() <= word {
                        bits.resize(word + 1, 0);
                    }
                    bits[word] |= bit;
                }
            }
        }
        Ok(())
    }
}

/// The [`Arrivals`] monitor's name.
pub const ARRIVALS: &str = "arrivals";

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

fn broadcasts_invoked<S: Node>(sim: &Sim<S>) -> u64 {
    let events = &sim.history().events;
    let invoked = events.iter().filter(|e| e.kind == EventType::Invoke);
    invoked.filter(|e| e.f == "broadcast").count() as u64
}

fn messages_per_broadcast<S: Node>(sim: &Sim<S>) -> f64 {
    sim.counters().sent as f64 / broadcasts_invoked(sim).max(1) as f64
}

fn latency<S: BroadcastLabNode>(sim: &Sim<S>, percent: usize) -> Option<SimTime> {
    let arrivals = sim.monitor::<Arrivals>(ARRIVALS)?;
    percentile(&arrivals.latencies(), percent).map(SimTime)
}

fn at_most(name: &str, got: Option<SimTime>, target: SimTime) -> Result<(), String> {
    match got {
        None => Err(format!("no value reached every node, so no {name}")),
        Some(t) if t > target => Err(format!("{name} is {t}, over the target {target}")),
        Some(_) => Ok(()),
    }
}

fn metrics<S: BroadcastLabNode>(sim: &Sim<S>) -> Vec<(String, String)> {
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
/// of messages fails here. (Gossip's lab build uses it too.)
pub fn messages_flow<N: Node>(sim: &Sim<N>) -> Outcome {
    let others = u64::from(sim.node_count().saturating_sub(1));
    let (sent, ok) = (sim.counters().sent, sim.counters().ops_ok);
    if ok == 0 || sent >= others {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "{ok} operations were acknowledged but only {sent} messages were sent among {} nodes: values travel by message",
            others + 1
        ))
    }
}

/// `acked-values-durable` (eventually): every live node, restarted now
/// from its storage, comes back with every acknowledged value it holds
/// (`held` lists them per node, `back` restarts node `id` and says what it
/// holds then, or why it could not). The restart is [`Sim::restart_probe`]:
/// a fresh node over the synced storage, started on a thread of its own,
/// so a node that keeps its "durable" values in a `thread_local` (or
/// nowhere) instead of `ctx.storage()` fails here even where no crash hit
/// it. (Gossip's lab build uses it too.)
pub fn acked_values_durable(
    held: impl Iterator<Item = (NodeId, Vec<i64>)>,
    mut back: impl FnMut(NodeId) -> Result<BTreeSet<i64>, String>,
) -> Result<(), String> {
    for (id, held) in held {
        if held.is_empty() {
            continue;
        }
        let back = back(id)?;
        let lost: Vec<String> = held
            .iter()
            .filter(|v| !back.contains(v))
            .map(i64::to_string)
            .collect();
        if !lost.is_empty() {
            let more = if lost.len() > 8 {
                format!(" and {} more", lost.len() - 8)
            } else {
                String::new()
            };
            return Err(format!(
                "{id} holds acknowledged values it would not get back from its storage if it crashed now: {}{more} (a restart from its storage holds {} values; keep every value in ctx.storage(), synced, before acknowledging it: nothing else survives a crash)",
                lost[..lost.len().min(8)].join(", "),
                back.len()
            ));
        }
    }
    Ok(())
}

/// [`acked_values_durable`] for broadcast nodes built from `setups`.
fn broadcast_values_durable<S: BroadcastLabNode>(
    sim: &Sim<S>,
    setups: &[BroadcastSetup],
    make: fn(&BroadcastSetup) -> S,
) -> Result<(), String> {
    let acked: BTreeSet<i64> = acked_values(sim).into_iter().collect();
    let held = sim.live_nodes().map(|(id, node)| {
        let values = node.values().intersection(&acked).copied().collect();
        (id, values)
    });
    acked_values_durable(held, |id| {
        let setup = setups[id.index()].clone();
        sim.restart_probe(id, move || make(&setup), |n| n.values().clone())
    })
}

/// A lab build: nodes of type `S` with the protocol's checks
/// ([`checked`](super::checks::checked)), the [`Arrivals`] monitor, `messages-flow`,
/// `acked-values-durable`, the checks of `targets` and the metrics above.
pub fn lab_builder<S: BroadcastLabNode>(
    params: Params,
    targets: Targets,
    nodes: u32,
    seed: u64,
    make: fn(&BroadcastSetup) -> S,
) -> SimBuilder<S> {
    let setups = BroadcastSetup::cluster(&Arc::new(params.clone()), nodes);
    let mut b = checked_made::<S>(params, nodes, seed, make)
        .monitor(ARRIVALS, Arrivals::default())
        .invariant(Invariant::new(
            "messages-flow",
            CheckKind::Eventually,
            messages_flow::<S>,
        ))
        .invariant(Invariant::eventually(
            "acked-values-durable",
            move |sim: &Sim<S>| broadcast_values_durable(sim, &setups, make),
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
