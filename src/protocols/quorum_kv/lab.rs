//! What a quorum-KV node shows the checks: the trait lab 09's student
//! implements and the reference ([`KvNode`]) implements too, so one set of
//! checks (`checks.rs`) judges both. It lives in the protocol (not in
//! `labs`) because the checks need it and protocols never import labs.

use super::{KvNode, Params, Ring, Sibling};
use crate::sim::{Node, NodeId};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a quorum-KV node shows the grader.
///
/// Besides these accessors the checks read one thing from storage: every
/// write's *ghost* vector clock, put by its coordinator under `w/<value>`
/// when it creates the version (the skeleton's `record_write` does it). The
/// `no-lost-updates` check uses it to tell a write that was overwritten by a
/// later write that saw it from one that was simply lost.
pub trait QuorumLabNode: Node {
    /// A fresh node `id`; every node gets the same ring. Called at boot and
    /// at every restart, before `on_start`: what survives a crash comes back
    /// from storage in `on_start`.
    fn new(params: Arc<Params>, ring: Arc<Ring>, id: NodeId) -> Self;

    /// The versions this node holds as a replica, by key (hints excluded).
    fn data(&self) -> &BTreeMap<String, Vec<Sibling>>;

    /// Hints this node holds as a fallback: (intended replica, key) →
    /// versions. Empty once every hint was handed off.
    fn hints(&self) -> &BTreeMap<(NodeId, String), Vec<Sibling>>;

    /// Reads this node coordinated that returned more than one version (for
    /// a metric; default 0).
    fn sibling_reads(&self) -> u64 {
        0
    }
}

impl QuorumLabNode for KvNode {
    fn new(params: Arc<Params>, ring: Arc<Ring>, id: NodeId) -> Self {
        KvNode::new(params, ring, id)
    }

    fn data(&self) -> &BTreeMap<String, Vec<Sibling>> {
        &self.data
    }

    fn hints(&self) -> &BTreeMap<(NodeId, String), Vec<Sibling>> {
        &self.hints
    }

    fn sibling_reads(&self) -> u64 {
        self.sibling_reads
    }
}
