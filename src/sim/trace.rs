//! The trace: every processed event, and the run's fingerprint.
//!
//! Two recording levels: [`TraceLevel::Full`] keeps every entry in memory (for
//! the TUI and export); [`TraceLevel::HashOnly`] only folds each entry into the
//! 64-bit trace hash (for sweeps). Both levels compute the same hash.

use super::hash::StableHasher;
use super::ids::{ClientId, Endpoint, NodeId, TimerId};
use super::node::{Node, Reply, Request};
use super::SimTime;
use std::hash::{Hash, Hasher};

/// How much of the trace to keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceLevel {
    /// Only the hash.
    #[default]
    HashOnly,
    /// Every entry, in memory.
    Full,
}

/// What happened to one sent message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SendOutcome {
    /// Will arrive at this time.
    Scheduled(SimTime),
    /// Will arrive twice.
    Duplicated(SimTime, SimTime),
    /// Lost at random.
    Lost,
    /// Dropped by a partition.
    Partitioned,
}

/// One message sent during a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SendRecord {
    /// The message's id (unique in the run).
    pub msg_id: u64,
    /// Sender.
    pub from: Endpoint,
    /// Receiver.
    pub to: Endpoint,
    /// Its fate.
    pub outcome: SendOutcome,
}

/// The event a step processed.
#[derive(Clone, Debug)]
pub enum TraceEvent<N: Node> {
    /// A node booted or restarted.
    Start(NodeId),
    /// A message reached a node that was up.
    Deliver {
        /// Message id.
        msg_id: u64,
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// When it was sent.
        sent_at: SimTime,
        /// The message.
        msg: N::Msg,
    },
    /// A message reached a node that was down and was dropped.
    DeliverToDown {
        /// Message id.
        msg_id: u64,
        /// Sender.
        from: Endpoint,
        /// Receiver (down).
        to: NodeId,
    },
    /// A timer fired.
    Timer {
        /// Whose.
        node: NodeId,
        /// Which.
        id: TimerId,
        /// Payload.
        timer: N::Timer,
    },
    /// A client operation was invoked (the request leaves the client).
    Invoke {
        /// Client.
        client: ClientId,
        /// Node it goes to.
        node: NodeId,
        /// The request.
        request: Box<Request>,
    },
    /// A client request reached a node.
    Request {
        /// Message id.
        msg_id: u64,
        /// Node.
        node: NodeId,
        /// The request.
        request: Box<Request>,
    },
    /// A node's reply reached its client.
    Reply {
        /// Message id.
        msg_id: u64,
        /// Node that answered.
        node: NodeId,
        /// Client.
        client: ClientId,
        /// Request number.
        request_id: u64,
        /// The answer.
        reply: Box<Reply>,
    },
    /// A client's timeout for an operation came due: the client gave up
    /// waiting, or (`answered`) the operation had already ended and the
    /// timeout lapsed with no effect.
    ClientTimeout {
        /// Client.
        client: ClientId,
        /// Request number.
        request_id: u64,
        /// The operation had already ended (answered, or given up on after
        /// too many redirects): nothing timed out. Not folded into the trace
        /// hash: it follows from the events before, and the hashes pinned
        /// before this flag existed stay valid.
        answered: bool,
    },
    /// A client resent its unanswered request (the same id) to `node`.
    Resend {
        /// Client.
        client: ClientId,
        /// Node it goes to now.
        node: NodeId,
        /// The request.
        request: Box<Request>,
    },
    /// A client's timeout came due with `retry = "same-id"`: it sent the
    /// same request (the same id) to `node` and waits another `timeout`.
    Retry {
        /// Client.
        client: ClientId,
        /// Node it goes to now.
        node: NodeId,
        /// The request.
        request: Box<Request>,
    },
    /// An event for a paused node (a message, a request or a timer that
    /// came due) waits until the node resumes, and runs then.
    Held {
        /// The paused node.
        node: NodeId,
        /// When it resumes (true time): the event runs then.
        until: SimTime,
        /// What waits (`message #12 from n0`, `timer #3`, ...).
        what: String,
    },
    /// A message or request reached a node that takes time while all its
    /// workers were busy: it waits in the node's queue (`[service]`).
    Queued {
        /// The busy node.
        node: NodeId,
        /// How many wait now, this one included.
        waiting: usize,
    },
    /// A fault (partition, crash, clock jump, ...).
    Fault(String),
    /// Engine bookkeeping (settle phase, an idle client, ...).
    Control(String),
}

/// Every kind a step can have ([`TraceEvent::kind`]), in a fixed order:
/// what the TUI's log filters on and the run pictures number.
pub const EVENT_KINDS: [&str; 14] = [
    "start",
    "deliver",
    "drop-down",
    "timer",
    "invoke",
    "request",
    "reply",
    "client-timeout",
    "resend",
    "held",
    "fault",
    "control",
    "retry",
    "queued",
];

impl<N: Node> TraceEvent<N> {
    /// A short kind name: `deliver`, `timer`, `fault`, ...
    /// One of [`EVENT_KINDS`].
    pub fn kind(&self) -> &'static str {
        match self {
            TraceEvent::Start(_) => "start",
            TraceEvent::Deliver { .. } => "deliver",
            TraceEvent::DeliverToDown { .. } => "drop-down",
            TraceEvent::Timer { .. } => "timer",
            TraceEvent::Invoke { .. } => "invoke",
            TraceEvent::Request { .. } => "request",
            TraceEvent::Reply { .. } => "reply",
            TraceEvent::ClientTimeout { answered: true, .. } => "control",
            TraceEvent::ClientTimeout { .. } => "client-timeout",
            TraceEvent::Resend { .. } => "resend",
            TraceEvent::Retry { .. } => "retry",
            TraceEvent::Held { .. } => "held",
            TraceEvent::Queued { .. } => "queued",
            TraceEvent::Fault(_) => "fault",
            TraceEvent::Control(_) => "control",
        }
    }

    /// Source endpoint, if any.
    pub fn source(&self) -> Option<Endpoint> {
        match self {
            TraceEvent::Deliver { from, .. } => Some(Endpoint::Node(*from)),
            TraceEvent::DeliverToDown { from, .. } => Some(*from),
            TraceEvent::Invoke { client, .. }
            | TraceEvent::Resend { client, .. }
            | TraceEvent::Retry { client, .. } => Some(Endpoint::Client(*client)),
            TraceEvent::Request { request, .. } => Some(Endpoint::Client(request.client)),
            TraceEvent::Reply { node, .. } => Some(Endpoint::Node(*node)),
            _ => None,
        }
    }

    /// Target endpoint (the node or client the event happened at), if any.
    pub fn target(&self) -> Option<Endpoint> {
        match self {
            TraceEvent::Start(n)
            | TraceEvent::Timer { node: n, .. }
            | TraceEvent::Held { node: n, .. }
            | TraceEvent::Queued { node: n, .. } => Some(Endpoint::Node(*n)),
            TraceEvent::Deliver { to, .. } | TraceEvent::DeliverToDown { to, .. } => {
                Some(Endpoint::Node(*to))
            }
            TraceEvent::Invoke { node, .. }
            | TraceEvent::Request { node, .. }
            | TraceEvent::Resend { node, .. }
            | TraceEvent::Retry { node, .. } => Some(Endpoint::Node(*node)),
            TraceEvent::Reply { client, .. } | TraceEvent::ClientTimeout { client, .. } => {
                Some(Endpoint::Client(*client))
            }
            TraceEvent::Fault(_) | TraceEvent::Control(_) => None,
        }
    }

    /// The message id, for deliveries, drops, requests and replies.
    pub fn msg_id(&self) -> Option<u64> {
        match self {
            TraceEvent::Deliver { msg_id, .. }
            | TraceEvent::DeliverToDown { msg_id, .. }
            | TraceEvent::Request { msg_id, .. }
            | TraceEvent::Reply { msg_id, .. } => Some(*msg_id),
            _ => None,
        }
    }

    /// When a delivered node-to-node message was sent.
    pub fn sent_at(&self) -> Option<SimTime> {
        match self {
            TraceEvent::Deliver { sent_at, .. } => Some(*sent_at),
            _ => None,
        }
    }

    /// A readable label (the message or timer in Debug form, ...).
    pub fn label(&self) -> String {
        // Only a message or a timer needs the node type: the rest is
        // worded once, by `common_label`, not once per node type.
        let common = match self {
            TraceEvent::Deliver { msg, .. } => return debug_text(msg),
            TraceEvent::Timer { timer, .. } => return debug_text(timer),
            TraceEvent::Start(_) => Common::Start,
            TraceEvent::DeliverToDown { msg_id, .. } => Common::DeliverToDown(*msg_id),
            TraceEvent::Invoke { request, .. } | TraceEvent::Request { request, .. } => {
                Common::Request(request)
            }
            TraceEvent::Reply {
                request_id, reply, ..
            } => Common::Reply(*request_id, reply),
            TraceEvent::ClientTimeout {
                request_id,
                answered,
                ..
            } => Common::ClientTimeout(*request_id, *answered),
            TraceEvent::Resend { request, .. } => Common::Resend(request),
            TraceEvent::Retry { request, .. } => Common::Retry(request),
            TraceEvent::Held { until, what, .. } => Common::Held(*until, what),
            TraceEvent::Queued { node, waiting } => Common::Queued(*node, *waiting),
            TraceEvent::Fault(text) | TraceEvent::Control(text) => Common::Text(text),
        };
        common_label(common)
    }

    /// Fold this event into a hash (the same bytes at every trace level).
    pub(crate) fn fold(&self, h: &mut StableHasher) {
        match self {
            TraceEvent::Start(n) => (0u8, n).hash(h),
            TraceEvent::Deliver {
                msg_id,
                from,
                to,
                sent_at,
                msg,
            } => fold_deliver(h, *msg_id, *from, *to, *sent_at, msg),
            TraceEvent::DeliverToDown { msg_id, from, to } => (2u8, msg_id, from, to).hash(h),
            TraceEvent::Timer { node, id, timer } => {
                (3u8, node, id).hash(h);
                timer.hash(h);
            }
            TraceEvent::Invoke {
                client,
                node,
                request,
            } => (4u8, client, node, request).hash(h),
            TraceEvent::Request {
                msg_id,
                node,
                request,
            } => (5u8, msg_id, node, request).hash(h),
            TraceEvent::Reply {
                msg_id,
                node,
                client,
                request_id,
                reply,
            } => (6u8, msg_id, node, client, request_id, reply).hash(h),
            TraceEvent::ClientTimeout {
                client, request_id, ..
            } => (7u8, client, request_id).hash(h),
            TraceEvent::Resend {
                client,
                node,
                request,
            } => (12u8, client, node, request).hash(h),
            TraceEvent::Retry {
                client,
                node,
                request,
            } => (14u8, client, node, request).hash(h),
            TraceEvent::Held { node, until, what } => (13u8, node, until, what).hash(h),
            TraceEvent::Queued { node, waiting } => (20u8, node, waiting).hash(h),
            TraceEvent::Fault(text) => (8u8, text).hash(h),
            TraceEvent::Control(text) => (11u8, text).hash(h),
        }
    }
}

/// What a [`TraceEvent`]'s label says besides a message or a timer,
/// borrowed from the event: [`common_label`] words it for every node type
/// at once.
enum Common<'a> {
    Start,
    DeliverToDown(u64),
    Request(&'a Request),
    Reply(u64, &'a Reply),
    ClientTimeout(u64, bool),
    Resend(&'a Request),
    Retry(&'a Request),
    Held(SimTime, &'a str),
    Queued(NodeId, usize),
    Text(&'a str),
}

/// A value's `Debug` text (a message or a timer), formatted by one
/// non-generic function.
pub(crate) fn debug_text(value: &dyn std::fmt::Debug) -> String {
    format!("{value:?}")
}

/// The label of an event that carries no message or timer.
fn common_label(event: Common<'_>) -> String {
    match event {
        Common::Start => "on_start".into(),
        Common::DeliverToDown(msg_id) => format!("message #{msg_id} dropped: target down"),
        Common::Request(request) => {
            let op = &request.op;
            match &op.key {
                Some(key) => format!("#{} {} {} {}", request.id, op.f, key, op.value),
                None => format!("#{} {} {}", request.id, op.f, op.value),
            }
        }
        Common::Reply(request_id, reply) => format!("#{request_id} {reply:?}"),
        Common::ClientTimeout(request_id, false) => format!("#{request_id} timed out"),
        Common::ClientTimeout(request_id, true) => {
            format!("timeout for #{request_id} lapsed: already answered")
        }
        Common::Resend(request) => format!("#{} resent", request.id),
        Common::Retry(request) => format!("#{} timed out; retried with the same id", request.id),
        Common::Held(until, what) => format!("paused: {what} waits until {until}"),
        Common::Queued(node, waiting) => {
            format!("{node} busy: an arrival waits for a worker ({waiting} waiting)")
        }
        Common::Text(text) => text.to_string(),
    }
}

/// Fold a delivery into the hash without building a [`TraceEvent`] (the hot
/// path at the hash-only level never clones a message).
#[inline]
pub(crate) fn fold_deliver<M: Hash>(
    h: &mut StableHasher,
    msg_id: u64,
    from: NodeId,
    to: NodeId,
    sent_at: SimTime,
    msg: &M,
) {
    (1u8, msg_id, from, to, sent_at).hash(h);
    msg.hash(h);
}

/// One processed step. Its sends and annotations live in the [`Trace`]'s flat
/// arrays (no allocation per step); ask the trace for them.
#[derive(Clone, Debug)]
pub struct TraceEntry<N: Node> {
    /// Step number, from 1.
    pub step: u64,
    /// Virtual (true) time.
    pub time: SimTime,
    /// What happened.
    pub event: TraceEvent<N>,
    sends: (u32, u32),
    annotations: (u32, u32),
}

/// The recorded trace and its running hash.
#[derive(Clone, Debug)]
pub struct Trace<N: Node> {
    level: TraceLevel,
    hasher: StableHasher,
    entries: Vec<TraceEntry<N>>,
    sends: Vec<SendRecord>,
    annotations: Vec<String>,
    step_sends: u32,
    step_annotations: u32,
}

impl<N: Node> Trace<N> {
    /// An empty trace at `level`.
    pub fn new(level: TraceLevel) -> Self {
        Trace {
            level,
            hasher: StableHasher::new(),
            entries: Vec::new(),
            sends: Vec::new(),
            annotations: Vec::new(),
            step_sends: 0,
            step_annotations: 0,
        }
    }

    /// The recording level.
    pub fn level(&self) -> TraceLevel {
        self.level
    }

    /// The running hasher: the engine folds each step into it as it goes.
    pub(crate) fn hasher(&mut self) -> &mut StableHasher {
        &mut self.hasher
    }

    /// Note a send of the current step (full level only).
    pub(crate) fn note_send(&mut self, send: SendRecord) {
        if self.level == TraceLevel::Full {
            self.sends.push(send);
        }
    }

    /// Note an annotation of the current step (full level only).
    pub(crate) fn note_annotation(&mut self, text: String) {
        if self.level == TraceLevel::Full {
            self.annotations.push(text);
        }
    }

    /// Close the current step: keep its entry with the sends and annotations
    /// noted since the previous one (full level only; the hash is folded already).
    pub(crate) fn push(&mut self, step: u64, time: SimTime, event: TraceEvent<N>) {
        let sends_end = self.sends.len() as u32;
        let notes_end = self.annotations.len() as u32;
        self.entries.push(TraceEntry {
            step,
            time,
            event,
            sends: (self.step_sends, sends_end),
            annotations: (self.step_annotations, notes_end),
        });
        self.step_sends = sends_end;
        self.step_annotations = notes_end;
    }

    /// The messages sent while handling `entry`.
    pub fn sends_of(&self, entry: &TraceEntry<N>) -> &[SendRecord] {
        &self.sends[entry.sends.0 as usize..entry.sends.1 as usize]
    }

    /// The annotations logged while handling `entry`.
    pub fn annotations_of(&self, entry: &TraceEntry<N>) -> &[String] {
        &self.annotations[entry.annotations.0 as usize..entry.annotations.1 as usize]
    }

    /// The fingerprint of everything recorded so far.
    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }

    /// Entries kept (empty at the hash-only level).
    pub fn entries(&self) -> &[TraceEntry<N>] {
        &self.entries
    }

    /// Forget the kept entries (a streaming export wrote them out), keeping
    /// any sends and annotations noted for the step in progress. The hash is
    /// not affected; memory is reused.
    pub(crate) fn clear_kept(&mut self) {
        self.entries.clear();
        self.sends.drain(..self.step_sends as usize);
        self.annotations.drain(..self.step_annotations as usize);
        self.step_sends = 0;
        self.step_annotations = 0;
    }
}

/// The kept part of a [`Trace`] (entries and their flat arrays), detached
/// from its world. Time travel keeps one of these for the whole run instead
/// of cloning it into every snapshot: see [`crate::sim::Timeline`].
#[derive(Debug)]
pub(crate) struct TraceLog<N: Node> {
    entries: Vec<TraceEntry<N>>,
    sends: Vec<SendRecord>,
    annotations: Vec<String>,
}

impl<N: Node> TraceLog<N> {
    /// Lengths of the three arrays: (entries, sends, annotations).
    pub(crate) fn lens(&self) -> [usize; 3] {
        [self.entries.len(), self.sends.len(), self.annotations.len()]
    }

    /// Drop everything past the given lengths (as returned by [`Self::lens`]).
    pub(crate) fn truncate(&mut self, lens: [usize; 3]) {
        self.entries.truncate(lens[0]);
        self.sends.truncate(lens[1]);
        self.annotations.truncate(lens[2]);
    }
}

impl<N: Node> Trace<N> {
    /// Detach the kept entries, leaving this trace's hash and step counters
    /// in place (so a clone of it is small and still folds the same hash).
    pub(crate) fn take_log(&mut self) -> TraceLog<N> {
        TraceLog {
            entries: std::mem::take(&mut self.entries),
            sends: std::mem::take(&mut self.sends),
            annotations: std::mem::take(&mut self.annotations),
        }
    }

    /// Re-attach a log taken with [`Self::take_log`] (or truncated to match
    /// this trace's step counters).
    pub(crate) fn put_log(&mut self, log: TraceLog<N>) {
        debug_assert_eq!(log.sends.len(), self.step_sends as usize);
        debug_assert_eq!(log.annotations.len(), self.step_annotations as usize);
        self.entries = log.entries;
        self.sends = log.sends;
        self.annotations = log.annotations;
    }
}

/// Format a trace hash as `0x` and 16 hex digits.
pub fn format_hash(hash: u64) -> String {
    format!("{hash:#018x}")
}
