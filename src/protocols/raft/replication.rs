//! Log replication (§5.3), the commit rule (§5.4.2) and applying entries.
//!
//! With `pipeline` (the default) the leader keeps a [`Flow`] per follower,
//! as etcd/raft does: **probe** (one AppendEntries in flight, `next` moves
//! on its answer), **replicate** (`next` advances at send time, up to
//! `max_inflight` AppendEntries unacknowledged; entries that arrive while
//! the window is full wait and leave together, up to `max_entries`) and
//! **snapshot** (one InstallSnapshot in flight, resent only after
//! `snapshot_resend`). Without it, every client request, heartbeat and
//! success reply that shows the follower behind re-sends everything from
//! `next` on ([`Raft::send_append`]).

use super::kv::{Applied, SESSION_EXPIRED};
use super::log::{Command, Entry};
use super::{persist, Bug, EarlyAppend, Flow, Msg, Raft, Role, Timer};
use crate::sim::{Ctx, NodeId, Reply, SimTime};

impl Raft {
    /// New entries (or a new term): AppendEntries (or InstallSnapshot) to
    /// every peer — as far as its flow allows, with `pipeline`.
    pub(super) fn broadcast_append(&mut self, ctx: &mut Ctx<Self>) {
        for peer in self.followers() {
            if self.params.pipeline {
                self.send_entries(ctx, peer);
            } else {
                self.send_append(ctx, peer);
            }
        }
    }

    /// Send `peer` the entries from its next index on — or the snapshot, if
    /// those entries were compacted away (without `pipeline`).
    pub(super) fn send_append(&mut self, ctx: &mut Ctx<Self>, peer: NodeId) {
        let Some(progress) = self.progress.get(&peer) else {
            return;
        };
        let next = progress.next;
        if next <= self.log.base_index() {
            self.send_snapshot_or_chunk(ctx, peer);
            return;
        }
        let entries = self.log.entries_from(next, self.params.max_entries);
        self.send_entries_at(ctx, peer, next - 1, entries);
    }

    /// One AppendEntries after `prev_index` (counted for the metrics).
    fn send_entries_at(
        &mut self,
        ctx: &mut Ctx<Self>,
        peer: NodeId,
        prev_index: u64,
        entries: Vec<Entry>,
    ) {
        self.sent.appends += 1;
        self.sent.entries += entries.len() as u64;
        let msg = Msg::AppendEntries {
            term: self.term,
            prev_index,
            prev_term: self.log.term_at(prev_index).unwrap_or(0),
            entries,
            commit: self.commit,
        };
        ctx.send(peer, msg);
    }

    /// With `pipeline`: send `peer` what its flow allows — in probe, one
    /// AppendEntries from `next` unless one is in flight; in replicate,
    /// the entries not yet sent, while the window has room; the snapshot
    /// if `next` was compacted away; nothing while a snapshot is in flight.
    pub(super) fn send_entries(&mut self, ctx: &mut Ctx<Self>, peer: NodeId) {
        let (base, last) = (self.log.base_index(), self.log.last_index());
        let (max_entries, window) = (self.params.max_entries, self.params.max_inflight);
        let now = ctx.now();
        loop {
            let Some(p) = self.progress.get_mut(&peer) else {
                return;
            };
            let next = p.next;
            let probing = match p.flow {
                Flow::Snapshot => return,
                Flow::Probe if !p.inflight.is_empty() => return,
                Flow::Probe => true,
                Flow::Replicate if p.inflight.len() >= window || next > last => return,
                Flow::Replicate => false,
            };
            if next <= base {
                self.send_snapshot(ctx, peer);
                return;
            }
            let entries = self.log.entries_from(next, max_entries);
            let sent_last = next - 1 + entries.len() as u64;
            if probing {
                p.inflight.push_back(sent_last);
                p.sent_at = Some(now);
            } else {
                p.inflight.push_back(sent_last);
                p.next = sent_last + 1;
            }
            self.send_entries_at(ctx, peer, next - 1, entries);
            if probing {
                return;
            }
        }
    }

    /// With `pipeline`: `peer` enters (or stays in) the snapshot flow and
    /// gets the snapshot — if it was heard from lately (see
    /// [`Raft::is_silent`]). A silent follower (crashed, cut off) gets no
    /// copy: it would be lost. It gets an empty AppendEntries after index
    /// 0 (the snapshot flow's heartbeat) instead, and the first
    /// heartbeat after it answers one sends the snapshot
    /// ([`Raft::heartbeat_to`]).
    fn send_snapshot(&mut self, ctx: &mut Ctx<Self>, peer: NodeId) {
        if self.snapshot.is_none() {
            return;
        }
        let now = ctx.now();
        let silent = |p: &super::Progress| self.is_silent(p.last_heard, now);
        let Some(send) = self.progress.get(&peer).map(|p| !silent(p)) else {
            return;
        };
        let Some(p) = self.progress.get_mut(&peer) else {
            return;
        };
        p.flow = Flow::Snapshot;
        p.inflight.clear();
        if !send {
            // No copy; the heartbeat of the snapshot flow instead, so the
            // follower still hears from the leader.
            p.sent_at = None;
            self.send_entries_at(ctx, peer, 0, Vec::new());
            return;
        }
        p.sent_at = Some(now);
        self.send_snapshot_or_chunk(ctx, peer);
    }

    /// A follower is silent when the leader has not heard from it for
    /// longer than a heartbeat and the round-trip estimate: every
    /// heartbeat to a live follower is answered within that.
    fn is_silent(&self, last_heard: SimTime, now: SimTime) -> bool {
        let quiet = self.params.heartbeat.saturating_add(self.round_trip);
        now.saturating_sub(last_heard) > quiet
    }

    /// How long an unanswered snapshot (or chunk) waits before it is sent
    /// again: `snapshot_resend`, or twice the round-trip estimate if that
    /// is longer (on slow links an answer takes longer than the timer).
    pub(super) fn snapshot_resend_after(&self) -> SimTime {
        let trips = SimTime(self.round_trip.as_nanos().saturating_mul(2));
        self.params.snapshot_resend.max(trips)
    }

    /// With `pipeline`, the heartbeat to `peer`: in probe, the probe again
    /// if it has been unanswered for a heartbeat; in replicate, an empty
    /// AppendEntries after `next - 1` (rejected if something sent was
    /// lost, which starts a probe; its success acknowledges everything
    /// sent); in snapshot, the snapshot if none was sent yet (the follower
    /// was silent) and the follower answered lately, or again after
    /// [`Raft::snapshot_resend_after`] if the follower answered something
    /// since, and otherwise an empty AppendEntries after index 0, which
    /// every log matches (it only keeps the follower from an election).
    pub(super) fn heartbeat_to(&mut self, ctx: &mut Ctx<Self>, peer: NodeId) {
        let now = ctx.now();
        let (heartbeat, resend) = (self.params.heartbeat, self.snapshot_resend_after());
        let silent = self
            .progress
            .get(&peer)
            .is_none_or(|p| self.is_silent(p.last_heard, now));
        let Some(p) = self.progress.get_mut(&peer) else {
            return;
        };
        let due = |after: SimTime| p.sent_at.is_none_or(|t| now >= t.saturating_add(after));
        match p.flow {
            Flow::Probe => {
                if due(heartbeat) {
                    p.inflight.clear();
                    p.sent_at = None;
                    self.send_entries(ctx, peer);
                } else {
                    // The probe left less than a heartbeat ago (after a
                    // rejection): it may be lost, and the follower's
                    // election timer needs a message every heartbeat.
                    self.bare_heartbeat(ctx, peer);
                }
            }
            Flow::Replicate => {
                let prev = p.next - 1;
                if self.log.term_at(prev).is_none() {
                    // Compacted: find out where the follower is.
                    p.flow = Flow::Probe;
                    p.next = p.matched + 1;
                    p.inflight.clear();
                    p.sent_at = None;
                    self.send_entries(ctx, peer);
                } else {
                    self.send_entries_at(ctx, peer, prev, Vec::new());
                }
            }
            Flow::Snapshot => {
                // Sent to a follower that answered lately if no copy is
                // out; resent only to one that answered since (it is up,
                // the copy was lost), once the resend time passed.
                let first = p.sent_at.is_none() && !silent;
                let answered = p.sent_at.is_some_and(|t| p.last_heard > t);
                if first || (due(resend) && answered) {
                    self.send_snapshot(ctx, peer);
                } else {
                    self.send_entries_at(ctx, peer, 0, Vec::new());
                }
            }
        }
    }

    /// A heartbeat that carries nothing and changes no flow: a
    /// [`Msg::ReadProbe`] of round 0, which no read round uses. The
    /// follower treats it as a heartbeat (resets its election timer) and
    /// answers a [`Msg::ReadAck`], which counts for CheckQuorum only.
    fn bare_heartbeat(&mut self, ctx: &mut Ctx<Self>, peer: NodeId) {
        self.sent.bare_heartbeats += 1;
        let term = self.term;
        ctx.send(peer, Msg::ReadProbe { term, round: 0 });
    }

    /// A follower is quiet when its last answer is older than a heartbeat
    /// and the leader's round-trip estimate (which a healthy follower never
    /// is: every heartbeat is answered within a round trip), but not older
    /// than the maximum election timeout (by then it has timed out, or is
    /// down, and more heartbeats do not help).
    fn is_quiet(&self, last_heard: SimTime, now: SimTime) -> bool {
        let quiet = self.params.heartbeat.saturating_add(self.round_trip);
        let age = now.saturating_sub(last_heard);
        age > quiet && age <= self.params.election_timeout.1
    }

    /// After a leader's heartbeat: if a follower is quiet (see
    /// [`Raft::is_quiet`]), a [`Timer::Nudge`] half a heartbeat later. Under
    /// loss a follower whose heartbeats were lost twice in a row may start
    /// an election; the nudge doubles its heartbeat rate until it answers
    /// again. A healthy cluster never sets the timer.
    pub(super) fn arm_nudge(&mut self, ctx: &mut Ctx<Self>) {
        let now = ctx.now();
        // The classic leader (`pipeline = false`) is left as the paper
        // and 6.5840 have it: one AppendEntries per follower per heartbeat.
        if self.params.pipeline
            && self
                .progress
                .values()
                .any(|p| self.is_quiet(p.last_heard, now))
        {
            let half = SimTime(self.params.heartbeat.as_nanos() / 2);
            let term = self.term;
            ctx.set_timer(half, Timer::Nudge { term });
        }
    }

    /// [`Timer::Nudge`]: a bare heartbeat to every follower still quiet.
    pub(super) fn nudge_quiet(&mut self, ctx: &mut Ctx<Self>, term: u64) {
        if self.role != Role::Leader || term != self.term {
            return;
        }
        let now = ctx.now();
        let quiet: Vec<NodeId> = self
            .progress
            .iter()
            .filter(|(_, p)| self.is_quiet(p.last_heard, now))
            .map(|(&peer, _)| peer)
            .collect();
        for peer in quiet {
            self.bare_heartbeat(ctx, peer);
        }
    }

    /// The follower side: term check, consistency check on
    /// `(prev_index, prev_term)`, merge, commit, answer.
    pub(super) fn on_append_entries(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        (prev_index, prev_term): (u64, u64),
        entries: Vec<Entry>,
        leader_commit: u64,
    ) {
        if term < self.term {
            self.reply_append(ctx, from, false, 0, (0, None));
            return;
        }
        self.follow(ctx, from, term);
        self.append_checked(ctx, from, (prev_index, prev_term), entries, leader_commit);
    }

    /// The consistency check, merge, commit and answer of an AppendEntries
    /// of the current term from `from`; with `reorder_buffer`, one that
    /// follows entries not here yet waits in [`Raft::early`] (unanswered),
    /// and every success handles what waited and now follows this log.
    fn append_checked(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        (prev_index, prev_term): (u64, u64),
        entries: Vec<Entry>,
        leader_commit: u64,
    ) {
        let matches =
            prev_index < self.log.base_index() || self.log.term_at(prev_index) == Some(prev_term);
        if !matches {
            if self.may_keep_early(prev_index) {
                let early = EarlyAppend {
                    prev_term,
                    entries,
                    commit: leader_commit,
                };
                self.early.insert(prev_index, early);
                return;
            }
            // Whatever waited is dropped: the leader probes and sends again.
            self.early.clear();
            // Fast backtracking: report the conflicting term and where its run
            // starts, or where this log ends.
            let conflict = match self.log.term_at(prev_index) {
                None => (self.log.last_index() + 1, None),
                Some(t) => (self.log.first_index_of_term_run(prev_index), Some(t)),
            };
            self.reply_append(ctx, from, false, 0, conflict);
            return;
        }
        let last_new = prev_index + entries.len() as u64;
        let merge = self.log.merge(prev_index, entries);
        if let Some((first, last)) = merge.truncated {
            persist::remove_entries(ctx.storage(), first, last);
            self.dirty = true;
        }
        if let Some(first) = merge.appended_from {
            persist::save_entries(ctx.storage(), &self.log, first);
            self.dirty = true;
        }
        let commit = leader_commit.min(last_new);
        if commit > self.commit {
            self.set_commit(ctx, commit);
        }
        self.reply_append(ctx, from, true, last_new, (0, None));
        // What waited for these entries, lowest first, answered as it
        // would have been on time.
        let last = self.log.last_index();
        let Some(prev) = self.early.keys().next().copied().filter(|&p| p <= last) else {
            return;
        };
        if let Some(early) = self.early.remove(&prev) {
            let EarlyAppend {
                prev_term,
                entries,
                commit,
            } = early;
            self.append_checked(ctx, from, (prev, prev_term), entries, commit);
        }
    }

    /// With `reorder_buffer`: whether to keep an AppendEntries that follows entries
    /// this log does not have yet (`prev_index` past its end: on a
    /// reordering link the AppendEntries carrying them may still come),
    /// while fewer than `max_inflight` wait. A second one after the same
    /// index is not kept: the gap outlived a heartbeat (the entries were
    /// lost), and the rejection starts the leader's probe.
    fn may_keep_early(&self, prev_index: u64) -> bool {
        self.params.reorder_buffer
            && prev_index > self.log.last_index()
            && self.early.len() < self.params.max_inflight
            && !self.early.contains_key(&prev_index)
    }

    /// A message from `leader` of `term` (not older than ours): follow it.
    pub(super) fn follow(&mut self, ctx: &mut Ctx<Self>, leader: NodeId, term: u64) {
        if term > self.term || self.role != Role::Follower {
            self.become_follower(ctx, term, Some(leader));
        }
        if self.leader != Some(leader) {
            self.leader = Some(leader);
            ctx.log(format!("follows {leader} in term {term}"));
            self.release_held(ctx);
        }
        self.last_leader_contact = Some(ctx.now());
        self.reset_election_deadline(ctx);
    }

    fn reply_append(
        &mut self,
        ctx: &mut Ctx<Self>,
        to: NodeId,
        success: bool,
        match_index: u64,
        (conflict_index, conflict_term): (u64, Option<u64>),
    ) {
        let msg = Msg::AppendReply {
            term: self.term,
            success,
            match_index,
            conflict_index,
            conflict_term,
        };
        ctx.send(to, msg);
    }

    /// The leader side of AppendEntries and InstallSnapshot answers:
    /// `conflict` is `None` on success.
    pub(super) fn on_append_reply(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        match_index: u64,
        conflict: Option<(u64, Option<u64>)>,
    ) {
        if term > self.term {
            if !self.is_outsider(from) {
                self.become_follower(ctx, term, None);
            }
            return;
        }
        if self.role != Role::Leader || term != self.term {
            return;
        }
        let now = ctx.now();
        let last = self.log.last_index();
        let backed_up = conflict.map(|(index, t)| {
            t.and_then(|t| self.log.last_index_of_term(t).map(|i| i + 1))
                .unwrap_or(index)
        });
        let pipeline = self.params.pipeline;
        let Some(p) = self.progress.get_mut(&from) else {
            return;
        };
        p.last_heard = now;
        if pipeline {
            self.on_flow_reply(ctx, from, match_index, backed_up);
            return;
        }
        match backed_up {
            None => {
                p.matched = p.matched.max(match_index.min(last));
                p.next = p.next.max(p.matched + 1);
                let behind = p.next <= last;
                self.advance_commit(ctx);
                if behind {
                    self.send_append(ctx, from);
                }
            }
            Some(next) => {
                p.next = next.clamp(p.matched + 1, last + 1);
                self.send_append(ctx, from);
            }
        }
    }

    /// With `pipeline`, an answer from `from`: `backed_up` is where a
    /// rejection says to resume (`None` on success). A success raises
    /// `matched`, frees the window up to it and turns a probe into
    /// replicate; a stale or duplicate one sends nothing already sent. A
    /// rejection starts a probe at the hint (a second rejection at the same
    /// point while the probe is in flight is ignored).
    fn on_flow_reply(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        match_index: u64,
        backed_up: Option<u64>,
    ) {
        let last = self.log.last_index();
        let now = ctx.now();
        let Some(p) = self.progress.get_mut(&from) else {
            return;
        };
        match backed_up {
            None => {
                let matched = p.matched.max(match_index.min(last));
                p.matched = matched;
                while p.inflight.front().is_some_and(|&i| i <= matched) {
                    p.inflight.pop_front();
                }
                match p.flow {
                    Flow::Probe => {
                        p.flow = Flow::Replicate;
                        let sample = p.sent_at.take().map(|t| now.saturating_sub(t));
                        let sent = p.inflight.back().copied().unwrap_or(matched);
                        p.next = sent.max(matched) + 1;
                        if let Some(sample) = sample {
                            self.measured_round_trip(sample);
                        }
                    }
                    Flow::Replicate => p.next = p.next.max(matched + 1),
                    Flow::Snapshot => {
                        let base = self.log.base_index();
                        if matched < base {
                            return; // a heartbeat's answer: wait for the snapshot's
                        }
                        p.flow = Flow::Replicate;
                        p.sent_at = None;
                        p.inflight.clear();
                        p.next = matched + 1;
                    }
                }
                self.advance_commit(ctx);
            }
            Some(next) => {
                let next = next.clamp(p.matched + 1, last + 1);
                if p.flow == Flow::Snapshot
                    || (p.flow == Flow::Probe && p.next == next && !p.inflight.is_empty())
                {
                    return;
                }
                p.flow = Flow::Probe;
                p.next = next;
                p.inflight.clear();
                p.sent_at = None;
            }
        }
        self.send_entries(ctx, from);
    }

    /// The commit rule: the highest index stored on a majority commits if it
    /// is of the leader's own term (§5.4.2). The `commit-old-terms` bug drops
    /// the term condition (Figure 8).
    pub(super) fn advance_commit(&mut self, ctx: &mut Ctx<Self>) {
        if self.role != Role::Leader {
            return;
        }
        let n = if self.membership_active() {
            // The configuration in force (membership.rs).
            let (me, last) = (self.id, self.log.last_index());
            let progress = &self.progress;
            let of = |id| match progress.get(&id) {
                _ if id == me => last,
                Some(p) => p.matched,
                None => 0,
            };
            self.config.quorum_index(of)
        } else {
            let mut matched: Vec<u64> = self.progress.values().map(|p| p.matched).collect();
            matched.push(self.log.last_index());
            matched.sort_unstable_by(|a, b| b.cmp(a));
            matched[self.majority() - 1]
        };
        if n <= self.commit {
            return;
        }
        if self.log.term_at(n) == Some(self.term) || self.params.has(Bug::CommitOldTerms) {
            self.set_commit(ctx, n);
        }
    }

    /// Raise the commit index (durably) and apply.
    pub(super) fn set_commit(&mut self, ctx: &mut Ctx<Self>, commit: u64) {
        self.commit = commit;
        persist::save_commit(ctx.storage(), commit);
        self.dirty = true;
        self.apply_committed(ctx);
    }

    /// How far entries may be applied: the commit index — or, with the
    /// `apply-before-commit` bug, the leader's whole log.
    fn apply_limit(&self) -> u64 {
        if self.role == Role::Leader && self.params.has(Bug::ApplyBeforeCommit) {
            self.log.last_index()
        } else {
            self.commit
        }
    }

    /// Apply entries in order up to the limit, answering waiting clients;
    /// then snapshot if due.
    pub(super) fn apply_committed(&mut self, ctx: &mut Ctx<Self>) {
        let limit = self.apply_limit();
        while self.applied < limit {
            let index = self.applied + 1;
            let Some(entry) = self.log.entry(index) else {
                break;
            };
            self.applied = index;
            self.applied_hash = entry.hash;
            if let Command::Client(command) = &entry.command {
                let dedup = !self.params.has(Bug::NoDedup);
                let timeout = self.params.session_timeout.as_nanos();
                let outcome = if timeout == 0 {
                    self.kv.apply(command, dedup)
                } else {
                    self.kv.apply_stamped(command, dedup, entry.stamp, timeout)
                };
                let reply = match outcome {
                    Applied::Expired => Some(Reply::Unknown(format!(
                        "{SESSION_EXPIRED}; the request may have been applied"
                    ))),
                    outcome => outcome.reply().cloned(),
                };
                let key = (command.client, command.id);
                self.answer(ctx, index, key, reply);
            }
        }
        self.reads_after_apply(ctx);
        self.maybe_snapshot(ctx);
    }
}
