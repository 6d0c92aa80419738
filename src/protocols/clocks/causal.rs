//! Vector clocks and causal broadcast (Birman–Schiper–Stephenson).
//!
//! Entry `k` of a node's vector counts the broadcasts from `k` it has
//! delivered. A broadcast adds one to the node's own entry and carries the
//! vector. A receiver buffers a message from `j` stamped `W` until it is
//! causally ready — `W[j] = V[j] + 1` (the next from `j`) and `W[k] ≤ V[k]`
//! for every other `k` (everything it depends on is delivered) — then
//! delivers it and merges `V := max(V, W)`. Links are reliable but not FIFO,
//! so even one sender's messages arrive out of order and wait in the buffer.
//!
//! Ghost records (invisible to the protocol) make the checks: each message
//! also carries a correctly computed vector (the true causal past of the
//! broadcast, merged on every delivery), which `check::causal` uses as ground
//! truth; and each node checks the clock condition on its own clock at every
//! broadcast and delivery. Like the Lamport broadcast, it assumes no crashes.
//!
//! The vector-clock operations and the delivery rule are hooks ([`Hooks`]),
//! so lab 01 runs this very node with the student's rules. Under a lab
//! build's [`Audit`] every increment and merge is compared with the model,
//! each delivered stamp is compared (through the hooks, both ways) with the
//! clock and the last three delivered stamps (`vector-clock-rules`), and
//! each node runs generated sequences at start (`vector-clock-laws`); with
//! `delivery_rule = "given"` the model decides causal readiness.

use super::audit::{self, Audit, AuditGhost, DeliveryRule, LAW_STEPS};
use super::link::{LinkMsg, Links};
use super::{Bug, ClockGhost, Hooks, VClock};
use crate::check::causal::check_causal_delivery;
use crate::check::history::Value;
use crate::check::verdict::Status;
use crate::check::{CheckKind, Outcome};
use crate::sim::Invariant;
use crate::sim::{Ctx, Node, NodeId, Reply, Request, Sim, SimBuilder, SimTime};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Causal-broadcast parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct CausalParams {
    /// Resend unacknowledged link messages this often (`retry`).
    pub retry: SimTime,
    /// Deliberate defects (`bugs`; all three apply).
    pub bugs: BTreeSet<Bug>,
    /// The clock rules the nodes call (the reference's by default).
    pub hooks: Hooks,
    /// A lab build's audit (none for the shipped scenarios).
    pub audit: Option<Audit>,
}

impl CausalParams {
    /// Whether the bug switch `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

/// Delivered stamps each new one is compared with, under an audit.
const COMPARED: usize = 3;

/// A broadcast message.
#[derive(Clone, Debug, Hash, Serialize)]
pub struct Broadcast {
    /// Sender.
    pub sender: NodeId,
    /// The sender's broadcast number, from 1 (names the message `n2#3`).
    pub number: u64,
    /// The value.
    pub value: i64,
    /// The protocol's vector timestamp.
    pub stamp: VClock,
    /// Ghost: the true causal past (never read by the protocol).
    pub truth: VClock,
}

impl Broadcast {
    /// The message's name in checks: `n2#3`.
    pub fn name(&self) -> String {
        format!("{}#{}", self.sender, self.number)
    }
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Resend unacknowledged link messages.
    Retransmit,
}

/// One causal-broadcast node.
#[derive(Clone, Debug)]
pub struct Causal {
    params: Arc<CausalParams>,
    id: NodeId,
    /// Delivered-broadcast counts per sender.
    pub clock: VClock,
    buffer: Vec<Broadcast>,
    links: Links<Broadcast>,
    sent: u64,
    truth: VClock,
    seen: VClock,
    /// Ghost: messages in delivery order (own ones at send).
    pub delivered: Vec<String>,
    /// Ghost: every message this node broadcast or delivered, with its true past.
    pub stamps: BTreeMap<String, VClock>,
    /// Clock-condition records.
    pub ghost: ClockGhost,
    /// The audit's records (empty without one).
    pub audit: AuditGhost,
    /// Under an audit: the last delivered stamps.
    recent: Vec<VClock>,
}

impl Causal {
    /// A fresh node.
    pub fn new(params: Arc<CausalParams>, id: NodeId, nodes: u32) -> Self {
        Causal {
            params,
            id,
            clock: VClock::new(nodes),
            buffer: Vec::new(),
            links: Links::new(false),
            sent: 0,
            truth: VClock::new(nodes),
            seen: VClock::new(nodes),
            delivered: Vec::new(),
            stamps: BTreeMap::new(),
            ghost: ClockGhost::default(),
            audit: AuditGhost::default(),
            recent: Vec::new(),
        }
    }

    /// Messages received but not yet causally ready.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    fn broadcast(&mut self, ctx: &mut Ctx<Self>, value: i64) {
        let before = self.clock.clone();
        if !self.params.has(Bug::NoIncrementOnSend) {
            (self.params.hooks.vector_increment)(&mut self.clock.0, self.id);
        }
        if self.params.audit.is_some() {
            let mut expected = before.clone();
            expected.increment(self.id);
            if self.clock != expected {
                let (id, after) = (self.id, &self.clock);
                let why = || {
                    format!("vector_increment({before}, {id}) gave {after}, expected {expected}")
                };
                self.audit.rule(id, why);
            }
        }
        // Clock condition: this broadcast follows everything delivered here.
        if !self.seen.happens_before(&self.clock) {
            let text = format!(
                "{} broadcast with {} but had already delivered up to {}",
                self.id, self.clock, self.seen
            );
            self.ghost.violation(text);
        }
        self.seen.merge(&self.clock);
        self.sent += 1;
        self.truth.increment(self.id);
        let msg = Broadcast {
            sender: self.id,
            number: self.sent,
            value,
            stamp: self.clock.clone(),
            truth: self.truth.clone(),
        };
        self.delivered.push(msg.name());
        self.stamps.insert(msg.name(), msg.truth.clone());
        for peer in ctx.peers() {
            let data = self.links.send(peer, msg.clone());
            ctx.send(peer, data);
        }
    }

    fn ready(&self, m: &Broadcast) -> bool {
        let delivery = self
            .params
            .audit
            .map_or(DeliveryRule::Yours, |a| a.delivery);
        match delivery {
            DeliveryRule::Given => audit::given_rule(&self.clock, m.sender, &m.stamp),
            DeliveryRule::Yours if self.params.has(Bug::NoCausalWait) => true,
            DeliveryRule::Yours => {
                (self.params.hooks.deliverable)(&self.clock.0, m.sender, &m.stamp.0)
            }
        }
    }

    /// Under an audit: compare `m`'s stamp with the clock and the recent
    /// stamps through the hooks.
    fn judge_compares(&mut self, m: &Broadcast) {
        let stamp = format!("the stamp of {}", m.name());
        let hooks = &self.params.hooks;
        let clock = ("the clock", &self.clock);
        let mut wrong = audit::judge_compare(hooks, (&stamp, &m.stamp), clock);
        for earlier in &self.recent {
            wrong = wrong.or_else(|| {
                audit::judge_compare(hooks, (&stamp, &m.stamp), ("an earlier stamp", earlier))
            });
        }
        if let Some(why) = wrong {
            self.audit.rule(self.id, || why);
        }
    }

    fn deliver(&mut self, m: Broadcast) {
        let before = self.clock.clone();
        if self.params.audit.is_some() {
            self.judge_compares(&m);
        }
        if self.params.has(Bug::MergeMin) {
            self.clock.merge_min(&m.stamp);
        } else {
            (self.params.hooks.vector_merge)(&mut self.clock.0, &m.stamp.0);
        }
        if self.params.audit.is_some() {
            self.judge_merge(&m, before);
        }
        if !matches!(
            m.stamp.partial_cmp(&self.clock),
            Some(Ordering::Less | Ordering::Equal)
        ) {
            let text = format!(
                "{} delivered {} stamped {} but its clock is now {}",
                self.id,
                m.name(),
                m.stamp,
                self.clock
            );
            self.ghost.violation(text);
        }
        self.seen.merge(&m.stamp);
        self.truth.merge(&m.truth);
        self.delivered.push(m.name());
        self.stamps.insert(m.name(), m.truth);
    }

    /// Under an audit: the merge of `m`'s stamp into `before` must be the
    /// entry-wise maximum; remember the stamp for later comparisons.
    fn judge_merge(&mut self, m: &Broadcast, before: VClock) {
        let mut expected = before.clone();
        expected.merge(&m.stamp);
        if self.clock != expected {
            let (name, stamp, after) = (m.name(), &m.stamp, &self.clock);
            let why = || {
                format!("merging {name}'s stamp {stamp} into {before} gave {after}, expected {expected}")
            };
            self.audit.rule(self.id, why);
        }
        self.recent.push(m.stamp.clone());
        if self.recent.len() > COMPARED {
            self.recent.remove(0);
        }
    }

    fn deliver_ready(&mut self) {
        while let Some(i) = self.buffer.iter().position(|m| self.ready(m)) {
            let m = self.buffer.remove(i);
            self.deliver(m);
        }
    }
}

impl Node for Causal {
    type Msg = LinkMsg<Broadcast>;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let laws = self.params.audit.map_or(0, |a| a.laws);
        let nodes = ctx.node_count();
        for _ in 0..laws {
            let hooks = &self.params.hooks;
            if let Err(why) = audit::vector_laws(ctx.rng(), hooks, nodes, LAW_STEPS) {
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
        self.buffer.extend(ready);
        self.deliver_ready();
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
        self.broadcast(ctx, value);
        ctx.reply(&request, Reply::Ok(Value::Nil));
    }

    /// The vector clock, the buffer of broadcasts waiting for their causal
    /// past, what was delivered (newest last) with its stamp; the checks'
    /// ghosts and the parameters folded.
    fn inspect(&self) -> crate::sim::View {
        use crate::sim::inspect::Item;
        let buffer = self.buffer.iter().map(|b| {
            (
                format!("{}#{}", b.sender, b.number),
                Item::text(format!("value {} stamp {}", b.value, b.stamp)),
            )
        });
        let stamps = self
            .stamps
            .iter()
            .map(|(name, stamp)| (name.clone(), Item::text(stamp.to_string())));
        crate::sim::View::new()
            .field("clock", self.clock.to_string())
            .field("sent", self.sent)
            .field("buffer", Item::list(buffer))
            .field(
                "delivered",
                Item::set(self.delivered.iter().map(String::as_str)).newest_last(),
            )
            .field("stamps", Item::list(stamps))
            .folded("ghost (for the checks)", &(&self.ghost, &self.audit))
            .params(&*self.params)
    }

    fn inspect_message(message: &Self::Msg) -> crate::sim::View {
        super::inspect::causal_view(message)
    }

    fn message_summary(message: &Self::Msg) -> String {
        super::inspect::causal_summary(message)
    }

    fn summary(&self) -> String {
        format!(
            "V={} delivered {} buffered {}",
            self.clock,
            self.delivered.len(),
            self.buffer.len()
        )
    }
}

fn causal_delivery(sim: &Sim<Causal>) -> Outcome {
    let mut stamps = BTreeMap::new();
    let mut deliveries = BTreeMap::new();
    for (id, node) in sim.live_nodes() {
        for (name, truth) in &node.stamps {
            stamps.insert(name.clone(), truth.named());
        }
        deliveries.insert(id.to_string(), node.delivered.clone());
    }
    let report = check_causal_delivery(&stamps, &deliveries);
    match report.status {
        Status::Valid => Outcome::Pass,
        _ => Outcome::Fail(report.explanation.trim_end().replace('\n', "; ")),
    }
}

fn all_delivered(sim: &Sim<Causal>) -> Result<(), String> {
    let total: u64 = sim.live_nodes().map(|(_, n)| n.sent).sum();
    for (id, node) in sim.live_nodes() {
        let got = node.delivered.len() as u64;
        if got != total {
            return Err(format!(
                "{id} delivered {got} of {total} broadcasts ({} still buffered)",
                node.buffer.len()
            ));
        }
    }
    Ok(())
}

/// A simulation builder with causal-broadcast nodes, checks and metrics
/// (with an audit, `vector-clock-laws` and `vector-clock-rules` first).
pub fn builder(params: CausalParams, nodes: u32, seed: u64) -> SimBuilder<Causal> {
    let audited = params.audit.is_some();
    let params = Arc::new(params);
    let mut b = SimBuilder::new(nodes, seed, move |id, n| {
        Causal::new(Arc::clone(&params), id, n)
    });
    if audited {
        let names = ["vector-clock-laws", "vector-clock-rules"];
        b = audit::checks(b, names, |n: &Causal| &n.audit);
    }
    b.invariant(Invariant::always("clock-condition", |sim: &Sim<Causal>| {
        super::first_violation(sim.live_nodes().map(|(id, n)| (id, &n.ghost)))
    }))
    .invariant(Invariant::new(
        "causal-delivery",
        CheckKind::AtEnd,
        causal_delivery,
    ))
    .invariant(Invariant::eventually("all-delivered", all_delivered))
    .invariant(Invariant::sometimes(
        "a-message-waits",
        |sim: &Sim<Causal>| sim.live_nodes().any(|(_, n)| !n.buffer.is_empty()),
    ))
    .metrics(|sim: &Sim<Causal>| {
        let total: u64 = sim.live_nodes().map(|(_, n)| n.sent).sum();
        let per = sim.counters().sent as f64 / total.max(1) as f64;
        vec![
            ("broadcasts".into(), total.to_string()),
            ("messages-per-broadcast".into(), format!("{per:.1}")),
        ]
    })
}
