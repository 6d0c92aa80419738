//! What a gossip node shows the checks: the trait lab 02's student
//! implements (part C) and the reference ([`Gossip`]) implements too, so one
//! set of checks (`checks.rs`) judges both. It lives in the protocol (not
//! in `labs`) because the checks need it and protocols never import labs.

use super::{Gossip, Params};
use crate::sim::{Node, NodeId, SimTime};
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

impl GossipSetup {
    /// Every node's setup in a cluster of `nodes` under `params` (a random
    /// topology drawn from `seed`), indexed by node.
    pub fn cluster(params: &Arc<Params>, nodes: u32, seed: u64) -> Vec<GossipSetup> {
        let neighbours = params.topology.neighbours(nodes, seed);
        (0..nodes)
            .map(|i| GossipSetup {
                id: NodeId(i),
                nodes,
                neighbours: neighbours.get(i as usize).cloned().unwrap_or_default(),
                fanout: params.fanout,
                interval: params.interval,
                params: Arc::clone(params),
            })
            .collect()
    }
}

/// A gossip node, as the checks see it: it answers client requests `add v`
/// (hold `v`, answer `Ok` once it is durable here) and `read` (the values
/// held, as a list), and spreads values between nodes.
pub trait GossipLabNode: Node {
    /// A fresh node (at boot and at every restart: only storage survives).
    fn new(setup: &GossipSetup) -> Self;
    /// The values this node holds, in increasing order.
    fn values(&self) -> impl DoubleEndedIterator<Item = i64> + '_;
}

impl GossipLabNode for Gossip {
    fn new(setup: &GossipSetup) -> Self {
        Gossip::new(
            Arc::clone(&setup.params),
            setup.id,
            setup.nodes,
            setup.neighbours.clone(),
        )
    }
    fn values(&self) -> impl DoubleEndedIterator<Item = i64> + '_ {
        self.values.keys().copied()
    }
}
