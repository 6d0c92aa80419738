//! Leadership transfer (the dissertation, §3.10): the leader stops taking
//! client requests (it holds them), brings the target's log up to date,
//! then sends it [`Msg::TimeoutNow`]; the target starts an election at
//! once, skipping PreVote; its RequestVotes are marked `transfer`, so the
//! voters do not disregard them (`ignore_votes_with_leader`, which would
//! otherwise: they just heard from the leader). The target's
//! higher term deposes the old leader, which then redirects the held
//! requests. If no new leader shows up within the maximum election
//! timeout the transfer is abandoned and the leader serves again.
//!
//! Used by the `drain N` change (membership.rs): the leader being drained
//! hands over before it is removed.

use super::{Msg, Raft, Role};
use crate::sim::{Ctx, NodeId, SimTime};

/// A leadership transfer in progress (leader only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Transfer {
    /// The voter that is to lead.
    pub target: NodeId,
    /// Local time after which the transfer is abandoned.
    pub until: SimTime,
    /// `TimeoutNow` was sent (once: the target's election follows).
    pub sent: bool,
}

impl Raft {
    /// Begin handing leadership to `target`.
    pub(super) fn start_transfer(&mut self, ctx: &mut Ctx<Self>, target: NodeId) {
        let until = ctx.now().saturating_add(self.params.election_timeout.1);
        ctx.log(format!("transfers leadership to {target}"));
        self.transfer = Some(Transfer {
            target,
            until,
            sent: false,
        });
        self.drive_transfer(ctx);
    }

    /// Send `TimeoutNow` once the target's log matches ours; abandon the
    /// transfer when it timed out.
    pub(super) fn drive_transfer(&mut self, ctx: &mut Ctx<Self>) {
        let Some(t) = self.transfer else {
            return;
        };
        if ctx.now() >= t.until {
            ctx.log(format!("leadership transfer to {} abandoned", t.target));
            self.transfer = None;
            self.release_held(ctx);
            return;
        }
        let last = self.log.last_index();
        let matched = self.progress.get(&t.target).map_or(0, |p| p.matched);
        if !t.sent && matched >= last {
            let term = self.term;
            ctx.send(t.target, Msg::TimeoutNow { term });
            self.transfer = Some(Transfer { sent: true, ..t });
        }
    }

    /// `TimeoutNow` from the leader of `term`: stand for election at once
    /// (no PreVote) if still in that term and allowed to campaign.
    pub(super) fn on_timeout_now(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: u64) {
        if term != self.term || self.role == Role::Leader || !self.may_campaign() {
            return;
        }
        ctx.log(format!("TimeoutNow from {from}: election at once"));
        self.start_election(ctx, true);
    }
}
