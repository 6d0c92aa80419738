//! Lab 02: broadcast. Fill in the `todo!()`s; the README
//! (`labs/02-broadcast/README.md`) states the rules.
//!
//! - Part A: every value a client was told is stored reaches every node,
//!   through loss, partitions and crashes.
//! - Part B: the same, with few messages and low latency.
//!
//! Run `cargo run --release -- lab check 02` to grade, and `cargo run -p
//! lab-02-broadcast -- tui <scenario>` to watch your node at work.

// The skeleton's `todo!()`s leave parameters, fields and helpers unused
// until you fill them in.
#![allow(unused_variables, dead_code)]

use distlab::check::history::Value;
use distlab::labs::broadcast::{BroadcastSetup, LabBroadcast};
use distlab::protocols::broadcast::{Msg, Timer};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// One broadcast node.
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
fn store(ctx: &mut Ctx<Flood>, value: i64) {
    ctx.storage().put(&storage_key(value), &true);
    ctx.storage().sync();
}

/// The values in storage (after a restart: what survived).
fn stored(ctx: &mut Ctx<Flood>) -> Vec<i64> {
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
