//! Jepsen-style operation histories: the shared record that workloads write and
//! history checkers read.
//!
//! Each client operation appears as an `invoke` event, later followed (on the
//! same process) by exactly one of `ok` (it happened, with its result), `fail`
//! (it definitely did not happen) or `info` (unknown: it may have happened at any
//! time after its invocation). An operation that never completes is treated as
//! `info`.

pub use crate::base::int_set::IntSet;
pub use crate::base::value::Value;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The type of a history event, in Jepsen's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventType {
    /// The operation was issued.
    Invoke,
    /// The operation happened; the event carries its result.
    Ok,
    /// The operation definitely did not happen.
    Fail,
    /// Unknown outcome: it may have happened at any time after its invocation.
    Info,
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EventType::Invoke => "invoke",
            EventType::Ok => "ok",
            EventType::Fail => "fail",
            EventType::Info => "info",
        })
    }
}

/// One line of a history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEvent {
    /// The client process that issued the operation. A process has at most one
    /// operation open at a time.
    pub process: u64,
    /// Invoke, ok, fail or info.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The operation's function: `read`, `write`, `cas`, `get`, `put`,
    /// `append`, `add`, `txn`, ...
    pub f: String,
    /// The key the operation touches, for keyed models (key-value stores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The operation's argument (on invoke) or result (on ok).
    #[serde(default)]
    pub value: Value,
    /// Virtual time of the event, in nanoseconds.
    #[serde(default)]
    pub time: u64,
    /// Why an operation failed or is indeterminate (`timed-out`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An ordered list of history events, as observed by the clients.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The events, in the order they happened.
    pub events: Vec<HistoryEvent>,
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append one event.
    pub fn push(&mut self, event: HistoryEvent) {
        self.events.push(event);
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
