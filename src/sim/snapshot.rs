//! Cheap snapshots for time travel.
//!
//! A world's append-only logs (the kept trace, the client history, operation
//! latencies, the fault log) grow with the run. A snapshot leaves them out:
//! it is a clone of the world with those logs detached, plus their lengths
//! ([`LogMarks`]). The live world keeps the one copy of each log; restoring a
//! snapshot truncates the live logs to the snapshot's marks and re-attaches
//! them. So a snapshot costs O(world state), not O(run), and going back never
//! copies the trace.

use super::node::Node;
use super::trace::{TraceLens, TraceLog};
use super::world::Sim;
use super::SimTime;
use crate::check::history::HistoryEvent;

/// Lengths of a world's append-only logs when a snapshot was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogMarks {
    trace: TraceLens,
    history: usize,
    op_latencies: usize,
    fault_log: usize,
}

/// A world's append-only logs, detached.
struct WorldLogs<N: Node> {
    trace: TraceLog<N>,
    history: Vec<HistoryEvent>,
    op_latencies: Vec<u64>,
    fault_log: Vec<(SimTime, String)>,
}

impl<N: Node> WorldLogs<N> {
    fn marks(&self) -> LogMarks {
        LogMarks {
            trace: self.trace.lens(),
            history: self.history.len(),
            op_latencies: self.op_latencies.len(),
            fault_log: self.fault_log.len(),
        }
    }

    fn truncate(&mut self, marks: &LogMarks) {
        self.trace.truncate(marks.trace);
        self.history.truncate(marks.history);
        self.op_latencies.truncate(marks.op_latencies);
        self.fault_log.truncate(marks.fault_log);
    }
}

impl<N: Node> Sim<N> {
    fn take_logs(&mut self) -> WorldLogs<N> {
        WorldLogs {
            trace: self.trace.take_log(),
            history: std::mem::take(&mut std::sync::Arc::make_mut(&mut self.history).events),
            op_latencies: std::mem::take(&mut self.op_latencies),
            fault_log: std::mem::take(&mut self.fault_log),
        }
    }

    fn put_logs(&mut self, logs: WorldLogs<N>) {
        self.trace.put_log(logs.trace);
        std::sync::Arc::make_mut(&mut self.history).events = logs.history;
        self.op_latencies = logs.op_latencies;
        self.fault_log = logs.fault_log;
    }

    /// A copy of this world without its append-only logs, and the logs'
    /// lengths now. Only [`Sim::restore_from`] on this same run (at this step
    /// or later) can use it.
    pub(crate) fn snapshot_without_logs(&mut self) -> (Sim<N>, LogMarks) {
        let logs = self.take_logs();
        let marks = logs.marks();
        let copy = self.clone();
        self.put_logs(logs);
        (copy, marks)
    }

    /// Become `snapshot` again, keeping this world's logs cut back to
    /// `marks`. `self` must be the run the snapshot was taken from, at the
    /// snapshot's step or later (its logs then start with the snapshot's).
    pub(crate) fn restore_from(&mut self, snapshot: &Sim<N>, marks: &LogMarks) {
        let mut logs = self.take_logs();
        logs.truncate(marks);
        *self = snapshot.clone();
        self.put_logs(logs);
    }
}
