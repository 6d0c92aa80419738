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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

impl Hash for SendRecord {
    /// What `#[derive(Hash)]` hashed (the fields in order: `msg_id`,
    /// `from`, `to`, `outcome`; pinned trace hashes depend on it), spelled
    /// out so that it can be inlined into the send path (the derived one
    /// was a call per send).
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.msg_id.hash(state);
        self.from.hash(state);
        self.to.hash(state);
        self.outcome.hash(state);
    }
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

/// One processed step: its time and event, as [`Trace::entry`] and
/// [`Trace::entries`] give it back. The trace does not store entries in
/// this form: it keeps a 12-byte `Slot` per step and the parts that do
/// not follow from their neighbours in side arrays (a delivery refers to
/// the send record that scheduled it; messages, timers and other events
/// out of line), and rebuilds the entry when asked. Its step number,
/// sends and annotations: ask the trace by the entry's index
/// ([`Trace::step_at`], [`Trace::sends_at`], [`Trace::annotations_at`]).
#[derive(Clone, Debug)]
pub struct TraceEntry<N: Node> {
    /// Virtual (true) time.
    pub time: SimTime,
    /// What happened.
    pub event: TraceEvent<N>,
}

/// A [`SendRecord`] as the full trace keeps it: 16 bytes instead of 48.
/// The message id is implicit (consecutive ids are the rule: see
/// [`TraceLog::id_jumps`]), the outcome's kind sits in two spare bits of
/// `from`, and a duplicate's second arrival in [`TraceLog::copies`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PackedSend {
    /// The (first) arrival time; zero for a lost or cut message.
    at: SimTime,
    /// The sender ([`pack_endpoint`]) with the outcome's kind in bits 29–30.
    from: u32,
    /// The receiver ([`pack_endpoint`]).
    to: u32,
}

/// Bit 31 of a packed endpoint: a client (else a node).
const CLIENT_BIT: u32 = 1 << 31;
/// Where a packed send keeps its outcome's kind, in `from`.
const KIND_SHIFT: u32 = 29;
/// The id bits of a packed endpoint (ids are far below 2^29: at most
/// [`crate::scenario::MAX_NODES`] nodes, and a scenario's clients).
const ID_MASK: u32 = (1 << KIND_SHIFT) - 1;

fn pack_endpoint(endpoint: Endpoint) -> u32 {
    let (id, client) = match endpoint {
        Endpoint::Node(n) => (n.0, 0),
        Endpoint::Client(c) => (c.0, CLIENT_BIT),
    };
    assert!(id <= ID_MASK, "endpoint id {id} too large for the trace");
    id | client
}

fn unpack_endpoint(bits: u32) -> Endpoint {
    let id = bits & ID_MASK;
    if bits & CLIENT_BIT != 0 {
        Endpoint::Client(ClientId(id))
    } else {
        Endpoint::Node(NodeId(id))
    }
}

impl PackedSend {
    /// Pack `send`; the second time of a duplicate is the caller's to keep.
    fn pack(send: &SendRecord) -> PackedSend {
        let (kind, at) = match send.outcome {
            SendOutcome::Scheduled(at) => (0, at),
            SendOutcome::Duplicated(at, _) => (1, at),
            SendOutcome::Lost => (2, SimTime::ZERO),
            SendOutcome::Partitioned => (3, SimTime::ZERO),
        };
        PackedSend {
            at,
            from: pack_endpoint(send.from) | (kind << KIND_SHIFT),
            to: pack_endpoint(send.to),
        }
    }

    /// The record, given its message id and (for a duplicate) the copy's
    /// arrival.
    fn unpack(self, msg_id: u64, copy_at: impl FnOnce() -> SimTime) -> SendRecord {
        let outcome = match (self.from >> KIND_SHIFT) & 3 {
            0 => SendOutcome::Scheduled(self.at),
            1 => SendOutcome::Duplicated(self.at, copy_at()),
            2 => SendOutcome::Lost,
            _ => SendOutcome::Partitioned,
        };
        SendRecord {
            msg_id,
            from: unpack_endpoint(self.from & !(3 << KIND_SHIFT)),
            to: unpack_endpoint(self.to),
            outcome,
        }
    }
}

/// A node type with no message and no timer: the trace keeps the events
/// that carry neither (client traffic, faults, control, ...) as
/// `TraceEvent<Bare>`, which is as large as the largest of those (40
/// bytes) rather than as the protocol's largest message.
#[derive(Clone, Debug)]
pub(crate) struct Bare;

impl Node for Bare {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut crate::sim::Ctx<Self>) {}
    fn on_message(&mut self, _: &mut crate::sim::Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut crate::sim::Ctx<Self>, _: ()) {}
}

/// An event with no message and no timer, moved from one node type's trace
/// to another's: to the [`Bare`] type when kept, back when read
/// ([`from_bare`]). Deliveries and timers are kept otherwise ([`Kept`]).
fn rebase<A: Node, B: Node>(event: TraceEvent<A>) -> TraceEvent<B> {
    match event {
        TraceEvent::Start(n) => TraceEvent::Start(n),
        TraceEvent::DeliverToDown { msg_id, from, to } => {
            TraceEvent::DeliverToDown { msg_id, from, to }
        }
        TraceEvent::Invoke {
            client,
            node,
            request,
        } => TraceEvent::Invoke {
            client,
            node,
            request,
        },
        TraceEvent::Request {
            msg_id,
            node,
            request,
        } => TraceEvent::Request {
            msg_id,
            node,
            request,
        },
        TraceEvent::Reply {
            msg_id,
            node,
            client,
            request_id,
            reply,
        } => TraceEvent::Reply {
            msg_id,
            node,
            client,
            request_id,
            reply,
        },
        TraceEvent::ClientTimeout {
            client,
            request_id,
            answered,
        } => TraceEvent::ClientTimeout {
            client,
            request_id,
            answered,
        },
        TraceEvent::Resend {
            client,
            node,
            request,
        } => TraceEvent::Resend {
            client,
            node,
            request,
        },
        TraceEvent::Retry {
            client,
            node,
            request,
        } => TraceEvent::Retry {
            client,
            node,
            request,
        },
        TraceEvent::Held { node, until, what } => TraceEvent::Held { node, until, what },
        TraceEvent::Queued { node, waiting } => TraceEvent::Queued { node, waiting },
        TraceEvent::Fault(text) => TraceEvent::Fault(text),
        TraceEvent::Control(text) => TraceEvent::Control(text),
        TraceEvent::Deliver { .. } | TraceEvent::Timer { .. } => {
            unreachable!("deliveries and timers are kept as such, never bare")
        }
    }
}

/// An event with no message and no timer, moved to the [`Bare`] type.
fn to_bare<N: Node>(event: TraceEvent<N>) -> TraceEvent<Bare> {
    rebase(event)
}

/// [`to_bare`] undone: the event as its node type's trace shows it.
fn from_bare<N: Node>(event: &TraceEvent<Bare>) -> TraceEvent<N> {
    rebase(event.clone())
}

/// A kept step's event, decoded from its [`Slot`]: its kind and one
/// `u32` operand, pointing into the [`TraceLog`]'s side arrays. A
/// delivery's message and a timer's payload are found by position: the
/// `k`-th delivery (kept or loose) holds `messages[k]`, the `k`-th timer
/// `timers[k]` ([`TraceLog::counts_before`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kept {
    /// A delivery of the message sent by send record `send`: its id,
    /// sender, receiver and send time (the time of the slot that sent
    /// it) are that record's.
    Deliver { send: u32 },
    /// A delivery whose send record does not give it (the send was
    /// cleared by a streaming export, or left at another time than its
    /// slot's: a node that takes time): `loose[at]`.
    Loose { at: u32 },
    /// `on_start`.
    Start(NodeId),
    /// A timer of `node`.
    Timer { node: NodeId },
    /// Any other event: `others[at]`.
    Other(u32),
}

/// Where a [`Slot`]'s `head` keeps the event's kind.
const SLOT_KIND_SHIFT: u32 = 29;
/// The send count bits of a [`Slot`]'s `head`.
const SLOT_SENDS_MASK: u32 = (1 << SLOT_KIND_SHIFT) - 1;
/// The slot kinds, in `head`'s top three bits.
const DELIVER: u32 = 0;
const LOOSE: u32 = 1;
const START: u32 = 2;
const TIMER: u32 = 3;
const OTHER: u32 = 4;

/// A kept step: 12 bytes. What does not fit follows from the side
/// arrays: the time's high 32 bits from [`TraceLog::time_highs`] (they
/// change every 4.3 virtual seconds), where the step's sends start from
/// [`TraceLog::send_marks`] plus the counts of the slots between, and a
/// delivery's message or a timer's payload from its position
/// ([`Kept`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    /// The event's kind (bits 29–31) and how many sends the step made
    /// (bits 0–28).
    head: u32,
    /// The low 32 bits of the virtual (true) time.
    time_lo: u32,
    /// The kind's operand ([`Kept`]): a send, a `loose` or `others`
    /// index, or a node.
    arg: u32,
}

impl Slot {
    fn new(kept: Kept, time: SimTime, sends: u32) -> Slot {
        assert!(
            sends <= SLOT_SENDS_MASK,
            "a step made {sends} sends: more than the trace keeps per step"
        );
        let (kind, arg) = match kept {
            Kept::Deliver { send } => (DELIVER, send),
            Kept::Loose { at } => (LOOSE, at),
            Kept::Start(node) => (START, node.0),
            Kept::Timer { node } => (TIMER, node.0),
            Kept::Other(at) => (OTHER, at),
        };
        Slot {
            head: (kind << SLOT_KIND_SHIFT) | sends,
            time_lo: time.0 as u32,
            arg,
        }
    }

    #[inline]
    fn kind(self) -> u32 {
        self.head >> SLOT_KIND_SHIFT
    }

    /// How many sends the step made.
    #[inline]
    fn sends(self) -> u32 {
        self.head & SLOT_SENDS_MASK
    }

    /// A delivery (kept or loose): it holds the next message.
    #[inline]
    fn has_message(self) -> bool {
        self.kind() <= LOOSE
    }

    fn kept(self) -> Kept {
        match self.kind() {
            DELIVER => Kept::Deliver { send: self.arg },
            LOOSE => Kept::Loose { at: self.arg },
            START => Kept::Start(NodeId(self.arg)),
            TIMER => Kept::Timer {
                node: NodeId(self.arg),
            },
            _ => Kept::Other(self.arg),
        }
    }
}

/// A send mark every this many slots ([`TraceLog::send_marks`]).
const SEND_MARK_SHIFT: u32 = 4;
/// A count mark every this many slots ([`TraceLog::count_marks`]).
const COUNT_MARK_SHIFT: u32 = 6;

/// A delivery that does not follow from its send record ([`Kept::Loose`]).
#[derive(Clone, Copy, Debug)]
struct Loose {
    msg_id: u64,
    sent_at: SimTime,
    from: NodeId,
    to: NodeId,
}

/// The lengths of a [`TraceLog`]'s growing arrays: where a time-travel
/// restore cuts it back to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TraceLens {
    slots: usize,
    sends: usize,
    annotations: usize,
    messages: usize,
    timers: usize,
    others: usize,
    loose: usize,
}

/// The kept part of a [`Trace`]: one 12-byte [`Slot`] per step and side
/// arrays. Each side array is indexed by slot (or send) position and
/// holds only what cannot be derived, so a pingpong step costs its
/// slot, its message and its send's 16 bytes (and a little over a third
/// of a byte of marks). Time travel keeps one of these for the whole run
/// instead of cloning it into every snapshot: see
/// [`crate::sim::Timeline`].
#[derive(Clone, Debug)]
pub(crate) struct TraceLog<N: Node> {
    slots: Vec<Slot>,
    /// `(slot, high)` where the time's high 32 bits differ from the
    /// previous slot's (zero before the first slot).
    time_highs: Vec<(u32, u32)>,
    /// The first send of slot `16 k`, for each `k`: a slot's sends start
    /// at its mark's plus the counts of the slots between.
    send_marks: Vec<u32>,
    /// The messages and timers kept before slot `64 k`, for each `k`.
    count_marks: Vec<(u32, u32)>,
    /// `(slot, step)` where the step number is not one more than the
    /// previous slot's (the first slot, and after a step that kept no
    /// entry): slot `i`'s step is the last jump's step plus the distance.
    step_jumps: Vec<(u32, u64)>,
    sends: Vec<PackedSend>,
    /// `(send, msg_id)` where the message id is not one more than the
    /// previous send's (the first send, and after an id no send recorded).
    id_jumps: Vec<(u32, u64)>,
    /// `(send, second arrival)` for each duplicated send.
    copies: Vec<(u32, SimTime)>,
    annotations: Vec<String>,
    /// `(slot, end)` for the slots with annotations (almost none):
    /// slot's annotations end at `end` and start at the previous mark's
    /// end.
    annotation_marks: Vec<(u32, u32)>,
    /// Delivered messages, in order of delivery.
    messages: Vec<N::Msg>,
    /// Fired timers, in order.
    timers: Vec<(TimerId, N::Timer)>,
    /// The events that carry no message or timer.
    others: Vec<TraceEvent<Bare>>,
    /// The deliveries their send records do not give.
    loose: Vec<Loose>,
    /// The step number and message id that follow the last slot's and
    /// the last send's without a jump, and the last slot's time's high
    /// bits (derived from the arrays, kept so a push need not search the
    /// jumps).
    next_step: Option<u64>,
    next_msg_id: Option<u64>,
    time_high: u32,
}

impl<N: Node> Default for TraceLog<N> {
    fn default() -> Self {
        TraceLog {
            slots: Vec::new(),
            time_highs: Vec::new(),
            send_marks: Vec::new(),
            count_marks: Vec::new(),
            step_jumps: Vec::new(),
            sends: Vec::new(),
            id_jumps: Vec::new(),
            copies: Vec::new(),
            annotations: Vec::new(),
            annotation_marks: Vec::new(),
            messages: Vec::new(),
            timers: Vec::new(),
            others: Vec::new(),
            loose: Vec::new(),
            next_step: None,
            next_msg_id: None,
            time_high: 0,
        }
    }
}

/// A position as the side arrays store it.
fn index32(i: usize) -> u32 {
    u32::try_from(i).expect("a kept trace holds fewer than 2^32 entries and sends")
}

/// The value at `i` of a sequence stored as jumps (`(index, value)`, the
/// value growing by one per index between jumps).
fn jumped(jumps: &[(u32, u64)], i: usize) -> u64 {
    let after = jumps.partition_point(|&(at, _)| at as usize <= i);
    let (at, value) = jumps[after - 1];
    value + (i - at as usize) as u64
}

/// Drop the jumps (or marks) at index `len` or later.
fn cut_jumps<T>(jumps: &mut Vec<(u32, T)>, len: usize) {
    let keep = jumps.partition_point(|&(at, _)| (at as usize) < len);
    jumps.truncate(keep);
}

/// The high 32 bits of slot `i`'s time.
fn time_high(highs: &[(u32, u32)], i: usize) -> u32 {
    match highs.partition_point(|&(at, _)| at as usize <= i) {
        0 => 0,
        after => highs[after - 1].1,
    }
}

/// The node of a packed endpoint known to be one.
fn packed_node(bits: u32) -> NodeId {
    NodeId(bits & ID_MASK)
}

/// The sender bits of a packed send, without the outcome's kind.
const FROM_MASK: u32 = !(3 << KIND_SHIFT);

impl<N: Node> TraceLog<N> {
    /// Lengths of the growing arrays.
    pub(crate) fn lens(&self) -> TraceLens {
        TraceLens {
            slots: self.slots.len(),
            sends: self.sends.len(),
            annotations: self.annotations.len(),
            messages: self.messages.len(),
            timers: self.timers.len(),
            others: self.others.len(),
            loose: self.loose.len(),
        }
    }

    /// Drop everything past the given lengths (as returned by [`Self::lens`]).
    /// Kept deliveries only refer to sends of earlier slots, which stay.
    pub(crate) fn truncate(&mut self, lens: TraceLens) {
        self.slots.truncate(lens.slots);
        cut_jumps(&mut self.time_highs, lens.slots);
        let marks = |shift: u32| (lens.slots + (1 << shift) - 1) >> shift;
        self.send_marks.truncate(marks(SEND_MARK_SHIFT));
        self.count_marks.truncate(marks(COUNT_MARK_SHIFT));
        cut_jumps(&mut self.step_jumps, lens.slots);
        cut_jumps(&mut self.annotation_marks, lens.slots);
        self.sends.truncate(lens.sends);
        cut_jumps(&mut self.id_jumps, lens.sends);
        cut_jumps(&mut self.copies, lens.sends);
        self.annotations.truncate(lens.annotations);
        self.messages.truncate(lens.messages);
        self.timers.truncate(lens.timers);
        self.others.truncate(lens.others);
        self.loose.truncate(lens.loose);
        self.next_step = (self.slots.len())
            .checked_sub(1)
            .and_then(|last| jumped(&self.step_jumps, last).checked_add(1));
        self.next_msg_id = (self.sends.len())
            .checked_sub(1)
            .and_then(|last| jumped(&self.id_jumps, last).checked_add(1));
        self.time_high = self.time_highs.last().map_or(0, |&(_, high)| high);
    }

    #[inline]
    fn push_send(&mut self, send: &SendRecord) {
        let i = self.sends.len();
        if self.next_msg_id != Some(send.msg_id) {
            self.id_jumps.push((index32(i), send.msg_id));
        }
        self.next_msg_id = send.msg_id.checked_add(1);
        if let SendOutcome::Duplicated(_, copy_at) = send.outcome {
            self.copies.push((index32(i), copy_at));
        }
        self.sends.push(PackedSend::pack(send));
    }

    /// Keep a step: its slot (after its event is kept by [`Self::keep`]),
    /// with the marks that fall on it. `send_start` is where its sends
    /// start; they end at the end of `sends`.
    #[inline]
    fn push_slot(&mut self, time: SimTime, kept: Kept, send_start: u32, counts: (u32, u32)) {
        let i = self.slots.len();
        if i & ((1 << SEND_MARK_SHIFT) - 1) == 0 {
            self.send_marks.push(send_start);
            if i & ((1 << COUNT_MARK_SHIFT) - 1) == 0 {
                self.count_marks.push(counts);
            }
        }
        let high = (time.0 >> 32) as u32;
        if high != self.time_high {
            self.time_highs.push((index32(i), high));
            self.time_high = high;
        }
        let sends = index32(self.sends.len()) - send_start;
        self.slots.push(Slot::new(kept, time, sends));
    }

    fn send(&self, i: usize) -> SendRecord {
        let copy_at = || {
            let at = self.copies.partition_point(|&(at, _)| (at as usize) < i);
            self.copies[at].1
        };
        self.sends[i].unpack(jumped(&self.id_jumps, i), copy_at)
    }

    /// Slot `i`'s time.
    fn time(&self, i: usize) -> SimTime {
        let high = match self.time_highs.last() {
            // The common case: no change of the high bits since slot `i`.
            Some(&(at, high)) if at as usize <= i => high,
            None => 0,
            Some(_) => time_high(&self.time_highs, i),
        };
        SimTime((u64::from(high) << 32) | u64::from(self.slots[i].time_lo))
    }

    /// Where slot `i`'s sends start.
    fn send_start(&self, i: usize) -> u32 {
        let mark = i >> SEND_MARK_SHIFT;
        let from = mark << SEND_MARK_SHIFT;
        let between: u32 = self.slots[from..i].iter().map(|s| s.sends()).sum();
        self.send_marks[mark] + between
    }

    /// The messages and timers kept before slot `i`: slot `i`'s message
    /// (a delivery) is `messages` at the first, its timer (a timer)
    /// `timers` at the second.
    fn counts_before(&self, i: usize) -> (usize, usize) {
        let mark = i >> COUNT_MARK_SHIFT;
        let (mut messages, mut timers) = self.count_marks[mark];
        for slot in &self.slots[mark << COUNT_MARK_SHIFT..i] {
            messages += u32::from(slot.has_message());
            timers += u32::from(slot.kind() == TIMER);
        }
        (messages as usize, timers as usize)
    }

    /// The slot whose sends include send `i` (which must belong to a
    /// slot: below the trace's `step_sends`). Finds the last send mark at
    /// or before it, looking back from the end first (a message is
    /// delivered soon after it is sent), then walks that mark's slots.
    #[inline]
    fn slot_of_send(&self, i: u32) -> Option<usize> {
        let marks = &self.send_marks;
        let mut mark = marks.len().checked_sub(1)?;
        let mut probes = 0;
        while marks[mark] > i {
            probes += 1;
            if probes == 4 {
                mark = marks[..mark]
                    .partition_point(|&start| start <= i)
                    .checked_sub(1)?;
                break;
            }
            mark = mark.checked_sub(1)?;
        }
        let from = mark << SEND_MARK_SHIFT;
        let mut end = marks[mark];
        for (j, slot) in self.slots[from..].iter().enumerate() {
            end += slot.sends();
            if i < end {
                return Some(from + j);
            }
        }
        None
    }

    /// The send record of a delivery of message `msg_id` from `from` to
    /// `to` sent at `sent_at`, if the log holds it among the sends before
    /// `before` (those of kept slots) and it gives back exactly those
    /// fields.
    #[inline]
    fn send_of(
        &self,
        msg_id: u64,
        (from, to): (NodeId, NodeId),
        sent_at: SimTime,
        before: u32,
    ) -> Option<u32> {
        let ids = &self.id_jumps;
        let run = ids
            .partition_point(|&(_, id)| id <= msg_id)
            .checked_sub(1)?;
        let (start, first) = ids[run];
        let end = ids.get(run + 1).map_or(before, |&(at, _)| at.min(before));
        let i = u64::from(start).checked_add(msg_id.checked_sub(first)?)?;
        if i >= u64::from(end) {
            return None;
        }
        let i = i as u32;
        let send = self.sends[i as usize];
        let ends = (
            pack_endpoint(Endpoint::Node(from)),
            pack_endpoint(Endpoint::Node(to)),
        );
        if (send.from & FROM_MASK, send.to) != ends {
            return None;
        }
        let slot = self.slot_of_send(i)?;
        (self.time(slot) == sent_at).then_some(i)
    }

    /// Keep one step's event (its message, timer or other event in the
    /// side arrays), given where its sends start.
    #[inline]
    fn keep(&mut self, event: TraceEvent<N>, before: u32) -> Kept {
        match event {
            TraceEvent::Deliver {
                msg_id,
                from,
                to,
                sent_at,
                msg,
            } => {
                self.messages.push(msg);
                match self.send_of(msg_id, (from, to), sent_at, before) {
                    Some(send) => Kept::Deliver { send },
                    None => {
                        let at = index32(self.loose.len());
                        self.loose.push(Loose {
                            msg_id,
                            sent_at,
                            from,
                            to,
                        });
                        Kept::Loose { at }
                    }
                }
            }
            TraceEvent::Timer { node, id, timer } => {
                self.timers.push((id, timer));
                Kept::Timer { node }
            }
            TraceEvent::Start(node) => Kept::Start(node),
            other => {
                let at = index32(self.others.len());
                self.others.push(to_bare(other));
                Kept::Other(at)
            }
        }
    }

    /// A delivery's message id, ends and send time from send `send`.
    fn delivery(&self, send: u32) -> (u64, NodeId, NodeId, SimTime) {
        let i = send as usize;
        let packed = self.sends[i];
        let at = self
            .slot_of_send(send)
            .expect("a kept delivery's send belongs to a slot");
        (
            jumped(&self.id_jumps, i),
            packed_node(packed.from & FROM_MASK),
            packed_node(packed.to),
            self.time(at),
        )
    }

    /// The event of a kept step, as it was pushed, given the messages and
    /// timers kept before it ([`Self::counts_before`]).
    fn event(&self, kept: Kept, (message, timer): (usize, usize)) -> TraceEvent<N> {
        match kept {
            Kept::Deliver { send } => {
                let (msg_id, from, to, sent_at) = self.delivery(send);
                TraceEvent::Deliver {
                    msg_id,
                    from,
                    to,
                    sent_at,
                    msg: self.messages[message].clone(),
                }
            }
            Kept::Loose { at } => {
                let l = self.loose[at as usize];
                TraceEvent::Deliver {
                    msg_id: l.msg_id,
                    from: l.from,
                    to: l.to,
                    sent_at: l.sent_at,
                    msg: self.messages[message].clone(),
                }
            }
            Kept::Start(node) => TraceEvent::Start(node),
            Kept::Timer { node } => {
                let (id, timer) = &self.timers[timer];
                TraceEvent::Timer {
                    node,
                    id: *id,
                    timer: timer.clone(),
                }
            }
            Kept::Other(at) => from_bare(&self.others[at as usize]),
        }
    }

    /// A kept step's kind, source and target, without rebuilding it.
    fn shape(&self, kept: Kept) -> (&'static str, Option<Endpoint>, Option<Endpoint>) {
        let node = |n| Some(Endpoint::Node(n));
        match kept {
            Kept::Deliver { send } => {
                let packed = self.sends[send as usize];
                (
                    "deliver",
                    node(packed_node(packed.from & FROM_MASK)),
                    node(packed_node(packed.to)),
                )
            }
            Kept::Loose { at } => {
                let l = self.loose[at as usize];
                ("deliver", node(l.from), node(l.to))
            }
            Kept::Start(n) => ("start", None, node(n)),
            Kept::Timer { node: n } => ("timer", None, node(n)),
            Kept::Other(at) => {
                let e = &self.others[at as usize];
                (e.kind(), e.source(), e.target())
            }
        }
    }
}

/// The kept entries in order ([`Trace::entries`]): walks the slots with
/// the running counts of messages, timers and time's high bits, so each
/// entry costs what rebuilding it does.
struct Entries<'a, N: Node> {
    log: Option<&'a TraceLog<N>>,
    next: usize,
    counts: (usize, usize),
    /// The next `time_highs` jump and the high bits until it.
    high_at: usize,
    high: u32,
}

impl<N: Node> Iterator for Entries<'_, N> {
    type Item = TraceEntry<N>;

    fn next(&mut self) -> Option<TraceEntry<N>> {
        let log = self.log?;
        let i = self.next;
        let slot = *log.slots.get(i)?;
        self.next += 1;
        while let Some(&(at, high)) = log.time_highs.get(self.high_at) {
            if at as usize > i {
                break;
            }
            self.high = high;
            self.high_at += 1;
        }
        let time = SimTime((u64::from(self.high) << 32) | u64::from(slot.time_lo));
        let event = log.event(slot.kept(), self.counts);
        self.counts.0 += usize::from(slot.has_message());
        self.counts.1 += usize::from(slot.kind() == TIMER);
        Some(TraceEntry { time, event })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.log.map_or(0, |log| log.slots.len() - self.next);
        (left, Some(left))
    }
}

impl<N: Node> ExactSizeIterator for Entries<'_, N> {}

/// The recorded trace and its running hash.
#[derive(Clone, Debug)]
pub struct Trace<N: Node> {
    level: TraceLevel,
    hasher: StableHasher,
    /// `None` until the full level keeps something: a hash-only trace (the
    /// explorer clones one with every world) is a few words.
    log: Option<Box<TraceLog<N>>>,
    /// Sends and annotations noted before the step in progress.
    step_sends: u32,
    step_annotations: u32,
}

impl<N: Node> Trace<N> {
    /// An empty trace at `level`.
    pub fn new(level: TraceLevel) -> Self {
        Trace {
            level,
            hasher: StableHasher::new(),
            log: None,
            step_sends: 0,
            step_annotations: 0,
        }
    }

    /// The recording level.
    pub fn level(&self) -> TraceLevel {
        self.level
    }

    /// The running hasher: the engine folds each step into it as it goes.
    #[inline]
    pub(crate) fn hasher(&mut self) -> &mut StableHasher {
        &mut self.hasher
    }

    /// Note a send of the current step (full level only).
    #[inline]
    pub(crate) fn note_send(&mut self, send: SendRecord) {
        if self.level == TraceLevel::Full {
            self.log_mut().push_send(&send);
        }
    }

    /// Note an annotation of the current step (full level only).
    pub(crate) fn note_annotation(&mut self, text: String) {
        if self.level == TraceLevel::Full {
            self.log_mut().annotations.push(text);
        }
    }

    /// Close the current step: keep its entry with the sends and annotations
    /// noted since the previous one (full level only; the hash is folded already).
    pub(crate) fn push(&mut self, step: u64, time: SimTime, event: TraceEvent<N>) {
        let (step_sends, step_annotations) = (self.step_sends, self.step_annotations);
        let log = self.log_mut();
        let i = log.slots.len();
        if log.next_step != Some(step) {
            log.step_jumps.push((index32(i), step));
        }
        log.next_step = step.checked_add(1);
        let notes_end = index32(log.annotations.len());
        if notes_end != step_annotations {
            log.annotation_marks.push((index32(i), notes_end));
        }
        let counts = (index32(log.messages.len()), index32(log.timers.len()));
        let kept = log.keep(event, step_sends);
        log.push_slot(time, kept, step_sends, counts);
        let sends_end = index32(log.sends.len());
        self.step_sends = sends_end;
        self.step_annotations = notes_end;
    }

    /// The number of kept entries (zero at the hash-only level).
    pub fn len(&self) -> usize {
        self.log.as_deref().map_or(0, |log| log.slots.len())
    }

    /// True when no entry is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Kept entry `index`, rebuilt (its message or timer cloned).
    pub fn entry(&self, index: usize) -> Option<TraceEntry<N>> {
        let log = self.log.as_deref()?;
        let slot = log.slots.get(index)?;
        Some(TraceEntry {
            time: log.time(index),
            event: log.event(slot.kept(), log.counts_before(index)),
        })
    }

    /// The kept entries in order, each rebuilt as [`Trace::entry`] does
    /// (empty at the hash-only level).
    pub fn entries(&self) -> impl ExactSizeIterator<Item = TraceEntry<N>> + '_ {
        Entries {
            log: self.log.as_deref(),
            next: 0,
            counts: (0, 0),
            high_at: 0,
            high: 0,
        }
    }

    /// The time of kept entry `index`.
    pub fn time_at(&self, index: usize) -> Option<SimTime> {
        let log = self.log.as_deref()?;
        (index < log.slots.len()).then(|| log.time(index))
    }

    /// Kept entry `index`'s kind ([`TraceEvent::kind`]), source and
    /// target, without rebuilding the entry (what a log filter reads).
    pub fn kind_at(
        &self,
        index: usize,
    ) -> Option<(&'static str, Option<Endpoint>, Option<Endpoint>)> {
        let log = self.log.as_deref()?;
        log.slots.get(index).map(|slot| log.shape(slot.kept()))
    }

    /// The step number of entry `index` (`None` past the kept entries).
    pub fn step_at(&self, index: usize) -> Option<u64> {
        let log = self.log.as_deref()?;
        (index < log.slots.len()).then(|| jumped(&log.step_jumps, index))
    }

    /// The messages sent while handling entry `index` (empty past the
    /// kept entries).
    pub fn sends_at(&self, index: usize) -> Vec<SendRecord> {
        let Some(log) = self.log.as_deref() else {
            return Vec::new();
        };
        let Some(slot) = log.slots.get(index) else {
            return Vec::new();
        };
        let start = log.send_start(index);
        let end = start + slot.sends();
        (start as usize..end as usize)
            .map(|i| log.send(i))
            .collect()
    }

    /// The annotations logged while handling entry `index`.
    pub fn annotations_at(&self, index: usize) -> &[String] {
        let Some(log) = self.log.as_deref() else {
            return &[];
        };
        let marks = &log.annotation_marks;
        let at = marks.partition_point(|&(entry, _)| (entry as usize) < index);
        match marks.get(at) {
            Some(&(entry, end)) if entry as usize == index => {
                let start = at.checked_sub(1).map_or(0, |before| marks[before].1);
                &log.annotations[start as usize..end as usize]
            }
            _ => &[],
        }
    }

    /// The fingerprint of everything recorded so far.
    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }

    /// Bytes the kept trace holds in its arrays (lengths, not capacities;
    /// the messages, timers and events kept out of line counted at their
    /// `size_of`, their own heap data and strings' not counted): what the
    /// full level costs per event, for `docs/performance.md` and its test.
    pub fn kept_bytes(&self) -> usize {
        use std::mem::size_of;
        let Some(log) = self.log.as_deref() else {
            return 0;
        };
        log.slots.len() * size_of::<Slot>()
            + log.time_highs.len() * size_of::<(u32, u32)>()
            + log.send_marks.len() * size_of::<u32>()
            + log.count_marks.len() * size_of::<(u32, u32)>()
            + (log.step_jumps.len() + log.id_jumps.len()) * size_of::<(u32, u64)>()
            + log.sends.len() * size_of::<PackedSend>()
            + log.copies.len() * size_of::<(u32, SimTime)>()
            + log.annotations.len() * size_of::<String>()
            + log.annotation_marks.len() * size_of::<(u32, u32)>()
            + log.messages.len() * size_of::<N::Msg>()
            + log.timers.len() * size_of::<(TimerId, N::Timer)>()
            + log.others.len() * size_of::<TraceEvent<Bare>>()
            + log.loose.len() * size_of::<Loose>()
    }

    /// Where [`Trace::kept_bytes`] goes, array by array: each part's name,
    /// its bytes at its length (as `kept_bytes` counts them) and at its
    /// capacity (what it holds allocated, its spare room included).
    pub fn kept_parts(&self) -> Vec<(&'static str, usize, usize)> {
        let Some(log) = self.log.as_deref() else {
            return Vec::new();
        };
        fn part<T>(name: &'static str, v: &Vec<T>) -> (&'static str, usize, usize) {
            let size = std::mem::size_of::<T>();
            (name, v.len() * size, v.capacity() * size)
        }
        vec![
            part("slots", &log.slots),
            part("time highs", &log.time_highs),
            part("send marks", &log.send_marks),
            part("count marks", &log.count_marks),
            part("step jumps", &log.step_jumps),
            part("sends", &log.sends),
            part("id jumps", &log.id_jumps),
            part("copies", &log.copies),
            part("annotations", &log.annotations),
            part("annotation marks", &log.annotation_marks),
            part("messages", &log.messages),
            part("timers", &log.timers),
            part("others", &log.others),
            part("loose", &log.loose),
        ]
    }

    /// Forget the kept entries (a streaming export wrote them out), keeping
    /// any sends and annotations noted for the step in progress. The hash is
    /// not affected; memory is reused. A later delivery of a message sent
    /// before this is kept whole ([`Kept::Loose`]): its send is gone.
    pub(crate) fn clear_kept(&mut self) {
        let (step_sends, step_annotations) = (self.step_sends, self.step_annotations);
        let Some(log) = self.log.as_deref_mut() else {
            return;
        };
        let pending: Vec<SendRecord> = (step_sends as usize..log.sends.len())
            .map(|i| log.send(i))
            .collect();
        let notes: Vec<String> = log.annotations.drain(step_annotations as usize..).collect();
        log.slots.clear();
        log.time_highs.clear();
        log.send_marks.clear();
        log.count_marks.clear();
        log.time_high = 0;
        log.step_jumps.clear();
        log.sends.clear();
        log.id_jumps.clear();
        log.copies.clear();
        log.annotations.clear();
        log.annotation_marks.clear();
        log.messages.clear();
        log.timers.clear();
        log.others.clear();
        log.loose.clear();
        log.next_step = None;
        log.next_msg_id = None;
        for send in &pending {
            log.push_send(send);
        }
        log.annotations.extend(notes);
        self.step_sends = 0;
        self.step_annotations = 0;
    }

    /// Detach the kept entries, leaving this trace's hash and step counters
    /// in place (so a clone of it is small and still folds the same hash).
    pub(crate) fn take_log(&mut self) -> TraceLog<N> {
        self.log.take().map(|log| *log).unwrap_or_default()
    }

    /// Re-attach a log taken with [`Self::take_log`] (or truncated to match
    /// this trace's step counters).
    pub(crate) fn put_log(&mut self, log: TraceLog<N>) {
        debug_assert_eq!(log.sends.len(), self.step_sends as usize);
        debug_assert_eq!(log.annotations.len(), self.step_annotations as usize);
        self.log = Some(Box::new(log));
    }

    /// The kept arrays, made at the first thing kept.
    fn log_mut(&mut self) -> &mut TraceLog<N> {
        self.log.get_or_insert_with(Box::default)
    }
}

/// Format a trace hash as `0x` and 16 hex digits.
pub fn format_hash(hash: u64) -> String {
    format!("{hash:#018x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Ctx;

    /// Pingpong's shape (the bench's node): one `u64` message, no timer.
    #[derive(Clone, Debug)]
    struct Counter;
    impl Node for Counter {
        type Msg = u64;
        type Timer = ();
        fn on_start(&mut self, _: &mut Ctx<Self>) {}
        fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: u64) {}
        fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    }

    #[test]
    fn a_send_record_hashes_as_the_derived_hash_did() {
        let outcomes = [
            SendOutcome::Scheduled(SimTime(7)),
            SendOutcome::Duplicated(SimTime(7), SimTime(9)),
            SendOutcome::Lost,
            SendOutcome::Partitioned,
        ];
        let ends = [Endpoint::Node(NodeId(3)), Endpoint::Client(ClientId(2))];
        for outcome in outcomes {
            for from in ends {
                for to in ends {
                    let send = SendRecord {
                        msg_id: 41,
                        from,
                        to,
                        outcome,
                    };
                    let mut mine = StableHasher::new();
                    send.hash(&mut mine);
                    // `#[derive(Hash)]` on the struct: the fields in order,
                    // as a tuple of them hashes.
                    let mut derived = StableHasher::new();
                    (send.msg_id, send.from, send.to, send.outcome).hash(&mut derived);
                    assert_eq!(mine.finish(), derived.finish(), "{send:?}");
                }
            }
        }
    }

    fn deliver(msg_id: u64) -> TraceEvent<Counter> {
        TraceEvent::Deliver {
            msg_id,
            from: NodeId(1),
            to: NodeId(0),
            sent_at: SimTime(5),
            msg: msg_id,
        }
    }

    fn send(msg_id: u64, outcome: SendOutcome) -> SendRecord {
        SendRecord {
            msg_id,
            from: Endpoint::Node(NodeId(0)),
            to: Endpoint::Client(ClientId(3)),
            outcome,
        }
    }

    /// A send from `from` to `to` (nodes) arriving at `at`.
    fn node_send(msg_id: u64, (from, to): (u32, u32), at: u64) -> SendRecord {
        SendRecord {
            msg_id,
            from: Endpoint::Node(NodeId(from)),
            to: Endpoint::Node(NodeId(to)),
            outcome: SendOutcome::Scheduled(SimTime(at)),
        }
    }

    /// A delivery of message `msg_id` from `from` to `to` sent at `sent_at`.
    fn delivery(msg_id: u64, (from, to): (u32, u32), sent_at: u64) -> TraceEvent<Counter> {
        TraceEvent::Deliver {
            msg_id,
            from: NodeId(from),
            to: NodeId(to),
            sent_at: SimTime(sent_at),
            msg: msg_id * 10,
        }
    }

    /// The entries as `Debug` text, to compare rebuilt entries whole.
    fn shown(trace: &Trace<Counter>) -> Vec<String> {
        trace.entries().map(|e| format!("{e:?}")).collect()
    }

    /// The full trace's cost per event: pingpong's step is one 12-byte
    /// slot (its delivery refers to the send that scheduled it), its
    /// 8-byte message, one 16-byte send and three eighths of a byte of
    /// marks: 36.4 bytes (120 before issue 21 item 4: a 72-byte entry and
    /// a 48-byte send; 68 after its first part, 48 with a 24-byte slot).
    /// It must not grow back.
    #[test]
    fn a_kept_step_of_pingpong_costs_at_most_37_bytes() {
        use std::mem::size_of;
        assert_eq!(size_of::<Slot>(), 12);
        assert_eq!(size_of::<PackedSend>(), 16);
        let mut trace = Trace::<Counter>::new(TraceLevel::Full);
        trace.note_send(node_send(0, (0, 1), 1));
        trace.push(1, SimTime(0), TraceEvent::Start(NodeId(0)));
        for step in 2..=1001 {
            let (from, to) = if step % 2 == 0 { (0, 1) } else { (1, 0) };
            trace.note_send(node_send(step - 1, (to, from), step));
            trace.push(
                step,
                SimTime(step - 1),
                delivery(step - 2, (from, to), step - 2),
            );
        }
        let log = trace.log.as_deref().expect("kept");
        assert!(log.loose.is_empty(), "every delivery refers to its send");
        assert!(
            trace.kept_bytes() <= 37 * 1001 + 64,
            "{}",
            trace.kept_bytes()
        );
        // Each delivery comes back whole.
        let entry = trace.entry(5).expect("kept");
        assert_eq!(entry.time, SimTime(5));
        assert_eq!(
            format!("{:?}", entry.event),
            format!("{:?}", delivery(4, (0, 1), 4))
        );
        assert_eq!(
            trace.kind_at(5),
            Some((
                "deliver",
                Some(Endpoint::Node(NodeId(0))),
                Some(Endpoint::Node(NodeId(1)))
            ))
        );
    }

    /// A delivery refers to its send only when the send gives back its
    /// id, ends and send time exactly; otherwise it is kept whole. Both
    /// survive a time-travel truncation, and a streaming export's clear
    /// (after which a message sent before it is kept whole).
    #[test]
    fn deliveries_come_back_exactly_across_truncation_and_clearing() {
        let mut trace = Trace::<Counter>::new(TraceLevel::Full);
        let mut all = Vec::new();
        let mut push = |trace: &mut Trace<Counter>, step, time, event: TraceEvent<Counter>| {
            all.push(format!(
                "{:?}",
                TraceEntry {
                    time: SimTime(time),
                    event: event.clone()
                }
            ));
            trace.push(step, SimTime(time), event);
        };
        trace.note_send(node_send(1, (0, 1), 3));
        trace.note_send(node_send(2, (0, 2), 4));
        trace.note_send(node_send(3, (0, 1), 4));
        push(&mut trace, 1, 1, TraceEvent::Start(NodeId(0)));
        // Message 4 is never recorded (a send to no node); 5 is.
        trace.note_send(node_send(5, (1, 0), 9));
        push(&mut trace, 2, 3, delivery(1, (0, 1), 1));
        // Sent at 1, but said to be sent at 2 (a node that takes time).
        push(&mut trace, 3, 4, delivery(2, (0, 2), 2));
        // The wrong ends, an unknown id, an id not yet sent.
        push(&mut trace, 4, 4, delivery(3, (0, 2), 1));
        push(&mut trace, 5, 5, delivery(4, (0, 1), 1));
        push(&mut trace, 6, 6, delivery(6, (0, 1), 1));
        let marks = trace.log.as_ref().expect("kept").lens();
        let sends_then = trace.step_sends;
        push(&mut trace, 7, 9, delivery(5, (1, 0), 3));
        push(
            &mut trace,
            8,
            9,
            TraceEvent::Timer {
                node: NodeId(2),
                id: TimerId(7),
                timer: (),
            },
        );
        push(&mut trace, 9, 9, TraceEvent::Fault("cut".into()));
        let log = trace.log.as_deref().expect("kept");
        let kinds: Vec<&str> = log
            .slots
            .iter()
            .map(|s| match s.kept() {
                Kept::Deliver { .. } => "refers",
                Kept::Loose { .. } => "whole",
                _ => "other",
            })
            .collect();
        assert_eq!(
            kinds,
            ["other", "refers", "whole", "whole", "whole", "whole", "refers", "other", "other"]
        );
        assert_eq!(shown(&trace), all);
        assert_eq!(trace.kind_at(8), Some(("fault", None, None)));
        // Back to six entries, as a time-travel restore does.
        let mut log = trace.take_log();
        log.truncate(marks);
        trace.step_sends = sends_then;
        trace.put_log(log);
        assert_eq!(shown(&trace), all[..6]);
        trace.push(7, SimTime(9), delivery(5, (1, 0), 3));
        assert!(matches!(
            trace.log.as_deref().expect("kept").slots[6].kept(),
            Kept::Deliver { .. }
        ));
        assert_eq!(shown(&trace), all[..7]);
        // A streaming export clears what it wrote: message 7, sent before,
        // arrives after, kept whole.
        trace.note_send(node_send(7, (0, 1), 12));
        trace.push(8, SimTime(10), TraceEvent::Start(NodeId(0)));
        trace.clear_kept();
        trace.push(9, SimTime(12), delivery(7, (0, 1), 10));
        assert!(matches!(
            trace.log.as_deref().expect("kept").slots[0].kept(),
            Kept::Loose { .. }
        ));
        assert_eq!(
            shown(&trace),
            [format!(
                "{:?}",
                TraceEntry {
                    time: SimTime(12),
                    event: delivery(7, (0, 1), 10)
                }
            )]
        );
    }

    /// What a long, mixed trace gives back, entry by entry, against what
    /// was pushed: times across many changes of their high 32 bits, steps
    /// with no sends and with many (across the send and count marks),
    /// deliveries referring to sends far back, loose ones, timers, starts
    /// and other events; after truncations at and between marks, and
    /// pushing on from each.
    #[test]
    fn a_long_mixed_trace_comes_back_exactly_across_marks_and_truncations() {
        type Noted = (String, u64, Vec<SendRecord>, Vec<String>);
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut draw = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut trace = Trace::<Counter>::new(TraceLevel::Full);
        let mut noted: Vec<Noted> = Vec::new();
        // Sends not yet delivered: (msg_id, from, to, sent at).
        let mut pending: Vec<(u64, u32, u32, u64)> = Vec::new();
        let (mut step, mut time, mut next_id) = (0u64, 0u64, 0u64);
        let mut cuts = Vec::new();
        let check = |trace: &Trace<Counter>, noted: &[Noted]| {
            assert_eq!(trace.len(), noted.len());
            let all: Vec<String> = trace.entries().map(|e| format!("{e:?}")).collect();
            assert_eq!(all.len(), noted.len());
            for (i, (entry, step, sends, notes)) in noted.iter().enumerate() {
                assert_eq!(&all[i], entry, "entry {i}");
                assert_eq!(&format!("{:?}", trace.entry(i).expect("kept")), entry);
                assert_eq!(trace.step_at(i), Some(*step));
                assert_eq!(&trace.sends_at(i), sends, "sends of {i}");
                assert_eq!(trace.annotations_at(i), &notes[..]);
                let rebuilt = trace.entry(i).expect("kept");
                assert_eq!(trace.time_at(i), Some(rebuilt.time));
                assert_eq!(
                    trace.kind_at(i),
                    Some((
                        rebuilt.event.kind(),
                        rebuilt.event.source(),
                        rebuilt.event.target()
                    ))
                );
            }
            assert_eq!(trace.entry(noted.len()).map(|_| ()), None);
        };
        for round in 0..3 {
            for _ in 0..700 {
                step += 1 + u64::from(draw(10) == 0);
                time += match draw(8) {
                    0 => 0,
                    1 => 1 << 32,
                    2 => (1 << 33) + 12_345,
                    _ => draw(3_000_000_000),
                };
                let mut sends = Vec::new();
                for _ in 0..[0, 0, 1, 1, 1, 2, 9, 40][draw(8) as usize] {
                    let (from, to) = (draw(5) as u32, draw(5) as u32);
                    next_id += 1 + u64::from(draw(50) == 0);
                    let send = node_send(next_id, (from, to), time + 1 + draw(1000));
                    trace.note_send(send);
                    sends.push(send);
                    pending.push((next_id, from, to, time));
                }
                let mut notes = Vec::new();
                if draw(30) == 0 {
                    notes.push(format!("note {step}"));
                    trace.note_annotation(notes[0].clone());
                }
                let event = match draw(6) {
                    0..=2 if !pending.is_empty() => {
                        let (id, from, to, at) =
                            pending.remove(draw(pending.len() as u64) as usize);
                        // One in five is said to be sent later: kept whole.
                        let at = at + u64::from(draw(5) == 0);
                        delivery(id, (from, to), at)
                    }
                    3 => TraceEvent::Timer {
                        node: NodeId(draw(5) as u32),
                        id: TimerId(step),
                        timer: (),
                    },
                    4 => TraceEvent::Start(NodeId(draw(5) as u32)),
                    _ => TraceEvent::Fault(format!("fault {step}")),
                };
                let shown = format!(
                    "{:?}",
                    TraceEntry {
                        time: SimTime(time),
                        event: event.clone()
                    }
                );
                trace.push(step, SimTime(time), event);
                noted.push((shown, step, sends, notes));
                if draw(90) == 0 || noted.len().is_multiple_of(64) {
                    let log = trace.log.as_deref().expect("kept");
                    let at = (noted.len(), step, time);
                    cuts.push((log.lens(), trace.step_sends, at, pending.clone()));
                }
            }
            check(&trace, &noted);
            // Back to a cut taken this round, as a time-travel restore does.
            let (lens, sends, (len, at_step, at_time), then) = cuts[cuts.len() / 2 + round].clone();
            let mut log = trace.take_log();
            log.truncate(lens);
            trace.step_sends = sends;
            trace.step_annotations = index32(lens.annotations);
            trace.put_log(log);
            noted.truncate(len);
            (step, time, pending) = (at_step, at_time, then);
            cuts.retain(|cut| cut.2 .0 <= len);
            check(&trace, &noted);
        }
        let log = trace.log.as_deref().expect("kept");
        assert!(log.time_highs.len() > 50, "{}", log.time_highs.len());
        assert!(log.loose.len() > 10 && log.slots.iter().any(|s| s.kind() == DELIVER));
    }

    /// Steps, message ids, duplicates and annotations come back as noted,
    /// across jumps, a truncation and a streaming export's clear.
    #[test]
    fn side_arrays_give_back_what_was_noted() {
        let mut trace = Trace::<Counter>::new(TraceLevel::Full);
        let dup = send(7, SendOutcome::Duplicated(SimTime(9), SimTime(12)));
        trace.note_send(send(5, SendOutcome::Scheduled(SimTime(8))));
        trace.note_send(dup);
        trace.push(3, SimTime(1), deliver(1));
        // Step 4 kept no entry; message 8 was never recorded.
        trace.note_annotation("hello".into());
        trace.note_send(send(9, SendOutcome::Lost));
        trace.push(5, SimTime(2), deliver(2));
        trace.push(6, SimTime(2), deliver(3));
        let marks = trace.log.as_ref().expect("kept").lens();
        trace.note_send(send(10, SendOutcome::Partitioned));
        trace.note_annotation("later".into());
        trace.push(7, SimTime(3), deliver(4));
        assert_eq!(
            (0..4).map(|i| trace.step_at(i)).collect::<Vec<_>>(),
            [Some(3), Some(5), Some(6), Some(7)]
        );
        assert_eq!(trace.step_at(4), None);
        assert_eq!(
            trace.sends_at(0),
            [send(5, SendOutcome::Scheduled(SimTime(8))), dup]
        );
        assert_eq!(trace.sends_at(1), [send(9, SendOutcome::Lost)]);
        assert!(trace.sends_at(2).is_empty());
        assert_eq!(trace.sends_at(3), [send(10, SendOutcome::Partitioned)]);
        assert!(trace.annotations_at(0).is_empty());
        assert_eq!(trace.annotations_at(1), ["hello"]);
        assert!(trace.annotations_at(2).is_empty());
        assert_eq!(trace.annotations_at(3), ["later"]);
        // Back to three entries, as a time-travel restore does.
        let mut log = trace.take_log();
        log.truncate(marks);
        trace.step_sends = 3;
        trace.step_annotations = 1;
        trace.put_log(log);
        assert_eq!(trace.len(), 3);
        assert_eq!(trace.sends_at(1), [send(9, SendOutcome::Lost)]);
        assert_eq!(trace.step_at(2), Some(6));
        // A streaming export clears what it wrote, keeping the step in
        // progress's sends and annotations.
        trace.note_send(send(11, SendOutcome::Scheduled(SimTime(4))));
        trace.note_annotation("pending".into());
        trace.clear_kept();
        assert!(trace.is_empty());
        trace.push(8, SimTime(4), deliver(5));
        assert_eq!(trace.step_at(0), Some(8));
        assert_eq!(
            trace.sends_at(0),
            [send(11, SendOutcome::Scheduled(SimTime(4)))]
        );
        assert_eq!(trace.annotations_at(0), ["pending"]);
    }
}
