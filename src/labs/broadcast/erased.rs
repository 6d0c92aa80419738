//! [`DynBroadcast`] and [`DynGossip`]: any [`BroadcastLabNode`] and any
//! [`GossipLabNode`] behind a vtable, so the engine and the checks are
//! compiled once for every node type lab 02's grader runs
//! ([`crate::sim::erased`] says why).

use super::{Broadcast, BroadcastLabNode, BroadcastSetup, Gossip, GossipLabNode, GossipSetup};
use crate::sim::erased::NodeObject;
use std::collections::BTreeSet;

/// A broadcast lab node (parts A and B) of some type behind a vtable; runs,
/// trace hashes, views and checks are those of the inner type.
pub struct DynBroadcast(Box<dyn BroadcastObject>);

impl DynBroadcast {
    /// Wrap a node.
    pub fn of<S: BroadcastLabNode>(node: S) -> DynBroadcast {
        DynBroadcast(Box::new(node))
    }

    /// The constructor of `S`, wrapped.
    pub fn make<S: BroadcastLabNode>() -> fn(&BroadcastSetup) -> DynBroadcast {
        |setup| DynBroadcast::of(S::new(setup))
    }
}

/// The inner node's methods, object-safe.
trait BroadcastObject: NodeObject<DynBroadcast> {
    fn clone_box(&self) -> Box<dyn BroadcastObject>;
    fn values(&self) -> &BTreeSet<i64>;
}

impl<S: BroadcastLabNode> BroadcastObject for S {
    fn clone_box(&self) -> Box<dyn BroadcastObject> {
        Box::new(self.clone())
    }
    fn values(&self) -> &BTreeSet<i64> {
        BroadcastLabNode::values(self)
    }
}

crate::erased_node!(DynBroadcast, BroadcastObject);

impl BroadcastLabNode for DynBroadcast {
    /// The reference node, wrapped. The grader never calls this: it builds
    /// and restarts nodes with [`DynBroadcast::make`] of the type under test.
    fn new(setup: &BroadcastSetup) -> Self {
        DynBroadcast::of(<Broadcast as BroadcastLabNode>::new(setup))
    }
    fn values(&self) -> &BTreeSet<i64> {
        self.0.values()
    }
}

/// A gossip lab node (part C) of some type behind a vtable; runs, trace
/// hashes, views and checks are those of the inner type.
pub struct DynGossip(Box<dyn GossipObject>);

impl DynGossip {
    /// Wrap a node.
    pub fn of<G: GossipLabNode>(node: G) -> DynGossip {
        DynGossip(Box::new(node))
    }

    /// The constructor of `G`, wrapped.
    pub fn make<G: GossipLabNode>() -> fn(&GossipSetup) -> DynGossip {
        |setup| DynGossip::of(G::new(setup))
    }
}

/// The inner node's methods, object-safe.
trait GossipObject: NodeObject<DynGossip> {
    fn clone_box(&self) -> Box<dyn GossipObject>;
    fn values(&self) -> Box<dyn DoubleEndedIterator<Item = i64> + '_>;
}

impl<G: GossipLabNode> GossipObject for G {
    fn clone_box(&self) -> Box<dyn GossipObject> {
        Box::new(self.clone())
    }
    fn values(&self) -> Box<dyn DoubleEndedIterator<Item = i64> + '_> {
        Box::new(GossipLabNode::values(self))
    }
}

crate::erased_node!(DynGossip, GossipObject);

impl GossipLabNode for DynGossip {
    /// The reference node, wrapped. The grader never calls this: it builds
    /// and restarts nodes with [`DynGossip::make`] of the type under test.
    fn new(setup: &GossipSetup) -> Self {
        DynGossip::of(<Gossip as GossipLabNode>::new(setup))
    }
    fn values(&self) -> impl DoubleEndedIterator<Item = i64> + '_ {
        self.0.values()
    }
}
