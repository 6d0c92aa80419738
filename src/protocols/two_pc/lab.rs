//! What a two-phase-commit node shows the checks: the trait lab 03's
//! student implements and the reference ([`TwoPc`]) implements too, so one
//! set of checks (`checks.rs`) judges both. It lives in the protocol (not in
//! `labs`) because the checks need it and protocols never import labs.

use super::{DecisionRecord, Outcome, Params, Phase, TwoPc, TxId, TxnRecord};
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

    /// The decision [`last_decided`](Self::last_decided) names, as the
    /// per-step checks judge it: the transaction, its outcome and its
    /// participants, from this node's own record of it (the coordinator's
    /// [`DecisionRecord`] in [`decision_log`](Self::decision_log), a
    /// participant's decided [`TxnRecord`] in
    /// [`txn_records`](Self::txn_records)).
    ///
    /// **You need not write this.** The default looks the transaction up in
    /// those records ([`Decided::look_up`]); a node may override it to answer
    /// without the look-up (the reference keeps a copy of its last decision),
    /// and must then give exactly what the default would. The lab's grader
    /// never calls an override: it judges a student's node through the
    /// default, from the records themselves, so an override that lies
    /// cannot change a grade (a run of the node's own type through
    /// [`attach_checks`](super::attach_checks), as the reference runs in the
    /// shipped scenarios, does use it).
    fn last_decision(&self) -> Option<Decided<'_>> {
        Decided::look_up(self.last_decided(), self.decision_log(), self.txn_records())
    }

    /// A participant's stance on `tx`: its record's phase and whether it
    /// voted yes, `None` if it has no record of `tx` (and on the
    /// coordinator), as the per-step checks judge it.
    ///
    /// **You need not write this.** The default looks `tx` up in
    /// [`txn_records`](Self::txn_records); a node may override it to answer
    /// faster (the reference keeps its last few stances at hand), and must
    /// then give exactly what the default would. As with
    /// [`last_decision`](Self::last_decision), the lab's grader never calls
    /// an override: it judges a student's node from its records.
    fn stance(&self, tx: TxId) -> Option<(Phase, bool)> {
        self.txn_records()?.get(&tx).map(|r| (r.phase, r.voted_yes))
    }

    /// Most locks this participant held at once (for a metric; default 0).
    fn locks_peak(&self) -> usize {
        0
    }
}

/// A decision a node took, as the per-step checks judge it (see
/// [`TwoPcLabNode::last_decision`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decided<'a> {
    /// The transaction.
    pub tx: TxId,
    /// How it ended at this node.
    pub outcome: Outcome,
    /// Every participant of the transaction, as this node recorded them.
    pub participants: &'a [NodeId],
}

impl<'a> Decided<'a> {
    /// The decision `last` names, looked up in a node's records: the
    /// coordinator's log if it has one (`None` if `last` is not in it),
    /// else the participant's record of `last` (`None` if it has none or is
    /// still prepared).
    pub fn look_up(
        last: Option<TxId>,
        decision_log: Option<&'a BTreeMap<TxId, DecisionRecord>>,
        txn_records: Option<&'a BTreeMap<TxId, TxnRecord>>,
    ) -> Option<Decided<'a>> {
        let tx = last?;
        if let Some(log) = decision_log {
            let r = log.get(&tx)?;
            return Some(Decided {
                tx: r.tx,
                outcome: r.outcome,
                participants: &r.participants,
            });
        }
        let r = txn_records?.get(&tx)?;
        Some(Decided {
            tx: r.tx,
            outcome: r.phase.outcome()?,
            participants: &r.participants,
        })
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

    /// The copy each role keeps of its last decision (kept with
    /// `last_decision` / `last_outcome` by every handler that sets them):
    /// no look-up.
    fn last_decision(&self) -> Option<Decided<'_>> {
        let (tx, last) = match &self.role {
            super::Role::Coordinator(c) => (c.last_decision, &c.last),
            super::Role::Participant(p) => (p.last_outcome, &p.last),
        };
        let tx = tx?;
        let Some((decided, outcome, participants)) = last.as_ref().filter(|l| l.0 == tx) else {
            // Not kept (never, as every handler keeps it): look it up.
            return Decided::look_up(Some(tx), self.decision_log(), self.txn_records());
        };
        Some(Decided {
            tx: *decided,
            outcome: *outcome,
            participants,
        })
    }

    /// From the stances each participant keeps at hand (kept with its
    /// records by every handler that changes one), else looked up.
    fn stance(&self, tx: TxId) -> Option<(Phase, bool)> {
        self.participant()?.stance(tx)
    }

    fn locks_peak(&self) -> usize {
        self.participant().map_or(0, |p| p.locks_peak)
    }
}
