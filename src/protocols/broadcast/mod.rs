//! Broadcast: flood values to every node over a neighbour graph, surviving
//! loss, partitions and crashes (Maelstrom's "broadcast" workload).
//!
//! A client hands a value to any node. The node stores it durably (synced),
//! acknowledges the client, and pushes it to its neighbours in the topology at
//! once. Every push must be acknowledged by the neighbour; until it is, the
//! value is resent every `retry` interval, so a lost message or a healed
//! partition only delays delivery. A restarted node reloads its values from
//! storage and offers all of them to its neighbours again (anti-entropy).
//!
//! Checks: no node holds a value nobody broadcast (always); every value
//! acknowledged to a client reaches every node once the network heals
//! (eventually); some value travels between nodes (sometimes, so a run where
//! nothing happens cannot pass vacuously).
//!
//! The checks read nodes through [`BroadcastLabNode`] (`lab.rs`), which the
//! reference implements, so lab 02 grades the student's node with this
//! protocol's own checks; its build ([`lab_builder`], `efficiency.rs`;
//! [`scenario::build_lab`]) adds the latency monitor, `messages-flow`,
//! `acked-values-durable` (a restart probe) and the efficiency targets.
//!
//! Bug switches (`[protocol] bugs = [...]`, [`Bug`]) for practising with
//! sweeps: `no-retransmit` pushes once and never resends; `forget-on-restart`
//! does not reload stored values after a crash. Parameters and their
//! defaults: [`scenario::PARAMS`].

pub mod checks;
pub mod efficiency;
pub mod lab;
pub mod scenario;
pub mod topology;

pub use checks::{builder, BroadcastWorkload};
pub use efficiency::{acked_values_durable, lab_builder, messages_flow, Arrivals, Targets};
pub use lab::{BroadcastLabNode, BroadcastSetup};
pub use topology::Topology;

use crate::check::history::Value;
use crate::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

crate::bug_switches! {
    /// A deliberate defect, to see the checks catch it.
    pub enum Bug {
        /// Push once; never resend unacknowledged values.
        NoRetransmit = "no-retransmit",
        /// Do not reload stored values after a restart.
        ForgetOnRestart = "forget-on-restart",
    }
}

/// Protocol parameters (the `[protocol]` keys, meanings and defaults:
/// [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Neighbour graph (`topology`).
    pub topology: Topology,
    /// Resend unacknowledged values this often (`retry`).
    pub retry: SimTime,
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
        Params {
            topology: scenario::TOPOLOGY.default_value(),
            retry: scenario::RETRY.default_value(),
            bugs: BTreeSet::new(),
        }
    }
}

/// Messages between nodes.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Values the sender asks the receiver to hold.
    Gossip(Vec<i64>),
    /// Values the receiver now holds.
    Ack(Vec<i64>),
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Resend everything unacknowledged.
    Retransmit,
}

/// One broadcast node.
#[derive(Clone, Debug)]
pub struct Broadcast {
    params: Arc<Params>,
    neighbours: Vec<NodeId>,
    /// Values this node holds.
    pub values: BTreeSet<i64>,
    /// Values each neighbour has not acknowledged yet.
    pub unacked: BTreeMap<NodeId, BTreeSet<i64>>,
    /// Local time at which each value arrived here.
    pub received_at: BTreeMap<i64, SimTime>,
    /// Values first learned from another node (not a client).
    pub learned_from_peers: u64,
}

impl Broadcast {
    /// A fresh node `id` of `nodes`.
    pub fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        let neighbours = params.topology.neighbours(nodes)[id.index()].clone();
        Broadcast {
            params,
            neighbours,
            values: BTreeSet::new(),
            unacked: BTreeMap::new(),
            received_at: BTreeMap::new(),
            learned_from_peers: 0,
        }
    }

    fn storage_key(value: i64) -> String {
        format!("value/{value}")
    }

    /// Hold `value`: store it durably, queue it for every neighbour but `from`,
    /// and push it to them now.
    fn add(&mut self, ctx: &mut Ctx<Self>, value: i64, from: Option<NodeId>) {
        if !self.values.insert(value) {
            return;
        }
        ctx.storage().put(&Self::storage_key(value), &true);
        ctx.storage().sync();
        self.received_at.insert(value, ctx.now());
        for &peer in &self.neighbours {
            if Some(peer) != from {
                self.unacked.entry(peer).or_default().insert(value);
                ctx.send(peer, Msg::Gossip(vec![value]));
            }
        }
    }
}

impl Node for Broadcast {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        if !self.params.has(Bug::ForgetOnRestart) {
            let stored: Vec<i64> = ctx
                .storage()
                .keys()
                .iter()
                .filter_map(|k| k.strip_prefix("value/")?.parse().ok())
                .collect();
            let now = ctx.now();
            for value in stored {
                self.values.insert(value);
                self.received_at.insert(value, now);
            }
        }
        // Offer everything we hold to every neighbour (anti-entropy on restart).
        for &peer in &self.neighbours {
            if !self.values.is_empty() {
                self.unacked.insert(peer, self.values.clone());
            }
        }
        ctx.set_timer(self.params.retry, Timer::Retransmit);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Gossip(values) => {
                for &v in &values {
                    if !self.values.contains(&v) {
                        self.learned_from_peers += 1;
                        self.add(ctx, v, Some(from));
                    }
                }
                ctx.send(from, Msg::Ack(values));
            }
            Msg::Ack(values) => {
                if let Some(pending) = self.unacked.get_mut(&from) {
                    for v in values {
                        pending.remove(&v);
                    }
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _timer: Timer) {
        if !self.params.has(Bug::NoRetransmit) {
            for (&peer, pending) in &self.unacked {
                if !pending.is_empty() {
                    ctx.send(peer, Msg::Gossip(pending.iter().copied().collect()));
                }
            }
        }
        ctx.set_timer(self.params.retry, Timer::Retransmit);
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        match (request.op.f.as_str(), &request.op.value) {
            ("broadcast", Value::Int(v)) => {
                let v = *v;
                self.add(ctx, v, None);
                ctx.reply(&request, Reply::Ok(Value::Nil));
            }
            ("read", _) => {
                // Every value so far, kept as runs in the history (linear memory).
                let values = Value::int_set(self.values.iter().copied());
                ctx.reply(&request, Reply::Ok(values));
            }
            (f, _) => ctx.reply(&request, Reply::Fail(format!("unknown operation {f:?}"))),
        }
    }

    /// Values held, what each neighbour still owes an ack for, when each
    /// value arrived.
    fn inspect(&self) -> crate::sim::View {
        use crate::sim::inspect::Item;
        let unacked = self.neighbours.iter().map(|n| {
            (
                n.to_string(),
                Item::debug(&self.unacked.get(n).cloned().unwrap_or_default()),
            )
        });
        let arrived = self
            .received_at
            .iter()
            .map(|(v, at)| (v.to_string(), Item::from(*at)));
        crate::sim::View::new()
            .field(
                "values",
                Item::set(self.values.iter().map(|v| v.to_string())),
            )
            .field("neighbours", Item::set(self.neighbours.iter().copied()))
            .field("unacked", Item::list(unacked))
            .field("learnedFromPeers", self.learned_from_peers)
            .field("arrivedAt", Item::list(arrived))
            .params(&*self.params)
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        use crate::sim::inspect::Item;
        let (title, values) = match message {
            Msg::Gossip(v) => ("Gossip (hold these values)", v),
            Msg::Ack(v) => ("Ack (now held)", v),
        };
        crate::sim::View::new()
            .section(title)
            .field("values", Item::set(values.iter().map(|v| v.to_string())))
    }

    /// `Gossip [3 4 5 +2]`, `Ack [3]`.
    fn message_summary(message: &Msg) -> String {
        match message {
            Msg::Gossip(v) => format!("Gossip {}", crate::protocols::show::bracketed(v, 6)),
            Msg::Ack(v) => format!("Ack {}", crate::protocols::show::bracketed(v, 6)),
        }
    }

    fn summary(&self) -> String {
        let pending: usize = self.unacked.values().map(BTreeSet::len).sum();
        format!("{} values, {} unacked", self.values.len(), pending)
    }
}

#[cfg(test)]
mod tests;
