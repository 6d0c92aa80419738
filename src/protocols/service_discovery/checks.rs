//! The calls workload, the routing monitor (what callers did with what the
//! registry told them, against which instances were really up), the checks
//! and the metrics.
//!
//! - `fresh-views` ([`Routing`], a monitor): after every step it compares
//!   each live caller's view with the instances that are up, in true time.
//!   It fails the run when a caller *receives* a view that lists an
//!   instance down for longer than `ttl + heartbeat` (the registry must
//!   have expired it by then: its last heartbeat left before the crash, and
//!   a heartbeat interval covers the messages' latency; a scenario with
//!   one-way latencies near `heartbeat / 2`, or a registry paused while
//!   heartbeats queue, can exceed it). And it measures: calls sent to an
//!   instance that was down (`dead-calls`), the longest time a caller kept
//!   a dead instance in its view, counted from the crash
//!   (`dead-routing-max`), and the longest time a caller's view differed
//!   from the live instances (`stale-view-max`). Scenarios bound them in
//!   `[expect]`.
//! - `views-converge` (eventually): at the end every live caller's view is
//!   exactly the set of live instances.
//! - `a-call-succeeds` (sometimes).

use super::{Params, SdNode};
use crate::sim::{ClientId, Invariant, Monitor, NodeId, Op, Prng, Sim, SimBuilder, SimTime, Value};
use crate::workload::Workload;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Every operation is a call of the service (`f = "call"`, no key).
#[derive(Clone, Debug)]
pub struct CallsWorkload;

impl Workload for CallsWorkload {
    fn next_op(&self, _rng: &mut Prng, _client: ClientId, _sequence: u64) -> Op {
        Op {
            f: "call".into(),
            key: None,
            value: Value::Nil,
        }
    }
}

/// The `routing` monitor's memory, in true time.
#[derive(Clone, Debug, Default)]
pub struct Routing {
    /// Instances down now, since when.
    down_since: BTreeMap<NodeId, SimTime>,
    /// (caller, instance): the caller's view holds the instance, which is
    /// down, since when (the crash, or when the caller last started).
    dead_in_view: BTreeMap<(NodeId, NodeId), SimTime>,
    /// Callers whose view is not the live set, since when.
    stale_since: BTreeMap<NodeId, SimTime>,
    /// (caller, instance): attempts seen sent so far.
    sent_seen: BTreeMap<(NodeId, NodeId), u64>,
    /// Per caller: the local time of the registry answer its view is from.
    fetched: BTreeMap<NodeId, Option<SimTime>>,
    /// Attempts sent to an instance that was down.
    pub dead_calls: u64,
    /// The longest time a caller kept a dead instance in its view.
    pub dead_routing_max: SimTime,
    /// The longest time a caller's view differed from the live instances.
    pub stale_view_max: SimTime,
}

impl Routing {
    fn observe(&mut self, sim: &Sim<SdNode>, params: &Params) -> Result<(), String> {
        let now = sim.now();
        let mut live = Vec::new();
        for id in params.instance_ids() {
            if sim.node(id).is_some() {
                self.down_since.remove(&id);
                live.push(id);
            } else {
                self.down_since.entry(id).or_insert(now);
            }
        }
        let mut seen_callers = Vec::new();
        for (caller, node) in sim.live_nodes() {
            let Some(c) = node.as_caller() else {
                continue;
            };
            seen_callers.push(caller);
            // A view received in this step must not list an instance the
            // registry should have expired.
            let fresh = self.fetched.insert(caller, c.fetched_at) != Some(c.fetched_at);
            if fresh && c.fetched_at.is_some() {
                let limit = params.ttl + params.heartbeat;
                for i in &c.view {
                    if let Some(&down) = self.down_since.get(i) {
                        if now - down > limit {
                            return Err(format!(
                                "{caller} received a view listing {i}, down since {down} ({} before), \
                                 longer than ttl {} + heartbeat {}: the registry lists an instance \
                                 it cannot have heard from within its ttl",
                                now - down,
                                params.ttl,
                                params.heartbeat
                            ));
                        }
                    }
                }
            }
            // Dead instances in the view.
            self.dead_in_view
                .retain(|(cl, i), _| *cl != caller || c.view.contains(i));
            for &i in &c.view {
                match self.down_since.get(&i) {
                    Some(&down) => {
                        let since = *self.dead_in_view.entry((caller, i)).or_insert(down);
                        self.dead_routing_max = self.dead_routing_max.max(now - since);
                    }
                    None => {
                        self.dead_in_view.remove(&(caller, i));
                    }
                }
            }
            // A view that is not the live set.
            if c.view == live {
                self.stale_since.remove(&caller);
            } else {
                let since = *self.stale_since.entry(caller).or_insert(now);
                self.stale_view_max = self.stale_view_max.max(now - since);
            }
            // Attempts sent since the last step, to instances down now.
            for (&i, &sent) in &c.stats.sent_to {
                let seen = self.sent_seen.entry((caller, i)).or_default();
                // Fewer than seen: the caller restarted and counts anew.
                let before = if sent < *seen { 0 } else { *seen };
                if self.down_since.contains_key(&i) {
                    self.dead_calls += sent - before;
                }
                *seen = sent;
            }
        }
        // A crashed caller routes nothing; it starts counting anew.
        self.dead_in_view
            .retain(|(c, _), _| seen_callers.contains(c));
        self.stale_since.retain(|c, _| seen_callers.contains(c));
        self.sent_seen.retain(|(c, _), _| seen_callers.contains(c));
        self.fetched.retain(|c, _| seen_callers.contains(c));
        Ok(())
    }
}

/// The monitor, with the parameters it needs.
#[derive(Clone, Debug)]
struct RoutingMonitor {
    params: Arc<Params>,
    routing: Routing,
}

impl Monitor<SdNode> for RoutingMonitor {
    fn after_step(&mut self, sim: &Sim<SdNode>) -> Result<(), String> {
        self.routing.observe(sim, &self.params)
    }

    fn metrics(&self) -> Vec<(String, String)> {
        let r = &self.routing;
        vec![
            ("dead-calls".into(), r.dead_calls.to_string()),
            ("dead-routing-max".into(), r.dead_routing_max.to_string()),
            ("stale-view-max".into(), r.stale_view_max.to_string()),
        ]
    }
}

/// Every live caller's view is exactly the live instances.
fn views_converge(sim: &Sim<SdNode>, params: &Params) -> Result<(), String> {
    let live: Vec<NodeId> = params
        .instance_ids()
        .filter(|id| sim.node(*id).is_some())
        .collect();
    for (id, node) in sim.live_nodes() {
        if let Some(c) = node.as_caller() {
            if c.view != live {
                return Err(format!(
                    "{id}'s view is {} but the live instances are {}",
                    super::registry::names(&c.view),
                    super::registry::names(&live)
                ));
            }
        }
    }
    Ok(())
}

/// Counters summed over the live callers, and the instances' load.
fn metrics(sim: &Sim<SdNode>) -> Vec<(String, String)> {
    let (mut timeouts, mut failed, mut changes) = (0, 0, 0);
    let mut served = Vec::new();
    for (id, node) in sim.live_nodes() {
        if let Some(c) = node.as_caller() {
            timeouts += c.stats.timeouts;
            failed += c.stats.failed;
            changes += c.stats.view_changes;
        }
        if let Some(i) = node.as_instance() {
            served.push(format!("{id} {}", i.served));
        }
    }
    vec![
        ("call-timeouts".into(), timeouts.to_string()),
        ("calls-failed".into(), failed.to_string()),
        ("view-changes".into(), changes.to_string()),
        ("served".into(), served.join(", ")),
    ]
}

/// A simulation builder with the registry, instances and callers, the
/// routing monitor, the checks and the metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<SdNode> {
    let params = Arc::new(params);
    let (factory, watch, converge) = (
        Arc::clone(&params),
        Arc::clone(&params),
        Arc::clone(&params),
    );
    SimBuilder::new(nodes, seed, move |id, _| {
        SdNode::new(Arc::clone(&factory), id)
    })
    .monitor(
        "fresh-views",
        RoutingMonitor {
            params: watch,
            routing: Routing::default(),
        },
    )
    .invariant(Invariant::eventually("views-converge", move |sim| {
        views_converge(sim, &converge)
    }))
    .invariant(Invariant::sometimes(
        "a-call-succeeds",
        |sim: &Sim<SdNode>| sim.counters().ops_ok > 0,
    ))
    .metrics(metrics)
}
