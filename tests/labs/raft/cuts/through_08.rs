// CUT: the Raft skeleton with labs 05 to 08 written (full marks on lab 08, zero on the optional lab 14)
//! Labs 05–08 and 14 — Raft: your Raft node, one file for the five labs.
//!
//! Like 6.5840's `raft.go`, this one file grows lab by lab: lab 05 (leader
//! election), 06 (log replication), 07 (persistence and crash recovery),
//! 08 (a linearizable key-value service), and the optional lab 14 (reads
//! without the log: ReadIndex). Each block you write is marked
//! `TODO lab NN P` (lab and part, the order to work in): a `todo!()` when
//! it is the next thing to write, or a small stand-in when a later lab
//! replaces it (the stand-in keeps the earlier labs passing until then).
//! Never copy the file: lab 06 continues where lab 05 ended.
//!
//! The lab READMEs (`labs/05-raft-election/README.md`, ...) explain the
//! rules; each function's comment says which rule it implements.
//! Everything else — messages, fields, timers, dispatch, client plumbing,
//! the accessors the grader reads — is given; you may add fields and helper
//! functions, but keep the `RaftLabNode` accessors truthful: the checks
//! read your node through them after every step, and right after a restart.
//!
//! Run it: `cargo run --release -p lab-raft -- tui labs/05-raft-election/scenarios/election-3.toml`
//! Grade it: `cargo run --release -p lab-raft -- lab check 05` (06, 07, 08, 14)

// The todo!()s and the stand-ins leave parameters, imports, helpers and
// the code after a todo!() unused until you fill them.
#![allow(
    unused_variables,
    unused_imports,
    unused_mut,
    unreachable_code,
    dead_code
)]

use distlab::labs::raft::{Params, RaftLabNode};
use distlab::protocols::raft::kv::Session;
use distlab::protocols::raft::{ClientCommand, Command, ReadMode};
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
    /// Lab 14: the leader asks whether it still leads (a ReadIndex round).
    ReadProbe {
        /// The leader's term.
        term: u64,
        /// The round.
        round: u64,
    },
    /// The answer to a ReadProbe.
    ReadAck {
        /// The follower's current term.
        term: u64,
        /// The round it answers.
        round: u64,
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

/// Lab 14: a read waiting at the leader for its round and its index.
#[derive(Clone, Debug)]
pub struct PendingRead {
    /// The client's request.
    pub request: Request,
    /// The round that confirms it (0: not in a round yet).
    pub round: u64,
    /// The commit index it is answered at, once confirmed and applied.
    pub index: u64,
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
    /// Lab 14, leader only: reads waiting for a round or their index.
    pub reads: Vec<PendingRead>,
    /// Lab 14: the last ReadIndex round this node sent.
    pub read_round: u64,
    /// Lab 14, leader only: per peer, the highest round it acknowledged in
    /// this term.
    pub read_acks: BTreeMap<NodeId, u64>,
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

    /// A leader stepping down: its waiting clients (and, lab 14, its
    /// waiting reads) retry elsewhere.
    pub fn redirect_waiting(&mut self, ctx: &mut Ctx<Self>) {
        for (_, (client, id)) in std::mem::take(&mut self.waiting) {
            ctx.reply_to(client, id, Reply::Redirect(self.leader));
        }
        for read in std::mem::take(&mut self.reads) {
            ctx.reply(&read.request, Reply::Redirect(self.leader));
        }
        self.read_acks.clear();
    }

    /// Given: a heartbeat without entries — all a leader sends before lab 06.
    pub fn empty_heartbeat(&self) -> Msg {
        Msg::AppendEntries {
            term: self.term,
            prev_index: 0,
            prev_term: 0,
            entries: Vec::new(),
            commit: 0,
        }
    }

    /// Given: answer an AppendEntries from `to`.
    pub fn append_reply(&self, ctx: &mut Ctx<Self>, to: NodeId, success: bool, match_index: u64) {
        let term = self.term;
        let reply = Msg::AppendReply {
            term,
            success,
            match_index,
        };
        ctx.send(to, reply);
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
    // Persistence and recovery (README 05: "Durable state"; README 07).
    // Lab 05 part B persists term and vote (a crashed leader restarts);
    // lab 07 the log and the commit index. Until then these functions do
    // nothing, so the earlier parts pass without them.
    // ------------------------------------------------------------------

    /// Write `term` and `voted_for` to `ctx.storage()` (key [`META_KEY`],
    /// value [`Meta`]) and make them durable with `sync()`. Call it whenever
    /// either changes, before the handler returns (messages leave the node
    /// when the handler returns; a crash loses unsynced writes).
    pub fn persist(&mut self, ctx: &mut Ctx<Self>) {
        let meta = Meta {
            term: self.term,
            voted_for: self.voted_for,
        };
        ctx.storage().put(META_KEY, &meta);
        ctx.storage().sync();
    }

    /// Write the log entries `from..=last_index` to storage (one key per
    /// entry, [`entry_key`] → [`StoredEntry`]), remove stored entries after
    /// the last index (a truncation), remember the new `stored_last`, and
    /// `sync()`. Call it after every change to the log, before the handler
    /// returns, with `from` = the first index that changed (lab 06 writes
    /// the calls; the function does nothing until lab 07).
    pub fn persist_log(&mut self, ctx: &mut Ctx<Self>, from: u64) {
        let last = self.log.last_index();
        for index in from.max(1)..=last {
            let Some(e) = self.log.entry(index) else {
                continue;
            };
            let stored = StoredEntry {
                term: e.term,
                command: e.command.clone(),
            };
            ctx.storage().put(&entry_key(index), &stored);
        }
        for index in last + 1..=self.stored_last {
            ctx.storage().remove(&entry_key(index));
        }
        self.stored_last = last;
        ctx.storage().sync();
    }

    /// Write the commit index ([`COMMIT_KEY`]) and `sync()`. Call it whenever
    /// `commit` moves (the checks require that it never goes back on a node,
    /// restarts included; lab 06 writes the calls, lab 07 the function).
    pub fn persist_commit(&mut self, ctx: &mut Ctx<Self>) {
        ctx.storage().put(COMMIT_KEY, &self.commit);
        ctx.storage().sync();
    }

    /// Read back term, vote, log and commit index (nothing on the very first
    /// boot), then re-apply the committed entries: the key-value store is
    /// not stored, it is rebuilt from the log. `new` runs again at every
    /// restart, so this is how a node remembers.
    pub fn recover(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(meta) = ctx.storage().get::<Meta>(META_KEY) {
            self.term = meta.term;
            self.voted_for = meta.voted_for;
        }
        let mut index = 1;
        while let Some(e) = ctx.storage().get::<StoredEntry>(&entry_key(index)) {
            self.log.append(e.term, e.command);
            index += 1;
        }
        self.stored_last = self.log.last_index();
        let commit = ctx.storage().get::<u64>(COMMIT_KEY).unwrap_or(0);
        self.commit = commit.min(self.log.last_index());
        self.apply_committed(ctx);
    }

    // ------------------------------------------------------------------
    // Election (README 05: "Rules"), grown by replication in lab 06.
    // ------------------------------------------------------------------

    /// Start a fresh election timeout: cancel the pending election timer
    /// and set a new one, a random duration drawn uniformly from
    /// `params.election_timeout` (min, max) — a new draw every time.
    /// Use `ctx.rng().range_inclusive(lo, hi)` on nanoseconds
    /// (`SimTime::as_nanos`, `SimTime(n)`).
    pub fn reset_election_timer(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(id) = self.election_timer.take() {
            ctx.cancel_timer(id);
        }
        let (lo, hi) = self.params.election_timeout;
        let timeout = SimTime(ctx.rng().range_inclusive(lo.as_nanos(), hi.as_nanos()));
        self.election_timer = Some(ctx.set_timer(timeout, Timer::Election));
    }

    /// The election timer fired: a leader ignores it (re-arm); anyone else
    /// starts an election.
    pub fn on_election_timeout(&mut self, ctx: &mut Ctx<Self>) {
        if self.role == Role::Leader {
            self.reset_election_timer(ctx);
        } else {
            self.start_election(ctx);
        }
    }

    /// Become a candidate: next term, vote for yourself (persisted), reset
    /// the election timer, ask every peer for its vote (`request_votes`),
    /// and arm the heartbeat timer to re-send requests that got lost. A
    /// cluster of one wins at once.
    pub fn start_election(&mut self, ctx: &mut Ctx<Self>) {
        self.term += 1;
        self.role = Role::Candidate;
        self.voted_for = Some(self.id);
        self.leader = None;
        self.votes = BTreeSet::from([self.id]);
        self.persist(ctx);
        self.reset_election_timer(ctx);
        if self.votes.len() >= self.majority() {
            self.become_leader(ctx);
            return;
        }
        self.request_votes(ctx);
        self.arm_heartbeat(ctx);
    }

    /// A RequestVote arrived. Higher term: become a follower of that term
    /// first. Grant only if the term is yours, you have not voted for anyone
    /// else in it, and the candidate's log is at least as up to date as
    /// yours (§5.4.1; the log stays empty until lab 06, write it anyway). A
    /// granted vote is persisted and resets the election timer. Always
    /// answer with your (possibly new) term.
    pub fn on_request_vote(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        last_index: u64,
        last_term: u64,
    ) {
        if term > self.term {
            self.become_follower(ctx, term, None);
        }
        let up_to_date = (last_term, last_index) >= (self.log.last_term(), self.log.last_index());
        let free = self.voted_for.is_none() || self.voted_for == Some(from);
        let granted = term == self.term && free && up_to_date;
        if granted {
            self.voted_for = Some(from);
            self.persist(ctx);
            self.reset_election_timer(ctx);
        }
        let term = self.term;
        ctx.send(from, Msg::Vote { term, granted });
    }

    /// A Vote arrived. Higher term: step down. Count it only while you are a
    /// candidate and only for your current term; a majority makes you leader.
    pub fn on_vote(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: u64, granted: bool) {
        if term > self.term {
            self.become_follower(ctx, term, None);
            return;
        }
        if self.role != Role::Candidate || term != self.term || !granted {
            return;
        }
        self.votes.insert(from);
        if self.votes.len() >= self.majority() {
            self.become_leader(ctx);
        }
    }

    /// Step down (or stay) as a follower of `term`, following `leader` if
    /// known. A newer term forgets the vote (persist both). A node that was
    /// not a follower restarts its election timeout.
    pub fn become_follower(&mut self, ctx: &mut Ctx<Self>, term: u64, leader: Option<NodeId>) {
        if self.role == Role::Leader {
            // Given: a leader stepping down lets its waiting clients retry
            // elsewhere and forgets its followers' progress (lab 06).
            self.redirect_waiting(ctx);
            self.progress.clear();
        }
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.persist(ctx);
        }
        let was = self.role;
        self.role = Role::Follower;
        self.leader = leader;
        self.votes.clear();
        if was != Role::Follower {
            self.reset_election_timer(ctx);
        }
    }

    /// Won: lead the term (`leader` is yourself), send heartbeats now
    /// (`send_heartbeats`) and every `params.heartbeat` after.
    pub fn become_leader(&mut self, ctx: &mut Ctx<Self>) {
        let next = self.log.last_index() + 1;
        self.progress = ctx.peers().map(|p| (p, (next, 0))).collect();
        let index = self.log.append(self.term, Command::Noop);
        self.persist_log(ctx, index);
        self.role = Role::Leader;
        self.leader = Some(self.id);
        self.votes.clear();
        self.send_heartbeats(ctx);
        self.arm_heartbeat(ctx);
        // Given: a cluster of one commits at once (lab 06).
        self.advance_commit(ctx);
    }

    /// The heartbeat timer fired. Leader: AppendEntries to every peer
    /// (`send_heartbeats`), then re-arm. Candidate: re-send RequestVote to
    /// peers that have not voted yet (`request_votes`), then re-arm.
    /// Follower: nothing.
    pub fn on_heartbeat_timer(&mut self, ctx: &mut Ctx<Self>) {
        match self.role {
            Role::Leader => self.send_heartbeats(ctx),
            Role::Candidate => self.request_votes(ctx),
            Role::Follower => return,
        }
        self.arm_heartbeat(ctx);
    }

    /// An AppendEntries arrived. An older term: reject with your term.
    /// Otherwise the sender leads this term: follow it (a candidate of the
    /// same term steps down), reset the election timer; then (lab 06) run
    /// the consistency check, merge the entries (persisting what changed),
    /// advance the commit index (persisting it) and apply, answer.
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
        if term < self.term {
            self.append_reply(ctx, from, false, 0);
            return;
        }
        self.become_follower(ctx, term, Some(from));
        self.reset_election_timer(ctx);
        if self.log.term_at(prev_index) != Some(prev_term) {
            let hint = self.log.last_index().min(prev_index.saturating_sub(1));
            self.append_reply(ctx, from, false, hint);
            return;
        }
        let last_new = prev_index + entries.len() as u64;
        let mut changed = None;
        for (k, e) in entries.into_iter().enumerate() {
            let index = prev_index + 1 + k as u64;
            match self.log.term_at(index) {
                Some(t) if t == e.term => continue,
                Some(_) => self.log.truncate_after(index - 1),
                None => {}
            }
            self.log.append(e.term, e.command);
            changed.get_or_insert(index);
        }
        if let Some(from) = changed {
            self.persist_log(ctx, from);
        }
        let commit = commit.min(last_new);
        if commit > self.commit {
            self.commit = commit;
            self.persist_commit(ctx);
            self.apply_committed(ctx);
        }
        self.append_reply(ctx, from, true, last_new);
    }

    /// An AppendReply arrived. Higher term: step down. As leader of this
    /// term (lab 06): update the peer's next/match, advance the commit,
    /// re-send.
    pub fn on_append_reply(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        success: bool,
        match_index: u64,
    ) {
        if term > self.term {
            self.become_follower(ctx, term, None);
            return;
        }
        if self.role != Role::Leader || term != self.term {
            return;
        }
        let last = self.log.last_index();
        let Some(p) = self.progress.get_mut(&from) else {
            return;
        };
        if success {
            p.1 = p.1.max(match_index.min(last));
            p.0 = p.0.max(p.1 + 1);
            let behind = p.0 <= last;
            self.advance_commit(ctx);
            if behind {
                self.send_append(ctx, from);
            }
        } else {
            p.0 = (match_index + 1).clamp(p.1 + 1, last + 1);
            self.send_append(ctx, from);
        }
    }
}

impl RaftNode {
    /// Given: RequestVote, with your last log index and term, to every peer
    /// that has not voted for you yet.
    fn request_votes(&mut self, ctx: &mut Ctx<Self>) {
        let msg = Msg::RequestVote {
            term: self.term,
            last_index: self.log.last_index(),
            last_term: self.log.last_term(),
        };
        for peer in ctx.peers() {
            if !self.votes.contains(&peer) {
                ctx.send(peer, msg.clone());
            }
        }
    }

    /// Given: an AppendEntries (`send_append`) to every peer.
    fn send_heartbeats(&mut self, ctx: &mut Ctx<Self>) {
        for peer in ctx.peers() {
            self.send_append(ctx, peer);
        }
    }

    /// Send `peer` the entries from its next index (at most
    /// `params.max_entries`), with the consistency-check pair before them.
    pub fn send_append(&mut self, ctx: &mut Ctx<Self>, peer: NodeId) {
        let Some(&(next, _)) = self.progress.get(&peer) else {
            return;
        };
        let prev_index = next - 1;
        let msg = Msg::AppendEntries {
            term: self.term,
            prev_index,
            prev_term: self.log.term_at(prev_index).unwrap_or(0),
            entries: self.log.entries_from(next, self.params.max_entries),
            commit: self.commit,
        };
        ctx.send(peer, msg);
    }

    /// Leader: the highest index a majority holds becomes committed if its
    /// entry is of the current term (§5.4.2); persist it, then apply.
    pub fn advance_commit(&mut self, ctx: &mut Ctx<Self>) {
        if self.role != Role::Leader {
            return;
        }
        let mut matched: Vec<u64> = self.progress.values().map(|p| p.1).collect();
        matched.push(self.log.last_index());
        matched.sort_unstable_by(|a, b| b.cmp(a));
        let n = matched[self.majority() - 1];
        if n > self.commit && self.log.term_at(n) == Some(self.term) {
            self.commit = n;
            self.persist_commit(ctx);
            self.apply_committed(ctx);
        }
    }

    /// Apply committed entries in order, client commands through
    /// `apply_client`, answering waiting clients with `answer`.
    pub fn apply_committed(&mut self, ctx: &mut Ctx<Self>) {
        while self.applied < self.commit {
            let index = self.applied + 1;
            let Some(entry) = self.log.entry(index).cloned() else {
                break;
            };
            self.applied = index;
            self.applied_hash = entry.hash;
            if let Command::Client(command) = &entry.command {
                if let Some(reply) = self.apply_client(command) {
                    self.answer(ctx, index, (command.client, command.id), reply);
                }
            }
        }
    }
}

// ----------------------------------------------------------------------
// The key-value service (README 08: "The service").
// ----------------------------------------------------------------------

impl RaftNode {
    /// A client request arrived (§8). Given: a follower redirects, with the
    /// leader it follows as a hint; the leader appends the request to its
    /// log (`append_request`). Lab 08 adds the session check before it; in
    /// read-index mode (lab 14) a read goes to `start_read` instead.
    pub fn handle_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        if self.role != Role::Leader {
            let hint = self.leader.filter(|l| *l != self.id);
            ctx.reply(&request, Reply::Redirect(hint));
            return;
        }
        if let Some(session) = self.kv.sessions.get(&request.client) {
            if request.id == session.last_id {
                let result = session.result.clone();
                ctx.reply(&request, result);
                return;
            }
            if request.id < session.last_id {
                return;
            }
        }
        if self.params.read_mode != ReadMode::Log && is_read(&request) {
            // Lab 14: in read-index mode a read does not go through the log.
            self.start_read(ctx, request);
            return;
        }
        self.append_request(ctx, request);
    }

    /// Given: the leader appends `request` to its log as a
    /// `Command::Client(ClientCommand { client, id, op })`, persists it,
    /// remembers it in `waiting` and replicates it, unless it is already
    /// waiting there (it is answered when it applies).
    pub fn append_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let key = (request.client, request.id);
        if self.waiting.values().any(|w| *w == key) {
            return;
        }
        let command = Command::Client(ClientCommand {
            client: request.client,
            id: request.id,
            op: request.op,
        });
        let index = self.log.append(self.term, command);
        self.persist_log(ctx, index);
        self.waiting.insert(index, key);
        self.send_heartbeats(ctx);
        self.advance_commit(ctx);
    }

    /// Apply one committed client command to the key-value store, exactly
    /// once per `(client, id)`: the client's session (`kv.sessions`) holds
    /// the id of its last applied request and that request's result. The
    /// same id again (a retry that reached the log twice) returns the cached
    /// result without executing; an older id returns `None` (nobody waits
    /// for it); a newer one executes (`kv.execute`), becomes the session's
    /// last, and returns its result. Lab 07 part B writes it (crashes and
    /// retries put a request in the log twice); until then a stand-in
    /// executes every copy (the library's `Kv::apply` without
    /// deduplication).
    pub fn apply_client(&mut self, command: &ClientCommand) -> Option<Reply> {
        if let Some(session) = self.kv.sessions.get(&command.client) {
            if command.id == session.last_id {
                return Some(session.result.clone());
            }
            if command.id < session.last_id {
                return None;
            }
        }
        let result = self.kv.execute(&command.op);
        let session = Session {
            last_id: command.id,
            result: result.clone(),
        };
        self.kv.sessions.insert(command.client, session);
        Some(result)
    }
}

// ----------------------------------------------------------------------
// Reads without the log (README 14: ReadIndex, the Raft dissertation §6.4).
// ----------------------------------------------------------------------

/// Given: whether `request` reads (`get` or `read`) rather than writes.
pub fn is_read(request: &Request) -> bool {
    matches!(request.op.f.as_str(), "get" | "read")
}

impl RaftNode {
    /// A read arrived at the leader in read-index mode (`params.read_mode`
    /// is not `Log`). Keep it in `reads`, not in the log: it is answered by
    /// `progress_reads` once a round confirms that this node still leads and
    /// its index is applied. Until lab 14, a stand-in puts it in the log
    /// like a write.
    pub fn start_read(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        // TODO lab 14 A: remember the read in `reads` (round 0: in no round
        // yet), then progress_reads.
        // (Until lab 14, a stand-in:)
        return self.append_request(ctx, request);
    }

    /// Given: the follower side of a round. A probe of this term or a newer
    /// one comes from the leader: follow it. Answer with your term (an older
    /// leader learns it was deposed).
    pub fn on_read_probe(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: u64, round: u64) {
        if term > self.term || (term == self.term && self.role != Role::Leader) {
            self.become_follower(ctx, term, Some(from));
        }
        let term = self.term;
        ctx.send(from, Msg::ReadAck { term, round });
    }

    /// A ReadAck arrived: a newer term deposes you; as leader of this term,
    /// remember the highest round `from` acknowledged (`read_acks`).
    pub fn on_read_ack(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: u64, round: u64) {
        // TODO lab 14 A: step down on a newer term; as leader of this term
        // record read_acks[from] = the highest round it acknowledged.
        // (Until lab 14, a stand-in:)
        return;
    }

    /// Called after every message and, with `retry`, on every heartbeat
    /// timer. As a leader that has committed an entry of its own term (so
    /// its commit index covers everything committed before it): answer the
    /// reads a majority's acknowledgements confirmed, once their index is
    /// applied; start a round for reads that have none (and, with `retry`,
    /// for reads whose round is still unconfirmed).
    pub fn progress_reads(&mut self, ctx: &mut Ctx<Self>, retry: bool) {
        // TODO lab 14 A: the ReadIndex rules (README 14, R1-R4): nothing before
        // an entry of your term is committed; the highest round a majority (you
        // counted) acknowledged confirms its reads and every earlier round's;
        // answer a confirmed read once its index is applied (kv.read); a read
        // without a round (or, with retry, in an unconfirmed one) joins a new
        // round: read_round + 1, index = the commit index when it first joins,
        // ReadProbe to every peer.
        // (Until lab 14, a stand-in:)
        return;
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
            Msg::ReadProbe { term, round } => self.on_read_probe(ctx, from, term, round),
            Msg::ReadAck { term, round } => self.on_read_ack(ctx, from, term, round),
        }
        // Lab 14: a message may have confirmed a round or applied an index.
        self.progress_reads(ctx, false);
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
                // Lab 14: a round unconfirmed since the last heartbeat is
                // sent again (its probes or acks may be lost).
                self.progress_reads(ctx, true);
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
            reads: Vec::new(),
            read_round: 0,
            read_acks: BTreeMap::new(),
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
