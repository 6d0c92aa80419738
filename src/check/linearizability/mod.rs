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
use search::{Clock, Deepest, Found, Interned, Progress, Search};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
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

/// How many times the full search's slice a shortcut gets in each round.
const SHORTCUT_SHARE: u64 = 3;

/// Build one search per partition and run them round-robin in growing slices,
/// so one hard partition cannot hide an easy violation in another (Porcupine
/// runs partitions in parallel for the same reason; this stays single-threaded
/// and deterministic).
///
/// **Shortcuts.** A model that takes them ([`SeqModel::takes_shortcuts`])
/// also gets, per partition, searches over smaller histories, run in the
/// same round-robin beside the full one: the partition without any
/// operation of unknown outcome, and without only the unknown writes of
/// values no result shows ([`SeqModel::unseen_write`]). Leaving out an
/// unknown operation is sound (it may not have happened), so a shortcut
/// that finds a linearization decides the partition; one that finds none
/// proves nothing and is dropped. Only the full search can answer
/// "not linearizable", and an exhausted budget is explained from it, so
/// the verdicts and explanations are the full search's. A history where
/// many writes timed out (a lossy network's clients) is often decided by
/// a shortcut in a fraction of the full search's steps.
fn run<M: SeqModel>(
    make: impl Fn() -> M,
    parts: &[(Option<String>, Vec<&Operation>)],
    events: usize,
    clock: &mut Clock,
) -> Result<PartResult, HistoryError> {
    /// One search: its partition's key, the search, the operations it
    /// orders, done, its partition's index, and whether it is a shortcut.
    struct Entry<'k, 'a, M: SeqModel> {
        key: &'k Option<String>,
        search: Search<M>,
        kept: Vec<&'a Operation>,
        done: bool,
        part: usize,
        shortcut: bool,
    }
    let mut searches: Vec<Entry<M>> = Vec::with_capacity(parts.len());
    for (part, (key, ops)) in parts.iter().enumerate() {
        let (search, kept) = build(make(), ops, events)?;
        let mut shortcuts = Vec::new();
        if search.model.model.takes_shortcuts() {
            // Free in the search: a write of unknown outcome that a read
            // saw is not (`build`), and no shortcut leaves it out.
            let free = search.free_ops();
            let unseen: Vec<bool> = free
                .iter()
                .zip(&search.model.ops)
                .map(|(&free, compiled)| free && search.model.model.unseen_write(compiled))
                .collect();
            let frees = free.iter().filter(|&&f| f).count();
            let unseens = unseen.iter().filter(|&&u| u).count();
            if frees > 0 {
                shortcuts.push(
                    kept.iter()
                        .zip(free)
                        .filter(|(_, &f)| !f)
                        .map(|(op, _)| *op)
                        .collect(),
                );
            }
            if unseens > 0 && unseens < frees {
                let without: Vec<&Operation> = kept
                    .iter()
                    .zip(&unseen)
                    .filter(|(_, &u)| !u)
                    .map(|(op, _)| *op)
                    .collect();
                shortcuts.push(without);
            }
        }
        let mut add = |(search, kept), shortcut| {
            searches.push(Entry {
                key,
                search,
                kept,
                done: false,
                part,
                shortcut,
            })
        };
        for ops in shortcuts {
            add(build(make(), &ops, events)?, true);
        }
        add((search, kept), false);
    }
    let mut slice = 1u64 << 14;
    loop {
        let mut open = 0;
        for i in 0..searches.len() {
            if searches[i].done {
                continue;
            }
            // The memory bound covers every search's tables together.
            clock.memory_elsewhere = searches
                .iter()
                .enumerate()
                .filter(|&(j, s)| j != i && !s.done)
                .map(|(_, s)| s.search.memory_bytes())
                .sum();
            let (part, shortcut) = (searches[i].part, searches[i].shortcut);
            // A shortcut works SHORTCUT_SHARE times as long a slice: it
            // is smaller, and in a correct run's history it is what decides.
            let share = if shortcut { SHORTCUT_SHARE } else { 1 };
            match searches[i].search.run(slice.saturating_mul(share), clock) {
                None => {
                    // Explained from the partition's full search.
                    let full = searches
                        .iter_mut()
                        .find(|s| s.part == part && !s.shortcut)
                        .expect("every partition has its full search");
                    let deepest = full.search.deepest();
                    let (failing, text) =
                        explain::explain(&mut full.search.model, &full.kept, &deepest, true);
                    return Ok(Some((Status::Unknown, full.key.clone(), failing, text)));
                }
                Some(Progress::Paused) => open += 1,
                Some(Progress::Done(Found::Linearizable)) => {
                    // The partition is decided: its other searches stop.
                    for s in searches.iter_mut().filter(|s| s.part == part && !s.done) {
                        s.done = true;
                        s.search.release();
                    }
                }
                Some(Progress::Done(Found::NotLinearizable(deepest))) if shortcut => {
                    // Put back the left-out operations that could explain
                    // where it got stuck, and try again; with none, drop it.
                    let full = searches
                        .iter()
                        .find(|s| s.part == part && !s.shortcut)
                        .expect("every partition has its full search");
                    let wider = widen(&full.search, &full.kept, &searches[i].kept, &deepest);
                    let s = &mut searches[i];
                    s.search.release();
                    match wider {
                        Some(ops) => {
                            let (search, kept) = build(make(), &ops, events)?;
                            (s.search, s.kept) = (search, kept);
                        }
                        None => s.done = true,
                    }
                }
                Some(Progress::Done(Found::NotLinearizable(deepest))) => {
                    let s = &mut searches[i];
                    let (failing, text) =
                        explain::explain(&mut s.search.model, &s.kept, &deepest, false);
                    return Ok(Some((Status::Invalid, s.key.clone(), failing, text)));
                }
            }
        }
        if open == 0 {
            return Ok(None);
        }
        slice = slice.saturating_mul(2);
    }
}

/// A shortcut that failed, widened: its operations and every free
/// operation of the partition's full search (`full`, over `all`) it left
/// out that could explain why it got stuck at `deepest` (the model's
/// [`SeqModel::could_explain`] for the operation that could not be placed
/// or one that could have gone next, invoked before that one returned), in
/// history order; `None` when there is none (the shortcut proves nothing).
/// Each widening puts back at least one operation, so a partition's
/// shortcut fails at most once per free operation before it is dropped;
/// and, like every shortcut, a widened one that succeeds decides: the
/// operations still left out may never have happened.
fn widen<'a, M: SeqModel>(
    full: &Search<M>,
    all: &[&'a Operation],
    kept: &[&'a Operation],
    deepest: &Deepest,
) -> Option<Vec<&'a Operation>> {
    // Operation ids are unique within a history: map the shortcut's
    // operations to the full search's indices.
    let index: BTreeMap<usize, usize> = all.iter().enumerate().map(|(i, op)| (op.id, i)).collect();
    let blocked_ret = kept[deepest.blocking].ret;
    let stuck: Vec<usize> = std::iter::once(deepest.blocking)
        .chain(deepest.candidates.iter().copied())
        .map(|b| index[&kept[b].id])
        .collect();
    let inside: BTreeSet<usize> = kept.iter().map(|op| index[&op.id]).collect();
    let free = full.free_ops();
    let (model, ops) = (&full.model.model, &full.model.ops);
    let mut added = false;
    let mut wider = Vec::with_capacity(kept.len() + 1);
    for (i, op) in all.iter().enumerate() {
        let put_back = !inside.contains(&i)
            && free[i]
            && blocked_ret.is_none_or(|r| op.call < r)
            && stuck.iter().any(|&b| model.could_explain(&ops[b], &ops[i]));
        added |= put_back;
        if put_back || inside.contains(&i) {
            wider.push(*op);
        }
    }
    added.then_some(wider)
}

/// Is `op` *free* in the search: its outcome unknown and its return after
/// the whole history? (The search need never place it; a shortcut may
/// leave it out.)
fn free(op: &Operation) -> bool {
    op.outcome == Outcome::Info && op.ret.is_none()
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
    // Positions are doubled: `2e` is event `e`'s, and `2e - 1` is just
    // before it (where a write a read saw returns, below).
    let mut positions: Vec<(u64, u64)> = kept
        .iter()
        .enumerate()
        .map(|(i, op)| {
            (
                2 * op.call as u64,
                2 * op.ret.map_or((events + i) as u64, |r| r as u64),
            )
        })
        .collect();
    // Free: the outcome is unknown and the return is after the whole
    // history. `compile` gives such an operation no result to match, so
    // every model accepts it in every state (tested in `models`).
    let mut free: Vec<bool> = kept.iter().map(|op| free(op)).collect();
    // A write some read saw returns, for the search, just before that
    // read returns (every linearization places it before the read, so
    // before the read's return): a write of unknown outcome that a read
    // saw is then placed like one that returned, not tried at every later
    // point. (A read that returned before the write was even invoked
    // changes nothing here: the search finds that it cannot be placed.)
    for (w, r) in model.must_precede(&compiled) {
        let before = positions[r].1 - 1;
        if positions[w].0 < before && before < positions[w].1 {
            positions[w].1 = before;
            free[w] = false;
        }
    }
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

#[cfg(test)]
mod shortcut_tests {
    use super::*;
    use crate::check::history::{EventType, HistoryEvent, Value};

    /// One event on key `k` (time is the event's position).
    fn kv(h: &mut History, process: u64, kind: EventType, f: &str, value: Value) {
        let time = h.events.len() as u64;
        h.push(HistoryEvent {
            process,
            kind,
            f: f.into(),
            key: Some("k".into()),
            value,
            time,
            error: None,
        });
    }

    fn cas(from: i64, to: i64) -> Value {
        Value::List(vec![Value::Int(from), Value::Int(to)])
    }

    /// One client puts 0, then appends 1..=20 and reads them back (the
    /// read returns `read_extra` appended too, if given); meanwhile `n`
    /// clients' puts of values nobody reads time out (outcome unknown).
    fn timed_out_puts(n: u64, read_extra: Option<i64>) -> History {
        let mut h = History::new();
        kv(&mut h, 0, EventType::Invoke, "put", Value::Int(0));
        kv(&mut h, 0, EventType::Ok, "put", Value::Int(0));
        for p in 1..=n {
            kv(
                &mut h,
                p,
                EventType::Invoke,
                "put",
                Value::Int(100 + p as i64),
            );
        }
        for v in 1..=20 {
            kv(&mut h, 0, EventType::Invoke, "append", Value::Int(v));
            kv(&mut h, 0, EventType::Ok, "append", Value::Nil);
        }
        let read = (0..=20).chain(read_extra).map(Value::Int).collect();
        kv(&mut h, 0, EventType::Invoke, "get", Value::Nil);
        kv(&mut h, 0, EventType::Ok, "get", Value::List(read));
        for p in 1..=n {
            kv(&mut h, p, EventType::Info, "put", Value::Nil);
        }
        h
    }

    #[test]
    fn a_shortcut_decides_a_history_of_timed_out_writes_in_fewer_steps() {
        let verdict = check(&timed_out_puts(6, None), Model::Kv, &Budget::unlimited()).expect("ok");
        assert_eq!(verdict.status, Status::Valid);
        // The shortcut without the unknown puts takes about a step per
        // operation; the full search alone tries the puts before every
        // append: 188,143 steps without shortcuts.
        assert!(verdict.steps < 200, "{} steps", verdict.steps);
    }

    #[test]
    fn a_history_no_shortcut_can_order_is_still_not_linearizable() {
        // The last get returns a value nobody wrote: every search fails,
        // and the verdict and explanation are the full search's.
        let verdict = check(
            &timed_out_puts(4, Some(55)),
            Model::Kv,
            &Budget::unlimited(),
        )
        .expect("ok");
        assert_eq!(verdict.status, Status::Invalid);
        assert!(
            verdict.explanation.contains("55"),
            "{}",
            verdict.explanation
        );
    }

    /// Put 0; `n` clients' puts of 101..=100+n time out (outcome
    /// unknown), but a failed compare-and-set with each value (before
    /// them) makes every value one a result shows; one client appends
    /// 1..=20 and reads them back, then reads `100 + n`: only the last
    /// put, after the appends, explains it.
    fn timed_out_seen_puts(n: u64) -> History {
        let mut h = History::new();
        kv(&mut h, 0, EventType::Invoke, "put", Value::Int(0));
        kv(&mut h, 0, EventType::Ok, "put", Value::Int(0));
        for p in 1..=n as i64 {
            kv(&mut h, 0, EventType::Invoke, "cas", cas(100 + p, 1));
            kv(&mut h, 0, EventType::Ok, "cas", Value::Bool(false));
        }
        for p in 1..=n {
            let value = Value::Int(100 + p as i64);
            kv(&mut h, p, EventType::Invoke, "put", value);
        }
        for v in 1..=20 {
            kv(&mut h, 0, EventType::Invoke, "append", Value::Int(v));
            kv(&mut h, 0, EventType::Ok, "append", Value::Nil);
        }
        let read = (0..=20).map(Value::Int).collect();
        kv(&mut h, 0, EventType::Invoke, "get", Value::Nil);
        kv(&mut h, 0, EventType::Ok, "get", Value::List(read));
        let last = Value::Int(100 + n as i64);
        kv(&mut h, 0, EventType::Invoke, "get", Value::Nil);
        kv(&mut h, 0, EventType::Ok, "get", last);
        for p in 1..=n {
            kv(&mut h, p, EventType::Info, "put", Value::Nil);
        }
        h
    }

    #[test]
    fn a_failed_shortcut_puts_back_the_write_its_read_needs() {
        // No shortcut without the seen writes (every value is seen); the
        // one without any unknown operation fails at the last get, gets
        // back the one put of what it read, and decides, within the full
        // search's first slice (16,384 steps). Without that widening the
        // full search decided alone: 188,214 steps (6 puts), 1,215,041 (8).
        for (n, before) in [(6, 188_214), (8, 1_215_041)] {
            let verdict =
                check(&timed_out_seen_puts(n), Model::Kv, &Budget::unlimited()).expect("ok");
            assert_eq!(verdict.status, Status::Valid, "{}", verdict.explanation);
            assert!(
                verdict.steps < 20_000,
                "{} steps, {before} before",
                verdict.steps
            );
        }
    }

    #[test]
    fn a_read_of_a_timed_out_append_places_it_before_the_read() {
        // Six appends time out; a get shows the fourth. It is placed as if
        // it returned before the get did, so the search is as short as
        // with no unknown operation (the shortcut without the other five
        // decides). Before, the fourth was free: tried at every point.
        let mut h = History::new();
        for p in 1..=6 {
            kv(&mut h, p, EventType::Invoke, "append", Value::Int(p as i64));
        }
        for v in 10..=30 {
            kv(&mut h, 0, EventType::Invoke, "append", Value::Int(v));
            kv(&mut h, 0, EventType::Ok, "append", Value::Nil);
        }
        let read = [4].into_iter().chain(10..=30).map(Value::Int).collect();
        kv(&mut h, 0, EventType::Invoke, "get", Value::Nil);
        kv(&mut h, 0, EventType::Ok, "get", Value::List(read));
        for p in 1..=6 {
            kv(&mut h, p, EventType::Info, "append", Value::Nil);
        }
        let verdict = check(&h, Model::Kv, &Budget::unlimited()).expect("ok");
        assert_eq!(verdict.status, Status::Valid, "{}", verdict.explanation);
        assert!(verdict.steps < 200, "{} steps", verdict.steps);
        // A get showing an append invoked only after the get returned is
        // not linearizable (the append is left as it was: free).
        let get = h.events.len() - 7;
        let read = [4].into_iter().chain(10..=30).chain([40]).map(Value::Int);
        h.events[get].value = Value::List(read.collect());
        kv(&mut h, 7, EventType::Invoke, "append", Value::Int(40));
        kv(&mut h, 7, EventType::Info, "append", Value::Nil);
        let verdict = check(&h, Model::Kv, &Budget::unlimited()).expect("ok");
        assert_eq!(verdict.status, Status::Invalid, "{}", verdict.explanation);
    }

    #[test]
    fn a_first_item_a_put_wrote_does_not_order_an_append_of_it() {
        // Put 5, then an append of 5 times out, an append of 7 succeeds,
        // and two gets in a row read [5, 7]: the 5 is the put's, and the
        // timed-out append never happened (had it, a get would show a
        // second 5). Taking that append as returning before the first get
        // returned would place it before the second get: invalid.
        let mut h = History::new();
        kv(&mut h, 0, EventType::Invoke, "put", Value::Int(5));
        kv(&mut h, 0, EventType::Ok, "put", Value::Int(5));
        kv(&mut h, 1, EventType::Invoke, "append", Value::Int(5));
        kv(&mut h, 0, EventType::Invoke, "append", Value::Int(7));
        kv(&mut h, 0, EventType::Ok, "append", Value::Nil);
        let read = Value::List(vec![Value::Int(5), Value::Int(7)]);
        for _ in 0..2 {
            kv(&mut h, 0, EventType::Invoke, "get", Value::Nil);
            kv(&mut h, 0, EventType::Ok, "get", read.clone());
        }
        kv(&mut h, 1, EventType::Info, "append", Value::Nil);
        let verdict = check(&h, Model::Kv, &Budget::unlimited()).expect("ok");
        assert_eq!(verdict.status, Status::Valid, "{}", verdict.explanation);
    }

    #[test]
    fn a_shortcut_that_fails_proves_nothing() {
        // The compare-and-set 1 -> 2 failed, so the value was not 1: the
        // put of 9, whose outcome is unknown and which nobody read, must
        // have happened. Both shortcuts leave it out and fail; the full
        // search finds the order.
        let mut h = History::new();
        kv(&mut h, 0, EventType::Invoke, "put", Value::Int(1));
        kv(&mut h, 0, EventType::Ok, "put", Value::Int(1));
        kv(&mut h, 1, EventType::Invoke, "put", Value::Int(9));
        kv(&mut h, 0, EventType::Invoke, "cas", cas(1, 2));
        kv(&mut h, 0, EventType::Ok, "cas", Value::Bool(false));
        kv(&mut h, 1, EventType::Info, "put", Value::Nil);
        let verdict = check(&h, Model::Kv, &Budget::unlimited()).expect("ok");
        assert_eq!(verdict.status, Status::Valid, "{}", verdict.explanation);
    }
}
