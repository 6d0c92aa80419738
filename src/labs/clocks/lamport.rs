//! The `lamport` harness: the shipped totally ordered broadcast
//! (`protocols::clocks::lamport`) with the student's Lamport clock doing
//! every tick. A delivery is a local event (`tick`), a broadcast or an
//! acknowledgement a send (`on_send`), a link payload a receipt
//! (`on_receive`). Every call is checked against the rule from the time read
//! just before it (`lamport-rules`), and each node runs generated sequences
//! at start (`lamport-laws`).

use super::{laws, HarnessParams, LabLamportClock, LAW_STEPS};
use crate::check::history::{EventType, Value};
use crate::check::{CheckKind, Invariant, Outcome};
use crate::protocols::clocks::lamport::{Delivery, Payload, Timer};
use crate::protocols::clocks::link::{LinkMsg, Links};
use crate::protocols::clocks::scenario::{BroadcastWorkload, LAMPORT_FACTS};
use crate::protocols::clocks::{first_violation, ClockGhost};
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{Ctx, DynSim, Node, NodeId, Reply, Request, Sim, SimBuilder};
use crate::workload::Workload;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One node of the totally ordered broadcast over the clock `L`.
#[derive(Clone, Debug)]
pub struct LamportNode<L: LabLamportClock> {
    params: Arc<HarnessParams>,
    id: NodeId,
    /// The student's clock.
    pub clock: L,
    queue: BTreeMap<(u64, NodeId), i64>,
    horizon: BTreeMap<NodeId, (u64, NodeId)>,
    links: Links<Payload>,
    waiting: BTreeMap<(u64, NodeId), Request>,
    /// Delivered broadcasts, in delivery order.
    pub delivered: Vec<Delivery>,
    /// Clock-condition records.
    pub ghost: ClockGhost,
    /// Ghost: the first clock operation that broke its rule.
    pub rule_broken: Option<String>,
    /// Ghost: the first generated sequence that failed.
    pub law_broken: Option<String>,
}

impl<L: LabLamportClock> LamportNode<L> {
    /// A fresh node.
    pub fn new(params: Arc<HarnessParams>, id: NodeId) -> Self {
        LamportNode {
            clock: L::with_params(&params.clock),
            params,
            id,
            queue: BTreeMap::new(),
            horizon: BTreeMap::new(),
            links: Links::new(true),
            waiting: BTreeMap::new(),
            delivered: Vec::new(),
            ghost: ClockGhost::default(),
            rule_broken: None,
            law_broken: None,
        }
    }

    /// Record `op`'s result `got` against `expected`, and `time()` after it.
    fn judge(&mut self, op: String, before: u64, got: u64, expected: u64) {
        let time = self.clock.time();
        if self.rule_broken.is_none() && (got != expected || time != expected) {
            self.rule_broken = Some(format!(
                "{}: at time {before}, {op} returned {got} (time() then {time}), expected {expected}",
                self.id
            ));
        }
    }

    fn send_event(&mut self) -> u64 {
        let before = self.clock.time();
        let ts = self.clock.on_send();
        self.judge("on_send()".into(), before, ts, before + 1);
        self.ghost.event(ts, None);
        ts
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
        let before = self.clock.time();
        let now = self.clock.on_receive(ts);
        self.judge(format!("on_receive({ts})"), before, now, before.max(ts) + 1);
        self.ghost.event(now, Some(ts));
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
            // A delivery is a local event.
            let before = self.clock.time();
            let now = self.clock.tick();
            self.judge("tick()".into(), before, now, before + 1);
            self.ghost.event(now, None);
            self.delivered.push((head.0, head.1, value));
            if let Some(request) = self.waiting.remove(&head) {
                ctx.reply(&request, Reply::Ok(Value::Nil));
            }
        }
    }
}

impl<L: LabLamportClock> Node for LamportNode<L> {
    type Msg = LinkMsg<Payload>;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        for _ in 0..self.params.laws {
            if let Err(why) = laws::lamport::<L>(ctx.rng(), &self.params.clock, LAW_STEPS) {
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

    fn summary(&self) -> String {
        format!(
            "C={} delivered {} queued {}",
            self.clock.time(),
            self.delivered.len(),
            self.queue.len()
        )
    }
}

fn total_order<L: LabLamportClock>(sim: &Sim<LamportNode<L>>) -> Outcome {
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

fn acked_delivered_everywhere<L: LabLamportClock>(sim: &Sim<LamportNode<L>>) -> Result<(), String> {
    let acked: Vec<i64> = sim
        .history()
        .events
        .iter()
        .filter(|e| e.kind == EventType::Ok)
        .filter_map(|e| e.value.as_int())
        .collect();
    for (id, node) in sim.live_nodes() {
        let held: BTreeSet<i64> = node.delivered.iter().map(|d| d.2).collect();
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

fn first<'a>(mut found: impl Iterator<Item = &'a Option<String>>) -> Result<(), String> {
    match found.find_map(Option::as_ref) {
        Some(why) => Err(why.clone()),
        None => Ok(()),
    }
}

/// A simulation builder with harness nodes over `L`, checks and metrics.
pub fn builder<L: LabLamportClock>(
    params: HarnessParams,
    nodes: u32,
    seed: u64,
) -> SimBuilder<LamportNode<L>> {
    let params = Arc::new(params);
    SimBuilder::new(nodes, seed, move |id, _| {
        LamportNode::<L>::new(Arc::clone(&params), id)
    })
    .invariant(Invariant::always(
        "lamport-laws",
        |sim: &Sim<LamportNode<L>>| first(sim.live_nodes().map(|(_, n)| &n.law_broken)),
    ))
    .invariant(Invariant::always(
        "lamport-rules",
        |sim: &Sim<LamportNode<L>>| first(sim.live_nodes().map(|(_, n)| &n.rule_broken)),
    ))
    .invariant(Invariant::always(
        "clock-condition",
        |sim: &Sim<LamportNode<L>>| first_violation(sim.live_nodes().map(|(id, n)| (id, &n.ghost))),
    ))
    .invariant(Invariant::new("total-order", CheckKind::AtEnd, total_order))
    .invariant(Invariant::eventually(
        "acked-broadcasts-delivered-everywhere",
        acked_delivered_everywhere,
    ))
    .metrics(|sim: &Sim<LamportNode<L>>| {
        let delivered = sim.live_nodes().map(|(_, n)| n.delivered.len()).max();
        let delivered = delivered.unwrap_or(0).max(1) as f64;
        let per = sim.counters().sent as f64 / delivered;
        vec![("messages-per-broadcast".into(), format!("{per:.1}"))]
    })
}

/// Build a `lamport` scenario over the clock `L`.
pub(crate) fn build<L: LabLamportClock>(
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
    let b = builder::<L>(params, scenario.nodes, scenario.seed);
    let b = configure(b, scenario, &LAMPORT_FACTS, workload, options)?;
    Ok(Box::new(b.build()))
}
