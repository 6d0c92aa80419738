// SOLUTION FILE: lab 02's skeleton with every todo!() filled in, a test
// SOLUTION FILE: fixture (tests/labs/broadcast.rs grades it). The skeleton,
// SOLUTION FILE: labs/02-broadcast/src/lib.rs, is this file with these lines
// SOLUTION FILE: dropped and each `// SOLUTION:` ... `// END` block cut to
// SOLUTION FILE: its comment and a todo!(); regenerate it with
// SOLUTION FILE: DISTLAB_BLESS=1 cargo test --test labs broadcast::the_skeleton
//! Lab 02: broadcast — your two nodes. Fill in the `todo!()`s; the README
//! (`labs/02-broadcast/README.md`) states the rules the comments below
//! refer to.
//!
//! - Parts A and B: [`Flood`], a [`BroadcastLabNode`] (the trait of
//!   `distlab::protocols::broadcast`). Part A: every value a client was
//!   told is stored reaches every node, through loss, partitions and
//!   crashes. Part B: the same, with few messages and low latency.
//! - Part C: [`Gossiper`], a [`GossipLabNode`] (the trait of
//!   `distlab::protocols::gossip`): push-pull anti-entropy that converges.
//!
//! The grader runs your nodes on the shipped scenarios with the very checks
//! that judge the reference nodes (`Broadcast`, `Gossip`, which implement
//! the same traits), plus the lab's: values travel by message, acknowledged
//! values survive a restart from `ctx.storage()`, and part B's targets.
//!
//! Run `cargo run --release -- lab check 02` to grade, and `cargo run
//! --release -p lab-02-broadcast -- tui <scenario>` to watch your node at
//! work.

// The skeleton's `todo!()`s leave parameters, fields and helpers unused
// until you fill them in.
#![allow(unused_variables, dead_code)]

use distlab::check::history::Value;
use distlab::labs::broadcast::{
    BroadcastLabNode, BroadcastSetup, BroadcastTypes, GossipLabNode, GossipSetup,
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
        // SOLUTION: part A, rule 1: if `value` is new, `store` it and add it to `values`; then, for each neighbour (part B: but `from`), put it in that neighbour's `unacked` set and push it at once (`ctx.send(peer, Msg::Gossip(vec![value]))`).
        if !self.values.insert(value) {
            return;
        }
        store(ctx, value);
        for &peer in &self.neighbours {
            if Some(peer) != from {
                self.unacked.entry(peer).or_default().insert(value);
                ctx.send(peer, Msg::Gossip(vec![value]));
            }
        }
        // END
    }
}

impl BroadcastLabNode for Flood {
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
        // SOLUTION: part A, rule 4: at boot and every restart, reload what `stored(ctx)` returns into `values`, offer all of it to every neighbour (each one's `unacked` set), and set the retransmission timer (`ctx.set_timer(self.retry, Timer::Retransmit)`).
        self.values.extend(stored(ctx));
        if !self.values.is_empty() {
            for &peer in &self.neighbours {
                self.unacked.insert(peer, self.values.clone());
            }
        }
        ctx.set_timer(self.retry, Timer::Retransmit);
        // END
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        // SOLUTION: part A, rules 2 and 3: on `Msg::Gossip(values)`, `add` each value (from `Some(from)`) and answer `Msg::Ack` with all of them; on `Msg::Ack(values)`, remove them from `from`'s `unacked` set.
        match msg {
            Msg::Gossip(values) => {
                for &v in &values {
                    self.add(ctx, v, Some(from));
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
        // END
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        // SOLUTION: part A, rule 3: send each neighbour its still-unacknowledged values in one `Msg::Gossip` (nothing if there are none), then set the timer again.
        for (&peer, pending) in &self.unacked {
            if !pending.is_empty() {
                ctx.send(peer, Msg::Gossip(pending.iter().copied().collect()));
            }
        }
        ctx.set_timer(self.retry, Timer::Retransmit);
        // END
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
        // SOLUTION: part C, rule 1: if `value` is new, `store` it and add it to `values`.
        if self.values.insert(value) {
            store(ctx, value);
        }
        // END
    }
}

impl GossipLabNode for Gossiper {
    fn new(setup: &GossipSetup) -> Self {
        Gossiper {
            neighbours: setup.neighbours.clone(),
            fanout: setup.fanout,
            interval: setup.interval,
            values: BTreeSet::new(),
        }
    }

    fn values(&self) -> impl DoubleEndedIterator<Item = i64> + '_ {
        self.values.iter().copied()
    }
}

impl Node for Gossiper {
    type Msg = GossipMsg;
    type Timer = GossipTimer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        // SOLUTION: part C, rule 4: reload `stored(ctx)` into `values` and set the first round (`ctx.set_timer(self.interval, GossipTimer::Round)`).
        self.values.extend(stored(ctx));
        ctx.set_timer(self.interval, GossipTimer::Round);
        // END
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: GossipMsg) {
        // SOLUTION: part C, rule 3: on `GossipMsg::PushPull(values)`, answer `GossipMsg::Push` with the values you hold that are not in `values` (if any), then `learn` each of `values`; on `GossipMsg::Push(values)`, `learn` each. Ignore the other kinds.
        match msg {
            GossipMsg::PushPull(values) => {
                let theirs: BTreeSet<i64> = values.iter().copied().collect();
                let missing: Vec<i64> = self.values.difference(&theirs).copied().collect();
                if !missing.is_empty() {
                    ctx.send(from, GossipMsg::Push(missing));
                }
                for v in values {
                    self.learn(ctx, v);
                }
            }
            GossipMsg::Push(values) => {
                for v in values {
                    self.learn(ctx, v);
                }
            }
            _ => {}
        }
        // END
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: GossipTimer) {
        // SOLUTION: part C, rule 2: a round: shuffle a copy of `neighbours` (`ctx.rng().shuffle(..)`), send the first `fanout` of them `GossipMsg::PushPull(all your values)`, then set the next round.
        let mut peers = self.neighbours.clone();
        ctx.rng().shuffle(&mut peers);
        peers.truncate(self.fanout as usize);
        let all: Vec<i64> = self.values.iter().copied().collect();
        for peer in peers {
            ctx.send(peer, GossipMsg::PushPull(all.clone()));
        }
        ctx.set_timer(self.interval, GossipTimer::Round);
        // END
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
