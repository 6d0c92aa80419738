//! Three-phase commit over the sharded bank of [`two_pc`], judged by the
//! same checks.
//!
//! Node 0 is the **coordinator**; nodes `1..n` are **participants** holding
//! the accounts ([`two_pc::bank`]). Clients send transfers and audits to the
//! coordinator (participants redirect them). For each transaction:
//!
//! 1. **Can-commit.** The coordinator sends each participant its
//!    micro-operations. A participant locks, checks, reads, **logs its yes
//!    vote (synced)** and votes, exactly as in two-phase commit (it prepares
//!    with the same code). It is now *uncertain*.
//! 2. **Pre-commit.** With every vote yes the coordinator **logs that it
//!    pre-commits (synced)** and sends `PreCommit`; a participant **logs
//!    it (synced)**, is *pre-committed*, and acknowledges. A *no* or a
//!    missing vote (`vote_timeout`) aborts, as in 2PC.
//! 3. **Do-commit.** With every acknowledgement — or at `ack_timeout`,
//!    the silent participants presumed crashed — the coordinator logs
//!    *commit* and sends it; participants apply, release their locks and
//!    acknowledge. Decisions are resent until acknowledged.
//!
//! The pre-commit phase buys one fact: nobody commits while anybody is
//! still uncertain. So a participant that hears nothing may decide:
//! uncertain for `precommit_timeout`, or pre-committed for
//! `docommit_timeout`, it runs the **termination protocol**
//! (`participant.rs`): the transaction's participants take turns, lowest id
//! first, as the *recovery coordinator*; it collects their states and
//! decides — any committed → commit; any aborted (or never voted) → abort;
//! any pre-committed → pre-commit the rest, then commit; all uncertain →
//! abort. A participant that does not answer within `termination_timeout`
//! is presumed crashed. Alone, the rules become the textbook ones: an
//! uncertain participant aborts, a pre-committed one commits. Nobody blocks.
//!
//! The price is the assumption behind "presumed crashed": failures must be
//! detected reliably. Under a partition both sides run these rules and can
//! decide differently — three-phase commit loses atomicity where two-phase
//! commit blocks (`scenarios/3pc-partition.toml`; docs/protocols/three-phase-commit.md).
//!
//! Checks and metrics: [`two_pc::attach_bank_checks`] (atomicity, no commit
//! without every yes, money conserved, every transaction decided,
//! serializable), through [`CommitNode`], plus `terminated-txns` and
//! `termination-time-max`. Parameters and bug switches: [`scenario::PARAMS`],
//! [`Bug`].

mod coordinator;
mod inspect;
mod participant;
pub mod scenario;

pub use coordinator::{Coordinator, PreCommitRecord};
pub use participant::{Participant, State, Termination};

use super::two_pc::bank::AccountOp;
use super::two_pc::{self, BankShape, CommitNode, DecisionRecord, Outcome, TxId, TxnRecord, Vote};
use crate::sim::{Ctx, Node, NodeId, Reply, Request, Sim, SimBuilder, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The coordinator's node id.
pub const COORDINATOR: NodeId = NodeId(0);

crate::bug_switches! {
    /// A deliberate defect, to see the checks catch it.
    pub enum Bug {
        /// A pre-committed participant that hears nothing for
        /// `docommit_timeout` aborts on its own (instead of running the
        /// termination protocol, which would commit): a do-commit that was
        /// only lost or late leaves it aborted while the others committed.
        AbortAfterPrecommit = "abort-after-precommit",
        /// The coordinator commits as soon as every vote is yes, without the
        /// pre-commit round (two-phase commit with 3PC's timeouts): when its
        /// do-commit reaches nobody, the participants all look uncertain and
        /// the termination protocol aborts a transaction the coordinator
        /// committed and acknowledged to the client.
        SkipPrecommit = "skip-precommit",
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
    /// The coordinator commits after this without every pre-commit
    /// acknowledgement (`ack_timeout`).
    pub ack_timeout: SimTime,
    /// An uncertain participant starts the termination protocol after this
    /// (`precommit_timeout`).
    pub precommit_timeout: SimTime,
    /// A pre-committed participant starts the termination protocol after
    /// this (`docommit_timeout`).
    pub docommit_timeout: SimTime,
    /// A recovery coordinator waits this long for states and for pre-commit
    /// acknowledgements (`termination_timeout`).
    pub termination_timeout: SimTime,
    /// Resend messages this often (`retry`).
    pub retry: SimTime,
    /// Deliberate defects (`bugs`).
    pub bugs: BTreeSet<Bug>,
}

impl Params {
    /// Whether the bug switch `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }

    /// The bank's shape, for the shared checks.
    pub fn bank(&self) -> BankShape {
        BankShape {
            accounts: self.accounts,
            initial_balance: self.initial_balance,
        }
    }

    /// The bank as two-phase commit's participants read it (the shared
    /// prepare code takes 2PC's parameters; only the bank's keys matter).
    pub(crate) fn two_pc(&self) -> two_pc::Params {
        two_pc::Params {
            accounts: self.accounts,
            initial_balance: self.initial_balance,
            ..two_pc::Params::default()
        }
    }
}

impl Default for Params {
    fn default() -> Self {
        use super::two_pc::scenario::{ACCOUNTS, INITIAL_BALANCE, VOTE_TIMEOUT};
        use scenario::*;
        Params {
            accounts: ACCOUNTS.default_value(),
            initial_balance: INITIAL_BALANCE.default_value(),
            vote_timeout: VOTE_TIMEOUT.default_value(),
            ack_timeout: ACK_TIMEOUT.default_value(),
            precommit_timeout: PRECOMMIT_TIMEOUT.default_value(),
            docommit_timeout: DOCOMMIT_TIMEOUT.default_value(),
            termination_timeout: TERMINATION_TIMEOUT.default_value(),
            retry: RETRY.default_value(),
            bugs: BTreeSet::new(),
        }
    }
}

/// Messages between nodes.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Coordinator → participant: lock, check and vote on these operations.
    CanCommit {
        /// Transaction.
        tx: TxId,
        /// Every participant of the transaction.
        participants: Vec<NodeId>,
        /// This participant's micro-operations.
        ops: Vec<AccountOp>,
    },
    /// Participant → coordinator.
    Vote {
        /// Transaction.
        tx: TxId,
        /// The vote.
        vote: Vote,
    },
    /// Every participant voted yes: become pre-committed (from the
    /// coordinator or a recovery coordinator).
    PreCommit {
        /// Transaction.
        tx: TxId,
        /// Every participant of the transaction.
        participants: Vec<NodeId>,
    },
    /// Participant → the sender of `PreCommit`: pre-committed.
    PreCommitAck {
        /// Transaction.
        tx: TxId,
    },
    /// The outcome (do-commit or abort), from the coordinator or a recovery
    /// coordinator.
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
    /// A participant that timed out → the participant whose turn it is to
    /// lead the termination protocol.
    Elect {
        /// Transaction.
        tx: TxId,
        /// Every participant of the transaction.
        participants: Vec<NodeId>,
    },
    /// Recovery coordinator → participants: your state?
    StateReq {
        /// Transaction.
        tx: TxId,
        /// Every participant of the transaction.
        participants: Vec<NodeId>,
    },
    /// A participant's state, to a recovery coordinator or a restarted
    /// coordinator.
    StateReport {
        /// Transaction.
        tx: TxId,
        /// Its state.
        state: State,
    },
    /// Restarted coordinator → participants: how did this end?
    Query {
        /// Transaction.
        tx: TxId,
    },
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Coordinator: resend what is unanswered.
    Retry,
    /// Coordinator: give up on missing votes.
    VoteTimeout(TxId),
    /// Coordinator: commit without the missing pre-commit acknowledgements.
    AckTimeout(TxId),
    /// Participant: nothing heard since entering `state`; start the
    /// termination protocol (stale if the state moved on).
    Silence {
        /// Transaction.
        tx: TxId,
        /// The state the timer was set in.
        state: State,
    },
    /// Participant waiting for a recovery coordinator: give turn `round`'s
    /// candidate up.
    NextCandidate {
        /// Transaction.
        tx: TxId,
        /// The round the timer was set in.
        round: u32,
    },
    /// Recovery coordinator: resend, or move on once the stage times out.
    Lead {
        /// Transaction.
        tx: TxId,
        /// The round the timer was set in.
        round: u32,
    },
}

/// A node's role and its state.
// Most nodes are participants, and a participant's state (which holds a
// two-phase-commit participant's, stances kept at hand included) is the
// node: boxing it would add an allocation to every copy of a world (the
// explorer copies one per state) to save bytes on the one coordinator.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Role {
    /// Node 0.
    Coordinator(Coordinator),
    /// Every other node.
    Participant(Participant),
}

/// One three-phase-commit node.
#[derive(Clone, Debug)]
pub struct ThreePc {
    params: Arc<Params>,
    /// The role and its state.
    pub role: Role,
}

impl ThreePc {
    /// A fresh node `id` of `nodes`.
    pub fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        let role = if id == COORDINATOR {
            Role::Coordinator(Coordinator::default())
        } else {
            Role::Participant(Participant::new(&params, id, nodes))
        };
        ThreePc { params, role }
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

impl Node for ThreePc {
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

    /// The role's state in the protocol's words (transactions by stage,
    /// votes, the termination protocol, the decision log), parameters
    /// folded (`inspect.rs`).
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

impl CommitNode for ThreePc {
    fn decision_log(&self) -> Option<&BTreeMap<TxId, DecisionRecord>> {
        self.coordinator().map(|c| &c.log)
    }

    fn collecting_votes(&self) -> usize {
        self.coordinator().map_or(0, Coordinator::undecided)
    }

    fn txn_records(&self) -> Option<&BTreeMap<TxId, TxnRecord>> {
        self.participant().map(|p| &p.txns)
    }

    fn accounts(&self) -> Option<&BTreeMap<String, Vec<i64>>> {
        self.participant().map(|p| &p.shard.accounts)
    }

    fn last_decided(&self) -> Option<TxId> {
        match &self.role {
            Role::Coordinator(c) => c.last_decision,
            Role::Participant(p) => p.last_outcome,
        }
    }

    fn locks_peak(&self) -> usize {
        self.participant().map_or(0, |p| p.shard.locks_peak)
    }
}

/// Three-phase commit's own metrics: `terminated-txns` (transactions some
/// participant decided through the termination protocol) and
/// `termination-time-max` (its yes vote to that decision), read from the
/// participants' storage (`terminated/<tx>`), so crashes do not hide them.
pub fn termination_metrics(sim: &Sim<ThreePc>) -> Vec<(String, String)> {
    let mut txns = BTreeSet::new();
    let mut longest = SimTime::ZERO;
    for slot in sim.slots().iter().skip(1) {
        for key in slot.storage.keys() {
            let Some(rest) = key.strip_prefix("terminated/") else {
                continue;
            };
            txns.insert(rest.to_string());
            if let Some(took) = slot.storage.get::<SimTime>(&key) {
                longest = longest.max(took);
            }
        }
    }
    vec![
        ("terminated-txns".into(), txns.len().to_string()),
        ("termination-time-max".into(), longest.to_string()),
    ]
}

/// A simulation builder with three-phase-commit nodes, the shared commit
/// checks and metrics, and [`termination_metrics`].
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<ThreePc> {
    let bank = params.bank();
    let params = Arc::new(params);
    let b = SimBuilder::new(nodes, seed, move |id, n| {
        ThreePc::new(Arc::clone(&params), id, n)
    });
    two_pc::attach_bank_checks(b, bank).metrics(|sim| {
        let mut out = two_pc::metrics(sim);
        out.extend(termination_metrics(sim));
        out
    })
}

#[cfg(test)]
mod tests;
