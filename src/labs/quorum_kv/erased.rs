//! [`DynQuorum`]: any [`QuorumLabNode`] behind a vtable, so the engine and
//! the quorum KV's checks are compiled once for every node type lab 09's
//! grader runs ([`crate::sim::erased`] says why).

use super::QuorumLabNode;
use crate::protocols::quorum_kv::{KvNode, Params, Ring, Sibling};
use crate::sim::erased::NodeObject;
use crate::sim::NodeId;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A quorum-KV lab node of some type behind a vtable; runs, trace hashes,
/// views and checks are those of the inner type.
pub struct DynQuorum(Box<dyn QuorumObject>);

/// How a [`DynQuorum`] builds a node: the inner type's constructor, wrapped.
pub type MakeNode = fn(Arc<Params>, Arc<Ring>, NodeId) -> DynQuorum;

impl DynQuorum {
    /// Wrap a node.
    pub fn of<S: QuorumLabNode>(node: S) -> DynQuorum {
        DynQuorum(Box::new(node))
    }

    /// The constructor of `S`, wrapped.
    pub fn make<S: QuorumLabNode>() -> MakeNode {
        |params, ring, id| DynQuorum::of(S::new(params, ring, id))
    }
}

/// The inner node's methods, object-safe.
trait QuorumObject: NodeObject<DynQuorum> {
    fn clone_box(&self) -> Box<dyn QuorumObject>;
    fn data(&self) -> &BTreeMap<String, Vec<Sibling>>;
    fn hints(&self) -> &BTreeMap<(NodeId, String), Vec<Sibling>>;
    fn sibling_reads(&self) -> u64;
}

impl<S: QuorumLabNode> QuorumObject for S {
    fn clone_box(&self) -> Box<dyn QuorumObject> {
        Box::new(self.clone())
    }
    fn data(&self) -> &BTreeMap<String, Vec<Sibling>> {
        QuorumLabNode::data(self)
    }
    fn hints(&self) -> &BTreeMap<(NodeId, String), Vec<Sibling>> {
        QuorumLabNode::hints(self)
    }
    fn sibling_reads(&self) -> u64 {
        QuorumLabNode::sibling_reads(self)
    }
}

crate::erased_node!(DynQuorum, QuorumObject);

impl QuorumLabNode for DynQuorum {
    /// The reference node, wrapped. The grader never calls this: it builds
    /// nodes with [`DynQuorum::make`] of the type under test.
    fn new(params: Arc<Params>, ring: Arc<Ring>, id: NodeId) -> Self {
        DynQuorum::of(KvNode::new(params, ring, id))
    }
    fn data(&self) -> &BTreeMap<String, Vec<Sibling>> {
        self.0.data()
    }
    fn hints(&self) -> &BTreeMap<(NodeId, String), Vec<Sibling>> {
        self.0.hints()
    }
    fn sibling_reads(&self) -> u64 {
        self.0.sibling_reads()
    }
}
