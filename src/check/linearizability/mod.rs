//! Linearizability checking (Wing & Gong search, Lowe's memoization,
//! per-key partitioning), as in Porcupine.
//!
//! ```
//! use distlab::check::history::{EventType, History, HistoryEvent, Value};
//! use distlab::check::linearizability::{check, Budget, Model};
//! use distlab::check::verdict::Status;
//! let event = |process, kind, f: &str, value| HistoryEvent {
//!     process, kind, f: f.into(), key: None, value, time: 0, error: None,
//! };
//! let mut h = History::new();
//! h.push(event(0, EventType::Invoke, "write", Value::Int(1)));
//! h.push(event(0, EventType::Ok, "write", Value::Int(1)));
//! h.push(event(1, EventType::Invoke, "read", Value::Nil));
//! h.push(event(1, EventType::Ok, "read", Value::Nil)); // stale: 1 was written before
//! let verdict = check(&h, Model::Register, &Budget::unlimited()).unwrap();
//! assert_eq!(verdict.status, Status::Invalid);
//! ```

mod explain;
mod models;
mod search;

use super::error::HistoryError;
use super::history::History;
use super::ops::{pair, Operation, Operations, Outcome};
use super::verdict::Status;
use models::SeqModel;
use search::{Clock, Found, Interned, Progress, Search};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// A sequential specification to check against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// `read`/`write` register starting at nil.
    Register,
    /// `read`/`write`/`cas [from to]` register starting at nil.
    CasRegister,
    /// Keyed store: `get`/`put`/`append`/`cas`, every key initially empty.
    Kv,
    /// `add N`/`read → N`, starting at 0.
    Counter,
    /// Grow-only set: `add V`/`read → [V...]`.
    Set,
    /// FIFO queue: `enqueue V`/`dequeue → V` (nil when empty).
    Queue,
}

impl Model {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Model::Register => "register",
            Model::CasRegister => "cas-register",
            Model::Kv => "kv",
            Model::Counter => "counter",
            Model::Set => "set",
            Model::Queue => "queue",
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Model {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            Model::Register,
            Model::CasRegister,
            Model::Kv,
            Model::Counter,
            Model::Set,
            Model::Queue,
        ]
        .into_iter()
        .find(|m| m.name() == s)
        .ok_or_else(|| format!("unknown model `{s}`"))
    }
}

/// How much work the checker may do before answering `unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Budget {
    /// Wall-clock limit for the whole check (nondeterministic; for the CLI).
    pub timeout: Option<Duration>,
    /// Limit on search steps (deterministic; for simulations and tests).
    pub max_steps: Option<u64>,
}

impl Budget {
    /// No limit.
    pub fn unlimited() -> Self {
        Budget::default()
    }
    /// Stop after `timeout` of wall-clock time.
    pub fn timeout(timeout: Duration) -> Self {
        Budget {
            timeout: Some(timeout),
            max_steps: None,
        }
    }
    /// Stop after `steps` search steps (deterministic).
    pub fn steps(steps: u64) -> Self {
        Budget {
            timeout: None,
            max_steps: Some(steps),
        }
    }
}

/// Options beyond the model and budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// The budget.
    pub budget: Budget,
    /// Check each key separately (kv model only; default true).
    pub partition: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            budget: Budget::default(),
            partition: true,
        }
    }
}

/// The answer of a linearizability check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Valid (linearizable), invalid, or unknown (budget exhausted).
    pub status: Status,
    /// Operations checked (ok and info; failed ones are left out).
    pub operations: usize,
    /// Independent partitions (keys) checked.
    pub partitions: usize,
    /// Search steps taken.
    pub steps: u64,
    /// The key whose sub-history failed (kv with partitioning).
    pub failing_key: Option<String>,
    /// Ids of the operations that could not be placed.
    pub failing_ops: Vec<usize>,
    /// A plain-text explanation (empty when valid).
    pub explanation: String,
}

/// Pair the events of `history` and check them against `model`.
pub fn check(history: &History, model: Model, budget: &Budget) -> Result<Verdict, HistoryError> {
    let ops = pair(history, None)?;
    check_operations(
        &ops,
        model,
        &Options {
            budget: *budget,
            partition: true,
        },
    )
}

/// Check already-paired operations. Errors name an operation's line when it
/// does not fit the model (unknown `f`, malformed value).
pub fn check_operations(
    ops: &Operations,
    model: Model,
    options: &Options,
) -> Result<Verdict, HistoryError> {
    let deadline = options.budget.timeout.map(|t| Instant::now() + t); // allow-nondeterminism: checker budget/timing, not simulation
    let mut clock = Clock {
        deadline,
        steps_left: options.budget.max_steps.unwrap_or(u64::MAX),
        steps: 0,
        exhausted: false,
    };
    let live: Vec<&Operation> = ops
        .ops
        .iter()
        .filter(|o| o.outcome != Outcome::Fail)
        .collect();
    let mut parts: BTreeMap<Option<String>, Vec<&Operation>> = BTreeMap::new();
    for op in &live {
        let key = if model == Model::Kv && options.partition {
            op.key.clone()
        } else {
            None
        };
        parts.entry(key).or_default().push(op);
    }
    let mut verdict = Verdict {
        status: Status::Valid,
        operations: live.len(),
        partitions: parts.len(),
        steps: 0,
        failing_key: None,
        failing_ops: Vec::new(),
        explanation: String::new(),
    };
    let parts: Vec<(Option<String>, Vec<&Operation>)> = parts.into_iter().collect();
    let result = match model {
        Model::Register => run(
            || models::Register { allow_cas: false },
            &parts,
            ops.events,
            &mut clock,
        ),
        Model::CasRegister => run(
            || models::Register { allow_cas: true },
            &parts,
            ops.events,
            &mut clock,
        ),
        Model::Kv => run(models::Kv::default, &parts, ops.events, &mut clock),
        Model::Counter => run(|| models::Counter, &parts, ops.events, &mut clock),
        Model::Set => run(|| models::Set, &parts, ops.events, &mut clock),
        Model::Queue => run(|| models::Queue, &parts, ops.events, &mut clock),
    }?;
    if let Some((status, key, failing, text)) = result {
        verdict.status = status;
        verdict.failing_key = key;
        verdict.failing_ops = failing;
        verdict.explanation = text;
    }
    verdict.steps = clock.steps;
    Ok(verdict)
}

type PartResult = Option<(Status, Option<String>, Vec<usize>, String)>;

/// Build one search per partition and run them round-robin in growing slices,
/// so one hard partition cannot hide an easy violation in another (Porcupine
/// runs partitions in parallel for the same reason; this stays single-threaded
/// and deterministic).
fn run<M: SeqModel>(
    make: impl Fn() -> M,
    parts: &[(Option<String>, Vec<&Operation>)],
    events: usize,
    clock: &mut Clock,
) -> Result<PartResult, HistoryError> {
    let mut searches = Vec::with_capacity(parts.len());
    for (key, part) in parts {
        let (search, kept) = build(make(), part, events)?;
        searches.push((key, search, kept, false));
    }
    let mut slice = 1u64 << 14;
    loop {
        let mut open = 0;
        for (key, search, kept, done) in searches.iter_mut().filter(|s| !s.3) {
            match search.run(slice, clock) {
                None => {
                    let deepest = search.deepest();
                    let (failing, text) = explain::explain(&mut search.model, kept, &deepest, true);
                    return Ok(Some((Status::Unknown, (*key).clone(), failing, text)));
                }
                Some(Progress::Paused) => open += 1,
                Some(Progress::Done(Found::Linearizable)) => *done = true,
                Some(Progress::Done(Found::NotLinearizable(deepest))) => {
                    let (failing, text) =
                        explain::explain(&mut search.model, kept, &deepest, false);
                    return Ok(Some((Status::Invalid, (*key).clone(), failing, text)));
                }
            }
        }
        if open == 0 {
            return Ok(None);
        }
        slice = slice.saturating_mul(2);
    }
}

fn build<'a, M: SeqModel>(
    mut model: M,
    part: &[&'a Operation],
    events: usize,
) -> Result<(Search<M>, Vec<&'a Operation>), HistoryError> {
    let mut compiled = Vec::new();
    let mut kept: Vec<&Operation> = Vec::new();
    for op in part {
        let line = op.call_line;
        if let Some(c) = model.compile(op).map_err(|m| HistoryError::new(line, m))? {
            compiled.push(c);
            kept.push(op);
        }
    }
    let positions: Vec<(u64, u64)> = kept
        .iter()
        .enumerate()
        .map(|(i, op)| {
            (
                op.call as u64,
                op.ret.map_or((events + i) as u64, |r| r as u64),
            )
        })
        .collect();
    Ok((
        Search::new(Interned::new(model, compiled), &positions),
        kept,
    ))
}
