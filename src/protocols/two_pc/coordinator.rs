//! The coordinator: collects votes, logs the decision, drives it home.

use super::bank::{committed_reply, split_txn, AccountOp};
use super::{Bug, Msg, Outcome, Params, Timer, TwoPc, TxId, Vote};
use crate::check::history::Value;
use crate::sim::{ClientId, Ctx, NodeId, Reply, Request, TimerId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The durable record of a decision (`decision/<tx>` in storage).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// The transaction.
    pub tx: TxId,
    /// Commit or abort.
    pub outcome: Outcome,
    /// Every participant of the transaction.
    pub participants: Vec<NodeId>,
    /// Participants that acknowledged the decision.
    pub acked: BTreeSet<NodeId>,
    /// Decided by presumption (an in-doubt participant asked about a
    /// transaction this coordinator had no record of).
    pub presumed: bool,
}

impl DecisionRecord {
    /// Every participant acknowledged.
    pub fn done(&self) -> bool {
        self.participants.iter().all(|p| self.acked.contains(p))
    }
}

/// A transaction collecting votes (volatile: lost in a crash).
#[derive(Clone)]
pub struct Active {
    client: ClientId,
    request: u64,
    ops: Vec<AccountOp>,
    pub(super) shares: BTreeMap<NodeId, Arc<[AccountOp]>>,
    pub(super) votes: BTreeMap<NodeId, Vec<Vec<i64>>>,
    vote_timer: TimerId,
    /// The request's value (`ops` as the client sent them, shared): the
    /// answer shares its appends ([`committed_reply`]). Not in `Debug` (it
    /// follows from the request, as `ops` does).
    value: Value,
}

/// The derived `Debug` of the fields before `value` (the explorer's
/// fingerprint of a node is its `Debug` text).
impl std::fmt::Debug for Active {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Active")
            .field("client", &self.client)
            .field("request", &self.request)
            .field("ops", &self.ops)
            .field("shares", &self.shares)
            .field("votes", &self.votes)
            .field("vote_timer", &self.vote_timer)
            .finish()
    }
}

/// Why transactions aborted, counted since the coordinator's last start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AbortCounts {
    /// A participant voted no.
    pub voted_no: u64,
    /// A vote was missing at `vote_timeout`.
    pub vote_timeout: u64,
    /// Presumed abort for an unknown transaction.
    pub presumed: u64,
}

/// The coordinator's state.
#[derive(Clone, Default)]
pub struct Coordinator {
    pub(super) active: BTreeMap<TxId, Active>,
    /// Every decision, as in the durable log (reloaded at start).
    pub log: BTreeMap<TxId, DecisionRecord>,
    /// The transaction decided by the last handler, for the checks.
    pub last_decision: Option<TxId>,
    /// Abort reasons since the last start.
    pub aborts: AbortCounts,
    /// The decisions in `log` some participant has not acknowledged
    /// (exactly those whose record is not [`DecisionRecord::done`]), in
    /// order: what a retry resends, without going through every decision
    /// ever made. Kept with `log` by every handler that changes it; not in
    /// `Debug` (it follows from `log`).
    pub(super) unacked: BTreeSet<TxId>,
    /// A copy of the decision `last_decision` names (its transaction,
    /// outcome and participants, as logged), set with it, so the per-step
    /// checks need no look-up in `log` ([`crate::protocols::two_pc::TwoPcLabNode::last_decision`]).
    /// Not in `Debug` (it follows from `log`).
    pub(super) last: Option<(TxId, Outcome, Vec<NodeId>)>,
}

/// The derived `Debug` of the fields before `unacked` (the explorer's
/// fingerprint of a node is its `Debug` text).
impl std::fmt::Debug for Coordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coordinator")
            .field("active", &self.active)
            .field("log", &self.log)
            .field("last_decision", &self.last_decision)
            .field("aborts", &self.aborts)
            .finish()
    }
}

/// `format!("{tx}: {outcome:?} ({why})")`, the decision's line in the
/// event log, without `format!` (one per decision).
pub(super) fn decision_note(tx: TxId, outcome: Outcome, why: &str) -> String {
    use crate::base::digits::push_decimal;
    let mut note = String::with_capacity(32 + why.len());
    note.push('t');
    push_decimal(&mut note, u64::from(tx.client), 0);
    note.push('.');
    push_decimal(&mut note, tx.request, 0);
    note.push_str(match outcome {
        Outcome::Commit => ": Commit (",
        Outcome::Abort => ": Abort (",
    });
    note.push_str(why);
    note.push(')');
    note
}

fn log_key(tx: TxId) -> super::KeyBuf {
    tx.key_buf("decision/")
}

impl Coordinator {
    /// Transactions still collecting votes.
    pub fn undecided(&self) -> usize {
        self.active.len()
    }

    /// Boot or restart: reload the log and finish what it left unacknowledged.
    pub(super) fn start(&mut self, params: &Params, ctx: &mut Ctx<TwoPc>) {
        for key in ctx.storage().keys() {
            if key.starts_with("decision/") {
                if let Some(record) = ctx.storage().get::<DecisionRecord>(&key) {
                    self.log.insert(record.tx, record);
                }
            }
        }
        self.unacked = self
            .log
            .values()
            .filter(|r| !r.done())
            .map(|r| r.tx)
            .collect();
        let pending = self.unacked.len();
        if pending > 0 {
            ctx.log(format!(
                "recovered {pending} unacknowledged decisions from the log"
            ));
        }
        self.resend_decisions(ctx);
        ctx.set_timer(params.retry, Timer::Retry);
    }

    /// A client transaction: split it by participant and send the prepares.
    pub(super) fn on_request(&mut self, params: &Params, ctx: &mut Ctx<TwoPc>, request: Request) {
        let tx = TxId {
            client: request.client.0,
            request: request.id,
        };
        if self.active.contains_key(&tx) || self.log.contains_key(&tx) {
            return; // a duplicate of a request already in hand
        }
        let (ops, shares) = match split_txn(&request.op, params.accounts, ctx.node_count()) {
            Ok(split) => split,
            Err(why) => return ctx.reply(&request, Reply::Fail(why)),
        };
        let shares: BTreeMap<NodeId, Arc<[AccountOp]>> = shares
            .into_iter()
            .map(|(node, share)| (node, Arc::from(share)))
            .collect();
        let participants: Vec<NodeId> = shares.keys().copied().collect();
        for (&node, share) in &shares {
            let msg = Msg::Prepare {
                tx,
                participants: participants.clone(),
                ops: Arc::clone(share),
            };
            ctx.send(node, msg);
        }
        let vote_timer = ctx.set_timer(params.vote_timeout, Timer::VoteTimeout(tx));
        let active = Active {
            client: request.client,
            request: request.id,
            ops,
            shares,
            votes: BTreeMap::new(),
            vote_timer,
            value: request.op.value.clone(),
        };
        self.active.insert(tx, active);
    }

    pub(super) fn on_message(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<TwoPc>,
        from: NodeId,
        msg: Msg,
    ) {
        match msg {
            Msg::Vote { tx, vote } => self.on_vote(params, ctx, from, tx, vote),
            Msg::Ack { tx } => {
                if let Some(record) = self.log.get_mut(&tx) {
                    if record.acked.insert(from) {
                        ctx.storage()
                            .put_owned(log_key(tx).as_str(), record.clone());
                        if record.done() {
                            self.unacked.remove(&tx);
                        }
                    }
                }
            }
            Msg::Query { tx, participants } => self.on_query(params, ctx, from, tx, participants),
            Msg::Prepare { .. } | Msg::Decision { .. } => {
                ctx.log(format!("coordinator ignores {msg:?} from {from}"));
            }
        }
    }

    fn on_vote(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<TwoPc>,
        from: NodeId,
        tx: TxId,
        vote: Vote,
    ) {
        let Some(active) = self.active.get_mut(&tx) else {
            return; // decided already: a late or duplicated vote
        };
        match vote {
            Vote::No(why) => {
                self.aborts.voted_no += 1;
                self.decide(
                    params,
                    ctx,
                    tx,
                    Outcome::Abort,
                    &format!("{from} voted no: {why}"),
                );
            }
            Vote::Yes(reads) => {
                active.votes.insert(from, reads);
                if active.votes.len() == active.shares.len() {
                    self.decide(
                        params,
                        ctx,
                        tx,
                        Outcome::Commit,
                        "every participant voted yes",
                    );
                }
            }
        }
    }

    /// An in-doubt participant asks: answer from the log, or presume abort
    /// for a transaction this coordinator has no trace of.
    fn on_query(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<TwoPc>,
        from: NodeId,
        tx: TxId,
        participants: Vec<NodeId>,
    ) {
        if let Some(record) = self.log.get(&tx) {
            let msg = Msg::Decision {
                tx,
                outcome: record.outcome,
                participants: record.participants.clone(),
            };
            ctx.send(from, msg);
        } else if !self.active.contains_key(&tx) {
            self.aborts.presumed += 1;
            let record = DecisionRecord {
                tx,
                outcome: Outcome::Abort,
                participants,
                acked: BTreeSet::new(),
                presumed: true,
            };
            self.log_and_send(params, ctx, record);
            ctx.log(format!("{tx}: no record of it, presume abort"));
        }
        // Still collecting votes: the vote timeout will decide.
    }

    /// Decide `tx`: log the decision durably, then send it and answer the client.
    fn decide(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<TwoPc>,
        tx: TxId,
        outcome: Outcome,
        why: &str,
    ) {
        let Some(active) = self.active.remove(&tx) else {
            return;
        };
        ctx.cancel_timer(active.vote_timer);
        let record = DecisionRecord {
            tx,
            outcome,
            participants: active.shares.keys().copied().collect(),
            acked: BTreeSet::new(),
            presumed: false,
        };
        self.log_and_send(params, ctx, record);
        ctx.log(decision_note(tx, outcome, why));
        let reply = match outcome {
            Outcome::Commit => Reply::Ok(committed_reply(
                &active.value,
                &active.ops,
                active.votes,
                params.accounts,
                ctx.node_count(),
            )),
            Outcome::Abort => Reply::Fail(["aborted: ", why].concat()),
        };
        ctx.reply_to(ClientId(active.client.0), active.request, reply);
    }

    fn log_and_send(&mut self, params: &Params, ctx: &mut Ctx<TwoPc>, record: DecisionRecord) {
        let tx = record.tx;
        ctx.storage()
            .put_owned(log_key(tx).as_str(), record.clone());
        if !params.has(Bug::SendBeforeLog) {
            ctx.storage().sync();
        }
        for &p in &record.participants {
            let msg = Msg::Decision {
                tx,
                outcome: record.outcome,
                participants: record.participants.clone(),
            };
            ctx.send(p, msg);
        }
        if record.done() {
            self.unacked.remove(&tx);
        } else {
            self.unacked.insert(tx);
        }
        self.last = Some((tx, record.outcome, record.participants.clone()));
        self.log.insert(tx, record);
        self.last_decision = Some(tx);
    }

    pub(super) fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<TwoPc>, timer: Timer) {
        match timer {
            Timer::Retry => {
                if params.has(Bug::SendBeforeLog) {
                    ctx.storage().sync(); // the late flush
                }
                self.resend_prepares(ctx);
                self.resend_decisions(ctx);
                ctx.set_timer(params.retry, Timer::Retry);
            }
            Timer::VoteTimeout(tx) => {
                let Some(active) = self.active.get(&tx) else {
                    return;
                };
                let missing: Vec<String> = active
                    .shares
                    .keys()
                    .filter(|p| !active.votes.contains_key(p))
                    .map(NodeId::to_string)
                    .collect();
                let why = format!("no vote from {} in time", missing.join(", "));
                if params.has(Bug::PresumeCommit) {
                    self.decide(params, ctx, tx, Outcome::Commit, &why);
                } else {
                    self.aborts.vote_timeout += 1;
                    self.decide(params, ctx, tx, Outcome::Abort, &why);
                }
            }
            Timer::InDoubt(_) => {}
        }
    }

    fn resend_prepares(&self, ctx: &mut Ctx<TwoPc>) {
        for (&tx, active) in &self.active {
            let participants: Vec<NodeId> = active.shares.keys().copied().collect();
            for (&node, share) in &active.shares {
                if !active.votes.contains_key(&node) {
                    let msg = Msg::Prepare {
                        tx,
                        participants: participants.clone(),
                        ops: Arc::clone(share),
                    };
                    ctx.send(node, msg);
                }
            }
        }
    }

    fn resend_decisions(&self, ctx: &mut Ctx<TwoPc>) {
        for record in self.unacked.iter().filter_map(|tx| self.log.get(tx)) {
            for &p in record
                .participants
                .iter()
                .filter(|p| !record.acked.contains(p))
            {
                let msg = Msg::Decision {
                    tx: record.tx,
                    outcome: record.outcome,
                    participants: record.participants.clone(),
                };
                ctx.send(p, msg);
            }
        }
    }

    /// One line for the cluster view.
    pub(super) fn summary(&self) -> String {
        let committed = self
            .log
            .values()
            .filter(|r| r.outcome == Outcome::Commit)
            .count();
        let unacked = self.log.values().filter(|r| !r.done()).count();
        format!(
            "coordinator: {} collecting votes, {committed} committed, {} aborted, {unacked} unacknowledged",
            self.active.len(),
            self.log.len() - committed
        )
    }
}
