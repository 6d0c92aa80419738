//! What a two-phase-commit node shows the checks: the trait lab 03's
//! student implements and the reference ([`TwoPc`]) implements too, so one
//! set of checks (`checks.rs`) judges both. It lives in the protocol (not in
//! `labs`) because the checks need it and protocols never import labs.

use super::{DecisionRecord, Params, TwoPc, TxId, TxnRecord};
use crate::sim::{Node, NodeId};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a two-phase-commit node shows the grader.
///
/// Node 0 is the coordinator, nodes `1..n` the participants. The accessors
/// return what the node holds in memory; for a crashed node the checks read
/// its storage instead, in this layout (the skeleton provides the key
/// helpers):
///
/// - `decision/<tx>` on the coordinator: its [`DecisionRecord`];
/// - `txn/<tx>` on a participant: its [`TxnRecord`] (phase, yes vote);
/// - `account/<name>` on a participant: the account's committed entries
///   (`Vec<i64>`).
pub trait TwoPcLabNode: Node {
    /// A fresh node `id` of `nodes` (node 0 coordinates). Called at boot and
    /// at every restart, before `on_start`: what survives a crash comes back
    /// from storage in `on_start`.
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self;

    /// The coordinator's decisions by transaction, as in its log; `None` on
    /// a participant.
    fn decision_log(&self) -> Option<&BTreeMap<TxId, DecisionRecord>>;

    /// Transactions the coordinator is still collecting votes for (0 on a
    /// participant).
    fn collecting_votes(&self) -> usize;

    /// A participant's record of every transaction it has seen; `None` on
    /// the coordinator.
    fn txn_records(&self) -> Option<&BTreeMap<TxId, TxnRecord>>;

    /// A participant's committed entries of each account it holds; `None`
    /// on the coordinator.
    fn accounts(&self) -> Option<&BTreeMap<String, Vec<i64>>>;

    /// The transaction whose outcome this node recorded in its last handler
    /// (the coordinator decided it; a participant committed or aborted it),
    /// so the per-step checks look at it at once.
    fn last_decided(&self) -> Option<TxId>;

    /// Most locks this participant held at once (for a metric; default 0).
    fn locks_peak(&self) -> usize {
        0
    }
}

impl TwoPcLabNode for TwoPc {
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        TwoPc::new(params, id, nodes)
    }

    fn decision_log(&self) -> Option<&BTreeMap<TxId, DecisionRecord>> {
        self.coordinator().map(|c| &c.log)
    }

    fn collecting_votes(&self) -> usize {
        self.coordinator().map_or(0, |c| c.undecided())
    }

    fn txn_records(&self) -> Option<&BTreeMap<TxId, TxnRecord>> {
        self.participant().map(|p| &p.txns)
    }

    fn accounts(&self) -> Option<&BTreeMap<String, Vec<i64>>> {
        self.participant().map(|p| &p.accounts)
    }

    fn last_decided(&self) -> Option<TxId> {
        match (self.coordinator(), self.participant()) {
            (Some(c), _) => c.last_decision,
            (_, Some(p)) => p.last_outcome,
            _ => None,
        }
    }

    fn locks_peak(&self) -> usize {
        self.participant().map_or(0, |p| p.locks_peak)
    }
}
