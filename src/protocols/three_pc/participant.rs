//! A participant: votes as in two-phase commit, pre-commits, and — when the
//! coordinator falls silent — runs the termination protocol.
//!
//! **Termination.** A participant silent-timed-out on `tx` (uncertain for
//! `precommit_timeout`, pre-committed for `docommit_timeout`) starts round
//! 0. Round `r`'s candidate is the `r`-th of `tx`'s participants by id. The
//! others send it `Elect` and give it three `termination_timeout`s to
//! decide (longer, while it keeps talking to them); then they presume it
//! crashed and turn to the next. The candidate, as *recovery coordinator*,
//! asks every participant's state (`StateReq`, resent every `retry`) for up
//! to `termination_timeout` and decides by [`rule`]; to commit from a
//! pre-committed state it first pre-commits the uncertain ones (waiting up
//! to `termination_timeout` for their acks). Silence is taken for a crash:
//! that is the assumption a partition breaks.

use super::super::two_pc::bank::{balance, AccountOp, MicroOp};
use super::super::two_pc::{self, Phase};
use super::{Bug, Msg, Outcome, Params, ThreePc, Timer, TxId, TxnRecord, Vote, COORDINATOR};
use crate::sim::{Ctx, NodeId, SimTime, TimerId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Where a transaction stands at a participant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum State {
    /// Voted yes; does not know whether everybody did.
    Uncertain,
    /// Knows everybody voted yes (logged); waits for do-commit.
    PreCommitted,
    /// Applied.
    Committed,
    /// Not applied (voted no, refused, or decided abort).
    Aborted,
}

impl State {
    /// Not decided yet.
    pub fn undecided(self) -> bool {
        matches!(self, State::Uncertain | State::PreCommitted)
    }

    fn of(phase: Phase, pre_committed: bool) -> State {
        match phase {
            Phase::Prepared if pre_committed => State::PreCommitted,
            Phase::Prepared => State::Uncertain,
            Phase::Committed => State::Committed,
            Phase::Aborted => State::Aborted,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Uncertain => "uncertain",
            State::PreCommitted => "pre-committed",
            State::Committed => "committed",
            State::Aborted => "aborted",
        })
    }
}

/// What a recovery coordinator should do with the states it collected
/// (its own among them). `None`: pre-commit the uncertain ones, then commit.
pub fn rule(states: impl IntoIterator<Item = State> + Clone) -> Option<Outcome> {
    let has = |wanted: State| states.clone().into_iter().any(|s| s == wanted);
    if has(State::Committed) {
        Some(Outcome::Commit)
    } else if has(State::Aborted) {
        Some(Outcome::Abort)
    } else if has(State::PreCommitted) {
        None
    } else {
        Some(Outcome::Abort)
    }
}

/// A recovery coordinator's stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lead {
    /// Collecting states (ours included).
    Collecting(BTreeMap<NodeId, State>),
    /// Pre-committing these uncertain participants; these acknowledged.
    PreCommitting {
        /// Told to pre-commit.
        targets: BTreeSet<NodeId>,
        /// Acknowledged.
        acked: BTreeSet<NodeId>,
    },
}

/// A transaction in the termination protocol here (volatile).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Termination {
    /// Whose turn it is: the `round`-th participant by id.
    pub round: u32,
    /// Leading (this node's turn): the stage and when it began (local time).
    pub leading: Option<(Lead, SimTime)>,
    wait: Option<TimerId>,
}

/// A participant's state.
#[derive(Clone, Debug)]
pub struct Participant {
    /// Accounts and locks, with two-phase commit's prepare and locking code
    /// (its transaction map stays empty: ours is [`Participant::txns`]).
    pub shard: two_pc::Participant,
    /// Every transaction seen, as the shared checks read it (reloaded at
    /// start); uncertain and pre-committed are both [`Phase::Prepared`].
    pub txns: BTreeMap<TxId, TxnRecord>,
    /// Every transaction's three-phase state: what the TUI's inspector shows.
    pub states: BTreeMap<TxId, State>,
    /// Transactions in the termination protocol.
    pub terminations: BTreeMap<TxId, Termination>,
    /// The transaction whose outcome the last handler recorded, for checks.
    pub last_outcome: Option<TxId>,
}

fn txn_key(tx: TxId) -> String {
    tx.key("txn/")
}

fn precommit_key(tx: TxId) -> String {
    format!("precommit/{tx}")
}

fn account_key(account: &str) -> String {
    format!("account/{account}")
}

impl Participant {
    /// A participant with its share of the accounts, all at their opening balance.
    pub fn new(params: &Params, id: NodeId, nodes: u32) -> Self {
        Participant {
            shard: two_pc::Participant::new(&params.two_pc(), id, nodes),
            txns: BTreeMap::new(),
            states: BTreeMap::new(),
            terminations: BTreeMap::new(),
            last_outcome: None,
        }
    }

    /// Transactions not decided here yet.
    pub fn undecided(&self) -> impl Iterator<Item = (&TxId, &State)> {
        self.states.iter().filter(|(_, s)| s.undecided())
    }

    /// Boot or restart: reload accounts and transactions; undecided ones
    /// take their locks back and start the termination protocol soon.
    pub(super) fn start(&mut self, params: &Params, ctx: &mut Ctx<ThreePc>) {
        let names: Vec<String> = self.shard.accounts.keys().cloned().collect();
        for name in names {
            if let Some(entries) = ctx.storage().get::<Vec<i64>>(&account_key(&name)) {
                self.shard.accounts.insert(name, entries);
            }
        }
        let keys: Vec<String> = ctx
            .storage()
            .keys()
            .into_iter()
            .filter(|k| k.starts_with("txn/"))
            .collect();
        for key in keys {
            let Some(record) = ctx.storage().get::<TxnRecord>(&key) else {
                continue;
            };
            let tx = record.tx;
            let pre = ctx.storage().get::<bool>(&precommit_key(tx)).is_some();
            let state = State::of(record.phase, pre);
            if state.undecided() {
                self.shard.lock(tx, &record.ops);
                ctx.set_timer(params.retry, Timer::Silence { tx, state });
            }
            self.states.insert(tx, state);
            self.txns.insert(tx, record);
        }
        let undecided = self.undecided().count();
        if undecided > 0 {
            ctx.log(format!(
                "recovered {undecided} undecided transactions: terminating them"
            ));
        }
    }

    pub(super) fn on_message(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ThreePc>,
        from: NodeId,
        msg: Msg,
    ) {
        self.last_outcome = None;
        match msg {
            Msg::CanCommit {
                tx,
                participants,
                ops,
            } => self.on_can_commit(params, ctx, tx, participants, ops),
            Msg::PreCommit { tx, .. } => self.on_pre_commit(params, ctx, from, tx),
            Msg::Decision {
                tx,
                outcome,
                participants,
            } => {
                self.on_decision(ctx, from, tx, outcome, participants);
            }
            Msg::Elect { tx, participants } => self.on_elect(params, ctx, from, tx, participants),
            Msg::StateReq { tx, participants } => {
                self.on_state_req(params, ctx, from, tx, participants);
            }
            Msg::StateReport { tx, state } => self.on_report(ctx, from, tx, state),
            Msg::PreCommitAck { tx } => self.on_pre_commit_ack(ctx, from, tx),
            Msg::Query { tx } => {
                if let Some(&state) = self.states.get(&tx) {
                    ctx.send(from, Msg::StateReport { tx, state });
                }
            }
            Msg::Vote { .. } | Msg::Ack { .. } => {
                ctx.log(format!("participant ignores {msg:?} from {from}"));
            }
        }
    }

    fn on_can_commit(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ThreePc>,
        tx: TxId,
        participants: Vec<NodeId>,
        ops: Vec<AccountOp>,
    ) {
        if let Some(record) = self.txns.get(&tx) {
            let vote = if record.voted_yes {
                Vote::Yes(record.reads.clone())
            } else {
                Vote::No("refused earlier".into())
            };
            return ctx.send(COORDINATOR, Msg::Vote { tx, vote });
        }
        let mut record = TxnRecord {
            tx,
            participants,
            ops: ops.into(),
            phase: Phase::Aborted,
            voted_yes: false,
            reads: Vec::new(),
            prepared_at: None,
            decided_at: None,
            queries: 0,
            locks: 0,
        };
        let vote = match self.shard.try_prepare(&params.two_pc(), &record) {
            Err(why) => {
                ctx.storage().put_owned(&txn_key(tx), record.clone());
                self.states.insert(tx, State::Aborted);
                Vote::No(why)
            }
            Ok(reads) => {
                record.locks = self.shard.lock(tx, &record.ops) as u32;
                record.phase = Phase::Prepared;
                record.voted_yes = true;
                record.reads = reads.clone();
                record.prepared_at = Some(ctx.now());
                // Log the vote durably before sending it.
                ctx.storage().put_owned(&txn_key(tx), record.clone());
                ctx.storage().sync();
                let state = State::Uncertain;
                self.states.insert(tx, state);
                ctx.set_timer(params.precommit_timeout, Timer::Silence { tx, state });
                Vote::Yes(reads)
            }
        };
        self.txns.insert(tx, record);
        ctx.send(COORDINATOR, Msg::Vote { tx, vote });
    }

    /// Become pre-committed (logged, synced) if uncertain.
    fn pre_commit(&mut self, ctx: &mut Ctx<ThreePc>, tx: TxId) -> bool {
        match self.states.get(&tx) {
            Some(State::Uncertain) => {
                ctx.storage().put(&precommit_key(tx), &true);
                ctx.storage().sync();
                self.states.insert(tx, State::PreCommitted);
                true
            }
            _ => false,
        }
    }

    fn on_pre_commit(&mut self, params: &Params, ctx: &mut Ctx<ThreePc>, from: NodeId, tx: TxId) {
        match self.states.get(&tx).copied() {
            Some(State::Uncertain) => {
                self.pre_commit(ctx, tx);
                if !self.terminations.contains_key(&tx) {
                    let state = State::PreCommitted;
                    ctx.set_timer(params.docommit_timeout, Timer::Silence { tx, state });
                }
            }
            Some(State::PreCommitted | State::Committed) => {}
            Some(State::Aborted) | None => {
                ctx.log(format!(
                    "{tx}: refuse to pre-commit ({from} asked), not prepared here"
                ));
                return;
            }
        }
        if from != COORDINATOR {
            self.heard_from_candidate(params, ctx, from, tx);
        }
        ctx.send(from, Msg::PreCommitAck { tx });
    }

    fn on_decision(
        &mut self,
        ctx: &mut Ctx<ThreePc>,
        from: NodeId,
        tx: TxId,
        outcome: Outcome,
        participants: Vec<NodeId>,
    ) {
        match self.states.get(&tx).copied() {
            Some(state) if state.undecided() => {
                let terminating = self.terminations.contains_key(&tx);
                self.apply(ctx, tx, outcome, terminating);
                if from != COORDINATOR {
                    ctx.log(format!(
                        "{tx}: {outcome:?}, as recovery coordinator {from} decided"
                    ));
                }
            }
            Some(state) if state == decided(outcome) => {}
            Some(state) => {
                ctx.log(format!(
                    "{tx}: told {outcome:?} by {from} but already {state}"
                ));
            }
            None => {
                if outcome == Outcome::Commit {
                    ctx.log(format!(
                        "{tx}: told to commit a transaction never prepared here"
                    ));
                }
                self.record_unprepared(ctx, tx, participants, decided(outcome));
            }
        }
        if from == COORDINATOR {
            ctx.send(COORDINATOR, Msg::Ack { tx });
        }
    }

    /// A transaction this participant never voted on ends here as `state`
    /// (a refusal is synced: it may never vote yes after this).
    fn record_unprepared(
        &mut self,
        ctx: &mut Ctx<ThreePc>,
        tx: TxId,
        participants: Vec<NodeId>,
        state: State,
    ) {
        let record = TxnRecord {
            tx,
            participants,
            ops: Vec::new().into(),
            phase: if state == State::Committed {
                Phase::Committed
            } else {
                Phase::Aborted
            },
            voted_yes: false,
            reads: Vec::new(),
            prepared_at: None,
            decided_at: Some(ctx.now()),
            queries: 0,
            locks: 0,
        };
        ctx.storage().put_owned(&txn_key(tx), record.clone());
        ctx.storage().sync();
        self.txns.insert(tx, record);
        self.states.insert(tx, state);
        self.last_outcome = Some(tx);
    }

    /// Apply the outcome of an undecided transaction, log it, release its
    /// locks (`terminated`: decided by the termination protocol).
    fn apply(&mut self, ctx: &mut Ctx<ThreePc>, tx: TxId, outcome: Outcome, terminated: bool) {
        let Some(mut record) = self.txns.remove(&tx) else {
            return;
        };
        if outcome == Outcome::Commit {
            for op in record.ops.iter() {
                if let MicroOp::Append(e) = op.op {
                    let entries = self.shard.accounts.entry(op.account.clone()).or_default();
                    entries.push(e);
                    let entries = entries.clone();
                    ctx.storage().put_owned(&account_key(&op.account), entries);
                }
            }
        }
        let state = decided(outcome);
        record.phase = match outcome {
            Outcome::Commit => Phase::Committed,
            Outcome::Abort => Phase::Aborted,
        };
        let now = ctx.now();
        record.decided_at = Some(now);
        record.reads = Vec::new();
        ctx.storage().put_owned(&txn_key(tx), record.clone());
        if terminated {
            let took = now.saturating_sub(record.prepared_at.unwrap_or(now));
            ctx.storage().put(&format!("terminated/{tx}"), &took);
        }
        ctx.storage().sync();
        self.shard.unlock(tx, &record.ops);
        self.txns.insert(tx, record);
        self.states.insert(tx, state);
        self.terminations.remove(&tx);
        self.last_outcome = Some(tx);
    }

    pub(super) fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<ThreePc>, timer: Timer) {
        self.last_outcome = None;
        match timer {
            Timer::Silence { tx, state } => {
                if self.states.get(&tx) != Some(&state) || self.terminations.contains_key(&tx) {
                    return; // moved on since
                }
                if state == State::PreCommitted && params.has(Bug::AbortAfterPrecommit) {
                    ctx.log(format!(
                        "{tx}: pre-committed, no do-commit in time: abort alone (bug)"
                    ));
                    return self.apply(ctx, tx, Outcome::Abort, true);
                }
                ctx.log(format!(
                    "{tx}: {state} and the coordinator is silent: termination protocol"
                ));
                self.begin_round(params, ctx, tx, 0);
            }
            Timer::NextCandidate { tx, round } => {
                let current = self.terminations.get(&tx);
                if current.is_some_and(|t| t.round == round && t.leading.is_none()) {
                    self.begin_round(params, ctx, tx, round + 1);
                }
            }
            Timer::Lead { tx, round } => self.lead_tick(params, ctx, tx, round),
            Timer::Retry | Timer::VoteTimeout(_) | Timer::AckTimeout(_) => {}
        }
    }

    /// `tx`'s participants, by id (the candidates' order).
    fn candidates(&self, tx: TxId) -> Vec<NodeId> {
        let mut participants = self
            .txns
            .get(&tx)
            .map(|r| r.participants.clone())
            .unwrap_or_default();
        participants.sort();
        participants
    }

    /// Round `round` of `tx`'s termination: lead it, or elect its candidate
    /// and wait.
    fn begin_round(&mut self, params: &Params, ctx: &mut Ctx<ThreePc>, tx: TxId, round: u32) {
        let candidates = self.candidates(tx);
        if candidates.is_empty() {
            return;
        }
        let candidate = candidates[round as usize % candidates.len()];
        if let Some(old) = self.terminations.get(&tx).and_then(|t| t.wait) {
            ctx.cancel_timer(old);
        }
        if candidate == ctx.id() {
            return self.start_lead(params, ctx, tx, round);
        }
        let wait = ctx.set_timer(
            SimTime(params.termination_timeout.as_nanos().saturating_mul(3)),
            Timer::NextCandidate { tx, round },
        );
        let termination = Termination {
            round,
            leading: None,
            wait: Some(wait),
        };
        self.terminations.insert(tx, termination);
        ctx.send(
            candidate,
            Msg::Elect {
                tx,
                participants: candidates,
            },
        );
    }

    /// The current candidate (or a later one) spoke: wait for it afresh.
    fn heard_from_candidate(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ThreePc>,
        from: NodeId,
        tx: TxId,
    ) {
        if !self.states.get(&tx).is_some_and(|s| s.undecided()) {
            return;
        }
        let candidates = self.candidates(tx);
        let Some(index) = candidates.iter().position(|&c| c == from) else {
            return;
        };
        let round = index as u32;
        let current = self.terminations.get(&tx);
        if current.is_some_and(|t| t.leading.is_some() || t.round > round) {
            return;
        }
        if let Some(old) = current.and_then(|t| t.wait) {
            ctx.cancel_timer(old);
        }
        let wait = ctx.set_timer(
            SimTime(params.termination_timeout.as_nanos().saturating_mul(3)),
            Timer::NextCandidate { tx, round },
        );
        let termination = Termination {
            round,
            leading: None,
            wait: Some(wait),
        };
        self.terminations.insert(tx, termination);
    }

    fn on_elect(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ThreePc>,
        from: NodeId,
        tx: TxId,
        participants: Vec<NodeId>,
    ) {
        match self.states.get(&tx).copied() {
            None => {
                ctx.log(format!("{tx}: never prepared here; refuse it for {from}"));
                self.record_unprepared(ctx, tx, participants.clone(), State::Aborted);
                let outcome = Outcome::Abort;
                ctx.send(
                    from,
                    Msg::Decision {
                        tx,
                        outcome,
                        participants,
                    },
                );
            }
            Some(State::Committed) => {
                let outcome = Outcome::Commit;
                ctx.send(
                    from,
                    Msg::Decision {
                        tx,
                        outcome,
                        participants,
                    },
                );
            }
            Some(State::Aborted) => {
                let outcome = Outcome::Abort;
                ctx.send(
                    from,
                    Msg::Decision {
                        tx,
                        outcome,
                        participants,
                    },
                );
            }
            Some(_) => {
                if self
                    .terminations
                    .get(&tx)
                    .is_some_and(|t| t.leading.is_some())
                {
                    return;
                }
                let me = ctx.id();
                let round = self.candidates(tx).iter().position(|&c| c == me);
                if let Some(old) = self.terminations.get(&tx).and_then(|t| t.wait) {
                    ctx.cancel_timer(old);
                }
                self.start_lead(params, ctx, tx, round.unwrap_or(0) as u32);
            }
        }
    }

    fn on_state_req(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ThreePc>,
        from: NodeId,
        tx: TxId,
        participants: Vec<NodeId>,
    ) {
        let state = match self.states.get(&tx).copied() {
            Some(state) => state,
            None => {
                ctx.log(format!("{tx}: never prepared here; refuse it for {from}"));
                self.record_unprepared(ctx, tx, participants, State::Aborted);
                State::Aborted
            }
        };
        self.heard_from_candidate(params, ctx, from, tx);
        ctx.send(from, Msg::StateReport { tx, state });
    }

    /// This participant's turn: collect every state.
    fn start_lead(&mut self, params: &Params, ctx: &mut Ctx<ThreePc>, tx: TxId, round: u32) {
        let Some(&mine) = self.states.get(&tx).filter(|s| s.undecided()) else {
            return;
        };
        ctx.log(format!(
            "{tx}: recovery coordinator (round {round}), collecting states"
        ));
        let me = ctx.id();
        let reports = BTreeMap::from([(me, mine)]);
        let termination = Termination {
            round,
            leading: Some((Lead::Collecting(reports), ctx.now())),
            wait: None,
        };
        self.terminations.insert(tx, termination);
        self.resend_lead(ctx, tx);
        ctx.set_timer(params.retry, Timer::Lead { tx, round });
    }

    /// Ask the silent for their state, or to pre-commit.
    fn resend_lead(&self, ctx: &mut Ctx<ThreePc>, tx: TxId) {
        let Some((lead, _)) = self.terminations.get(&tx).and_then(|t| t.leading.as_ref()) else {
            return;
        };
        let participants = self.candidates(tx);
        match lead {
            Lead::Collecting(reports) => {
                for &p in participants.iter().filter(|p| !reports.contains_key(p)) {
                    let msg = Msg::StateReq {
                        tx,
                        participants: participants.clone(),
                    };
                    ctx.send(p, msg);
                }
            }
            Lead::PreCommitting { targets, acked } => {
                for &p in targets.iter().filter(|p| !acked.contains(p)) {
                    let msg = Msg::PreCommit {
                        tx,
                        participants: participants.clone(),
                    };
                    ctx.send(p, msg);
                }
            }
        }
    }

    fn lead_tick(&mut self, params: &Params, ctx: &mut Ctx<ThreePc>, tx: TxId, round: u32) {
        let Some(t) = self.terminations.get(&tx).filter(|t| t.round == round) else {
            return;
        };
        let Some((lead, since)) = &t.leading else {
            return;
        };
        if ctx.now().saturating_sub(*since) < params.termination_timeout {
            self.resend_lead(ctx, tx);
            ctx.set_timer(params.retry, Timer::Lead { tx, round });
            return;
        }
        match lead {
            Lead::Collecting(_) => self.conclude_collect(ctx, tx),
            Lead::PreCommitting { targets, acked } => {
                let silent: Vec<String> =
                    targets.difference(acked).map(NodeId::to_string).collect();
                let why = format!(
                    "no pre-commit ack from {}: presumed crashed",
                    silent.join(", ")
                );
                self.lead_decide(ctx, tx, Outcome::Commit, &why);
            }
        }
    }

    fn on_report(&mut self, ctx: &mut Ctx<ThreePc>, from: NodeId, tx: TxId, state: State) {
        let participants = self.candidates(tx).len();
        let Some(Some((Lead::Collecting(reports), _))) =
            self.terminations.get_mut(&tx).map(|t| t.leading.as_mut())
        else {
            return;
        };
        reports.insert(from, state);
        if reports.len() == participants || !state.undecided() {
            self.conclude_collect(ctx, tx);
        }
    }

    /// Decide from the states collected: commit, abort, or pre-commit first.
    fn conclude_collect(&mut self, ctx: &mut Ctx<ThreePc>, tx: TxId) {
        let Some(Some((Lead::Collecting(reports), _))) =
            self.terminations.get(&tx).map(|t| t.leading.as_ref())
        else {
            return;
        };
        let reports = reports.clone();
        let heard: Vec<String> = reports.iter().map(|(n, s)| format!("{n} {s}")).collect();
        let why = format!("states: {}", heard.join(", "));
        if let Some(outcome) = rule(reports.values().copied()) {
            return self.lead_decide(ctx, tx, outcome, &why);
        }
        self.pre_commit(ctx, tx);
        let me = ctx.id();
        let targets: BTreeSet<NodeId> = reports
            .iter()
            .filter(|(&n, &s)| n != me && s == State::Uncertain)
            .map(|(&n, _)| n)
            .collect();
        if targets.is_empty() {
            return self.lead_decide(ctx, tx, Outcome::Commit, &why);
        }
        ctx.log(format!("{tx}: {why}; pre-committing the uncertain ones"));
        let lead = Lead::PreCommitting {
            targets,
            acked: BTreeSet::new(),
        };
        if let Some(t) = self.terminations.get_mut(&tx) {
            t.leading = Some((lead, ctx.now()));
        }
        self.resend_lead(ctx, tx);
    }

    fn on_pre_commit_ack(&mut self, ctx: &mut Ctx<ThreePc>, from: NodeId, tx: TxId) {
        let Some(Some((Lead::PreCommitting { targets, acked }, _))) =
            self.terminations.get_mut(&tx).map(|t| t.leading.as_mut())
        else {
            return;
        };
        acked.insert(from);
        if acked.is_superset(targets) {
            self.lead_decide(ctx, tx, Outcome::Commit, "every participant pre-committed");
        }
    }

    /// The recovery coordinator decides: apply here, tell the others.
    fn lead_decide(&mut self, ctx: &mut Ctx<ThreePc>, tx: TxId, outcome: Outcome, why: &str) {
        ctx.log(format!(
            "{tx}: recovery coordinator decides {outcome:?} ({why})"
        ));
        let participants = self.candidates(tx);
        self.apply(ctx, tx, outcome, true);
        let me = ctx.id();
        for &p in participants.iter().filter(|&&p| p != me) {
            let msg = Msg::Decision {
                tx,
                outcome,
                participants: participants.clone(),
            };
            ctx.send(p, msg);
        }
    }

    /// One line for the cluster view: each undecided transaction's state.
    pub(super) fn summary(&self, params: &Params) -> String {
        let money: i64 = self
            .shard
            .accounts
            .values()
            .map(|e| balance(params.initial_balance, e))
            .sum();
        let undecided: Vec<String> = self
            .undecided()
            .map(|(tx, state)| {
                let role = match self.terminations.get(tx) {
                    Some(t) if t.leading.is_some() => ", leading termination",
                    Some(_) => ", terminating",
                    None => "",
                };
                format!("{tx} {state}{role}")
            })
            .collect();
        let shown = if undecided.is_empty() {
            "nothing undecided".to_string()
        } else {
            undecided.join("; ")
        };
        format!(
            "{shown}; {} locks held, money {money}",
            self.shard.locks_held()
        )
    }
}

/// The state an outcome leaves a participant in.
fn decided(outcome: Outcome) -> State {
    match outcome {
        Outcome::Commit => State::Committed,
        Outcome::Abort => State::Aborted,
    }
}
