//! [`DynSaga`]: any [`SagaLabNode`] behind a vtable, so the engine and the
//! saga checks are compiled once for every node type lab 04's grader runs
//! ([`crate::sim::erased`] says why).

use super::SagaLabNode;
use crate::protocols::saga::{Params, SagaId, SagaNode, StepRecord};
use crate::sim::erased::NodeObject;
use crate::sim::NodeId;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A saga lab node of some type behind a vtable; runs, trace hashes, views
/// and checks are those of the inner type.
pub struct DynSaga(Box<dyn SagaObject>);

/// How a [`DynSaga`] builds a node: the inner type's constructor, wrapped.
pub type MakeNode = fn(Arc<Params>, NodeId) -> DynSaga;

impl DynSaga {
    /// Wrap a node.
    pub fn of<S: SagaLabNode>(node: S) -> DynSaga {
        DynSaga(Box::new(node))
    }

    /// The constructor of `S`, wrapped.
    pub fn make<S: SagaLabNode>() -> MakeNode {
        |params, id| DynSaga::of(S::new(params, id))
    }
}

/// The inner node's methods, object-safe.
trait SagaObject: NodeObject<DynSaga> {
    fn clone_box(&self) -> Box<dyn SagaObject>;
    fn step_records(&self) -> &BTreeMap<(u8, SagaId), StepRecord>;
    fn balances(&self) -> &BTreeMap<u32, i64>;
    fn stock(&self) -> &BTreeMap<u32, i64>;
    fn last_touched(&self) -> Option<(u8, SagaId)>;
    fn dedup_hits(&self) -> u64;
    fn transient_failures(&self) -> u64;
}

impl<S: SagaLabNode> SagaObject for S {
    fn clone_box(&self) -> Box<dyn SagaObject> {
        Box::new(self.clone())
    }
    fn step_records(&self) -> &BTreeMap<(u8, SagaId), StepRecord> {
        SagaLabNode::step_records(self)
    }
    fn balances(&self) -> &BTreeMap<u32, i64> {
        SagaLabNode::balances(self)
    }
    fn stock(&self) -> &BTreeMap<u32, i64> {
        SagaLabNode::stock(self)
    }
    fn last_touched(&self) -> Option<(u8, SagaId)> {
        SagaLabNode::last_touched(self)
    }
    fn dedup_hits(&self) -> u64 {
        SagaLabNode::dedup_hits(self)
    }
    fn transient_failures(&self) -> u64 {
        SagaLabNode::transient_failures(self)
    }
}

crate::erased_node!(DynSaga, SagaObject);

impl SagaLabNode for DynSaga {
    /// The reference node, wrapped. The grader never calls this: it builds
    /// nodes with [`DynSaga::make`] of the type under test.
    fn new(params: Arc<Params>, id: NodeId) -> Self {
        DynSaga::of(SagaNode::new(params, id))
    }
    fn step_records(&self) -> &BTreeMap<(u8, SagaId), StepRecord> {
        self.0.step_records()
    }
    fn balances(&self) -> &BTreeMap<u32, i64> {
        self.0.balances()
    }
    fn stock(&self) -> &BTreeMap<u32, i64> {
        self.0.stock()
    }
    fn last_touched(&self) -> Option<(u8, SagaId)> {
        self.0.last_touched()
    }
    fn dedup_hits(&self) -> u64 {
        self.0.dedup_hits()
    }
    fn transient_failures(&self) -> u64 {
        self.0.transient_failures()
    }
}
