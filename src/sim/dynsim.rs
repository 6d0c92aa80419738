//! A type-erased simulation, so the CLI and TUI can drive any protocol.

use super::event::Event;
use super::node::Node;
use super::report::RunReport;
use super::step::StepResult;
use super::trace::{SendOutcome, Trace, TraceEntry};
use super::world::Sim;
use super::{NodeId, SimTime};
use crate::check::history::History;
use crate::faults::FaultAction;
use serde_json::json;
use std::io::{self, Write};

/// What the UI shows about one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    /// The node.
    pub id: NodeId,
    /// False while crashed.
    pub up: bool,
    /// Its role, if the protocol exposes one.
    pub role: Option<String>,
    /// The protocol's one-line summary.
    pub summary: String,
    /// Full state, pretty-printed.
    pub detail: String,
    /// The node's local clock reading.
    pub local_time: SimTime,
}

/// A simulation of some protocol, behind one interface.
pub trait DynSim {
    /// Scenario name.
    fn name(&self) -> &str;
    /// Master seed.
    fn seed(&self) -> u64;
    /// Process one event.
    fn step(&mut self) -> StepResult;
    /// Run every event up to `until`.
    fn run_until(&mut self, until: SimTime) -> StepResult;
    /// Run to the end and report.
    fn run(&mut self) -> RunReport;
    /// Evaluate end-of-run checks and report.
    fn finish(&mut self) -> RunReport;
    /// Report as of now.
    fn report(&self) -> RunReport;
    /// Virtual time.
    fn now(&self) -> SimTime;
    /// Steps processed.
    fn steps(&self) -> u64;
    /// Trace fingerprint so far.
    fn trace_hash(&self) -> u64;
    /// Every node's view.
    fn nodes(&self) -> Vec<NodeView>;
    /// The client history.
    fn history(&self) -> &History;
    /// Number of trace entries kept (zero at the hash-only level).
    fn trace_len(&self) -> usize;
    /// One trace entry as JSON.
    fn trace_entry_json(&self, index: usize) -> Option<serde_json::Value>;
    /// Write the whole kept trace as JSON Lines.
    fn write_trace_jsonl(&self, out: &mut dyn Write) -> io::Result<()>;
    /// Apply a fault now (user action); it runs as the next event.
    fn inject(&mut self, action: FaultAction);
    /// The network's current shape.
    fn network_description(&self) -> String;
    /// Fork the run.
    fn clone_box(&self) -> Box<dyn DynSim>;
}

impl<N: Node> DynSim for Sim<N> {
    fn name(&self) -> &str {
        Sim::name(self)
    }
    fn seed(&self) -> u64 {
        Sim::seed(self)
    }
    fn step(&mut self) -> StepResult {
        Sim::step(self)
    }
    fn run_until(&mut self, until: SimTime) -> StepResult {
        Sim::run_until(self, until)
    }
    fn run(&mut self) -> RunReport {
        Sim::run(self)
    }
    fn finish(&mut self) -> RunReport {
        Sim::finish(self)
    }
    fn report(&self) -> RunReport {
        Sim::report(self)
    }
    fn now(&self) -> SimTime {
        self.now
    }
    fn steps(&self) -> u64 {
        self.step
    }
    fn trace_hash(&self) -> u64 {
        self.trace.hash()
    }
    fn nodes(&self) -> Vec<NodeView> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, slot)| NodeView {
                id: NodeId(i as u32),
                up: slot.state.is_some(),
                role: slot
                    .state
                    .as_ref()
                    .and_then(|n| n.role().map(str::to_string)),
                summary: slot
                    .state
                    .as_ref()
                    .map(|n| n.summary())
                    .unwrap_or_else(|| "down".into()),
                detail: match &slot.state {
                    Some(n) => format!("{n:#?}"),
                    None => "(crashed: only storage survives)".into(),
                },
                local_time: slot.clock.local(self.now),
            })
            .collect()
    }
    fn history(&self) -> &History {
        &self.history
    }
    fn trace_len(&self) -> usize {
        self.trace.entries().len()
    }
    fn trace_entry_json(&self, index: usize) -> Option<serde_json::Value> {
        self.trace
            .entries()
            .get(index)
            .map(|e| entry_json(&self.trace, e))
    }
    fn write_trace_jsonl(&self, out: &mut dyn Write) -> io::Result<()> {
        for entry in self.trace.entries() {
            serde_json::to_writer(&mut *out, &entry_json(&self.trace, entry))?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
    fn inject(&mut self, action: FaultAction) {
        self.queue.push(self.now, Event::Fault(Box::new(action)));
    }
    fn network_description(&self) -> String {
        self.network.describe()
    }
    fn clone_box(&self) -> Box<dyn DynSim> {
        Box::new(self.clone())
    }
}

/// One trace entry as a JSON object (the JSON Lines export format).
pub fn entry_json<N: Node>(trace: &Trace<N>, entry: &TraceEntry<N>) -> serde_json::Value {
    let sends: Vec<serde_json::Value> = trace
        .sends_of(entry)
        .iter()
        .map(|s| {
            let (fate, at) = match s.outcome {
                SendOutcome::Scheduled(at) => ("scheduled", vec![at.as_nanos()]),
                SendOutcome::Duplicated(a, b) => ("duplicated", vec![a.as_nanos(), b.as_nanos()]),
                SendOutcome::Lost => ("lost", vec![]),
                SendOutcome::Partitioned => ("partitioned", vec![]),
            };
            json!({"msg_id": s.msg_id, "from": s.from.to_string(), "to": s.to.to_string(), "fate": fate, "arrives_ns": at})
        })
        .collect();
    json!({
        "step": entry.step,
        "time_ns": entry.time.as_nanos(),
        "time": entry.time.to_string(),
        "kind": entry.event.kind(),
        "source": entry.event.source().map(|e| e.to_string()),
        "target": entry.event.target().map(|e| e.to_string()),
        "label": entry.event.label(),
        "annotations": trace.annotations_of(entry),
        "sends": sends,
    })
}
