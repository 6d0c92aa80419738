//! Nodes behind a vtable: one engine instantiation for many node types.
//!
//! The engine is generic over the node type, so every node type a binary
//! simulates compiles the whole engine again (about 90 K LLVM lines each).
//! A lab's grader runs many node types — the student's, the reference, the
//! solution cut in stages, mutants and cheats — and compiling the engine for
//! each of them was most of a cold `cargo test`. A lab therefore runs
//! every student type through one wrapper type (for Raft,
//! `labs::raft::DynRaft`): the engine is compiled once for the wrapper, in
//! the library, and each student type adds only its own handlers and a
//! small vtable.
//!
//! This module holds the parts every such wrapper shares: [`AnyMsg`], a
//! message or timer of some node type behind a vtable (its `Debug`, `Hash`,
//! `Serialize` and inspector view are the inner value's, so trace hashes
//! and every rendering are unchanged), and [`Ctx::run_as`], which runs a
//! handler of the inner type on the wrapper's context and wraps its effects.

use super::hash::StableHasher;
use super::ids::NodeId;
use super::node::{Ctx, Effect, Node, Request, View};
use serde::{Serialize, Serializer};
use std::any::Any;
use std::fmt::{self, Debug};
use std::hash::{Hash, Hasher};

/// A message or timer of node type `S`, or of nothing (a wrapper node's
/// own), behind a vtable. Two values of one simulation always hold the same
/// inner type: all nodes of a simulation come from one constructor.
pub struct AnyMsg(Box<dyn Payload>);

/// What [`AnyMsg`] needs of the value inside.
trait Payload: Send + Sync + Any {
    fn clone_box(&self) -> Box<dyn Payload>;
    fn fmt_debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    fn hash_dyn(&self, state: &mut dyn Hasher);
    fn to_json(&self) -> serde_json::Value;
    fn view(&self) -> View;
    fn summary(&self) -> String;
    fn kind(&self) -> Option<&'static str>;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

/// A message or timer inside an [`AnyMsg`], with how to show it: a
/// message as its node type shows messages (`S::inspect_message`,
/// `S::message_summary`, `S::message_kind`), a timer from its `Debug`.
struct Held<T> {
    value: T,
    shown: Shown<T>,
}

/// How a [`Held`] value is shown.
struct Shown<T> {
    view: fn(&T) -> View,
    summary: fn(&T) -> String,
    kind: fn(&T) -> Option<&'static str>,
}

impl<T> Clone for Shown<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Shown<T> {}

/// What a node's message or timer type is (the bounds [`Node`] puts on both).
trait Carried: Clone + Debug + Hash + Serialize + Send + Sync + 'static {}
impl<T: Clone + Debug + Hash + Serialize + Send + Sync + 'static> Carried for T {}

impl<T: Carried> Payload for Held<T> {
    fn clone_box(&self) -> Box<dyn Payload> {
        Box::new(Held {
            value: self.value.clone(),
            shown: self.shown,
        })
    }
    fn fmt_debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
    fn hash_dyn(&self, mut state: &mut dyn Hasher) {
        self.value.hash(&mut state);
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.value)
            .unwrap_or_else(|e| serde_json::Value::String(e.to_string()))
    }
    fn view(&self) -> View {
        (self.shown.view)(&self.value)
    }
    fn summary(&self) -> String {
        (self.shown.summary)(&self.value)
    }
    fn kind(&self) -> Option<&'static str> {
        (self.shown.kind)(&self.value)
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

impl AnyMsg {
    /// Wrap a message of node type `S`.
    pub fn message<S: Node>(msg: S::Msg) -> AnyMsg {
        AnyMsg(Box::new(Held {
            value: msg,
            shown: Shown {
                view: S::inspect_message,
                summary: S::message_summary,
                kind: S::message_kind,
            },
        }))
    }

    /// Wrap a timer of node type `S`.
    pub fn timer<S: Node>(timer: S::Timer) -> AnyMsg {
        AnyMsg(Box::new(Held {
            value: timer,
            shown: Shown {
                view: |t| View::from_debug(&format!("{t:?}")),
                summary: |t| format!("{t:?}"),
                kind: |t| crate::net::message_kind(t),
            },
        }))
    }

    /// The message of node type `S` inside.
    ///
    /// # Panics
    /// If it holds something else: every node of a simulation comes from one
    /// constructor, so a wrapper node only ever receives its own type's
    /// messages; anything else is a bug in the wrapper.
    pub fn into_message<S: Node>(self) -> S::Msg {
        match self.0.into_any().downcast::<Held<S::Msg>>() {
            Ok(m) => m.value,
            Err(_) => panic!(
                "a message of another node type reached {}",
                std::any::type_name::<S>()
            ),
        }
    }

    /// The timer of node type `S` inside (panics as [`AnyMsg::into_message`]).
    pub fn into_timer<S: Node>(self) -> S::Timer {
        match self.0.into_any().downcast::<Held<S::Timer>>() {
            Ok(t) => t.value,
            Err(_) => panic!(
                "a timer of another node type reached {}",
                std::any::type_name::<S>()
            ),
        }
    }

    /// The inner message's inspector view (`S::inspect_message`).
    pub fn view(&self) -> View {
        self.0.view()
    }

    /// The inner message's one-line summary (`S::message_summary`).
    pub fn summary(&self) -> String {
        self.0.summary()
    }

    /// The inner message's kind (`S::message_kind`): `Serialize` through
    /// the box does not show it.
    pub fn kind(&self) -> Option<&'static str> {
        self.0.kind()
    }
}

impl Clone for AnyMsg {
    fn clone(&self) -> Self {
        AnyMsg(self.0.clone_box())
    }
}

impl Debug for AnyMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_debug(f)
    }
}

/// The inner value's hash: the same writes reach the hasher, so a trace
/// hash is the one the inner node type gives.
impl Hash for AnyMsg {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash_dyn(state);
    }
}

/// The inner value through `serde_json::Value` (struct fields come out in
/// key order; nothing in the engine serialises messages).
impl Serialize for AnyMsg {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        self.0.to_json().serialize(serializer)
    }
}

impl<'a, N: Node<Msg = AnyMsg, Timer = AnyMsg>> Ctx<'a, N> {
    /// Run a handler of the node type `S` inside a wrapper node `N` whose
    /// messages and timers are [`AnyMsg`]: the handler gets a context of
    /// its own type on the same node (id, clock, random stream, storage,
    /// timer ids), and what it sends or sets is wrapped, in order, into this
    /// context's effects. A run through the wrapper is step for step the run
    /// of `S` itself, with the same trace hash.
    pub fn run_as<S: Node, R>(&mut self, handler: impl FnOnce(&mut Ctx<'_, S>) -> R) -> R {
        let mut effects: Vec<Effect<S>> = Vec::new();
        let mut inner = Ctx::<S> {
            id: self.id,
            nodes: self.nodes,
            local_now: self.local_now,
            rng: &mut *self.rng,
            storage: &mut *self.storage,
            effects: &mut effects,
            next_timer: &mut *self.next_timer,
            clock_read: std::cell::Cell::new(self.clock_read.get()),
        };
        let result = handler(&mut inner);
        self.clock_read.set(inner.clock_read.get());
        self.effects.extend(effects.into_iter().map(|e| match e {
            Effect::Send(to, msg) => Effect::Send(to, AnyMsg::message::<S>(msg)),
            Effect::SetTimer(id, after, timer) => {
                Effect::SetTimer(id, after, AnyMsg::timer::<S>(timer))
            }
            Effect::CancelTimer(id) => Effect::CancelTimer(id),
            Effect::Reply(client, request, reply) => Effect::Reply(client, request, reply),
            Effect::Log(text) => Effect::Log(text),
        }));
        result
    }
}

/// The [`Node`] half of a wrapper's vtable, written once for every lab: a
/// lab's object trait has this as a supertrait, and [`erased_node!`](crate::erased_node)
/// implements [`Node`] for the wrapper through it. Each handler unwraps its
/// message or timer and runs `S`'s handler through [`Ctx::run_as`]; the
/// queries answer with `S`'s own.
pub trait NodeObject<W: Node<Msg = AnyMsg, Timer = AnyMsg>>: Send + Sync + 'static {
    /// `S`'s `Debug`.
    fn fmt_debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    /// [`Node::on_start`].
    fn on_start(&mut self, ctx: &mut Ctx<'_, W>);
    /// [`Node::on_message`], the message unwrapped.
    fn on_message(&mut self, ctx: &mut Ctx<'_, W>, from: NodeId, msg: AnyMsg);
    /// [`Node::on_timer`], the timer unwrapped.
    fn on_timer(&mut self, ctx: &mut Ctx<'_, W>, timer: AnyMsg);
    /// [`Node::on_request`].
    fn on_request(&mut self, ctx: &mut Ctx<'_, W>, request: Request);
    /// [`Node::role`].
    fn role(&self) -> Option<&str>;
    /// [`Node::summary`].
    fn summary(&self) -> String;
    /// [`Node::inspect`].
    fn inspect(&self) -> View;
    /// [`Node::fingerprint`].
    fn fingerprint(&self, hasher: &mut StableHasher);
    /// [`Node::kept_timer_ids`].
    fn kept_timer_ids(&self) -> Option<Vec<u64>>;
}

impl<S: Node, W: Node<Msg = AnyMsg, Timer = AnyMsg>> NodeObject<W> for S {
    fn fmt_debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Debug::fmt(self, f)
    }
    fn on_start(&mut self, ctx: &mut Ctx<'_, W>) {
        ctx.run_as::<S, _>(|c| Node::on_start(self, c));
    }
    fn on_message(&mut self, ctx: &mut Ctx<'_, W>, from: NodeId, msg: AnyMsg) {
        let msg = msg.into_message::<S>();
        ctx.run_as::<S, _>(|c| Node::on_message(self, c, from, msg));
    }
    fn on_timer(&mut self, ctx: &mut Ctx<'_, W>, timer: AnyMsg) {
        let timer = timer.into_timer::<S>();
        ctx.run_as::<S, _>(|c| Node::on_timer(self, c, timer));
    }
    fn on_request(&mut self, ctx: &mut Ctx<'_, W>, request: Request) {
        ctx.run_as::<S, _>(|c| Node::on_request(self, c, request));
    }
    fn role(&self) -> Option<&str> {
        Node::role(self)
    }
    fn summary(&self) -> String {
        Node::summary(self)
    }
    fn inspect(&self) -> View {
        Node::inspect(self)
    }
    fn fingerprint(&self, hasher: &mut StableHasher) {
        Node::fingerprint(self, hasher);
    }
    fn kept_timer_ids(&self) -> Option<Vec<u64>> {
        Node::kept_timer_ids(self)
    }
}

/// `Clone`, `Debug` and [`Node`] for a wrapper `$wrapper(Box<dyn $object>)`
/// whose object trait has [`NodeObject<$wrapper>`](NodeObject) as a
/// supertrait and a `fn clone_box(&self) -> Box<dyn $object>`.
#[macro_export]
macro_rules! erased_node {
    ($wrapper:ident, $object:ident) => {
        impl Clone for $wrapper {
            fn clone(&self) -> Self {
                $wrapper(self.0.clone_box())
            }
        }

        impl std::fmt::Debug for $wrapper {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt_debug(f)
            }
        }

        impl $crate::sim::Node for $wrapper {
            type Msg = $crate::sim::erased::AnyMsg;
            type Timer = $crate::sim::erased::AnyMsg;

            fn on_start(&mut self, ctx: &mut $crate::sim::Ctx<Self>) {
                self.0.on_start(ctx);
            }
            fn on_message(
                &mut self,
                ctx: &mut $crate::sim::Ctx<Self>,
                from: $crate::sim::NodeId,
                msg: Self::Msg,
            ) {
                self.0.on_message(ctx, from, msg);
            }
            fn on_timer(&mut self, ctx: &mut $crate::sim::Ctx<Self>, timer: Self::Timer) {
                self.0.on_timer(ctx, timer);
            }
            fn on_request(
                &mut self,
                ctx: &mut $crate::sim::Ctx<Self>,
                request: $crate::sim::Request,
            ) {
                self.0.on_request(ctx, request);
            }
            fn role(&self) -> Option<&str> {
                self.0.role()
            }
            fn summary(&self) -> String {
                self.0.summary()
            }
            fn inspect(&self) -> $crate::sim::View {
                self.0.inspect()
            }
            fn inspect_message(message: &Self::Msg) -> $crate::sim::View {
                message.view()
            }
            fn message_summary(message: &Self::Msg) -> String {
                message.summary()
            }
            fn message_kind(message: &Self::Msg) -> Option<&'static str> {
                message.kind()
            }
            fn fingerprint(&self, hasher: &mut $crate::base::hash::StableHasher) {
                self.0.fingerprint(hasher);
            }
            fn kept_timer_ids(&self) -> Option<Vec<u64>> {
                self.0.kept_timer_ids()
            }
        }
    };
}
