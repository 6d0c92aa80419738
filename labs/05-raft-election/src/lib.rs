//! Lab 05 — Raft A: leader election. Your Raft node.
//!
//! Fill in every `todo!()` below; README.md (next to this crate's
//! Cargo.toml) explains the rules, and each function's comment says which
//! rule it implements. Everything else — messages, fields, timers, dispatch,
//! the accessors the grader reads — is given; you may add fields and helper
//! functions, but keep the `RaftLabNode` accessors truthful: the checks read
//! your node through them after every step.
//!
//! Run it: `cargo run --release -p lab-05-raft-election -- tui labs/05-raft-election/scenarios/election-3.toml`
//! Grade it: `cargo run --release -p lab-05-raft-election -- lab check 05`
//!
//! In this lab the log stays empty (lab 06 fills it), so the "candidate's log
//! is at least as up to date" rule is trivially true here — write it anyway,
//! it is one comparison, and lab 06 needs it.

// The todo!()s leave parameters, imports (`SimTime`) and some helpers
// unused until you fill them.
#![allow(unused_variables, unused_imports, dead_code)]

use distlab::labs::raft::{Params, RaftLabNode};
use distlab::protocols::raft::{Entry, Kv, Log};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request, SimTime, TimerId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Messages between nodes: Figure 2's two RPCs and their replies.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// A candidate asks for a vote.
    RequestVote {
        /// The candidate's term.
        term: u64,
        /// Index of the candidate's last log entry (0 if empty).
        last_index: u64,
        /// Term of the candidate's last log entry (0 if empty).
        last_term: u64,
    },
    /// The answer to a RequestVote.
    Vote {
        /// The voter's current term (for the candidate to update itself).
        term: u64,
        /// True if the vote was granted.
        granted: bool,
    },
    /// The leader's heartbeat (in lab 06, also carries entries).
    AppendEntries {
        /// The leader's term.
        term: u64,
        /// Index of the entry just before `entries` (lab 06).
        prev_index: u64,
        /// Its term (lab 06).
        prev_term: u64,
        /// Entries to store; empty in this lab.
        entries: Vec<Entry>,
        /// The leader's commit index (lab 06).
        commit: u64,
    },
    /// The answer to AppendEntries.
    AppendReply {
        /// The follower's current term.
        term: u64,
        /// True if the follower accepted (lab 06: and matched `prev_index`).
        success: bool,
        /// The follower's log matches the leader's through here (lab 06).
        match_index: u64,
    },
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// The election timeout fired.
    Election,
    /// Leader: send heartbeats. Candidate: re-send vote requests.
    Heartbeat,
}

/// A node's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Role {
    /// Follows a leader (or waits for one).
    Follower,
    /// Asking for votes in its term.
    Candidate,
    /// Leads its term.
    Leader,
}

/// The durable part of Figure 2's state, as stored (see `persist`).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Meta {
    /// Current term.
    pub term: u64,
    /// Vote in the current term.
    pub voted_for: Option<NodeId>,
}

/// Storage key of [`Meta`].
pub const META_KEY: &str = "meta";

/// Your Raft node.
#[derive(Clone, Debug)]
pub struct RaftNode {
    /// Timeouts and intervals (`params.election_timeout`, `params.heartbeat`).
    params: Arc<Params>,
    /// This node's id.
    id: NodeId,
    /// Cluster size.
    nodes: u32,
    /// Current term (durable).
    pub term: u64,
    /// Vote in the current term (durable).
    pub voted_for: Option<NodeId>,
    /// The log (durable; empty in this lab).
    pub log: Log,
    /// Role.
    pub role: Role,
    /// The leader this node follows (itself when leading), if known.
    pub leader: Option<NodeId>,
    /// Votes received in the current election (a set: duplicates are real).
    pub votes: BTreeSet<NodeId>,
    /// Highest index known committed (lab 06).
    pub commit: u64,
    /// The state machine (lab 06).
    pub kv: Kv,
    /// The pending election timer, if any (to cancel it on a reset).
    pub election_timer: Option<TimerId>,
    /// The pending heartbeat timer, if any.
    pub heartbeat_timer: Option<TimerId>,
}

impl RaftNode {
    /// Votes needed to win: a majority of all nodes, counting yourself.
    pub fn majority(&self) -> usize {
        self.nodes as usize / 2 + 1
    }

    /// (Re)start the heartbeat timer: fires `params.heartbeat` from now.
    pub fn arm_heartbeat(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(id) = self.heartbeat_timer.take() {
            ctx.cancel_timer(id);
        }
        self.heartbeat_timer = Some(ctx.set_timer(self.params.heartbeat, Timer::Heartbeat));
    }

    // ------------------------------------------------------------------
    // Persistence (README: "Durable state"). Part C grades it; until then
    // both functions do nothing, so parts A and B pass without them.
    // ------------------------------------------------------------------

    /// Write `term` and `voted_for` to `ctx.storage()` (key [`META_KEY`],
    /// value [`Meta`]) and make them durable with `sync()`. Call it whenever
    /// either changes, before the handler returns (messages leave the node
    /// when the handler returns; a crash loses unsynced writes).
    pub fn persist(&mut self, ctx: &mut Ctx<Self>) {
        // lab 05 C: store Meta { term, voted_for } under META_KEY and sync.
    }

    /// Read back what `persist` wrote (nothing on the very first boot).
    /// `new` runs at every restart, so this is how a node remembers.
    pub fn recover(&mut self, ctx: &mut Ctx<Self>) {
        // lab 05 C: load Meta from META_KEY (if present) into term and voted_for.
    }

    // ------------------------------------------------------------------
    // Election (README: "Rules"). Parts A, B and C grade it.
    // ------------------------------------------------------------------

    /// Start a fresh election timeout: cancel the pending election timer
    /// and set a new one, a random duration drawn uniformly from
    /// `params.election_timeout` (min, max) — a new draw every time.
    /// Use `ctx.rng().range_inclusive(lo, hi)` on nanoseconds
    /// (`SimTime::as_nanos`, `SimTime(n)`).
    pub fn reset_election_timer(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05 A: cancel self.election_timer, set Timer::Election after a random timeout")
    }

    /// The election timer fired: a leader ignores it (re-arm); anyone else
    /// starts an election.
    pub fn on_election_timeout(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05 A: start an election unless leading")
    }

    /// Become a candidate: next term, vote for yourself (persisted), reset
    /// the election timer, ask every peer for its vote (`ctx.peers()`), and
    /// arm the heartbeat timer to re-send requests that got lost.
    pub fn start_election(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05 A: term + 1, candidate, vote for self, persist, RequestVote to peers")
    }

    /// A RequestVote arrived. Higher term: become a follower of that term
    /// first. Grant only if the term is yours, you have not voted for anyone
    /// else in it, and the candidate's log is at least as up to date as
    /// yours (§5.4.1). A granted vote is persisted and resets the election
    /// timer. Always answer with your (possibly new) term.
    pub fn on_request_vote(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        last_index: u64,
        last_term: u64,
    ) {
        todo!("lab 05 A: the vote rule")
    }

    /// A Vote arrived. Higher term: step down. Count it only while you are a
    /// candidate and only for your current term; a majority makes you leader.
    pub fn on_vote(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: u64, granted: bool) {
        todo!("lab 05 A: count votes, win with a majority")
    }

    /// Step down (or stay) as a follower of `term`, following `leader` if
    /// known. A newer term forgets the vote (persist both). A node that was
    /// not a follower restarts its election timeout.
    pub fn become_follower(&mut self, ctx: &mut Ctx<Self>, term: u64, leader: Option<NodeId>) {
        todo!("lab 05 A: adopt term, clear vote if newer, role Follower")
    }

    /// Won: lead the term (`leader` is yourself), send heartbeats now and
    /// every `params.heartbeat` after.
    pub fn become_leader(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05 A: role Leader, heartbeat everyone, arm the heartbeat timer")
    }

    /// The heartbeat timer fired. Leader: an (empty) AppendEntries to every
    /// peer, then re-arm. Candidate: re-send RequestVote to peers that have
    /// not voted yet, then re-arm. Follower: nothing.
    pub fn on_heartbeat_timer(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05 A: heartbeats / vote retries")
    }

    /// An AppendEntries (a heartbeat, in this lab) arrived. An older term:
    /// reject with your term. Otherwise the sender leads this term: follow it
    /// (a candidate of the same term steps down), reset the election timer,
    /// and answer success.
    #[allow(clippy::too_many_arguments)]
    pub fn on_append_entries(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        prev_index: u64,
        prev_term: u64,
        entries: Vec<Entry>,
        commit: u64,
    ) {
        todo!("lab 05 A: term check, follow the leader, reset the timer, reply")
    }

    /// An AppendReply arrived. Higher term: step down. (Lab 06 uses the
    /// rest.)
    pub fn on_append_reply(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        success: bool,
        match_index: u64,
    ) {
        todo!("lab 05 A: step down on a higher term")
    }
}

impl Node for RaftNode {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.recover(ctx);
        self.reset_election_timer(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::RequestVote {
                term,
                last_index,
                last_term,
            } => self.on_request_vote(ctx, from, term, last_index, last_term),
            Msg::Vote { term, granted } => self.on_vote(ctx, from, term, granted),
            Msg::AppendEntries {
                term,
                prev_index,
                prev_term,
                entries,
                commit,
            } => self.on_append_entries(ctx, from, term, prev_index, prev_term, entries, commit),
            Msg::AppendReply {
                term,
                success,
                match_index,
            } => self.on_append_reply(ctx, from, term, success, match_index),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Election => {
                self.election_timer = None;
                self.on_election_timeout(ctx);
            }
            Timer::Heartbeat => {
                self.heartbeat_timer = None;
                self.on_heartbeat_timer(ctx);
            }
        }
    }

    /// Clients arrive in lab 06; until then: go to the leader, or try later.
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let hint = self.leader.filter(|l| *l != self.id);
        ctx.reply(&request, Reply::Redirect(hint));
    }

    fn role(&self) -> Option<&str> {
        Some(match self.role {
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        })
    }

    fn summary(&self) -> String {
        let leader = self.leader.map_or("?".into(), |l| l.to_string());
        let vote = self.voted_for.map_or("-".into(), |v| v.to_string());
        format!(
            "{:?} t{} vote {vote} leader {leader} votes {}",
            self.role,
            self.term,
            self.votes.len()
        )
    }
}

impl RaftLabNode for RaftNode {
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        RaftNode {
            params,
            id,
            nodes,
            term: 0,
            voted_for: None,
            log: Log::new(),
            role: Role::Follower,
            leader: None,
            votes: BTreeSet::new(),
            commit: 0,
            kv: Kv::default(),
            election_timer: None,
            heartbeat_timer: None,
        }
    }
    fn current_term(&self) -> u64 {
        self.term
    }
    fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    fn leader(&self) -> Option<NodeId> {
        self.leader
    }
    fn log(&self) -> &Log {
        &self.log
    }
    fn commit_index(&self) -> u64 {
        self.commit
    }
    fn last_applied(&self) -> (u64, u64) {
        (0, 0)
    }
    fn acked(&self) -> &[(u64, u64)] {
        &[]
    }
    fn kv(&self) -> &Kv {
        &self.kv
    }
}
