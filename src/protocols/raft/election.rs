//! Leader election (§5.2, §5.4.1), PreVote and CheckQuorum (dissertation
//! §9.6).

use super::log::Command;
use super::{persist, Bug, Msg, Progress, Raft, Role, Timer};
use crate::sim::{Ctx, NodeId, SimTime};
use std::collections::BTreeSet;

impl Raft {
    /// Push the election deadline to a fresh random timeout from now. The
    /// pending timer is kept when it fires no earlier than the new deadline
    /// (it re-arms itself for the rest); otherwise it is replaced.
    pub(super) fn reset_election_deadline(&mut self, ctx: &mut Ctx<Self>) {
        let (low, high) = self.params.election_timeout;
        let timeout = SimTime(ctx.rng().range_inclusive(low.as_nanos(), high.as_nanos()));
        self.election_deadline = ctx.now().saturating_add(timeout);
        if self
            .election_timer_at
            .is_some_and(|at| at <= self.election_deadline)
        {
            return;
        }
        if let Some(id) = self.election_timer.take() {
            ctx.cancel_timer(id);
        }
        self.election_timer = Some(ctx.set_timer(timeout, Timer::Election));
        self.election_timer_at = Some(self.election_deadline);
    }

    /// The election timer fired: re-arm if the deadline moved, else stand.
    pub(super) fn on_election_timer(&mut self, ctx: &mut Ctx<Self>) {
        self.election_timer = None;
        self.election_timer_at = None;
        self.expire_held(ctx);
        let now = ctx.now();
        if now < self.election_deadline {
            let rest = self.election_deadline - now;
            self.election_timer = Some(ctx.set_timer(rest, Timer::Election));
            self.election_timer_at = Some(self.election_deadline);
            return;
        }
        if self.role == Role::Leader || !self.may_campaign() {
            // A leader's deadline only paces CheckQuorum; a node outside
            // the voters never campaigns (membership.rs).
            self.reset_election_deadline(ctx);
        } else if self.params.prevote {
            self.start_pre_vote(ctx);
        } else {
            self.start_election(ctx, false);
        }
    }

    /// PreVote: ask whether an election for `term + 1` could succeed, without
    /// changing the term (so a node that was cut off does not disrupt).
    fn start_pre_vote(&mut self, ctx: &mut Ctx<Self>) {
        self.role = Role::PreCandidate;
        self.leader = None;
        self.votes = BTreeSet::from([self.id]);
        self.reset_election_deadline(ctx);
        if self.is_quorum(&self.votes) {
            self.start_election(ctx, false);
            return;
        }
        self.request_votes(ctx, true);
        self.arm_heartbeat(ctx);
    }

    /// A real election: new term, vote for itself, ask everyone. `transfer`:
    /// started by [`Msg::TimeoutNow`] (its RequestVotes say so).
    pub(super) fn start_election(&mut self, ctx: &mut Ctx<Self>, transfer: bool) {
        self.term += 1;
        self.partial = None;
        self.early.clear();
        self.transfer_campaign = transfer;
        self.role = Role::Candidate;
        self.voted_for = Some(self.id);
        self.leader = None;
        self.votes = BTreeSet::from([self.id]);
        self.persist_meta(ctx);
        ctx.log(format!("election for term {}", self.term));
        self.election_sent = ctx.now();
        self.reset_election_deadline(ctx);
        if self.is_quorum(&self.votes) {
            self.become_leader(ctx);
            return;
        }
        self.request_votes(ctx, false);
        self.arm_heartbeat(ctx);
    }

    /// Send RequestVote (or PreVote) to every peer that has not granted yet.
    fn request_votes(&mut self, ctx: &mut Ctx<Self>, pre_vote: bool) {
        let term = if pre_vote { self.term + 1 } else { self.term };
        let msg = Msg::RequestVote {
            term,
            last_index: self.log.last_index(),
            last_term: self.log.last_term(),
            pre_vote,
            transfer: self.transfer_campaign && !pre_vote,
        };
        for peer in self.peers(ctx) {
            if !self.votes.contains(&peer) {
                ctx.send(peer, msg.clone());
            }
        }
    }

    /// `ignore_votes_with_leader`: a RequestVote is disregarded while this
    /// node believes a current leader exists, unless a leadership
    /// transfer's TimeoutNow started the election.
    pub(super) fn ignores_vote_request(&self, transfer: bool, now: SimTime) -> bool {
        self.params.ignore_votes_with_leader && !transfer && self.in_leader_lease(now)
    }

    /// True while this node has reason to believe a leader is alive: it is
    /// the leader, or heard from one within the minimum election timeout.
    fn in_leader_lease(&self, now: SimTime) -> bool {
        let min = self.params.election_timeout.0;
        self.role == Role::Leader
            || (self.leader.is_some()
                && self
                    .last_leader_contact
                    .is_some_and(|t| now < t.saturating_add(min)))
    }

    /// The vote rule: one vote per term, only for a candidate whose log is at
    /// least as up to date (§5.4.1) — unless the `vote-without-log-check` bug.
    /// With `ignore_votes_with_leader`, a RequestVote that reaches a node
    /// that believes a current leader exists ([`Raft::in_leader_lease`]) is
    /// disregarded — no term change, no vote, no answer (the paper, §6) —
    /// unless it is a leadership transfer's (`transfer`).
    pub(super) fn on_request_vote(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        (last_index, last_term): (u64, u64),
        (pre_vote, transfer): (bool, bool),
    ) {
        if !pre_vote && self.ignores_vote_request(transfer, ctx.now()) {
            return;
        }
        let log_ok = self.params.has(Bug::VoteWithoutLogCheck)
            || self.log.candidate_is_up_to_date(last_index, last_term);
        if pre_vote {
            let granted = term > self.term && log_ok && !self.in_leader_lease(ctx.now());
            let term = if granted { term } else { self.term };
            ctx.send(
                from,
                Msg::Vote {
                    term,
                    granted,
                    pre_vote,
                },
            );
            return;
        }
        if self.vote_guarded(ctx.now()) {
            // Lease mode: a leader may be serving reads on a lease this
            // node's acknowledgement helped grant (reads.rs).
            let term = self.term;
            let msg = Msg::Vote {
                term,
                granted: false,
                pre_vote,
            };
            ctx.send(from, msg);
            return;
        }
        if term > self.term {
            self.become_follower(ctx, term, None);
        }
        let free = self.voted_for.is_none() || self.voted_for == Some(from);
        let granted = term == self.term && free && log_ok;
        if granted {
            self.voted_for = Some(from);
            self.persist_meta(ctx);
            self.reset_election_deadline(ctx);
        }
        let term = self.term;
        ctx.send(
            from,
            Msg::Vote {
                term,
                granted,
                pre_vote,
            },
        );
    }

    /// Count a vote; a majority wins (PreVote: starts the real election).
    pub(super) fn on_vote(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        granted: bool,
        pre_vote: bool,
    ) {
        if term > self.term && !granted {
            self.become_follower(ctx, term, None);
            return;
        }
        let counting = if pre_vote {
            self.role == Role::PreCandidate && term == self.term + 1
        } else {
            self.role == Role::Candidate && term == self.term
        };
        if !counting || !granted {
            return;
        }
        self.votes.insert(from);
        if !self.is_quorum(&self.votes) {
            return;
        }
        if pre_vote {
            self.start_election(ctx, false);
        } else {
            self.become_leader(ctx);
        }
    }

    /// Adopt `term` (forgetting the vote if it is newer) and follow `leader`.
    /// A leader stepping down redirects the clients it was serving.
    pub(super) fn become_follower(
        &mut self,
        ctx: &mut Ctx<Self>,
        term: u64,
        leader: Option<NodeId>,
    ) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            // AppendEntries waiting for a gap to fill were the old
            // term's (replication.rs); so was a transfer's campaign.
            self.early.clear();
            self.transfer_campaign = false;
            // A snapshot half received from the old term's leader is
            // discarded (snapshot.rs).
            self.partial = None;
            self.persist_meta(ctx);
        }
        let was = self.role;
        if was == Role::Leader {
            ctx.log(format!("steps down in term {}", self.term));
            self.redirect_waiting(ctx, leader);
            self.drop_reads(ctx, leader);
            self.progress.clear();
        }
        self.role = Role::Follower;
        self.leader = leader;
        self.votes.clear();
        // A leader stepping down waits a fresh timeout. A candidate keeps
        // the deadline its election set: the timer is reset only by a
        // leader's message, a granted vote or its own election (Figure 2;
        // 6.5840's guidance). Resetting it here let a candidate with a
        // stale log, whose RequestVotes of ever higher terms kept knocking
        // the up-to-date candidate back to follower with a fresh timeout,
        // win the race to the next term again and again (6.5840
        // kv-snapshot-rpc-4b seeds 631 and 875: eight terms, a second,
        // without a leader).
        if was == Role::Leader {
            self.reset_election_deadline(ctx);
        }
    }

    /// Won the election: initialise progress, append a no-op of the new term
    /// (so earlier entries can commit, §5.4.2), and assert leadership.
    pub(super) fn become_leader(&mut self, ctx: &mut Ctx<Self>) {
        self.role = Role::Leader;
        self.leader = Some(self.id);
        self.votes.clear();
        let next = self.log.last_index() + 1;
        let now = ctx.now();
        self.round_trip = SimTime::ZERO;
        self.measured_round_trip(now.saturating_sub(self.election_sent));
        self.progress = self
            .peers(ctx)
            .into_iter()
            .map(|p| {
                let progress = Progress {
                    next,
                    matched: 0,
                    last_heard: now,
                    ..Progress::default()
                };
                (p, progress)
            })
            .collect();
        ctx.log(format!("became leader in term {}", self.term));
        let stamp = self.stamp(ctx);
        let index = self.log.append_stamped(self.term, Command::Noop, stamp);
        persist::save_entries(ctx.storage(), &self.log, index);
        self.dirty = true;
        self.broadcast_append(ctx);
        self.arm_heartbeat(ctx);
        self.advance_commit(ctx);
        self.release_held(ctx);
    }

    /// (Re)start the heartbeat / vote-retry timer for this term.
    pub(super) fn arm_heartbeat(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(id) = self.heartbeat_timer.take() {
            ctx.cancel_timer(id);
        }
        let term = self.term;
        let id = ctx.set_timer(self.params.heartbeat, Timer::Heartbeat { term });
        self.heartbeat_timer = Some(id);
    }

    /// Leader: CheckQuorum, then heartbeat. Candidates: retry vote requests
    /// to peers that have not answered.
    pub(super) fn on_heartbeat(&mut self, ctx: &mut Ctx<Self>, term: u64) {
        self.heartbeat_timer = None;
        if term != self.term {
            return;
        }
        match self.role {
            Role::Leader => {
                if self.params.check_quorum && !self.quorum_heard(ctx.now()) {
                    ctx.log(format!("lost its quorum in term {}", self.term));
                    self.become_follower(ctx, self.term, None);
                    return;
                }
                if self.params.pipeline {
                    for peer in self.followers() {
                        self.heartbeat_to(ctx, peer);
                    }
                } else {
                    self.broadcast_append(ctx);
                }
                self.read_heartbeat(ctx);
                self.arm_nudge(ctx);
            }
            Role::Candidate => self.request_votes(ctx, false),
            Role::PreCandidate => self.request_votes(ctx, true),
            Role::Follower => return,
        }
        self.arm_heartbeat(ctx);
    }

    /// A majority (counting itself) answered within the last
    /// [`Raft::quorum_window`].
    fn quorum_heard(&self, now: SimTime) -> bool {
        let window = self.quorum_window();
        let recent = |p: &Progress| now < p.last_heard.saturating_add(window);
        if self.membership_active() {
            let heard = |id| id == self.id || self.progress.get(&id).is_some_and(recent);
            return self.config.quorum(heard);
        }
        let heard = self.progress.values().filter(|p| recent(p)).count();
        heard + 1 >= self.majority()
    }

    /// The longest round trip counted, in maximum election timeouts.
    pub(super) const ROUND_TRIP_CAP_TIMEOUTS: u64 = 4;

    /// CheckQuorum's window:
    /// `max(maximum election timeout, 2 × heartbeat + 2 × round_trip)`. On fast links that is the election timeout (a
    /// cut-off leader steps down as followers start an election); when a
    /// round trip is long (the election's answers took 400 ms), a leader
    /// still hears a majority within two heartbeats and two round trips,
    /// so it does not step down while healthy.
    pub fn quorum_window(&self) -> SimTime {
        let beats = self.params.heartbeat.as_nanos().saturating_mul(2);
        let trips = self.round_trip.as_nanos().saturating_mul(2);
        let window = SimTime(beats.saturating_add(trips));
        self.params.election_timeout.1.max(window)
    }

    /// [`Raft::ROUND_TRIP_CAP_TIMEOUTS`] maximum election timeouts.
    pub(super) fn round_trip_cap(&self) -> SimTime {
        let max = self.params.election_timeout.1.as_nanos();
        SimTime(max.saturating_mul(Self::ROUND_TRIP_CAP_TIMEOUTS))
    }

    /// Fold a measured round trip into [`Raft::round_trip`]: a maximum that
    /// loses a quarter at every new sample, at most
    /// [`Raft::ROUND_TRIP_CAP_TIMEOUTS`] maximum election timeouts.
    pub(super) fn measured_round_trip(&mut self, sample: SimTime) {
        let cap = self.round_trip_cap();
        let decayed = SimTime(self.round_trip.as_nanos() - self.round_trip.as_nanos() / 4);
        self.round_trip = sample.min(cap).max(decayed);
    }
}
