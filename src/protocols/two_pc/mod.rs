//! Two-phase commit over a sharded bank.
//!
//! Node 0 is the **coordinator**; nodes `1..n` are **participants**, each
//! holding some of the bank's accounts (dealt round-robin, see [`bank`]).
//! Clients send transfer and audit transactions to the coordinator
//! (participants redirect them there). For each transaction:
//!
//! 1. **Prepare.** The coordinator sends each involved participant its
//!    micro-operations. A participant takes the accounts' locks without waiting
//!    (a conflict is a *no* vote, so there are no deadlocks), checks that no
//!    debit overdraws, reads the accounts, **logs its vote durably** (synced)
//!    and votes *yes* with its reads; otherwise it votes *no*.
//! 2. **Decide.** With every vote *yes* the coordinator commits; with a *no*,
//!    or a vote missing after `vote_timeout`, it aborts. It **logs the
//!    decision durably before sending it**, then answers the client (`ok` with
//!    the reads, or `fail`).
//! 3. **Acknowledge.** A participant applies the decision (a commit appends
//!    the entries), logs it, releases its locks and acknowledges. The
//!    coordinator resends the decision every `retry` until every participant
//!    acknowledged, also after its own restart (it reloads its log).
//!
//! **In doubt.** A participant that voted yes cannot decide alone: it keeps
//! its locks. After `decision_timeout` without a decision it asks the
//! coordinator (and keeps asking every `retry`). The coordinator answers from
//! its log; a transaction it has no record of was never decided, so it
//! *presumes abort* (and logs that). With `cooperative = true` the participant
//! also asks the other participants: one that knows the outcome tells it, and
//! one that never voted refuses durably and answers *abort* (the coordinator
//! can then never collect its yes). When every participant voted yes and the
//! coordinator is down, nobody can decide: **the blocking problem**, reported
//! by the `blocked-*` metrics and the node summaries.
//!
//! Checks (`checks.rs`): atomicity, no commit without every yes vote, money
//! conserved at quiescence, every transaction eventually decided, and the
//! client history serializable (Elle-style list-append checker).
//!
//! Bug switches (`[protocol] bugs = [...]`): `send-before-log`,
//! `forget-prepared`, `unilateral-abort`, `presume-commit`, `early-unlock`
//! and `always-yes` (see [`Bug`]). Parameters and their defaults:
//! [`scenario::PARAMS`].

pub mod bank;
mod checks;
pub mod lab;
pub use lab::{Decided, TwoPcLabNode};
mod coordinator;
pub(crate) mod inspect;
mod participant;
pub mod scenario;

pub use bank::BankWorkload;
pub use checks::{
    attach_bank_checks, attach_checks, builder, metrics, outcomes_agree, BankShape, CommitNode,
};
pub use coordinator::{Coordinator, DecisionRecord};
pub use participant::{Participant, Phase, TxnRecord};

use crate::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use bank::AccountOp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

/// The coordinator's node id.
pub const COORDINATOR: NodeId = NodeId(0);

crate::bug_switches! {
    /// A deliberate defect, to see the checks catch it.
    pub enum Bug {
        /// The coordinator sends its decision and answers the client before the
        /// decision record is synced (it is flushed on the next `retry` tick): a
        /// coordinator crash in between forgets a commit some participants applied.
        SendBeforeLog = "send-before-log",
        /// A restarted participant drops its prepared transactions (and their
        /// locks) instead of reloading them.
        ForgetPrepared = "forget-prepared",
        /// A prepared participant that hears nothing for `decision_timeout` aborts
        /// on its own.
        UnilateralAbort = "unilateral-abort",
        /// When a vote is missing at `vote_timeout` and every vote received is
        /// yes, the coordinator commits.
        PresumeCommit = "presume-commit",
        /// A participant releases its locks as soon as it votes yes instead of
        /// at the decision: isolation is lost (the serializability and money
        /// checks show what the locks are for).
        EarlyUnlock = "early-unlock",
        /// A participant votes yes to every prepare: no lock conflict and no
        /// overdraft makes it refuse (a participant that never says no).
        AlwaysYes = "always-yes",
    }
}

/// Protocol parameters (the `[protocol]` keys, meanings and defaults:
/// [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Number of accounts (`accounts`).
    pub accounts: u32,
    /// Every account's opening balance (`initial_balance`).
    pub initial_balance: i64,
    /// The coordinator aborts a transaction missing a vote after this
    /// (`vote_timeout`).
    pub vote_timeout: SimTime,
    /// A prepared participant is in doubt after this without a decision
    /// (`decision_timeout`).
    pub decision_timeout: SimTime,
    /// Resend prepares, decisions and in-doubt queries this often (`retry`).
    pub retry: SimTime,
    /// In-doubt participants also ask each other (`cooperative`).
    pub cooperative: bool,
    /// Deliberate defects (`bugs`).
    pub bugs: BTreeSet<Bug>,
}

impl Params {
    /// Whether the bug switch `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

impl Default for Params {
    fn default() -> Self {
        use scenario::*;
        Params {
            accounts: ACCOUNTS.default_value(),
            initial_balance: INITIAL_BALANCE.default_value(),
            vote_timeout: VOTE_TIMEOUT.default_value(),
            decision_timeout: DECISION_TIMEOUT.default_value(),
            retry: RETRY.default_value(),
            cooperative: COOPERATIVE.default_value(),
            bugs: BTreeSet::new(),
        }
    }
}

/// A transaction's id: the client request that started it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct TxId {
    /// The client.
    pub client: u32,
    /// The client's request number.
    pub request: u64,
}

impl TxId {
    /// `prefix` followed by the id as it displays (`txn/t3.17`), built
    /// without `format!` (a storage key is made at every write).
    pub fn key(self, prefix: &str) -> String {
        use crate::base::digits::push_decimal;
        let mut key = String::with_capacity(prefix.len() + 24);
        key.push_str(prefix);
        key.push('t');
        push_decimal(&mut key, u64::from(self.client), 0);
        key.push('.');
        push_decimal(&mut key, self.request, 0);
        key
    }
}

impl TxId {
    /// [`TxId::key`] written on the stack: a key is made at every storage
    /// write, and storage copies it into its own shared string anyway.
    pub(crate) fn key_buf(self, prefix: &str) -> KeyBuf {
        let mut key = KeyBuf::default();
        key.push_str(prefix);
        key.push_str("t");
        key.push_u64(u64::from(self.client));
        key.push_str(".");
        key.push_u64(self.request);
        key
    }
}

/// A short storage key built on the stack (`txn/t3.17`,
/// `account/a7`), read with [`KeyBuf::as_str`]; text past its capacity
/// is not lost: the key then lives in a `String` instead.
pub(crate) struct KeyBuf {
    bytes: [u8; 48],
    len: usize,
    spilled: Option<String>,
}

impl Default for KeyBuf {
    fn default() -> Self {
        KeyBuf {
            bytes: [0; 48],
            len: 0,
            spilled: None,
        }
    }
}

impl KeyBuf {
    /// Append `text`.
    pub(crate) fn push_str(&mut self, text: &str) {
        let end = self.len + text.len();
        match &mut self.spilled {
            None if end <= self.bytes.len() => {
                self.bytes[self.len..end].copy_from_slice(text.as_bytes());
                self.len = end;
            }
            None => {
                let mut spilled = String::with_capacity(end);
                spilled.push_str(self.as_str());
                spilled.push_str(text);
                self.spilled = Some(spilled);
            }
            Some(spilled) => spilled.push_str(text),
        }
    }

    /// Append `n` in decimal.
    pub(crate) fn push_u64(&mut self, n: u64) {
        let mut digits = [b'0'; 20];
        let at = crate::base::digits::decimal_digits(n, &mut digits);
        let digits = &digits[at..];
        let end = self.len + digits.len();
        if self.spilled.is_none() && end <= self.bytes.len() {
            self.bytes[self.len..end].copy_from_slice(digits);
            self.len = end;
        } else {
            // ASCII digits.
            self.push_str(std::str::from_utf8(digits).unwrap_or_default());
        }
    }

    /// The key.
    pub(crate) fn as_str(&self) -> &str {
        match &self.spilled {
            Some(spilled) => spilled,
            // Only whole `&str`s and ASCII digits are copied in: UTF-8.
            None => std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default(),
        }
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}.{}", self.client, self.request)
    }
}

/// A transaction's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// Applied everywhere.
    Commit,
    /// Applied nowhere.
    Abort,
}

/// A participant's vote.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Vote {
    /// Prepared, with the reads (in micro-op order).
    Yes(Vec<Vec<i64>>),
    /// Refused, and why.
    No(String),
}

/// Messages between nodes.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Coordinator → participant: lock, check and vote on these operations.
    Prepare {
        /// Transaction.
        tx: TxId,
        /// Every participant of the transaction.
        participants: Vec<NodeId>,
        /// This participant's micro-operations (shared with the coordinator's
        /// copy and the participant's record; printed and hashed as a list).
        ops: Arc<[AccountOp]>,
    },
    /// Participant → coordinator.
    Vote {
        /// Transaction.
        tx: TxId,
        /// The vote.
        vote: Vote,
    },
    /// The outcome (from the coordinator, or a peer in cooperative mode).
    Decision {
        /// Transaction.
        tx: TxId,
        /// Commit or abort.
        outcome: Outcome,
        /// Every participant of the transaction.
        participants: Vec<NodeId>,
    },
    /// Participant → coordinator: the decision is applied.
    Ack {
        /// Transaction.
        tx: TxId,
    },
    /// An in-doubt participant asks for the outcome.
    Query {
        /// Transaction.
        tx: TxId,
        /// Every participant of the transaction.
        participants: Vec<NodeId>,
    },
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Coordinator: resend prepares and decisions (and flush the log under
    /// `send-before-log`).
    Retry,
    /// Coordinator: give up on missing votes.
    VoteTimeout(TxId),
    /// Participant: still prepared? Ask for the outcome.
    InDoubt(TxId),
}

/// A node's role and its state.
#[derive(Clone, Debug)]
pub enum Role {
    /// Node 0.
    Coordinator(Coordinator),
    /// Every other node.
    Participant(Participant),
}

/// One two-phase-commit node.
#[derive(Clone, Debug)]
pub struct TwoPc {
    params: Arc<Params>,
    /// The role and its state.
    pub role: Role,
}

impl TwoPc {
    /// A fresh node `id` of `nodes`.
    pub fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        let role = if id == COORDINATOR {
            Role::Coordinator(Coordinator::default())
        } else {
            Role::Participant(Participant::new(&params, id, nodes))
        };
        TwoPc { params, role }
    }

    /// The coordinator's state, if this is the coordinator.
    pub fn coordinator(&self) -> Option<&Coordinator> {
        match &self.role {
            Role::Coordinator(c) => Some(c),
            Role::Participant(_) => None,
        }
    }

    /// The participant's state, if this is a participant.
    pub fn participant(&self) -> Option<&Participant> {
        match &self.role {
            Role::Participant(p) => Some(p),
            Role::Coordinator(_) => None,
        }
    }
}

impl Node for TwoPc {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Coordinator(c) => c.start(&params, ctx),
            Role::Participant(p) => p.start(&params, ctx),
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Coordinator(c) => c.on_message(&params, ctx, from, msg),
            Role::Participant(p) => p.on_message(&params, ctx, from, msg),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Coordinator(c) => c.on_timer(&params, ctx, timer),
            Role::Participant(p) => p.on_timer(&params, ctx, timer),
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Coordinator(c) => c.on_request(&params, ctx, request),
            Role::Participant(_) => ctx.reply(&request, Reply::Redirect(Some(COORDINATOR))),
        }
    }

    fn role(&self) -> Option<&str> {
        Some(match self.role {
            Role::Coordinator(_) => "coordinator",
            Role::Participant(_) => "participant",
        })
    }

    /// The role's state in the protocol's words (votes per participant,
    /// the decision log; a participant's phases, locks and balances),
    /// parameters folded (`inspect.rs`).
    fn inspect(&self) -> crate::sim::View {
        let view = match &self.role {
            Role::Coordinator(c) => c.view(),
            Role::Participant(p) => p.view(&self.params),
        };
        view.params(&*self.params)
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        inspect::message_view(message)
    }

    fn message_summary(message: &Msg) -> String {
        inspect::message_summary(message)
    }

    fn summary(&self) -> String {
        match &self.role {
            Role::Coordinator(c) => c.summary(),
            Role::Participant(p) => p.summary(&self.params),
        }
    }
}

#[cfg(test)]
mod tests;
