//! Broadcast's workload, checks and metrics. The checks read nodes
//! through [`BroadcastLabNode`], so they judge the reference and lab 02's
//! student alike; the metrics here read the reference's own bookkeeping
//! (a lab build measures latency with a monitor instead: `efficiency.rs`).

use super::lab::{BroadcastLabNode, BroadcastSetup};
use super::{Broadcast, Params};
use crate::check::history::{EventType, Value};
use crate::sim::report::percentile;
use crate::sim::Invariant;
use crate::sim::{ClientId, Node, NodeId, Op, Prng, Ratio, Sim, SimBuilder, SimTime};
use crate::workload::Workload;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Clients broadcast fresh values (the operation's sequence number) and
/// sometimes read a node's set.
#[derive(Clone, Debug)]
pub struct BroadcastWorkload {
    /// Share of operations that are reads.
    pub read_ratio: Ratio,
}

impl Workload for BroadcastWorkload {
    fn next_op(&self, rng: &mut Prng, _client: ClientId, sequence: u64) -> Op {
        if rng.chance(self.read_ratio) {
            Op {
                f: "read".into(),
                key: None,
                value: Value::Nil,
            }
        } else {
            Op {
                f: "broadcast".into(),
                key: None,
                value: Value::Int(sequence as i64),
            }
        }
    }
}

/// Values whose broadcast was acknowledged to a client.
pub(crate) fn acked_values<S: Node>(sim: &Sim<S>) -> Vec<i64> {
    let history = sim.history();
    history
        .events
        .iter()
        .filter(|e| e.kind == EventType::Ok && e.f == "broadcast")
        .filter_map(|e| e.value.as_int())
        .collect()
}

/// `values-come-from-clients` (always): no node holds a value nobody
/// broadcast (clients broadcast 0, 1, 2, ...).
pub fn values_come_from_clients<S: BroadcastLabNode>(sim: &Sim<S>) -> Result<(), String> {
    let issued = sim.counters().ops_invoked as i64;
    for (id, node) in sim.live_nodes() {
        let values = node.values();
        let (low, high) = (values.first(), values.last());
        if let Some(&v) = low.filter(|&&v| v < 0).or(high.filter(|&&v| v >= issued)) {
            return Err(format!("{id} holds value {v}, which no client broadcast"));
        }
    }
    Ok(())
}

/// `acked-values-everywhere` (eventually): every value acknowledged to a
/// client is on every node once the network heals.
pub fn acked_values_everywhere<S: BroadcastLabNode>(sim: &Sim<S>) -> Result<(), String> {
    let acked = acked_values(sim);
    let mut missing = Vec::new();
    for i in 0..sim.node_count() {
        let id = NodeId(i);
        let Some(node) = sim.node(id) else {
            return Err(format!("{id} is down at the end of the run"));
        };
        let lacks: Vec<i64> = acked
            .iter()
            .copied()
            .filter(|v| !node.values().contains(v))
            .collect();
        if !lacks.is_empty() {
            missing.push((id, lacks));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = missing
        .iter()
        .take(5)
        .map(|(id, lacks)| {
            let shown: Vec<String> = lacks.iter().take(8).map(i64::to_string).collect();
            let more = if lacks.len() > 8 {
                format!(" and {} more", lacks.len() - 8)
            } else {
                String::new()
            };
            format!("{id} lacks {}{more}", shown.join(", "))
        })
        .collect();
    Err(format!(
        "{} of {} nodes miss acknowledged values after the network healed: {}",
        missing.len(),
        sim.node_count(),
        lines.join("; ")
    ))
}

/// `value-travels` (sometimes): some value is on two nodes, so a run in
/// which nothing moves cannot pass vacuously.
pub fn value_travels<S: BroadcastLabNode>(sim: &Sim<S>) -> bool {
    let mut seen = BTreeSet::new();
    sim.live_nodes()
        .any(|(_, node)| node.values().iter().any(|&v| !seen.insert(v)))
}

/// Nodes of type `S` built from `params` (through [`BroadcastLabNode::new`])
/// with the protocol's checks: `values-come-from-clients`,
/// `acked-values-everywhere`, `value-travels`.
pub fn checked<S: BroadcastLabNode>(params: Params, nodes: u32, seed: u64) -> SimBuilder<S> {
    checked_made(params, nodes, seed, S::new)
}

/// [`checked`] with nodes made by `make` instead of `S::new` (lab 02's
/// `DynBroadcast` wraps the student's constructor).
pub fn checked_made<S: BroadcastLabNode>(
    params: Params,
    nodes: u32,
    seed: u64,
    make: fn(&BroadcastSetup) -> S,
) -> SimBuilder<S> {
    let setups = BroadcastSetup::cluster(&Arc::new(params), nodes);
    SimBuilder::new(nodes, seed, move |id, _| make(&setups[id.index()]))
        .invariant(Invariant::always(
            "values-come-from-clients",
            values_come_from_clients::<S>,
        ))
        .invariant(Invariant::eventually(
            "acked-values-everywhere",
            acked_values_everywhere::<S>,
        ))
        .invariant(Invariant::sometimes("value-travels", value_travels::<S>))
}

/// Spread between the first and last arrival of each value present on every
/// node, measured on node clocks.
fn delivery_latencies(sim: &Sim<Broadcast>) -> Vec<u64> {
    let nodes: Vec<&Broadcast> = sim.live_nodes().map(|(_, n)| n).collect();
    let Some(first) = nodes.first() else {
        return Vec::new();
    };
    let mut spreads: Vec<u64> = first
        .received_at
        .keys()
        .filter_map(|v| {
            let times: Option<Vec<SimTime>> = nodes
                .iter()
                .map(|n| n.received_at.get(v).copied())
                .collect();
            let times = times?;
            let low = times.iter().min()?;
            let high = times.iter().max()?;
            Some((*high - *low).as_nanos())
        })
        .collect();
    spreads.sort_unstable();
    spreads
}

fn metrics(sim: &Sim<Broadcast>) -> Vec<(String, String)> {
    let spreads = delivery_latencies(sim);
    let mut out = vec![(
        "values-on-every-node".to_string(),
        spreads.len().to_string(),
    )];
    for (name, q) in [("delivery-latency-p50", 50), ("delivery-latency-p99", 99)] {
        if let Some(p) = percentile(&spreads, q) {
            out.push((name.to_string(), SimTime(p).to_string()));
        }
    }
    out
}

/// A simulation builder with the reference's nodes, the protocol's checks
/// ([`checked`]) and the reference's metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<Broadcast> {
    checked::<Broadcast>(params, nodes, seed).metrics(metrics)
}
