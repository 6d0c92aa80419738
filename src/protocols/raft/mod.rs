//! Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus
//! Algorithm", 2014) with a linearizable key-value store on top.
//!
//! Every rule of the paper's Figure 2 lives in one place:
//!
//! - **Election** (`election.rs`): randomized election timeouts on the node's
//!   local clock; RequestVote with the log up-to-date check (§5.4.1); step
//!   down on any higher term; optional PreVote (§9.6 of the dissertation) so a
//!   node that was cut off cannot disrupt a working leader when it returns;
//!   CheckQuorum, so a leader that lost its majority steps down and its
//!   clients are redirected.
//! - **Replication** (`replication.rs`): AppendEntries as heartbeat and
//!   carrier, the consistency check on `(prev_index, prev_term)`, fast
//!   backtracking with the conflicting term and its first index, commit only
//!   of entries of the leader's own term by majority (§5.4.2), apply in order.
//! - **Persistence** (`persist.rs`): term, vote, log and commit index are
//!   written and synced before the handler's messages leave.
//! - **Snapshots** (`snapshot.rs`): every `snapshot_every` applied entries the
//!   state machine is saved and the log prefix dropped; a follower that needs
//!   dropped entries gets InstallSnapshot.
//! - **Clients** (`client.rs`, `kv.rs`): followers redirect to the leader; the
//!   leader appends the request and answers once it is applied. Reads go
//!   **through the log** (a `get` is a log entry like a write), which makes
//!   them linearizable without leases or ReadIndex, at the price of a
//!   replication round per read — by default: `read_mode` also offers
//!   ReadIndex and lease reads (`reads.rs`, dissertation §6.4). Client
//!   sessions make retries exactly-once; with `session_timeout` they
//!   expire by the leader's clock stamps in the entries (§6.3).
//!
//! Checks (`checks.rs`): election safety, leader append-only, log matching,
//! leader completeness, state-machine safety and "commit index never
//! decreases" after every step (monitors, with memory across crashes); at the
//! end a stable leader and every acknowledged operation applied on every
//! node; the client history must be linearizable.
//!
//! Bug switches (`[protocol] bugs = [...]`, [`Bug`]) each remove one rule, to
//! see what it protects. Parameters and their defaults:
//! [`scenario::PARAMS`]. docs/protocols/raft.md is the guided tour.

mod checks;
mod client;
mod election;
mod inspect;
pub use super::replicated_kv as kv;
pub mod liveness;
pub mod log;
pub mod membership;
pub mod persist;
mod reads;
mod replication;
pub mod scenario;
mod snapshot;
mod transfer;

pub use checks::{builder, is_leader, RaftLabNode};
pub use kv::{Kv, KvWorkload};
pub use log::{ClientCommand, Command, Entry, Log};
pub use membership::{Change, ChangeOp, Config};
pub use persist::Snapshot;
pub use snapshot::PartialSnapshot;
pub use transfer::Transfer;

use crate::sim::{ClientId, Ctx, Node, NodeId, Request, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

crate::bug_switches! {
    /// A deliberate deviation from the protocol, to see the checks catch it.
    pub enum Bug {
        /// Grant votes without the log up-to-date check (§5.4.1): a candidate
        /// missing committed entries can win and overwrite them.
        VoteWithoutLogCheck = "vote-without-log-check",
        /// Commit entries of earlier terms by counting replicas (Figure 8):
        /// such an entry can still be overwritten by a later leader.
        CommitOldTerms = "commit-old-terms",
        /// Answer before the writes are durable (sync later, on a timer): a crash
        /// loses votes and entries the node already acknowledged.
        ReplyBeforeSync = "reply-before-sync",
        /// Forget the vote on restart: a node can vote twice in one term.
        ForgetVote = "forget-vote",
        /// The leader applies (and answers) an entry as soon as it is in its own
        /// log, before a majority holds it.
        ApplyBeforeCommit = "apply-before-commit",
        /// No client sessions: a request retried after a redirect executes twice.
        NoDedup = "no-dedup",
        /// `read_mode = "read-index"` without the heartbeat round: the leader
        /// answers a read at its commit index without confirming it still
        /// leads, so a leader cut off from its majority serves stale reads.
        ReadIndexNoConfirm = "read-index-no-confirm",
        /// `read_mode = "lease"` with no clock-drift margin: the lease runs for
        /// the whole minimum election timeout on the leader's clock, so with
        /// drifting clocks a deposed leader serves reads after a new leader
        /// committed writes.
        LeaseIgnoresDrift = "lease-ignores-drift",
        /// Membership changes: a node puts a configuration in force only
        /// once it is committed, not when it is appended (§4.1): the leader
        /// commits with the old configuration's majority while its log
        /// already names the new one.
        ConfigOnCommit = "config-on-commit",
        /// Membership changes: the leader appends the next configuration
        /// without waiting for the previous one to commit, so two changes
        /// are in flight and the old and newest configurations can have
        /// disjoint majorities.
        TwoChangesAtOnce = "two-changes-at-once",
        /// The leader compacts at its applied index whatever its followers
        /// still need (no `snapshot_hold`): a healthy follower a few entries
        /// behind gets a whole snapshot.
        CompactPastFollowers = "compact-past-followers",
    }
}

/// How the leader changes the voters (`membership`): the dissertation's
/// §4.2 or §4.3.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum Membership {
    /// One voter added or removed per configuration entry.
    #[default]
    Single,
    /// Through a joint configuration `C_old,new` (majorities of both).
    Joint,
}

impl crate::scenario::Choice for Membership {
    const NAMES: &'static [&'static str] = &["single", "joint"];
    const ALL: &'static [Membership] = &[Membership::Single, Membership::Joint];
}

/// How the leader serves a read (`get`) — the Raft dissertation, §6.4.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum ReadMode {
    /// A read is a log entry like a write (a replication round and an
    /// entry per read).
    #[default]
    Log,
    /// ReadIndex (§6.4): note the commit index, confirm leadership by a
    /// round of [`Msg::ReadProbe`] acknowledged by a majority, answer once
    /// that index is applied. No log entry.
    ReadIndex,
    /// Lease reads (§6.4.1): after a confirmed round sent at local time
    /// `t`, answer reads without a round until `t` + minimum election
    /// timeout − a clock-drift margin.
    Lease,
}

impl crate::scenario::Choice for ReadMode {
    const NAMES: &'static [&'static str] = &["log", "read-index", "lease"];
    const ALL: &'static [ReadMode] = &[ReadMode::Log, ReadMode::ReadIndex, ReadMode::Lease];
}

/// Protocol parameters (`[protocol]` keys in parentheses; meanings and
/// defaults: [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Election timeout range, drawn anew at every reset
    /// (`election_timeout`).
    pub election_timeout: (SimTime, SimTime),
    /// Leader heartbeat and candidate vote-retry interval (`heartbeat`).
    pub heartbeat: SimTime,
    /// Run a PreVote round before a real election (`prevote`).
    pub prevote: bool,
    /// A leader that has not heard from a majority for an election timeout
    /// steps down (`check_quorum`).
    pub check_quorum: bool,
    /// Snapshot after this many applied entries; 0 never (`snapshot_every`).
    pub snapshot_every: u64,
    /// Most entries per AppendEntries (`max_entries`).
    pub max_entries: usize,
    /// Pipelined replication with per-follower progress states (probe,
    /// replicate, snapshot); off: every trigger re-sends everything
    /// unacknowledged, as before (`pipeline`).
    pub pipeline: bool,
    /// Most AppendEntries unacknowledged per follower in the replicate
    /// state: the flow-control window (`max_inflight`).
    pub max_inflight: usize,
    /// With `pipeline`: an unanswered InstallSnapshot is sent again only
    /// after this long (`snapshot_resend`).
    pub snapshot_resend: SimTime,
    /// Bytes of the snapshot's serialized form per
    /// [`Msg::SnapshotChunk`]; 0: whole, in one [`Msg::InstallSnapshot`]
    /// (`snapshot_chunk`, `snapshot.rs`).
    pub snapshot_chunk: usize,
    /// How reads are served (`read_mode`).
    pub read_mode: ReadMode,
    /// The clock drift bound a lease assumes, in parts per million
    /// (`lease_drift_ppm`): the lease is shortened by the margin it implies.
    pub lease_drift_ppm: u64,
    /// Client sessions expire after this long without activity, by the
    /// leader's stamps in the log; zero: never (`session_timeout`).
    pub session_timeout: SimTime,
    /// The leader does not compact past the match index of a follower it
    /// heard from within this long; zero: it compacts at its applied index
    /// (`snapshot_hold`, `snapshot.rs`).
    pub snapshot_hold: SimTime,
    /// Deliberate defects (`bugs`).
    pub bugs: BTreeSet<Bug>,
    /// Initial voters `0..voters`; 0: every node (`voters`).
    pub voters: u32,
    /// Membership changes the leader makes, in order (`changes`).
    pub changes: Vec<Change>,
    /// Single-server changes or joint consensus (`membership`).
    pub membership: Membership,
    /// A learner is promoted once its log is within this many entries of
    /// the leader's (`catchup_entries`).
    pub catchup_entries: u64,
    /// A follower keeps up to `max_inflight` AppendEntries of its leader's
    /// term that arrive before the entries they follow, and handles them
    /// when the gap fills (`reorder_buffer`, `replication.rs`).
    pub reorder_buffer: bool,
    /// A node that heard from a current leader within the minimum election
    /// timeout disregards RequestVote (the paper, §6), except a leadership
    /// transfer's (`ignore_votes_with_leader`, `election.rs`).
    pub ignore_votes_with_leader: bool,
}

impl Default for Params {
    fn default() -> Self {
        use scenario::*;
        Params {
            election_timeout: ELECTION_TIMEOUT.default_value(),
            heartbeat: HEARTBEAT.default_value(),
            prevote: PREVOTE.default_value(),
            check_quorum: CHECK_QUORUM.default_value(),
            snapshot_every: SNAPSHOT_EVERY.default_value(),
            max_entries: MAX_ENTRIES.default_value(),
            pipeline: PIPELINE.default_value(),
            max_inflight: MAX_INFLIGHT.default_value(),
            snapshot_resend: SNAPSHOT_RESEND.default_value(),
            snapshot_chunk: SNAPSHOT_CHUNK.default_value(),
            read_mode: READ_MODE.default_value(),
            lease_drift_ppm: LEASE_DRIFT_PPM.default_value(),
            session_timeout: SESSION_TIMEOUT.default_value(),
            snapshot_hold: SNAPSHOT_HOLD.default_value(),
            bugs: BTreeSet::new(),
            voters: VOTERS.default_value(),
            changes: Vec::new(),
            membership: MEMBERSHIP.default_value(),
            catchup_entries: CATCHUP_ENTRIES.default_value(),
            reorder_buffer: REORDER_BUFFER.default_value(),
            ignore_votes_with_leader: IGNORE_VOTES_WITH_LEADER.default_value(),
        }
    }
}

impl Params {
    /// True if `bug` is switched on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }

    /// The initial voters of a cluster of `nodes`: `voters`, or all.
    pub fn initial_voters(&self, nodes: u32) -> u32 {
        if self.voters == 0 {
            nodes
        } else {
            self.voters.min(nodes)
        }
    }

    /// True when a cluster of `nodes` uses membership changes (fewer
    /// initial voters than nodes, or `changes`).
    pub fn membership_active(&self, nodes: u32) -> bool {
        !self.changes.is_empty() || self.initial_voters(nodes) < nodes
    }
}

/// Messages between nodes (Figure 2's RPCs; replies are messages too).
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// RequestVote, or a PreVote probe for `term` (the term the sender would
    /// stand in; a PreVote changes nobody's term).
    RequestVote {
        /// Candidate's term (proposed term for a PreVote).
        term: u64,
        /// Candidate's last log index.
        last_index: u64,
        /// Candidate's last log term.
        last_term: u64,
        /// True for a PreVote.
        pre_vote: bool,
        /// True for the election a [`Msg::TimeoutNow`] started (leadership
        /// transfer): exempt from `ignore_votes_with_leader`.
        transfer: bool,
    },
    /// The answer to a RequestVote.
    Vote {
        /// Voter's term (the proposed term for a granted PreVote).
        term: u64,
        /// Whether the vote was granted.
        granted: bool,
        /// Answers a PreVote.
        pre_vote: bool,
    },
    /// AppendEntries: heartbeat and replication.
    AppendEntries {
        /// Leader's term.
        term: u64,
        /// Index of the entry before `entries`.
        prev_index: u64,
        /// Its term.
        prev_term: u64,
        /// Entries to store (empty for a heartbeat).
        entries: Vec<Entry>,
        /// Leader's commit index.
        commit: u64,
    },
    /// The answer to AppendEntries.
    AppendReply {
        /// Follower's term.
        term: u64,
        /// True if the follower matched `prev_index` and stored the entries.
        success: bool,
        /// On success: the follower's log matches the leader's through here.
        match_index: u64,
        /// On failure: where the leader should back up to (fast backtracking).
        conflict_index: u64,
        /// On failure: the term of the follower's conflicting entry, if any.
        conflict_term: Option<u64>,
    },
    /// InstallSnapshot (whole, in one message).
    InstallSnapshot {
        /// Leader's term.
        term: u64,
        /// The snapshot (boxed: it is by far the largest message, and every
        /// queued event is as large as the largest message).
        snapshot: Box<Snapshot>,
    },
    /// The answer to InstallSnapshot.
    SnapshotReply {
        /// Follower's term.
        term: u64,
        /// The follower's log matches the leader's through here.
        match_index: u64,
    },
    /// One chunk of InstallSnapshot with offsets (the paper's Figure 13;
    /// with `snapshot_chunk`): bytes `offset..` of the snapshot's
    /// serialized form.
    SnapshotChunk {
        /// Leader's term.
        term: u64,
        /// The snapshot's last included index.
        index: u64,
        /// Its term.
        snapshot_term: u64,
        /// Where `data` starts in the serialized snapshot.
        offset: u64,
        /// The bytes.
        data: Vec<u8>,
        /// True for the last chunk.
        done: bool,
    },
    /// The answer to a [`Msg::SnapshotChunk`].
    ChunkReply {
        /// Follower's term.
        term: u64,
        /// The snapshot the chunk belonged to (its last included index).
        index: u64,
        /// The offset of the chunk answered.
        offset: u64,
        /// The bytes the follower now holds of that snapshot: where the
        /// next chunk starts.
        next: u64,
        /// After the last chunk: the follower's log matches the leader's
        /// through here (0 before).
        match_index: u64,
    },
    /// A read round (ReadIndex, lease): "do you still follow me in
    /// `term`?" A follower treats it as a heartbeat without entries.
    ReadProbe {
        /// Leader's term.
        term: u64,
        /// The leader's round number in this term; 0 (no round) for a bare
        /// heartbeat (`replication.rs`).
        round: u64,
    },
    /// The answer to a [`Msg::ReadProbe`].
    ReadAck {
        /// Follower's term (higher than the probe's: the leader is deposed).
        term: u64,
        /// The round answered.
        round: u64,
    },
    /// Leadership transfer: "start an election now" (transfer.rs).
    TimeoutNow {
        /// The leader's term.
        term: u64,
    },
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// The election timeout (re-armed lazily when the deadline moved).
    Election,
    /// Leader heartbeat / candidate vote retry, for one term.
    Heartbeat {
        /// The term it was set in; stale ones are ignored.
        term: u64,
    },
    /// With the `reply-before-sync` bug: the late sync.
    Flush,
    /// Half a heartbeat after a leader's heartbeat: a bare heartbeat again
    /// to each quiet follower (`replication.rs`, `Raft::nudge_quiet`).
    Nudge {
        /// The term it was set in; stale ones are ignored.
        term: u64,
    },
}

/// A node's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Role {
    /// Follows a leader (or waits for one).
    Follower,
    /// Asking for PreVotes, term unchanged.
    PreCandidate,
    /// Asking for votes in its new term.
    Candidate,
    /// Leads its term.
    Leader,
}

/// How the leader replicates to one follower (with `pipeline`; etcd/raft's
/// progress states).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum Flow {
    /// Where the follower's log matches is unknown (a new term, or after a
    /// rejection): at most one AppendEntries in flight; `next` moves on its
    /// answer.
    #[default]
    Probe,
    /// The follower matches: `next` advances past what was sent at send
    /// time, up to `max_inflight` AppendEntries unacknowledged.
    Replicate,
    /// The follower needs the snapshot: one InstallSnapshot in flight, no
    /// AppendEntries with entries until it is answered (or resent after
    /// `snapshot_resend`).
    Snapshot,
}

/// Leader bookkeeping per peer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Progress {
    /// Next index to send.
    pub next: u64,
    /// Highest index known to match.
    pub matched: u64,
    /// Local time of the last answer (CheckQuorum).
    pub last_heard: SimTime,
    /// The replication state (with `pipeline`).
    pub flow: Flow,
    /// The last index of each AppendEntries with entries sent and not yet
    /// acknowledged, oldest first (with `pipeline`).
    pub inflight: std::collections::VecDeque<u64>,
    /// Local time the pending probe or snapshot was sent (with `pipeline`).
    pub sent_at: Option<SimTime>,
    /// The highest read round this peer acknowledged (with a `read_mode`
    /// other than `log`).
    pub read_ack: u64,
    /// With `snapshot_chunk`: the snapshot being sent in chunks (its last
    /// included index) and the offset of the chunk in flight.
    pub chunk: (u64, u64),
}

/// An AppendEntries a follower keeps until the entries before it arrive
/// (`reorder_buffer`; its `prev_index` is the key in [`Raft::early`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EarlyAppend {
    /// The term of the entry at `prev_index`.
    pub prev_term: u64,
    /// The entries.
    pub entries: Vec<Entry>,
    /// The leader's commit index when it sent them.
    pub commit: u64,
}

/// What a node sent, for the cost metrics (`entries-sent`,
/// `appends-per-commit`, `snapshot-copies`). Never read by a handler.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendStats {
    /// AppendEntries sent, heartbeats included.
    pub appends: u64,
    /// Entries carried by those AppendEntries.
    pub entries: u64,
    /// InstallSnapshot messages sent.
    pub snapshots: u64,
    /// Reads answered without a log entry (ReadIndex, lease).
    pub reads: u64,
    /// Read rounds started (each a [`Msg::ReadProbe`] to every peer).
    pub read_rounds: u64,
    /// Bare heartbeats (a [`Msg::ReadProbe`] of round 0) sent to a follower
    /// in probe or a quiet one (`replication.rs`).
    pub bare_heartbeats: u64,
    /// Chunks sent ([`Msg::SnapshotChunk`]; each chunk at offset 0 also
    /// counts as a copy in `snapshots`).
    pub snapshot_chunks: u64,
    /// Received, not sent: InstallSnapshots that reached this node while
    /// its log was within `max_entries` of the snapshot's index (one
    /// AppendEntries would have done), for `snapshots-to-near-followers`.
    pub near_snapshots: u64,
}

/// One Raft node.
#[derive(Clone)]
pub struct Raft {
    params: Arc<Params>,
    id: NodeId,
    nodes: u32,
    /// Current term (durable).
    pub term: u64,
    /// Vote in the current term (durable).
    pub voted_for: Option<NodeId>,
    /// The log (durable).
    pub log: Log,
    /// The latest snapshot (durable).
    pub snapshot: Option<Snapshot>,
    /// Role.
    pub role: Role,
    /// The leader this node believes in.
    pub leader: Option<NodeId>,
    /// Highest index known committed (durable, so it never goes back).
    pub commit: u64,
    /// Highest index applied to `kv`.
    pub applied: u64,
    /// Prefix hash of the last applied entry (what `kv` was built from).
    pub applied_hash: u64,
    /// The state machine.
    pub kv: Kv,
    /// Votes (or PreVotes) received in the current election.
    pub votes: BTreeSet<NodeId>,
    /// Per-peer progress (leader only).
    pub progress: BTreeMap<NodeId, Progress>,
    /// Client requests waiting for their entry to apply: index → (client, id).
    pub waiting: BTreeMap<u64, (ClientId, u64)>,
    /// Client requests held while no leader is known, with arrival time.
    pub held: Vec<(Request, SimTime)>,
    /// Entries this node answered a client for, as (index, prefix hash).
    pub acked: Vec<(u64, u64)>,
    /// Snapshots installed from a leader since this node last started.
    pub snapshots_installed: u64,
    /// With `snapshot_chunk`: the snapshot being received in chunks
    /// (`snapshot.rs`), discarded on a term change or a chunk of another
    /// snapshot.
    pub partial: Option<PartialSnapshot>,
    /// Local time of the last message from a current leader (PreVote lease).
    pub last_leader_contact: Option<SimTime>,
    /// With `reorder_buffer`: AppendEntries of the current term that
    /// arrived before the entries they follow, by `prev_index`, at most
    /// `max_inflight` (`replication.rs`). Volatile: dropped on a term
    /// change, a restart and a rejection.
    pub early: BTreeMap<u64, EarlyAppend>,
    /// This node's election in the current term was started by
    /// [`Msg::TimeoutNow`]: its RequestVotes say so (`transfer.rs`).
    pub transfer_campaign: bool,
    /// What this node sent since it started (metrics only).
    pub sent: SendStats,
    /// The leader's round-trip estimate for CheckQuorum's window: its
    /// election's, then a decaying maximum of its probes' (see
    /// `election.rs`, `quorum_window`).
    pub round_trip: SimTime,
    /// Reads waiting for their round or for the state machine (leader
    /// only, with a `read_mode` other than `log`).
    pub reads: Vec<reads::PendingRead>,
    /// The latest read round of this term (leader only).
    pub read_round: u64,
    /// Local time the read round in flight was sent, if one is.
    pub read_round_sent: Option<SimTime>,
    /// With `read_mode = "lease"`: local time until which the leader may
    /// answer reads without a round.
    pub lease_until: Option<SimTime>,
    /// With `read_mode = "lease"`: a read used the lease since the last
    /// round (the next heartbeat renews it).
    pub lease_used: bool,
    /// Local time this node's latest election sent its RequestVotes.
    election_sent: SimTime,
    election_deadline: SimTime,
    election_timer_at: Option<SimTime>,
    election_timer: Option<crate::sim::TimerId>,
    heartbeat_timer: Option<crate::sim::TimerId>,
    dirty: bool,
    flush_armed: bool,
    /// The configuration in force (membership.rs; all nodes vote without
    /// membership changes).
    pub config: Config,
    /// Index of its entry (0: the snapshot's or the initial one).
    pub config_index: u64,
    /// A leadership transfer in progress (leader only).
    pub transfer: Option<Transfer>,
}

impl Raft {
    /// A fresh node `id` of `nodes` (boot, or restart before recovery).
    pub fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Raft {
        Raft {
            id,
            nodes,
            term: 0,
            voted_for: None,
            log: Log::new(),
            snapshot: None,
            role: Role::Follower,
            leader: None,
            commit: 0,
            applied: 0,
            applied_hash: 0,
            kv: Kv::default(),
            votes: BTreeSet::new(),
            progress: BTreeMap::new(),
            waiting: BTreeMap::new(),
            held: Vec::new(),
            acked: Vec::new(),
            snapshots_installed: 0,
            partial: None,
            last_leader_contact: None,
            early: BTreeMap::new(),
            transfer_campaign: false,
            sent: SendStats::default(),
            round_trip: SimTime::ZERO,
            reads: Vec::new(),
            read_round: 0,
            read_round_sent: None,
            lease_until: None,
            lease_used: false,
            election_sent: SimTime::ZERO,
            election_deadline: SimTime::ZERO,
            election_timer_at: None,
            election_timer: None,
            heartbeat_timer: None,
            dirty: false,
            flush_armed: false,
            config: Config::initial(params.initial_voters(nodes)),
            config_index: 0,
            transfer: None,
            params,
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

    /// Votes needed to win: a majority of all nodes.
    pub fn majority(&self) -> usize {
        self.nodes as usize / 2 + 1
    }

    /// Make the handler's writes durable before its messages leave (see
    /// `persist.rs`); with `reply-before-sync`, only later, on a timer.
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

    /// The stamp for a new entry: the local clock in nanoseconds (at least
    /// 1) with `session_timeout`, else 0 (unstamped).
    fn stamp(&self, ctx: &Ctx<Self>) -> u64 {
        if self.params.session_timeout == SimTime::ZERO {
            0
        } else {
            ctx.now().as_nanos().max(1)
        }
    }

    /// Write term and vote (synced at the end of the handler).
    fn persist_meta(&mut self, ctx: &mut Ctx<Self>) {
        let meta = persist::Meta {
            term: self.term,
            voted_for: self.voted_for,
        };
        persist::save_meta(ctx.storage(), meta);
        self.dirty = true;
    }

    /// Rebuild from storage: snapshot, log, term, vote, commit; re-apply the
    /// committed entries.
    fn recover(&mut self, ctx: &mut Ctx<Self>) {
        let r = persist::load(ctx.storage());
        self.term = r.meta.term;
        self.voted_for = r.meta.voted_for;
        if self.params.has(Bug::ForgetVote) {
            self.voted_for = None;
        }
        self.log = r.log;
        if let Some(s) = &r.snapshot {
            self.kv = s.kv.clone();
            self.applied = s.index;
            self.applied_hash = s.hash;
        }
        if let Some(s) = &r.snapshot {
            self.dirty |= persist::remove_entries_through(ctx.storage(), s.index);
        }
        self.snapshot = r.snapshot;
        self.commit = r.commit.clamp(self.log.base_index(), self.log.last_index());
        self.apply_committed(ctx);
        if self.term > 0 {
            ctx.log(format!(
                "recovered: term {}, vote {}, log {}..={}, commit {}",
                self.term,
                self.voted_for.map_or("none".into(), |v| v.to_string()),
                self.log.base_index(),
                self.log.last_index(),
                self.commit
            ));
        }
    }
}

impl Node for Raft {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.recover(ctx);
        if self.params.read_mode == ReadMode::Lease {
            // A restarted node may have acknowledged a lease round before
            // it crashed: it grants no vote for a minimum election timeout
            // (reads.rs, the vote guard).
            self.last_leader_contact = Some(ctx.now());
        }
        if self.membership_active() {
            self.refresh_config(ctx);
        }
        self.reset_election_deadline(ctx);
        self.sync(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::RequestVote {
                term,
                last_index,
                last_term,
                pre_vote,
                transfer,
            } => {
                let kind = (pre_vote, transfer);
                self.on_request_vote(ctx, from, term, (last_index, last_term), kind)
            }
            Msg::Vote {
                term,
                granted,
                pre_vote,
            } => self.on_vote(ctx, from, term, granted, pre_vote),
            Msg::AppendEntries {
                term,
                prev_index,
                prev_term,
                entries,
                commit,
            } => self.on_append_entries(ctx, from, term, (prev_index, prev_term), entries, commit),
            Msg::AppendReply {
                term,
                success,
                match_index,
                conflict_index,
                conflict_term,
            } => {
                let conflict = (!success).then_some((conflict_index, conflict_term));
                self.on_append_reply(ctx, from, term, match_index, conflict);
            }
            Msg::InstallSnapshot { term, snapshot } => {
                self.on_install_snapshot(ctx, from, term, *snapshot)
            }
            Msg::SnapshotReply { term, match_index } => {
                self.on_append_reply(ctx, from, term, match_index, None)
            }
            Msg::SnapshotChunk {
                term,
                index,
                snapshot_term,
                offset,
                data,
                done,
            } => {
                let chunk = snapshot::Chunk {
                    index,
                    snapshot_term,
                    offset,
                    data,
                    done,
                };
                self.on_snapshot_chunk(ctx, from, term, chunk)
            }
            Msg::ChunkReply {
                term,
                index,
                offset,
                next,
                match_index,
            } => self.on_chunk_reply(ctx, from, term, (index, offset, next), match_index),
            Msg::ReadProbe { term, round } => self.on_read_probe(ctx, from, term, round),
            Msg::ReadAck { term, round } => self.on_read_ack(ctx, from, term, round),
            Msg::TimeoutNow { term } => self.on_timeout_now(ctx, from, term),
        }
        if self.membership_active() {
            self.membership_tick(ctx);
        }
        self.sync(ctx);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Election => self.on_election_timer(ctx),
            Timer::Heartbeat { term } => self.on_heartbeat(ctx, term),
            Timer::Flush => {
                self.flush_armed = false;
                ctx.storage().sync();
                self.dirty = false;
            }
            Timer::Nudge { term } => self.nudge_quiet(ctx, term),
        }
        if self.membership_active() {
            self.membership_tick(ctx);
        }
        self.sync(ctx);
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        self.handle_request(ctx, request);
        if self.membership_active() {
            self.membership_tick(ctx);
        }
        self.sync(ctx);
    }

    /// Every field a handler reads (the destructuring makes a new field a
    /// compile error here until it is added), hashed directly: `Debug`
    /// shows a summary (no deadlines, held requests or timers), and
    /// formatting it was most of an explored step's cost. Left out: the
    /// parameters (the same in every state), the time of the last leader
    /// contact unless PreVote is on, and the two timer ids — each
    /// names the node's one pending timer of its kind (set, fired or
    /// cancelled together with the field), and the explorer hashes the
    /// pending timers themselves, so only whether each is set matters.
    fn fingerprint(&self, h: &mut crate::base::hash::StableHasher) {
        use std::hash::Hash;
        let Raft {
            params: _,
            id,
            nodes,
            term,
            voted_for,
            log,
            snapshot,
            role,
            leader,
            commit,
            applied,
            applied_hash,
            kv,
            votes,
            progress,
            waiting,
            held,
            acked,
            snapshots_installed,
            partial,
            last_leader_contact,
            early,
            transfer_campaign,
            // Counts for the metrics; no handler reads them.
            sent: _,
            round_trip,
            reads,
            read_round,
            read_round_sent,
            lease_until,
            lease_used,
            election_sent,
            election_deadline,
            election_timer_at,
            election_timer,
            heartbeat_timer,
            dirty,
            flush_armed,
            config,
            config_index,
            transfer,
        } = self;
        (id, nodes, term, voted_for, log, snapshot, role, leader).hash(h);
        (commit, applied, applied_hash, kv, votes, progress, waiting).hash(h);
        // Without membership changes the configuration never changes.
        if self.membership_active() {
            (config, config_index, transfer).hash(h);
        }
        (held, acked, snapshots_installed, round_trip, election_sent).hash(h);
        // Only with `snapshot_chunk` (always `None` without).
        if partial.is_some() {
            partial.hash(h);
        }
        // Only with `reorder_buffer` (always empty without) and after a
        // TimeoutNow (always false without membership changes).
        if !early.is_empty() || *transfer_campaign {
            (early, transfer_campaign).hash(h);
        }
        // Read only with a read mode other than `log`.
        if self.params.read_mode != ReadMode::Log {
            (reads, read_round, read_round_sent, lease_until, lease_used).hash(h);
        }
        // Read only to answer a PreVote or, with `ignore_votes_with_leader`,
        // a RequestVote.
        if self.params.prevote
            || self.params.ignore_votes_with_leader
            || self.params.read_mode == ReadMode::Lease
        {
            last_leader_contact.hash(h);
        }
        (election_deadline, election_timer_at, dirty, flush_armed).hash(h);
        (election_timer.is_some(), heartbeat_timer.is_some()).hash(h);
    }

    /// None of the ids needs hashing (see the note on the two timers in
    /// `fingerprint` above): the explorer need not scan for them.
    fn kept_timer_ids(&self) -> Option<Vec<u64>> {
        Some(Vec::new())
    }

    /// `term` and `log`: an explored search bounded by them (`[explore]
    /// bounds = { term = 2 }`) does not expand a state where a node stood
    /// in a later term or holds a longer log. Elections re-arm forever, so
    /// without a bound the terms (and the logs, one no-op per term) grow
    /// without limit.
    const BOUNDS: &'static [crate::sim::Bound<Self>] = &[
        crate::sim::Bound {
            name: "term",
            meaning: "the node's current term",
            value: |n| n.term,
        },
        crate::sim::Bound {
            name: "log",
            meaning: "the index of the node's last log entry",
            value: |n| n.log.last_index(),
        },
    ];

    /// As `fingerprint`, with the node's times relative to its clock
    /// reading `now`. Raft uses times only against its own clock: the
    /// election deadline and when the pending election timer fires (both
    /// compared with later readings: once past, only "past" matters, so
    /// they are clamped at now), when each held request arrived (expired
    /// once the longest election timeout has passed: clamped there), and,
    /// only with CheckQuorum or PreVote, when it last heard from each peer
    /// or from a leader (compared with windows of an election timeout:
    /// clamped there). With a read mode other than `log`: when the read
    /// round in flight was sent (clamped at a heartbeat) and the lease's
    /// end (clamped at now). No message, timer or stored value carries a
    /// time — except, with `session_timeout`, the entries' stamps, which
    /// are hashed as they are (the explorer runs without expiry).
    fn fingerprint_relative(&self, now: SimTime, h: &mut crate::base::hash::StableHasher) -> bool {
        use crate::sim::relative_time;
        use std::hash::Hash;
        let Raft {
            params,
            id,
            nodes,
            term,
            voted_for,
            log,
            snapshot,
            role,
            leader,
            commit,
            applied,
            applied_hash,
            kv,
            votes,
            progress,
            waiting,
            held,
            acked,
            snapshots_installed,
            partial,
            last_leader_contact,
            early,
            transfer_campaign,
            // Counts for the metrics; no handler reads them.
            sent: _,
            round_trip,
            reads,
            read_round,
            read_round_sent,
            lease_until,
            lease_used,
            election_sent,
            election_deadline,
            election_timer_at,
            election_timer,
            heartbeat_timer,
            dirty,
            flush_armed,
            config,
            config_index,
            transfer,
        } = self;
        // Without membership changes the configuration never changes; a
        // transfer's deadline is compared with later readings (once past,
        // only "past" matters).
        if self.membership_active() {
            (config, config_index).hash(h);
            transfer
                .map(|t| (t.target, t.sent, relative_time(t.until, now).max(0)))
                .hash(h);
        }
        // How long until `t`, or 0 once it is past.
        let ahead = |t: SimTime| relative_time(t, now).max(0);
        // How long ago `t` was, up to `limit` (older is as old).
        let ago =
            |t: SimTime, limit: SimTime| (-relative_time(t, now)).min(limit.as_nanos().into());
        let (min_timeout, max_timeout) = params.election_timeout;
        (id, nodes, term, voted_for, log, snapshot, role, leader).hash(h);
        (commit, applied, applied_hash, kv, votes, waiting).hash(h);
        // A probe or snapshot is resent once `heartbeat` or the snapshot's
        // resend time passed: older is as old.
        let resend = params.heartbeat.max(self.snapshot_resend_after());
        let quorum_window = self.quorum_window();
        for (peer, p) in progress {
            let Progress {
                next,
                matched,
                last_heard,
                flow,
                inflight,
                sent_at,
                read_ack,
                chunk,
            } = p;
            (peer, next, matched, flow, inflight).hash(h);
            if params.snapshot_chunk > 0 {
                chunk.hash(h);
            }
            if params.read_mode != ReadMode::Log {
                read_ack.hash(h);
            }
            // Read only by the pipelined leader (resends, and whether a
            // follower answered since a send).
            if params.pipeline {
                sent_at.map(|t| ago(t, resend)).hash(h);
                sent_at.map(|t| last_heard > &t).hash(h);
            }
            // CheckQuorum's window; the pipelined leader's quiet and
            // silent followers (a heartbeat and a round trip, shorter).
            if params.check_quorum || params.pipeline {
                ago(*last_heard, quorum_window).hash(h);
            }
        }
        held.len().hash(h);
        for (request, since) in held {
            (request, ago(*since, max_timeout)).hash(h);
        }
        (acked, snapshots_installed).hash(h);
        // Only with `snapshot_chunk` (always `None` without).
        if partial.is_some() {
            partial.hash(h);
        }
        // Only with `reorder_buffer` (always empty without) and after a
        // TimeoutNow (always false without membership changes).
        if !early.is_empty() || *transfer_campaign {
            (early, transfer_campaign).hash(h);
        }
        // Read only for CheckQuorum's window and by the pipelined leader
        // (quiet followers, snapshot resends): the round-trip estimate,
        // and when the election's requests left (to measure it, capped
        // there).
        if params.check_quorum || params.pipeline {
            round_trip.hash(h);
            ago(*election_sent, self.round_trip_cap()).hash(h);
        }
        if params.prevote || params.ignore_votes_with_leader || params.read_mode == ReadMode::Lease
        {
            last_leader_contact.map(|t| ago(t, min_timeout)).hash(h);
        }
        // Read only with a read mode other than `log`: the round in flight
        // is resent after a heartbeat (older is as old); the lease is
        // compared with later readings (once past, only "past" matters).
        if params.read_mode != ReadMode::Log {
            (reads, read_round, lease_used).hash(h);
            read_round_sent.map(|t| ago(t, params.heartbeat)).hash(h);
            lease_until.map(ahead).hash(h);
        }
        (ahead(*election_deadline), election_timer_at.map(ahead)).hash(h);
        (dirty, flush_armed).hash(h);
        (election_timer.is_some(), heartbeat_timer.is_some()).hash(h);
        true
    }

    fn role(&self) -> Option<&str> {
        Some(match self.role {
            Role::Follower => "follower",
            Role::PreCandidate | Role::Candidate => "candidate",
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
            Role::PreCandidate => "pre-candidate",
            Role::Candidate => "candidate",
            Role::Leader => "LEADER",
        };
        let leader = self.leader.map_or("?".into(), |l| l.to_string());
        format!(
            "{role} t{} commit {} applied {} log {}..{} leader {leader}",
            self.term,
            self.commit,
            self.applied,
            self.log.base_index(),
            self.log.last_index()
        )
    }
}

/// The node's full state for the UI, with long collections summarised.
impl fmt::Debug for Raft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sessions: Vec<String> = self
            .kv
            .sessions
            .iter()
            .map(|(c, s)| format!("{c}#{}", s.last_id))
            .collect();
        let mut d = f.debug_struct("Raft");
        d.field("id", &self.id)
            .field("role", &self.role)
            .field("term", &self.term)
            .field("voted_for", &self.voted_for)
            .field("leader", &self.leader)
            .field("commit", &self.commit)
            .field("applied", &self.applied)
            .field("log", &self.log)
            .field("snapshot_index", &self.snapshot.as_ref().map(|s| s.index))
            .field("data", &self.kv.data)
            .field("sessions", &sessions)
            .field("votes", &self.votes)
            .field("progress", &self.progress)
            .field("waiting", &self.waiting)
            .field("held_requests", &self.held.len())
            .field("acknowledged", &self.acked.len())
            .field("snapshots_installed", &self.snapshots_installed);
        if let Some(partial) = &self.partial {
            d.field("partial_snapshot", partial);
        }
        if !self.early.is_empty() {
            let early: Vec<u64> = self.early.keys().copied().collect();
            d.field("early_appends", &early);
        }
        if self.membership_active() {
            d.field("config", &self.config.to_string())
                .field("transfer", &self.transfer);
        }
        d.field("params", &self.params).finish()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Follower => "follower",
            Role::PreCandidate => "pre-candidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        })
    }
}

#[cfg(test)]
mod tests;
