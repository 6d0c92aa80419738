//! The distinguished proposer (leader): election by phase 1 for all slots
//! at once, phase 2 per slot, heartbeats, stepping down.
//!
//! - A follower that hears no leader for a randomized election timeout
//!   takes a new ballot `(round + 1, id)` above every round it has seen or
//!   promised, stores the round (synced before the prepare leaves), promises
//!   it to itself and sends `Prepare(ballot, from_slot)`, where `from_slot`
//!   is its first unlearned slot.
//! - With promises from a majority it leads: in every slot from
//!   `from_slot` to the highest one reported it proposes the value of the
//!   highest-ballot proposal reported (`synod::choose_value`), or a no-op
//!   if none was — the gap filling that lets later slots apply.
//! - Each client command gets the next slot; the leader accepts it itself
//!   and sends `Accept`; a majority of `Accepted` in its ballot makes it
//!   chosen, and the leader tells the learners (`Decided`).
//! - Heartbeats carry the leader's ballot; replies tell it what each
//!   follower has applied, and it resends missing decided slots and
//!   unanswered accepts. A leader that hears from no majority for an
//!   election timeout, or sees a higher ballot, steps down.

use super::ballot::{line, Part, Part::Number, Part::Text};
use super::synod::ValueRule;
use super::{Ballot, Bug, Command, Mode, Msg, Paxos, Proposal, Report, Role, Timer};
use crate::sim::{Ctx, NodeId, Reply, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// Most decided slots sent to a follower in one catch-up message.
const CATCH_UP_BATCH: usize = 64;

impl Paxos {
    /// Push the election deadline a fresh random timeout into the future
    /// (the timer is re-armed lazily, as in Raft).
    pub(super) fn reset_election_deadline(&mut self, ctx: &mut Ctx<Self>) {
        if self.params.mode != Mode::Multi {
            return;
        }
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

    /// The election timer fired: re-arm if the deadline moved, else run
    /// phase 1 (a leader only re-arms).
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
        if self.role == Role::Leader {
            self.reset_election_deadline(ctx);
            return;
        }
        self.start_phase1(ctx);
    }

    /// Phase 1a: a new ballot, promised to itself, prepared everywhere.
    pub(super) fn start_phase1(&mut self, ctx: &mut Ctx<Self>) {
        let seen = if self.params.has(Bug::ReuseBallotAfterRestart) {
            self.round // the bug: in memory only, from 0 after a restart
        } else {
            self.round.max(self.promised.round)
        };
        self.round = seen + 1;
        self.save_round(ctx);
        let ballot = Ballot::new(self.round, self.id);
        self.role = Role::Candidate;
        self.ballot = ballot;
        self.leader = None;
        self.promises.clear();
        self.promise_order.clear();
        self.from_slot = self.applied + 1;
        self.reset_election_deadline(ctx);
        let Some(own) = self.promise(ctx, ballot, self.from_slot) else {
            // Its own acceptor promised a higher ballot (only with the bug).
            let promised = self.promised;
            self.on_nack(ctx, ballot, promised);
            return;
        };
        ctx.log(line(&[
            Text("phase 1 with ballot "),
            Part::Ballot(ballot),
            Text(" from slot "),
            Number(self.from_slot),
        ]));
        ctx.broadcast(Msg::Prepare {
            ballot,
            from_slot: self.from_slot,
        });
        self.on_promise(ctx, self.id, ballot, own);
    }

    /// Phase 1b answer: count it; a majority makes this node leader.
    pub(super) fn on_promise(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        ballot: Ballot,
        accepted: Vec<Report>,
    ) {
        if self.role != Role::Candidate || ballot != self.ballot {
            return;
        }
        if self.promises.insert(from, accepted).is_none() {
            self.promise_order.push(from);
        }
        if (self.params.hooks.is_majority)(self.promises.len(), self.nodes) {
            self.become_leader(ctx);
        }
    }

    /// Phase 1 done: re-propose what the promises reported, fill gaps.
    fn become_leader(&mut self, ctx: &mut Ctx<Self>) {
        self.role = Role::Leader;
        self.leader = Some(self.id);
        let mut reported: BTreeMap<u64, Vec<(Ballot, Command)>> = BTreeMap::new();
        for from in &self.promise_order {
            for (slot, b, c) in self.promises.get(from).into_iter().flatten() {
                reported.entry(*slot).or_default().push((*b, c.clone()));
            }
        }
        self.promises.clear();
        self.promise_order.clear();
        let rule = self.value_rule();
        let highest_reported = reported.keys().next_back().copied().unwrap_or(0);
        let mut top = highest_reported.max(self.applied);
        if self.params.mode == Mode::SingleDecree {
            top = 1; // the one instance
        }
        ctx.log(line(&[
            Text("leads ballot "),
            Part::Ballot(self.ballot),
            Text(": re-proposes slots "),
            Number(self.from_slot),
            Text("..="),
            Number(top),
        ]));
        let mut to_propose = Vec::new();
        // From the first slot not applied: a checkpoint installed during
        // phase 1 may have moved it past `from_slot`.
        for slot in self.from_slot.max(self.applied + 1)..=top {
            if self.chosen.contains_key(&slot) {
                continue;
            }
            let found = reported.get(&slot).and_then(|r| match rule {
                // The rule (the hook [`super::lab::PaxosRules::choose_value`]).
                ValueRule::HighestBallot => (self.params.hooks.choose_value)(r),
                // The `any-accepted-value` bug: the first reported.
                ValueRule::FirstReported => r.first().map(|(_, v)| v),
            });
            let command = match (found, self.params.mode) {
                (Some(c), _) => c.clone(),
                (None, Mode::Multi) => Command::Noop,
                (None, Mode::SingleDecree) => Command::Own(self.id.0),
            };
            to_propose.push((slot, command));
        }
        let known = self.chosen.keys().next_back().copied().unwrap_or(0);
        self.next_slot = top.max(known) + 1;
        self.peers = ctx.peers().map(|p| (p, (0, ctx.now()))).collect();
        for (slot, command) in to_propose {
            self.propose(ctx, slot, command);
        }
        if self.params.mode == Mode::Multi {
            self.send_heartbeats(ctx);
            self.arm_heartbeat(ctx);
            self.release_held(ctx);
        }
    }

    /// Phase 2a for one slot: accept it here, ask everyone else.
    pub(super) fn propose(&mut self, ctx: &mut Ctx<Self>, slot: u64, command: Command) {
        let ballot = self.ballot;
        self.observed
            .proposals
            .push((slot, ballot, command.digest()));
        let mut accepted_by = BTreeSet::new();
        if self.accept(ctx, ballot, slot, &command) {
            accepted_by.insert(self.id);
        }
        ctx.broadcast(Msg::Accept {
            ballot,
            slot,
            command: Box::new(command.clone()),
        });
        self.proposals.insert(
            slot,
            Proposal {
                command,
                accepted_by,
            },
        );
        self.check_chosen(ctx, slot);
    }

    /// Phase 2b answer.
    pub(super) fn on_accepted(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        ballot: Ballot,
        slot: u64,
    ) {
        if self.role != Role::Leader || ballot != self.ballot {
            return;
        }
        self.heard(ctx, from);
        if let Some(p) = self.proposals.get_mut(&slot) {
            p.accepted_by.insert(from);
        }
        self.check_chosen(ctx, slot);
    }

    /// A majority accepted `slot` in this ballot: chosen. Learn it and tell
    /// the learners.
    fn check_chosen(&mut self, ctx: &mut Ctx<Self>, slot: u64) {
        let Some(p) = self.proposals.get(&slot) else {
            return;
        };
        if !(self.params.hooks.is_majority)(p.accepted_by.len(), self.nodes) {
            return;
        }
        let Some(p) = self.proposals.remove(&slot) else {
            return;
        };
        ctx.broadcast(Msg::Decided {
            entries: vec![(slot, p.command.clone())],
        });
        self.learn(ctx, slot, p.command);
    }

    /// A prepare or accept of ours was refused: a higher ballot exists.
    pub(super) fn on_nack(&mut self, ctx: &mut Ctx<Self>, ballot: Ballot, promised: Ballot) {
        self.round = self.round.max(promised.round);
        if ballot != self.ballot || self.role == Role::Follower || promised <= ballot {
            return;
        }
        self.preempted(ctx, promised);
    }

    /// Another proposer's higher ballot pre-empted ours.
    pub(super) fn preempted(&mut self, ctx: &mut Ctx<Self>, by: Ballot) {
        self.preemptions += 1;
        ctx.log(line(&[
            Text("ballot "),
            Part::Ballot(self.ballot),
            Text(" pre-empted by "),
            Part::Ballot(by),
        ]));
        match self.params.mode {
            Mode::Multi => self.step_down(ctx, None),
            Mode::SingleDecree => self.retry_single(ctx),
        }
    }

    /// Back to follower: in-flight proposals dropped (a later leader's phase
    /// 1 finds whatever a majority accepted), waiting clients redirected.
    pub(super) fn step_down(&mut self, ctx: &mut Ctx<Self>, hint: Option<NodeId>) {
        if self.role == Role::Follower {
            return;
        }
        ctx.log(line(&[
            Text("steps down from ballot "),
            Part::Ballot(self.ballot),
        ]));
        self.role = Role::Follower;
        self.leader = hint;
        self.promises.clear();
        self.promise_order.clear();
        self.proposals.clear();
        self.peers.clear();
        if let Some(id) = self.heartbeat_timer.take() {
            ctx.cancel_timer(id);
        }
        for (_, (client, id)) in std::mem::take(&mut self.waiting) {
            ctx.reply_to(client, id, Reply::Redirect(hint));
        }
        self.reset_election_deadline(ctx);
    }

    /// A message in `ballot` from its leader: follow it if it is current.
    pub(super) fn follow(&mut self, ctx: &mut Ctx<Self>, ballot: Ballot) {
        if ballot < self.promised {
            return;
        }
        if self.leader != Some(ballot.owner()) {
            self.leader = Some(ballot.owner());
            self.release_held(ctx);
        }
        self.reset_election_deadline(ctx);
    }

    fn arm_heartbeat(&mut self, ctx: &mut Ctx<Self>) {
        let ballot = self.ballot;
        self.heartbeat_timer =
            Some(ctx.set_timer(self.params.heartbeat, Timer::Heartbeat { ballot }));
    }

    fn send_heartbeats(&mut self, ctx: &mut Ctx<Self>) {
        ctx.broadcast(Msg::Heartbeat {
            ballot: self.ballot,
            chosen_through: self.applied,
        });
    }

    fn heard(&mut self, ctx: &mut Ctx<Self>, from: NodeId) {
        let now = ctx.now();
        if let Some(p) = self.peers.get_mut(&from) {
            p.1 = now;
        }
    }

    /// Leader tick: step down without a majority; resend unanswered
    /// accepts; heartbeat.
    pub(super) fn on_heartbeat_timer(&mut self, ctx: &mut Ctx<Self>, ballot: Ballot) {
        if self.role != Role::Leader || ballot != self.ballot {
            return;
        }
        self.heartbeat_timer = None;
        let now = ctx.now();
        let limit = self.params.election_timeout.1;
        let fresh = self
            .peers
            .values()
            .filter(|(_, at)| now.saturating_sub(*at) <= limit)
            .count();
        if !(self.params.hooks.is_majority)(fresh + 1, self.nodes) {
            ctx.log("heard from no majority: steps down");
            self.step_down(ctx, None);
            return;
        }
        for (slot, p) in &self.proposals {
            for peer in ctx.peers() {
                if !p.accepted_by.contains(&peer) {
                    let command = Box::new(p.command.clone());
                    ctx.send(
                        peer,
                        Msg::Accept {
                            ballot,
                            slot: *slot,
                            command,
                        },
                    );
                }
            }
        }
        self.send_heartbeats(ctx);
        self.arm_heartbeat(ctx);
    }

    /// A follower hears its leader.
    pub(super) fn on_heartbeat(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        ballot: Ballot,
        chosen_through: u64,
    ) {
        self.round = self.round.max(ballot.round);
        if ballot < self.promised {
            let promised = self.promised;
            ctx.send(from, Msg::Nack { ballot, promised });
            return;
        }
        if ballot > self.ballot && self.role != Role::Follower {
            self.step_down(ctx, Some(ballot.owner()));
        }
        self.follow(ctx, ballot);
        let _ = chosen_through; // the reply's `applied` drives catch-up
        let applied = self.applied;
        ctx.send(from, Msg::HeartbeatReply { ballot, applied });
    }

    /// The leader hears a follower: send it the decided slots it lacks.
    pub(super) fn on_heartbeat_reply(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        ballot: Ballot,
        applied: u64,
    ) {
        if self.role != Role::Leader || ballot != self.ballot {
            return;
        }
        self.heard(ctx, from);
        if let Some(p) = self.peers.get_mut(&from) {
            p.0 = applied;
        }
        if applied >= self.applied {
            return;
        }
        if let Some(checkpoint) = self.checkpoint_covering(applied + 1) {
            // It lacks slots this leader forgot: the checkpoint first.
            ctx.send(from, Msg::Checkpoint { checkpoint });
            return;
        }
        let entries: Vec<(u64, Command)> = self
            .chosen
            .range(applied + 1..)
            .take(CATCH_UP_BATCH)
            .map(|(s, c)| (*s, c.clone()))
            .collect();
        if !entries.is_empty() {
            ctx.send(from, Msg::Decided { entries });
        }
    }
}
