//! The resilience workload, the side-by-side metrics and the checks.

use super::{Mode, Params, ResilienceNode};
use crate::check::history::{EventType, History, Value};
use crate::faults::{FaultAction, ScheduledFault, Target};
use crate::sim::Invariant;
use crate::sim::{ClientId, NodeId, Op, Prng, Sim, SimBuilder, SimTime};
use crate::workload::Workload;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Client `c` calls pair `c % pairs`; the operation's key names the pair's
/// protection, so the history can be split by pair.
#[derive(Clone, Debug)]
pub struct CallWorkload {
    /// The pairs' modes, in node order.
    pub modes: Vec<Mode>,
}

impl Workload for CallWorkload {
    fn next_op(&self, _rng: &mut Prng, client: ClientId, _sequence: u64) -> Op {
        let mode = self.modes[client.0 as usize % self.modes.len().max(1)];
        Op {
            f: "call".into(),
            key: Some(mode.name().into()),
            value: Value::Nil,
        }
    }
}

/// One completed client operation.
#[derive(Clone, Copy, Debug)]
struct Done {
    invoked: u64,
    latency: u64,
    ok: bool,
    timed_out: bool,
}

/// Completed operations by pair name.
fn completed_by_pair(history: &History) -> BTreeMap<String, Vec<Done>> {
    let mut open: BTreeMap<u64, u64> = BTreeMap::new();
    let mut out: BTreeMap<String, Vec<Done>> = BTreeMap::new();
    for e in &history.events {
        if e.kind == EventType::Invoke {
            open.insert(e.process, e.time);
            continue;
        }
        let Some(invoked) = open.remove(&e.process) else {
            continue;
        };
        out.entry(e.key.clone().unwrap_or_default())
            .or_default()
            .push(Done {
                invoked,
                latency: e.time.saturating_sub(invoked),
                ok: e.kind == EventType::Ok,
                timed_out: e.kind == EventType::Info,
            });
    }
    out
}

/// From the heal, the first 100 ms step after which at least 90% of the
/// operations invoked in the next second succeed (at least three of them).
fn time_to_recover(done: &[Done], heal: SimTime, end: SimTime) -> Option<SimTime> {
    let step = SimTime::from_millis(100).as_nanos();
    let window = SimTime::from_secs(1).as_nanos();
    let mut t = heal.as_nanos();
    while t + window <= end.as_nanos() {
        let in_window: Vec<&Done> = done
            .iter()
            .filter(|d| d.invoked >= t && d.invoked < t + window)
            .collect();
        let ok = in_window.iter().filter(|d| d.ok).count();
        if in_window.len() >= 3 && ok * 10 >= in_window.len() * 9 {
            return Some(SimTime(t - heal.as_nanos()));
        }
        t += step;
    }
    None
}

/// Per-pair measures, in pair order: (mode, measure name, value).
fn measures(sim: &Sim<ResilienceNode>, params: &Params) -> Vec<(Mode, &'static str, String)> {
    let done = completed_by_pair(sim.history());
    let mut out = Vec::new();
    for (pair, &mode) in params.modes.iter().enumerate() {
        let ops = done.get(mode.name()).cloned().unwrap_or_default();
        let ok = ops.iter().filter(|d| d.ok).count();
        let rate = if ops.is_empty() {
            0.0
        } else {
            100.0 * ok as f64 / ops.len() as f64
        };
        let mut lat: Vec<u64> = ops.iter().filter(|d| d.ok).map(|d| d.latency).collect();
        lat.sort_unstable();
        let pct = |q: usize| {
            crate::sim::report::percentile(&lat, q)
                .map_or("-".to_string(), |n| SimTime(n).to_string())
        };
        let timed_out = ops.iter().filter(|d| d.timed_out).count();
        let gateway = sim.node(NodeId(2 * pair as u32)).and_then(|n| n.gateway());
        let backend = sim
            .node(NodeId(2 * pair as u32 + 1))
            .and_then(|n| n.backend());
        let (g, b) = (
            gateway.map(|g| g.stats.clone()),
            backend.map(|b| b.stats.clone()),
        );
        let (g, b) = (g.unwrap_or_default(), b.unwrap_or_default());
        let queue = sim
            .service_queue(NodeId(2 * pair as u32 + 1))
            .unwrap_or_default();
        let recover = time_to_recover(&ops, params.sick_until, sim.duration());
        let window = params.sick_from.as_nanos()..params.sick_until.as_nanos();
        let sick: Vec<&Done> = ops.iter().filter(|d| window.contains(&d.invoked)).collect();
        let sick_ok = sick.iter().filter(|d| d.ok).count();
        let sick_rate = 100.0 * sick_ok as f64 / sick.len().max(1) as f64;
        out.extend([
            (mode, "calls-ok", format!("{ok}/{}", ops.len())),
            (mode, "success-rate", format!("{rate:.1}%")),
            (mode, "success-while-sick", format!("{sick_rate:.1}%")),
            (mode, "latency-p50", pct(50)),
            (mode, "latency-p99", pct(99)),
            (mode, "client-timeouts", timed_out.to_string()),
            (mode, "messages-sent", (g.sent + b.sent).to_string()),
            (mode, "backend-attempts", g.attempts.to_string()),
            (mode, "retries", g.retries.to_string()),
            (mode, "wasted-answers", g.late_answers.to_string()),
            (mode, "fast-failures", g.fast_failures.to_string()),
            (mode, "backend-queue-peak", queue.longest.to_string()),
            (
                mode,
                "queue-at-heal",
                queue.at_slow_end.map_or("-".into(), |q| q.to_string()),
            ),
            (
                mode,
                "time-to-recover",
                recover.map_or("never".into(), |t| t.to_string()),
            ),
        ]);
        if mode == Mode::Full {
            let opened = gateway.map_or(0, |g| g.breaker.opened);
            out.push((mode, "breaker-opened", opened.to_string()));
        }
    }
    out
}

/// One metric per measure, the pairs side by side: `none 12.0% | full 85.3%`.
fn metrics(sim: &Sim<ResilienceNode>, params: &Params) -> Vec<(String, String)> {
    let mut rows: Vec<(&'static str, Vec<String>)> = Vec::new();
    for (mode, name, value) in measures(sim, params) {
        let cell = format!("{} {value}", mode.name());
        match rows.iter_mut().find(|(n, _)| *n == name) {
            Some((_, cells)) => cells.push(cell),
            None => rows.push((name, vec![cell])),
        }
    }
    rows.into_iter()
        .map(|(name, cells)| (name.to_string(), cells.join(" | ")))
        .collect()
}

fn bulkhead_respected(sim: &Sim<ResilienceNode>) -> Result<(), String> {
    for (id, node) in sim.live_nodes() {
        if let Some(g) = node.gateway().filter(|g| g.mode == Mode::Full) {
            if g.in_flight() > g.bulkhead.max as usize {
                return Err(format!(
                    "{id} has {} calls in flight to its backend, bulkhead is {}",
                    g.in_flight(),
                    g.bulkhead.max
                ));
            }
        }
    }
    Ok(())
}

fn recovers(sim: &Sim<ResilienceNode>, params: &Params) -> Result<(), String> {
    let done = completed_by_pair(sim.history());
    let stuck: Vec<&str> = params
        .modes
        .iter()
        .filter(|m| {
            let ops = done.get(m.name()).map_or(&[][..], Vec::as_slice);
            time_to_recover(ops, params.sick_until, sim.duration()).is_none()
        })
        .map(|m| m.name())
        .collect();
    if stuck.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "no 90%-successful second after the dependency healed for: {}",
            stuck.join(", ")
        ))
    }
}

/// The sickness as engine faults: from `sick_from` to `sick_until` each
/// backend's service times are `sick_slowdown` times longer.
fn sickness(params: &Params, nodes: u32) -> Vec<ScheduledFault> {
    if params.sick_until <= params.sick_from {
        return Vec::new();
    }
    (1..nodes)
        .step_by(2)
        .map(|backend| ScheduledFault {
            at: params.sick_from,
            action: FaultAction::Slow {
                node: Target::Node(NodeId(backend)),
                factor: params.sick_slowdown,
                duration: params.sick_until.saturating_sub(params.sick_from),
            },
        })
        .collect()
}

/// A simulation builder with gateway/backend pairs, the backends'
/// sickness (engine `slow` faults; their service time is the caller's
/// [`SimBuilder::service`]), the checks and the metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<ResilienceNode> {
    let faults = sickness(&params, nodes);
    let params = Arc::new(params);
    let (factory, m, r) = (
        Arc::clone(&params),
        Arc::clone(&params),
        Arc::clone(&params),
    );
    let b = SimBuilder::new(nodes, seed, move |id, _| {
        ResilienceNode::new(Arc::clone(&factory), id)
    })
    .invariant(Invariant::always("bulkhead-respected", bulkhead_respected))
    .invariant(Invariant::eventually("recovers-after-heal", move |sim| {
        recovers(sim, &r)
    }))
    .invariant(Invariant::sometimes(
        "a-call-succeeds",
        |sim: &Sim<ResilienceNode>| sim.counters().ops_ok > 0,
    ))
    .metrics(move |sim| metrics(sim, &m));
    faults.into_iter().fold(b, SimBuilder::fault)
}
