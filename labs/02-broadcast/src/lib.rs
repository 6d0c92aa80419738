//! Lab 02: broadcast. Fill in the `todo!()`s; the README
//! (`labs/02-broadcast/README.md`) states the rules.
//!
//! - Part A: every value a client was told is stored reaches every node,
//!   through loss, partitions and crashes.
//! - Part B: the same, with few messages and low latency.
//! - Part C: [`Gossiper`], push-pull anti-entropy that converges.
//!
//! Run `cargo run --release -- lab check 02` to grade, and `cargo run
//! --release -p lab-02-broadcast -- tui <scenario>` to watch your node at
//! work.

// The skeleton's `todo!()`s leave parameters, fields and helpers unused
// until you fill them in.
#![allow(unused_variables, dead_code)]

use distlab::check::history::Value;
use distlab::labs::broadcast::{
    BroadcastSetup, BroadcastTypes, GossipSetup, LabBroadcast, LabGossip,
};
use distlab::protocols::broadcast::{Msg, Timer};
use distlab::protocols::gossip::{Msg as GossipMsg, Timer as GossipTimer};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// Names your two node types for the lab's harness.
#[derive(Clone, Copy, Debug)]
pub struct Nodes;

impl BroadcastTypes for Nodes {
    type Broadcast = Flood;
    type Gossip = Gossiper;
}

/// Parts A and B: one broadcast node.
#[derive(Clone, Debug)]
pub struct Flood {
    /// This node's neighbours in the scenario's topology: the only nodes
    /// you need to talk to.
    neighbours: Vec<NodeId>,
    /// How often to resend what a neighbour has not acknowledged.
    retry: SimTime,
    /// Values this node holds.
    values: BTreeSet<i64>,
    /// Values each neighbour has not acknowledged yet.
    unacked: BTreeMap<NodeId, BTreeSet<i64>>,
}

/// Storage key of a value (`ctx.storage()` survives crashes; nothing else does).
fn storage_key(value: i64) -> String {
    format!("value/{value}")
}

/// Store `value` durably: `put`, then `sync` (unsynced writes are lost in a crash).
fn store<N: Node>(ctx: &mut Ctx<N>, value: i64) {
    ctx.storage().put(&storage_key(value), &true);
    ctx.storage().sync();
}

/// The values in storage (after a restart: what survived).
fn stored<N: Node>(ctx: &mut Ctx<N>) -> Vec<i64> {
    ctx.storage()
        .keys()
        .iter()
        .filter_map(|k| k.strip_prefix("value/")?.parse().ok())
        .collect()
}

impl Flood {
    /// A value arrived, from a client (`from` is `None`) or from neighbour
    /// `from`. If it is new: store it, remember it, and make sure every
    /// neighbour will get it.
    fn add(&mut self, ctx: &mut Ctx<Self>, value: i64, from: Option<NodeId>) {
        // README, part A, rules 1 and 2 (part B: push at once, and not back
        // to `from`).
        todo!("part A: hold a new value and push it to the neighbours")
    }
}

impl LabBroadcast for Flood {
    fn new(setup: &BroadcastSetup) -> Self {
        Flood {
            neighbours: setup.neighbours.clone(),
            retry: setup.retry,
            values: BTreeSet::new(),
            unacked: BTreeMap::new(),
        }
    }

    fn values(&self) -> &BTreeSet<i64> {
        &self.values
    }
}

impl Node for Flood {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        // README, part A, rule 4: boot and every restart. Reload what
        // `stored(ctx)` returns, offer it to every neighbour, and set the
        // retransmission timer (`ctx.set_timer(self.retry, Timer::Retransmit)`).
        todo!("part A: on_start")
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        // README, part A, rules 2 and 3: `Msg::Gossip(values)` — hold each
        // value and acknowledge all of them; `Msg::Ack(values)` — `from`
        // has these now.
        todo!("part A: on_message")
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        // README, part A, rule 3: resend what each neighbour has not
        // acknowledged, then set the timer again.
        todo!("part A: on_timer")
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        match (request.op.f.as_str(), &request.op.value) {
            ("broadcast", Value::Int(v)) => {
                let v = *v;
                self.add(ctx, v, None);
                ctx.reply(&request, Reply::Ok(Value::Nil));
            }
            ("read", _) => {
                let values = self.values.iter().map(|&v| Value::Int(v)).collect();
                ctx.reply(&request, Reply::Ok(Value::List(values)));
            }
            (f, _) => ctx.reply(&request, Reply::Fail(format!("unknown operation {f:?}"))),
        }
    }

    fn summary(&self) -> String {
        let pending: usize = self.unacked.values().map(BTreeSet::len).sum();
        format!("{} values, {} unacked", self.values.len(), pending)
    }
}

/// Part C: one gossip node (push-pull anti-entropy).
#[derive(Clone, Debug)]
pub struct Gossiper {
    /// This node's neighbours in the scenario's topology.
    neighbours: Vec<NodeId>,
    /// Neighbours to contact per round.
    fanout: u32,
    /// Round length.
    interval: SimTime,
    /// Values this node holds.
    values: BTreeSet<i64>,
}

impl Gossiper {
    /// Hold `value` durably (`store`) if it is new.
    fn learn(&mut self, ctx: &mut Ctx<Self>, value: i64) {
        // README, part C, rule 1.
        todo!("part C: learn")
    }
}

impl LabGossip for Gossiper {
    fn new(setup: &GossipSetup) -> Self {
        Gossiper {
            neighbours: setup.neighbours.clone(),
            fanout: setup.fanout,
            interval: setup.interval,
            values: BTreeSet::new(),
        }
    }

    fn values(&self) -> Vec<i64> {
        self.values.iter().copied().collect()
    }
}

impl Node for Gossiper {
    type Msg = GossipMsg;
    type Timer = GossipTimer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        // README, part C, rule 4: reload `stored(ctx)` and set the first
        // round (`ctx.set_timer(self.interval, GossipTimer::Round)`).
        todo!("part C: on_start")
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: GossipMsg) {
        // README, part C, rules 2 and 3: `GossipMsg::PushPull(values)` and
        // `GossipMsg::Push(values)` (ignore the other kinds).
        todo!("part C: on_message")
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: GossipTimer) {
        // README, part C, rule 2: a round; then set the next one.
        todo!("part C: on_timer")
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        match (request.op.f.as_str(), &request.op.value) {
            ("add", Value::Int(v)) => {
                let v = *v;
                self.learn(ctx, v);
                ctx.reply(&request, Reply::Ok(Value::Nil));
            }
            ("read", _) => {
                let values = self.values.iter().map(|&v| Value::Int(v)).collect();
                ctx.reply(&request, Reply::Ok(Value::List(values)));
            }
            (f, _) => ctx.reply(&request, Reply::Fail(format!("unknown operation {f:?}"))),
        }
    }

    fn summary(&self) -> String {
        format!("{} values", self.values.len())
    }
}
