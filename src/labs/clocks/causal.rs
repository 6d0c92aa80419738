//! The `vclock` harness: the shipped causal broadcast
//! (`protocols::clocks::causal`) over the student's vector clock. A node's
//! clock D counts deliveries per sender; a broadcast increments its own
//! entry and carries D as the stamp; a received message waits in the buffer
//! until deliverable (the student's rule, or with `delivery_rule = "given"`
//! the lab's), then D merges the stamp.
//!
//! Every increment, merge and comparison the protocol makes is checked
//! against the rule from the entries read just before it
//! (`vector-clock-rules`): at each delivery the stamp is compared with D and
//! with the last delivered stamps, both ways. Each node also runs generated
//! sequences at start (`vector-clock-laws`). Ghost true vectors (never read
//! by the protocol) feed `causal-delivery`, as in the shipped protocol.

use super::{
    causally_ready, laws, read_entries, ClockOrder, DeliveryRule, HarnessParams, LabVectorClock,
    LAW_STEPS,
};
use crate::check::causal::check_causal_delivery;
use crate::check::history::Value;
use crate::check::verdict::Status;
use crate::check::{CheckKind, Invariant, Outcome};
use crate::protocols::clocks::causal::Timer;
use crate::protocols::clocks::link::{LinkMsg, Links};
use crate::protocols::clocks::scenario::{BroadcastWorkload, VCLOCK_FACTS};
use crate::protocols::clocks::{first_violation, ClockGhost, VClock};
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{Ctx, DynSim, Node, NodeId, Reply, Request, Sim, SimBuilder};
use crate::workload::Workload;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A student's clock on the wire, with its entries read at send time (for
/// the trace's hash and display; the protocol only uses `clock`).
#[derive(Clone, Debug)]
pub struct Stamp<V> {
    /// The clock as sent.
    pub clock: V,
    /// Its entries, read through `get` when it was sent.
    pub entries: VClock,
}

impl<V> Hash for Stamp<V> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.entries.hash(state);
    }
}

impl<V> Serialize for Stamp<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries.serialize(serializer)
    }
}

/// A causal broadcast over the clock `V`.
#[derive(Clone, Debug, Serialize)]
#[serde(bound = "")]
pub struct CausalMessage<V> {
    /// Sender.
    pub sender: NodeId,
    /// The sender's broadcast number, from 1 (names the message `n2#3`).
    pub number: u64,
    /// The value.
    pub value: i64,
    /// The protocol's vector timestamp.
    pub stamp: Stamp<V>,
    /// Ghost: the true causal past (never read by the protocol).
    pub truth: VClock,
}

impl<V> Hash for CausalMessage<V> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.sender, self.number, self.value).hash(state);
        self.stamp.hash(state);
        self.truth.hash(state);
    }
}

impl<V> CausalMessage<V> {
    /// The message's name in checks: `n2#3`.
    pub fn name(&self) -> String {
        format!("{}#{}", self.sender, self.number)
    }
}

/// Stamps of recent deliveries each new one is compared with.
const COMPARED: usize = 3;

/// One causal-broadcast node over the clock `V`.
#[derive(Clone, Debug)]
pub struct CausalNode<V: LabVectorClock> {
    params: Arc<HarnessParams>,
    id: NodeId,
    /// Delivered-broadcast counts per sender (the student's clock).
    pub clock: V,
    buffer: Vec<CausalMessage<V>>,
    links: Links<CausalMessage<V>>,
    sent: u64,
    truth: VClock,
    seen: VClock,
    recent: Vec<Stamp<V>>,
    /// Ghost: messages in delivery order (own ones at send).
    pub delivered: Vec<String>,
    /// Ghost: every message this node broadcast or delivered, with its true past.
    pub stamps: BTreeMap<String, VClock>,
    /// Clock-condition records.
    pub ghost: ClockGhost,
    /// Ghost: the first clock operation that broke its rule.
    pub rule_broken: Option<String>,
    /// Ghost: the first generated sequence that failed.
    pub law_broken: Option<String>,
}

impl<V: LabVectorClock> CausalNode<V> {
    /// A fresh node.
    pub fn new(params: Arc<HarnessParams>, id: NodeId, nodes: u32) -> Self {
        CausalNode {
            clock: V::with_params(&params.clock),
            params,
            id,
            buffer: Vec::new(),
            links: Links::new(false),
            sent: 0,
            truth: VClock::new(nodes),
            seen: VClock::new(nodes),
            recent: Vec::new(),
            delivered: Vec::new(),
            stamps: BTreeMap::new(),
            ghost: ClockGhost::default(),
            rule_broken: None,
            law_broken: None,
        }
    }

    /// Messages received but not yet delivered.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    fn read(&self, clock: &V) -> VClock {
        read_entries(clock, self.params.clock.nodes)
    }

    fn broken(&mut self, why: String) {
        if self.rule_broken.is_none() {
            self.rule_broken = Some(format!("{}: {why}", self.id));
        }
    }

    fn broadcast(&mut self, ctx: &mut Ctx<Self>, value: i64) {
        let before = self.read(&self.clock);
        self.clock.increment(self.id);
        let after = self.read(&self.clock);
        let mut expected = before.clone();
        expected.increment(self.id);
        if after != expected {
            let id = self.id;
            self.broken(format!(
                "increment({id}) turned {before} into {after}, expected {expected}"
            ));
        }
        // Clock condition: this broadcast follows everything delivered here.
        if !self.seen.happens_before(&after) {
            let text = format!(
                "{} broadcast with {after} but had already delivered up to {}",
                self.id, self.seen
            );
            self.ghost.violation(text);
        }
        self.seen.merge(&after);
        self.sent += 1;
        self.truth.increment(self.id);
        let msg = CausalMessage {
            sender: self.id,
            number: self.sent,
            value,
            stamp: Stamp {
                clock: self.clock.clone(),
                entries: after,
            },
            truth: self.truth.clone(),
        };
        self.delivered.push(msg.name());
        self.stamps.insert(msg.name(), msg.truth.clone());
        for peer in ctx.peers() {
            let data = self.links.send(peer, msg.clone());
            ctx.send(peer, data);
        }
    }

    fn ready(&self, m: &CausalMessage<V>) -> bool {
        match self.params.delivery {
            DeliveryRule::Yours => self.clock.deliverable(m.sender, &m.stamp.clock),
            DeliveryRule::Given => {
                causally_ready(&self.read(&self.clock), m.sender, &m.stamp.entries)
            }
        }
    }

    /// Compare `a` with `b` (both ways) and judge the answers.
    fn judge_compare(&mut self, a: (&str, &V, &VClock), b: (&str, &V, &VClock)) {
        for ((x_name, x, x_entries), (y_name, y, y_entries)) in [(a, b), (b, a)] {
            let got = x.compare(y);
            let expected = ClockOrder::from_partial(x_entries.partial_cmp(y_entries));
            if got != expected {
                self.broken(format!(
                    "{x_name} {x_entries} compared with {y_name} {y_entries} gave {got:?}, expected {expected:?}"
                ));
            }
        }
    }

    fn deliver(&mut self, m: CausalMessage<V>) {
        let name = m.name();
        let before = self.read(&self.clock);
        let clock = self.clock.clone();
        self.judge_compare(
            (
                &format!("the stamp of {name}"),
                &m.stamp.clock,
                &m.stamp.entries,
            ),
            ("the clock", &clock, &before),
        );
        let recent = std::mem::take(&mut self.recent);
        for earlier in &recent {
            self.judge_compare(
                (
                    &format!("the stamp of {name}"),
                    &m.stamp.clock,
                    &m.stamp.entries,
                ),
                ("an earlier stamp", &earlier.clock, &earlier.entries),
            );
        }
        self.recent = recent;
        self.clock.merge(&m.stamp.clock);
        let after = self.read(&self.clock);
        let mut expected = before.clone();
        expected.merge(&m.stamp.entries);
        if after != expected {
            let stamp = &m.stamp.entries;
            self.broken(format!(
                "merging {name}'s stamp {stamp} into {before} gave {after}, expected {expected}"
            ));
        }
        let covered = matches!(
            m.stamp.entries.partial_cmp(&after),
            Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
        );
        if !covered {
            let text = format!(
                "{} delivered {name} stamped {} but its clock is now {after}",
                self.id, m.stamp.entries
            );
            self.ghost.violation(text);
        }
        self.seen.merge(&m.stamp.entries);
        self.truth.merge(&m.truth);
        self.delivered.push(name.clone());
        self.stamps.insert(name, m.truth);
        self.recent.push(m.stamp);
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

impl<V: LabVectorClock> Node for CausalNode<V> {
    type Msg = LinkMsg<CausalMessage<V>>;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        for _ in 0..self.params.laws {
            if let Err(why) = laws::vector::<V>(ctx.rng(), &self.params.clock, LAW_STEPS) {
                self.law_broken = Some(format!("{}: {why}", self.id));
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

    fn summary(&self) -> String {
        format!(
            "V={} delivered {} buffered {}",
            self.read(&self.clock),
            self.delivered.len(),
            self.buffer.len()
        )
    }
}

fn causal_delivery<V: LabVectorClock>(sim: &Sim<CausalNode<V>>) -> Outcome {
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

fn all_delivered<V: LabVectorClock>(sim: &Sim<CausalNode<V>>) -> Result<(), String> {
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

fn first<'a>(mut found: impl Iterator<Item = &'a Option<String>>) -> Result<(), String> {
    match found.find_map(Option::as_ref) {
        Some(why) => Err(why.clone()),
        None => Ok(()),
    }
}

/// A simulation builder with harness nodes over `V`, checks and metrics.
pub fn builder<V: LabVectorClock>(
    params: HarnessParams,
    nodes: u32,
    seed: u64,
) -> SimBuilder<CausalNode<V>> {
    let params = Arc::new(params);
    SimBuilder::new(nodes, seed, move |id, n| {
        CausalNode::<V>::new(Arc::clone(&params), id, n)
    })
    .invariant(Invariant::always(
        "vector-clock-laws",
        |sim: &Sim<CausalNode<V>>| first(sim.live_nodes().map(|(_, n)| &n.law_broken)),
    ))
    .invariant(Invariant::always(
        "vector-clock-rules",
        |sim: &Sim<CausalNode<V>>| first(sim.live_nodes().map(|(_, n)| &n.rule_broken)),
    ))
    .invariant(Invariant::always(
        "clock-condition",
        |sim: &Sim<CausalNode<V>>| first_violation(sim.live_nodes().map(|(id, n)| (id, &n.ghost))),
    ))
    .invariant(Invariant::new(
        "causal-delivery",
        CheckKind::AtEnd,
        causal_delivery,
    ))
    .invariant(Invariant::eventually("all-delivered", all_delivered))
    .invariant(Invariant::sometimes(
        "a-message-waits",
        |sim: &Sim<CausalNode<V>>| sim.live_nodes().any(|(_, n)| !n.buffer.is_empty()),
    ))
    .metrics(|sim: &Sim<CausalNode<V>>| {
        let total: u64 = sim.live_nodes().map(|(_, n)| n.sent).sum();
        let per = sim.counters().sent as f64 / total.max(1) as f64;
        vec![
            ("broadcasts".into(), total.to_string()),
            ("messages-per-broadcast".into(), format!("{per:.1}")),
        ]
    })
}

/// Build a `vclock` scenario over the clock `V`.
pub(crate) fn build<V: LabVectorClock>(
    scenario: &Scenario,
    params: HarnessParams,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let workload: Option<Box<dyn Workload>> = match &scenario.workload {
        Some(w) => {
            w.params.reader().finish()?;
            Some(Box::new(BroadcastWorkload))
        }
        None => None,
    };
    let b = builder::<V>(params, scenario.nodes, scenario.seed);
    let b = configure(b, scenario, &VCLOCK_FACTS, workload, options)?;
    Ok(Box::new(b.build()))
}
