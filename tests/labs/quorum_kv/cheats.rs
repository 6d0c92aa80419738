//! Lab 09's cheat catalogue: stores that fake the work. Each must score 0 on
//! every part it does not really implement and at most 10% overall
//! (`tests/support/labs/cheats.rs`).

use distlab::check::history::Value;
use distlab::labs::quorum_kv::QuorumLabNode;
use distlab::protocols::clocks::VClock;
use distlab::protocols::quorum_kv::{Params, Ring, Sibling};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A node that does nothing: no messages, no replies.
#[derive(Clone, Debug)]
pub struct Idle {
    data: BTreeMap<String, Vec<Sibling>>,
    hints: BTreeMap<(NodeId, String), Vec<Sibling>>,
}

impl Node for Idle {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    fn on_request(&mut self, _: &mut Ctx<Self>, _: Request) {}
}

impl QuorumLabNode for Idle {
    fn new(_: Arc<Params>, _: Arc<Ring>, _: NodeId) -> Self {
        Idle {
            data: BTreeMap::new(),
            hints: BTreeMap::new(),
        }
    }
    fn data(&self) -> &BTreeMap<String, Vec<Sibling>> {
        &self.data
    }
    fn hints(&self) -> &BTreeMap<(NodeId, String), Vec<Sibling>> {
        &self.hints
    }
}

/// A black hole: acknowledges every put, stores nothing, every get returns
/// nil, sends nothing (in both modes).
#[derive(Clone, Debug)]
pub struct BlackHole(Idle);

impl Node for BlackHole {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        ctx.reply(&request, Reply::Ok(Value::Nil));
    }
}

impl QuorumLabNode for BlackHole {
    fn new(p: Arc<Params>, r: Arc<Ring>, id: NodeId) -> Self {
        BlackHole(Idle::new(p, r, id))
    }
    fn data(&self) -> &BTreeMap<String, Vec<Sibling>> {
        &self.0.data
    }
    fn hints(&self) -> &BTreeMap<(NodeId, String), Vec<Sibling>> {
        &self.0.hints
    }
}

thread_local! {
    /// The cheat's "replicated" store: one map every node of every run on
    /// this thread shares, instead of replicas and `ctx.storage()`.
    static SHARED: RefCell<BTreeMap<String, (u64, i64)>> = const { RefCell::new(BTreeMap::new()) };
}

/// Keeps the data in a process global: a put writes the shared map, a get
/// reads it (atomic, so linearizable, and never unavailable), and every
/// 20 ms each node copies the keys it replicates into its `data`, so the
/// replicas look converged and hold every write. No message is ever sent.
#[derive(Clone, Debug)]
pub struct Global {
    params: Arc<Params>,
    ring: Arc<Ring>,
    id: NodeId,
    inner: Idle,
}

impl Node for Global {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        ctx.set_timer(SimTime::from_millis(20), ());
    }
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _: ()) {
        let nodes = ctx.node_count();
        SHARED.with(|m| {
            for (key, (tag, value)) in m.borrow().iter() {
                if self.ring.replicas(key, self.params.n).contains(&self.id) {
                    let version = Sibling {
                        value: *value,
                        tag: (*tag, 0),
                        clock: VClock::new(nodes),
                    };
                    self.inner.data.insert(key.clone(), vec![version]);
                }
            }
        });
        ctx.set_timer(SimTime::from_millis(20), ());
    }
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let key = request.op.key.clone().unwrap_or_default();
        let reply = SHARED.with(|m| {
            let mut m = m.borrow_mut();
            match &request.op.value {
                Value::Int(v) if request.op.f == "put" => {
                    let tag = m.get(&key).map_or(1, |(t, _)| t + 1);
                    m.insert(key, (tag, *v));
                    Value::Nil
                }
                _ => m.get(&key).map_or(Value::Nil, |(_, v)| Value::Int(*v)),
            }
        });
        ctx.reply(&request, Reply::Ok(reply));
    }
}

impl QuorumLabNode for Global {
    fn new(params: Arc<Params>, ring: Arc<Ring>, id: NodeId) -> Self {
        Global {
            inner: Idle::new(Arc::clone(&params), Arc::clone(&ring), id),
            params,
            ring,
            id,
        }
    }
    fn data(&self) -> &BTreeMap<String, Vec<Sibling>> {
        &self.inner.data
    }
    fn hints(&self) -> &BTreeMap<(NodeId, String), Vec<Sibling>> {
        &self.inner.hints
    }
}
