//! Lab 08 — Raft D: a linearizable key-value service. Your Raft node.
//!
//! This skeleton is the lab 07 node with the client side taken out: first
//! paste your lab 05–07 functions where a `todo!()` says so (6.824 style:
//! you carry your own code forward), then write the `todo!()`s marked
//! "lab 08": `handle_request` (clients through the log), `apply_client`
//! (the key-value state machine with client sessions, exactly once) and the
//! change to `apply_committed`. README.md next to this crate's Cargo.toml
//! has the rules. Given: `answer` and `redirect_waiting` (the replies), the
//! store's operations (`Kv::execute`) and its session table
//! (`Kv::sessions`); do not use `Kv::apply` or `Kv::lookup`, which are the
//! reference's.
//!
//! Keep the `RaftLabNode` accessors truthful: the checks read your node
//! through them after every step.
//!
//! Run it: `cargo run --release -p lab-08-raft-kv -- tui labs/08-raft-kv/scenarios/retries.toml`
//! Grade it: `cargo run --release -p lab-08-raft-kv -- lab check 08`

// The todo!()s leave parameters, imports (`SimTime`) and some helpers
// unused until you fill them.
#![allow(unused_variables, unused_imports, dead_code)]

use distlab::labs::raft::{Params, RaftLabNode};
use distlab::protocols::raft::kv::Session;
use distlab::protocols::raft::{ClientCommand, Command};
use distlab::protocols::raft::{Entry, Kv, Log};
use distlab::sim::{ClientId, Ctx, Node, NodeId, Reply, Request, SimTime, TimerId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
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
    /// The leader's heartbeat, carrying entries.
    AppendEntries {
        /// The leader's term.
        term: u64,
        /// Index of the entry just before `entries`.
        prev_index: u64,
        /// Its term.
        prev_term: u64,
        /// Entries to store (empty for a heartbeat).
        entries: Vec<Entry>,
        /// The leader's commit index.
        commit: u64,
    },
    /// The answer to AppendEntries.
    AppendReply {
        /// The follower's current term.
        term: u64,
        /// True if the follower accepted and matched `prev_index`.
        success: bool,
        /// On success: the follower's log matches the leader's through here;
        /// on failure: a hint where the leader should retry from.
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

/// Storage key of the commit index (a `u64`).
pub const COMMIT_KEY: &str = "commit";

/// One log entry as stored under [`entry_key`] (the prefix hash is not
/// stored: `Log::append` recomputes it).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredEntry {
    /// The entry's term.
    pub term: u64,
    /// Its command.
    pub command: Command,
}

/// Storage key of the log entry at `index` (`log/000000000042`).
pub fn entry_key(index: u64) -> String {
    format!("log/{index:012}")
}

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
    /// The log (durable).
    pub log: Log,
    /// Role.
    pub role: Role,
    /// The leader this node follows (itself when leading), if known.
    pub leader: Option<NodeId>,
    /// Votes received in the current election (a set: duplicates are real).
    pub votes: BTreeSet<NodeId>,
    /// Highest index known committed (durable here: see `persist_commit`).
    pub commit: u64,
    /// The state machine (not stored: rebuilt from the log on restart).
    pub kv: Kv,
    /// The pending election timer, if any (to cancel it on a reset).
    pub election_timer: Option<TimerId>,
    /// The pending heartbeat timer, if any.
    pub heartbeat_timer: Option<TimerId>,
    /// Highest index applied to `kv`.
    pub applied: u64,
    /// The log's prefix hash at `applied` (`Log::hash_at`).
    pub applied_hash: u64,
    /// Leader only: per peer, (next index to send, highest index known to match).
    pub progress: BTreeMap<NodeId, (u64, u64)>,
    /// Leader only: clients waiting for the entry at an index to apply.
    pub waiting: BTreeMap<u64, (ClientId, u64)>,
    /// Entries this node answered a client for, as (index, prefix hash).
    pub acked: Vec<(u64, u64)>,
    /// The highest log index this node has in storage (so that
    /// `persist_log` knows which stored entries a truncation removed).
    pub stored_last: u64,
}

/// Given: client plumbing.
impl RaftNode {
    /// The entry at `index` (client request `key`) applied with `reply`:
    /// answer the client waiting on that index here, if any.
    pub fn answer(&mut self, ctx: &mut Ctx<Self>, index: u64, key: (ClientId, u64), reply: Reply) {
        let Some(waiting) = self.waiting.remove(&index) else {
            return;
        };
        if waiting != key {
            // Another leader's entry replaced ours: the client retries.
            ctx.reply_to(waiting.0, waiting.1, Reply::Redirect(None));
            return;
        }
        if matches!(reply, Reply::Ok(_)) {
            let hash = self.log.hash_at(index).unwrap_or(self.applied_hash);
            self.acked.push((index, hash));
        }
        ctx.reply_to(key.0, key.1, reply);
    }

    /// A leader stepping down: its waiting clients retry elsewhere.
    pub fn redirect_waiting(&mut self, ctx: &mut Ctx<Self>) {
        for (_, (client, id)) in std::mem::take(&mut self.waiting) {
            ctx.reply_to(client, id, Reply::Redirect(self.leader));
        }
    }
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
    // Persistence and recovery (lab 07: paste your solution). Part C
    // crashes nodes.
    // ------------------------------------------------------------------

    /// Write `term` and `voted_for` to `ctx.storage()` (key [`META_KEY`],
    /// value [`Meta`]) and make them durable with `sync()`. Call it whenever
    /// either changes, before the handler returns (messages leave the node
    /// when the handler returns; a crash loses unsynced writes).
    pub fn persist(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05-07: paste your solution")
    }

    /// Write the log entries `from..=last_index` to storage (one key per
    /// entry, [`entry_key`] → [`StoredEntry`]), remove stored entries after
    /// the last index (a truncation), remember the new `stored_last`, and
    /// `sync()`. Call it after every change to the log, before the handler
    /// returns, with `from` = the first index that changed.
    pub fn persist_log(&mut self, ctx: &mut Ctx<Self>, from: u64) {
        todo!("lab 05-07: paste your solution")
    }

    /// Write the commit index ([`COMMIT_KEY`]) and `sync()`. Call it whenever
    /// `commit` moves (the checks require that it never goes back on a node,
    /// restarts included).
    pub fn persist_commit(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05-07: paste your solution")
    }

    /// Read back term, vote, log and commit index (nothing on the very first
    /// boot), then re-apply the committed entries: the key-value store is
    /// not stored, it is rebuilt from the log.
    pub fn recover(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05-07: paste your solution")
    }

    // ------------------------------------------------------------------
    // Election and replication (labs 05–07: paste your solution).
    // ------------------------------------------------------------------

    /// Start a fresh election timeout: cancel the pending election timer
    /// and set a new one, a random duration drawn uniformly from
    /// `params.election_timeout` (min, max) — a new draw every time.
    /// Use `ctx.rng().range_inclusive(lo, hi)` on nanoseconds
    /// (`SimTime::as_nanos`, `SimTime(n)`).
    pub fn reset_election_timer(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05-07: paste your solution")
    }

    /// The election timer fired: a leader ignores it (re-arm); anyone else
    /// starts an election.
    pub fn on_election_timeout(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05-07: paste your solution")
    }

    /// Become a candidate: next term, vote for yourself (persisted), reset
    /// the election timer, ask every peer for its vote (`ctx.peers()`), and
    /// arm the heartbeat timer to re-send requests that got lost.
    pub fn start_election(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05-07: paste your solution")
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
        todo!("lab 05-07: paste your solution")
    }

    /// A Vote arrived. Higher term: step down. Count it only while you are a
    /// candidate and only for your current term; a majority makes you leader.
    pub fn on_vote(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: u64, granted: bool) {
        todo!("lab 05-07: paste your solution")
    }

    /// Step down (or stay) as a follower of `term`, following `leader` if
    /// known. A newer term forgets the vote (persist both). A node that was
    /// not a follower restarts its election timeout.
    pub fn become_follower(&mut self, ctx: &mut Ctx<Self>, term: u64, leader: Option<NodeId>) {
        todo!("lab 05-07: paste your solution")
    }

    /// Won: lead the term (`leader` is yourself), send heartbeats now and
    /// every `params.heartbeat` after.
    pub fn become_leader(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05-07: paste your solution")
    }

    /// The heartbeat timer fired. Leader: an (empty) AppendEntries to every
    /// peer, then re-arm. Candidate: re-send RequestVote to peers that have
    /// not voted yet, then re-arm. Follower: nothing.
    pub fn on_heartbeat_timer(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05-07: paste your solution")
    }

    /// An AppendEntries arrived. An older term: reject with your term.
    /// Otherwise the sender leads this term: follow it, reset the election
    /// timer, run the consistency check, merge the entries (persisting what
    /// changed), advance the commit index (persisting it) and apply, answer.
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
        todo!("lab 05-07: paste your solution")
    }

    /// An AppendReply arrived. Higher term: step down. As leader of this
    /// term: update the peer's next/match, advance the commit, re-send.
    pub fn on_append_reply(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        success: bool,
        match_index: u64,
    ) {
        todo!("lab 05-07: paste your solution")
    }
}

impl RaftNode {
    fn request_votes(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05-07: paste your solution")
    }

    fn send_heartbeats(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05-07: paste your solution")
    }

    /// Send `peer` the entries from its next index (at most
    /// `params.max_entries`), with the consistency-check pair before them.
    pub fn send_append(&mut self, ctx: &mut Ctx<Self>, peer: NodeId) {
        todo!("lab 05-07: paste your solution")
    }

    /// Leader: the highest index a majority holds becomes committed if its
    /// entry is of the current term (§5.4.2); then apply.
    pub fn advance_commit(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 05-07: paste your solution")
    }

    /// Apply committed entries in order, client commands through
    /// `apply_client`, answering waiting clients with `answer`.
    pub fn apply_committed(&mut self, ctx: &mut Ctx<Self>) {
        todo!("lab 06/07: paste your solution; lab 08: apply client commands through apply_client (not Kv::apply) and answer with its reply")
    }
}

// ----------------------------------------------------------------------
// The key-value service (README: "The service"). Lab 08.
// ----------------------------------------------------------------------

impl RaftNode {
    /// A client request arrived (§8). Not the leader: redirect, with the
    /// leader you follow as a hint. The leader: a request its sessions show
    /// as already applied gets the cached answer at once (a newer one of the
    /// same client was applied: no answer, the client has moved on); one
    /// already waiting in the log gets nothing more (it is answered when it
    /// applies); a new one is appended to the log as a
    /// `Command::Client(ClientCommand { client, id, op })`, persisted,
    /// remembered in `waiting` and replicated.
    pub fn handle_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        todo!("lab 08: redirect unless leader; session hit: cached answer; already waiting: nothing; else append, persist, wait, replicate")
    }

    /// Apply one committed client command to the key-value store, exactly
    /// once per `(client, id)`: the client's session (`kv.sessions`) holds
    /// the id of its last applied request and that request's result. The
    /// same id again (a retry that reached the log twice) returns the cached
    /// result without executing; an older id returns `None` (nobody waits
    /// for it); a newer one executes (`kv.execute`), becomes the session's
    /// last, and returns its result.
    pub fn apply_client(&mut self, command: &ClientCommand) -> Option<Reply> {
        // lab 08 B: the session table — same id: the cached result; older:
        // None; newer: execute and record. Until part B, every copy runs
        // (part A passes; a retry that reached the log twice applies twice).
        let result = self.kv.execute(&command.op);
        let session = Session {
            last_id: command.id,
            result: result.clone(),
        };
        self.kv.sessions.insert(command.client, session);
        Some(result)
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

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        self.handle_request(ctx, request);
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
            applied: 0,
            applied_hash: 0,
            progress: BTreeMap::new(),
            waiting: BTreeMap::new(),
            acked: Vec::new(),
            stored_last: 0,
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
        (self.applied, self.applied_hash)
    }
    fn acked(&self) -> &[(u64, u64)] {
        &self.acked
    }
    fn kv(&self) -> &Kv {
        &self.kv
    }
}
