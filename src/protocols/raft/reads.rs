//! Reads without log entries (the Raft dissertation, §6.4): ReadIndex and
//! lease reads, chosen by `read_mode` (`log`, the default, puts every read
//! in the log like a write, `client.rs`).
//!
//! **ReadIndex.** A leader that has committed an entry of its own term
//! (its no-op) notes its commit index as the read's index, confirms that it
//! still leads by a round of [`Msg::ReadProbe`] that a majority (itself
//! counted) acknowledges, waits until that index is applied, and answers
//! from the state machine. One round is in flight at a time: reads that
//! arrive meanwhile wait and share the next round (batching). A round
//! unanswered for a heartbeat is replaced by a new one.
//!
//! **Lease.** A round confirmed by a majority also starts a lease: a round
//! sent at local time `t` lets the leader answer reads without a round
//! until `t` + minimum election timeout − margin. The margin covers clock
//! drift: with every clock within `lease_drift_ppm` (ρ) of true time, a
//! follower's minimum election timeout lasts at least `min / (1 + ρ)` of
//! true time and the leader's lease at most `(min − margin) / (1 − ρ)`, so
//! `margin = min × 2ρ / (1 + ρ)` keeps the lease inside. It holds because a
//! follower in lease mode grants no vote (and takes no term) from a
//! RequestVote while it heard from a leader within the minimum election
//! timeout — nor for one after it restarts — (the vote guard, §6.4.1 and
//! §4.2.3). A clock *jump* is not drift: no margin covers it. A read while
//! the lease holds is answered at the commit index once applied; a read
//! without a lease starts a round, as ReadIndex does. A heartbeat renews
//! a lease that reads used.

use super::{Bug, Msg, Raft, ReadMode, Role};
use crate::sim::{Ctx, NodeId, Op, Reply, Request, SimTime};
use serde::Serialize;

/// A read waiting at the leader.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PendingRead {
    /// The client's request.
    pub request: Request,
    /// The round that confirms it (0: waits for the next round).
    pub round: u64,
    /// The commit index it is answered at, once confirmed and applied.
    pub index: u64,
    /// Leadership confirmed (the round, or a lease): answer once applied.
    pub confirmed: bool,
}

/// Whether `op` is a read (`get` or `read`).
pub(super) fn is_read(op: &Op) -> bool {
    matches!(op.f.as_str(), "get" | "read")
}

impl Raft {
    /// Whether the leader may serve reads: it committed an entry of its
    /// own term (so its commit index covers every committed entry).
    fn committed_own_term(&self) -> bool {
        self.log.term_at(self.commit) == Some(self.term)
    }

    /// The lease's drift margin: `min × 2ρ / (1 + ρ)`, rounded up; none
    /// with the `lease-ignores-drift` bug.
    pub fn lease_margin(&self) -> SimTime {
        if self.params.has(Bug::LeaseIgnoresDrift) {
            return SimTime::ZERO;
        }
        let min = u128::from(self.params.election_timeout.0.as_nanos());
        let rho = u128::from(self.params.lease_drift_ppm);
        let margin = (min * 2 * rho).div_ceil(1_000_000 + rho);
        SimTime(u64::try_from(margin).unwrap_or(u64::MAX))
    }

    /// A read arrived at the leader (read mode other than `log`).
    pub(super) fn handle_read(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let now = ctx.now();
        let lease = self.params.read_mode == ReadMode::Lease
            && self.lease_until.is_some_and(|until| now < until);
        let ready = (lease || self.no_confirm()) && self.committed_own_term();
        if lease && ready {
            self.lease_used = true;
        }
        self.reads.push(PendingRead {
            request,
            round: 0,
            index: self.commit,
            confirmed: ready,
        });
        self.serve_reads(ctx);
        self.start_read_round(ctx);
    }

    /// ReadIndex with the `read-index-no-confirm` bug: no round.
    fn no_confirm(&self) -> bool {
        self.params.read_mode == ReadMode::ReadIndex && self.params.has(Bug::ReadIndexNoConfirm)
    }

    /// Answer the confirmed reads whose index is applied.
    fn serve_reads(&mut self, ctx: &mut Ctx<Self>) {
        let applied = self.applied;
        if !self.reads.iter().any(|r| r.confirmed && r.index <= applied) {
            return;
        }
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.reads)
            .into_iter()
            .partition(|r| r.confirmed && r.index <= applied);
        self.reads = waiting;
        for read in ready {
            let reply = self.kv.read(&read.request.op);
            self.sent.reads += 1;
            ctx.reply(&read.request, reply);
        }
    }

    /// Start a round for the reads waiting for one, unless one is in
    /// flight or the leader has not committed an entry of its term yet.
    /// The reads take the commit index now (after they arrived).
    fn start_read_round(&mut self, ctx: &mut Ctx<Self>) {
        let waiting = self.reads.iter().any(|r| !r.confirmed && r.round == 0);
        if waiting && self.read_round_sent.is_none() && self.committed_own_term() {
            self.send_read_round(ctx);
        }
    }

    /// A new round: every unconfirmed read joins it (a read that waited on
    /// a lost round is as well served by a later one).
    fn send_read_round(&mut self, ctx: &mut Ctx<Self>) {
        self.read_round += 1;
        self.read_round_sent = Some(ctx.now());
        self.lease_used = false;
        self.sent.read_rounds += 1;
        let (round, commit) = (self.read_round, self.commit);
        for read in self.reads.iter_mut().filter(|r| !r.confirmed) {
            if read.round == 0 {
                read.index = commit;
            }
            read.round = round;
        }
        let term = self.term;
        for peer in self.peers(ctx) {
            ctx.send(peer, Msg::ReadProbe { term, round });
        }
        self.confirm_round(ctx);
    }

    /// The leader's heartbeat: replace a round unanswered for a heartbeat;
    /// renew a lease that reads used.
    pub(super) fn read_heartbeat(&mut self, ctx: &mut Ctx<Self>) {
        if self.params.read_mode == ReadMode::Log || !self.committed_own_term() {
            return;
        }
        let now = ctx.now();
        match self.read_round_sent {
            Some(sent) if now >= sent.saturating_add(self.params.heartbeat) => {
                self.send_read_round(ctx)
            }
            Some(_) => {}
            None if self.lease_used || self.reads.iter().any(|r| !r.confirmed) => {
                self.send_read_round(ctx)
            }
            None => {}
        }
    }

    /// If a majority (itself counted) acknowledged the round in flight,
    /// confirm its reads (and, in lease mode, extend the lease).
    fn confirm_round(&mut self, ctx: &mut Ctx<Self>) {
        let Some(sent) = self.read_round_sent else {
            return;
        };
        let round = self.read_round;
        let confirmed = if self.membership_active() {
            let acked =
                |id| id == self.id || self.progress.get(&id).is_some_and(|p| p.read_ack >= round);
            self.config.quorum(acked)
        } else {
            let acks = self.progress.values().filter(|p| p.read_ack >= round);
            acks.count() + 1 >= self.majority()
        };
        if !confirmed {
            return;
        }
        self.read_round_sent = None;
        for read in self.reads.iter_mut() {
            if read.round != 0 && read.round <= round {
                read.confirmed = true;
            }
        }
        if self.params.read_mode == ReadMode::Lease {
            let min = self.params.election_timeout.0;
            let until = sent.saturating_add(min).saturating_sub(self.lease_margin());
            self.lease_until = Some(self.lease_until.map_or(until, |u| u.max(until)));
        }
        self.serve_reads(ctx);
        self.start_read_round(ctx);
    }

    /// After entries were applied: answer what waited for them, start a
    /// round for reads that waited for the first commit of the term.
    pub(super) fn reads_after_apply(&mut self, ctx: &mut Ctx<Self>) {
        if self.role != Role::Leader || self.reads.is_empty() {
            return;
        }
        if self.no_confirm() && self.committed_own_term() {
            let commit = self.commit;
            for read in self.reads.iter_mut().filter(|r| !r.confirmed) {
                read.index = commit;
                read.confirmed = true;
            }
        }
        if self.params.read_mode == ReadMode::Lease {
            let now = ctx.now();
            if self.lease_until.is_some_and(|until| now < until) && self.committed_own_term() {
                let commit = self.commit;
                for read in self.reads.iter_mut().filter(|r| r.round == 0) {
                    read.index = commit;
                    read.confirmed = true;
                    self.lease_used = true;
                }
            }
        }
        self.serve_reads(ctx);
        self.start_read_round(ctx);
    }

    /// The follower side: a probe of a current leader is a heartbeat.
    pub(super) fn on_read_probe(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        round: u64,
    ) {
        if term >= self.term {
            self.follow(ctx, from, term);
        }
        let term = self.term;
        ctx.send(from, Msg::ReadAck { term, round });
    }

    /// The leader side: count the acknowledgement.
    pub(super) fn on_read_ack(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: u64, round: u64) {
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
        let Some(p) = self.progress.get_mut(&from) else {
            return;
        };
        p.last_heard = now;
        p.read_ack = p.read_ack.max(round);
        self.confirm_round(ctx);
    }

    /// A leader stepping down (or a new term): waiting reads retry
    /// elsewhere; the rounds and the lease end.
    pub(super) fn drop_reads(&mut self, ctx: &mut Ctx<Self>, hint: Option<NodeId>) {
        for read in std::mem::take(&mut self.reads) {
            ctx.reply(&read.request, Reply::Redirect(hint));
        }
        self.read_round = 0;
        self.read_round_sent = None;
        self.lease_until = None;
        self.lease_used = false;
    }

    /// The vote guard of lease mode: a node that heard from a leader
    /// within the minimum election timeout (or restarted that recently, or
    /// leads) grants no vote and takes no term from a RequestVote.
    pub(super) fn vote_guarded(&self, now: SimTime) -> bool {
        let min = self.params.election_timeout.0;
        self.params.read_mode == ReadMode::Lease
            && (self.role == Role::Leader
                || self
                    .last_leader_contact
                    .is_some_and(|t| now < t.saturating_add(min)))
    }
}
