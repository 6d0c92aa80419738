//! Gossip: spreading a grow-only set of values without a coordinator.
//!
//! Clients `add` values at any node; the node stores each value durably,
//! acknowledges the client, and epidemic exchanges carry it to every node.
//! Four modes (`[protocol] mode`):
//!
//! - **`push`**, **`pull`**, **`push-pull`** — *anti-entropy*: every
//!   `interval` each node picks `fanout` random neighbours and pushes its
//!   whole set, asks for what it lacks (sending its digest), or both. Always
//!   converges, whatever is lost, at the price of whole-set messages forever.
//! - **`rumor`** — *rumor mongering* (Demers et al. 1987): a new value is a
//!   hot rumor; every `interval` the node sends its hot rumors to `fanout`
//!   neighbours and the receivers reply whether they already knew each one.
//!   The stop rule decides when a rumor goes cold: `feedback` (replies carry
//!   the set of nodes known to hold the rumor; it goes cold once that is
//!   everyone, so loss only delays it) or `counter` (Demers' feedback counter:
//!   cold after `stop_k` contacts that already knew it, which leaves a
//!   residue of nodes that never hear it). `anti_entropy` sets a slow
//!   push-pull backup round that mops up the residue.
//!
//! The neighbour graph is a `topology` (line, ring, grid, tree, total or
//! random-regular with `degree`). A restarted node reloads its values from
//! storage and, in rumor mode, makes them all hot again.
//!
//! Checks and metrics are in `checks.rs`; the checks read nodes through
//! [`GossipLabNode`] (`lab.rs`), which the reference implements, so lab 02
//! part C grades the student's node with them ([`lab_builder`] adds
//! `messages-flow` and `acked-values-durable`). Bug switches (`bugs = [...]`,
//! [`Bug`]): `rumor-stops-early` retires every rumor after its first round,
//! whatever the replies say; `no-anti-entropy` skips every anti-entropy
//! exchange (the rumor backup included). Parameters and their defaults:
//! [`scenario::PARAMS`].

pub mod checks;
mod inspect;
pub mod lab;
pub mod scenario;
pub mod topology;

pub use checks::{builder, lab_builder, GossipWorkload};
pub use lab::{GossipLabNode, GossipSetup};
pub use topology::GossipTopology;

use crate::check::history::Value;
use crate::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// How values spread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Anti-entropy: push the whole set to `fanout` neighbours per round.
    Push,
    /// Anti-entropy: send a digest; the neighbour answers with what is missing.
    Pull,
    /// Anti-entropy: push the set; the neighbour answers with what is missing.
    PushPull,
    /// Rumor mongering with a stop rule (and an optional anti-entropy backup).
    Rumor,
}

impl crate::scenario::Choice for Mode {
    const NAMES: &'static [&'static str] = &["push", "pull", "push-pull", "rumor"];
    const ALL: &'static [Mode] = &[Mode::Push, Mode::Pull, Mode::PushPull, Mode::Rumor];
}

/// When a rumor goes cold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopRule {
    /// Once every node is known to hold it (replies carry who holds it).
    Feedback,
    /// After `k` contacts that already knew it (Demers' feedback counter).
    Counter(u32),
}

crate::bug_switches! {
    /// A deliberate defect, to see the checks catch it.
    pub enum Bug {
        /// Retire every rumor after its first round, whatever the replies say.
        RumorStopsEarly = "rumor-stops-early",
        /// Skip every anti-entropy exchange (the rumor backup too).
        NoAntiEntropy = "no-anti-entropy",
    }
}

/// Protocol parameters (the `[protocol]` keys, meanings and defaults:
/// [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// How values spread (`mode`).
    pub mode: Mode,
    /// Neighbours contacted per round (`fanout`).
    pub fanout: u32,
    /// Round length (`interval`).
    pub interval: SimTime,
    /// Neighbour graph (`topology`, `degree`).
    pub topology: GossipTopology,
    /// Rumor stop rule (`stop`, `stop_k`).
    pub stop: StopRule,
    /// Rumor mode: period of the push-pull backup round; zero is off
    /// (`anti_entropy`).
    pub anti_entropy: SimTime,
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
            mode: MODE.default_value(),
            fanout: FANOUT.default_value(),
            interval: INTERVAL.default_value(),
            topology: topology(TOPOLOGY.default_value(), DEGREE.default_value()),
            stop: stop_rule(STOP.default_value(), STOP_K.default_value()),
            anti_entropy: ANTI_ENTROPY.default_value(),
            bugs: BTreeSet::new(),
        }
    }
}

/// A rumor and who is known to hold it.
#[derive(Clone, Debug, Hash, Serialize)]
pub struct RumorItem {
    /// The value.
    pub value: i64,
    /// Nodes known to hold it.
    pub holders: Vec<NodeId>,
}

/// A receiver's answer about one rumor.
#[derive(Clone, Debug, Hash, Serialize)]
pub struct RumorFeedback {
    /// The value.
    pub value: i64,
    /// The receiver already held it before this message.
    pub known: bool,
    /// Nodes the receiver knows to hold it.
    pub holders: Vec<NodeId>,
}

/// Messages between nodes.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Values for the receiver to merge (a push, or the answer to a pull).
    Push(Vec<i64>),
    /// The sender's digest: answer with the values it lacks.
    Pull(Vec<i64>),
    /// The sender's set: merge it and answer with the values it lacks.
    PushPull(Vec<i64>),
    /// Hot rumors.
    Rumor(Vec<RumorItem>),
    /// Feedback on rumors.
    RumorReply(Vec<RumorFeedback>),
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// A gossip round.
    Round,
    /// A backup anti-entropy round (rumor mode).
    Backup,
}

/// How a node first learned a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// From a client.
    Client,
    /// From a rumor.
    Rumor,
    /// From an anti-entropy exchange.
    AntiEntropy,
    /// Reloaded from storage after a restart.
    Storage,
}

/// When and how a node learned a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Learned {
    /// Local time.
    pub at: SimTime,
    /// How.
    pub via: Via,
}

#[derive(Clone, Debug, Default)]
struct Hot {
    holders: BTreeSet<NodeId>,
    unnecessary: u32,
}

/// One gossip node.
#[derive(Clone, Debug)]
pub struct Gossip {
    params: Arc<Params>,
    id: NodeId,
    nodes: u32,
    neighbours: Vec<NodeId>,
    /// Values held, with when and how each was learned.
    pub values: BTreeMap<i64, Learned>,
    hot: BTreeMap<i64, Hot>,
    /// Values first learned from another node.
    pub learned_from_peers: u64,
}

impl Gossip {
    /// A fresh node `id` of `nodes` with its neighbours.
    pub fn new(params: Arc<Params>, id: NodeId, nodes: u32, neighbours: Vec<NodeId>) -> Self {
        Gossip {
            params,
            id,
            nodes,
            neighbours,
            values: BTreeMap::new(),
            hot: BTreeMap::new(),
            learned_from_peers: 0,
        }
    }

    /// Rumors this node is still spreading.
    pub fn hot_rumors(&self) -> usize {
        self.hot.len()
    }

    fn all(&self) -> Vec<i64> {
        self.values.keys().copied().collect()
    }

    /// Hold `value` (durably); in rumor mode it becomes a hot rumor.
    fn learn(&mut self, ctx: &mut Ctx<Self>, value: i64, via: Via, holders: &[NodeId]) -> bool {
        if self.values.contains_key(&value) {
            return false;
        }
        ctx.storage().put(&format!("value/{value}"), &true);
        ctx.storage().sync();
        let at = ctx.now();
        self.values.insert(value, Learned { at, via });
        if !matches!(via, Via::Client | Via::Storage) {
            self.learned_from_peers += 1;
        }
        if self.params.mode == Mode::Rumor {
            let hot = self.hot.entry(value).or_default();
            hot.holders.extend(holders.iter().copied());
            hot.holders.insert(self.id);
        }
        true
    }

    fn merge(&mut self, ctx: &mut Ctx<Self>, values: &[i64], from: NodeId) {
        for &v in values {
            self.learn(ctx, v, Via::AntiEntropy, &[from]);
        }
    }

    fn missing_from(&self, theirs: &[i64]) -> Vec<i64> {
        let theirs: BTreeSet<i64> = theirs.iter().copied().collect();
        self.values
            .keys()
            .copied()
            .filter(|v| !theirs.contains(v))
            .collect()
    }

    /// `k` distinct random entries of `candidates`.
    fn pick(ctx: &mut Ctx<Self>, mut candidates: Vec<NodeId>, k: u32) -> Vec<NodeId> {
        ctx.rng().shuffle(&mut candidates);
        candidates.truncate(k as usize);
        candidates
    }

    fn anti_entropy_round(&mut self, ctx: &mut Ctx<Self>, mode: Mode, fanout: u32) {
        if self.params.has(Bug::NoAntiEntropy) {
            return;
        }
        for peer in Self::pick(ctx, self.neighbours.clone(), fanout) {
            let msg = match mode {
                Mode::Push if self.values.is_empty() => continue,
                Mode::Push => Msg::Push(self.all()),
                Mode::Pull => Msg::Pull(self.all()),
                _ => Msg::PushPull(self.all()),
            };
            ctx.send(peer, msg);
        }
    }

    fn rumor_round(&mut self, ctx: &mut Ctx<Self>) {
        if self.hot.is_empty() {
            return;
        }
        // Prefer neighbours that some hot rumor has not reached yet.
        let lacking: Vec<NodeId> = self
            .neighbours
            .iter()
            .copied()
            .filter(|n| self.hot.values().any(|h| !h.holders.contains(n)))
            .collect();
        let candidates = match self.params.stop {
            StopRule::Feedback if !lacking.is_empty() => lacking,
            _ => self.neighbours.clone(),
        };
        let items: Vec<RumorItem> = self
            .hot
            .iter()
            .map(|(&value, h)| RumorItem {
                value,
                holders: h.holders.iter().copied().collect(),
            })
            .collect();
        for peer in Self::pick(ctx, candidates, self.params.fanout) {
            ctx.send(peer, Msg::Rumor(items.clone()));
        }
        if self.params.has(Bug::RumorStopsEarly) {
            self.hot.clear();
        }
    }

    fn on_rumor(&mut self, ctx: &mut Ctx<Self>, from: NodeId, items: Vec<RumorItem>) {
        let everyone: Vec<NodeId> = (0..self.nodes).map(NodeId).collect();
        let mut replies = Vec::with_capacity(items.len());
        for item in items {
            let known = !self.learn(ctx, item.value, Via::Rumor, &item.holders);
            let holders = match self.hot.get_mut(&item.value) {
                Some(h) => {
                    h.holders.extend(item.holders.iter().copied());
                    h.holders.insert(from);
                    h.holders.iter().copied().collect()
                }
                // Cold here: this node believes everyone holds it.
                None => everyone.clone(),
            };
            replies.push(RumorFeedback {
                value: item.value,
                known,
                holders,
            });
        }
        ctx.send(from, Msg::RumorReply(replies));
        self.retire_cold();
    }

    fn on_rumor_reply(&mut self, from: NodeId, replies: Vec<RumorFeedback>) {
        for r in replies {
            if let Some(h) = self.hot.get_mut(&r.value) {
                h.holders.extend(r.holders);
                h.holders.insert(from);
                if r.known {
                    h.unnecessary += 1;
                }
            }
        }
        self.retire_cold();
    }

    fn retire_cold(&mut self) {
        let nodes = self.nodes as usize;
        let stop = self.params.stop;
        self.hot.retain(|_, h| match stop {
            StopRule::Feedback => h.holders.len() < nodes,
            StopRule::Counter(k) => h.unnecessary < k,
        });
    }
}

impl Node for Gossip {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let stored: Vec<i64> = ctx
            .storage()
            .keys()
            .iter()
            .filter_map(|k| k.strip_prefix("value/")?.parse().ok())
            .collect();
        for v in stored {
            self.learn(ctx, v, Via::Storage, &[]);
        }
        let interval = self.params.interval.as_nanos().max(1);
        let first = ctx.rng().below(interval);
        ctx.set_timer(SimTime(first), Timer::Round);
        let backup = self.params.anti_entropy.as_nanos();
        if self.params.mode == Mode::Rumor && backup > 0 {
            let first = ctx.rng().below(backup);
            ctx.set_timer(SimTime(first), Timer::Backup);
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Push(values) => self.merge(ctx, &values, from),
            Msg::Pull(digest) => {
                let missing = self.missing_from(&digest);
                if !missing.is_empty() {
                    ctx.send(from, Msg::Push(missing));
                }
            }
            Msg::PushPull(values) => {
                let missing = self.missing_from(&values);
                self.merge(ctx, &values, from);
                if !missing.is_empty() {
                    ctx.send(from, Msg::Push(missing));
                }
            }
            Msg::Rumor(items) => self.on_rumor(ctx, from, items),
            Msg::RumorReply(replies) => self.on_rumor_reply(from, replies),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Round => {
                match self.params.mode {
                    Mode::Rumor => self.rumor_round(ctx),
                    mode => self.anti_entropy_round(ctx, mode, self.params.fanout),
                }
                ctx.set_timer(self.params.interval, Timer::Round);
            }
            Timer::Backup => {
                self.anti_entropy_round(ctx, Mode::PushPull, 1);
                ctx.set_timer(self.params.anti_entropy, Timer::Backup);
            }
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        match (request.op.f.as_str(), &request.op.value) {
            ("add", Value::Int(v)) => {
                let v = *v;
                self.learn(ctx, v, Via::Client, &[]);
                ctx.reply(&request, Reply::Ok(Value::Nil));
            }
            ("read", _) => {
                // Every value so far, kept as runs in the history (linear memory).
                let values = Value::int_set(self.values.keys().copied());
                ctx.reply(&request, Reply::Ok(values));
            }
            (f, _) => ctx.reply(&request, Reply::Fail(format!("unknown operation {f:?}"))),
        }
    }

    /// Values with when and how each was learned, the hot rumors and who
    /// is known to hold them.
    fn inspect(&self) -> crate::sim::View {
        use crate::sim::inspect::Item;
        let values = self.values.iter().map(|(v, l)| {
            (
                v.to_string(),
                Item::text(format!("{} via {:?}", l.at, l.via)),
            )
        });
        let hot = self.hot.iter().map(|(v, h)| {
            let holders: Vec<String> = h.holders.iter().map(|n| n.to_string()).collect();
            (
                v.to_string(),
                Item::text(format!(
                    "held by [{}], {} unnecessary",
                    holders.join(" "),
                    h.unnecessary
                )),
            )
        });
        crate::sim::View::new()
            .field("values", Item::list(values))
            .field("hotRumors", Item::list(hot))
            .field("neighbours", Item::set(self.neighbours.iter().copied()))
            .field("learnedFromPeers", self.learned_from_peers)
            .params(&*self.params)
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        inspect::message_view(message)
    }

    fn message_summary(message: &Msg) -> String {
        inspect::message_summary(message)
    }

    fn summary(&self) -> String {
        format!(
            "{} values, {} hot rumors",
            self.values.len(),
            self.hot.len()
        )
    }
}

#[cfg(test)]
mod tests;
