//! The protocol API: the [`Node`] trait and the [`Ctx`] handed to its handlers.
//!
//! Handlers never act directly: they push effects (send, set or cancel a timer,
//! reply, log) into the context, and the engine applies them after the handler
//! returns. Storage is the one exception: writes go straight to the node's
//! durable storage, where they stay unsynced until `storage().sync()`.

use super::ids::{ClientId, NodeId, TimerId};
use super::rng::Prng;
use super::time::SimTime;
pub use crate::base::inspect::View;
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
/// Nodes, messages and timers are `Send` and `Sync` (plain data is):
/// `distlab explore --jobs N` expands copies of a world on several threads,
/// and copies of a world share the node states and messages a step did not
/// change (copy on write, behind `Arc`s). One world is only ever stepped by
/// one thread at a time.
pub trait Node: Clone + Debug + Send + Sync + 'static {
    /// Messages between nodes. `Hash` feeds the trace fingerprint; `Debug`
    /// is how the trace, `export` and the TUI show a message; `Serialize`
    /// keeps messages plain data (derive it: the engine does not serialise
    /// them today).
    type Msg: Clone + Debug + Hash + Serialize + Send + Sync;
    /// Timer payloads (the same bounds, for the same reasons).
    type Timer: Clone + Debug + Hash + Serialize + Send + Sync;

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
    /// The node's state as labelled fields, for the inspector (the TUI's
    /// inspector panel): term, role, vote, log, commit index, timers as
    /// durations, parameters folded last. The default parses the node's
    /// `Debug` text ([`View::from_debug`]): `SimTime(200000000)` shows as
    /// `200ms`, `Some(NodeId(1))` as `n1`, `None` as `—`, a `params` field
    /// folds away below. Override it with a hand-picked view built with
    /// [`View::new`]; it is display only and never affects a run.
    fn inspect(&self) -> View {
        View::from_debug(&format!("{self:?}"))
    }
    /// A message's fields, for the inspector when the user selects its
    /// delivery. The default parses its `Debug` text as [`Node::inspect`]'s
    /// does.
    fn inspect_message(message: &Self::Msg) -> View {
        View::from_debug(&format!("{message:?}"))
    }
    /// A message in one line, for the event log and the space-time
    /// diagram (`AppendEntries t3 prev=5/2 +2 commit=4`, `Prepare b3.n1`):
    /// the kind first, then what tells two of a kind apart, in the
    /// protocol's own vocabulary. The default is the message's `Debug`
    /// text. Display only: the trace hash folds the message's `Hash`,
    /// never this text, and `export --format jsonl` keeps the `Debug`.
    fn message_summary(message: &Self::Msg) -> String {
        format!("{message:?}")
    }
    /// The message's kind, as a scenario's `network` change names it
    /// (`messages = ["AppendReply"]`): by default the enum variant's or the
    /// struct's name, read from its `Serialize`
    /// ([`crate::net::message_kind`]). A wrapper node that boxes messages
    /// answers for the message inside.
    fn message_kind(message: &Self::Msg) -> Option<&'static str> {
        crate::net::message_kind(message)
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

    /// The quantities an explored search may bound (`[explore] bounds =
    /// { term = 2 }`, `--bound term=2`): each a name, what it counts, and
    /// how to read it off a node. The explorer does not expand a state in
    /// which a live node's value exceeds its bound (the state is *outside
    /// the boundary*), so a protocol whose terms, ballots or logs grow
    /// without limit gets a finite space to exhaust (`docs/explore.md`,
    /// "Bounding an unbounded protocol"). This one table is the whole
    /// declaration: the explorer's errors list its names. A value must
    /// depend only on what the node's fingerprint holds. `wire` is the
    /// engine's (messages on the wire, for every protocol): do not declare
    /// it. Default: none.
    ///
    /// ```
    /// # use distlab::sim::{Bound, Ctx, Node, NodeId};
    /// #[derive(Clone, Debug)]
    /// struct Counter { round: u64 }
    /// impl Node for Counter {
    ///     type Msg = ();
    ///     type Timer = ();
    ///     const BOUNDS: &'static [Bound<Self>] = &[Bound {
    ///         name: "round",
    ///         meaning: "the node's round number",
    ///         value: |n| n.round,
    ///     }];
    ///     fn on_start(&mut self, _: &mut Ctx<Self>) {}
    ///     fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    ///     fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    /// }
    /// ```
    const BOUNDS: &'static [Bound<Self>] = &[];

    /// The explorer's relative time (`[explore] relative_time = true`):
    /// feed this node into `hasher` as [`Node::fingerprint`] does, but with
    /// every time it holds taken relative to `now` (its clock's reading),
    /// so that two states that differ only by *when* they happen — every
    /// time in them shifted by the same amount — are one state. Return
    /// `true` when done; the default returns `false` (nothing hashed), and
    /// the explorer then keeps absolute time for the state.
    ///
    /// Override it only for a node whose behaviour does not depend on the
    /// clock's absolute reading: its handlers use times only to compare
    /// them with each other and with `ctx.now()` or to measure spans, and
    /// no message, timer payload or storage value carries a time. A time
    /// that only a comparison with a later clock reading uses may be
    /// clamped where the comparison's outcome can no longer change (a
    /// deadline already past; a last contact older than any window it is
    /// compared with): time never goes back. [`relative_time`] computes
    /// the offset.
    fn fingerprint_relative(
        &self,
        now: SimTime,
        hasher: &mut crate::base::hash::StableHasher,
    ) -> bool {
        let _ = (now, hasher);
        false
    }
}

/// A quantity a protocol's nodes may be bounded by in an explored search
/// ([`Node::BOUNDS`]).
pub struct Bound<N> {
    /// The name in `[explore] bounds` and `--bound` (`term`).
    pub name: &'static str,
    /// What it counts, in words (`the node's current term`).
    pub meaning: &'static str,
    /// Its value in a node.
    pub value: fn(&N) -> u64,
}

impl<N> Clone for Bound<N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N> Copy for Bound<N> {}

impl<N> std::fmt::Debug for Bound<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bound")
            .field("name", &self.name)
            .field("meaning", &self.meaning)
            .finish_non_exhaustive()
    }
}

/// `time - now` in nanoseconds, negative for a time in the past: a time
/// as [`Node::fingerprint_relative`] hashes it.
pub fn relative_time(time: SimTime, now: SimTime) -> i128 {
    i128::from(time.as_nanos()) - i128::from(now.as_nanos())
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
