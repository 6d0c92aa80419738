//! Gossip's workload, checks and metrics. The checks read nodes through
//! [`GossipLabNode`], so they judge the reference and lab 02's student
//! alike; the metrics read the reference's own bookkeeping (when and how
//! each value was learned).

use super::lab::{GossipLabNode, GossipSetup};
use super::{Gossip, Learned, Mode, Params, Via};
use crate::check::convergence::{check_convergence, ReplicaState};
use crate::check::history::{EventType, Value};
use crate::check::verdict::Status;
use crate::check::CheckKind;
use crate::protocols::broadcast::{acked_values_durable, messages_flow};
use crate::sim::Invariant;
use crate::sim::{ClientId, Node, NodeId, Op, Prng, Ratio, Sim, SimBuilder, SimTime};
use crate::workload::Workload;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Clients add fresh values (the operation's sequence number) and sometimes
/// read a node's set.
#[derive(Clone, Debug)]
pub struct GossipWorkload {
    /// Share of operations that are reads.
    pub read_ratio: Ratio,
}

impl Workload for GossipWorkload {
    fn next_op(&self, rng: &mut Prng, _client: ClientId, sequence: u64) -> Op {
        let (f, value) = if rng.chance(self.read_ratio) {
            ("read", Value::Nil)
        } else {
            ("add", Value::Int(sequence as i64))
        };
        Op {
            f: f.into(),
            key: None,
            value,
        }
    }
}

/// Values whose `add` was acknowledged to a client.
pub fn acked_values<G: Node>(sim: &Sim<G>) -> Vec<i64> {
    sim.history()
        .events
        .iter()
        .filter(|e| e.kind == EventType::Ok && e.f == "add")
        .filter_map(|e| e.value.as_int())
        .collect()
}

/// `values-come-from-clients` (always): no node holds a value nobody added
/// (clients add 0, 1, 2, ...).
///
/// Incremental: a node's values change only in its own handlers and the
/// number of operations issued only grows, so after each step only the
/// nodes whose handler ran in it ([`Sim::handled_nodes`]) can newly break
/// the rule, and they are checked at once (the same verdict at the same
/// step as checking every node). Every `nodes` steps all nodes are checked
/// as well, so a state changed outside any handler (a test that edits a
/// node) is still caught; the cost stays O(1) per step on average at
/// 10,000 nodes instead of O(nodes).
pub fn values_come_from_clients<G: GossipLabNode>(sim: &Sim<G>) -> Result<(), String> {
    let issued = sim.counters().ops_invoked as i64;
    let sweep = sim
        .steps()
        .is_multiple_of(u64::from(sim.node_count().max(1)));
    let handled: Vec<(NodeId, &G)> = if sweep {
        sim.live_nodes().collect()
    } else {
        let handled = sim.handled_nodes().iter();
        handled
            .filter_map(|&id| Some((id, sim.node(id)?)))
            .collect()
    };
    for (id, node) in handled {
        let mut values = node.values();
        let low = values.next();
        let high = values.next_back().or(low);
        if let Some(v) = low.filter(|&v| v < 0).or(high.filter(|&v| v >= issued)) {
            return Err(format!("{id} holds value {v}, which no client added"));
        }
    }
    Ok(())
}

/// `acked-updates-everywhere` (eventually): every value acknowledged to a
/// client is on every node once the network heals.
pub fn acked_updates_everywhere<G: GossipLabNode>(sim: &Sim<G>) -> Result<(), String> {
    let acked = acked_values(sim);
    let mut lines = Vec::new();
    let mut missing_nodes = 0;
    for i in 0..sim.node_count() {
        let id = NodeId(i);
        let Some(node) = sim.node(id) else {
            return Err(format!("{id} is down at the end of the run"));
        };
        let held: BTreeSet<i64> = node.values().collect();
        let lacks: Vec<String> = acked
            .iter()
            .filter(|v| !held.contains(v))
            .map(i64::to_string)
            .collect();
        if !lacks.is_empty() {
            missing_nodes += 1;
            if lines.len() < 5 {
                let shown = lacks.iter().take(8).cloned().collect::<Vec<_>>().join(", ");
                let more = lacks.len().saturating_sub(8);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                lines.push(format!("{id} lacks {shown}{more}"));
            }
        }
    }
    if missing_nodes == 0 {
        return Ok(());
    }
    Err(format!(
        "{missing_nodes} of {} nodes miss acknowledged updates after the network healed: {}",
        sim.node_count(),
        lines.join("; ")
    ))
}

/// `replicas-converge` (eventually): every live node holds the same set.
pub fn replicas_converge<G: GossipLabNode>(sim: &Sim<G>) -> Result<(), String> {
    let replicas: Vec<(String, ReplicaState)> = sim
        .live_nodes()
        .map(|(id, n)| {
            let values = n.values().map(Value::Int).collect();
            (id.to_string(), ReplicaState::Value(Value::List(values)))
        })
        .collect();
    let report = check_convergence(&replicas);
    match report.status {
        Status::Valid => Ok(()),
        _ => Err(report.explanation.trim_end().replace('\n', " ")),
    }
}

/// `update-spreads` (sometimes): some value is on two nodes, so a run in
/// which nothing moves cannot pass vacuously.
pub fn update_spreads<G: GossipLabNode>(sim: &Sim<G>) -> bool {
    let mut seen = BTreeSet::new();
    sim.live_nodes()
        .any(|(_, node)| node.values().any(|v| !seen.insert(v)))
}

/// Nodes of type `G` built from `params` (through [`GossipLabNode::new`];
/// the random-regular topology is drawn from `seed`) with the protocol's
/// checks: `values-come-from-clients`, `acked-updates-everywhere`,
/// `replicas-converge`, `update-spreads`.
pub fn checked<G: GossipLabNode>(params: Arc<Params>, nodes: u32, seed: u64) -> SimBuilder<G> {
    checked_made(params, nodes, seed, G::new)
}

/// [`checked`] with nodes made by `make` instead of `G::new` (lab 02's
/// `DynGossip` wraps the student's constructor).
fn checked_made<G: GossipLabNode>(
    params: Arc<Params>,
    nodes: u32,
    seed: u64,
    make: fn(&GossipSetup) -> G,
) -> SimBuilder<G> {
    let setups = GossipSetup::cluster(&params, nodes, seed);
    SimBuilder::new(nodes, seed, move |id, _| make(&setups[id.index()]))
        .invariant(Invariant::always(
            "values-come-from-clients",
            values_come_from_clients::<G>,
        ))
        .invariant(Invariant::eventually(
            "acked-updates-everywhere",
            acked_updates_everywhere::<G>,
        ))
        .invariant(Invariant::eventually(
            "replicas-converge",
            replicas_converge::<G>,
        ))
        .invariant(Invariant::sometimes("update-spreads", update_spreads::<G>))
}

/// A lab build (lab 02 part C): nodes of type `G` with the protocol's
/// checks ([`checked`]), `messages-flow` (values travel by message) and
/// `acked-values-durable` (a restart from storage keeps every acknowledged
/// value a node holds: [`acked_values_durable`]).
pub fn lab_builder<G: GossipLabNode>(
    params: Params,
    nodes: u32,
    seed: u64,
    make: fn(&GossipSetup) -> G,
) -> SimBuilder<G> {
    let params = Arc::new(params);
    let setups = GossipSetup::cluster(&params, nodes, seed);
    checked_made::<G>(params, nodes, seed, make)
        .invariant(Invariant::new(
            "messages-flow",
            CheckKind::Eventually,
            messages_flow::<G>,
        ))
        .invariant(Invariant::eventually(
            "acked-values-durable",
            move |sim: &Sim<G>| {
                let acked: BTreeSet<i64> = acked_values(sim).into_iter().collect();
                let held = sim.live_nodes().map(|(id, node)| {
                    let values = node.values().filter(|v| acked.contains(v)).collect();
                    (id, values)
                });
                acked_values_durable(held, |id| {
                    let setup = setups[id.index()].clone();
                    sim.restart_probe(id, move || make(&setup), |n| n.values().collect())
                })
            },
        ))
}

/// Per value present on every live node: the spread between its first and
/// last arrival (node clocks; the gossip scenarios do not skew them), sorted.
/// Copies reloaded from storage after a restart are left out.
pub fn convergence_times(sim: &Sim<Gossip>) -> Vec<u64> {
    let nodes: Vec<&Gossip> = sim.live_nodes().map(|(_, n)| n).collect();
    let Some(first) = nodes.first() else {
        return Vec::new();
    };
    let mut spreads: Vec<u64> = first
        .values
        .keys()
        .filter_map(|v| {
            let learned: Option<Vec<Learned>> =
                nodes.iter().map(|n| n.values.get(v).copied()).collect();
            // A value reloaded after a restart has no arrival time of its own.
            let times: Vec<SimTime> = learned?
                .iter()
                .filter(|l| l.via != Via::Storage)
                .map(|l| l.at)
                .collect();
            let low = times.iter().min()?;
            let high = times.iter().max()?;
            Some((*high - *low).as_nanos())
        })
        .collect();
    spreads.sort_unstable();
    spreads
}

fn percentile(sorted: &[u64], q: usize) -> u64 {
    crate::sim::report::percentile(sorted, q).unwrap_or(0)
}

fn metrics(sim: &Sim<Gossip>, params: &Params) -> Vec<(String, String)> {
    let times = convergence_times(sim);
    let updates = times.len() as u64;
    let mut out = vec![("updates-everywhere".to_string(), updates.to_string())];
    if updates == 0 {
        return out;
    }
    let interval = params.interval.as_nanos().max(1);
    for (name, q) in [("p50", 50), ("p99", 99)] {
        let t = percentile(&times, q);
        out.push((format!("converge-time-{name}"), SimTime(t).to_string()));
        out.push((
            format!("converge-rounds-{name}"),
            t.div_ceil(interval).to_string(),
        ));
    }
    let per_update = sim.counters().sent as f64 / updates as f64;
    out.push(("messages-per-update".into(), format!("{per_update:.1}")));
    if params.mode == Mode::Rumor {
        let (mut backup, mut total) = (0u64, 0u64);
        for (_, n) in sim.live_nodes() {
            total += n.values.len() as u64;
            backup += n
                .values
                .values()
                .filter(|l| l.via == Via::AntiEntropy)
                .count() as u64;
        }
        let residue = backup as f64 / total.max(1) as f64;
        out.push(("rumor-residue".into(), format!("{residue:.4}")));
    }
    out
}

/// A simulation builder with the reference's nodes, the protocol's checks
/// ([`checked`]) and the reference's metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<Gossip> {
    let params = Arc::new(params);
    let for_metrics = Arc::clone(&params);
    checked::<Gossip>(params, nodes, seed).metrics(move |sim| metrics(sim, &for_metrics))
}
