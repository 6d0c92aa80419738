//! Lab 03: two-phase commit — your coordinator and participants.
//!
//! Read `labs/03-two-phase-commit/README.md` first: it explains the protocol,
//! the rules numbered R1..R8 that the comments below refer to, the disk
//! layout the grader reads, and the parts.
//!
//! Everything except the protocol's logic is given: the message and timer
//! types (shared with the reference, `distlab::protocols::two_pc`), the
//! records you store, splitting a transaction by participant, the lock table,
//! the balance checks and reads, building the client's reply. Fill in every
//! `todo!()`; each says what goes there.
//!
//! Run your code: `cargo run --release -p lab-03-two-phase-commit -- tui scenarios/2pc-basic.toml`.
//! Grade it: `cargo run --release -- lab check 03`.

// The `todo!()`s leave parameters and helpers unused until you fill them in.
#![allow(unused_variables, unused_mut, dead_code, unreachable_code)]

use distlab::labs::two_pc::TwoPcLabNode;
use distlab::protocols::two_pc::bank::{
    accounts_of, balance, encode_txn, entry_amount, owner, parse_txn, AccountOp, MicroOp,
};
use distlab::protocols::two_pc::{
    DecisionRecord, Msg, Outcome, Params, Phase, Timer, TxId, TxnRecord, Vote, COORDINATOR,
};
use distlab::sim::{ClientId, Ctx, Node, NodeId, Reply, Request, TimerId};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The coordinator's record of a decision: `decision/<tx>` in its storage.
fn decision_key(tx: TxId) -> String {
    format!("decision/{tx}")
}

/// A participant's record of a transaction: `txn/<tx>` in its storage.
fn txn_key(tx: TxId) -> String {
    format!("txn/{tx}")
}

/// An account's committed entries: `account/<name>` in its owner's storage.
fn account_key(account: &str) -> String {
    format!("account/{account}")
}

/// One two-phase-commit node: the coordinator (node 0) or a participant.
#[derive(Clone, Debug)]
pub struct TwoPhaseCommit {
    params: Arc<Params>,
    role: Role,
}

/// A node's role and its state.
#[derive(Clone, Debug)]
enum Role {
    Coordinator(Coordinator),
    Participant(Participant),
}

// ---------------------------------------------------------------------------
// The coordinator
// ---------------------------------------------------------------------------

/// A transaction collecting votes. Volatile: lost when the coordinator
/// crashes (and then never committed, R7).
#[derive(Clone, Debug)]
struct Active {
    /// Who asked, to answer them once decided.
    client: ClientId,
    request: u64,
    /// The whole transaction, in the client's order.
    ops: Vec<AccountOp>,
    /// Each participant's micro-operations.
    shares: BTreeMap<NodeId, Vec<AccountOp>>,
    /// Yes votes so far, with their reads.
    votes: BTreeMap<NodeId, Vec<Vec<i64>>>,
    /// The vote timeout, to cancel once decided.
    vote_timer: TimerId,
}

/// The coordinator's state.
#[derive(Clone, Debug, Default)]
struct Coordinator {
    /// Transactions collecting votes.
    active: BTreeMap<TxId, Active>,
    /// Every decision, mirroring the `decision/<tx>` records on disk.
    log: BTreeMap<TxId, DecisionRecord>,
    /// The transaction the current handler decided (set it when you decide;
    /// the plumbing clears it before each handler).
    last_decided: Option<TxId>,
}

impl Coordinator {
    /// Split a client request into its micro-operations and each
    /// participant's share, or say why it is malformed. (Given.)
    #[allow(clippy::type_complexity)]
    fn split(
        params: &Params,
        ctx: &Ctx<TwoPhaseCommit>,
        request: &Request,
    ) -> Result<(Vec<AccountOp>, BTreeMap<NodeId, Vec<AccountOp>>), String> {
        let ops = parse_txn(&request.op.value)?;
        if request.op.f != "txn" || ops.is_empty() {
            return Err(format!("expected a txn, got {:?}", request.op.f));
        }
        let mut shares: BTreeMap<NodeId, Vec<AccountOp>> = BTreeMap::new();
        for op in &ops {
            let node = owner(&op.account, params.accounts, ctx.node_count())
                .ok_or_else(|| format!("no account {:?}", op.account))?;
            shares.entry(node).or_default().push(op.clone());
        }
        Ok((ops, shares))
    }

    /// The client's answer for a decided transaction: `ok` with the reads
    /// the participants voted with, or `fail`. (Given.)
    fn client_reply(params: &Params, nodes: u32, active: &Active, outcome: Outcome) -> Reply {
        if outcome == Outcome::Abort {
            return Reply::Fail("aborted".into());
        }
        let mut by_node: BTreeMap<NodeId, std::vec::IntoIter<Vec<i64>>> = active
            .votes
            .iter()
            .map(|(node, reads)| (*node, reads.clone().into_iter()))
            .collect();
        let mut reads = active
            .ops
            .iter()
            .filter(|o| o.op == MicroOp::Read)
            .map(|o| {
                owner(&o.account, params.accounts, nodes)
                    .and_then(|n| by_node.get_mut(&n)?.next())
                    .unwrap_or_default()
            });
        Reply::Ok(encode_txn(&active.ops, &mut reads))
    }

    /// Send `record`'s decision to every participant that has not
    /// acknowledged it. (Given.)
    fn send_decision(ctx: &mut Ctx<TwoPhaseCommit>, record: &DecisionRecord) {
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

    /// Boot and every restart (R5).
    fn start(&mut self, params: &Params, ctx: &mut Ctx<TwoPhaseCommit>) {
        ctx.set_timer(params.retry, Timer::Retry);
        // A first boot has nothing to recover (part C's rule starts here).
        if ctx.storage().keys().is_empty() {
            return;
        }
        // R5: reload every `decision/` record from storage into `self.log`, and
        // resend the decisions not every participant acknowledged
        todo!("lab 03, R5: see the comment above")
    }

    /// A client's transaction (R1).
    fn on_request(&mut self, params: &Params, ctx: &mut Ctx<TwoPhaseCommit>, request: Request) {
        let tx = TxId {
            client: request.client.0,
            request: request.id,
        };
        let (ops, shares) = match Self::split(params, ctx, &request) {
            Ok(split) => split,
            Err(why) => return ctx.reply(&request, Reply::Fail(why)),
        };
        // R1: ignore a transaction already active or decided; send each
        // participant a `Msg::Prepare` with its share, set a
        // `Timer::VoteTimeout(tx)` of `params.vote_timeout`, and keep the
        // transaction in `self.active`
        todo!("lab 03, R1: see the comment above")
    }

    /// A participant's vote (R3).
    fn on_vote(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<TwoPhaseCommit>,
        from: NodeId,
        tx: TxId,
        vote: Vote,
    ) {
        // R3: a vote for a transaction no longer active changes nothing; a no
        // decides abort; a yes is counted, and the last yes decides commit
        todo!("lab 03, R3: see the comment above")
    }

    /// Decide an active transaction (R4).
    fn decide(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<TwoPhaseCommit>,
        tx: TxId,
        outcome: Outcome,
    ) {
        // R4: take the transaction out of `self.active` and cancel its vote
        // timer; put its `DecisionRecord` under `decision_key(tx)` and sync
        // BEFORE sending the decision to the participants and answering the
        // client (`Self::client_reply`, `ctx.reply_to`); keep the record in
        // `self.log` and set `self.last_decided`
        todo!("lab 03, R4: see the comment above")
    }

    /// A participant applied the decision (R4).
    fn on_ack(&mut self, ctx: &mut Ctx<TwoPhaseCommit>, from: NodeId, tx: TxId) {
        // R4: note the acknowledgement in the record (memory and disk) so the
        // decision is no longer resent to that participant
        todo!("lab 03, R4: see the comment above")
    }

    /// An in-doubt participant asks for the outcome (R7).
    fn on_query(
        &mut self,
        ctx: &mut Ctx<TwoPhaseCommit>,
        from: NodeId,
        tx: TxId,
        participants: Vec<NodeId>,
    ) {
        // R7: answer from the log; a transaction neither in the log nor active
        // was never committed: log a presumed abort (synced, `presumed: true`)
        // and send it; while it is still active, say nothing (the vote timeout
        // decides)
        todo!("lab 03, R7: see the comment above")
    }

    /// A timer fired (R4, R6).
    fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<TwoPhaseCommit>, timer: Timer) {
        // R4, R6: on `Retry`, resend the prepares still missing a vote and the
        // decisions still missing an ack, then set the timer again; on
        // `VoteTimeout(tx)`, a transaction still active is missing a vote:
        // abort it (never commit)
        todo!("lab 03, R4, R6: see the comment above")
    }
}

// ---------------------------------------------------------------------------
// A participant
// ---------------------------------------------------------------------------

/// An account's lock: shared by audits (reads), exclusive for a transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Lock {
    Shared(BTreeSet<TxId>),
    Exclusive(TxId),
}

/// A participant's state.
#[derive(Clone, Debug)]
struct Participant {
    /// Committed entries of each account held here, mirroring the
    /// `account/<name>` records on disk.
    accounts: BTreeMap<String, Vec<i64>>,
    /// Every transaction seen, mirroring the `txn/<tx>` records on disk.
    txns: BTreeMap<TxId, TxnRecord>,
    /// Locks held, by account (volatile: take them back after a restart).
    locks: BTreeMap<String, Lock>,
    /// Most locks held at once (a metric).
    locks_peak: usize,
    /// The transaction the current handler committed or aborted (set it when
    /// you record an outcome; the plumbing clears it before each handler).
    last_decided: Option<TxId>,
}

impl Participant {
    /// A participant with its share of the accounts, all at their opening
    /// balance. (Given.)
    fn new(params: &Params, id: NodeId, nodes: u32) -> Self {
        let accounts = accounts_of(id, params.accounts, nodes)
            .into_iter()
            .map(|a| (a, Vec::new()))
            .collect();
        Participant {
            accounts,
            txns: BTreeMap::new(),
            locks: BTreeMap::new(),
            locks_peak: 0,
            last_decided: None,
        }
    }

    /// A fresh record of `tx`, in phase Aborted with no vote. (Given.)
    fn new_record(tx: TxId, participants: Vec<NodeId>, ops: Arc<[AccountOp]>) -> TxnRecord {
        TxnRecord {
            tx,
            participants,
            ops,
            phase: Phase::Aborted,
            voted_yes: false,
            reads: Vec::new(),
            prepared_at: None,
            decided_at: None,
            queries: 0,
            locks: 0,
        }
    }

    /// Whether `ops` can prepare: no conflicting lock, every account here,
    /// no debit overdraws. `Ok` carries the reads (in micro-op order) for
    /// the yes vote; `Err` says why to vote no. (Given.)
    fn check_and_read(&self, params: &Params, ops: &[AccountOp]) -> Result<Vec<Vec<i64>>, String> {
        for op in ops {
            if !self.accounts.contains_key(&op.account) {
                return Err(format!("no account {} here", op.account));
            }
            let exclusive = matches!(op.op, MicroOp::Append(_));
            match self.locks.get(&op.account) {
                Some(Lock::Exclusive(holder)) => {
                    return Err(format!("{} is locked by {holder}", op.account));
                }
                Some(Lock::Shared(_)) if exclusive => {
                    return Err(format!("{} is locked by readers", op.account));
                }
                _ => {}
            }
        }
        let mut staged: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        let mut reads = Vec::new();
        for op in ops {
            let entries = staged
                .entry(op.account.as_str())
                .or_insert_with(|| self.accounts[&op.account].clone());
            match op.op {
                MicroOp::Read => reads.push(entries.clone()),
                MicroOp::Append(e) => {
                    if balance(params.initial_balance, entries) + entry_amount(e) < 0 {
                        return Err(format!("insufficient funds in {}", op.account));
                    }
                    entries.push(e);
                }
            }
        }
        Ok(reads)
    }

    /// Take `tx`'s locks on `ops`' accounts (check first with
    /// [`Participant::check_and_read`]); the number of accounts locked.
    /// (Given.)
    fn lock(&mut self, tx: TxId, ops: &[AccountOp]) -> usize {
        let mut wanted: BTreeMap<&str, bool> = BTreeMap::new();
        for op in ops {
            *wanted.entry(op.account.as_str()).or_default() |= matches!(op.op, MicroOp::Append(_));
        }
        for (&account, &exclusive) in &wanted {
            let lock = if exclusive {
                Lock::Exclusive(tx)
            } else {
                let mut readers = match self.locks.remove(account) {
                    Some(Lock::Shared(readers)) => readers,
                    _ => BTreeSet::new(),
                };
                readers.insert(tx);
                Lock::Shared(readers)
            };
            self.locks.insert(account.to_string(), lock);
        }
        let held = self.locks.len();
        self.locks_peak = self.locks_peak.max(held);
        wanted.len()
    }

    /// Release `tx`'s locks on `ops`' accounts. (Given.)
    fn unlock(&mut self, tx: TxId, ops: &[AccountOp]) {
        for op in ops {
            let drop = match self.locks.get_mut(&op.account) {
                Some(Lock::Exclusive(holder)) => *holder == tx,
                Some(Lock::Shared(readers)) => {
                    readers.remove(&tx);
                    readers.is_empty()
                }
                None => false,
            };
            if drop {
                self.locks.remove(&op.account);
            }
        }
    }

    /// Append a committed transaction's entries to its accounts, in memory
    /// and on disk (`account/<name>`, not synced). (Given.)
    fn append_entries(&mut self, ctx: &mut Ctx<TwoPhaseCommit>, ops: &[AccountOp]) {
        for op in ops {
            if let MicroOp::Append(e) = op.op {
                let entries = self.accounts.entry(op.account.clone()).or_default();
                entries.push(e);
                let entries = entries.clone();
                ctx.storage().put(&account_key(&op.account), &entries);
            }
        }
    }

    /// Boot and every restart (R8).
    fn start(&mut self, params: &Params, ctx: &mut Ctx<TwoPhaseCommit>) {
        // A first boot has nothing to recover (part B's rule starts here).
        if ctx.storage().keys().is_empty() {
            return;
        }
        // R8: reload the accounts (`account/<name>`) and every `txn/` record; a
        // Prepared one takes its locks back and sets a `Timer::InDoubt(tx)` (it
        // must ask for its outcome)
        todo!("lab 03, R8: see the comment above")
    }

    /// The coordinator asks for a vote (R2).
    fn on_prepare(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<TwoPhaseCommit>,
        tx: TxId,
        participants: Vec<NodeId>,
        ops: Arc<[AccountOp]>,
    ) {
        // R2: a transaction already on record gets the same vote again (yes
        // with the recorded reads, or no); otherwise `check_and_read`: a no is
        // recorded (Aborted) and sent; a yes takes the locks, records Prepared
        // with `voted_yes` and the reads, is put under `txn_key(tx)` and synced
        // BEFORE the vote is sent, and sets a `Timer::InDoubt(tx)` of
        // `params.decision_timeout`
        todo!("lab 03, R2: see the comment above")
    }

    /// The outcome of a transaction (R4).
    fn on_decision(
        &mut self,
        ctx: &mut Ctx<TwoPhaseCommit>,
        tx: TxId,
        outcome: Outcome,
        participants: Vec<NodeId>,
    ) {
        // R4: a Prepared transaction applies the outcome (a commit appends its
        // entries with `append_entries`), records its new phase (synced),
        // releases its locks and sets `self.last_decided`; a transaction
        // already decided changes nothing; one never seen is recorded with the
        // outcome; in every case acknowledge to the coordinator
        todo!("lab 03, R4: see the comment above")
    }

    /// The in-doubt timer of `tx` fired (R7).
    fn on_in_doubt(&mut self, params: &Params, ctx: &mut Ctx<TwoPhaseCommit>, tx: TxId) {
        // R7: if `tx` is still Prepared, ask the coordinator (`Msg::Query`,
        // count it in `queries`) and set the timer again for `params.retry`;
        // never decide alone
        todo!("lab 03, R7: see the comment above")
    }
}

// ---------------------------------------------------------------------------
// Plumbing (given): the node dispatches to its role.
// ---------------------------------------------------------------------------

impl Node for TwoPhaseCommit {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Coordinator(c) => {
                c.last_decided = None;
                c.start(&params, ctx)
            }
            Role::Participant(p) => {
                p.last_decided = None;
                p.start(&params, ctx)
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Coordinator(c) => {
                c.last_decided = None;
                match msg {
                    Msg::Vote { tx, vote } => c.on_vote(&params, ctx, from, tx, vote),
                    Msg::Ack { tx } => c.on_ack(ctx, from, tx),
                    Msg::Query { tx, participants } => c.on_query(ctx, from, tx, participants),
                    Msg::Prepare { .. } | Msg::Decision { .. } => {}
                }
            }
            Role::Participant(p) => {
                p.last_decided = None;
                match msg {
                    Msg::Prepare {
                        tx,
                        participants,
                        ops,
                    } => p.on_prepare(&params, ctx, tx, participants, ops),
                    Msg::Decision {
                        tx,
                        outcome,
                        participants,
                    } => p.on_decision(ctx, tx, outcome, participants),
                    Msg::Vote { .. } | Msg::Ack { .. } | Msg::Query { .. } => {}
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Coordinator(c) => {
                c.last_decided = None;
                c.on_timer(&params, ctx, timer)
            }
            Role::Participant(p) => {
                p.last_decided = None;
                if let Timer::InDoubt(tx) = timer {
                    p.on_in_doubt(&params, ctx, tx);
                }
            }
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Coordinator(c) => {
                c.last_decided = None;
                c.on_request(&params, ctx, request)
            }
            Role::Participant(_) => ctx.reply(&request, Reply::Redirect(Some(COORDINATOR))),
        }
    }

    fn role(&self) -> Option<&str> {
        Some(match self.role {
            Role::Coordinator(_) => "coordinator",
            Role::Participant(_) => "participant",
        })
    }

    fn summary(&self) -> String {
        match &self.role {
            Role::Coordinator(c) => format!(
                "coordinator: {} collecting votes, {} decided",
                c.active.len(),
                c.log.len()
            ),
            Role::Participant(p) => {
                let prepared = p
                    .txns
                    .values()
                    .filter(|r| r.phase == Phase::Prepared)
                    .count();
                let money: i64 = p
                    .accounts
                    .values()
                    .map(|e| balance(self.params.initial_balance, e))
                    .sum();
                format!(
                    "{prepared} prepared, {} locks held, money {money}",
                    p.locks.len()
                )
            }
        }
    }
}

/// What the grader reads (given).
impl TwoPcLabNode for TwoPhaseCommit {
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        let role = if id == COORDINATOR {
            Role::Coordinator(Coordinator::default())
        } else {
            Role::Participant(Participant::new(&params, id, nodes))
        };
        TwoPhaseCommit { params, role }
    }

    fn decision_log(&self) -> Option<&BTreeMap<TxId, DecisionRecord>> {
        match &self.role {
            Role::Coordinator(c) => Some(&c.log),
            Role::Participant(_) => None,
        }
    }

    fn collecting_votes(&self) -> usize {
        match &self.role {
            Role::Coordinator(c) => c.active.len(),
            Role::Participant(_) => 0,
        }
    }

    fn txn_records(&self) -> Option<&BTreeMap<TxId, TxnRecord>> {
        match &self.role {
            Role::Participant(p) => Some(&p.txns),
            Role::Coordinator(_) => None,
        }
    }

    fn accounts(&self) -> Option<&BTreeMap<String, Vec<i64>>> {
        match &self.role {
            Role::Participant(p) => Some(&p.accounts),
            Role::Coordinator(_) => None,
        }
    }

    fn last_decided(&self) -> Option<TxId> {
        match &self.role {
            Role::Coordinator(c) => c.last_decided,
            Role::Participant(p) => p.last_decided,
        }
    }

    fn locks_peak(&self) -> usize {
        match &self.role {
            Role::Participant(p) => p.locks_peak,
            Role::Coordinator(_) => 0,
        }
    }
}
