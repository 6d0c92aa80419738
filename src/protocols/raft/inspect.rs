//! What the inspector shows of a Raft node: the paper's Figure 2 state
//! table with its names (`currentTerm`, `votedFor`, `commitIndex`,
//! `lastApplied`, `log[]` by index with the newest entries in sight; a
//! leader's `nextIndex[]` and `matchIndex[]` per peer), then the election,
//! the timers, the state machine and the clients, with the parameters
//! folded last. The scalars come before the log so that they fit the
//! inspector of an 80x24 terminal. Messages show the RPC's arguments with
//! the paper's names (their entries by index), and in one line
//! `AppendEntries t3 prev=5/2 +2 commit=4` (prev = prevLogIndex/Term).

use super::{Command, Entry, Flow, Msg, Raft, ReadMode, Role};
use crate::base::inspect::{Item, View};

impl Raft {
    /// The node's labelled view ([`crate::sim::Node::inspect`]).
    pub(super) fn view(&self) -> View {
        // Figure 2's scalars first (they fit an 80x24 panel), then the log.
        let mut view = View::new()
            .section("")
            .field("currentTerm", self.term)
            .field("votedFor", self.voted_for)
            .field("commitIndex", self.commit)
            .field("lastApplied", self.applied)
            .field("role", self.role.to_string())
            .field("leaderId", self.leader)
            .field("log", self.log_item());
        if self.log.base_index() > 0 {
            view = view.field(
                "snapshot",
                format!(
                    "through {} (term {})",
                    self.log.base_index(),
                    self.log.base_term()
                ),
            );
        }
        if let Some(partial) = &self.partial {
            // snapshot.rs: a snapshot arriving in chunks.
            view = view.field("partialSnapshot", format!("{partial:?}"));
        }
        if !self.early.is_empty() {
            // replication.rs: AppendEntries waiting for a gap to fill
            // (`reorder_buffer`), by prevLogIndex, with their entries.
            let early = self.early.iter().map(|(prev, e)| {
                let text = format!("prev={prev}/{} +{}", e.prev_term, e.entries.len());
                (prev.to_string(), Item::Text(text))
            });
            view = view.field("earlyAppends", Item::list(early));
        }
        view = match self.role {
            Role::Leader => self.leader_section(view),
            Role::Candidate | Role::PreCandidate => view
                .section("election")
                .field("votes", Item::set(self.votes.iter().copied())),
            Role::Follower => view,
        };
        if self.membership_active() {
            // membership.rs, transfer.rs: the configuration in force.
            let transfer = self
                .transfer
                .map(|t| format!("to {} until {}", t.target, t.until));
            let joint = self
                .config
                .old
                .as_ref()
                .map(|o| Item::set(o.iter().copied()));
            view = view
                .section("membership")
                .field("voters", Item::set(self.config.voters.iter().copied()))
                .field("learners", Item::set(self.config.learners.iter().copied()))
                .field("jointOld", joint)
                .field("configIndex", self.config_index)
                .field("transfer", transfer);
        }
        view = view
            .section("timers (local clock)")
            .field("electionDeadline", self.election_deadline)
            .field("lastLeaderContact", self.last_leader_contact);
        self.machine_section(view).params(&*self.params)
    }

    /// The log's entries, newest kept in sight when folded.
    fn log_item(&self) -> Item {
        Item::list_last(
            self.log
                .iter()
                .map(|(index, entry)| (index.to_string(), Item::Text(entry_text(entry)))),
        )
    }

    /// Figure 2's "volatile state on leaders", one row per peer.
    fn leader_section(&self, view: View) -> View {
        let next = self
            .progress
            .iter()
            .map(|(peer, p)| (peer.to_string(), Item::from(p.next)));
        let matched = self
            .progress
            .iter()
            .map(|(peer, p)| (peer.to_string(), Item::from(p.matched)));
        let heard = self
            .progress
            .iter()
            .map(|(peer, p)| (peer.to_string(), Item::from(p.last_heard)));
        let view = view
            .section("leader")
            .field("nextIndex", Item::list(next))
            .field("matchIndex", Item::list(matched))
            .field("lastHeard", Item::list(heard));
        let view = if self.params.pipeline {
            // Each follower's replication flow: probing, streaming with how
            // many AppendEntries of the window are unacknowledged, or
            // waiting for a snapshot.
            let window = self.params.max_inflight;
            let flow = self.progress.iter().map(|(peer, p)| {
                let text = match p.flow {
                    Flow::Probe => "probe".to_string(),
                    Flow::Replicate => format!("replicate {}/{window}", p.inflight.len()),
                    Flow::Snapshot => "snapshot".to_string(),
                };
                (peer.to_string(), Item::Text(text))
            });
            view.field("flow", Item::list(flow))
        } else {
            view
        };
        if self.params.read_mode == ReadMode::Log {
            return view;
        }
        self.reads_section(view)
    }

    /// The leader's reads without log entries (reads.rs): the round in
    /// flight, who acknowledged which round, the lease, the waiting reads.
    fn reads_section(&self, view: View) -> View {
        let acks = self
            .progress
            .iter()
            .map(|(peer, p)| (peer.to_string(), Item::from(p.read_ack)));
        let reads = self.reads.iter().map(|r| {
            let state = if r.confirmed {
                format!("confirmed, at {}", r.index)
            } else if r.round == 0 {
                "waits for a round".to_string()
            } else {
                format!("round {}, at {}", r.round, r.index)
            };
            let what = format!("{} #{}", r.request.client, r.request.id);
            (what, Item::Text(state))
        });
        let mut view = view
            .section("reads")
            .field(
                "readMode",
                crate::scenario::Choice::name(self.params.read_mode),
            )
            .field("readRound", self.read_round)
            .field("roundSentAt", self.read_round_sent)
            .field("roundAcked", Item::list(acks))
            .field("pendingReads", Item::list(reads));
        if self.params.read_mode == ReadMode::Lease {
            view = view
                .field("leaseUntil", self.lease_until)
                .field("leaseMargin", self.lease_margin());
        }
        view
    }

    /// The key-value store and the clients waiting on it.
    fn machine_section(&self, view: View) -> View {
        let data = self
            .kv
            .data
            .iter()
            .map(|(key, value)| (key.clone(), Item::Text(value.to_string())));
        let sessions = self
            .kv
            .sessions
            .iter()
            .map(|(client, s)| (client.to_string(), Item::Text(format!("#{}", s.last_id))));
        let waiting = self.waiting.iter().map(|(index, (client, id))| {
            (index.to_string(), Item::Text(format!("{client} #{id}")))
        });
        let mut view = view
            .section("state machine")
            .field("data", Item::list(data))
            .field("sessions", Item::list(sessions));
        if self.params.session_timeout != crate::sim::SimTime::ZERO {
            let expired = self
                .kv
                .expired
                .iter()
                .map(|(client, id)| (client.to_string(), Item::Text(format!("#{id}"))));
            view = view.field("expiredSessions", Item::list(expired));
        }
        view.field("waiting", Item::list(waiting))
            .field("heldRequests", self.held.len())
            .field("acknowledged", self.acked.len())
            .field("snapshotsInstalled", self.snapshots_installed)
    }
}

/// A message's view: the RPC's fields, its entries by index.
pub(super) fn message_view(message: &Msg) -> View {
    match message {
        Msg::AppendEntries {
            term,
            prev_index,
            prev_term,
            entries,
            commit,
        } => View::new()
            .section("AppendEntries")
            .field("term", *term)
            .field("prevLogIndex", *prev_index)
            .field("prevLogTerm", *prev_term)
            .field("leaderCommit", *commit)
            .field(
                "entries",
                Item::list_last(
                    entries
                        .iter()
                        .zip(prev_index + 1..)
                        .map(|(e, index)| (index.to_string(), Item::Text(entry_text(e)))),
                ),
            ),
        Msg::InstallSnapshot { term, snapshot } => View::new()
            .section("InstallSnapshot")
            .field("term", *term)
            .field("lastIncludedIndex", snapshot.index)
            .field("lastIncludedTerm", snapshot.term)
            .field("keys", snapshot.kv.data.len()),
        Msg::RequestVote {
            term,
            last_index,
            last_term,
            pre_vote,
            transfer,
        } => View::new()
            .section(match (*pre_vote, *transfer) {
                (true, _) => "RequestVote (pre-vote)",
                (false, true) => "RequestVote (leadership transfer)",
                (false, false) => "RequestVote",
            })
            .field("term", *term)
            .field("lastLogIndex", *last_index)
            .field("lastLogTerm", *last_term),
        Msg::Vote {
            term,
            granted,
            pre_vote,
        } => View::new()
            .section(if *pre_vote {
                "RequestVote reply (pre-vote)"
            } else {
                "RequestVote reply"
            })
            .field("term", *term)
            .field("voteGranted", *granted),
        Msg::AppendReply {
            term,
            success,
            match_index,
            conflict_index,
            conflict_term,
        } => View::new()
            .section("AppendEntries reply")
            .field("term", *term)
            .field("success", *success)
            .field("matchIndex", *match_index)
            .field("conflictIndex", *conflict_index)
            .field("conflictTerm", *conflict_term),
        Msg::SnapshotReply { term, match_index } => View::new()
            .section("InstallSnapshot reply")
            .field("term", *term)
            .field("matchIndex", *match_index),
        Msg::SnapshotChunk {
            term,
            index,
            snapshot_term,
            offset,
            data,
            done,
        } => View::new()
            .section("InstallSnapshot (chunk)")
            .field("term", *term)
            .field("lastIncludedIndex", *index)
            .field("lastIncludedTerm", *snapshot_term)
            .field("offset", *offset)
            .field("bytes", data.len())
            .field("done", *done),
        Msg::ChunkReply {
            term,
            index,
            offset,
            next,
            match_index,
        } => View::new()
            .section("InstallSnapshot (chunk) reply")
            .field("term", *term)
            .field("lastIncludedIndex", *index)
            .field("offset", *offset)
            .field("next", *next)
            .field("matchIndex", *match_index),
        Msg::TimeoutNow { term } => View::new()
            .section("TimeoutNow (leadership transfer)")
            .field("term", *term),
        Msg::ReadProbe { term, round } => View::new()
            .section("ReadIndex heartbeat")
            .field("term", *term)
            .field("round", *round),
        Msg::ReadAck { term, round } => View::new()
            .section("ReadIndex heartbeat reply")
            .field("term", *term)
            .field("round", *round),
    }
}

/// A message in one line: `AppendEntries t3 prev=5/2 +2 commit=4`,
/// `RequestVote t4 last=7/3`, `Vote t4 granted`.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::RequestVote {
            term,
            last_index,
            last_term,
            pre_vote,
            transfer,
        } => {
            let kind = match (*pre_vote, *transfer) {
                (true, _) => "PreVote",
                (false, true) => "RequestVote(transfer)",
                (false, false) => "RequestVote",
            };
            format!("{kind} t{term} last={last_index}/{last_term}")
        }
        Msg::Vote {
            term,
            granted,
            pre_vote,
        } => {
            let kind = if *pre_vote { "PreVoteReply" } else { "Vote" };
            let answer = if *granted { "granted" } else { "refused" };
            format!("{kind} t{term} {answer}")
        }
        Msg::AppendEntries {
            term,
            prev_index,
            prev_term,
            entries,
            commit,
        } => format!(
            "AppendEntries t{term} prev={prev_index}/{prev_term} +{} commit={commit}",
            entries.len()
        ),
        Msg::AppendReply {
            term,
            success: true,
            match_index,
            ..
        } => format!("AppendReply t{term} ok match={match_index}"),
        Msg::AppendReply {
            term,
            conflict_index,
            conflict_term,
            ..
        } => {
            let at = conflict_term.map(|t| format!("/{t}")).unwrap_or_default();
            format!("AppendReply t{term} conflict={conflict_index}{at}")
        }
        Msg::InstallSnapshot { term, snapshot } => format!(
            "InstallSnapshot t{term} through {}/{}",
            snapshot.index, snapshot.term
        ),
        Msg::SnapshotReply { term, match_index } => {
            format!("SnapshotReply t{term} match={match_index}")
        }
        Msg::SnapshotChunk {
            term,
            index,
            snapshot_term,
            offset,
            data,
            done,
        } => {
            let last = if *done { " done" } else { "" };
            format!(
                "SnapshotChunk t{term} through {index}/{snapshot_term} @{offset} +{}{last}",
                data.len()
            )
        }
        Msg::ChunkReply {
            term,
            offset,
            next,
            match_index,
            ..
        } => format!("ChunkReply t{term} @{offset} next={next} match={match_index}"),
        Msg::ReadProbe { term, round } => format!("ReadProbe t{term} round={round}"),
        Msg::ReadAck { term, round } => format!("ReadAck t{term} round={round}"),
        Msg::TimeoutNow { term } => format!("TimeoutNow t{term}"),
    }
}

/// `t2 noop`, `t2 c0#3 put k1 4`.
fn entry_text(entry: &Entry) -> String {
    match &entry.command {
        Command::Noop => format!("t{} noop", entry.term),
        Command::Client(c) => {
            let key =
                c.op.key
                    .as_deref()
                    .map(|k| format!(" {k}"))
                    .unwrap_or_default();
            format!(
                "t{} {}#{} {}{key} {}",
                entry.term, c.client, c.id, c.op.f, c.op.value
            )
        }
        Command::Config(c) => format!("t{} config {c}", entry.term),
    }
}
