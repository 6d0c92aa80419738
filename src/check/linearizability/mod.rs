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

/// The default bound on the search's memo tables: 512 MiB.
pub const DEFAULT_MAX_MEMORY: u64 = 512 << 20;

/// How much work the checker may do before answering `unknown`.
///
/// Every constructor but [`Budget::unlimited`] bounds the memory of the
/// search's memo tables (the cache of (linearized set, state) pairs, one
/// bitset per entry, and the model's interned states and transitions) at
/// [`DEFAULT_MAX_MEMORY`]: a hard history can otherwise fill gigabytes well
/// within a timeout. The bound is deterministic (it counts allocated table
/// capacity, not the process's memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Wall-clock limit for the whole check (nondeterministic; for the CLI).
    pub timeout: Option<Duration>,
    /// Limit on search steps (deterministic; for simulations and tests).
    pub max_steps: Option<u64>,
    /// Limit on the memo tables' bytes (deterministic).
    pub max_memory: Option<u64>,
}

impl Default for Budget {
    /// No time or step limit; memory bounded at [`DEFAULT_MAX_MEMORY`].
    fn default() -> Self {
        Budget {
            timeout: None,
            max_steps: None,
            max_memory: Some(DEFAULT_MAX_MEMORY),
        }
    }
}

impl Budget {
    /// No limit at all, not even on memory.
    pub fn unlimited() -> Self {
        Budget {
            timeout: None,
            max_steps: None,
            max_memory: None,
        }
    }
    /// Stop after `timeout` of wall-clock time (memory bounded by default).
    pub fn timeout(timeout: Duration) -> Self {
        Budget {
            timeout: Some(timeout),
            ..Budget::default()
        }
    }
    /// Stop after `steps` search steps (deterministic; memory bounded by default).
    pub fn steps(steps: u64) -> Self {
        Budget {
            max_steps: Some(steps),
            ..Budget::default()
        }
    }
    /// The same budget with memo tables bounded at `bytes`.
    pub fn with_max_memory(self, bytes: u64) -> Self {
        Budget {
            max_memory: Some(bytes),
            ..self
        }
    }
}

/// Which bound ended a search with `unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    /// The wall-clock timeout.
    Timeout,
    /// The step limit.
    Steps,
    /// The memory bound on the memo tables.
    Memory,
}

impl Bound {
    /// A sentence naming the bound and how to raise it.
    pub fn describe(self, budget: &Budget) -> String {
        match self {
            Bound::Timeout => format!(
                "the search ran out of time ({:?}; raise it with --timeout)",
                budget.timeout.unwrap_or_default()
            ),
            Bound::Steps => format!(
                "the search used its {} steps",
                budget.max_steps.unwrap_or_default()
            ),
            Bound::Memory => format!(
                "the search's memo tables reached their memory bound of {} MiB (raise it with check-history --max-memory MIB)",
                budget.max_memory.unwrap_or_default() >> 20
            ),
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
    /// The bound that made the verdict `unknown`, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound: Option<Bound>,
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
        exhausted: None,
        memory_limit: options
            .budget
            .max_memory
            .map_or(usize::MAX, |b| usize::try_from(b).unwrap_or(usize::MAX)),
        memory_elsewhere: 0,
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
        bound: None,
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
        if status == Status::Unknown {
            verdict.bound = clock.exhausted;
            // Time and steps keep their established explanations; the
            // memory bound is new and says how to raise it.
            if let Some(bound @ Bound::Memory) = clock.exhausted {
                verdict.explanation = format!(
                    "Unknown: {}.\n{}",
                    bound.describe(&options.budget),
                    verdict.explanation
                );
            }
        }
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
        for i in 0..searches.len() {
            if searches[i].3 {
                continue;
            }
            // The memory bound covers every partition's tables together.
            clock.memory_elsewhere = searches
                .iter()
                .enumerate()
                .filter(|&(j, s)| j != i && !s.3)
                .map(|(_, s)| s.1.memory_bytes())
                .sum();
            let (key, search, kept, done) = &mut searches[i];
            match search.run(slice, clock) {
                None => {
                    let deepest = search.deepest();
                    let (failing, text) = explain::explain(&mut search.model, kept, &deepest, true);
                    return Ok(Some((Status::Unknown, (*key).clone(), failing, text)));
                }
                Some(Progress::Paused) => open += 1,
                Some(Progress::Done(Found::Linearizable)) => {
                    *done = true;
                    search.release();
                }
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
    // Free: the outcome is unknown and the return is after the whole
    // history. `compile` gives such an operation no result to match, so
    // every model accepts it in every state (tested in `models`).
    let free: Vec<bool> = kept
        .iter()
        .map(|op| op.outcome == Outcome::Info && op.ret.is_none())
        .collect();
    Ok((
        Search::new(Interned::new(model, compiled), &positions, &free),
        kept,
    ))
}

#[cfg(test)]
mod bound_tests {
    use super::*;
    use crate::check::history::{EventType, HistoryEvent, Value};

    fn event(process: u64, kind: EventType, f: &str, value: Value) -> HistoryEvent {
        HistoryEvent {
            process,
            kind,
            f: f.into(),
            key: None,
            value,
            time: 0,
            error: None,
        }
    }

    /// `n` concurrent writes of distinct values and a concurrent read of a
    /// value nobody wrote: no order works, and proving it means trying the
    /// subsets of writes (the memo table grows exponentially).
    fn hard_history(n: u64) -> History {
        let mut h = History::new();
        for p in 0..n {
            h.push(event(p, EventType::Invoke, "write", Value::Int(p as i64)));
        }
        h.push(event(n, EventType::Invoke, "read", Value::Nil));
        for p in 0..n {
            h.push(event(p, EventType::Ok, "write", Value::Int(p as i64)));
        }
        h.push(event(n, EventType::Ok, "read", Value::Int(-1)));
        h
    }

    #[test]
    fn the_memory_bound_ends_the_search_with_unknown_and_names_itself() {
        let budget = Budget::unlimited().with_max_memory(1 << 20);
        let verdict = check(&hard_history(40), Model::Register, &budget).expect("well formed");
        assert_eq!(verdict.status, Status::Unknown);
        assert_eq!(verdict.bound, Some(Bound::Memory));
        assert!(
            verdict
                .explanation
                .starts_with("Unknown: the search's memo tables reached their memory bound of 1 MiB (raise it with check-history --max-memory MIB)."),
            "{}",
            verdict.explanation
        );
    }

    #[test]
    fn every_budget_but_unlimited_bounds_memory_by_default() {
        for budget in [
            Budget::default(),
            Budget::steps(10),
            Budget::timeout(Duration::from_secs(1)),
        ] {
            assert_eq!(budget.max_memory, Some(DEFAULT_MAX_MEMORY));
        }
        assert_eq!(Budget::unlimited().max_memory, None);
    }

    #[test]
    fn a_small_history_fits_within_a_small_bound() {
        let mut h = History::new();
        h.push(event(0, EventType::Invoke, "write", Value::Int(1)));
        h.push(event(0, EventType::Ok, "write", Value::Int(1)));
        h.push(event(1, EventType::Invoke, "read", Value::Nil));
        h.push(event(1, EventType::Ok, "read", Value::Int(1)));
        let budget = Budget::unlimited().with_max_memory(1 << 20);
        let verdict = check(&h, Model::Register, &budget).expect("well formed");
        assert_eq!(verdict.status, Status::Valid);
        assert_eq!(verdict.bound, None);
    }
}
