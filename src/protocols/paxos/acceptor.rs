//! The acceptor: Synod's phase 1b and 2b rules (`synod.rs`) applied per
//! slot, and the durable state they guard.
//!
//! | key                  | value                                         |
//! |----------------------|-----------------------------------------------|
//! | `promised`           | the highest ballot promised                   |
//! | `round`              | the highest round this node's proposer used   |
//! | `accepted/<slot>`    | the accepted `(ballot, command)` in that slot  |
//! | `chosen/<slot>`      | a command the learner knows chosen            |
//!
//! Every handler writes, then syncs once before its messages leave (the
//! engine applies effects after the handler), so no promise or acceptance
//! is ever answered before it is durable — except with `reply-before-sync`.

use super::lab::{load_slots, slot_key};
use super::synod::ValueRule;
use super::{Ballot, Bug, Command, Msg, Paxos, Report, Role};
use crate::sim::{Ctx, NodeId};
use crate::storage::Storage;

/// Store `value` as one JSON text (fewer allocations than a JSON tree).
fn put_text<T: serde::Serialize>(storage: &mut Storage, key: &str, value: &T) {
    if let Ok(text) = serde_json::to_string(value) {
        storage.put(key, &text);
    }
}

impl Paxos {
    /// The rule the proposer picks values by (the bug switch changes it).
    pub(super) fn value_rule(&self) -> ValueRule {
        if self.params.has(Bug::AnyAcceptedValue) {
            ValueRule::FirstReported
        } else {
            ValueRule::HighestBallot
        }
    }

    /// Rebuild from storage: promise, round, accepted proposals, chosen
    /// commands (re-applied in order).
    pub(super) fn recover(&mut self, ctx: &mut Ctx<Self>) {
        // The hook [`super::lab::PaxosRules::recover`].
        let recovered = (self.params.hooks.recover)(ctx.storage());
        let storage = ctx.storage();
        self.promised = recovered.promised;
        if !self.params.has(Bug::ReuseBallotAfterRestart) {
            self.round = recovered.round;
        }
        self.accepted = recovered.accepted;
        self.chosen = load_slots(storage, "chosen").into_iter().collect();
        self.recover_checkpoint(ctx);
        self.apply_chosen(ctx);
        if self.promised.is_some() {
            ctx.log(format!(
                "recovered: promised {}, round {}, checkpoint through {}, {} accepted, {} chosen, applied {}",
                self.promised,
                self.round,
                self.compacted_through(),
                self.accepted.len(),
                self.chosen.len(),
                self.applied
            ));
        }
    }

    /// Write the promise (synced at the end of the handler).
    pub(super) fn save_promise(&mut self, ctx: &mut Ctx<Self>) {
        (self.params.hooks.store_promise)(ctx.storage(), self.promised);
        self.dirty = true;
    }

    /// Write the proposer's round (synced before its prepare leaves).
    pub(super) fn save_round(&mut self, ctx: &mut Ctx<Self>) {
        if !self.params.has(Bug::ReuseBallotAfterRestart) {
            (self.params.hooks.store_round)(ctx.storage(), self.round);
            self.dirty = true;
        }
    }

    /// Write a chosen command.
    pub(super) fn save_chosen(&mut self, ctx: &mut Ctx<Self>, slot: u64, command: &Command) {
        put_text(ctx.storage(), &slot_key("chosen", slot), command);
        self.dirty = true;
    }

    /// Phase 1b on this node's own acceptor: promise `ballot` if allowed,
    /// returning the accepted proposals from `from_slot` on.
    pub(super) fn promise(
        &mut self,
        ctx: &mut Ctx<Self>,
        ballot: Ballot,
        from_slot: u64,
    ) -> Option<Vec<Report>> {
        // The hook [`super::lab::PaxosRules::promise`]: the new promise.
        let promised = (self.params.hooks.promise)(self.promised, ballot)?;
        if promised != self.promised {
            self.promised = promised;
            self.save_promise(ctx);
        }
        let reports = self
            .accepted
            .range(from_slot..)
            .map(|(slot, (b, c))| (*slot, *b, c.clone()))
            .collect();
        Some(reports)
    }

    /// Phase 2b on this node's own acceptor: accept if allowed (and then
    /// promise `ballot` too).
    pub(super) fn accept(
        &mut self,
        ctx: &mut Ctx<Self>,
        ballot: Ballot,
        slot: u64,
        command: &Command,
    ) -> bool {
        // The hook [`super::lab::PaxosRules::may_accept`], unless the bug
        // switch drops the check.
        let check = !self.params.has(Bug::NoPromiseCheck);
        if check && !(self.params.hooks.may_accept)(self.promised, ballot) {
            return false;
        }
        if ballot > self.promised {
            self.promised = ballot;
            self.save_promise(ctx);
        }
        let pair = (ballot, command.clone());
        (self.params.hooks.store_accepted)(ctx.storage(), slot, ballot, command);
        self.dirty = true;
        self.observed.accepts.push((slot, ballot, command.digest()));
        self.accepted.insert(slot, pair);
        true
    }

    /// A prepare from a proposer.
    pub(super) fn on_prepare(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        ballot: Ballot,
        from_slot: u64,
    ) {
        self.round = self.round.max(ballot.round);
        match self.promise(ctx, ballot, from_slot) {
            Some(accepted) => {
                if ballot > self.ballot && self.role != Role::Follower {
                    self.preempted(ctx, ballot);
                }
                if self.leader != Some(ballot.owner()) {
                    self.leader = None;
                }
                self.reset_election_deadline(ctx);
                let checkpoint = self.checkpoint_covering(from_slot);
                let promise = Msg::Promise {
                    ballot,
                    accepted,
                    checkpoint,
                };
                ctx.send(from, promise);
            }
            None => ctx.send(
                from,
                Msg::Nack {
                    ballot,
                    promised: self.promised,
                },
            ),
        }
    }

    /// An accept from a proposer.
    pub(super) fn on_accept(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        ballot: Ballot,
        slot: u64,
        command: Command,
    ) {
        self.round = self.round.max(ballot.round);
        if let Some(checkpoint) = self.checkpoint_covering(slot) {
            // A slot this acceptor forgot: chosen, and the proposer is
            // behind (`checkpoint.rs`).
            ctx.send(from, Msg::Checkpoint { checkpoint });
            return;
        }
        if self.accept(ctx, ballot, slot, &command) {
            if ballot > self.ballot && self.role != Role::Follower {
                self.preempted(ctx, ballot);
            }
            self.follow(ctx, ballot);
            ctx.send(from, Msg::Accepted { ballot, slot });
        } else {
            ctx.send(
                from,
                Msg::Nack {
                    ballot,
                    promised: self.promised,
                },
            );
        }
    }
}
