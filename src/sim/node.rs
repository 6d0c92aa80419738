//! The protocol API: the [`Node`] trait and the [`Ctx`] handed to its handlers.
//!
//! Handlers never act directly: they push effects (send, set or cancel a timer,
//! reply, log) into the context, and the engine applies them after the handler
//! returns. Storage is the one exception: writes go straight to the node's
//! durable storage, where they stay unsynced until `storage().sync()`.

use super::ids::{ClientId, NodeId, TimerId};
use super::rng::Prng;
use super::time::SimTime;
pub use crate::base::op::{Op, Reply, Request};
use crate::storage::Storage;
use serde::Serialize;
use std::fmt::Debug;
use std::hash::Hash;

/// A protocol's node: a plain struct with handlers.
///
/// All nodes of one simulation share one type; a protocol with roles uses an
/// enum or a role field. A crash drops the value; a restart builds a fresh one
/// from the protocol's constructor and calls [`Node::on_start`] again, so only
/// [`Ctx::storage`] survives.
///
/// Nodes, messages and timers are `Send` (plain data is): `distlab explore
/// --jobs N` expands copies of a world on several threads. One world is only
/// ever stepped by one thread at a time.
pub trait Node: Clone + Debug + Send + 'static {
    /// Messages between nodes. `Hash` feeds the trace fingerprint; `Debug`
    /// is how the trace, `export` and the TUI show a message; `Serialize`
    /// keeps messages plain data (derive it: the engine does not serialise
    /// them today).
    type Msg: Clone + Debug + Hash + Serialize + Send;
    /// Timer payloads (the same bounds, for the same reasons).
    type Timer: Clone + Debug + Hash + Serialize + Send;

    /// Boot and every restart.
    fn on_start(&mut self, ctx: &mut Ctx<Self>);
    /// A message from another node arrived.
    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Self::Msg);
    /// A timer set with [`Ctx::set_timer`] fired.
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Self::Timer);
    /// A client request arrived; answer it (now or later) with [`Ctx::reply`].
    /// The default refuses every request.
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        ctx.reply(
            &request,
            Reply::Fail("this protocol takes no client requests".into()),
        );
    }
    /// The node's role, for symbolic fault targets (`"leader"`) and displays.
    fn role(&self) -> Option<&str> {
        None
    }
    /// A one-line summary for the cluster view.
    fn summary(&self) -> String {
        String::new()
    }
    /// Feed everything in this node that can change its future behaviour
    /// into `hasher`: the explorer (`distlab explore`) treats two states
    /// whose nodes hash alike as one. The default hashes the `Debug` text,
    /// which is correct for any node whose `Debug` shows all its fields (the
    /// derived one does). A protocol may override it with a faster
    /// `Hash`-based version, e.g. `self.hash(hasher)`, but must never leave
    /// out a field that a handler reads: that would hide reachable states.
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        crate::base::hash::hash_debug(self, hasher);
    }
    /// The explorer's question about timer ids: which pending timers' ids
    /// can matter? A node can cancel only a timer whose id it keeps, so by
    /// default the explorer reads every number in the node's `Debug` text
    /// and storage values (`None`: scan) and puts a pending timer's id in
    /// the fingerprint when it appears there. A node whose
    /// [`Node::fingerprint`] already tells its timers apart (for instance
    /// one timer of each kind at most, with whether it is set hashed) can
    /// return `Some(ids)`, usually `Some(Vec::new())`, and spare the
    /// explorer the scan: only the ids listed enter the fingerprint.
    fn kept_timer_ids(&self) -> Option<Vec<u64>> {
        None
    }
}

/// An effect a handler asks the engine to apply.
#[derive(Clone, Debug)]
pub enum Effect<N: Node> {
    /// Send a message to a node.
    Send(NodeId, N::Msg),
    /// Start a timer that fires after a local-clock delay.
    SetTimer(TimerId, SimTime, N::Timer),
    /// Cancel a timer (no effect if it already fired).
    CancelTimer(TimerId),
    /// Answer a client.
    Reply(ClientId, u64, Reply),
    /// An annotation for the trace and the UI.
    Log(String),
}

/// What a handler may do: the node's window onto the world.
pub struct Ctx<'a, N: Node> {
    pub(crate) id: NodeId,
    pub(crate) nodes: u32,
    pub(crate) local_now: SimTime,
    pub(crate) rng: &'a mut Prng,
    pub(crate) storage: &'a mut Storage,
    pub(crate) effects: &'a mut Vec<Effect<N>>,
    pub(crate) next_timer: &'a mut u64,
    /// Set when the handler reads its clock ([`Ctx::now`]): the explorer
    /// warns when a handler reads a clock that its frozen time model stops.
    pub(crate) clock_read: std::cell::Cell<bool>,
}

impl<'a, N: Node> Ctx<'a, N> {
    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Number of nodes in the simulation.
    pub fn node_count(&self) -> u32 {
        self.nodes
    }

    /// Every other node, in id order.
    pub fn peers(&self) -> impl Iterator<Item = NodeId> + 'static {
        let me = self.id;
        (0..self.nodes).map(NodeId).filter(move |&n| n != me)
    }

    /// Send a message to a node (possibly delayed, lost or duplicated).
    pub fn send(&mut self, to: NodeId, msg: N::Msg) {
        self.effects.push(Effect::Send(to, msg));
    }

    /// Send a message to every other node.
    pub fn broadcast(&mut self, msg: N::Msg) {
        for peer in 0..self.nodes {
            if peer != self.id.0 {
                self.effects.push(Effect::Send(NodeId(peer), msg.clone()));
            }
        }
    }

    /// Start a timer that fires after `after` on this node's local clock.
    pub fn set_timer(&mut self, after: SimTime, timer: N::Timer) -> TimerId {
        let id = TimerId(*self.next_timer);
        *self.next_timer += 1;
        self.effects.push(Effect::SetTimer(id, after, timer));
        id
    }

    /// Cancel a timer; cancelling one that already fired does nothing.
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.effects.push(Effect::CancelTimer(id));
    }

    /// This node's local clock (offset and drift applied).
    pub fn now(&self) -> SimTime {
        self.clock_read.set(true);
        self.local_now
    }

    /// This node's own random stream.
    pub fn rng(&mut self) -> &mut Prng {
        self.rng
    }

    /// This node's durable storage.
    pub fn storage(&mut self) -> &mut Storage {
        self.storage
    }

    /// Answer a client request.
    pub fn reply(&mut self, request: &Request, reply: Reply) {
        self.effects
            .push(Effect::Reply(request.client, request.id, reply));
    }

    /// Answer a client request known only by its (client, id).
    pub fn reply_to(&mut self, client: ClientId, request_id: u64, reply: Reply) {
        self.effects.push(Effect::Reply(client, request_id, reply));
    }

    /// Annotate the trace ("became leader in term 3").
    pub fn log(&mut self, text: impl Into<String>) {
        self.effects.push(Effect::Log(text.into()));
    }
}
