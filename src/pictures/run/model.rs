//! What a picture of a run shows, read from the engine's views while the run
//! steps: one [`StepMark`] per trace entry (from [`EntryView`]), the sending
//! step of every delivered message (the link [`happens_before::receives`]
//! follows), when nodes were down or paused and when the network was split
//! (from [`DynSim::nodes`] and [`DynSim::partition_groups`] after each fault),
//! node summaries now and then, and the check that failed. Both the SVG and
//! the HTML picture draw this model; nothing here knows about pixels.

use crate::check::result::Outcome;
use crate::sim::happens_before;
use crate::sim::{DynSim, Endpoint, EntryView, RunReport, SendOutcome, StepResult};
use std::collections::BTreeMap;

/// Steps between two snapshots of the node summaries.
pub const SNAPSHOT_EVERY: u64 = 200;

/// One trace entry, as the pictures draw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepMark {
    /// Step number, from 1.
    pub step: u64,
    /// Virtual time, in nanoseconds.
    pub time_ns: u64,
    /// `deliver`, `timer`, `fault`, ... ([`EntryView::kind`]).
    pub kind: &'static str,
    /// Lane it came from, if any.
    pub source: Option<usize>,
    /// Lane it happened at, if any.
    pub target: Option<usize>,
    /// The message, timer, operation or fault, readable (index into
    /// [`RunModel::labels`]).
    pub label: usize,
    /// For a delivery (or a delivery to a crashed node): the step that sent it.
    pub sent_step: Option<u64>,
    /// Messages sent while handling it: sender lane, target lane and fate
    /// (`scheduled`, `duplicated`, `lost`, `partitioned`).
    pub sends: Vec<(usize, usize, &'static str)>,
    /// Lines the handler logged (indices into [`RunModel::labels`]).
    pub annotations: Vec<usize>,
}

impl StepMark {
    /// Is this step a message arriving along an arrow from `sent_step`?
    pub fn is_arrow(&self) -> bool {
        self.sent_step.is_some() && self.source.is_some() && self.target.is_some()
    }
}

/// A stretch of steps during which a lane was down or paused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneSpan {
    /// The lane (a node).
    pub lane: usize,
    /// First step of the stretch.
    pub from: u64,
    /// Last step of the stretch.
    pub to: u64,
    /// `down` (crashed) or `paused`.
    pub kind: &'static str,
}

/// A stretch of steps during which the network was split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionSpan {
    /// First step.
    pub from: u64,
    /// Last step.
    pub to: u64,
    /// Each node's group (0 the largest).
    pub groups: Vec<usize>,
}

/// Every node's one-line summary after a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The step after which it was taken.
    pub step: u64,
    /// Per node: `role · summary` or `down` (indices into [`RunModel::labels`]).
    pub summaries: Vec<usize>,
}

/// The check that failed, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The check's name.
    pub check: String,
    /// The step it failed at (the last step for a check judged at the end).
    pub step: u64,
    /// Its explanation.
    pub detail: String,
}

/// A run, ready to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunModel {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Verdict name (`pass`, `safety`, ...).
    pub verdict: String,
    /// Trace hash, `0x…`.
    pub trace_hash: String,
    /// How many lanes are nodes (the first ones); the rest are clients.
    pub nodes: usize,
    /// Lane names: `n0`, `n1`, ..., then `c0`, `c1`, ...
    pub lanes: Vec<String>,
    /// Interned texts, in order of first use.
    pub labels: Vec<String>,
    /// One per trace entry, in step order.
    pub steps: Vec<StepMark>,
    /// Down and paused stretches.
    pub lane_spans: Vec<LaneSpan>,
    /// Partitioned stretches.
    pub partitions: Vec<PartitionSpan>,
    /// Node summaries, in step order.
    pub snapshots: Vec<Snapshot>,
    /// The failing check, if any.
    pub failure: Option<Failure>,
}

impl RunModel {
    /// The step mark of step `step`, if kept.
    pub fn at(&self, step: u64) -> Option<&StepMark> {
        let first = self.steps.first()?.step;
        let mark = self.steps.get(step.checked_sub(first)? as usize)?;
        (mark.step == step).then_some(mark)
    }

    /// The last step number (0 for an empty run).
    pub fn last_step(&self) -> u64 {
        self.steps.last().map_or(0, |m| m.step)
    }
}

/// Longest label kept, in characters (a message's `Debug` can be huge).
const LABEL_MAX: usize = 2000;

/// Builds a [`RunModel`] entry by entry.
struct Builder {
    nodes: usize,
    lanes: Vec<String>,
    labels: Vec<String>,
    label_ids: BTreeMap<String, usize>,
    steps: Vec<StepMark>,
    sent_by: BTreeMap<u64, u64>,
    lane_spans: Vec<LaneSpan>,
    down_since: Vec<Option<(u64, &'static str)>>,
    paused_until: Vec<Option<u64>>,
    partition: Option<(u64, Vec<usize>)>,
    partitions: Vec<PartitionSpan>,
    snapshots: Vec<Snapshot>,
}

impl Builder {
    fn intern(&mut self, text: &str) -> usize {
        let text: String = if text.chars().count() > LABEL_MAX {
            text.chars().take(LABEL_MAX).chain("…".chars()).collect()
        } else {
            text.to_string()
        };
        if let Some(&id) = self.label_ids.get(&text) {
            return id;
        }
        self.labels.push(text.clone());
        self.label_ids.insert(text, self.labels.len() - 1);
        self.labels.len() - 1
    }

    fn lane(&mut self, endpoint: Endpoint) -> usize {
        match endpoint {
            Endpoint::Node(n) => n.index(),
            Endpoint::Client(c) => {
                let lane = self.nodes + c.0 as usize;
                while self.lanes.len() <= lane {
                    let next = self.lanes.len() - self.nodes;
                    self.lanes.push(format!("c{next}"));
                }
                lane
            }
        }
    }

    fn add_entry(&mut self, entry: EntryView) {
        let linked = happens_before::receives(&entry) || entry.kind == "drop-down";
        let sent_step = entry
            .msg_id
            .filter(|_| linked)
            .and_then(|id| self.sent_by.get(&id))
            .copied();
        let sends = entry
            .sends
            .iter()
            .map(|s| {
                self.sent_by.insert(s.msg_id, entry.step);
                let fate = match s.outcome {
                    SendOutcome::Scheduled(_) => "scheduled",
                    SendOutcome::Duplicated(..) => "duplicated",
                    SendOutcome::Lost => "lost",
                    SendOutcome::Partitioned => "partitioned",
                };
                (self.lane(s.from), self.lane(s.to), fate)
            })
            .collect();
        let mark = StepMark {
            step: entry.step,
            time_ns: entry.time.as_nanos(),
            kind: entry.kind,
            source: entry.source.map(|e| self.lane(e)),
            target: entry.target.map(|e| self.lane(e)),
            label: self.intern(&entry.label),
            sent_step,
            sends,
            annotations: entry.annotations.iter().map(|a| self.intern(a)).collect(),
        };
        self.close_pauses(mark.step, mark.time_ns);
        self.steps.push(mark);
    }

    /// End the pauses that are over by `time_ns` (at the step before `step`).
    fn close_pauses(&mut self, step: u64, time_ns: u64) {
        for lane in 0..self.nodes {
            if let Some(until) = self.paused_until[lane] {
                let paused = matches!(self.down_since[lane], Some((_, "paused")));
                if time_ns >= until {
                    self.paused_until[lane] = None;
                    if paused {
                        self.end_span(lane, step.saturating_sub(1));
                    }
                }
            }
        }
    }

    fn end_span(&mut self, lane: usize, to: u64) {
        if let Some((from, kind)) = self.down_since[lane].take() {
            self.lane_spans.push(LaneSpan {
                lane,
                from,
                to: to.max(from),
                kind,
            });
        }
    }

    /// After a fault or control step: who is down or paused, how the
    /// network is split.
    fn observe_faults(&mut self, sim: &dyn DynSim, step: u64) {
        for view in sim.nodes() {
            let lane = view.id.index();
            if lane >= self.nodes {
                continue;
            }
            let state = if !view.up {
                Some("down")
            } else if view.paused_until.is_some() {
                Some("paused")
            } else {
                None
            };
            let current = self.down_since[lane].map(|(_, kind)| kind);
            if current != state {
                self.end_span(lane, step.saturating_sub(1));
                self.down_since[lane] = state.map(|kind| (step, kind));
            }
            self.paused_until[lane] = view.paused_until.map(|t| t.as_nanos());
        }
        let groups = sim.partition_groups();
        let split = groups.iter().any(|&g| g > 0);
        let same = self.partition.as_ref().map(|(_, g)| g) == Some(&groups);
        if !same {
            self.end_partition(step.saturating_sub(1));
            if split {
                self.partition = Some((step, groups));
            }
        }
    }

    fn end_partition(&mut self, to: u64) {
        if let Some((from, groups)) = self.partition.take() {
            self.partitions.push(PartitionSpan {
                from,
                to: to.max(from),
                groups,
            });
        }
    }

    fn snapshot(&mut self, sim: &dyn DynSim, step: u64) {
        let summaries = sim
            .nodes()
            .iter()
            .map(|v| {
                let text = match (&v.role, v.up) {
                    (_, false) => format!("down · {}", v.summary),
                    (Some(role), true) => format!("{role} · {}", v.summary),
                    (None, true) => v.summary.clone(),
                };
                self.intern(&text)
            })
            .collect();
        self.snapshots.push(Snapshot { step, summaries });
    }
}

/// Step `sim` (built at [`crate::sim::TraceLevel::Full`]) to its end, as
/// [`DynSim::run`] does, and read its picture on the way.
pub fn run_and_read(sim: &mut dyn DynSim) -> (RunModel, RunReport) {
    let nodes = sim.node_count() as usize;
    let mut b = Builder {
        nodes,
        lanes: (0..nodes).map(|n| format!("n{n}")).collect(),
        labels: Vec::new(),
        label_ids: BTreeMap::new(),
        steps: Vec::new(),
        sent_by: BTreeMap::new(),
        lane_spans: Vec::new(),
        down_since: vec![None; nodes],
        paused_until: vec![None; nodes],
        partition: None,
        partitions: Vec::new(),
        snapshots: Vec::new(),
    };
    for client in sim.clients() {
        b.lane(Endpoint::Client(client.id));
    }
    b.snapshot(&*sim, 0);
    let mut read = 0;
    loop {
        let more = sim.step() == StepResult::Progressed;
        read = read_new(&mut b, &*sim, read);
        if !more {
            break;
        }
    }
    let report = sim.finish();
    read_new(&mut b, &*sim, read);
    let last = b.steps.last().map_or(0, |m| m.step);
    for lane in 0..nodes {
        b.end_span(lane, last);
    }
    b.end_partition(last);
    if b.snapshots.last().map(|s| s.step) != Some(last) {
        b.snapshot(&*sim, last);
    }
    let failure = failure_of(&report, last);
    let model = RunModel {
        scenario: report.scenario.clone(),
        seed: report.seed,
        verdict: report.verdict.name().to_string(),
        trace_hash: report.trace_hash.clone(),
        nodes,
        lanes: b.lanes,
        labels: b.labels,
        steps: b.steps,
        lane_spans: b.lane_spans,
        partitions: b.partitions,
        snapshots: b.snapshots,
        failure,
    };
    (model, report)
}

/// Read the entries kept since index `from`; returns the new end.
fn read_new(b: &mut Builder, sim: &dyn DynSim, from: usize) -> usize {
    let end = sim.trace_len();
    for index in from..end {
        let Some(entry) = sim.entry(index) else {
            continue;
        };
        let step = entry.step;
        let faulty = matches!(entry.kind, "fault" | "control");
        b.add_entry(entry);
        if faulty {
            b.observe_faults(sim, step);
        }
        if step.is_multiple_of(SNAPSHOT_EVERY) {
            b.snapshot(sim, step);
        }
    }
    end
}

/// The violation, else the first check that failed at the end.
fn failure_of(report: &RunReport, last: u64) -> Option<Failure> {
    if let Some(v) = &report.violation {
        return Some(Failure {
            check: v.check.clone(),
            step: v.step,
            detail: v.detail.clone(),
        });
    }
    report.checks.iter().find_map(|c| match &c.outcome {
        Outcome::Fail(why) => Some(Failure {
            check: c.name.clone(),
            step: last,
            detail: why.clone(),
        }),
        _ => None,
    })
}
