//! Part C of lab 02: gossip. The student's anti-entropy node
//! ([`LabGossip`]) runs the shipped `gossip-*.toml` scenarios under the
//! shipped gossip checks, written generically: `values-come-from-clients`,
//! `acked-updates-everywhere`, `replicas-converge`, `update-spreads`.

use crate::check::convergence::{check_convergence, ReplicaState};
use crate::check::history::{EventType, Value};
use crate::check::verdict::Status;
use crate::check::Invariant;
use crate::protocols::gossip::scenario::{params, FACTS};
use crate::protocols::gossip::{Gossip, GossipWorkload, Params};
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, Node, NodeId, Ratio, Sim, SimBuilder, SimTime};
use crate::workload::Workload;
use std::collections::BTreeSet;
use std::sync::Arc;

/// What a gossip node is built from.
#[derive(Clone, Debug)]
pub struct GossipSetup {
    /// This node.
    pub id: NodeId,
    /// Nodes in the cluster.
    pub nodes: u32,
    /// This node's neighbours in the scenario's topology.
    pub neighbours: Vec<NodeId>,
    /// Neighbours to contact per round.
    pub fanout: u32,
    /// Round length.
    pub interval: SimTime,
    /// The scenario's parameters, mode and bug switch included (only the
    /// reference reads them).
    pub params: Arc<Params>,
}

/// The student's gossip node (part C): it answers client requests `add v`
/// (hold `v`, answer `Ok` once it is durable here) and `read` (the values
/// held, as a list), and spreads values by anti-entropy.
pub trait LabGossip: Node {
    /// A fresh node (at boot and at every restart: only storage survives).
    fn new(setup: &GossipSetup) -> Self;
    /// The values this node holds, in increasing order.
    fn values(&self) -> Vec<i64>;
}

impl LabGossip for Gossip {
    fn new(setup: &GossipSetup) -> Self {
        Gossip::new(
            Arc::clone(&setup.params),
            setup.id,
            setup.nodes,
            setup.neighbours.clone(),
        )
    }
    fn values(&self) -> Vec<i64> {
        self.values.keys().copied().collect()
    }
}

fn values_come_from_clients<G: LabGossip>(sim: &Sim<G>) -> Result<(), String> {
    let issued = sim.counters().ops_invoked as i64;
    for (id, node) in sim.live_nodes() {
        if let Some(v) = node.values().into_iter().find(|&v| v < 0 || v >= issued) {
            return Err(format!("{id} holds value {v}, which no client added"));
        }
    }
    Ok(())
}

fn acked_updates_everywhere<G: LabGossip>(sim: &Sim<G>) -> Result<(), String> {
    let acked: Vec<i64> = sim
        .history()
        .events
        .iter()
        .filter(|e| e.kind == EventType::Ok && e.f == "add")
        .filter_map(|e| e.value.as_int())
        .collect();
    let mut lines = Vec::new();
    for i in 0..sim.node_count() {
        let id = NodeId(i);
        let Some(node) = sim.node(id) else {
            return Err(format!("{id} is down at the end of the run"));
        };
        let held: BTreeSet<i64> = node.values().into_iter().collect();
        let lacks: Vec<String> = acked
            .iter()
            .filter(|v| !held.contains(v))
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
        "{} of {} nodes miss acknowledged updates after the network healed: {}",
        lines.len(),
        sim.node_count(),
        lines[..lines.len().min(5)].join("; ")
    ))
}

fn replicas_converge<G: LabGossip>(sim: &Sim<G>) -> Result<(), String> {
    let replicas: Vec<(String, ReplicaState)> = sim
        .live_nodes()
        .map(|(id, n)| {
            let values = n.values().into_iter().map(Value::Int).collect();
            (id.to_string(), ReplicaState::Value(Value::List(values)))
        })
        .collect();
    let report = check_convergence(&replicas);
    match report.status {
        Status::Valid => Ok(()),
        _ => Err(report.explanation.trim_end().replace('\n', " ")),
    }
}

fn update_spreads<G: LabGossip>(sim: &Sim<G>) -> bool {
    let mut seen = BTreeSet::new();
    sim.live_nodes()
        .any(|(_, node)| node.values().into_iter().any(|v| !seen.insert(v)))
}

/// A simulation builder with the student's gossip nodes and the checks.
pub fn builder<G: LabGossip>(params: Params, nodes: u32, seed: u64) -> SimBuilder<G> {
    let params = Arc::new(params);
    let neighbours = Arc::new(params.topology.neighbours(nodes, seed));
    SimBuilder::new(nodes, seed, move |id, nodes| {
        G::new(&GossipSetup {
            id,
            nodes,
            neighbours: neighbours.get(id.index()).cloned().unwrap_or_default(),
            fanout: params.fanout,
            interval: params.interval,
            params: Arc::clone(&params),
        })
    })
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
    .invariant(Invariant::new(
        "messages-flow",
        crate::check::CheckKind::Eventually,
        super::messages_flow::<G>,
    ))
}

/// Build a `gossip` scenario with the node type `G` (the shipped
/// `[protocol]` keys; only the reference reads `mode`, `stop`,
/// `anti_entropy` and `bug`).
pub fn build<G: LabGossip>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    let workload: Option<Box<dyn Workload>> = match &scenario.workload {
        Some(w) => {
            let mut wp = w.params.reader();
            let read_ratio = wp.f64_in("read_ratio", 0.2, 0.0..=1.0)?;
            wp.finish()?;
            let read_ratio = Ratio::from_probability(read_ratio);
            Some(Box::new(GossipWorkload { read_ratio }))
        }
        None => None,
    };
    let b = builder::<G>(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}
