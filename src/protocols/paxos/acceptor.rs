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

use super::synod::{self, ValueRule};
use super::{Ballot, Bug, Command, Msg, Paxos, Report, Role};
use crate::sim::{Ctx, NodeId};
use crate::storage::Storage;

fn slot_key(prefix: &str, slot: u64) -> String {
    format!("{prefix}/{slot:012}")
}

/// Read back every `prefix/<slot>` entry, in slot order.
fn load_slots<T: serde::de::DeserializeOwned>(storage: &Storage, prefix: &str) -> Vec<(u64, T)> {
    let mut out = Vec::new();
    for key in storage.keys() {
        let Some(rest) = key.strip_prefix(prefix) else {
            continue;
        };
        let Some(slot) = rest.strip_prefix('/').and_then(|s| s.parse::<u64>().ok()) else {
            continue;
        };
        if let Some(text) = storage.get::<String>(&key) {
            if let Ok(value) = serde_json::from_str(&text) {
                out.push((slot, value));
            }
        }
    }
    out
}

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
        let storage = ctx.storage();
        self.promised = storage.get::<Ballot>("promised").unwrap_or_default();
        if !self.params.has(Bug::ReuseBallotAfterRestart) {
            self.round = storage.get::<u64>("round").unwrap_or(0);
        }
        self.accepted = load_slots(storage, "accepted").into_iter().collect();
        self.chosen = load_slots(storage, "chosen").into_iter().collect();
        self.apply_chosen(ctx);
        if self.promised.is_some() {
            ctx.log(format!(
                "recovered: promised {}, round {}, {} accepted, {} chosen, applied {}",
                self.promised,
                self.round,
                self.accepted.len(),
                self.chosen.len(),
                self.applied
            ));
        }
    }

    /// Write the promise (synced at the end of the handler).
    pub(super) fn save_promise(&mut self, ctx: &mut Ctx<Self>) {
        ctx.storage().put("promised", &self.promised);
        self.dirty = true;
    }

    /// Write the proposer's round (synced before its prepare leaves).
    pub(super) fn save_round(&mut self, ctx: &mut Ctx<Self>) {
        if !self.params.has(Bug::ReuseBallotAfterRestart) {
            ctx.storage().put("round", &self.round);
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
        if !synod::may_promise(self.promised, ballot) {
            return None;
        }
        if ballot > self.promised {
            self.promised = ballot;
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
        let check = !self.params.has(Bug::NoPromiseCheck);
        if !synod::may_accept(self.promised, ballot, check) {
            return false;
        }
        if ballot > self.promised {
            self.promised = ballot;
            self.save_promise(ctx);
        }
        let pair = (ballot, command.clone());
        put_text(ctx.storage(), &slot_key("accepted", slot), &pair);
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
                ctx.send(from, Msg::Promise { ballot, accepted });
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
