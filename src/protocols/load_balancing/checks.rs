//! The load-balancing workload, checks and metrics.
//!
//! The balancers keep ghost records for the checks (not read by the
//! protocol): a count of handler runs, the picks and the client answers of
//! the last one. Each monitor below keeps a cursor per balancer (its
//! handler count; a restart starts over) and reads a balancer's records
//! only after a step in which it ran:
//! - `answered-once`: no client request is answered twice (a hedge's
//!   loser is dropped, not relayed).
//! - `outstanding-accurate`: a balancer's outstanding count per instance
//!   equals its attempts in flight to it (the bookkeeping least-outstanding
//!   and two-choices decide on).
//! - `picks-follow-strategy`: least-outstanding never picks an instance
//!   with more outstanding requests than another candidate, two-choices
//!   never the more loaded of its two samples — from the balancer's own
//!   view when it chose.
//! - `ejected-skipped`: no pick goes to an instance the balancer has
//!   ejected, while the ejection lasts.
//!
//! Plus `retry-budget-respected` (always: retries in all at most
//! `retry_budget` of the requests taken) and `no-lost-requests`
//! (eventually: every client request got an answer, `ok` or `fail`, before
//! the client gave up).

use super::strategy::Strategy;
use super::{Balancer, LbNode, Params, Pick};
use crate::sim::{ClientId, Invariant, Monitor, NodeId, Op, Prng, Sim, SimBuilder, Value};
use crate::workload::Workload;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Reads of keys `k0..k{keys}`, uniformly.
#[derive(Clone, Debug)]
pub struct KeyWorkload {
    /// Keys to draw from.
    pub keys: u32,
}

impl Workload for KeyWorkload {
    fn next_op(&self, rng: &mut Prng, _client: ClientId, _sequence: u64) -> Op {
        Op {
            f: "get".into(),
            key: Some(format!("k{}", rng.below(u64::from(self.keys.max(1))))),
            value: Value::Nil,
        }
    }
}

/// Which rule a [`BalancerMonitor`] checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `answered-once`.
    AnsweredOnce,
    /// `outstanding-accurate`.
    OutstandingAccurate,
    /// `picks-follow-strategy`.
    PicksFollowStrategy,
    /// `ejected-skipped`.
    EjectedSkipped,
}

impl Rule {
    /// The check's name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::AnsweredOnce => "answered-once",
            Rule::OutstandingAccurate => "outstanding-accurate",
            Rule::PicksFollowStrategy => "picks-follow-strategy",
            Rule::EjectedSkipped => "ejected-skipped",
        }
    }
}

/// A monitor over the balancers' ghost records (module doc).
#[derive(Clone, Debug)]
pub struct BalancerMonitor {
    rule: Rule,
    strategy: Strategy,
    /// Each balancer's handler count when last read.
    cursors: Vec<u64>,
    /// (client, request) pairs answered so far (`answered-once`).
    answered: BTreeSet<(u32, u64)>,
}

impl BalancerMonitor {
    /// A monitor of `rule`.
    pub fn new(rule: Rule, strategy: Strategy) -> Self {
        BalancerMonitor {
            rule,
            strategy,
            cursors: Vec::new(),
            answered: BTreeSet::new(),
        }
    }

    fn check_pick(&self, id: NodeId, b: &Balancer, pick: &Pick) -> Result<(), String> {
        let node = |i: usize| b.instances[i];
        let chosen = pick.loads[pick.instance];
        match self.rule {
            Rule::EjectedSkipped => match pick.ejected_until {
                Some(until) => Err(format!(
                    "{id} sent to {} at {} (its clock), which it ejected until {until}",
                    node(pick.instance),
                    pick.at
                )),
                None => Ok(()),
            },
            Rule::PicksFollowStrategy => {
                let better = match (self.strategy, pick.other) {
                    (Strategy::LeastOutstanding, _) => (0..pick.loads.len())
                        .filter(|&i| pick.candidates[i])
                        .min_by_key(|&i| (pick.loads[i], i))
                        .filter(|&i| pick.loads[i] < chosen),
                    (Strategy::TwoChoices, Some(o)) => Some(o).filter(|&o| pick.loads[o] < chosen),
                    _ => None,
                };
                match better {
                    Some(i) => Err(format!(
                        "{id} ({}) picked {} with {chosen} outstanding over {} with {}",
                        self.strategy.name(),
                        node(pick.instance),
                        node(i),
                        pick.loads[i]
                    )),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    fn check(&mut self, id: NodeId, b: &Balancer) -> Result<(), String> {
        match self.rule {
            Rule::AnsweredOnce => {
                for &(client, request) in &b.replies {
                    if !self.answered.insert((client.0, request)) {
                        return Err(format!("{id} answered {client}'s request #{request} twice"));
                    }
                }
                Ok(())
            }
            Rule::OutstandingAccurate => {
                let truth = b.in_flight();
                match (0..truth.len()).find(|&i| truth[i] != b.outstanding[i]) {
                    Some(i) => Err(format!(
                        "{id} counts {} outstanding at {} but has {} attempts in flight to it",
                        b.outstanding[i], b.instances[i], truth[i]
                    )),
                    None => Ok(()),
                }
            }
            Rule::PicksFollowStrategy | Rule::EjectedSkipped => {
                b.picks.iter().try_for_each(|p| self.check_pick(id, b, p))
            }
        }
    }
}

impl Monitor<LbNode> for BalancerMonitor {
    fn after_step(&mut self, sim: &Sim<LbNode>) -> Result<(), String> {
        let slots = sim.slots().len();
        if self.cursors.len() != slots {
            self.cursors = vec![0; slots];
        }
        for (id, node) in sim.live_nodes() {
            let Some(b) = node.balancer() else {
                continue;
            };
            let cursor = &mut self.cursors[id.index()];
            if b.handled == *cursor {
                continue;
            }
            *cursor = b.handled;
            self.check(id, b)?;
        }
        Ok(())
    }
}

fn balancers(sim: &Sim<LbNode>) -> impl Iterator<Item = (NodeId, &Balancer)> {
    sim.live_nodes()
        .filter_map(|(id, n)| n.balancer().map(|b| (id, b)))
}

fn budget_respected(sim: &Sim<LbNode>, params: &Params) -> Result<(), String> {
    for (id, b) in balancers(sim) {
        let allowed = b.retry_allowance(params);
        if b.stats.retries > allowed {
            return Err(format!(
                "{id} sent {} retries for {} requests; the budget ({:.0}%) allows {allowed}",
                b.stats.retries,
                b.stats.calls,
                params.retry_budget.as_f64() * 100.0
            ));
        }
    }
    Ok(())
}

fn no_lost_requests(sim: &Sim<LbNode>) -> Result<(), String> {
    match sim.counters().ops_info {
        0 => Ok(()),
        n => Err(format!(
            "{n} client request(s) got no answer before the client gave up"
        )),
    }
}

/// Answers per instance, over every balancer.
pub fn load_per_instance(sim: &Sim<LbNode>) -> Vec<(NodeId, u64)> {
    let mut out: Vec<(NodeId, u64)> = Vec::new();
    for (_, b) in balancers(sim) {
        if out.is_empty() {
            out = b.instances.iter().map(|&n| (n, 0)).collect();
        }
        for (slot, served) in out.iter_mut().zip(&b.stats.served) {
            slot.1 += served;
        }
    }
    out
}

fn metrics(sim: &Sim<LbNode>, params: &Params) -> Vec<(String, String)> {
    let c = sim.counters();
    let seconds = sim.duration().as_nanos() as f64 / 1e9;
    let sum = |f: fn(&Balancer) -> u64| balancers(sim).map(|(_, b)| f(b)).sum::<u64>();
    let load = load_per_instance(sim);
    let max = load.iter().map(|l| l.1).max().unwrap_or(0);
    let min = load.iter().map(|l| l.1).min().unwrap_or(0);
    let per_instance: Vec<String> = load.iter().map(|(n, l)| format!("{n} {l}")).collect();
    // The longest each instance's queue got (the engine's, `[service]`):
    // where a herd piles up.
    let queue_peaks: Vec<String> = load
        .iter()
        .filter_map(|&(n, _)| sim.service_queue(n).map(|q| format!("{n} {}", q.longest)))
        .collect();
    let mut out = vec![
        ("strategy".into(), params.strategy.name().into()),
        (
            "throughput".into(),
            format!("{:.1}", c.ops_ok as f64 / seconds.max(1e-9)),
        ),
        ("errors".into(), (c.ops_fail + c.ops_info).to_string()),
        ("retries".into(), sum(|b| b.stats.retries).to_string()),
        ("hedges".into(), sum(|b| b.stats.hedges).to_string()),
        (
            "late-answers".into(),
            sum(|b| b.stats.late_answers).to_string(),
        ),
        ("ejections".into(), sum(|b| b.stats.ejections).to_string()),
        ("load-per-instance".into(), per_instance.join(", ")),
        (
            "load-max-min".into(),
            format!("{:.2}", max as f64 / min.max(1) as f64),
        ),
    ];
    if !queue_peaks.is_empty() {
        out.push(("queue-peak-per-instance".into(), queue_peaks.join(", ")));
    }
    out
}

/// A simulation builder with balancers and instances, their checks and
/// metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<LbNode> {
    let params = Arc::new(params);
    let (factory, m, r) = (
        Arc::clone(&params),
        Arc::clone(&params),
        Arc::clone(&params),
    );
    let mut b = SimBuilder::new(nodes, seed, move |id, _| {
        LbNode::new(Arc::clone(&factory), id, nodes)
    });
    for rule in [
        Rule::AnsweredOnce,
        Rule::OutstandingAccurate,
        Rule::PicksFollowStrategy,
        Rule::EjectedSkipped,
    ] {
        b = b.monitor(rule.name(), BalancerMonitor::new(rule, params.strategy));
    }
    b.invariant(Invariant::always("retry-budget-respected", move |sim| {
        budget_respected(sim, &r)
    }))
    .invariant(Invariant::eventually("no-lost-requests", no_lost_requests))
    .metrics(move |sim| metrics(sim, &m))
}
