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

/// One processed step: its time and event. Its step number, sends and
/// annotations live in the [`Trace`]'s side arrays (no allocation per
/// step, and nothing stored that follows from the neighbours): ask the
/// trace for them by the entry's index ([`Trace::step_at`],
/// [`Trace::sends_at`], [`Trace::annotations_at`]).
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

/// The kept part of a [`Trace`]: the entries and their side arrays. Each
/// side array is indexed by entry (or send) position and holds only what
/// cannot be derived, so a step costs its entry, four bytes, and its
/// sends' 16 bytes each. Time travel keeps one of these for the whole run
/// instead of cloning it into every snapshot: see
/// [`crate::sim::Timeline`].
#[derive(Clone, Debug)]
pub(crate) struct TraceLog<N: Node> {
    entries: Vec<TraceEntry<N>>,
    /// Entry `i`'s sends start at `send_starts[i]` (and end where the next
    /// entry's start, or at the trace's `step_sends` for the last entry).
    send_starts: Vec<u32>,
    /// `(entry, step)` where the step number is not one more than the
    /// previous entry's (the first entry, and after a step that kept no
    /// entry): entry `i`'s step is the last jump's step plus the distance.
    step_jumps: Vec<(u32, u64)>,
    sends: Vec<PackedSend>,
    /// `(send, msg_id)` where the message id is not one more than the
    /// previous send's (the first send, and after an id no send recorded).
    id_jumps: Vec<(u32, u64)>,
    /// `(send, second arrival)` for each duplicated send.
    copies: Vec<(u32, SimTime)>,
    annotations: Vec<String>,
    /// `(entry, end)` for the entries with annotations (almost none):
    /// entry's annotations end at `end` and start at the previous mark's
    /// end.
    annotation_marks: Vec<(u32, u32)>,
    /// The step number and message id that follow the last entry's and
    /// the last send's without a jump (derived from the arrays, kept so a
    /// push need not search the jumps).
    next_step: Option<u64>,
    next_msg_id: Option<u64>,
}

impl<N: Node> Default for TraceLog<N> {
    fn default() -> Self {
        TraceLog {
            entries: Vec::new(),
            send_starts: Vec::new(),
            step_jumps: Vec::new(),
            sends: Vec::new(),
            id_jumps: Vec::new(),
            copies: Vec::new(),
            annotations: Vec::new(),
            annotation_marks: Vec::new(),
            next_step: None,
            next_msg_id: None,
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

impl<N: Node> TraceLog<N> {
    /// Lengths of the three growing arrays: (entries, sends, annotations).
    pub(crate) fn lens(&self) -> [usize; 3] {
        [self.entries.len(), self.sends.len(), self.annotations.len()]
    }

    /// Drop everything past the given lengths (as returned by [`Self::lens`]).
    pub(crate) fn truncate(&mut self, lens: [usize; 3]) {
        self.entries.truncate(lens[0]);
        self.send_starts.truncate(lens[0]);
        cut_jumps(&mut self.step_jumps, lens[0]);
        cut_jumps(&mut self.annotation_marks, lens[0]);
        self.sends.truncate(lens[1]);
        cut_jumps(&mut self.id_jumps, lens[1]);
        cut_jumps(&mut self.copies, lens[1]);
        self.annotations.truncate(lens[2]);
        self.next_step = (self.entries.len())
            .checked_sub(1)
            .and_then(|last| jumped(&self.step_jumps, last).checked_add(1));
        self.next_msg_id = (self.sends.len())
            .checked_sub(1)
            .and_then(|last| jumped(&self.id_jumps, last).checked_add(1));
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

    fn send(&self, i: usize) -> SendRecord {
        let copy_at = || {
            let at = self.copies.partition_point(|&(at, _)| (at as usize) < i);
            self.copies[at].1
        };
        self.sends[i].unpack(jumped(&self.id_jumps, i), copy_at)
    }
}

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
        let i = log.entries.len();
        if log.next_step != Some(step) {
            log.step_jumps.push((index32(i), step));
        }
        log.next_step = step.checked_add(1);
        let notes_end = index32(log.annotations.len());
        if notes_end != step_annotations {
            log.annotation_marks.push((index32(i), notes_end));
        }
        log.send_starts.push(step_sends);
        log.entries.push(TraceEntry { time, event });
        let sends_end = index32(log.sends.len());
        self.step_sends = sends_end;
        self.step_annotations = notes_end;
    }

    /// The step number of entry `index` (`None` past the kept entries).
    pub fn step_at(&self, index: usize) -> Option<u64> {
        let log = self.log.as_deref()?;
        (index < log.entries.len()).then(|| jumped(&log.step_jumps, index))
    }

    /// The messages sent while handling entry `index` (empty past the
    /// kept entries).
    pub fn sends_at(&self, index: usize) -> Vec<SendRecord> {
        let Some(log) = self.log.as_deref() else {
            return Vec::new();
        };
        let Some(&start) = log.send_starts.get(index) else {
            return Vec::new();
        };
        let end = log
            .send_starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.step_sends);
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

    /// Entries kept (empty at the hash-only level).
    pub fn entries(&self) -> &[TraceEntry<N>] {
        self.log.as_deref().map_or(&[], |log| &log.entries)
    }

    /// Bytes the kept trace holds in its arrays (lengths, not capacities;
    /// messages' and strings' own heap data not counted): what the full
    /// level costs per event, for `docs/performance.md` and its test.
    pub fn kept_bytes(&self) -> usize {
        use std::mem::size_of;
        let Some(log) = self.log.as_deref() else {
            return 0;
        };
        log.entries.len() * size_of::<TraceEntry<N>>()
            + log.send_starts.len() * size_of::<u32>()
            + (log.step_jumps.len() + log.id_jumps.len()) * size_of::<(u32, u64)>()
            + log.sends.len() * size_of::<PackedSend>()
            + log.copies.len() * size_of::<(u32, SimTime)>()
            + log.annotations.len() * size_of::<String>()
            + log.annotation_marks.len() * size_of::<(u32, u32)>()
    }

    /// Forget the kept entries (a streaming export wrote them out), keeping
    /// any sends and annotations noted for the step in progress. The hash is
    /// not affected; memory is reused.
    pub(crate) fn clear_kept(&mut self) {
        let (step_sends, step_annotations) = (self.step_sends, self.step_annotations);
        let Some(log) = self.log.as_deref_mut() else {
            return;
        };
        let pending: Vec<SendRecord> = (step_sends as usize..log.sends.len())
            .map(|i| log.send(i))
            .collect();
        let notes: Vec<String> = log.annotations.drain(step_annotations as usize..).collect();
        log.entries.clear();
        log.send_starts.clear();
        log.step_jumps.clear();
        log.sends.clear();
        log.id_jumps.clear();
        log.copies.clear();
        log.annotations.clear();
        log.annotation_marks.clear();
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

    /// The full trace's cost per event: pingpong's step is one entry, four
    /// bytes of send index and one 16-byte send (120 bytes before issue 21
    /// item 4: a 72-byte entry and a 48-byte send). It must not grow back.
    #[test]
    fn a_kept_step_of_pingpong_costs_at_most_68_bytes() {
        use std::mem::size_of;
        assert!(size_of::<TraceEntry<Counter>>() <= 48);
        assert_eq!(size_of::<PackedSend>(), 16);
        let mut trace = Trace::<Counter>::new(TraceLevel::Full);
        for step in 1..=1000 {
            trace.note_send(send(step, SendOutcome::Scheduled(SimTime(step))));
            trace.push(step, SimTime(step), deliver(step));
        }
        assert!(
            trace.kept_bytes() <= 68 * 1000 + 64,
            "{}",
            trace.kept_bytes()
        );
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
        assert_eq!(trace.entries().len(), 3);
        assert_eq!(trace.sends_at(1), [send(9, SendOutcome::Lost)]);
        assert_eq!(trace.step_at(2), Some(6));
        // A streaming export clears what it wrote, keeping the step in
        // progress's sends and annotations.
        trace.note_send(send(11, SendOutcome::Scheduled(SimTime(4))));
        trace.note_annotation("pending".into());
        trace.clear_kept();
        assert!(trace.entries().is_empty());
        trace.push(8, SimTime(4), deliver(5));
        assert_eq!(trace.step_at(0), Some(8));
        assert_eq!(
            trace.sends_at(0),
            [send(11, SendOutcome::Scheduled(SimTime(4)))]
        );
        assert_eq!(trace.annotations_at(0), ["pending"]);
    }
}
