//! What a saga node shows the checks: the trait lab 04's student
//! implements and the reference ([`SagaNode`]) implements too, so one set
//! of checks (`checks.rs`) judges both. It lives in the protocol (not in
//! `labs`) because the checks need it and protocols never import labs.

use super::{Params, SagaId, SagaNode, StepRecord};
use crate::sim::{Node, NodeId};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a saga node (a service, n0 also the orchestrator) shows the grader.
///
/// Nodes: n0 order service and orchestrator, n1 payment, n2 inventory, n3
/// shipping. The accessors return what the node holds in memory; for a
/// crashed node the checks read its storage instead: every step record under
/// `step/<step>/<saga>` as a [`StepRecord`] (the skeleton provides the key
/// helper).
pub trait SagaLabNode: Node {
    /// A fresh node `id`. Called at boot and at every restart, before
    /// `on_start`: what survives a crash comes back from storage there.
    fn new(params: Arc<Params>, id: NodeId) -> Self;

    /// This node's services' records of every step they ran or compensated,
    /// by (step, saga).
    fn step_records(&self) -> &BTreeMap<(u8, SagaId), StepRecord>;

    /// Payment (n1): each customer's balance (empty elsewhere).
    fn balances(&self) -> &BTreeMap<u32, i64>;

    /// Inventory (n2): each item's stock (empty elsewhere).
    fn stock(&self) -> &BTreeMap<u32, i64>;

    /// The step record the last handler changed, so the per-step checks
    /// look at it at once.
    fn last_touched(&self) -> Option<(u8, SagaId)>;

    /// Repeated commands answered from a record (a metric; default 0).
    fn dedup_hits(&self) -> u64 {
        0
    }

    /// Transient failures (a metric; default 0).
    fn transient_failures(&self) -> u64 {
        0
    }
}

impl SagaLabNode for SagaNode {
    fn new(params: Arc<Params>, id: NodeId) -> Self {
        SagaNode::new(params, id)
    }

    fn step_records(&self) -> &BTreeMap<(u8, SagaId), StepRecord> {
        &self.local.records
    }

    fn balances(&self) -> &BTreeMap<u32, i64> {
        &self.local.balances
    }

    fn stock(&self) -> &BTreeMap<u32, i64> {
        &self.local.stock
    }

    fn last_touched(&self) -> Option<(u8, SagaId)> {
        self.local.last_touched
    }

    fn dedup_hits(&self) -> u64 {
        self.local.dedup_hits
    }

    fn transient_failures(&self) -> u64 {
        self.local.transient_failures
    }
}
