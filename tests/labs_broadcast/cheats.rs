//! Lab 02's cheat catalogue: broadcast and gossip nodes that fake the
//! work. Each must score 0 on every part it does not really implement and
//! at most 10% overall (`labs_common/cheats.rs`). One type serves as both
//! the broadcast node (parts A, B) and the gossip node (part C).

use distlab::check::history::Value;
use distlab::labs::broadcast::{
    BroadcastSetup, BroadcastTypes, GossipSetup, LabBroadcast, LabGossip,
};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use std::cell::RefCell;
use std::collections::BTreeSet;

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

impl<const K: u8> LabBroadcast for Cheat<K> {
    fn new(_: &BroadcastSetup) -> Self {
        Cheat {
            values: BTreeSet::new(),
        }
    }
    fn values(&self) -> &BTreeSet<i64> {
        &self.values
    }
}

impl<const K: u8> LabGossip for Cheat<K> {
    fn new(_: &GossipSetup) -> Self {
        Cheat {
            values: BTreeSet::new(),
        }
    }
    fn values(&self) -> Vec<i64> {
        self.values.iter().copied().collect()
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
