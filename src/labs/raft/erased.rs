//! [`DynRaft`]: any [`RaftLabNode`] behind a vtable, so the engine, Raft's
//! checks and the labs' monitors are compiled once, here, for every
//! student, solution stage, mutant and cheat the grader runs
//! ([`crate::sim::erased`] says why).

use super::{Params, Raft, RaftLabNode};
use crate::protocols::raft::{Kv, Log};
use crate::sim::erased::NodeObject;
use crate::sim::NodeId;
use std::sync::Arc;

/// A Raft lab node of some type behind a vtable. Every node of one
/// simulation holds the same inner type; messages and timers are that
/// type's, wrapped in [`AnyMsg`](crate::sim::erased::AnyMsg). Runs, trace hashes, views and checks are
/// those of the inner type.
pub struct DynRaft(Box<dyn RaftObject>);

/// How a [`DynRaft`] builds a node: the inner type's constructor, wrapped.
pub type MakeNode = fn(Arc<Params>, NodeId, u32) -> DynRaft;

impl DynRaft {
    /// Wrap a node.
    pub fn of<S: RaftLabNode>(node: S) -> DynRaft {
        DynRaft(Box::new(node))
    }

    /// The constructor of `S`, wrapped: what the grader builds nodes with.
    pub fn make<S: RaftLabNode>() -> MakeNode {
        |params, id, nodes| DynRaft::of(S::new(params, id, nodes))
    }
}

/// The inner node's methods, object-safe.
trait RaftObject: NodeObject<DynRaft> {
    fn clone_box(&self) -> Box<dyn RaftObject>;
    fn current_term(&self) -> u64;
    fn voted_for(&self) -> Option<NodeId>;
    fn leader(&self) -> Option<NodeId>;
    fn log(&self) -> &Log;
    fn commit_index(&self) -> u64;
    fn last_applied(&self) -> (u64, u64);
    fn acked(&self) -> &[(u64, u64)];
    fn kv(&self) -> &Kv;
    fn snapshots_installed(&self) -> u64;
}

impl<S: RaftLabNode> RaftObject for S {
    fn clone_box(&self) -> Box<dyn RaftObject> {
        Box::new(self.clone())
    }
    fn current_term(&self) -> u64 {
        RaftLabNode::current_term(self)
    }
    fn voted_for(&self) -> Option<NodeId> {
        RaftLabNode::voted_for(self)
    }
    fn leader(&self) -> Option<NodeId> {
        RaftLabNode::leader(self)
    }
    fn log(&self) -> &Log {
        RaftLabNode::log(self)
    }
    fn commit_index(&self) -> u64 {
        RaftLabNode::commit_index(self)
    }
    fn last_applied(&self) -> (u64, u64) {
        RaftLabNode::last_applied(self)
    }
    fn acked(&self) -> &[(u64, u64)] {
        RaftLabNode::acked(self)
    }
    fn kv(&self) -> &Kv {
        RaftLabNode::kv(self)
    }
    fn snapshots_installed(&self) -> u64 {
        RaftLabNode::snapshots_installed(self)
    }
}

crate::erased_node!(DynRaft, RaftObject);

impl RaftLabNode for DynRaft {
    /// The reference node, wrapped. The grader never calls this: it builds
    /// nodes with [`DynRaft::make`] of the type under test.
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        DynRaft::of(Raft::new(params, id, nodes))
    }
    fn current_term(&self) -> u64 {
        self.0.current_term()
    }
    fn voted_for(&self) -> Option<NodeId> {
        self.0.voted_for()
    }
    fn leader(&self) -> Option<NodeId> {
        self.0.leader()
    }
    fn log(&self) -> &Log {
        self.0.log()
    }
    fn commit_index(&self) -> u64 {
        self.0.commit_index()
    }
    fn last_applied(&self) -> (u64, u64) {
        self.0.last_applied()
    }
    fn acked(&self) -> &[(u64, u64)] {
        self.0.acked()
    }
    fn kv(&self) -> &Kv {
        self.0.kv()
    }
    fn snapshots_installed(&self) -> u64 {
        self.0.snapshots_installed()
    }
}
