//! Pairing events into operations: each `invoke` with the `ok`, `fail` or
//! `info` that completes it on the same process.
//!
//! Rules (each violation is a [`HistoryError`] naming the line):
//! - a process has at most one open operation;
//! - a completion needs an open invocation on its process, with the same `f`
//!   (and key);
//! - an operation still open at the end of the history is indeterminate (`info`).

use super::error::HistoryError;
use super::history::{EventType, History, Value};
use std::collections::BTreeMap;
use std::fmt;

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// It happened, with a known result.
    Ok,
    /// It definitely did not happen.
    Fail,
    /// Unknown: it may have happened at any time after its invocation.
    Info,
}

/// One operation: an invocation and its completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// Index in [`Operations::ops`] (operations are numbered in invocation order).
    pub id: usize,
    /// The process that ran it.
    pub process: u64,
    /// The function: `read`, `write`, `cas`, `get`, `put`, `append`, `txn`, ...
    pub f: String,
    /// The key, for keyed models.
    pub key: Option<String>,
    /// The invocation's value (the argument).
    pub input: Value,
    /// The completion's value (the result); `Nil` when not `Ok`.
    pub output: Value,
    /// How it ended.
    pub outcome: Outcome,
    /// Index of the invoke event in the history.
    pub call: usize,
    /// Index of the completion event; `None` if it never completed or is `info`
    /// (it may take effect any time up to the end).
    pub ret: Option<usize>,
    /// Virtual time of the invocation (ns).
    pub call_time: u64,
    /// Virtual time of the completion (ns), if any.
    pub ret_time: Option<u64>,
    /// 1-based line of the invocation.
    pub call_line: usize,
    /// 1-based line of the completion, if any.
    pub ret_line: Option<usize>,
}

impl Operation {
    /// True when the operation's completion happened before `other` was invoked.
    pub fn precedes(&self, other: &Operation) -> bool {
        matches!(self.ret, Some(r) if r < other.call)
    }
}

impl fmt::Display for Operation {
    /// `op 12 (process 3, lines 40–45): cas [1 2] → ok`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines = match self.ret_line {
            Some(r) => format!("lines {}–{}", self.call_line, r),
            None => format!("line {}", self.call_line),
        };
        write!(
            f,
            "op {} (process {}, {lines}): {}",
            self.id, self.process, self.f
        )?;
        if let Some(key) = &self.key {
            write!(f, " {key:?}")?;
        }
        if self.input != Value::Nil {
            write!(f, " {}", self.input)?;
        }
        match self.outcome {
            Outcome::Fail => write!(f, " → fail"),
            Outcome::Info => write!(f, " → unknown (info)"),
            Outcome::Ok => match (&self.output, self.f.as_str()) {
                (Value::Bool(false), "cas") => write!(f, " → failed (compare did not match)"),
                (Value::Nil, "read" | "get") => write!(f, " → nil"),
                (Value::Nil, _) => write!(f, " → ok"),
                (out, _) if *out == self.input => write!(f, " → ok"),
                (out, _) => write!(f, " → {out}"),
            },
        }
    }
}

/// The operations of a history.
#[derive(Clone, Debug, Default)]
pub struct Operations {
    /// All operations (ok, fail and info), in invocation order.
    pub ops: Vec<Operation>,
    /// Number of events in the history.
    pub events: usize,
}

impl Operations {
    /// Count of operations with the given outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.ops.iter().filter(|o| o.outcome == outcome).count()
    }
}

/// Pair the events of `history`. `lines[i]`, if given, is the file line of
/// event `i`; otherwise errors name the 1-based event number.
pub fn pair(history: &History, lines: Option<&[usize]>) -> Result<Operations, HistoryError> {
    let line_of = |i: usize| lines.and_then(|l| l.get(i).copied()).unwrap_or(i + 1);
    let mut ops: Vec<Operation> = Vec::new();
    let mut open: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, event) in history.events.iter().enumerate() {
        let line = line_of(i);
        if event.kind == EventType::Invoke {
            if let Some(&prev) = open.get(&event.process) {
                return Err(HistoryError::new(
                    line,
                    format!(
                        "expected a completion for process {} (its operation from line {} is still open), found a second invoke",
                        event.process, ops[prev].call_line
                    ),
                ));
            }
            open.insert(event.process, ops.len());
            ops.push(Operation {
                id: ops.len(),
                process: event.process,
                f: event.f.clone(),
                key: event.key.clone(),
                input: event.value.clone(),
                output: Value::Nil,
                outcome: Outcome::Info,
                call: i,
                ret: None,
                call_time: event.time,
                ret_time: None,
                call_line: line,
                ret_line: None,
            });
            continue;
        }
        let Some(index) = open.remove(&event.process) else {
            return Err(HistoryError::new(
                line,
                format!(
                    "expected an invoke before this {} for process {}, but the process has no open operation",
                    event.kind, event.process
                ),
            ));
        };
        let op = &mut ops[index];
        if op.f != event.f {
            return Err(HistoryError::new(
                line,
                format!(
                    "expected the completion of `{}` (invoked at line {}), found `{}`",
                    op.f, op.call_line, event.f
                ),
            ));
        }
        if event.key.is_some() && op.key != event.key {
            return Err(HistoryError::new(
                line,
                format!(
                    "expected key {:?} as invoked at line {}, found {:?}",
                    op.key, op.call_line, event.key
                ),
            ));
        }
        complete(op, event.kind, &event.value, i, event.time, line);
    }
    Ok(Operations {
        ops,
        events: history.events.len(),
    })
}

fn complete(op: &mut Operation, kind: EventType, value: &Value, i: usize, time: u64, line: usize) {
    op.ret_line = Some(line);
    match kind {
        EventType::Ok => {
            op.outcome = Outcome::Ok;
            op.output = value.clone();
            op.ret = Some(i);
            op.ret_time = Some(time);
        }
        EventType::Fail => {
            op.outcome = Outcome::Fail;
            op.ret = Some(i);
            op.ret_time = Some(time);
        }
        // Info: it may take effect any time after its invocation.
        _ => op.outcome = Outcome::Info,
    }
}
