//! The bully algorithm (Garcia-Molina 1982): leader election by highest id,
//! with timeouts — the textbook election that comes before consensus, and
//! what it gets wrong.
//!
//! Every node knows every id; the highest live id should lead. The leader
//! sends a `Coordinator` message to every other node every `heartbeat`. A
//! node that has not heard its leader for `leader_timeout` starts an
//! election: it sends `Election` to every higher id and waits
//! `answer_timeout`. A live higher node answers (`Answer`) and starts its
//! own election; a node that gets an answer waits `coordinator_timeout` for
//! the winner's `Coordinator`, and starts over if none comes. A node that
//! gets no answer declares itself leader and tells everyone. A node that
//! hears a *lower* id claim leadership bullies it: it starts an election,
//! which it wins.
//!
//! There is no term and no quorum: nothing stops two nodes from leading at
//! once. Cut the network and each side elects its own leader (split brain,
//! scenario `bully-partition`); slow the highest node's links past the
//! timeout and leadership flaps between it and the next (`bully-slow-node`).
//! Raft's terms and majority votes are what these two runs lack
//! (docs/protocols/bully.md).
//!
//! Bug switch (`bugs = ["no-bully"]`): a (re)started node joins the leader
//! it hears instead of holding an election, and accepts a lower node's
//! claim, so a restarted highest node never takes its place back. Parameters and their defaults: [`scenario::PARAMS`].

mod checks;
pub mod scenario;

pub use checks::builder;

use crate::sim::{Ctx, Node, NodeId, SimTime};
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;

crate::bug_switches! {
    /// A deliberate defect, to see the checks catch it.
    pub enum Bug {
        /// Join, don't bully: a (re)started node waits to hear a leader
        /// instead of holding an election, and a node follows whoever
        /// claims to lead, lower or not: a restarted highest node follows
        /// the leader it finds and never leads again (`highest-live-leads`
        /// fails).
        NoBully = "no-bully",
    }
}

/// Protocol parameters (the `[protocol]` keys, meanings and defaults:
/// [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// The leader's heartbeat period (`heartbeat`).
    pub heartbeat: SimTime,
    /// Silence from the leader after which a node starts an election
    /// (`leader_timeout`).
    pub leader_timeout: SimTime,
    /// How long an election waits for a higher node's answer
    /// (`answer_timeout`).
    pub answer_timeout: SimTime,
    /// How long a node that got an answer waits for the winner
    /// (`coordinator_timeout`).
    pub coordinator_timeout: SimTime,
    /// Two leaders at once for longer than this is a split brain (the
    /// `one-leader` check's grace: `split_brain_grace`).
    pub split_brain_grace: SimTime,
    /// Deliberate defects (`bugs`).
    pub bugs: BTreeSet<Bug>,
}

impl Params {
    /// Whether the bug switch `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

impl Default for Params {
    fn default() -> Self {
        use scenario::*;
        Params {
            heartbeat: HEARTBEAT.default_value(),
            leader_timeout: LEADER_TIMEOUT.default_value(),
            answer_timeout: ANSWER_TIMEOUT.default_value(),
            coordinator_timeout: COORDINATOR_TIMEOUT.default_value(),
            split_brain_grace: SPLIT_BRAIN_GRACE.default_value(),
            bugs: BTreeSet::new(),
        }
    }
}

/// A bully message.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// "I am holding an election": sent to every higher id.
    Election,
    /// "I am alive and higher than you: stand down", to an `Election`.
    Answer,
    /// "I lead": the winner's announcement and the leader's heartbeat.
    Coordinator,
}

/// A bully timer.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// The leader's heartbeat, for the leadership won in election `round`.
    Heartbeat(u64),
    /// A follower checks that it has heard its leader lately.
    Watch,
    /// Election `round`: no higher node answered in time.
    AnswerTimeout(u64),
    /// Election `round`: a higher node answered, but no winner announced.
    CoordinatorTimeout(u64),
}

/// Where a node is in the algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Phase {
    /// Following `leader` (or nobody yet).
    Following,
    /// Waiting for a higher node's answer.
    Electing,
    /// A higher node answered: waiting for its `Coordinator`.
    AwaitingWinner,
    /// This node leads.
    Leading,
}

/// What the checks and metrics read from a node (not protocol state).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ghost {
    /// Elections this node started.
    pub elections: u64,
    /// Times this node declared itself leader.
    pub wins: u64,
    /// Times this node changed whom it follows (a leader change it saw).
    pub switches: u64,
}

/// One node of the bully algorithm.
#[derive(Clone, Debug)]
pub struct Bully {
    params: Arc<Params>,
    id: NodeId,
    nodes: u32,
    /// Whom this node believes leads (itself while leading).
    pub leader: Option<NodeId>,
    /// Where it is in the algorithm.
    pub phase: Phase,
    /// The current election's number (stale timers are ignored).
    round: u64,
    /// Local time it last heard its leader.
    last_heard: SimTime,
    /// For checks and metrics.
    pub ghost: Ghost,
}

impl Bully {
    /// A node; it starts an election when it boots.
    pub fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        Bully {
            params,
            id,
            nodes,
            leader: None,
            phase: Phase::Following,
            round: 0,
            last_heard: SimTime::ZERO,
            ghost: Ghost::default(),
        }
    }

    /// True while this node believes it leads.
    pub fn is_leading(&self) -> bool {
        self.phase == Phase::Leading
    }

    fn higher(&self) -> impl Iterator<Item = NodeId> {
        (self.id.0 + 1..self.nodes).map(NodeId)
    }

    fn start_election(&mut self, ctx: &mut Ctx<Self>) {
        self.round += 1;
        self.ghost.elections += 1;
        if self.id.0 + 1 >= self.nodes {
            // Nobody is higher: no one to ask.
            self.win(ctx);
            return;
        }
        self.phase = Phase::Electing;
        for peer in self.higher() {
            ctx.send(peer, Msg::Election);
        }
        let round = self.round;
        ctx.set_timer(self.params.answer_timeout, Timer::AnswerTimeout(round));
    }

    fn win(&mut self, ctx: &mut Ctx<Self>) {
        self.phase = Phase::Leading;
        self.ghost.wins += 1;
        self.follow(Some(self.id), ctx.now());
        self.announce(ctx);
        let round = self.round;
        ctx.set_timer(self.params.heartbeat, Timer::Heartbeat(round));
    }

    fn announce(&mut self, ctx: &mut Ctx<Self>) {
        for peer in ctx.peers() {
            ctx.send(peer, Msg::Coordinator);
        }
    }

    fn follow(&mut self, leader: Option<NodeId>, now: SimTime) {
        if leader != self.leader && leader.is_some() {
            self.ghost.switches += 1;
        }
        self.leader = leader;
        self.last_heard = now;
    }

    fn on_coordinator(&mut self, ctx: &mut Ctx<Self>, from: NodeId) {
        if from > self.id || self.params.has(Bug::NoBully) {
            // A higher node leads (or, with the bug, any claim goes).
            self.phase = Phase::Following;
            self.follow(Some(from), ctx.now());
            return;
        }
        // A lower node claims to lead: bully it, unless an election of
        // ours is already under way.
        match self.phase {
            Phase::Leading => self.announce(ctx),
            Phase::Electing | Phase::AwaitingWinner => {}
            Phase::Following => self.start_election(ctx),
        }
    }
}

impl Node for Bully {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.last_heard = ctx.now();
        if !self.params.has(Bug::NoBully) {
            self.start_election(ctx);
        }
        ctx.set_timer(self.params.heartbeat, Timer::Watch);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Election => {
                // Only lower nodes send us this.
                ctx.send(from, Msg::Answer);
                match self.phase {
                    Phase::Leading => ctx.send(from, Msg::Coordinator),
                    Phase::Electing | Phase::AwaitingWinner => {}
                    Phase::Following => self.start_election(ctx),
                }
            }
            Msg::Answer => {
                if self.phase == Phase::Electing {
                    self.phase = Phase::AwaitingWinner;
                    let round = self.round;
                    let wait = self.params.coordinator_timeout;
                    ctx.set_timer(wait, Timer::CoordinatorTimeout(round));
                }
            }
            Msg::Coordinator => self.on_coordinator(ctx, from),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Heartbeat(round) => {
                if self.is_leading() && round == self.round {
                    self.announce(ctx);
                    ctx.set_timer(self.params.heartbeat, Timer::Heartbeat(round));
                }
            }
            Timer::Watch => {
                let silent = ctx.now().saturating_sub(self.last_heard);
                if self.phase == Phase::Following && silent >= self.params.leader_timeout {
                    self.start_election(ctx);
                }
                ctx.set_timer(self.params.heartbeat, Timer::Watch);
            }
            Timer::AnswerTimeout(round) => {
                if round == self.round && self.phase == Phase::Electing {
                    self.win(ctx);
                }
            }
            Timer::CoordinatorTimeout(round) => {
                if round == self.round && self.phase == Phase::AwaitingWinner {
                    self.start_election(ctx);
                }
            }
        }
    }

    fn role(&self) -> Option<&str> {
        Some(match self.phase {
            Phase::Leading => "leader",
            Phase::Electing | Phase::AwaitingWinner => "candidate",
            Phase::Following => "follower",
        })
    }

    /// Phase, believed leader, election round, last contact.
    fn inspect(&self) -> crate::sim::View {
        crate::sim::View::new()
            .field("phase", format!("{:?}", self.phase))
            .field("leader", self.leader)
            .field("round", self.round)
            .field("lastHeard", self.last_heard)
            .folded("ghost (for the checks)", &self.ghost)
            .params(&*self.params)
    }

    /// The message and what it means in Garcia-Molina's algorithm.
    fn inspect_message(message: &Msg) -> crate::sim::View {
        let (title, meaning) = match message {
            Msg::Election => ("Election", "I am holding an election (to every higher id)"),
            Msg::Answer => ("Answer", "I am alive and higher than you: stand down"),
            Msg::Coordinator => ("Coordinator", "I lead (announcement and heartbeat)"),
        };
        crate::sim::View::new()
            .section(title)
            .field("meaning", meaning)
    }

    fn message_summary(message: &Msg) -> String {
        match message {
            Msg::Election => "Election",
            Msg::Answer => "Answer",
            Msg::Coordinator => "Coordinator",
        }
        .into()
    }

    fn summary(&self) -> String {
        let leader = self.leader.map_or("nobody".to_string(), |l| l.to_string());
        match self.phase {
            Phase::Leading => format!("leads (election {})", self.round),
            Phase::Electing => format!("electing (round {}), follows {leader}", self.round),
            Phase::AwaitingWinner => format!("awaiting the winner (round {})", self.round),
            Phase::Following => format!("follows {leader}"),
        }
    }
}

#[cfg(test)]
mod tests;
