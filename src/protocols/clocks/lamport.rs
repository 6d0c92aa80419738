//! Lamport clocks and the totally ordered broadcast built on them.
//!
//! Each node keeps one counter. Before every send it adds one (IR1); on every
//! receipt it jumps past the message's timestamp (`max(C, t) + 1`, IR2). A
//! client's `broadcast v` is stamped `(C, id)` and sent to every node over
//! reliable FIFO links; each receiver queues it and sends everyone a stamped
//! acknowledgement. A node delivers the queue's head `(t, s)` once it has
//! heard from every other node something stamped after `(t, s)` (the FIFO
//! links guarantee nothing earlier can still come from them). Ties between
//! equal timestamps are broken by node id, so every node delivers in the same
//! total order. The client is answered when its value is delivered locally.
//!
//! The clock's two rules are hooks ([`Hooks`]: the send rule IR1 and the
//! receive rule IR2), so lab 01 runs this very node with the student's
//! rules; under a lab build's [`Audit`] every call is compared with the
//! model (`lamport-rules`) and each node runs generated sequences at start
//! (`lamport-laws`).
//!
//! The algorithm needs every node: a crashed node blocks everyone (the point
//! that motivates consensus), so its scenarios have loss, duplication,
//! reordering, partitions and clock faults, but no crashes.

use super::audit::{self, Audit, AuditGhost, LAW_STEPS};
use super::link::{LinkMsg, Links};
use super::{Bug, ClockGhost, Hooks};
use crate::check::history::{EventType, Value};
use crate::check::{CheckKind, Outcome};
use crate::sim::Invariant;
use crate::sim::{Ctx, Node, NodeId, Reply, Request, Sim, SimBuilder, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Lamport-protocol parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct LamportParams {
    /// Resend unacknowledged link messages this often (`retry`).
    pub retry: SimTime,
    /// Deliberate defects (`bugs`): only `NoIncrementOnSend` applies.
    pub bugs: BTreeSet<Bug>,
    /// The clock rules the nodes call (the reference's by default).
    pub hooks: Hooks,
    /// A lab build's audit (none for the shipped scenarios).
    pub audit: Option<Audit>,
}

impl LamportParams {
    /// Whether the bug switch `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

/// What nodes tell each other (inside the reliable link layer).
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Payload {
    /// A broadcast value with its Lamport timestamp.
    Broadcast {
        /// Timestamp.
        ts: u64,
        /// The value.
        value: i64,
    },
    /// "I received a broadcast"; its timestamp moves the receiver's horizon.
    Ack {
        /// Timestamp.
        ts: u64,
    },
}

/// A delivered broadcast: (timestamp, sender, value).
pub type Delivery = (u64, NodeId, i64);

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Resend unacknowledged link messages.
    Retransmit,
}

/// One node of the totally ordered broadcast.
#[derive(Clone, Debug)]
pub struct Lamport {
    params: Arc<LamportParams>,
    id: NodeId,
    /// The Lamport clock.
    pub clock: u64,
    queue: BTreeMap<(u64, NodeId), i64>,
    horizon: BTreeMap<NodeId, (u64, NodeId)>,
    links: Links<Payload>,
    waiting: BTreeMap<(u64, NodeId), Request>,
    /// Delivered broadcasts, in delivery order.
    pub delivered: Vec<Delivery>,
    /// Clock-condition records.
    pub ghost: ClockGhost,
    /// The audit's records (empty without one).
    pub audit: AuditGhost,
}

impl Lamport {
    /// The queue, in `(timestamp, node)` order, with each value.
    pub(super) fn queue_entries(&self) -> impl Iterator<Item = ((u64, NodeId), i64)> + '_ {
        self.queue.iter().map(|(key, value)| (*key, *value))
    }

    /// A fresh node.
    pub fn new(params: Arc<LamportParams>, id: NodeId, _nodes: u32) -> Self {
        Lamport {
            params,
            id,
            clock: 0,
            queue: BTreeMap::new(),
            horizon: BTreeMap::new(),
            links: Links::new(true),
            waiting: BTreeMap::new(),
            delivered: Vec::new(),
            ghost: ClockGhost::default(),
            audit: AuditGhost::default(),
        }
    }

    /// Under an audit, record a rule call that returned `got` instead of
    /// `expected`.
    fn judge(&mut self, op: impl FnOnce() -> String, got: u64, expected: u64) {
        if self.params.audit.is_some() && got != expected {
            let id = self.id;
            self.audit.rule(id, || {
                format!("{} returned {got}, expected {expected}", op())
            });
        }
    }

    /// IR1: tick before a send (unless the bug forgets), then record the event.
    fn send_event(&mut self) -> u64 {
        let before = self.clock;
        if !self.params.has(Bug::NoIncrementOnSend) {
            self.clock = (self.params.hooks.lamport_send)(before);
        }
        self.judge(|| format!("lamport_send({before})"), self.clock, before + 1);
        self.ghost.event(self.clock, None);
        self.clock
    }

    fn send_all(&mut self, ctx: &mut Ctx<Self>, payload: Payload) {
        for peer in ctx.peers() {
            let msg = self.links.send(peer, payload.clone());
            ctx.send(peer, msg);
        }
    }

    fn on_payload(&mut self, ctx: &mut Ctx<Self>, from: NodeId, payload: Payload) {
        let ts = match payload {
            Payload::Broadcast { ts, .. } | Payload::Ack { ts } => ts,
        };
        // IR2: the receive event is later than the send.
        let before = self.clock;
        self.clock = (self.params.hooks.lamport_receive)(before, ts);
        let op = || format!("lamport_receive({before}, {ts})");
        self.judge(op, self.clock, before.max(ts) + 1);
        self.ghost.event(self.clock, Some(ts));
        self.horizon.insert(from, (ts, from));
        if let Payload::Broadcast { ts, value } = payload {
            self.queue.insert((ts, from), value);
            let ack = self.send_event();
            self.send_all(ctx, Payload::Ack { ts: ack });
        }
    }

    fn deliver_ready(&mut self, ctx: &mut Ctx<Self>) {
        let others = ctx.node_count().saturating_sub(1) as usize;
        while let Some((&head, &value)) = self.queue.iter().next() {
            let heard = self.horizon.iter().filter(|(&k, _)| k != self.id);
            let later = heard.filter(|(_, &stamp)| stamp >= head).count();
            if later < others {
                break;
            }
            self.queue.remove(&head);
            self.delivered.push((head.0, head.1, value));
            if let Some(request) = self.waiting.remove(&head) {
                ctx.reply(&request, Reply::Ok(Value::Nil));
            }
        }
    }
}

impl Node for Lamport {
    type Msg = LinkMsg<Payload>;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let laws = self.params.audit.map_or(0, |a| a.laws);
        for _ in 0..laws {
            if let Err(why) = audit::lamport_laws(ctx.rng(), &self.params.hooks, LAW_STEPS) {
                self.audit.law_broken = Some(format!("{}: {why}", self.id));
                break;
            }
        }
        ctx.set_timer(self.params.retry, Timer::Retransmit);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Self::Msg) {
        let (ready, ack) = self.links.receive(from, msg);
        if let Some(ack) = ack {
            ctx.send(from, ack);
        }
        for payload in ready {
            self.on_payload(ctx, from, payload);
        }
        self.deliver_ready(ctx);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _timer: Timer) {
        for (to, msg) in self.links.unacked(64) {
            ctx.send(to, msg);
        }
        ctx.set_timer(self.params.retry, Timer::Retransmit);
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let Value::Int(value) = request.op.value else {
            let why = format!("expected broadcast of an integer, got {:?}", request.op);
            return ctx.reply(&request, Reply::Fail(why));
        };
        let ts = self.send_event();
        self.queue.insert((ts, self.id), value);
        self.waiting.insert((ts, self.id), request);
        self.send_all(ctx, Payload::Broadcast { ts, value });
        self.deliver_ready(ctx);
    }

    /// The Lamport clock, the hold-back queue by (timestamp, sender), the
    /// highest timestamp heard from each peer, what was delivered (newest
    /// last); the checks' ghosts and the parameters folded.
    /// Lamport's state: the clock `C`, the queue in `(timestamp, node)`
    /// order, each peer's horizon (the newest timestamp heard from it),
    /// the clients waiting, the delivery log.
    fn inspect(&self) -> crate::sim::View {
        use crate::sim::inspect::Item;
        let horizon = self
            .horizon
            .iter()
            .map(|(peer, (ts, node))| (peer.to_string(), Item::text(format!("({ts}, {node})"))));
        let waiting = self.waiting.iter().map(|((ts, node), request)| {
            (
                format!("({ts}, {node})"),
                Item::text(format!("{} #{}", request.client, request.id)),
            )
        });
        let delivered = self
            .delivered
            .iter()
            .enumerate()
            .map(|(i, (ts, node, value))| {
                (
                    i.to_string(),
                    Item::text(format!("({ts}, {node}) value {value}")),
                )
            });
        crate::sim::View::new()
            .field("clock", self.clock)
            .field("queue", self.queue_item())
            .field("horizon", Item::list(horizon))
            .field("waiting", Item::list(waiting))
            .field("delivered", Item::list_last(delivered))
            .folded("ghost (for the checks)", &(&self.ghost, &self.audit))
            .params(&*self.params)
    }

    fn inspect_message(message: &Self::Msg) -> crate::sim::View {
        super::inspect::lamport_view(message)
    }

    fn message_summary(message: &Self::Msg) -> String {
        super::inspect::lamport_summary(message)
    }

    fn summary(&self) -> String {
        format!(
            "C={} delivered {} queued {}",
            self.clock,
            self.delivered.len(),
            self.queue.len()
        )
    }
}

fn total_order(sim: &Sim<Lamport>) -> Outcome {
    let logs: Vec<(NodeId, &Vec<Delivery>)> =
        sim.live_nodes().map(|(id, n)| (id, &n.delivered)).collect();
    let Some(&(longest_id, longest)) = logs.iter().max_by_key(|(_, l)| l.len()) else {
        return Outcome::Pass;
    };
    for (id, log) in &logs {
        if let Some(i) = (0..log.len()).find(|&i| log[i] != longest[i]) {
            let (a, b) = (log[i], longest[i]);
            return Outcome::Fail(format!(
                "{id} delivered value {} (ts {}, from {}) as #{}, {longest_id} delivered value {} (ts {}, from {})",
                a.2, a.0, a.1, i + 1, b.2, b.0, b.1
            ));
        }
    }
    Outcome::Pass
}

fn acked_delivered_everywhere(sim: &Sim<Lamport>) -> Result<(), String> {
    let acked: Vec<i64> = sim
        .history()
        .events
        .iter()
        .filter(|e| e.kind == EventType::Ok)
        .filter_map(|e| e.value.as_int())
        .collect();
    for (id, node) in sim.live_nodes() {
        let held: std::collections::BTreeSet<i64> = node.delivered.iter().map(|d| d.2).collect();
        let lacks: Vec<String> = acked
            .iter()
            .filter(|v| !held.contains(v))
            .take(8)
            .map(i64::to_string)
            .collect();
        if !lacks.is_empty() {
            return Err(format!(
                "{id} never delivered acknowledged broadcasts {}",
                lacks.join(", ")
            ));
        }
    }
    Ok(())
}

/// A simulation builder with Lamport total-order nodes, checks and metrics
/// (with an audit, `lamport-laws` and `lamport-rules` first).
pub fn builder(params: LamportParams, nodes: u32, seed: u64) -> SimBuilder<Lamport> {
    let audited = params.audit.is_some();
    let params = Arc::new(params);
    let mut b = SimBuilder::new(nodes, seed, move |id, n| {
        Lamport::new(Arc::clone(&params), id, n)
    });
    if audited {
        let names = ["lamport-laws", "lamport-rules"];
        b = audit::checks(b, names, |n: &Lamport| &n.audit);
    }
    b.invariant(Invariant::always(
        "clock-condition",
        |sim: &Sim<Lamport>| super::first_violation(sim.live_nodes().map(|(id, n)| (id, &n.ghost))),
    ))
    .invariant(Invariant::new("total-order", CheckKind::AtEnd, total_order))
    .invariant(Invariant::eventually(
        "acked-broadcasts-delivered-everywhere",
        acked_delivered_everywhere,
    ))
    .metrics(|sim: &Sim<Lamport>| {
        let delivered = sim.live_nodes().map(|(_, n)| n.delivered.len()).max();
        let delivered = delivered.unwrap_or(0).max(1) as f64;
        let per = sim.counters().sent as f64 / delivered;
        vec![("messages-per-broadcast".into(), format!("{per:.1}"))]
    })
}
