//! What a broadcast node shows the checks: the trait lab 02's student
//! implements and the reference ([`Broadcast`]) implements too, so one set
//! of checks (`checks.rs`, `efficiency.rs`) judges both. It lives in the
//! protocol (not in `labs`) because the checks need it and protocols never
//! import labs.
//!
//! Unlike lab 01's clock rules, what lab 02 asks for is the node itself —
//! what to send, when to resend, what to reload after a crash — so the
//! student's type is the node and the checks read it through this trait
//! (the way Raft's checks read `RaftLabNode`).

use super::{Broadcast, Params};
use crate::sim::{Node, NodeId, SimTime};
use std::collections::BTreeSet;
use std::sync::Arc;

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
    /// The scenario's parameters, bug switches included (only the
    /// reference reads them).
    pub params: Arc<Params>,
}

impl BroadcastSetup {
    /// Every node's setup in a cluster of `nodes` under `params` (the
    /// neighbours drawn from its topology), indexed by node.
    pub fn cluster(params: &Arc<Params>, nodes: u32) -> Vec<BroadcastSetup> {
        let graph = params.topology.neighbours(nodes);
        (0..nodes)
            .map(|i| BroadcastSetup {
                id: NodeId(i),
                nodes,
                neighbours: graph[i as usize].clone(),
                retry: params.retry,
                params: Arc::clone(params),
            })
            .collect()
    }
}

/// A broadcast node, as the checks see it.
///
/// It answers client requests `broadcast v` (hold `v`, make sure every node
/// gets it, answer `Ok` once it is durable here) and `read` (answer the
/// values held, as a list).
pub trait BroadcastLabNode: Node {
    /// A fresh node (at boot and at every restart: only storage survives).
    fn new(setup: &BroadcastSetup) -> Self;
    /// The values this node holds.
    fn values(&self) -> &BTreeSet<i64>;
}

impl BroadcastLabNode for Broadcast {
    fn new(setup: &BroadcastSetup) -> Self {
        Broadcast::new(Arc::clone(&setup.params), setup.id, setup.nodes)
    }
    fn values(&self) -> &BTreeSet<i64> {
        &self.values
    }
}
