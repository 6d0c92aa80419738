//! Transactions from operations, version orders inferred from reads, and the
//! non-cyclic anomalies (G1a, G1b, incompatible orders, garbage reads).

use crate::check::error::HistoryError;
use crate::check::history::Value;
use crate::check::ops::{Operation, Outcome};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One micro-operation, borrowing its key and read from the history's
/// value where it can (a read of an account holds every entry so far: a
/// copy per read was most of the parsing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Mop<'a> {
    /// Append `value` to `key`.
    Append(Cow<'a, str>, i64),
    /// Read `key`; `None` when the result is unknown.
    Read(Cow<'a, str>, Option<Cow<'a, [i64]>>),
}

/// A transaction: the operation and its micro-ops.
pub(super) struct Txn<'a> {
    pub op: &'a Operation,
    pub mops: Vec<Mop<'a>>,
}

fn key_of(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::Str(s) => Some(Cow::Borrowed(s)),
        Value::Int(i) => Some(Cow::Owned(i.to_string())),
        _ => None,
    }
}

/// A micro-op, borrowing from `v`.
fn parse_mop(v: &Value, completed: bool) -> Option<Mop<'_>> {
    match v {
        Value::List(items) => parse_items(items, completed),
        Value::Shared(items) => parse_items(items, completed),
        _ => parse_mop_owned(v, completed),
    }
}

/// A micro-op whose own list is made on the fly ([`Value::as_list`]; a
/// list of integers, never a valid micro-op): parsed, then owned.
fn parse_mop_owned(v: &Value, completed: bool) -> Option<Mop<'static>> {
    let items = v.as_list()?;
    Some(match parse_items(&items, completed)? {
        Mop::Append(k, x) => Mop::Append(Cow::Owned(k.into_owned()), x),
        Mop::Read(k, vs) => Mop::Read(
            Cow::Owned(k.into_owned()),
            vs.map(|vs| Cow::Owned(vs.into_owned())),
        ),
    })
}

fn parse_items(items: &[Value], completed: bool) -> Option<Mop<'_>> {
    let [f, key, arg] = items else { return None };
    let key = key_of(key)?;
    match (f.as_str()?, arg) {
        ("append", Value::Int(x)) => Some(Mop::Append(key, *x)),
        ("r", Value::Nil) => Some(Mop::Read(key, completed.then(|| Cow::Borrowed(&[][..])))),
        ("r", list @ (Value::List(_) | Value::Ints(_) | Value::IntSet(_) | Value::Shared(_))) => {
            Some(Mop::Read(key, Some(list.as_ints()?)))
        }
        _ => None,
    }
}

/// Parse the transactions of `ops` (every operation must be a `txn`).
pub(super) fn parse(ops: &[Operation]) -> Result<Vec<Txn<'_>>, HistoryError> {
    let mut txns = Vec::new();
    for op in ops {
        if op.f != "txn" {
            return Err(HistoryError::new(
                op.call_line,
                format!(
                    "expected a `txn` operation for list-append, found `{}`",
                    op.f
                ),
            ));
        }
        let completed = op.outcome == Outcome::Ok;
        let (value, line) = if completed {
            (&op.output, op.ret_line.unwrap_or(op.call_line))
        } else {
            (&op.input, op.call_line)
        };
        let mops = match value {
            Value::List(items) => parse_mops(items, completed, line, parse_mop)?,
            Value::Shared(items) => parse_mops(items, completed, line, parse_mop)?,
            _ => {
                let Some(list) = value.as_list() else {
                    return Err(HistoryError::new(
                        line,
                        format!("expected a list of micro-ops, found {value}"),
                    ));
                };
                parse_mops(&list, completed, line, parse_mop_owned)?
            }
        };
        txns.push(Txn { op, mops });
    }
    Ok(txns)
}

/// The micro-ops of `items` (a transaction's value at history line `line`),
/// each parsed with `parse`.
fn parse_mops<'v, 'm>(
    items: &'v [Value],
    completed: bool,
    line: usize,
    parse: impl Fn(&'v Value, bool) -> Option<Mop<'m>>,
) -> Result<Vec<Mop<'m>>, HistoryError> {
    let mut mops = Vec::with_capacity(items.len());
    for m in items {
        let parsed = parse(m, completed).ok_or_else(|| {
            HistoryError::new(
                line,
                format!("expected a micro-op [\"append\", KEY, INT] or [\"r\", KEY, [INT...] or nil], found {m}"),
            )
        })?;
        mops.push(parsed);
    }
    Ok(mops)
}

/// Who appended each (key, value): txn index and whether it was that txn's
/// last append to the key. Looked up by `&str` key, without allocating.
#[derive(Default)]
pub(super) struct Writers {
    by_key: BTreeMap<String, BTreeMap<i64, (usize, bool)>>,
}

impl Writers {
    /// The writer of `value` in `key`.
    pub fn get(&self, key: &str, value: i64) -> Option<(usize, bool)> {
        self.by_key.get(key)?.get(&value).copied()
    }

    /// True if some transaction appended `value` to `key`.
    pub fn contains(&self, key: &str, value: i64) -> bool {
        self.get(key, value).is_some()
    }
}

/// Index the appends; a value appended twice to one key is bad input.
pub(super) fn writers(txns: &[Txn]) -> Result<Writers, HistoryError> {
    let mut writers = Writers::default();
    for (t, txn) in txns.iter().enumerate() {
        let mut last: BTreeMap<&str, i64> = BTreeMap::new();
        for m in &txn.mops {
            if let Mop::Append(k, v) = m {
                let values = match writers.by_key.get_mut(&**k) {
                    Some(values) => values,
                    None => writers.by_key.entry(k.to_string()).or_default(),
                };
                if let Some((other, _)) = values.insert(*v, (t, false)) {
                    return Err(HistoryError::new(
                        txn.op.call_line,
                        format!(
                            "expected unique appended values per key, but {v} is appended to {k:?} again (first at line {})",
                            txns[other].op.call_line
                        ),
                    ));
                }
                last.insert(&**k, *v);
            }
        }
        for (k, v) in last {
            if let Some(w) = writers.by_key.get_mut(k).and_then(|m| m.get_mut(&v)) {
                w.1 = true;
            }
        }
    }
    Ok(writers)
}

/// A finding that needs no cycle.
pub(super) struct Finding {
    pub name: &'static str,
    pub ops: Vec<usize>,
    pub text: String,
}

/// The reads of committed transactions: (txn, key, values), external reads
/// only (before the txn's own first append to the key).
pub(super) fn external_reads<'a>(txns: &'a [Txn]) -> Vec<(usize, &'a str, &'a [i64])> {
    let mut reads = Vec::new();
    for (t, txn) in txns.iter().enumerate() {
        if txn.op.outcome != Outcome::Ok {
            continue;
        }
        let mut written: Vec<&str> = Vec::new();
        for m in &txn.mops {
            match m {
                Mop::Append(k, _) => written.push(k),
                Mop::Read(k, Some(vs)) if !written.contains(&&**k) => reads.push((t, &**k, &**vs)),
                Mop::Read(..) => {}
            }
        }
    }
    reads
}

/// One key's version order (its longest read) and what its values say,
/// indexed by position, so a read that is a prefix of the order is judged
/// without looking at its values one by one (reads grow with the history:
/// a bank's audit reads every entry of an account).
pub(super) struct KeyOrder {
    /// The transaction whose read is the longest.
    longest_t: usize,
    /// The version order: the longest read.
    pub order: Vec<i64>,
    /// First position whose value already occurred earlier in the order.
    duplicate_at: Option<usize>,
    /// First position whose value nobody appended.
    garbage_at: Option<usize>,
    /// Positions whose value was appended by a failed transaction.
    failed_at: Vec<usize>,
}

impl KeyOrder {
    fn new(longest_t: usize, order: Vec<i64>, key: &str, txns: &[Txn], writers: &Writers) -> Self {
        let mut seen = std::collections::BTreeSet::new();
        let duplicate_at = order.iter().position(|v| !seen.insert(*v));
        let garbage_at = order.iter().position(|v| !writers.contains(key, *v));
        let failed_at = order
            .iter()
            .enumerate()
            .filter(|(_, v)| {
                writers
                    .get(key, **v)
                    .is_some_and(|(w, _)| txns[w].op.outcome == Outcome::Fail)
            })
            .map(|(i, _)| i)
            .collect();
        KeyOrder {
            longest_t,
            order,
            duplicate_at,
            garbage_at,
            failed_at,
        }
    }

    /// True when `read` is a prefix of the order (the common case).
    fn is_prefix(&self, read: &[i64]) -> bool {
        self.order.starts_with(read)
    }
}

/// The first value of `vs` that occurred earlier in `vs`.
fn first_duplicate(vs: &[i64]) -> Option<i64> {
    let mut seen = std::collections::BTreeSet::new();
    vs.iter().find(|v| !seen.insert(**v)).copied()
}

/// Infer each key's version order from the longest read; report reads that
/// are not a prefix of it, duplicates, and values nobody appended.
pub(super) fn version_orders(
    txns: &[Txn],
    writers: &Writers,
    findings: &mut Vec<Finding>,
) -> BTreeMap<String, KeyOrder> {
    let committed = || {
        txns.iter()
            .enumerate()
            .filter(|(_, x)| x.op.outcome == Outcome::Ok)
    };
    let mut longest: BTreeMap<&str, (usize, &[i64])> = BTreeMap::new();
    for (t, txn) in committed() {
        for m in &txn.mops {
            let Mop::Read(k, Some(vs)) = m else { continue };
            let entry = longest.entry(&**k).or_insert((t, &[]));
            if vs.len() > entry.1.len() {
                *entry = (t, &**vs);
            }
        }
    }
    let orders: BTreeMap<String, KeyOrder> = longest
        .into_iter()
        .map(|(k, (t, vs))| {
            (
                k.to_string(),
                KeyOrder::new(t, vs.to_vec(), k, txns, writers),
            )
        })
        .collect();
    for (t, txn) in committed() {
        for m in &txn.mops {
            let Mop::Read(k, Some(vs)) = m else { continue };
            let key = &orders[&**k];
            // A prefix of the order has the order's first duplicate and
            // first garbage value if it reaches them, and no other.
            let (duplicate, garbage) = if key.is_prefix(vs) {
                let within = |at: Option<usize>| at.filter(|&i| i < vs.len()).map(|i| vs[i]);
                (within(key.duplicate_at), within(key.garbage_at))
            } else {
                let garbage = vs.iter().find(|v| !writers.contains(k, **v)).copied();
                (first_duplicate(vs), garbage)
            };
            if let Some(dup) = duplicate {
                findings.push(Finding {
                    name: "duplicate-elements",
                    ops: vec![txn.op.id],
                    text: format!(
                        "T{t} = {} read key {k:?} with {dup} twice: each value is appended once.",
                        txn.op
                    ),
                });
            }
            if let Some(v) = garbage {
                findings.push(Finding {
                    name: "garbage-read",
                    ops: vec![txn.op.id],
                    text: format!(
                        "T{t} = {} read {v} in key {k:?}, which no transaction appended.",
                        txn.op
                    ),
                });
            }
        }
    }
    for (t, txn) in committed() {
        for m in &txn.mops {
            let Mop::Read(k, Some(vs)) = m else { continue };
            let key = &orders[&**k];
            let (longest_t, longest) = (key.longest_t, &key.order);
            if !longest.starts_with(vs) {
                findings.push(Finding {
                    name: "incompatible-order",
                    ops: vec![txn.op.id, txns[longest_t].op.id],
                    text: format!(
                        "Reads of key {k:?} disagree on the order of appends: T{t} = {} read {}, but T{longest_t} = {} read {}. \
                         Appends only add at the end, so one read must be a prefix of the other.",
                        txn.op, show(vs), txns[longest_t].op, show(longest)
                    ),
                });
            }
        }
    }
    orders
}

/// G1a (aborted read) and G1b (intermediate read).
pub(super) fn dirty_reads(
    txns: &[Txn],
    writers: &Writers,
    orders: &BTreeMap<String, KeyOrder>,
    findings: &mut Vec<Finding>,
) {
    for (t, k, vs) in external_reads(txns) {
        let key = &orders[k];
        if key.is_prefix(vs) {
            // Only the positions a failed transaction wrote can be G1a,
            // and only the last value can be G1b.
            for &i in key.failed_at.iter().take_while(|&&i| i < vs.len()) {
                dirty_read_at(txns, writers, (t, k, vs), i, findings);
            }
            if !vs.is_empty() && key.failed_at.binary_search(&(vs.len() - 1)).is_err() {
                dirty_read_at(txns, writers, (t, k, vs), vs.len() - 1, findings);
            }
        } else {
            for i in 0..vs.len() {
                dirty_read_at(txns, writers, (t, k, vs), i, findings);
            }
        }
    }
}

/// G1a or G1b at position `i` of the read `(t, k, vs)`, if any.
fn dirty_read_at(
    txns: &[Txn],
    writers: &Writers,
    (t, k, vs): (usize, &str, &[i64]),
    i: usize,
    findings: &mut Vec<Finding>,
) {
    let v = vs[i];
    let Some((w, is_last)) = writers.get(k, v) else {
        return;
    };
    let reader = &txns[t];
    let writer = &txns[w];
    if writer.op.outcome == Outcome::Fail {
        findings.push(Finding {
            name: "G1a",
            ops: vec![reader.op.id, writer.op.id],
            text: format!(
                "G1a (aborted read): T{t} = {} read key {k:?} = {} and saw {v}, \
                 but {v} was appended by T{w} = {}, which failed (did not happen).",
                reader.op,
                show(vs),
                writer.op
            ),
        });
    } else if i + 1 == vs.len() && !is_last && w != t {
        findings.push(Finding {
            name: "G1b",
            ops: vec![reader.op.id, writer.op.id],
            text: format!(
                "G1b (intermediate read): T{t} = {} read key {k:?} = {}, ending at {v}, \
                 but T{w} = {} appended more to {k:?} after {v}: T{t} saw a state T{w} never committed.",
                reader.op, show(vs), writer.op
            ),
        });
    }
}

/// `[1 2 3]`.
pub(super) fn show(vs: &[i64]) -> String {
    let items: Vec<String> = vs.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(" "))
}
