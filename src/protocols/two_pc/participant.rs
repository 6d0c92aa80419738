//! A participant: holds accounts, votes, keeps its locks while in doubt.

use super::bank::{accounts_of, balance, entry_amount, AccountOp, MicroOp};
use super::{Bug, KeyBuf, Msg, Outcome, Params, Timer, TwoPc, TxId, Vote, COORDINATOR};
use crate::sim::{Ctx, NodeId, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Where a transaction stands at a participant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Phase {
    /// Voted yes; locks held until the decision arrives.
    Prepared,
    /// Applied.
    Committed,
    /// Not applied (voted no, refused, or told to abort).
    Aborted,
}

impl Phase {
    /// The outcome this phase records, if decided.
    pub fn outcome(self) -> Option<Outcome> {
        match self {
            Phase::Prepared => None,
            Phase::Committed => Some(Outcome::Commit),
            Phase::Aborted => Some(Outcome::Abort),
        }
    }
}

/// A participant's record of one transaction (`txn/<tx>` in storage).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnRecord {
    /// The transaction.
    pub tx: TxId,
    /// Every participant of the transaction (empty if never told).
    pub participants: Vec<NodeId>,
    /// This participant's micro-operations, shared (`Arc`) with the prepare
    /// that brought them and every copy of the record (in memory, in
    /// storage): a copy costs a reference count, not the account names.
    /// Build it from a `Vec` with `ops.into()`; it reads as a slice
    /// (`&record.ops`, `record.ops.iter()`). Printed, hashed and stored as
    /// the list it holds.
    pub ops: Arc<[AccountOp]>,
    /// Where it stands.
    pub phase: Phase,
    /// This participant voted yes (logged before the vote was sent).
    pub voted_yes: bool,
    /// The reads sent with the yes vote (dropped once decided).
    pub reads: Vec<Vec<i64>>,
    /// Local time of the yes vote.
    pub prepared_at: Option<SimTime>,
    /// Local time the decision was applied.
    pub decided_at: Option<SimTime>,
    /// In-doubt queries sent (non-zero: the participant was blocked).
    pub queries: u32,
    /// Locks held while prepared.
    pub locks: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Lock {
    Shared(BTreeSet<TxId>),
    Exclusive(TxId),
}

/// A participant's state.
#[derive(Clone)]
pub struct Participant {
    /// Committed entries of each account held here.
    pub accounts: BTreeMap<String, Vec<i64>>,
    /// Every transaction seen (reloaded from storage at start).
    pub txns: BTreeMap<TxId, TxnRecord>,
    locks: BTreeMap<String, Lock>,
    /// The transaction whose outcome the last handler recorded, for checks.
    pub last_outcome: Option<TxId>,
    /// Most locks held at once since the last start.
    pub locks_peak: usize,
    /// A copy of the decision `last_outcome` names (its transaction,
    /// outcome and participants, as recorded), set and cleared with it, so
    /// the per-step checks need no look-up in `txns`
    /// ([`crate::protocols::two_pc::TwoPcLabNode::last_decision`]). Not in
    /// `Debug` (it follows from `txns`).
    pub(super) last: Option<(TxId, Outcome, Vec<NodeId>)>,
    /// The stances (phase, voted yes) of the transactions whose records
    /// changed last, at most [`RECENT`], each as in `txns` (every handler
    /// that changes a record's phase or vote updates it here), so the
    /// per-step checks mostly find a stance without a look-up in `txns`
    /// ([`crate::protocols::two_pc::TwoPcLabNode::stance`]). Not in
    /// `Debug` (it follows from `txns`).
    recent: [Option<(TxId, Phase, bool)>; RECENT],
    /// Where the next transaction not in `recent` goes (round robin).
    recent_next: usize,
}

/// How many stances a participant keeps at hand ([`Participant::stance`]).
const RECENT: usize = 4;

/// The derived `Debug` of the fields before `last` (the explorer's
/// fingerprint of a node is its `Debug` text).
impl std::fmt::Debug for Participant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Participant")
            .field("accounts", &self.accounts)
            .field("txns", &self.txns)
            .field("locks", &self.locks)
            .field("last_outcome", &self.last_outcome)
            .field("locks_peak", &self.locks_peak)
            .finish()
    }
}

fn txn_key(tx: TxId) -> KeyBuf {
    tx.key_buf("txn/")
}

/// `account/<name>`, without `format!` (a key is made at every commit).
fn account_key(account: &str) -> KeyBuf {
    let mut key = KeyBuf::default();
    key.push_str("account/");
    key.push_str(account);
    key
}

impl Participant {
    /// A participant with its share of the accounts, all at their opening balance.
    pub fn new(params: &Params, id: NodeId, nodes: u32) -> Self {
        let accounts = accounts_of(id, params.accounts, nodes)
            .into_iter()
            .map(|a| (a, Vec::new()))
            .collect();
        Participant {
            accounts,
            txns: BTreeMap::new(),
            locks: BTreeMap::new(),
            last_outcome: None,
            locks_peak: 0,
            last: None,
            recent: [None; RECENT],
            recent_next: 0,
        }
    }

    /// `tx`'s stance here, its record's phase and whether it voted yes (as
    /// `txns` says: from the stances kept at hand, else looked up).
    pub fn stance(&self, tx: TxId) -> Option<(Phase, bool)> {
        for (t, phase, yes) in self.recent.iter().flatten() {
            if *t == tx {
                return Some((*phase, *yes));
            }
        }
        self.txns.get(&tx).map(|r| (r.phase, r.voted_yes))
    }

    /// Keep `tx`'s stance at hand: its record in `txns` now has `phase`
    /// and `voted_yes` (called by every change of a record's stance).
    fn remember(&mut self, tx: TxId, phase: Phase, voted_yes: bool) {
        let at = match self
            .recent
            .iter()
            .position(|r| r.is_some_and(|r| r.0 == tx))
        {
            Some(at) => at,
            None => {
                let at = self.recent_next;
                self.recent_next = (at + 1) % RECENT;
                at
            }
        };
        self.recent[at] = Some((tx, phase, voted_yes));
    }

    /// Locks held now.
    pub fn locks_held(&self) -> usize {
        self.locks
            .values()
            .map(|l| match l {
                Lock::Shared(s) => s.len(),
                Lock::Exclusive(_) => 1,
            })
            .sum()
    }

    /// The lock table, for the inspector: each locked account with
    /// `exclusive t0.6` or `shared t0.5 t1.2`.
    pub fn lock_table(&self) -> Vec<(String, String)> {
        self.locks
            .iter()
            .map(|(account, lock)| {
                let held = match lock {
                    Lock::Exclusive(tx) => format!("exclusive {tx}"),
                    Lock::Shared(readers) => {
                        let txs: Vec<String> = readers.iter().map(|t| t.to_string()).collect();
                        format!("shared {}", txs.join(" "))
                    }
                };
                (account.clone(), held)
            })
            .collect()
    }

    /// Transactions prepared and waiting for their decision.
    pub fn prepared(&self) -> impl Iterator<Item = &TxnRecord> {
        self.txns.values().filter(|r| r.phase == Phase::Prepared)
    }

    /// Boot or restart: reload accounts and transactions; prepared ones take
    /// their locks back and ask for their outcome soon.
    pub(super) fn start(&mut self, params: &Params, ctx: &mut Ctx<TwoPc>) {
        let names: Vec<String> = self.accounts.keys().cloned().collect();
        for name in names {
            if let Some(entries) = ctx.storage().get::<Vec<i64>>(account_key(&name).as_str()) {
                self.accounts.insert(name, entries);
            }
        }
        let keys: Vec<String> = ctx
            .storage()
            .keys()
            .into_iter()
            .filter(|k| k.starts_with("txn/"))
            .collect();
        let mut forgotten = 0;
        for key in keys {
            let Some(record) = ctx.storage().get::<TxnRecord>(&key) else {
                continue;
            };
            if record.phase == Phase::Prepared {
                if params.has(Bug::ForgetPrepared) {
                    ctx.storage().remove(&key);
                    forgotten += 1;
                    continue;
                }
                if !params.has(Bug::EarlyUnlock) {
                    self.lock(record.tx, &record.ops);
                }
                ctx.set_timer(params.retry, Timer::InDoubt(record.tx));
            }
            self.remember(record.tx, record.phase, record.voted_yes);
            self.txns.insert(record.tx, record);
        }
        if forgotten > 0 {
            ctx.storage().sync();
            ctx.log(format!("forgot {forgotten} prepared transactions (bug)"));
        }
        let prepared = self.prepared().count();
        if prepared > 0 {
            ctx.log(format!(
                "recovered {prepared} prepared transactions, in doubt"
            ));
        }
    }

    pub(super) fn on_message(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<TwoPc>,
        from: NodeId,
        msg: Msg,
    ) {
        self.forget_last();
        match msg {
            Msg::Prepare {
                tx,
                participants,
                ops,
            } => self.on_prepare(params, ctx, tx, participants, ops),
            Msg::Decision {
                tx,
                outcome,
                participants,
            } => self.on_decision(ctx, from, tx, outcome, participants),
            Msg::Query { tx, participants } => {
                if params.cooperative {
                    self.on_peer_query(ctx, from, tx, participants);
                }
            }
            Msg::Vote { .. } | Msg::Ack { .. } => {
                ctx.log(format!("participant ignores {msg:?} from {from}"));
            }
        }
    }

    /// The vote this participant already gave for `record`.
    fn recorded_vote(record: &TxnRecord) -> Vote {
        if record.voted_yes {
            Vote::Yes(record.reads.clone())
        } else {
            Vote::No("refused earlier".into())
        }
    }

    fn on_prepare(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<TwoPc>,
        tx: TxId,
        participants: Vec<NodeId>,
        ops: Arc<[AccountOp]>,
    ) {
        if let Some(record) = self.txns.get(&tx) {
            let vote = Self::recorded_vote(record);
            return ctx.send(COORDINATOR, Msg::Vote { tx, vote });
        }
        let mut record = TxnRecord {
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
        };
        let vote = match self.try_prepare(params, &record) {
            Err(why) => {
                ctx.storage()
                    .put_owned(txn_key(tx).as_str(), record.clone());
                Vote::No(why)
            }
            Ok(reads) => {
                record.locks = self.lock(tx, &record.ops) as u32;
                record.phase = Phase::Prepared;
                record.voted_yes = true;
                record.reads = reads.clone();
                record.prepared_at = Some(ctx.now());
                // Log the vote durably before sending it.
                ctx.storage()
                    .put_owned(txn_key(tx).as_str(), record.clone());
                ctx.storage().sync();
                ctx.set_timer(params.decision_timeout, Timer::InDoubt(tx));
                if params.has(Bug::EarlyUnlock) {
                    self.unlock(tx, &record.ops);
                }
                Vote::Yes(reads)
            }
        };
        self.remember(tx, record.phase, record.voted_yes);
        self.txns.insert(tx, record);
        ctx.send(COORDINATOR, Msg::Vote { tx, vote });
    }

    /// Check locks and balances; the reads if the transaction can prepare.
    /// (Three-phase commit's participants prepare with it too.)
    pub(crate) fn try_prepare(
        &self,
        params: &Params,
        record: &TxnRecord,
    ) -> Result<Vec<Vec<i64>>, String> {
        // Bug `always-yes`: no lock or funds check, every prepare is a yes.
        let always_yes = params.has(Bug::AlwaysYes);
        for op in record.ops.iter() {
            if !self.accounts.contains_key(&op.account) {
                return Err(format!("no account {} here", op.account));
            }
            if always_yes {
                continue;
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
        // Each account touched: its committed entries, its balance with the
        // entries this transaction appended so far, and those entries (not
        // a copy of the account's list per account, as before: a read copies
        // what it returns, and nothing else is copied).
        let mut staged: Vec<(&str, &[i64], i64, Vec<i64>)> = Vec::new();
        let mut reads = Vec::new();
        for op in record.ops.iter() {
            let at = match staged.iter().position(|s| s.0 == op.account) {
                Some(at) => at,
                None => {
                    let committed = &self.accounts[&op.account][..];
                    let held = balance(params.initial_balance, committed);
                    staged.push((op.account.as_str(), committed, held, Vec::new()));
                    staged.len() - 1
                }
            };
            let (_, committed, held, appended) = &mut staged[at];
            match op.op {
                MicroOp::Read => {
                    let mut read = Vec::with_capacity(committed.len() + appended.len());
                    read.extend_from_slice(committed);
                    read.extend_from_slice(appended);
                    reads.push(read);
                }
                MicroOp::Append(e) => {
                    if !always_yes && *held + entry_amount(e) < 0 {
                        return Err(format!("insufficient funds in {}", op.account));
                    }
                    *held += entry_amount(e);
                    appended.push(e);
                }
            }
        }
        Ok(reads)
    }

    /// Take `tx`'s locks (the caller checked there is no conflict); the count.
    pub(crate) fn lock(&mut self, tx: TxId, ops: &[AccountOp]) -> usize {
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
        self.locks_peak = self.locks_peak.max(self.locks_held());
        wanted.len()
    }

    /// Release `tx`'s locks.
    pub(crate) fn unlock(&mut self, tx: TxId, ops: &[AccountOp]) {
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

    fn on_decision(
        &mut self,
        ctx: &mut Ctx<TwoPc>,
        from: NodeId,
        tx: TxId,
        outcome: Outcome,
        participants: Vec<NodeId>,
    ) {
        match self.txns.get(&tx).map(|r| r.phase) {
            Some(Phase::Prepared) => {
                self.apply(ctx, tx, outcome);
                if from != COORDINATOR {
                    ctx.log(format!("{tx}: learned {outcome:?} from {from}"));
                }
            }
            Some(phase) if phase.outcome() == Some(outcome) => {}
            Some(phase) => {
                ctx.log(format!(
                    "{tx}: told {outcome:?} by {from} but already {phase:?}"
                ));
            }
            None => {
                if outcome == Outcome::Commit {
                    ctx.log(format!(
                        "{tx}: told to commit a transaction never prepared here"
                    ));
                }
                let record = TxnRecord {
                    tx,
                    participants,
                    ops: Arc::from([]),
                    phase: if outcome == Outcome::Commit {
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
                ctx.storage()
                    .put_owned(txn_key(tx).as_str(), record.clone());
                self.decided(record);
            }
        }
        ctx.send(COORDINATOR, Msg::Ack { tx });
    }

    /// Apply the outcome of a prepared transaction, log it, release its locks.
    fn apply(&mut self, ctx: &mut Ctx<TwoPc>, tx: TxId, outcome: Outcome) {
        // Decided where it lies in `txns` (not taken out and put back).
        let Some(record) = self.txns.get_mut(&tx) else {
            return;
        };
        let ops = Arc::clone(&record.ops);
        record.phase = match outcome {
            Outcome::Commit => Phase::Committed,
            Outcome::Abort => Phase::Aborted,
        };
        record.decided_at = Some(ctx.now());
        record.reads = Vec::new(); // only a re-sent yes vote needs them
        let stored = record.clone();
        let (phase, voted_yes) = (record.phase, record.voted_yes);
        self.last = Some((tx, outcome, record.participants.clone()));
        self.last_outcome = Some(tx);
        self.remember(tx, phase, voted_yes);
        if outcome == Outcome::Commit {
            for op in ops.iter() {
                if let MicroOp::Append(e) = op.op {
                    let entries = match self.accounts.get_mut(&op.account) {
                        Some(entries) => {
                            entries.push(e);
                            entries.clone()
                        }
                        None => {
                            self.accounts.insert(op.account.clone(), vec![e]);
                            vec![e]
                        }
                    };
                    ctx.storage()
                        .put_owned(account_key(&op.account).as_str(), entries);
                }
            }
        }
        ctx.storage().put_owned(txn_key(tx).as_str(), stored);
        ctx.storage().sync();
        self.unlock(tx, &ops);
    }

    /// Keep `record`, just decided, as this handler's outcome.
    fn decided(&mut self, record: TxnRecord) {
        let tx = record.tx;
        self.last = record
            .phase
            .outcome()
            .map(|outcome| (tx, outcome, record.participants.clone()));
        self.remember(tx, record.phase, record.voted_yes);
        self.txns.insert(tx, record);
        self.last_outcome = Some(tx);
    }

    /// No outcome recorded by this handler (yet).
    fn forget_last(&mut self) {
        self.last_outcome = None;
        self.last = None;
    }

    /// Cooperative termination: a peer in doubt asks what we know.
    fn on_peer_query(
        &mut self,
        ctx: &mut Ctx<TwoPc>,
        from: NodeId,
        tx: TxId,
        participants: Vec<NodeId>,
    ) {
        let outcome = match self.txns.get(&tx) {
            Some(record) => match record.phase.outcome() {
                Some(outcome) => outcome,
                None => return, // in doubt too
            },
            None => {
                // Never voted: refuse for good, so the coordinator can never commit.
                let record = TxnRecord {
                    tx,
                    participants: participants.clone(),
                    ops: Arc::from([]),
                    phase: Phase::Aborted,
                    voted_yes: false,
                    reads: Vec::new(),
                    prepared_at: None,
                    decided_at: Some(ctx.now()),
                    queries: 0,
                    locks: 0,
                };
                ctx.storage()
                    .put_owned(txn_key(tx).as_str(), record.clone());
                ctx.storage().sync();
                self.decided(record);
                ctx.log(format!("{tx}: never prepared, refuse it for {from}"));
                Outcome::Abort
            }
        };
        let msg = Msg::Decision {
            tx,
            outcome,
            participants,
        };
        ctx.send(from, msg);
    }

    pub(super) fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<TwoPc>, timer: Timer) {
        self.forget_last();
        let Timer::InDoubt(tx) = timer else {
            return;
        };
        let Some(record) = self
            .txns
            .get_mut(&tx)
            .filter(|r| r.phase == Phase::Prepared)
        else {
            return;
        };
        if params.has(Bug::UnilateralAbort) {
            ctx.log(format!("{tx}: no decision in time, abort alone (bug)"));
            return self.apply(ctx, tx, Outcome::Abort);
        }
        record.queries += 1;
        let participants = record.participants.clone();
        if record.queries == 1 {
            ctx.log(format!("{tx}: in doubt, asking for the outcome"));
        }
        ctx.send(
            COORDINATOR,
            Msg::Query {
                tx,
                participants: participants.clone(),
            },
        );
        if params.cooperative {
            let me = ctx.id();
            for &peer in participants.iter().filter(|&&p| p != me) {
                let msg = Msg::Query {
                    tx,
                    participants: participants.clone(),
                };
                ctx.send(peer, msg);
            }
        }
        ctx.set_timer(params.retry, Timer::InDoubt(tx));
    }

    /// One line for the cluster view.
    pub(super) fn summary(&self, params: &Params) -> String {
        let prepared = self.prepared().count();
        let in_doubt = self.prepared().filter(|r| r.queries > 0).count();
        let money: i64 = self
            .accounts
            .values()
            .map(|e| balance(params.initial_balance, e))
            .sum();
        format!(
            "{prepared} prepared ({in_doubt} in doubt), {} locks held, money {money}",
            self.locks_held()
        )
    }
}
