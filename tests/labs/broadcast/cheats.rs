//! Lab 02's cheat catalogue: broadcast and gossip nodes that fake the
//! work. Each must score 0 on every part it does not really implement and
//! at most 10% overall (`tests/support/labs/cheats.rs`). One type serves as both
//! the broadcast node (parts A, B) and the gossip node (part C). They
//! implement the protocols' traits ([`BroadcastLabNode`],
//! [`GossipLabNode`]) like any student node.
//!
//! [`Honest`] does the work but not its durable part: its "disk" is a
//! `thread_local` map (a cheat; wiped at boot or not) or nothing at all (a
//! plausible shortcut: values only in memory). Crashes are rare, so these
//! would pass many cases; `acked-values-durable` (a restart probe on a
//! thread of its own) catches all three in every case.

use distlab::check::history::Value;
use distlab::labs::broadcast::{
    BroadcastLabNode, BroadcastSetup, BroadcastTypes, GossipLabNode, GossipSetup,
};
use distlab::protocols::broadcast::{Msg, Timer};
use distlab::protocols::gossip::{Msg as GossipMsg, Timer as GossipTimer};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// How a cheat answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Nothing at all.
    Idle,
    /// Acknowledges every write, keeps nothing, reads are empty.
    AcksOnly,
    /// Keeps every value in a thread-local set shared by every node; every
    /// 20 ms each node copies the set. No message.
    Global,
}

thread_local! {
    static VALUES: RefCell<BTreeSet<i64>> = const { RefCell::new(BTreeSet::new()) };
}

/// A cheating node of kind `K`.
#[derive(Clone, Debug)]
pub struct Cheat<const K: u8> {
    values: BTreeSet<i64>,
}

impl<const K: u8> Cheat<K> {
    fn kind() -> Kind {
        [Kind::Idle, Kind::AcksOnly, Kind::Global][K as usize]
    }
}

impl<const K: u8> Node for Cheat<K> {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        if Self::kind() == Kind::Global {
            ctx.set_timer(SimTime::from_millis(20), ());
        }
    }
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _: ()) {
        VALUES.with(|v| self.values.extend(v.borrow().iter().copied()));
        ctx.set_timer(SimTime::from_millis(20), ());
    }
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let reply = match (Self::kind(), &request.op.value) {
            (Kind::Idle, _) => return,
            (kind, Value::Int(v)) => {
                if kind == Kind::Global {
                    VALUES.with(|all| all.borrow_mut().insert(*v));
                    self.values.insert(*v);
                }
                Value::Nil
            }
            (_, _) => Value::List(self.values.iter().map(|&v| Value::Int(v)).collect()),
        };
        ctx.reply(&request, Reply::Ok(reply));
    }
}

impl<const K: u8> BroadcastLabNode for Cheat<K> {
    fn new(_: &BroadcastSetup) -> Self {
        Cheat {
            values: BTreeSet::new(),
        }
    }
    fn values(&self) -> &BTreeSet<i64> {
        &self.values
    }
}

impl<const K: u8> GossipLabNode for Cheat<K> {
    fn new(_: &GossipSetup) -> Self {
        Cheat {
            values: BTreeSet::new(),
        }
    }
    fn values(&self) -> impl DoubleEndedIterator<Item = i64> + '_ {
        self.values.iter().copied()
    }
}

/// The cheat of kind `K` for every part.
pub struct Types<const K: u8>;
impl<const K: u8> BroadcastTypes for Types<K> {
    type Broadcast = Cheat<K>;
    type Gossip = Cheat<K>;
}

/// Does nothing.
pub type Idle = Types<0>;
/// Acknowledges and forgets.
pub type AcksOnly = Types<1>;
/// Values in a process global, no messages.
pub type Global = Types<2>;

thread_local! {
    /// [`Honest`]'s "disk" (kind 0): each node's values, in a process
    /// global instead of `ctx.storage()`.
    static DISK: RefCell<BTreeMap<NodeId, BTreeSet<i64>>> = const { RefCell::new(BTreeMap::new()) };
}

/// Flooding with acknowledgements and gossip by push-pull, like the
/// solution, except for durability: kind 0 keeps its values in [`DISK`]
/// (a `thread_local`, never `ctx.storage()`), kind 1 keeps them only in
/// memory (a restart forgets everything), kind 2 is kind 0 wiping its
/// entry at boot (time zero), so nothing leaks from one run into the next
/// and the grader's determinism re-run sees nothing.
#[derive(Clone, Debug)]
pub struct Honest<const K: u8> {
    id: NodeId,
    neighbours: Vec<NodeId>,
    /// The retry interval (broadcast) or the round length (gossip).
    every: SimTime,
    fanout: usize,
    values: BTreeSet<i64>,
    unacked: BTreeMap<NodeId, BTreeSet<i64>>,
}

impl<const K: u8> Honest<K> {
    fn fresh(id: NodeId, neighbours: &[NodeId], every: SimTime, fanout: u32) -> Self {
        Honest {
            id,
            neighbours: neighbours.to_vec(),
            every,
            fanout: fanout as usize,
            values: BTreeSet::new(),
            unacked: BTreeMap::new(),
        }
    }

    /// "Store" `value` and hold it; whether it was new.
    fn hold(&mut self, value: i64) -> bool {
        if !self.values.insert(value) {
            return false;
        }
        if K == 0 || K == 2 {
            DISK.with(|d| d.borrow_mut().entry(self.id).or_default().insert(value));
        }
        true
    }

    /// What the "disk" gives back at start.
    fn reload(&mut self, boot: bool) {
        if K == 2 && boot {
            DISK.with(|d| d.borrow_mut().remove(&self.id));
        }
        if K == 0 || K == 2 {
            DISK.with(|d| {
                self.values
                    .extend(d.borrow().get(&self.id).into_iter().flatten())
            });
        }
    }

    fn read(&self) -> Value {
        Value::List(self.values.iter().map(|&v| Value::Int(v)).collect())
    }
}

/// The broadcast node: rules 1 to 4 and part B's pushes.
#[derive(Clone, Debug)]
pub struct HonestFlood<const K: u8>(Honest<K>);

impl<const K: u8> HonestFlood<K> {
    fn add(&mut self, ctx: &mut Ctx<Self>, value: i64, from: Option<NodeId>) {
        if self.0.hold(value) {
            for &peer in &self.0.neighbours {
                if Some(peer) != from {
                    self.0.unacked.entry(peer).or_default().insert(value);
                    ctx.send(peer, Msg::Gossip(vec![value]));
                }
            }
        }
    }
}

impl<const K: u8> BroadcastLabNode for HonestFlood<K> {
    fn new(setup: &BroadcastSetup) -> Self {
        HonestFlood(Honest::fresh(setup.id, &setup.neighbours, setup.retry, 0))
    }
    fn values(&self) -> &BTreeSet<i64> {
        &self.0.values
    }
}

impl<const K: u8> Node for HonestFlood<K> {
    type Msg = Msg;
    type Timer = Timer;
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.0.reload(ctx.now() == SimTime::ZERO);
        if !self.0.values.is_empty() {
            for &peer in &self.0.neighbours {
                self.0.unacked.insert(peer, self.0.values.clone());
            }
        }
        ctx.set_timer(self.0.every, Timer::Retransmit);
    }
    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Gossip(values) => {
                for &v in &values {
                    self.add(ctx, v, Some(from));
                }
                ctx.send(from, Msg::Ack(values));
            }
            Msg::Ack(values) => {
                if let Some(pending) = self.0.unacked.get_mut(&from) {
                    for v in values {
                        pending.remove(&v);
                    }
                }
            }
        }
    }
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _: Timer) {
        for (&peer, pending) in &self.0.unacked {
            if !pending.is_empty() {
                ctx.send(peer, Msg::Gossip(pending.iter().copied().collect()));
            }
        }
        ctx.set_timer(self.0.every, Timer::Retransmit);
    }
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        if let ("broadcast", Value::Int(v)) = (request.op.f.as_str(), &request.op.value) {
            self.add(ctx, *v, None);
            ctx.reply(&request, Reply::Ok(Value::Nil));
        } else {
            ctx.reply(&request, Reply::Ok(self.0.read()));
        }
    }
}

/// The gossip node: part C's four rules.
#[derive(Clone, Debug)]
pub struct HonestGossip<const K: u8>(Honest<K>);

impl<const K: u8> GossipLabNode for HonestGossip<K> {
    fn new(setup: &GossipSetup) -> Self {
        let h = Honest::fresh(setup.id, &setup.neighbours, setup.interval, setup.fanout);
        HonestGossip(h)
    }
    fn values(&self) -> impl DoubleEndedIterator<Item = i64> + '_ {
        self.0.values.iter().copied()
    }
}

impl<const K: u8> Node for HonestGossip<K> {
    type Msg = GossipMsg;
    type Timer = GossipTimer;
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.0.reload(ctx.now() == SimTime::ZERO);
        ctx.set_timer(self.0.every, GossipTimer::Round);
    }
    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: GossipMsg) {
        match msg {
            GossipMsg::PushPull(values) => {
                let theirs: BTreeSet<i64> = values.iter().copied().collect();
                let missing: Vec<i64> = self.0.values.difference(&theirs).copied().collect();
                if !missing.is_empty() {
                    ctx.send(from, GossipMsg::Push(missing));
                }
                for v in values {
                    self.0.hold(v);
                }
            }
            GossipMsg::Push(values) => {
                for v in values {
                    self.0.hold(v);
                }
            }
            _ => {}
        }
    }
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _: GossipTimer) {
        let mut peers = self.0.neighbours.clone();
        ctx.rng().shuffle(&mut peers);
        peers.truncate(self.0.fanout);
        let all: Vec<i64> = self.0.values.iter().copied().collect();
        for peer in peers {
            ctx.send(peer, GossipMsg::PushPull(all.clone()));
        }
        ctx.set_timer(self.0.every, GossipTimer::Round);
    }
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        if let ("add", Value::Int(v)) = (request.op.f.as_str(), &request.op.value) {
            self.0.hold(*v);
            ctx.reply(&request, Reply::Ok(Value::Nil));
        } else {
            ctx.reply(&request, Reply::Ok(self.0.read()));
        }
    }
}

/// [`Honest`] of kind `K` for every part.
pub struct HonestTypes<const K: u8>;
impl<const K: u8> BroadcastTypes for HonestTypes<K> {
    type Broadcast = HonestFlood<K>;
    type Gossip = HonestGossip<K>;
}

/// Durable values in a `thread_local`, not `ctx.storage()` (a cheat).
pub type DiskInThreadLocal = HonestTypes<0>;
/// Values only in memory: a restart forgets them (a shortcut).
pub type MemoryOnly = HonestTypes<1>;
/// [`DiskInThreadLocal`] wiping its entry at boot (a cheat).
pub type DiskResetAtBoot = HonestTypes<2>;
