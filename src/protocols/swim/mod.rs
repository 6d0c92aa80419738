//! SWIM: scalable, weakly-consistent, infection-style membership and failure
//! detection (Das, Gupta, Motivala 2002), with suspicion and incarnations.
//!
//! Every `period` each node probes the next member of a shuffled round-robin
//! list: a direct `Ping`; if no `Ack` arrives within `ack_timeout`, a
//! `PingReq` asks `indirect` other members to ping the target for it and
//! relay the ack. If the period ends without any ack, the target becomes
//! *suspect*; a suspect not cleared within `suspicion` is declared *dead*.
//!
//! Membership changes travel piggybacked on pings and acks: each update is
//! sent `retransmit_mult × ⌈log2(n+1)⌉` times, at most `max_piggyback` per
//! message. Each member has an *incarnation* number that only it raises: a
//! member that hears it is suspected (or declared dead) at its current
//! incarnation refutes by raising it and spreading `alive`. Precedence:
//! `alive(i)` beats anything older than `i`; `suspect(i)` beats `alive(j ≤ i)`;
//! `dead(i)` beats `alive`/`suspect` of `j ≤ i`. A message to a member the
//! sender holds suspect or dead carries that belief, so the member learns it
//! and refutes, and dead members stay in the probe list, so a member wrongly
//! declared dead (a slow one, or one cut off by a partition) rejoins.
//!
//! Big clusters: a node's view stores only the members whose entry changed
//! since the start (everyone begins alive at incarnation 0), so 10,000 nodes
//! do not hold 10⁸ entries; up to [`LISTED_ORDER_MAX`] nodes the probe
//! order is a shuffled list, as the paper has it, and above that a
//! pseudo-random permutation drawn from one number per rotation (`order.rs`),
//! so the order costs O(1) memory per node; helpers for an indirect probe
//! are then sampled rather than drawn from a shuffled list of everyone.
//!
//! Bug switch (`bugs = ["no-incarnation"]`): members never raise their
//! incarnation, so a suspicion can never be refuted: a slow member is killed
//! for good. Parameters and their defaults: [`scenario::PARAMS`].

mod checks;
mod inspect;
mod order;
pub mod scenario;

pub use checks::builder;

use crate::sim::{Ctx, Node, NodeId, SimTime, TimerId};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub use order::LISTED_ORDER_MAX;

/// A member's state in someone's view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum State {
    /// Answering probes.
    Alive,
    /// Missed a probe; dead unless it refutes within the suspicion timeout.
    Suspect,
    /// Declared failed.
    Dead,
}

/// A membership update, as disseminated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Update {
    /// Whom it is about.
    pub member: NodeId,
    /// The claimed state.
    pub state: State,
    /// At which incarnation of the member.
    pub incarnation: u64,
}

crate::bug_switches! {
    /// A deliberate defect, to see the checks catch it.
    pub enum Bug {
        /// Members never raise their incarnation: a suspicion cannot be
        /// refuted, so a slow member is declared dead for good.
        NoIncarnation = "no-incarnation",
    }
}

/// Protocol parameters (the `[protocol]` keys, meanings and defaults:
/// [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Protocol period: one probe per period (`period`).
    pub period: SimTime,
    /// Wait this long for a direct ack before asking others (`ack_timeout`).
    pub ack_timeout: SimTime,
    /// Members asked to probe indirectly (`indirect`).
    pub indirect: u32,
    /// A suspect not refuted within this is declared dead (`suspicion`).
    pub suspicion: SimTime,
    /// Each update is piggybacked this many × ⌈log2(n+1)⌉ times
    /// (`retransmit_mult`).
    pub retransmit_mult: u32,
    /// Most updates piggybacked on one message (`max_piggyback`).
    pub max_piggyback: usize,
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
            period: PERIOD.default_value(),
            ack_timeout: ACK_TIMEOUT.default_value(),
            indirect: INDIRECT.default_value(),
            suspicion: SUSPICION.default_value(),
            retransmit_mult: RETRANSMIT_MULT.default_value(),
            max_piggyback: MAX_PIGGYBACK.default_value(),
            bugs: BTreeSet::new(),
        }
    }
}

impl Params {
    /// How long a crashed member may take to be declared dead by everyone:
    /// two rotations of the probe list, the suspicion timeout, and ten
    /// periods of dissemination.
    ///
    /// In a big cluster two rotations would be hours; there the first
    /// detection comes from whichever of the n − 1 probers reaches the
    /// crashed member first, and the chance that none of them has after
    /// 20 periods is about e⁻²⁰, so the rotation term is at most 20
    /// periods. Dissemination takes O(log n) periods: at least ten, and
    /// 2·⌈log2(n+1)⌉ when that is more (28 at 10,000 nodes). Clusters up to
    /// 11 nodes get the bound they always had.
    pub fn detection_bound(&self, nodes: u32) -> SimTime {
        let period = self.period.as_nanos();
        let rotation = period * u64::from(nodes.saturating_sub(1)).saturating_mul(2).min(20);
        let log = u64::from(u32::BITS - nodes.leading_zeros()); // ⌈log2(n+1)⌉
        let spread = period * (2 * log).max(10);
        SimTime(rotation + self.suspicion.as_nanos() + spread)
    }
}

/// What a message is.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Body {
    /// Are you there? (`relay`: on behalf of that member.)
    Ping {
        /// Probe number of the original prober.
        seq: u64,
        /// The member that asked for this ping, for indirect probes.
        relay: Option<NodeId>,
    },
    /// Yes: `target` answered probe `seq`.
    Ack {
        /// Probe number.
        seq: u64,
        /// The member that answered.
        target: NodeId,
        /// Forward to this member (indirect probes).
        relay: Option<NodeId>,
    },
    /// Please ping `target` for me.
    PingReq {
        /// Probe number.
        seq: u64,
        /// Whom to ping.
        target: NodeId,
    },
}

/// A message: its body, the sender's incarnation and piggybacked updates.
#[derive(Clone, Debug, Hash, Serialize)]
pub struct Msg {
    /// What it is.
    pub body: Body,
    /// The sender's incarnation.
    pub incarnation: u64,
    /// Membership updates.
    pub gossip: Vec<Update>,
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Start the next probe (and judge the last one).
    Probe,
    /// No direct ack for probe `seq` yet: probe indirectly.
    AckTimeout(u64),
    /// Declare `member` dead if still suspect at `incarnation`.
    Suspicion(NodeId, u64),
}

/// One member as seen by a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// Its state.
    pub state: State,
    /// Its incarnation.
    pub incarnation: u64,
    /// Local time of the last state change.
    pub since: SimTime,
}

#[derive(Clone, Debug)]
struct Probe {
    target: NodeId,
    seq: u64,
    acked: bool,
}

/// Ghost records for checks and metrics (lost on crash, invisible to peers).
#[derive(Clone, Debug, Default)]
pub struct Ghost {
    /// Suspicions this node raised: (member, local time).
    pub suspicions: Vec<(NodeId, SimTime)>,
    /// Death declarations this node accepted: (member, local time).
    pub deaths: Vec<(NodeId, SimTime)>,
    /// Times this node refuted a suspicion of itself.
    pub refutations: u64,
    /// Acks received for this node's own probes.
    pub acks: u64,
}

/// One SWIM node.
#[derive(Clone, Debug)]
pub struct Swim {
    params: Arc<Params>,
    id: NodeId,
    nodes: u32,
    /// The members whose entry changed since the start; every other member
    /// is alive at incarnation 0 since time 0 ([`Swim::member`]).
    changed: BTreeMap<NodeId, Member>,
    /// This node's incarnation.
    pub incarnation: u64,
    /// The shuffled probe list (up to [`LISTED_ORDER_MAX`] nodes).
    order: Vec<NodeId>,
    /// Above [`LISTED_ORDER_MAX`] nodes: this rotation's permutation key.
    order_key: Option<u64>,
    cursor: usize,
    probe: Option<Probe>,
    next_seq: u64,
    queue: BTreeMap<NodeId, (Update, u32)>,
    suspicion_timers: BTreeMap<NodeId, TimerId>,
    /// Ghost records.
    pub ghost: Ghost,
}

impl Swim {
    /// A fresh node `id` of `nodes`, believing everyone alive.
    pub fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        Swim {
            params,
            id,
            nodes,
            changed: BTreeMap::new(),
            incarnation: 0,
            order: Vec::new(),
            order_key: None,
            cursor: 0,
            probe: None,
            next_seq: 0,
            queue: BTreeMap::new(),
            suspicion_timers: BTreeMap::new(),
            ghost: Ghost::default(),
        }
    }

    /// Member `m` as this node sees it (`None` for itself or a node that
    /// is not in the cluster).
    pub fn member(&self, m: NodeId) -> Option<Member> {
        if m == self.id || m.0 >= self.nodes {
            return None;
        }
        let start = Member {
            state: State::Alive,
            incarnation: 0,
            since: SimTime::ZERO,
        };
        Some(self.changed.get(&m).copied().unwrap_or(start))
    }

    /// Every other member as this node sees it, in id order (O(n): the
    /// checks use [`Swim::changed_members`]).
    pub fn members(&self) -> impl Iterator<Item = (NodeId, Member)> + '_ {
        (0..self.nodes)
            .map(NodeId)
            .filter_map(|m| Some((m, self.member(m)?)))
    }

    /// The members whose entry changed since the start (state or
    /// incarnation), in id order; every other member is alive at
    /// incarnation 0.
    pub fn changed_members(&self) -> impl Iterator<Item = (NodeId, Member)> + '_ {
        self.changed.iter().map(|(&m, &info)| (m, info))
    }

    /// How many members this node holds in `state`.
    pub fn count(&self, state: State) -> usize {
        let changed = self.changed.values().filter(|m| m.state == state).count();
        if state != State::Alive {
            return changed;
        }
        let others = self.nodes.saturating_sub(1) as usize;
        others
            - self
                .changed
                .values()
                .filter(|m| m.state != State::Alive)
                .count()
    }

    fn retransmits(&self) -> u32 {
        let log = u32::BITS - self.nodes.leading_zeros(); // ⌈log2(n+1)⌉
        self.params.retransmit_mult * log.max(1)
    }

    fn enqueue(&mut self, update: Update) {
        let times = self.retransmits();
        self.queue.insert(update.member, (update, times));
    }

    /// The message `body` to `to`, with piggybacked updates (fewest sends
    /// first) and, if this node holds `to` suspect or dead, that belief.
    fn envelope(&mut self, to: NodeId, body: Body) -> Msg {
        let mut picked: Vec<(u32, NodeId)> = self
            .queue
            .iter()
            .map(|(&m, &(_, left))| (left, m))
            .collect();
        picked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        picked.truncate(self.params.max_piggyback);
        let mut gossip = Vec::with_capacity(picked.len() + 1);
        for (_, m) in picked {
            if let Some((update, left)) = self.queue.get_mut(&m) {
                gossip.push(*update);
                *left -= 1;
                if *left == 0 {
                    self.queue.remove(&m);
                }
            }
        }
        if let Some(m) = self.member(to) {
            if m.state != State::Alive && !gossip.iter().any(|u| u.member == to) {
                gossip.push(Update {
                    member: to,
                    state: m.state,
                    incarnation: m.incarnation,
                });
            }
        }
        Msg {
            body,
            incarnation: self.incarnation,
            gossip,
        }
    }

    fn send(&mut self, ctx: &mut Ctx<Self>, to: NodeId, body: Body) {
        let msg = self.envelope(to, body);
        ctx.send(to, msg);
    }

    /// Apply a membership update under SWIM's precedence rules.
    fn apply(&mut self, ctx: &mut Ctx<Self>, u: Update) {
        if u.member == self.id {
            self.refute(ctx, u);
            return;
        }
        let Some(current) = self.member(u.member) else {
            return;
        };
        let (i, j) = (u.incarnation, current.incarnation);
        let wins = match (u.state, current.state) {
            (State::Alive, _) => i > j,
            (State::Suspect, State::Alive) => i >= j,
            (State::Suspect, _) => i > j,
            (State::Dead, State::Dead) => i > j,
            (State::Dead, _) => i >= j,
        };
        if !wins {
            return;
        }
        let now = ctx.now();
        let member = Member {
            state: u.state,
            incarnation: i,
            since: now,
        };
        self.changed.insert(u.member, member);
        self.enqueue(u);
        if let Some(timer) = self.suspicion_timers.remove(&u.member) {
            ctx.cancel_timer(timer);
        }
        match u.state {
            State::Suspect => {
                let timer = ctx.set_timer(self.params.suspicion, Timer::Suspicion(u.member, i));
                self.suspicion_timers.insert(u.member, timer);
            }
            State::Dead => {
                self.ghost.deaths.push((u.member, now));
                ctx.log(format!("{} declared dead (incarnation {i})", u.member));
            }
            State::Alive => {}
        }
    }

    /// Someone believes this node suspect or dead: raise the incarnation
    /// past that belief and spread `alive` (unless the bug forbids it).
    fn refute(&mut self, ctx: &mut Ctx<Self>, u: Update) {
        if u.state == State::Alive || u.incarnation < self.incarnation {
            return;
        }
        if self.params.has(Bug::NoIncarnation) {
            return;
        }
        self.incarnation = u.incarnation + 1;
        self.ghost.refutations += 1;
        ctx.log(format!(
            "refutes {:?} with incarnation {}",
            u.state, self.incarnation
        ));
        self.enqueue(Update {
            member: self.id,
            state: State::Alive,
            incarnation: self.incarnation,
        });
    }

    fn suspect(&mut self, ctx: &mut Ctx<Self>, target: NodeId) {
        let Some(m) = self.member(target) else {
            return;
        };
        if m.state != State::Alive {
            return;
        }
        self.ghost.suspicions.push((target, ctx.now()));
        let update = Update {
            member: target,
            state: State::Suspect,
            incarnation: m.incarnation,
        };
        self.apply(ctx, update);
    }

    fn next_target(&mut self, ctx: &mut Ctx<Self>) -> Option<NodeId> {
        if self.nodes > LISTED_ORDER_MAX {
            return self.next_permuted(ctx);
        }
        if self.cursor >= self.order.len() {
            self.order = self.members().map(|(m, _)| m).collect();
            ctx.rng().shuffle(&mut self.order);
            self.cursor = 0;
        }
        let target = self.order.get(self.cursor).copied();
        self.cursor += 1;
        target
    }

    fn on_probe_tick(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(p) = self.probe.take() {
            if !p.acked {
                self.suspect(ctx, p.target);
            }
        }
        if let Some(target) = self.next_target(ctx) {
            self.next_seq += 1;
            let seq = self.next_seq;
            self.probe = Some(Probe {
                target,
                seq,
                acked: false,
            });
            self.send(ctx, target, Body::Ping { seq, relay: None });
            ctx.set_timer(self.params.ack_timeout, Timer::AckTimeout(seq));
        }
        ctx.set_timer(self.params.period, Timer::Probe);
    }

    fn on_ack_timeout(&mut self, ctx: &mut Ctx<Self>, seq: u64) {
        let Some(p) = &self.probe else { return };
        if p.seq != seq || p.acked {
            return;
        }
        let target = p.target;
        let helpers = if self.nodes > LISTED_ORDER_MAX {
            self.sample_helpers(ctx, target)
        } else {
            let mut helpers: Vec<NodeId> = self
                .members()
                .filter(|&(m, info)| m != target && info.state == State::Alive)
                .map(|(m, _)| m)
                .collect();
            ctx.rng().shuffle(&mut helpers);
            helpers.truncate(self.params.indirect as usize);
            helpers
        };
        for helper in helpers {
            self.send(ctx, helper, Body::PingReq { seq, target });
        }
    }

    fn on_body(&mut self, ctx: &mut Ctx<Self>, from: NodeId, body: Body) {
        match body {
            Body::Ping { seq, relay } => {
                let me = self.id;
                self.send(
                    ctx,
                    from,
                    Body::Ack {
                        seq,
                        target: me,
                        relay,
                    },
                );
            }
            Body::PingReq { seq, target } => {
                let relay = Some(from);
                self.send(ctx, target, Body::Ping { seq, relay });
            }
            Body::Ack {
                seq,
                target,
                relay: Some(requester),
            } => {
                let body = Body::Ack {
                    seq,
                    target,
                    relay: None,
                };
                self.send(ctx, requester, body);
            }
            Body::Ack {
                seq,
                target,
                relay: None,
            } => {
                if let Some(p) = &mut self.probe {
                    if p.seq == seq && p.target == target && !p.acked {
                        p.acked = true;
                        self.ghost.acks += 1;
                    }
                }
            }
        }
    }
}

impl Node for Swim {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        // A restarted member comes back at a fresh incarnation and says so.
        let starts: u64 = ctx.storage().get("starts").unwrap_or(0);
        ctx.storage().put("starts", &(starts + 1));
        ctx.storage().sync();
        if starts > 0 && !self.params.has(Bug::NoIncarnation) {
            self.incarnation = starts;
            self.enqueue(Update {
                member: self.id,
                state: State::Alive,
                incarnation: starts,
            });
        }
        let period = self.params.period.as_nanos().max(1);
        let first = ctx.rng().below(period);
        ctx.set_timer(SimTime(first), Timer::Probe);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        // Hearing from a member directly is evidence it is alive at its incarnation.
        let direct = Update {
            member: from,
            state: State::Alive,
            incarnation: msg.incarnation,
        };
        self.apply(ctx, direct);
        for update in msg.gossip {
            self.apply(ctx, update);
        }
        self.on_body(ctx, from, msg.body);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Probe => self.on_probe_tick(ctx),
            Timer::AckTimeout(seq) => self.on_ack_timeout(ctx, seq),
            Timer::Suspicion(member, incarnation) => {
                self.suspicion_timers.remove(&member);
                let current = self.member(member);
                if current
                    .is_some_and(|m| m.state == State::Suspect && m.incarnation == incarnation)
                {
                    let dead = Update {
                        member,
                        state: State::Dead,
                        incarnation,
                    };
                    self.apply(ctx, dead);
                }
            }
        }
    }

    /// The membership list as this node sees it, its incarnation, the
    /// probe in progress and the updates it is spreading; the checks'
    /// ghost and the parameters folded.
    fn inspect(&self) -> crate::sim::View {
        self.view()
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        inspect::message_view(message)
    }

    fn message_summary(message: &Msg) -> String {
        inspect::message_summary(message)
    }

    fn summary(&self) -> String {
        format!(
            "inc {}: {} alive, {} suspect, {} dead",
            self.incarnation,
            self.count(State::Alive),
            self.count(State::Suspect),
            self.count(State::Dead)
        )
    }
}

#[cfg(test)]
mod tests;
