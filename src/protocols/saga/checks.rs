//! Sagas' workload, checks and metrics. The checks are generic over the lab
//! trait [`SagaLabNode`], so the same checks judge the reference and a
//! student's implementation (lab 04).
//!
//! A saga's fate is read from the order service (n0): it exists once step 0
//! ran, is completed once step 4 ran, compensated once step 0 was undone.
//! The other services' records say what is still in force (charged,
//! reserved, shipped). Crashed nodes are read from their storage, in the
//! layout every implementation shares (`step/<step>/<saga>`: [`StepRecord`]).

use super::lab::SagaLabNode;
use super::{Order, Params, SagaId, SagaNode, StepRecord, StepResult};
use crate::check::history::Value;
use crate::check::{CheckKind, Outcome};
use crate::sim::Invariant;
use crate::sim::{ClientId, NodeId, Op, Prng, Request, Sim, SimBuilder, SimTime};
use crate::workload::Workload;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Clients order `1..=max_qty` of a random item for a random customer.
#[derive(Clone, Debug)]
pub struct OrderWorkload {
    /// Customers.
    pub customers: u32,
    /// Items.
    pub items: u32,
    /// Largest quantity.
    pub max_qty: u32,
}

impl Workload for OrderWorkload {
    fn next_op(&self, rng: &mut Prng, _client: ClientId, _sequence: u64) -> Op {
        let customer = rng.below(u64::from(self.customers.max(1))) as i64;
        let item = rng.below(u64::from(self.items.max(1))) as i64;
        let qty = rng.range_inclusive(1, u64::from(self.max_qty.max(1))) as i64;
        Op {
            f: "order".into(),
            key: None,
            value: Value::List(vec![
                Value::Int(customer),
                Value::Int(item),
                Value::Int(qty),
            ]),
        }
    }
}

/// The order a client request asks for, if well formed.
pub fn parse_order(params: &Params, request: &Request) -> Option<Order> {
    let items = request.op.value.as_list()?;
    let [c, i, q] = &*items else { return None };
    let (c, i, q) = (c.as_int()?, i.as_int()?, q.as_int()?);
    let customer = u32::try_from(c).ok().filter(|&c| c < params.customers)?;
    let item = u32::try_from(i).ok().filter(|&i| i < params.items)?;
    let qty = u32::try_from(q).ok().filter(|&q| (1..=1000).contains(&q))?;
    (request.op.f == "order").then_some(Order {
        customer,
        item,
        qty,
        amount: i64::from(qty) * Order::price(item),
    })
}

/// Every step record of a node, up or down.
fn records_of<N: SagaLabNode>(sim: &Sim<N>, node: NodeId) -> BTreeMap<(u8, SagaId), StepRecord> {
    if let Some(n) = sim.node(node) {
        return n.step_records().clone();
    }
    let storage = &sim.slots()[node.index()].storage;
    storage
        .keys()
        .iter()
        .filter(|k| k.starts_with("step/"))
        .filter_map(|k| storage.get::<StepRecord>(k))
        .map(|r| ((r.step, r.saga), r))
        .collect()
}

/// Every step record in the system, by (step, saga).
fn all_records<N: SagaLabNode>(sim: &Sim<N>) -> BTreeMap<(u8, SagaId), StepRecord> {
    (0..sim.node_count())
        .flat_map(|n| records_of(sim, NodeId(n)))
        .collect()
}

/// How a saga ended, from the order service's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Completed,
    Compensated,
    Open,
}

fn fate(records: &BTreeMap<(u8, SagaId), StepRecord>, saga: SagaId) -> Fate {
    let completed = records
        .get(&(4, saga))
        .is_some_and(|r| r.result == Some(StepResult::Ok));
    let cancelled = records.get(&(0, saga)).is_some_and(|r| r.undo_done);
    match (completed, cancelled) {
        (true, false) => Fate::Completed,
        (false, true) => Fate::Compensated,
        _ => Fate::Open,
    }
}

/// Sagas started (step 0 ran), with their orders.
fn sagas(records: &BTreeMap<(u8, SagaId), StepRecord>) -> Vec<(SagaId, Order)> {
    records
        .values()
        .filter(|r| r.step == 0 && r.applied > 0)
        .map(|r| (r.saga, r.order))
        .collect()
}

fn no_double_charge<N: SagaLabNode>(sim: &Sim<N>) -> Result<(), String> {
    let Some(payment) = sim.node(NodeId(1)) else {
        return Ok(());
    };
    let touched = payment.last_touched().filter(|(step, _)| *step == 1);
    let Some(r) = touched.and_then(|k| payment.step_records().get(&k)) else {
        return Ok(());
    };
    if r.applied > 1 {
        return Err(format!(
            "{} charged customer c{} {} times for one order of {}",
            r.saga, r.order.customer, r.applied, r.order.amount
        ));
    }
    Ok(())
}

fn stock_never_negative<N: SagaLabNode>(sim: &Sim<N>) -> Result<(), String> {
    let Some(inventory) = sim.node(NodeId(2)) else {
        return Ok(());
    };
    for (item, &stock) in inventory.stock() {
        if stock < 0 {
            return Err(format!("item i{item} has stock {stock}"));
        }
    }
    Ok(())
}

/// What is still in force for `saga` at each of steps 1..=3.
fn in_force(records: &BTreeMap<(u8, SagaId), StepRecord>, saga: SagaId) -> [i64; 3] {
    [1, 2, 3].map(|step| records.get(&(step, saga)).map_or(0, StepRecord::net))
}

fn sagas_finish<N: SagaLabNode>(sim: &Sim<N>) -> Result<(), String> {
    let records = all_records(sim);
    let mut problems = Vec::new();
    for (saga, _) in sagas(&records) {
        let held = in_force(&records, saga);
        let what = ["charged", "stock reserved", "shipment scheduled"];
        let list = |want: i64| -> Vec<&str> {
            (0..3)
                .filter(|&i| held[i] != want)
                .map(|i| what[i])
                .collect()
        };
        let problem = match fate(&records, saga) {
            Fate::Open => {
                let holding: Vec<&str> = (0..3).filter(|&i| held[i] > 0).map(|i| what[i]).collect();
                Some(format!(
                    "{saga} is half done (order open; in force: {})",
                    or_none(&holding)
                ))
            }
            Fate::Completed if held != [1, 1, 1] => Some(format!(
                "{saga} completed but not exactly once: {}",
                list(1).join(", ")
            )),
            Fate::Compensated if held != [0, 0, 0] => Some(format!(
                "{saga} compensated but still in force: {}",
                list(0).join(", ")
            )),
            _ => None,
        };
        problems.extend(problem);
    }
    if problems.is_empty() {
        return Ok(());
    }
    let count = problems.len();
    problems.truncate(4);
    Err(format!(
        "{count} of {} sagas not finished cleanly: {}",
        sagas(&records).len(),
        problems.join("; ")
    ))
}

fn or_none(items: &[&str]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}

/// Balances and stock as the services hold them (or storage says).
fn balances_and_stock<N: SagaLabNode>(
    sim: &Sim<N>,
    params: &Params,
) -> (BTreeMap<u32, i64>, BTreeMap<u32, i64>) {
    let derive = |node: u32| -> (BTreeMap<u32, i64>, BTreeMap<u32, i64>) {
        let mut balances: BTreeMap<u32, i64> = (0..params.customers)
            .map(|c| (c, params.initial_balance))
            .collect();
        let mut stock: BTreeMap<u32, i64> = (0..params.items)
            .map(|i| (i, params.initial_stock))
            .collect();
        for r in records_of(sim, NodeId(node)).values() {
            match r.step {
                1 => *balances.entry(r.order.customer).or_default() -= r.net() * r.order.amount,
                2 => *stock.entry(r.order.item).or_default() -= r.net() * i64::from(r.order.qty),
                _ => {}
            }
        }
        (balances, stock)
    };
    let balances = match sim.node(NodeId(1)) {
        Some(n) => n.balances().clone(),
        None => derive(1).0,
    };
    let stock = match sim.node(NodeId(2)) {
        Some(n) => n.stock().clone(),
        None => derive(2).1,
    };
    (balances, stock)
}

fn conserved<N: SagaLabNode>(sim: &Sim<N>, params: &Params) -> Outcome {
    let records = all_records(sim);
    let mut balances: BTreeMap<u32, i64> = (0..params.customers)
        .map(|c| (c, params.initial_balance))
        .collect();
    let mut stock: BTreeMap<u32, i64> = (0..params.items)
        .map(|i| (i, params.initial_stock))
        .collect();
    for (saga, order) in sagas(&records) {
        match fate(&records, saga) {
            Fate::Open => return Outcome::Unknown(format!("not quiescent: {saga} is unfinished")),
            Fate::Completed => {
                *balances.entry(order.customer).or_default() -= order.amount;
                *stock.entry(order.item).or_default() -= i64::from(order.qty);
            }
            Fate::Compensated => {}
        }
    }
    let (held_balances, held_stock) = balances_and_stock(sim, params);
    for (c, want) in &balances {
        let got = held_balances.get(c).copied().unwrap_or(0);
        if got != *want {
            return Outcome::Fail(format!(
                "customer c{c} has {got}, but the completed sagas leave {want}"
            ));
        }
    }
    for (i, want) in &stock {
        let got = held_stock.get(i).copied().unwrap_or(0);
        if got != *want {
            return Outcome::Fail(format!(
                "item i{i} has stock {got}, but the completed sagas leave {want}"
            ));
        }
    }
    Outcome::Pass
}

/// `answers-match-sagas` (at the end): the clients were told the truth,
/// and compensation had a reason. No more orders were answered "completed"
/// than sagas completed at the services; every compensated saga has a step
/// that refused (a business reason, not a timeout or a guess); and the
/// services were asked over the network (at least one message per
/// completed order). An orchestrator that answers without running the
/// steps, or gives up on orders that nobody refused, fails here.
fn answers_match_sagas<N: SagaLabNode>(sim: &Sim<N>) -> Outcome {
    use crate::check::history::EventType;
    let records = all_records(sim);
    let started = sagas(&records);
    let completed = started
        .iter()
        .filter(|(s, _)| fate(&records, *s) == Fate::Completed)
        .count();
    let told_ok = sim
        .history()
        .events
        .iter()
        .filter(|e| e.kind == EventType::Ok)
        .count();
    if told_ok > completed {
        return Outcome::Fail(format!(
            "{told_ok} orders were answered completed, but only {completed} sagas completed at the services"
        ));
    }
    for (saga, _) in &started {
        if fate(&records, *saga) != Fate::Compensated {
            continue;
        }
        let refused = records
            .values()
            .any(|r| r.saga == *saga && matches!(r.result, Some(StepResult::Failed(_))));
        if !refused {
            return Outcome::Fail(format!(
                "{saga} was compensated, but no step of it refused: compensate only after a refusal, retry what is merely unanswered"
            ));
        }
    }
    let sent = sim.counters().sent;
    if (sent as usize) < told_ok {
        return Outcome::Fail(format!(
            "{told_ok} orders completed with only {sent} messages sent: the orchestrator must ask the services"
        ));
    }
    Outcome::Pass
}

/// Refusals caused by holdings of sagas that were later compensated.
fn isolation_anomalies(records: &BTreeMap<(u8, SagaId), StepRecord>) -> Vec<String> {
    let mut out = Vec::new();
    for r in records.values().filter(|r| !r.blocked_by.is_empty()) {
        let rolled_back: Vec<String> = r
            .blocked_by
            .iter()
            .filter(|s| records.get(&(r.step, **s)).is_some_and(|h| h.undone > 0))
            .map(SagaId::to_string)
            .collect();
        if !rolled_back.is_empty() {
            out.push(format!(
                "{} refused while {} held it",
                r.saga,
                rolled_back.join(", ")
            ));
        }
    }
    out
}

fn percentile(sorted: &[u64], q: usize) -> String {
    crate::sim::report::percentile(sorted, q).map_or("-".into(), |p| SimTime(p).to_string())
}

fn metrics<N: SagaLabNode>(sim: &Sim<N>) -> Vec<(String, String)> {
    let records = all_records(sim);
    let started = sagas(&records);
    let fates: Vec<Fate> = started.iter().map(|(s, _)| fate(&records, *s)).collect();
    let count = |f: Fate| fates.iter().filter(|&&x| x == f).count().to_string();
    let mut out = vec![
        ("sagas-completed".to_string(), count(Fate::Completed)),
        ("sagas-compensated".to_string(), count(Fate::Compensated)),
        ("sagas-unfinished".to_string(), count(Fate::Open)),
    ];
    for (step, name) in [
        (1, "refused-payment"),
        (2, "refused-stock"),
        (3, "refused-shipping"),
        (4, "refused-fraud"),
    ] {
        let n = records
            .values()
            .filter(|r| r.step == step && matches!(r.result, Some(StepResult::Failed(_))))
            .count();
        out.push((name.to_string(), n.to_string()));
    }
    let mut latencies: Vec<u64> = started
        .iter()
        .filter_map(|(s, _)| {
            let begin = records.get(&(0, *s))?.done_at?;
            let end = match fate(&records, *s) {
                Fate::Completed => records.get(&(4, *s))?.done_at?,
                Fate::Compensated => records.get(&(0, *s))?.undone_at?,
                Fate::Open => return None,
            };
            Some(end.saturating_sub(begin).as_nanos())
        })
        .collect();
    latencies.sort_unstable();
    if !latencies.is_empty() {
        out.push(("saga-latency-p50".into(), percentile(&latencies, 50)));
        out.push(("saga-latency-p99".into(), percentile(&latencies, 99)));
    }
    if !started.is_empty() {
        let per = sim.counters().sent as f64 / started.len() as f64;
        out.push(("messages-per-saga".into(), format!("{per:.1}")));
    }
    let (dedup, transient): (u64, u64) = sim
        .live_nodes()
        .map(|(_, n)| (n.dedup_hits(), n.transient_failures()))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    out.push(("duplicates-suppressed".into(), dedup.to_string()));
    out.push(("transient-failures".into(), transient.to_string()));
    let anomalies = isolation_anomalies(&records);
    out.push(("isolation-anomalies".into(), anomalies.len().to_string()));
    if let Some(first) = anomalies.first() {
        out.push(("isolation-anomaly-example".into(), first.clone()));
    }
    out
}

/// The number of isolation anomalies at the end of a run (for tests).
#[cfg(test)]
pub fn anomaly_count(sim: &Sim<SagaNode>) -> usize {
    isolation_anomalies(&all_records(sim)).len()
}

/// A simulation builder with saga services, their checks and metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<SagaNode> {
    let params = Arc::new(params);
    let factory = Arc::clone(&params);
    let b = SimBuilder::new(nodes, seed, move |id, _| {
        SagaNode::new(Arc::clone(&factory), id)
    });
    attach_checks(b, params)
}

/// Attach the sagas' checks and metrics to a builder of any implementation
/// of the lab trait: `no-double-charge` and `stock-never-negative` (every
/// step), `sagas-complete-or-compensate` (eventually),
/// `money-and-stock-conserved` and `answers-match-sagas` (at the end),
/// `a-saga-completes` (sometimes).
pub fn attach_checks<N: SagaLabNode>(b: SimBuilder<N>, params: Arc<Params>) -> SimBuilder<N> {
    b.invariant(Invariant::always("no-double-charge", no_double_charge::<N>))
        .invariant(Invariant::always(
            "stock-never-negative",
            stock_never_negative::<N>,
        ))
        .invariant(Invariant::eventually(
            "sagas-complete-or-compensate",
            sagas_finish::<N>,
        ))
        .invariant(Invariant::new(
            "money-and-stock-conserved",
            CheckKind::AtEnd,
            move |sim| conserved(sim, &params),
        ))
        .invariant(Invariant::new(
            "answers-match-sagas",
            CheckKind::AtEnd,
            answers_match_sagas::<N>,
        ))
        .invariant(Invariant::sometimes("a-saga-completes", |sim: &Sim<N>| {
            sim.node(NodeId(0)).is_some_and(|n| {
                let touched = n.last_touched().and_then(|k| n.step_records().get(&k));
                touched.is_some_and(|r| r.step == 4 && r.result == Some(StepResult::Ok))
            })
        }))
        .metrics(metrics::<N>)
}

/// The lab's extra check, `charged-at-most-once` (at the end): no payment
/// record, up or down, was applied more than once. `no-double-charge` looks
/// at the record the last handler touched
/// ([`SagaLabNode::last_touched`]); this one reads every record, once.
pub fn charged_at_most_once<N: SagaLabNode>(sim: &Sim<N>) -> Outcome {
    for r in records_of(sim, NodeId(1)).values() {
        if r.step == 1 && r.applied > 1 {
            return Outcome::Fail(format!(
                "{} charged customer c{} {} times for one order of {}",
                r.saga, r.order.customer, r.applied, r.order.amount
            ));
        }
    }
    Outcome::Pass
}
