//! Happens-before for every run of every protocol.
//!
//! Vector clocks are computed from the full trace after the fact — the
//! engine's hot path pays nothing, and protocols never see them. Every step
//! that happens at a node or a client is an event at that *host*; a delivery
//! (message, client request, reply) merges the clock of the step that sent it
//! (linked by message id), then the host's own entry goes up by one. A host's
//! clock survives its crashes, as a ghost should. Faults and engine
//! bookkeeping happen nowhere and are not events.
//!
//! The relation is also kept as a petgraph DAG (program order plus message
//! edges), which answers "does a happen before b?" and "what is concurrent
//! with x?"; the vector clocks give the same answers and are what the ShiViz
//! export writes.

use super::dynsim::DynSim;
use super::ids::Endpoint;
use super::views::EntryView;
use petgraph::algo::has_path_connecting;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;

/// A vector clock: host → count of its events (absent means zero).
pub type VectorClock = BTreeMap<Endpoint, u64>;

/// One event of the happens-before relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HbEvent {
    /// Index of the trace entry it comes from.
    pub entry: usize,
    /// Step number.
    pub step: u64,
    /// Where it happened.
    pub host: Endpoint,
    /// Its vector clock.
    pub clock: VectorClock,
    /// `deliver`, `timer`, `invoke`, ...
    pub kind: &'static str,
    /// What happened, readable.
    pub label: String,
}

/// The happens-before relation of a run.
#[derive(Clone, Debug)]
pub struct HappensBefore {
    events: Vec<HbEvent>,
    graph: DiGraph<usize, ()>,
}

/// The host a step happens at: the client for an invocation, else the target.
fn host_of(entry: &EntryView) -> Option<Endpoint> {
    match entry.kind {
        "invoke" => entry.source,
        "fault" | "control" => None,
        _ => entry.target,
    }
}

/// Does this step receive the message it names (and so merge its clock)?
/// (The run pictures draw exactly these as arrows from the sending step.)
pub fn receives(entry: &EntryView) -> bool {
    matches!(entry.kind, "deliver" | "request" | "reply")
}

impl HappensBefore {
    /// The relation over every kept trace entry of `sim` (run it at the full
    /// trace level; a hash-only run has no entries and gives no events).
    pub fn from_sim(sim: &dyn DynSim) -> Self {
        let mut clocks: BTreeMap<Endpoint, VectorClock> = BTreeMap::new();
        let mut sent_by: BTreeMap<u64, usize> = BTreeMap::new();
        let mut last_at: BTreeMap<Endpoint, usize> = BTreeMap::new();
        let mut events: Vec<HbEvent> = Vec::new();
        let mut graph = DiGraph::new();
        for index in 0..sim.trace_len() {
            let Some(entry) = sim.entry(index) else {
                continue;
            };
            let Some(host) = host_of(&entry) else {
                continue;
            };
            let me = events.len();
            let node = graph.add_node(me);
            let mut clock = clocks.remove(&host).unwrap_or_default();
            if let Some(&previous) = last_at.get(&host) {
                graph.add_edge(NodeIndex::new(previous), node, ());
            }
            let sender = entry
                .msg_id
                .filter(|_| receives(&entry))
                .and_then(|id| sent_by.get(&id))
                .copied();
            if let Some(sender) = sender {
                for (h, &count) in &events[sender].clock {
                    let mine = clock.entry(*h).or_insert(0);
                    *mine = (*mine).max(count);
                }
                graph.add_edge(NodeIndex::new(sender), node, ());
            }
            *clock.entry(host).or_insert(0) += 1;
            for send in &entry.sends {
                sent_by.insert(send.msg_id, me);
            }
            last_at.insert(host, me);
            clocks.insert(host, clock.clone());
            events.push(HbEvent {
                entry: index,
                step: entry.step,
                host,
                clock,
                kind: entry.kind,
                label: entry.label,
            });
        }
        HappensBefore { events, graph }
    }

    /// The events, in trace order.
    pub fn events(&self) -> &[HbEvent] {
        &self.events
    }

    /// The relation as a DAG: node weights are indices into [`Self::events`].
    pub fn graph(&self) -> &DiGraph<usize, ()> {
        &self.graph
    }

    /// Does event `a` happen before event `b` (indices into [`Self::events`])?
    pub fn happens_before(&self, a: usize, b: usize) -> bool {
        a != b
            && a < self.events.len()
            && b < self.events.len()
            && has_path_connecting(&self.graph, NodeIndex::new(a), NodeIndex::new(b), None)
    }

    /// The same question answered by the vector clocks: `C(a) < C(b)`.
    pub fn clock_before(&self, a: usize, b: usize) -> bool {
        let (ca, cb) = (&self.events[a].clock, &self.events[b].clock);
        ca != cb
            && ca
                .iter()
                .all(|(h, &n)| cb.get(h).copied().unwrap_or(0) >= n)
    }

    /// Events neither before nor after event `x`.
    pub fn concurrent_with(&self, x: usize) -> Vec<usize> {
        (0..self.events.len())
            .filter(|&y| y != x && !self.clock_before(x, y) && !self.clock_before(y, x))
            .collect()
    }

    /// This run as one ShiViz execution: two lines per event (description,
    /// then `host {clock as JSON}`), matching [`SHIVIZ_REGEX`].
    pub fn write_shiviz(&self, out: &mut String) {
        for e in &self.events {
            let label = e.label.replace(['\n', '\r'], " ");
            let clock: serde_json::Map<String, serde_json::Value> = e
                .clock
                .iter()
                .map(|(h, n)| (h.to_string(), (*n).into()))
                .collect();
            out.push_str(&format!("step {} {}: {label}\n", e.step, e.kind));
            out.push_str(&format!(
                "{} {}\n",
                e.host,
                serde_json::Value::Object(clock)
            ));
        }
    }
}

/// The parser regular expression ShiViz needs on a log's first line.
pub const SHIVIZ_REGEX: &str = r"(?<event>.*)\n(?<host>\S*) (?<clock>{.*})";
/// The executions delimiter for the second line; one execution per seed.
pub const SHIVIZ_DELIMITER: &str = r"=== (?<trace>.*) ===";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::broadcast::{builder, BroadcastWorkload, Params, Topology};
    use crate::sim::{Ratio, SimTime, TraceLevel};
    use crate::workload::ClientConfig;

    fn relation(seed: u64) -> HappensBefore {
        let params = Params {
            topology: Topology::Line,
            ..Params::default()
        };
        let mut sim = builder(params, 4, seed)
            .duration(SimTime::from_millis(600))
            .settle(SimTime::from_millis(200))
            .clients(
                ClientConfig::with_rate(2, 40.0, SimTime::from_secs(1)),
                BroadcastWorkload {
                    read_ratio: Ratio::ZERO,
                },
            )
            .trace_level(TraceLevel::Full)
            .build();
        sim.run();
        HappensBefore::from_sim(&sim)
    }

    #[test]
    fn vector_clocks_and_graph_reachability_agree() {
        let hb = relation(4);
        let n = hb.events().len();
        assert!(n > 100);
        let mut before = 0;
        for a in (0..n).step_by(7) {
            for b in (0..n).step_by(5) {
                assert_eq!(hb.happens_before(a, b), hb.clock_before(a, b), "{a} {b}");
                before += usize::from(hb.happens_before(a, b));
            }
        }
        assert!(before > 0);
    }

    #[test]
    fn a_delivery_happens_after_its_send_and_far_nodes_start_concurrently() {
        let hb = relation(5);
        let events = hb.events();
        let first_deliver = events
            .iter()
            .position(|e| e.kind == "deliver")
            .expect("a delivery");
        let from_elsewhere = (0..first_deliver)
            .filter(|&a| hb.happens_before(a, first_deliver))
            .any(|a| events[a].host != events[first_deliver].host);
        assert!(from_elsewhere, "the sender's step precedes the delivery");
        // The first two node starts know nothing of each other.
        assert!(hb.concurrent_with(0).contains(&1));
        assert!(!hb.happens_before(first_deliver, 0));
    }
}
