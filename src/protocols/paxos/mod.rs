//! Paxos (Lamport, "The Part-Time Parliament", 1998; "Paxos Made Simple",
//! 2001): the Synod protocol for one value, and Multi-Paxos serving the same
//! linearizable key-value store as Raft.
//!
//! Every node plays all three roles: **proposer**, **acceptor**, **learner**.
//!
//! - **One instance** (`synod.rs`): the acceptor's promise and accept rules
//!   and the proposer's choice of value, for a single decree. Everything
//!   else runs these rules per slot.
//! - **Ballots** (`ballot.rs`): `(round, node)`, unique per proposer; a
//!   proposer stores its round (synced) before it uses it, so a restart
//!   never reuses one.
//! - **Acceptor** (`acceptor.rs`): the promised ballot and, per slot, the
//!   accepted `(ballot, command)`, written to storage and synced before any
//!   answer leaves.
//! - **Leader** (`leader.rs`): a distinguished proposer. On a randomized
//!   election timeout a node runs phase 1 once, for every slot from its
//!   first unlearned one; with a majority of promises it re-proposes, in
//!   each slot, the highest-ballot value reported, fills gaps with no-ops,
//!   and then runs phase 2 for one new slot per client command. Heartbeats
//!   keep followers from starting phase 1; a leader that hears from no
//!   majority for an election timeout steps down.
//! - **Learner** (`learner.rs`): the leader announces each chosen slot
//!   (`Decided`); followers apply slots in order and catch up on the ones
//!   they missed through the heartbeat replies.
//! - **Checkpoints** (`checkpoint.rs`): every `snapshot_every` applied
//!   slots a node stores its key-value state and forgets the slots below
//!   it (acceptances included); a node asking about a forgotten slot (a
//!   prepare, an accept, a learner behind) gets the checkpoint instead.
//! - **Clients** (`client.rs`): followers redirect to the leader, as in
//!   Raft; reads are commands too; client sessions (shared with Raft,
//!   `replicated_kv.rs`) make retries exactly-once.
//! - **Single-decree mode** (`single_decree.rs`, `mode = "single-decree"`):
//!   some nodes each propose their own value for one instance, with no
//!   leader: dueling proposers, and randomized backoff that ends the duel.
//!
//! Checks (`checks.rs`): agreement (at most one value chosen per slot,
//! ever, from what acceptors accepted), validity, each ballot led once,
//! promises and accepted ballots never going back across restarts,
//! learners agreeing per slot, every acknowledged command applied on every
//! live node at the end, and a linearizable client history.
//!
//! Bug switches ([`Bug`]) each remove one rule. docs/protocols/paxos.md is
//! the guided tour, with a side-by-side with Raft.

mod acceptor;
pub mod ballot;
mod checkpoint;
mod checks;
mod client;
mod inspect;
pub mod lab;
mod leader;
mod learner;
pub mod scenario;
mod single_decree;
pub mod synod;

pub use ballot::Ballot;
pub use checkpoint::Checkpoint;
pub use checks::builder;

use crate::protocols::replicated_kv::{ClientCommand, Kv};
use crate::sim::{ClientId, Ctx, Node, NodeId, Request, SimTime, TimerId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

crate::bug_switches! {
    /// A deliberate deviation from the protocol, to see the checks catch it.
    pub enum Bug {
        /// Acceptors accept a proposal whatever they promised: a deposed
        /// leader's old ballot overwrites a value a newer majority chose.
        NoPromiseCheck = "no-promise-check",
        /// Phase 1 takes the first accepted value reported for a slot, not
        /// the highest-ballot one: a new leader can re-propose a stale value
        /// over a chosen one.
        AnyAcceptedValue = "any-accepted-value",
        /// Acceptors answer before their promise or acceptance is durable
        /// (synced later, on a timer): a crash forgets what a majority
        /// relied on.
        ReplyBeforeSync = "reply-before-sync",
        /// The proposer keeps its round in memory only: after a restart it
        /// counts from round 1 again and can lead a ballot it led before.
        ReuseBallotAfterRestart = "reuse-ballot-after-restart",
    }
}

/// Multi-Paxos or one instance with competing proposers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A replicated log of commands behind a distinguished leader.
    Multi,
    /// One instance; the first `proposers` nodes each propose their own
    /// value, with no leader.
    SingleDecree,
}

impl crate::scenario::Choice for Mode {
    const NAMES: &'static [&'static str] = &["multi", "single-decree"];
    const ALL: &'static [Mode] = &[Mode::Multi, Mode::SingleDecree];
}

/// Protocol parameters (`[protocol]` keys in parentheses; meanings and
/// defaults: [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Multi-Paxos or single-decree (`mode`).
    pub mode: Mode,
    /// Election timeout range, drawn anew at every reset
    /// (`election_timeout`).
    pub election_timeout: (SimTime, SimTime),
    /// Leader heartbeat and retransmission interval (`heartbeat`).
    pub heartbeat: SimTime,
    /// Multi: checkpoint after this many applied slots; 0 never
    /// (`snapshot_every`).
    pub snapshot_every: u64,
    /// Single-decree: how many nodes propose (`proposers`).
    pub proposers: u32,
    /// Single-decree: the most a pre-empted proposer waits before it tries
    /// again, drawn uniformly; 0 retries at once (`backoff`).
    pub backoff: SimTime,
    /// Deliberate defects (`bugs`).
    pub bugs: BTreeSet<Bug>,
    /// The rules the nodes call (the reference's, or a lab student's).
    pub hooks: lab::Hooks,
    /// Lab 12 only: the parts whose rules are the reference's in a lab
    /// build (`given_parts`; the reference's own build ignores it).
    pub given_parts: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        use scenario::*;
        Params {
            mode: MODE.default_value(),
            election_timeout: ELECTION_TIMEOUT.default_value(),
            heartbeat: HEARTBEAT.default_value(),
            snapshot_every: SNAPSHOT_EVERY.default_value(),
            proposers: PROPOSERS.default_value(),
            backoff: BACKOFF.default_value(),
            bugs: BTreeSet::new(),
            hooks: lab::Hooks::default(),
            given_parts: Vec::new(),
        }
    }
}

impl Params {
    /// True if `bug` is switched on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

/// What a slot decides.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Command {
    /// Fills a gap a new leader found (no effect on the state machine).
    Noop,
    /// A client operation. Shared, not copied: a command travels in
    /// Accept, Promise and Decided messages to every node and is cloned
    /// with each (an `Arc` has the same `Hash`, `Debug` and serialized
    /// form as the command, so traces and fingerprints are unchanged).
    Client(Arc<ClientCommand>),
    /// Single-decree mode: the value proposer `n` wants chosen.
    Own(u32),
}

impl Command {
    /// A stable hash of the command (what the checks compare).
    pub fn digest(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = crate::base::hash::StableHasher::new();
        self.hash(&mut h);
        h.finish()
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Noop => f.write_str("noop"),
            Command::Client(c) => {
                write!(f, "{}#{} {}", c.client, c.id, c.op.f)?;
                if let Some(k) = &c.op.key {
                    write!(f, " {k}")?;
                }
                if !matches!(c.op.value, crate::check::history::Value::Nil) {
                    write!(f, " {}", c.op.value)?;
                }
                Ok(())
            }
            Command::Own(n) => write!(f, "value-of-n{n}"),
        }
    }
}

/// An accepted proposal reported in a promise: `(slot, ballot, command)`.
pub type Report = (u64, Ballot, Command);

/// Messages between nodes.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Phase 1a: prepare `ballot` for every slot from `from_slot` on.
    Prepare {
        /// The proposer's ballot.
        ballot: Ballot,
        /// The first slot the proposer has not learned.
        from_slot: u64,
    },
    /// Phase 1b: a promise, with every proposal accepted from `from_slot`.
    Promise {
        /// The ballot promised.
        ballot: Ballot,
        /// The acceptor's accepted proposals in those slots.
        accepted: Vec<Report>,
        /// The acceptor's checkpoint, if it forgot slots from `from_slot`
        /// on (the proposer catches up from it first). Boxed, as the other
        /// large fields: every queued event is as large as the largest
        /// message.
        checkpoint: Option<Box<Checkpoint>>,
    },
    /// Phase 2a: accept `command` in `slot` in `ballot`.
    Accept {
        /// The proposer's ballot.
        ballot: Ballot,
        /// The slot.
        slot: u64,
        /// The command proposed (boxed: see `Promise`).
        command: Box<Command>,
    },
    /// Phase 2b: the acceptor accepted the proposal.
    Accepted {
        /// The ballot accepted.
        ballot: Ballot,
        /// The slot.
        slot: u64,
    },
    /// A prepare or accept refused: the acceptor promised a higher ballot.
    Nack {
        /// The ballot refused.
        ballot: Ballot,
        /// The acceptor's promise.
        promised: Ballot,
    },
    /// Learners: these slots are chosen.
    Decided {
        /// `(slot, command)` pairs.
        entries: Vec<(u64, Command)>,
    },
    /// The leader is alive; `chosen_through` is its learned prefix.
    Heartbeat {
        /// The leader's ballot.
        ballot: Ballot,
        /// Every slot up to here is chosen and known to the leader.
        chosen_through: u64,
    },
    /// Catch up from this checkpoint: sent in place of slots the sender
    /// forgot (to a follower behind it, or to a proposer of such a slot).
    Checkpoint {
        /// The sender's checkpoint (boxed: see `Promise`).
        checkpoint: Box<Checkpoint>,
    },
    /// A follower's answer: what it has applied (the leader sends it the
    /// decided slots it lacks).
    HeartbeatReply {
        /// The leader's ballot, echoed.
        ballot: Ballot,
        /// The follower's applied prefix.
        applied: u64,
    },
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// The election timeout (re-armed lazily when the deadline moved).
    Election,
    /// Leader heartbeat and retransmission, for one ballot.
    Heartbeat {
        /// The ballot it was set for; stale ones are ignored.
        ballot: Ballot,
    },
    /// Single-decree: try (again) with a new ballot.
    Retry,
    /// With the `reply-before-sync` bug: the late sync.
    Flush,
}

/// A node's proposer role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Role {
    /// Accepts and learns; follows a leader if it knows one.
    Follower,
    /// Running phase 1 for its ballot.
    Candidate,
    /// Completed phase 1: runs phase 2 per slot.
    Leader,
}

/// A proposal the leader has in flight.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Proposal {
    /// The command proposed.
    pub command: Command,
    /// Acceptors that accepted it in the leader's ballot.
    pub accepted_by: BTreeSet<NodeId>,
}

/// What the checks read: every acceptance, proposal and lesson since the
/// node last started (append-only; handlers never read them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Observed {
    /// Acceptances: (slot, ballot, command digest).
    pub accepts: Vec<(u64, Ballot, u64)>,
    /// Phase 2a proposals sent: (slot, ballot, command digest).
    pub proposals: Vec<(u64, Ballot, u64)>,
    /// Slots learned chosen: (slot, command digest).
    pub learned: Vec<(u64, u64)>,
    /// Slots whose command was acknowledged to a client.
    pub acked: Vec<u64>,
}

/// One Paxos node: proposer, acceptor and learner.
#[derive(Clone)]
pub struct Paxos {
    params: Arc<Params>,
    id: NodeId,
    nodes: u32,
    // Acceptor (durable).
    /// The highest ballot promised.
    pub promised: Ballot,
    /// Per slot: the accepted proposal with the highest ballot.
    pub accepted: BTreeMap<u64, (Ballot, Command)>,
    // Proposer.
    /// The highest round this proposer has used (durable).
    pub round: u64,
    /// Its current ballot (as candidate or leader).
    pub ballot: Ballot,
    /// Role.
    pub role: Role,
    /// The leader this node follows (itself when leading).
    pub leader: Option<NodeId>,
    /// Phase 1 answers, in arrival order, for `ballot`.
    pub promises: BTreeMap<NodeId, Vec<Report>>,
    /// The order promises arrived in (for the `any-accepted-value` bug).
    pub promise_order: Vec<NodeId>,
    /// Phase 1 covers slots from here.
    pub from_slot: u64,
    /// The next free slot (leader).
    pub next_slot: u64,
    /// Proposals in flight (leader), by slot.
    pub proposals: BTreeMap<u64, Proposal>,
    /// Per peer: applied prefix and local time last heard (leader).
    pub peers: BTreeMap<NodeId, (u64, SimTime)>,
    /// Single-decree: the value is chosen as far as this proposer knows.
    pub done: bool,
    /// Times this proposer was pre-empted by a higher ballot.
    pub preemptions: u64,
    // Learner (chosen slots durable).
    /// Slots known chosen, with their commands.
    pub chosen: BTreeMap<u64, Command>,
    /// Every slot up to here is applied to `kv`.
    pub applied: u64,
    /// The state machine.
    pub kv: Kv,
    /// The last checkpoint: slots through its index are forgotten.
    pub checkpoint: Option<Checkpoint>,
    // Clients.
    /// Client requests waiting for their slot to apply: slot → (client, id).
    pub waiting: BTreeMap<u64, (ClientId, u64)>,
    /// Client requests held while no leader is known, with arrival time.
    pub held: Vec<(Request, SimTime)>,
    /// For the checks.
    pub observed: Observed,
    election_deadline: SimTime,
    election_timer_at: Option<SimTime>,
    election_timer: Option<TimerId>,
    heartbeat_timer: Option<TimerId>,
    retry_timer: Option<TimerId>,
    dirty: bool,
    flush_armed: bool,
}

impl Paxos {
    /// A fresh node `id` of `nodes` (boot, or restart before recovery).
    pub fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Paxos {
        Paxos {
            params,
            id,
            nodes,
            promised: Ballot::ZERO,
            accepted: BTreeMap::new(),
            round: 0,
            ballot: Ballot::ZERO,
            role: Role::Follower,
            leader: None,
            promises: BTreeMap::new(),
            promise_order: Vec::new(),
            from_slot: 1,
            next_slot: 1,
            proposals: BTreeMap::new(),
            peers: BTreeMap::new(),
            done: false,
            preemptions: 0,
            chosen: BTreeMap::new(),
            applied: 0,
            kv: Kv::default(),
            checkpoint: None,
            waiting: BTreeMap::new(),
            held: Vec::new(),
            observed: Observed::default(),
            election_deadline: SimTime::ZERO,
            election_timer_at: None,
            election_timer: None,
            heartbeat_timer: None,
            retry_timer: None,
            dirty: false,
            flush_armed: false,
        }
    }

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Number of nodes (all of them acceptors).
    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    /// True while leading (phase 1 done for `ballot`).
    pub fn is_leader(&self) -> bool {
        self.role == Role::Leader
    }

    /// Make the handler's writes durable before its messages leave; with
    /// `reply-before-sync`, only later, on a timer.
    fn sync(&mut self, ctx: &mut Ctx<Self>) {
        if !self.dirty {
            return;
        }
        if self.params.has(Bug::ReplyBeforeSync) {
            if !self.flush_armed {
                self.flush_armed = true;
                ctx.set_timer(self.params.heartbeat, Timer::Flush);
            }
            return;
        }
        ctx.storage().sync();
        self.dirty = false;
    }
}

impl Node for Paxos {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.recover(ctx);
        match self.params.mode {
            Mode::Multi => self.reset_election_deadline(ctx),
            Mode::SingleDecree => self.start_single_decree(ctx),
        }
        self.sync(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Prepare { ballot, from_slot } => self.on_prepare(ctx, from, ballot, from_slot),
            Msg::Promise {
                ballot,
                accepted,
                checkpoint,
            } => {
                if let Some(checkpoint) = checkpoint {
                    // Before the promise counts (`checkpoint.rs`).
                    self.install_checkpoint(ctx, *checkpoint);
                }
                self.on_promise(ctx, from, ballot, accepted)
            }
            Msg::Accept {
                ballot,
                slot,
                command,
            } => self.on_accept(ctx, from, ballot, slot, *command),
            Msg::Accepted { ballot, slot } => self.on_accepted(ctx, from, ballot, slot),
            Msg::Nack { ballot, promised } => self.on_nack(ctx, ballot, promised),
            Msg::Decided { entries } => {
                for (slot, command) in entries {
                    self.learn(ctx, slot, command);
                }
            }
            Msg::Checkpoint { checkpoint } => self.install_checkpoint(ctx, *checkpoint),
            Msg::Heartbeat {
                ballot,
                chosen_through,
            } => self.on_heartbeat(ctx, from, ballot, chosen_through),
            Msg::HeartbeatReply { ballot, applied } => {
                self.on_heartbeat_reply(ctx, from, ballot, applied)
            }
        }
        self.sync(ctx);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Election => self.on_election_timer(ctx),
            Timer::Heartbeat { ballot } => self.on_heartbeat_timer(ctx, ballot),
            Timer::Retry => {
                self.retry_timer = None;
                self.propose_single(ctx);
            }
            Timer::Flush => {
                self.flush_armed = false;
                ctx.storage().sync();
                self.dirty = false;
            }
        }
        self.sync(ctx);
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        self.handle_request(ctx, request);
        self.sync(ctx);
    }

    /// Every field a handler reads (the destructuring makes a new field a
    /// compile error here until it is added), hashed directly — `Debug`
    /// shows only the last slots. Left out: the parameters (the same in
    /// every state) and the three timer ids, each naming the node's one
    /// pending timer of its kind: only whether each is set matters.
    fn fingerprint(&self, h: &mut crate::base::hash::StableHasher) {
        use std::hash::Hash;
        let Paxos {
            params: _,
            id,
            nodes,
            promised,
            accepted,
            round,
            ballot,
            role,
            leader,
            promises,
            promise_order,
            from_slot,
            next_slot,
            proposals,
            peers,
            done,
            preemptions,
            chosen,
            applied,
            kv,
            checkpoint,
            waiting,
            held,
            observed,
            election_deadline,
            election_timer_at,
            election_timer,
            heartbeat_timer,
            retry_timer,
            dirty,
            flush_armed,
        } = self;
        (id, nodes, promised, accepted, round, ballot, role, leader).hash(h);
        (
            promises,
            promise_order,
            from_slot,
            next_slot,
            proposals,
            peers,
        )
            .hash(h);
        (
            done,
            preemptions,
            chosen,
            applied,
            kv,
            checkpoint,
            waiting,
            held,
            observed,
        )
            .hash(h);
        (election_deadline, election_timer_at, dirty, flush_armed).hash(h);
        let timers = (election_timer, heartbeat_timer, retry_timer);
        (timers.0.is_some(), timers.1.is_some(), timers.2.is_some()).hash(h);
    }

    /// None of the timer ids needs hashing (see `fingerprint`).
    fn kept_timer_ids(&self) -> Option<Vec<u64>> {
        Some(Vec::new())
    }

    fn role(&self) -> Option<&str> {
        Some(match self.role {
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        })
    }

    fn inspect(&self) -> crate::sim::View {
        self.view()
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        inspect::message_view(message)
    }

    fn message_summary(message: &Msg) -> String {
        inspect::message_summary(message)
    }

    fn summary(&self) -> String {
        let role = match self.role {
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::Leader => "LEADER",
        };
        let leader = self.leader.map_or("?".into(), |l| l.to_string());
        let last = self.accepted.iter().next_back();
        let accepted = last.map_or("-".into(), |(s, (b, c))| format!("s{s}@{b} {c}"));
        format!(
            "{role} ballot {} promised {} accepted {} (last {accepted}) applied {} leader {leader}",
            self.ballot,
            self.promised,
            self.accepted.len(),
            self.applied
        )
    }
}

/// The node's state for the UI: the acceptor's promise and its accepted
/// proposal per slot (the last 16), the proposer's ballot and proposals in
/// flight, the learner's progress.
impl fmt::Debug for Paxos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let recent = |m: &BTreeMap<u64, String>| -> Vec<String> {
            let skip = m.len().saturating_sub(16);
            m.iter()
                .skip(skip)
                .map(|(s, v)| format!("s{s}: {v}"))
                .collect()
        };
        let accepted: BTreeMap<u64, String> = self
            .accepted
            .iter()
            .map(|(s, (b, c))| (*s, format!("{b} {c}")))
            .collect();
        let proposals: BTreeMap<u64, String> = self
            .proposals
            .iter()
            .map(|(s, p)| (*s, format!("{} by {:?}", p.command, p.accepted_by)))
            .collect();
        let sessions: Vec<String> = self
            .kv
            .sessions
            .iter()
            .map(|(c, s)| format!("{c}#{}", s.last_id))
            .collect();
        f.debug_struct("Paxos")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("ballot", &self.ballot.to_string())
            .field("round", &self.round)
            .field("leader", &self.leader)
            .field("promised", &self.promised.to_string())
            .field("accepted_slots", &self.accepted.len())
            .field("accepted", &recent(&accepted))
            .field("proposals", &recent(&proposals))
            .field("next_slot", &self.next_slot)
            .field("chosen", &self.chosen.len())
            .field("applied", &self.applied)
            .field("compacted_through", &self.compacted_through())
            .field("data", &self.kv.data)
            .field("sessions", &sessions)
            .field("waiting", &self.waiting)
            .field("held_requests", &self.held.len())
            .field("promises", &self.promises.keys().collect::<Vec<_>>())
            .field("preemptions", &self.preemptions)
            .field("done", &self.done)
            .field("params", &self.params)
            .finish()
    }
}

#[cfg(test)]
mod tests;
