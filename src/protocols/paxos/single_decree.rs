//! Single-decree mode: the Synod protocol alone. The first `proposers`
//! nodes each want their own value chosen for one instance (slot 1); there
//! is no leader. A proposer that sees a higher ballot (a refusal, or a
//! prepare its own acceptor promised) tries again with a higher one — at
//! once with `backoff = 0`, which lets two proposers pre-empt each other
//! forever (the dueling-proposers livelock, FLP in miniature), or after a
//! random wait of up to `backoff`, which ends the duel: one proposer gets
//! through both phases while the other waits.

use super::{Paxos, Role, Timer};
use crate::sim::{Ctx, SimTime};

impl Paxos {
    /// Boot: a proposer starts at once (unless it already learned).
    pub(super) fn start_single_decree(&mut self, ctx: &mut Ctx<Self>) {
        self.done = self.chosen.contains_key(&1);
        if self.is_proposer() && !self.done {
            self.propose_single(ctx);
        }
    }

    /// Whether this node proposes (the first `proposers` nodes do).
    pub fn is_proposer(&self) -> bool {
        self.id.0 < self.params.proposers
    }

    /// A new attempt: phase 1 with a fresh ballot, and a timeout in case
    /// messages are lost.
    pub(super) fn propose_single(&mut self, ctx: &mut Ctx<Self>) {
        if self.done || !self.is_proposer() {
            return;
        }
        if let Some(id) = self.retry_timer.take() {
            ctx.cancel_timer(id);
        }
        self.retry_timer = Some(ctx.set_timer(self.params.election_timeout.1, Timer::Retry));
        self.start_phase1(ctx);
    }

    /// Pre-empted: retry at once, or after a random backoff.
    pub(super) fn retry_single(&mut self, ctx: &mut Ctx<Self>) {
        self.role = Role::Follower;
        self.proposals.clear();
        self.promises.clear();
        self.promise_order.clear();
        if self.done {
            return;
        }
        if self.params.backoff == SimTime::ZERO {
            self.propose_single(ctx);
            return;
        }
        if let Some(id) = self.retry_timer.take() {
            ctx.cancel_timer(id);
        }
        let wait = SimTime(ctx.rng().range_inclusive(0, self.params.backoff.as_nanos()));
        self.retry_timer = Some(ctx.set_timer(wait, Timer::Retry));
    }

    /// The instance's value is known: stop proposing.
    pub(super) fn single_learned(&mut self, ctx: &mut Ctx<Self>) {
        if self.done {
            return;
        }
        self.done = true;
        self.role = Role::Follower;
        self.proposals.clear();
        if let Some(id) = self.retry_timer.take() {
            ctx.cancel_timer(id);
        }
        if let Some(c) = self.chosen.get(&1) {
            ctx.log(format!("learned: {c} is chosen"));
        }
    }
}
