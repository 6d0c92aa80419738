//! The coordinator: collects votes, pre-commits, commits; after a restart it
//! learns from the participants what the termination protocol decided.

use super::super::two_pc::bank::{committed_value, split_txn, AccountOp};
use super::{Bug, DecisionRecord, Msg, Outcome, Params, State, ThreePc, Timer, TxId, Vote};
use crate::sim::{ClientId, Ctx, NodeId, Reply, Request, TimerId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The durable record that the coordinator pre-committed a transaction
/// (`precommit/<tx>` in storage), synced before the first `PreCommit` is
/// sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreCommitRecord {
    /// The transaction.
    pub tx: TxId,
    /// Every participant of the transaction.
    pub participants: Vec<NodeId>,
}

/// Where a transaction in hand stands (volatile: lost in a crash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    /// Collecting votes.
    Voting,
    /// Every vote yes, pre-commit logged; these participants acknowledged.
    PreCommitting(BTreeSet<NodeId>),
}

/// A transaction the coordinator has not decided yet.
#[derive(Clone, Debug)]
pub(super) struct Active {
    client: ClientId,
    request: u64,
    ops: Vec<AccountOp>,
    pub(super) shares: BTreeMap<NodeId, Vec<AccountOp>>,
    pub(super) votes: BTreeMap<NodeId, Vec<Vec<i64>>>,
    pub(super) stage: Stage,
    timer: TimerId,
}

/// The coordinator's state.
#[derive(Clone, Debug, Default)]
pub struct Coordinator {
    pub(super) active: BTreeMap<TxId, Active>,
    /// Pre-committed before a crash, undecided in the log: the participants
    /// decided it without us (termination protocol); ask them.
    pub recovering: BTreeMap<TxId, Vec<NodeId>>,
    /// Every decision, as in the durable log (reloaded at start).
    pub log: BTreeMap<TxId, DecisionRecord>,
    /// The transaction decided by the last handler, for the checks.
    pub last_decision: Option<TxId>,
}

fn decision_key(tx: TxId) -> String {
    tx.key("decision/")
}

fn precommit_key(tx: TxId) -> String {
    format!("precommit/{tx}")
}

impl Coordinator {
    /// Transactions not decided yet (collecting votes, pre-committing, or
    /// recovering after a restart).
    pub fn undecided(&self) -> usize {
        self.active.len() + self.recovering.len()
    }

    /// Transactions pre-committing now.
    pub fn pre_committing(&self) -> usize {
        self.active
            .values()
            .filter(|a| matches!(a.stage, Stage::PreCommitting(_)))
            .count()
    }

    /// Boot or restart: reload the decisions and the pre-commits; a
    /// pre-commit without a decision was decided by the participants, so ask
    /// them rather than decide again.
    pub(super) fn start(&mut self, params: &Params, ctx: &mut Ctx<ThreePc>) {
        for key in ctx.storage().keys() {
            if key.starts_with("decision/") {
                if let Some(record) = ctx.storage().get::<DecisionRecord>(&key) {
                    self.log.insert(record.tx, record);
                }
            }
        }
        for key in ctx.storage().keys() {
            if key.starts_with("precommit/") {
                if let Some(record) = ctx.storage().get::<PreCommitRecord>(&key) {
                    if !self.log.contains_key(&record.tx) {
                        self.recovering.insert(record.tx, record.participants);
                    }
                }
            }
        }
        if !self.recovering.is_empty() {
            ctx.log(format!(
                "recovered {} pre-committed transactions without a decision: asking the participants",
                self.recovering.len()
            ));
        }
        self.resend(ctx);
        ctx.set_timer(params.retry, Timer::Retry);
    }

    /// A client transaction: split it by participant and send can-commit.
    pub(super) fn on_request(&mut self, params: &Params, ctx: &mut Ctx<ThreePc>, request: Request) {
        self.last_decision = None;
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
        let timer = ctx.set_timer(params.vote_timeout, Timer::VoteTimeout(tx));
        let active = Active {
            client: request.client,
            request: request.id,
            ops,
            shares,
            votes: BTreeMap::new(),
            stage: Stage::Voting,
            timer,
        };
        send_can_commit(ctx, tx, &active);
        self.active.insert(tx, active);
    }

    pub(super) fn on_message(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ThreePc>,
        from: NodeId,
        msg: Msg,
    ) {
        self.last_decision = None;
        match msg {
            Msg::Vote { tx, vote } => self.on_vote(params, ctx, from, tx, vote),
            Msg::PreCommitAck { tx } => {
                let Some(active) = self.active.get_mut(&tx) else {
                    return;
                };
                if let Stage::PreCommitting(acked) = &mut active.stage {
                    acked.insert(from);
                    if acked.len() == active.shares.len() {
                        self.decide(
                            params,
                            ctx,
                            tx,
                            Outcome::Commit,
                            "every participant pre-committed",
                        );
                    }
                }
            }
            Msg::Ack { tx } => {
                if let Some(record) = self.log.get_mut(&tx) {
                    if record.acked.insert(from) {
                        ctx.storage().put_owned(&decision_key(tx), record.clone());
                    }
                }
            }
            Msg::StateReport { tx, state } => self.learn(ctx, from, tx, state),
            Msg::Decision { tx, outcome, .. } => {
                let state = match outcome {
                    Outcome::Commit => State::Committed,
                    Outcome::Abort => State::Aborted,
                };
                self.learn(ctx, from, tx, state);
            }
            Msg::CanCommit { .. }
            | Msg::PreCommit { .. }
            | Msg::Elect { .. }
            | Msg::StateReq { .. }
            | Msg::Query { .. } => {
                ctx.log(format!("coordinator ignores {msg:?} from {from}"));
            }
        }
    }

    fn on_vote(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ThreePc>,
        from: NodeId,
        tx: TxId,
        vote: Vote,
    ) {
        let Some(active) = self.active.get_mut(&tx) else {
            return; // decided already: a late or duplicated vote
        };
        if active.stage != Stage::Voting {
            return;
        }
        match vote {
            Vote::No(why) => {
                let why = format!("{from} voted no: {why}");
                self.decide(params, ctx, tx, Outcome::Abort, &why);
            }
            Vote::Yes(reads) => {
                active.votes.insert(from, reads);
                if active.votes.len() < active.shares.len() {
                    return;
                }
                if params.has(Bug::SkipPrecommit) {
                    return self.decide(
                        params,
                        ctx,
                        tx,
                        Outcome::Commit,
                        "every vote yes (bug: no pre-commit)",
                    );
                }
                // Log the pre-commit durably, then send it.
                let participants: Vec<NodeId> = active.shares.keys().copied().collect();
                let record = PreCommitRecord {
                    tx,
                    participants: participants.clone(),
                };
                ctx.storage().put_owned(&precommit_key(tx), record.clone());
                ctx.storage().sync();
                ctx.cancel_timer(active.timer);
                active.timer = ctx.set_timer(params.ack_timeout, Timer::AckTimeout(tx));
                active.stage = Stage::PreCommitting(BTreeSet::new());
                for &p in &participants {
                    let msg = Msg::PreCommit {
                        tx,
                        participants: participants.clone(),
                    };
                    ctx.send(p, msg);
                }
            }
        }
    }

    /// A participant tells how `tx` ended: adopt it if undecided here.
    fn learn(&mut self, ctx: &mut Ctx<ThreePc>, from: NodeId, tx: TxId, state: State) {
        let outcome = match state {
            State::Committed => Outcome::Commit,
            State::Aborted => Outcome::Abort,
            State::Uncertain | State::PreCommitted => return,
        };
        if let Some(record) = self.log.get(&tx) {
            if record.outcome != outcome {
                ctx.log(format!(
                    "{tx}: {from} says {outcome:?}, but this log says {:?}",
                    record.outcome
                ));
            }
            return;
        }
        let participants = match self.recovering.remove(&tx) {
            Some(participants) => participants,
            None => match self.active.remove(&tx) {
                Some(active) => {
                    ctx.cancel_timer(active.timer);
                    // A commit has no reads to answer with: the client times
                    // out (unknown), which is true.
                    if outcome == Outcome::Abort {
                        let why = "aborted by the participants' termination protocol".into();
                        ctx.reply_to(active.client, active.request, Reply::Fail(why));
                    }
                    active.shares.keys().copied().collect()
                }
                None => return,
            },
        };
        let record = DecisionRecord {
            tx,
            outcome,
            participants,
            acked: BTreeSet::from([from]),
            presumed: false,
        };
        ctx.storage().put_owned(&decision_key(tx), record.clone());
        ctx.storage().sync();
        ctx.log(format!("{tx}: learned {outcome:?} from {from}"));
        self.log.insert(tx, record);
        self.last_decision = Some(tx);
    }

    /// Decide `tx`: log the decision durably, then send it and answer the client.
    fn decide(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ThreePc>,
        tx: TxId,
        outcome: Outcome,
        why: &str,
    ) {
        let Some(active) = self.active.remove(&tx) else {
            return;
        };
        ctx.cancel_timer(active.timer);
        let record = DecisionRecord {
            tx,
            outcome,
            participants: active.shares.keys().copied().collect(),
            acked: BTreeSet::new(),
            presumed: false,
        };
        ctx.storage().put_owned(&decision_key(tx), record.clone());
        ctx.storage().sync();
        send_decision(ctx, &record);
        self.log.insert(tx, record);
        self.last_decision = Some(tx);
        ctx.log(format!("{tx}: {outcome:?} ({why})"));
        let reply = match outcome {
            Outcome::Commit => Reply::Ok(committed_value(
                &active.ops,
                active.votes,
                params.accounts,
                ctx.node_count(),
            )),
            Outcome::Abort => Reply::Fail(format!("aborted: {why}")),
        };
        ctx.reply_to(active.client, active.request, reply);
    }

    pub(super) fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<ThreePc>, timer: Timer) {
        self.last_decision = None;
        match timer {
            Timer::Retry => {
                self.resend(ctx);
                ctx.set_timer(params.retry, Timer::Retry);
            }
            Timer::VoteTimeout(tx) => {
                let Some(active) = self.active.get(&tx).filter(|a| a.stage == Stage::Voting) else {
                    return;
                };
                let missing: Vec<String> = active
                    .shares
                    .keys()
                    .filter(|p| !active.votes.contains_key(p))
                    .map(NodeId::to_string)
                    .collect();
                let why = format!("no vote from {} in time", missing.join(", "));
                self.decide(params, ctx, tx, Outcome::Abort, &why);
            }
            Timer::AckTimeout(tx) => {
                let Some(active) = self.active.get(&tx) else {
                    return;
                };
                let Stage::PreCommitting(acked) = &active.stage else {
                    return;
                };
                let silent: Vec<String> = active
                    .shares
                    .keys()
                    .filter(|p| !acked.contains(p))
                    .map(NodeId::to_string)
                    .collect();
                let why = format!(
                    "no pre-commit ack from {}: presumed crashed",
                    silent.join(", ")
                );
                self.decide(params, ctx, tx, Outcome::Commit, &why);
            }
            Timer::Silence { .. } | Timer::NextCandidate { .. } | Timer::Lead { .. } => {}
        }
    }

    /// Resend can-commit to the silent voters, pre-commit to the silent
    /// ackers, unacknowledged decisions, and queries for what we recover.
    fn resend(&self, ctx: &mut Ctx<ThreePc>) {
        for (&tx, active) in &self.active {
            match &active.stage {
                Stage::Voting => send_can_commit(ctx, tx, active),
                Stage::PreCommitting(acked) => {
                    let participants: Vec<NodeId> = active.shares.keys().copied().collect();
                    for &p in participants.iter().filter(|p| !acked.contains(p)) {
                        let msg = Msg::PreCommit {
                            tx,
                            participants: participants.clone(),
                        };
                        ctx.send(p, msg);
                    }
                }
            }
        }
        for record in self.log.values().filter(|r| !r.done()) {
            send_decision(ctx, record);
        }
        for (&tx, participants) in &self.recovering {
            for &p in participants {
                ctx.send(p, Msg::Query { tx });
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
        let voting = self.active.len() - self.pre_committing();
        format!(
            "coordinator: {voting} collecting votes, {} pre-committing, {committed} committed, {} aborted, {} recovering",
            self.pre_committing(),
            self.log.len() - committed,
            self.recovering.len()
        )
    }
}

/// Can-commit to every participant that has not voted.
fn send_can_commit(ctx: &mut Ctx<ThreePc>, tx: TxId, active: &Active) {
    let participants: Vec<NodeId> = active.shares.keys().copied().collect();
    for (&node, share) in &active.shares {
        if !active.votes.contains_key(&node) {
            let msg = Msg::CanCommit {
                tx,
                participants: participants.clone(),
                ops: share.clone(),
            };
            ctx.send(node, msg);
        }
    }
}

/// The decision to every participant that has not acknowledged it.
fn send_decision(ctx: &mut Ctx<ThreePc>, record: &DecisionRecord) {
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
