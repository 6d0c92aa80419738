//! Atomic commitment's checks and metrics over the sharded bank, generic
//! over [`CommitNode`] so the same checks judge two-phase commit's
//! reference, a student's implementation (lab 03, through the lab trait
//! [`TwoPcLabNode`]) and three-phase commit (`protocols::three_pc`).
//!
//! The per-step checks look only at the decision the last handler took
//! ([`CommitNode::last_decided`]), so they stay cheap however long the run;
//! a conflict is caught at the step that creates it. A crashed node's records
//! are read from its storage, in the disk layout every implementation shares
//! (`txn/<tx>`: [`TxnRecord`], `decision/<tx>`: [`DecisionRecord`],
//! `account/<name>`: its entries).

use super::bank::{accounts_of, balance};
use super::lab::{Decided, TwoPcLabNode};
use super::{DecisionRecord, Outcome, Params, Phase, TwoPc, TxId, TxnRecord, COORDINATOR};
use crate::check::serializability::{self, Consistency};
use crate::check::CheckKind;
use crate::check::{Outcome as CheckOutcome, Status};
use crate::sim::Invariant;
use crate::sim::{Node, NodeId, Sim, SimBuilder, SimTime};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What an atomic-commit node over the sharded bank shows the checks: node
/// 0 coordinates, nodes `1..n` hold the accounts. Two-phase commit's lab
/// trait [`TwoPcLabNode`] has these accessors (every implementation of it
/// is a `CommitNode`), and three-phase commit implements it too, so both
/// protocols answer to one set of checks.
///
/// A crashed node is read from its storage, in the layout every
/// implementation shares: `decision/<tx>` ([`DecisionRecord`]) on node 0,
/// `txn/<tx>` ([`TxnRecord`]) and `account/<name>` (`Vec<i64>`) on a
/// participant. A participant that has not decided a transaction records it
/// as [`Phase::Prepared`] (three-phase commit's uncertain and pre-committed
/// states both are).
pub trait CommitNode: Node {
    /// Node 0's decisions by transaction, as in its log; `None` elsewhere.
    fn decision_log(&self) -> Option<&BTreeMap<TxId, DecisionRecord>>;
    /// Transactions node 0 is still deciding (0 elsewhere).
    fn collecting_votes(&self) -> usize;
    /// A participant's record of every transaction it has seen; `None` on
    /// node 0.
    fn txn_records(&self) -> Option<&BTreeMap<TxId, TxnRecord>>;
    /// A participant's committed entries of each account it holds; `None`
    /// on node 0.
    fn accounts(&self) -> Option<&BTreeMap<String, Vec<i64>>>;
    /// The transaction whose outcome this node recorded in its last handler.
    fn last_decided(&self) -> Option<TxId>;
    /// The decision [`last_decided`](Self::last_decided) names, as recorded
    /// (see [`TwoPcLabNode::last_decision`]); by default looked up in
    /// [`decision_log`](Self::decision_log) or
    /// [`txn_records`](Self::txn_records).
    fn last_decision(&self) -> Option<Decided<'_>> {
        Decided::look_up(self.last_decided(), self.decision_log(), self.txn_records())
    }
    /// A participant's stance on `tx` (its record's phase and whether it
    /// voted yes; `None` without a record, and on node 0), see
    /// [`TwoPcLabNode::stance`]; by default looked up in
    /// [`txn_records`](Self::txn_records).
    fn stance(&self, tx: TxId) -> Option<(Phase, bool)> {
        self.txn_records()?.get(&tx).map(|r| (r.phase, r.voted_yes))
    }
    /// Most locks this participant held at once (for a metric).
    fn locks_peak(&self) -> usize;
}

impl<N: TwoPcLabNode> CommitNode for N {
    fn decision_log(&self) -> Option<&BTreeMap<TxId, DecisionRecord>> {
        TwoPcLabNode::decision_log(self)
    }
    fn collecting_votes(&self) -> usize {
        TwoPcLabNode::collecting_votes(self)
    }
    fn txn_records(&self) -> Option<&BTreeMap<TxId, TxnRecord>> {
        TwoPcLabNode::txn_records(self)
    }
    fn accounts(&self) -> Option<&BTreeMap<String, Vec<i64>>> {
        TwoPcLabNode::accounts(self)
    }
    fn last_decided(&self) -> Option<TxId> {
        TwoPcLabNode::last_decided(self)
    }
    fn last_decision(&self) -> Option<Decided<'_>> {
        TwoPcLabNode::last_decision(self)
    }
    fn stance(&self, tx: TxId) -> Option<(Phase, bool)> {
        TwoPcLabNode::stance(self, tx)
    }
    fn locks_peak(&self) -> usize {
        TwoPcLabNode::locks_peak(self)
    }
}

/// The bank's shape, all the checks need to know of a protocol's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BankShape {
    /// Number of accounts (`accounts`).
    pub accounts: u32,
    /// Every account's opening balance (`initial_balance`).
    pub initial_balance: i64,
}

impl From<&Params> for BankShape {
    fn from(params: &Params) -> Self {
        BankShape {
            accounts: params.accounts,
            initial_balance: params.initial_balance,
        }
    }
}

/// A participant's phase for `tx` and whether it voted yes: from memory if
/// up, from storage if down.
fn stance_at<N: CommitNode>(sim: &Sim<N>, node: NodeId, tx: TxId) -> Option<(Phase, bool)> {
    match sim.node(node) {
        Some(n) => n.stance(tx),
        None => sim
            .slots()
            .get(node.index())?
            .storage
            .get::<TxnRecord>(tx.key_buf("txn/").as_str())
            .map(|r| (r.phase, r.voted_yes)),
    }
}

/// Every transaction record of a participant, up or down (borrowed from
/// a live node: the eventual checks read them at every step of the settle
/// phase).
fn records_of<N: CommitNode>(sim: &Sim<N>, node: NodeId) -> Vec<Cow<'_, TxnRecord>> {
    if let Some(n) = sim.node(node) {
        return n
            .txn_records()
            .map(|txns| txns.values().map(Cow::Borrowed).collect())
            .unwrap_or_default();
    }
    let storage = &sim.slots()[node.index()].storage;
    storage
        .keys()
        .iter()
        .filter(|k| k.starts_with("txn/"))
        .filter_map(|k| storage.get::<TxnRecord>(k))
        .map(Cow::Owned)
        .collect()
}

/// The coordinator's decision log, up or down.
fn decision_log<N: CommitNode>(sim: &Sim<N>) -> Vec<DecisionRecord> {
    if let Some(log) = sim.node(COORDINATOR).and_then(N::decision_log) {
        return log.values().cloned().collect();
    }
    let storage = &sim.slots()[0].storage;
    storage
        .keys()
        .iter()
        .filter(|k| k.starts_with("decision/"))
        .filter_map(|k| storage.get::<DecisionRecord>(k))
        .collect()
}

/// Judge, with `judge`, each decision some handler just took that this
/// step may have changed the verdict on, each once, in node order; the
/// first `Err` stops and is the answer. The decisions are borrowed (the
/// per-step checks run after every event, so they allocate nothing, copy
/// nothing and format nothing unless a check fails), and walked in a plain
/// loop: as an iterator chain (a filter holding the repeats seen, moved
/// with it) the walk cost more than the judging.
///
/// Each live node's decision comes from [`CommitNode::last_decision`]: the
/// reference keeps a copy of it, any other node (a student's, always,
/// through the lab's `DynTwoPc`) looks it up in its records.
///
/// Only decisions this step may have changed the verdict on are judged:
/// the decision of a node whose handler ran in the step
/// ([`Sim::handled_nodes`]), and a decision one of whose participants ran a
/// handler in the step or is down (a crash moves a participant's stance from
/// its memory to its storage, and this does not know when it crashed). The
/// checks run after every step and a failure stops the run, so every other
/// decision was judged, on exactly the stances it has now, at the step
/// before, and passed: the first failing decision, and so the verdict and
/// its message, are the same as judging them all, at the same step. A
/// node's state changes only in its own handlers, which the engine runs
/// only inside a step (the start and a restart too), and a crash is a step.
/// A step that ran no handler while every node is up judges nothing.
///
/// Repeats are skipped: a node that last decided the same transaction, the
/// same way, with the same participants as a node before it (nodes mostly
/// share their last decisions, and each one judged costs a look-up per
/// participant). Both checks' verdicts depend only on those three, so the
/// first failing decision, and the node a failure names, are the same as
/// without skipping. Remembers up to eight (no allocation); past that,
/// repeats are judged again.
fn judge_fresh_decisions<'s, N: CommitNode>(
    sim: &'s Sim<N>,
    mut judge: impl FnMut(NodeId, TxId, Outcome, &'s [NodeId]) -> Result<(), String>,
) -> Result<(), String> {
    let handled = sim.handled_nodes();
    let slots = sim.slots();
    let all_up = slots.iter().all(|slot| slot.state.is_some());
    if handled.is_empty() && all_up {
        return Ok(());
    }
    // A participant is touched if it ran a handler in the step or is down
    // (an id past the last node too, which `sim.node` answers `None` for).
    let touched = |p: NodeId| {
        handled.contains(&p) || slots.get(p.index()).is_none_or(|slot| slot.state.is_none())
    };
    let none: &'s [NodeId] = &[];
    let mut seen = [(TxId::default(), Outcome::Abort, none); 8];
    let mut count = 0;
    for (index, slot) in slots.iter().enumerate() {
        let Some(node) = slot.state.as_deref() else {
            continue;
        };
        let Some(decided) = node.last_decision() else {
            continue;
        };
        let by = NodeId(index as u32);
        let Decided {
            tx,
            outcome,
            participants,
        } = decided;
        if !handled.contains(&by) && !participants.iter().any(|&p| touched(p)) {
            continue;
        }
        if seen[..count]
            .iter()
            .any(|&(t, o, ps)| t == tx && o == outcome && ps == participants)
        {
            continue;
        }
        if count < seen.len() {
            seen[count] = (tx, outcome, participants);
            count += 1;
        }
        judge(by, tx, outcome, participants)?;
    }
    Ok(())
}

fn atomicity<N: CommitNode>(sim: &Sim<N>) -> Result<(), String> {
    judge_fresh_decisions(sim, |_, tx, _, participants| {
        // One participant (or one named twice) has one stance: it cannot
        // be both committed and aborted.
        if participants.iter().all(|&p| p == participants[0]) {
            return Ok(());
        }
        let phase = |p: NodeId| stance_at(sim, p, tx).map(|(phase, _)| phase);
        let (mut committed, mut aborted) = (false, false);
        for &p in participants {
            match phase(p) {
                Some(Phase::Committed) => committed = true,
                Some(Phase::Aborted) => aborted = true,
                _ => {}
            }
        }
        if committed && aborted {
            let at = |want: Phase| {
                participants
                    .iter()
                    .filter(|&&p| phase(p) == Some(want))
                    .map(NodeId::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(format!(
                "{tx} is committed at {} and aborted at {}",
                at(Phase::Committed),
                at(Phase::Aborted)
            ));
        }
        Ok(())
    })
}

fn commit_needs_every_yes_vote<N: CommitNode>(sim: &Sim<N>) -> Result<(), String> {
    judge_fresh_decisions(sim, |by, tx, outcome, participants| {
        if outcome != Outcome::Commit {
            return Ok(());
        }
        for &p in participants {
            if !stance_at(sim, p, tx).is_some_and(|(_, yes)| yes) {
                return Err(format!(
                    "{tx} is committed (at {by}) but {p} has no record of voting yes"
                ));
            }
        }
        Ok(())
    })
}

fn every_transaction_decided<N: CommitNode>(sim: &Sim<N>) -> Result<(), String> {
    let mut stuck = Vec::new();
    for p in 1..sim.node_count() {
        for r in records_of(sim, NodeId(p)) {
            if r.phase == Phase::Prepared {
                stuck.push(format!("{} at n{p}", r.tx));
            }
        }
    }
    if let Some(c) = sim.node(COORDINATOR) {
        if c.collecting_votes() > 0 {
            stuck.push(format!("{} still collecting votes", c.collecting_votes()));
        }
    }
    if stuck.is_empty() {
        return Ok(());
    }
    let more = stuck.len().saturating_sub(6);
    stuck.truncate(6);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Err(format!(
        "undecided after the settle phase: {}{more}",
        stuck.join("; ")
    ))
}

/// Every account's entries, wherever it lives.
fn all_accounts<N: CommitNode>(sim: &Sim<N>, params: &BankShape) -> Vec<(String, Vec<i64>)> {
    let mut out = Vec::new();
    for p in 1..sim.node_count() {
        let node = NodeId(p);
        match sim.node(node).and_then(N::accounts) {
            Some(accounts) => out.extend(accounts.iter().map(|(a, e)| (a.clone(), e.clone()))),
            None => {
                let storage = &sim.slots()[node.index()].storage;
                for a in accounts_of(node, params.accounts, sim.node_count()) {
                    let entries = storage.get(&format!("account/{a}")).unwrap_or_default();
                    out.push((a, entries));
                }
            }
        }
    }
    out
}

fn money_conserved<N: CommitNode>(sim: &Sim<N>, params: &BankShape) -> CheckOutcome {
    let accounts = all_accounts(sim, params);
    for (name, entries) in &accounts {
        let b = balance(params.initial_balance, entries);
        if b < 0 {
            return CheckOutcome::Fail(format!("account {name} is overdrawn: {b}"));
        }
    }
    if every_transaction_decided(sim).is_err() {
        return CheckOutcome::Unknown("not quiescent: some transactions are undecided".into());
    }
    let total: i64 = accounts
        .iter()
        .map(|(_, e)| balance(params.initial_balance, e))
        .sum();
    let expected = params.initial_balance * accounts.len() as i64;
    if total == expected {
        CheckOutcome::Pass
    } else {
        CheckOutcome::Fail(format!(
            "the accounts hold {total} in all, but {expected} was deposited"
        ))
    }
}

fn serializable<N: CommitNode>(sim: &Sim<N>) -> CheckOutcome {
    match serializability::check(sim.history(), Consistency::Serializable) {
        Ok(report) => match report.status {
            Status::Valid => CheckOutcome::Pass,
            Status::Invalid => CheckOutcome::Fail(report.explanation),
            Status::Unknown => CheckOutcome::Unknown(report.explanation),
        },
        Err(e) => CheckOutcome::Fail(format!("the transaction history is malformed: {e}")),
    }
}

/// `commits-applied` (eventually): every transaction acknowledged to a
/// client as committed has each of its appends in the account at the
/// participant that holds it (in memory, or on disk if down). A coordinator
/// that answers "committed" without the participants doing the work fails
/// here, however consistent its answers look.
fn commits_applied<N: CommitNode>(sim: &Sim<N>, params: &BankShape) -> CheckOutcome {
    use crate::check::history::EventType;
    let accounts: std::collections::BTreeMap<String, Vec<i64>> =
        all_accounts(sim, params).into_iter().collect();
    let mut missing = Vec::new();
    for e in sim
        .history()
        .events
        .iter()
        .filter(|e| e.kind == EventType::Ok)
    {
        let Ok(ops) = super::bank::parse_txn(&e.value) else {
            continue;
        };
        for op in ops {
            let super::bank::MicroOp::Append(entry) = op.op else {
                continue;
            };
            let held = accounts
                .get(&op.account)
                .is_some_and(|a| a.contains(&entry));
            if !held {
                missing.push(format!("{entry} in {}", op.account));
            }
        }
    }
    match missing.first() {
        None => CheckOutcome::Pass,
        Some(first) => CheckOutcome::Fail(format!(
            "{} appends of acknowledged commits are missing at their participants, first {first}",
            missing.len()
        )),
    }
}

/// `messages-flow` (eventually): a transaction across participants needs
/// messages, so every acknowledged transaction costs at least one. A node
/// that answers from memory shared with other nodes (a process global)
/// instead of asking the participants fails here.
fn messages_flow<N: CommitNode>(sim: &Sim<N>) -> CheckOutcome {
    let (sent, ok) = (sim.counters().sent, sim.counters().ops_ok);
    if sent >= ok {
        CheckOutcome::Pass
    } else {
        CheckOutcome::Fail(format!(
            "{ok} transactions were acknowledged with only {sent} messages sent: the coordinator must ask the participants"
        ))
    }
}

fn time(ns: u64) -> String {
    SimTime(ns).to_string()
}

/// The commit metrics: `txns-committed`, `txns-aborted`, `presumed-aborts`
/// (from node 0's log), `prepared-time-p50/max`, `blocked-txns`,
/// `blocked-time-total/max`, `blocked-lock-time` (a participant that had to
/// ask for the outcome is blocked) and `locks-held-peak`.
pub fn metrics<N: CommitNode>(sim: &Sim<N>) -> Vec<(String, String)> {
    let log = decision_log(sim);
    let committed = log.iter().filter(|r| r.outcome == Outcome::Commit).count();
    let presumed = log.iter().filter(|r| r.presumed).count();
    let mut out = vec![
        ("txns-committed".to_string(), committed.to_string()),
        (
            "txns-aborted".to_string(),
            (log.len() - committed).to_string(),
        ),
        ("presumed-aborts".to_string(), presumed.to_string()),
    ];
    let mut prepared = Vec::new();
    let (mut blocked, mut blocked_total, mut blocked_max, mut lock_ns) = (0u64, 0u64, 0u64, 0u64);
    for p in 1..sim.node_count() {
        for r in records_of(sim, NodeId(p)) {
            let (Some(start), Some(end)) = (r.prepared_at, r.decided_at) else {
                continue;
            };
            let held = (end.saturating_sub(start)).as_nanos();
            prepared.push(held);
            if r.queries > 0 {
                blocked += 1;
                blocked_total += held;
                blocked_max = blocked_max.max(held);
                lock_ns += held * u64::from(r.locks);
            }
        }
    }
    prepared.sort_unstable();
    if let (Some(&max), false) = (prepared.last(), prepared.is_empty()) {
        let p50 = prepared[(prepared.len() - 1) / 2];
        out.push(("prepared-time-p50".into(), time(p50)));
        out.push(("prepared-time-max".into(), time(max)));
    }
    out.push(("blocked-txns".into(), blocked.to_string()));
    out.push(("blocked-time-total".into(), time(blocked_total)));
    out.push(("blocked-time-max".into(), time(blocked_max)));
    out.push(("blocked-lock-time".into(), time(lock_ns)));
    let peak = sim
        .live_nodes()
        .map(|(_, n)| n.locks_peak())
        .max()
        .unwrap_or(0);
    out.push(("locks-held-peak".into(), peak.to_string()));
    out
}

/// A simulation builder with two-phase-commit nodes, their checks and metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<TwoPc> {
    let params = Arc::new(params);
    let factory = Arc::clone(&params);
    let b = SimBuilder::new(nodes, seed, move |id, n| {
        TwoPc::new(Arc::clone(&factory), id, n)
    });
    attach_checks(b, params)
}

/// Attach two-phase commit's checks and metrics to a builder of any
/// implementation of the lab trait: `atomicity` and
/// `commit-needs-every-yes-vote` (every step), `money-conserved` and
/// `serializable` (at the end), `every-transaction-decided`,
/// `commits-applied` and `messages-flow` (eventually),
/// `a-transaction-commits` (sometimes).
pub fn attach_checks<N: CommitNode>(b: SimBuilder<N>, params: Arc<Params>) -> SimBuilder<N> {
    attach_bank_checks(b, BankShape::from(&*params))
}

/// Attach the atomic-commit checks and [`metrics`] to a builder of any
/// [`CommitNode`] over a bank of this shape (the checks of
/// [`attach_checks`]; three-phase commit uses them as they are).
pub fn attach_bank_checks<N: CommitNode>(b: SimBuilder<N>, bank: BankShape) -> SimBuilder<N> {
    let (money, applied) = (bank, bank);
    b.invariant(Invariant::always("atomicity", atomicity::<N>))
        .invariant(Invariant::always(
            "commit-needs-every-yes-vote",
            commit_needs_every_yes_vote::<N>,
        ))
        .invariant(Invariant::new(
            "money-conserved",
            CheckKind::AtEnd,
            move |sim| money_conserved(sim, &money),
        ))
        .invariant(Invariant::new(
            "serializable",
            CheckKind::AtEnd,
            serializable::<N>,
        ))
        .invariant(Invariant::new(
            "commits-applied",
            CheckKind::Eventually,
            move |sim| commits_applied(sim, &applied),
        ))
        .invariant(Invariant::new(
            "messages-flow",
            CheckKind::Eventually,
            messages_flow::<N>,
        ))
        .invariant(Invariant::eventually(
            "every-transaction-decided",
            every_transaction_decided::<N>,
        ))
        .invariant(Invariant::sometimes("a-transaction-commits", |sim| {
            sim.node(COORDINATOR)
                .and_then(|c: &N| {
                    c.decision_log()?;
                    c.last_decision().map(|d| d.outcome)
                })
                .is_some_and(|outcome| outcome == Outcome::Commit)
        }))
        .metrics(metrics::<N>)
}

/// The lab's extra check, `outcomes-agree` (at the end): every transaction
/// any node has a record of ended the same way everywhere (the coordinator's
/// log and every participant, up or down), and a commit has a yes vote on
/// record at each of its participants. The per-step checks catch the same
/// faults earlier but trust [`TwoPcLabNode::last_decided`]; this one reads
/// every record, once.
pub fn outcomes_agree<N: CommitNode>(sim: &Sim<N>) -> CheckOutcome {
    use std::collections::BTreeMap;
    let mut outcomes: BTreeMap<TxId, Vec<(NodeId, Outcome)>> = BTreeMap::new();
    let mut participants: BTreeMap<TxId, Vec<NodeId>> = BTreeMap::new();
    for r in decision_log(sim) {
        outcomes
            .entry(r.tx)
            .or_default()
            .push((COORDINATOR, r.outcome));
        participants.insert(r.tx, r.participants.clone());
    }
    let mut stances: BTreeMap<(TxId, NodeId), bool> = BTreeMap::new();
    for p in 1..sim.node_count() {
        for r in records_of(sim, NodeId(p)) {
            stances.insert((r.tx, NodeId(p)), r.voted_yes);
            if let Some(outcome) = r.phase.outcome() {
                outcomes.entry(r.tx).or_default().push((NodeId(p), outcome));
            }
        }
    }
    for (tx, seen) in &outcomes {
        let commits: Vec<String> = seen
            .iter()
            .filter(|(_, o)| *o == Outcome::Commit)
            .map(|(n, _)| n.to_string())
            .collect();
        let aborts: Vec<String> = seen
            .iter()
            .filter(|(_, o)| *o == Outcome::Abort)
            .map(|(n, _)| n.to_string())
            .collect();
        if !commits.is_empty() && !aborts.is_empty() {
            return CheckOutcome::Fail(format!(
                "{tx} ended committed at {} and aborted at {}",
                commits.join(", "),
                aborts.join(", ")
            ));
        }
        if commits.is_empty() {
            continue;
        }
        for &p in participants.get(tx).into_iter().flatten() {
            if !stances.get(&(*tx, p)).copied().unwrap_or(false) {
                return CheckOutcome::Fail(format!(
                    "{tx} is committed but {p} has no record of voting yes"
                ));
            }
        }
    }
    CheckOutcome::Pass
}
