//! A type-erased simulation, so the CLI and TUI can drive any protocol.

use super::choice::{Choice, ExploreOptions, FaultChoices};
use super::event::Event;
use super::node::{Node, View};
use super::panics::{catch_panic, PanicReport};
use super::report::RunReport;
use super::rng::Ratio;
use super::snapshot::LogMarks;
use super::step::StepResult;
use super::trace::{SendOutcome, SendRecord, Trace};
use super::views::{ClientView, EntryFilter, EntryView, FlightView};
use super::world::{Counters, NodeSlot, Sim, Violation};
use super::{Endpoint, NodeId, SimTime};
use crate::check::history::History;
use crate::check::{CheckKind, CheckResult};
use crate::faults::FaultAction;
use serde_json::json;
use std::any::Any;
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
    /// Full state as labelled fields ([`Node::inspect`]).
    pub view: View,
    /// The node's local clock reading.
    pub local_time: SimTime,
    /// While paused (a `pause` fault): when it resumes (true time).
    pub paused_until: Option<SimTime>,
    /// For a node that takes time (`[service]`): its workers and queue now,
    /// like `2/2 busy 73%, 3 queued, x10 slow` (the percentage: its
    /// utilisation, the share of its worker time used so far).
    pub service: Option<String>,
}

/// A simulation of some protocol, behind one interface. `Send`, so that the
/// explorer can hand copies of a world to its worker threads (`--jobs`):
/// nodes, checks, monitors and workloads are `Send` (the checks, metrics,
/// node factories, monitors and workloads, which copies share, `Sync` too).
pub trait DynSim: Send {
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
    /// [`DynSim::run`] with the report's metrics left empty: what a sweep
    /// needs (verdict, checks, trace hash), without the protocol's metrics,
    /// which can cost as much as a check (quorum-kv's run the
    /// linearizability search again). Checks, `[expect]` bounds included,
    /// run as in [`DynSim::run`].
    fn run_without_metrics(&mut self) -> RunReport {
        self.run()
    }
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
    /// One node's view (`None` past the last node).
    fn node_view(&self, id: NodeId) -> Option<NodeView>;
    /// Every node's view without the inspector's fields (`view` empty):
    /// what a big cluster's summarised panel needs, at a fraction of
    /// [`DynSim::nodes`]'s cost.
    fn node_lines(&self) -> Vec<NodeView>;
    /// The client history.
    fn history(&self) -> &History;
    /// Latencies of the ok client operations so far, in nanoseconds, in
    /// completion order (what `op-latency-*` are computed from).
    fn op_latencies(&self) -> &[u64];
    /// Number of trace entries kept (zero at the hash-only level).
    fn trace_len(&self) -> usize;
    /// One trace entry as JSON.
    fn trace_entry_json(&self, index: usize) -> Option<serde_json::Value>;
    /// Write the whole kept trace as JSON Lines.
    fn write_trace_jsonl(&self, out: &mut dyn Write) -> io::Result<()>;
    /// Write the kept trace as JSON Lines, then forget it (streaming export:
    /// call between steps; the trace hash is not affected).
    fn drain_trace_jsonl(&mut self, out: &mut dyn Write) -> io::Result<()>;
    /// Apply a fault now (user action); it runs as the next event.
    fn inject(&mut self, action: FaultAction);
    /// The network's current shape.
    fn network_description(&self) -> String;
    /// Fork the run.
    fn clone_box(&self) -> Box<dyn DynSim>;
    /// Fork the run into `target`, a world this one no longer needs:
    /// `target` becomes what [`DynSim::clone_box`] would return, reusing
    /// its allocations when it is a world of the same protocol (the
    /// explorer recycles the worlds it is done with this way). A world of
    /// another type is replaced by a fresh copy.
    fn clone_into_box(&self, target: &mut Box<dyn DynSim>);

    /// A cheap snapshot for time travel: this world without its append-only
    /// logs (kept trace, history, fault log), and the logs' lengths now.
    fn snapshot(&mut self) -> (Box<dyn DynSim>, LogMarks);
    /// Become `snapshot` (taken from this run at an earlier or equal step)
    /// again, cutting this world's logs back to `marks`.
    ///
    /// # Panics
    /// If `snapshot` is a simulation of another protocol.
    fn restore(&mut self, snapshot: &dyn DynSim, marks: &LogMarks);
    /// The concrete world, for [`DynSim::restore`].
    fn as_any(&self) -> &dyn Any;
    /// The concrete world, mutable, for [`DynSim::clone_into_box`].
    fn as_any_mut(&mut self) -> &mut dyn Any;

    /// Kept trace entry `index`, typed away.
    fn entry(&self, index: usize) -> Option<EntryView>;
    /// Indices of up to `max` kept entries before `end` passing `filter`,
    /// newest first.
    fn find_entries(&self, end: usize, max: usize, filter: &EntryFilter) -> Vec<usize>;
    /// Up to `max` messages on the wire, earliest arrival first.
    fn flights(&self, max: usize) -> Vec<FlightView>;
    /// Each node's partition group (0 = largest component; all 0 when whole).
    fn partition_groups(&self) -> Vec<usize>;
    /// Every client's view.
    fn clients(&self) -> Vec<ClientView>;
    /// Faults applied so far, with their times.
    fn fault_log(&self) -> &[(SimTime, String)];
    /// The safety violation that stopped the run, if any.
    fn violation(&self) -> Option<&Violation>;
    /// The panic in protocol code that stopped the run, if any.
    fn panic(&self) -> Option<&PanicReport>;
    /// The registered invariants (`always`, `eventually`, `sometimes`,
    /// end-of-run and history checks): name and kind, in the order of
    /// their results after the monitors'. Monitors are not listed.
    fn checks(&self) -> Vec<(String, CheckKind)>;
    /// How many checks a run reports: the monitors (stateful `always`
    /// checks) and the invariants ([`DynSim::checks`]).
    fn check_count(&self) -> usize;
    /// The predicates timed checks may name (`[[check.at]]`,
    /// `[[check.within]]`): (name, meaning), the engine's first.
    fn predicates(&self) -> Vec<(String, String)>;
    /// End-of-run check results, once [`DynSim::finish`] ran.
    fn check_results(&self) -> Option<&[CheckResult]>;
    /// Message and operation counters.
    fn counters(&self) -> &Counters;
    /// Number of nodes.
    fn node_count(&self) -> u32;
    /// When clients and faults stop.
    fn duration(&self) -> SimTime;
    /// When the run ends (`duration + settle`).
    fn end_time(&self) -> SimTime;
    /// The network-wide loss probability in force (default link).
    fn loss(&self) -> Ratio;
    /// Time of the next queued event, if any.
    fn next_time(&self) -> Option<SimTime>;
    /// Does kept entry `index` pass `filter`? (False past the end.)
    fn entry_matches(&self, index: usize, filter: &EntryFilter) -> bool;

    /// Enter explore mode: [`Sim::start_exploring`].
    fn start_exploring(&mut self, options: ExploreOptions) -> StepResult;
    /// In explore mode already: [`Sim::is_exploring`].
    fn is_exploring(&self) -> bool;
    /// The enabled choices: [`Sim::choices`].
    fn choices(&self, faults: FaultChoices) -> Vec<Choice>;
    /// The enabled choices into a reused buffer: [`Sim::choices_into`].
    fn choices_into(&self, faults: FaultChoices, out: &mut Vec<Choice>);
    /// Apply one choice as one step: [`Sim::apply_choice`].
    fn apply_choice(&mut self, choice: &Choice) -> Option<StepResult>;
    /// A choice in words: [`Sim::describe_choice`].
    fn describe_choice(&self, choice: &Choice) -> String;
    /// The explored state's fingerprint: [`Sim::fingerprint`].
    fn fingerprint(&self) -> u64;
    /// Which `sometimes` checks held on this path: [`Sim::sometimes_seen`].
    fn sometimes_seen(&self) -> &[bool];
    /// `eventually` and end-of-run checks now: [`Sim::terminal_checks`].
    fn terminal_checks(&self) -> Vec<CheckResult>;
    /// Has a handler read its clock while exploring: [`Sim::clock_was_read`].
    fn clock_was_read(&self) -> bool;
    /// The quantities an explored search may bound: each name and what it
    /// counts ([`Node::BOUNDS`]).
    fn bounds(&self) -> Vec<(&'static str, &'static str)>;
    /// Does a live node exceed a limit? `limits` follows [`DynSim::bounds`]
    /// (`None`: that quantity is not bounded): [`Sim::outside_bounds`].
    fn outside_bounds(&self, limits: &[Option<u64>]) -> bool;
    /// Why relative time cannot apply here: [`Sim::relative_time_refusal`].
    fn relative_time_refusal(&self) -> Option<String>;
    /// Messages, client requests and replies on the wire: [`Sim::wire_len`].
    fn wire_len(&self) -> usize;
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
    fn run_without_metrics(&mut self) -> RunReport {
        Sim::run_without_metrics(self)
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
        (0..self.nodes.len() as u32)
            .filter_map(|i| self.view_of(NodeId(i), true))
            .collect()
    }
    fn node_view(&self, id: NodeId) -> Option<NodeView> {
        self.view_of(id, true)
    }
    fn node_lines(&self) -> Vec<NodeView> {
        (0..self.nodes.len() as u32)
            .filter_map(|i| self.view_of(NodeId(i), false))
            .collect()
    }
    fn history(&self) -> &History {
        &self.history
    }
    fn op_latencies(&self) -> &[u64] {
        Sim::op_latencies(self)
    }
    fn trace_len(&self) -> usize {
        self.trace.len()
    }
    fn trace_entry_json(&self, index: usize) -> Option<serde_json::Value> {
        (index < self.trace.len()).then(|| entry_json(&self.trace, index))
    }
    fn write_trace_jsonl(&self, out: &mut dyn Write) -> io::Result<()> {
        for index in 0..self.trace.len() {
            serde_json::to_writer(&mut *out, &entry_json(&self.trace, index))?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
    fn drain_trace_jsonl(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.write_trace_jsonl(out)?;
        self.trace.clear_kept();
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
    fn clone_into_box(&self, target: &mut Box<dyn DynSim>) {
        match target.as_any_mut().downcast_mut::<Sim<N>>() {
            Some(world) => world.clone_from(self),
            None => *target = self.clone_box(),
        }
    }
    fn snapshot(&mut self) -> (Box<dyn DynSim>, LogMarks) {
        let (copy, marks) = self.snapshot_without_logs();
        (Box::new(copy), marks)
    }
    fn restore(&mut self, snapshot: &dyn DynSim, marks: &LogMarks) {
        let snapshot = snapshot
            .as_any()
            .downcast_ref::<Sim<N>>()
            .expect("a snapshot of the same simulation");
        self.restore_from(snapshot, marks);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn entry(&self, index: usize) -> Option<EntryView> {
        self.entry_view(index)
    }
    fn find_entries(&self, end: usize, max: usize, filter: &EntryFilter) -> Vec<usize> {
        Sim::find_entries(self, end, max, filter)
    }
    fn flights(&self, max: usize) -> Vec<FlightView> {
        Sim::flights(self, max)
    }
    fn partition_groups(&self) -> Vec<usize> {
        Sim::partition_groups(self)
    }
    fn clients(&self) -> Vec<ClientView> {
        self.client_views()
    }
    fn fault_log(&self) -> &[(SimTime, String)] {
        Sim::fault_log(self)
    }
    fn violation(&self) -> Option<&Violation> {
        Sim::violation(self)
    }
    fn panic(&self) -> Option<&PanicReport> {
        Sim::panic(self)
    }
    fn checks(&self) -> Vec<(String, CheckKind)> {
        self.settings
            .invariants
            .iter()
            .map(|i| (i.name.clone(), i.kind))
            .collect()
    }
    fn predicates(&self) -> Vec<(String, String)> {
        Sim::predicates(self)
    }
    fn check_count(&self) -> usize {
        self.monitors.len()
            + self.settings.invariants.len()
            + self.settings.expectations.len()
            + self.settings.timed_checks.len()
    }
    fn check_results(&self) -> Option<&[CheckResult]> {
        self.final_checks.as_deref()
    }
    fn counters(&self) -> &Counters {
        Sim::counters(self)
    }
    fn node_count(&self) -> u32 {
        Sim::node_count(self)
    }
    fn duration(&self) -> SimTime {
        Sim::duration(self)
    }
    fn end_time(&self) -> SimTime {
        Sim::end_time(self)
    }
    fn loss(&self) -> Ratio {
        self.network.config().default.loss
    }
    fn next_time(&self) -> Option<SimTime> {
        self.next_event_time()
    }
    fn entry_matches(&self, index: usize, filter: &EntryFilter) -> bool {
        self.trace
            .kind_at(index)
            .is_some_and(|(kind, source, target)| filter.matches(kind, source, target))
    }
    fn start_exploring(&mut self, options: ExploreOptions) -> StepResult {
        Sim::start_exploring(self, options)
    }
    fn is_exploring(&self) -> bool {
        Sim::is_exploring(self)
    }
    fn choices(&self, faults: FaultChoices) -> Vec<Choice> {
        Sim::choices(self, faults)
    }
    fn choices_into(&self, faults: FaultChoices, out: &mut Vec<Choice>) {
        Sim::choices_into(self, faults, out)
    }
    fn apply_choice(&mut self, choice: &Choice) -> Option<StepResult> {
        Sim::apply_choice(self, choice)
    }
    fn describe_choice(&self, choice: &Choice) -> String {
        Sim::describe_choice(self, choice)
    }
    fn fingerprint(&self) -> u64 {
        Sim::fingerprint(self)
    }
    fn sometimes_seen(&self) -> &[bool] {
        Sim::sometimes_seen(self)
    }
    fn terminal_checks(&self) -> Vec<CheckResult> {
        Sim::terminal_checks(self)
    }
    fn clock_was_read(&self) -> bool {
        Sim::clock_was_read(self)
    }
    fn bounds(&self) -> Vec<(&'static str, &'static str)> {
        N::BOUNDS.iter().map(|b| (b.name, b.meaning)).collect()
    }
    fn outside_bounds(&self, limits: &[Option<u64>]) -> bool {
        Sim::outside_bounds(self, limits)
    }
    fn relative_time_refusal(&self) -> Option<String> {
        Sim::relative_time_refusal(self)
    }
    fn wire_len(&self) -> usize {
        Sim::wire_len(self)
    }
}

/// What the UI shows about one node. `role`, `summary` and `Debug` are
/// protocol code: a panic in them (a `todo!()`, or a state half-updated by
/// a handler that panicked) shows in the view instead of taking the UI down.
impl<N: Node> Sim<N> {
    /// Node `id`'s view (its inspector fields only when `inspect`), with
    /// its service load.
    fn view_of(&self, id: NodeId, inspect: bool) -> Option<NodeView> {
        let slot = self.nodes.get(id.index())?;
        let mut view = node_view(id, slot, self.now, inspect);
        if view.up {
            view.service = self
                .service
                .as_deref()
                .and_then(|s| s.describe(id, self.now));
        }
        Some(view)
    }
}

fn node_view<N: Node>(id: NodeId, slot: &NodeSlot<N>, now: SimTime, inspect: bool) -> NodeView {
    let local_time = slot.clock.local(now);
    let paused_until = slot.paused_until.filter(|&until| until > now);
    let Some(node) = slot.state.as_deref() else {
        return NodeView {
            id,
            up: false,
            role: None,
            summary: "down".into(),
            view: View::note("(crashed: only storage survives)"),
            local_time,
            paused_until: None,
            service: None,
        };
    };
    let site = || format!("{id}'s role, summary or inspect");
    let shown = catch_panic(site, || {
        let role = node.role().map(str::to_string);
        let view = if inspect { node.inspect() } else { View::new() };
        (role, node.summary(), view)
    });
    let (role, summary, view) = match shown {
        Ok(shown) => shown,
        Err(panic) => (
            None,
            format!("(cannot show: {})", panic.short()),
            View::note(format!("(cannot show this node: {})", panic.short())),
        ),
    };
    NodeView {
        id,
        up: true,
        role,
        summary,
        view,
        local_time,
        paused_until,
        service: None,
    }
}

/// Kept trace entry `index` as a JSON object (the JSON Lines export
/// format). `index` must be below `trace.len()`.
pub fn entry_json<N: Node>(trace: &Trace<N>, index: usize) -> serde_json::Value {
    let entry = trace.entry(index).expect("a kept entry");
    let event = &entry.event;
    entry_json_of(
        (trace.step_at(index).unwrap_or_default(), entry.time),
        (event.kind(), event.source(), event.target()),
        event.label(),
        &trace.sends_at(index),
        trace.annotations_at(index),
    )
}

/// [`entry_json`] once the node-typed parts are read: built by one
/// function for every node type.
fn entry_json_of(
    (step, time): (u64, SimTime),
    (kind, source, target): (&str, Option<Endpoint>, Option<Endpoint>),
    label: String,
    sends: &[SendRecord],
    annotations: &[String],
) -> serde_json::Value {
    let sends: Vec<serde_json::Value> = sends
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
        "step": step,
        "time_ns": time.as_nanos(),
        "time": time.to_string(),
        "kind": kind,
        "source": source.map(|e| e.to_string()),
        "target": target.map(|e| e.to_string()),
        "label": label,
        "annotations": annotations,
        "sends": sends,
    })
}
