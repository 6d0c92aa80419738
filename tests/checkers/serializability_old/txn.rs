//! Transactions from operations, version orders inferred from reads, and the
//! non-cyclic anomalies (G1a, G1b, incompatible orders, garbage reads).

use distlab::check::error::HistoryError;
use distlab::check::history::Value;
use distlab::check::ops::{Operation, Outcome};
use std::collections::BTreeMap;

/// One micro-operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Mop {
    /// Append `value` to `key`.
    Append(String, i64),
    /// Read `key`; `None` when the result is unknown.
    Read(String, Option<Vec<i64>>),
}

/// A transaction: the operation and its micro-ops.
pub(super) struct Txn<'a> {
    pub op: &'a Operation,
    pub mops: Vec<Mop>,
}

fn key_of(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn parse_mop(v: &Value, completed: bool) -> Option<Mop> {
    let items = v.as_list()?;
    let [f, key, arg] = &*items else { return None };
    let key = key_of(key)?;
    match (f.as_str()?, arg) {
        ("append", Value::Int(x)) => Some(Mop::Append(key, *x)),
        ("r", Value::Nil) => Some(Mop::Read(key, completed.then(Vec::new))),
        // A read's list as a plain `List`, or the shared `Ints` the bank
        // writes since (the same list, compared and printed alike).
        ("r", read @ (Value::List(_) | Value::Ints(_))) => {
            let xs = read.as_list()?;
            let ints: Option<Vec<i64>> = xs.iter().map(Value::as_int).collect();
            Some(Mop::Read(key, Some(ints?)))
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
        let Some(list) = value.as_list() else {
            return Err(HistoryError::new(
                line,
                format!("expected a list of micro-ops, found {value}"),
            ));
        };
        let mut mops = Vec::new();
        for m in list.iter() {
            let parsed = parse_mop(m, completed).ok_or_else(|| {
                HistoryError::new(
                    line,
                    format!("expected a micro-op [\"append\", KEY, INT] or [\"r\", KEY, [INT...] or nil], found {m}"),
                )
            })?;
            mops.push(parsed);
        }
        txns.push(Txn { op, mops });
    }
    Ok(txns)
}

/// Who appended each (key, value): txn index and whether it was that txn's
/// last append to the key.
pub(super) type Writers = BTreeMap<(String, i64), (usize, bool)>;

/// Index the appends; a value appended twice to one key is bad input.
pub(super) fn writers(txns: &[Txn]) -> Result<Writers, HistoryError> {
    let mut writers = Writers::new();
    for (t, txn) in txns.iter().enumerate() {
        let mut last: BTreeMap<&str, i64> = BTreeMap::new();
        for m in &txn.mops {
            if let Mop::Append(k, v) = m {
                if let Some((other, _)) = writers.insert((k.clone(), *v), (t, false)) {
                    return Err(HistoryError::new(
                        txn.op.call_line,
                        format!(
                            "expected unique appended values per key, but {v} is appended to {k:?} again (first at line {})",
                            txns[other].op.call_line
                        ),
                    ));
                }
                last.insert(k, *v);
            }
        }
        for (k, v) in last {
            if let Some(w) = writers.get_mut(&(k.to_string(), v)) {
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
                Mop::Read(k, Some(vs)) if !written.contains(&k.as_str()) => {
                    reads.push((t, k.as_str(), vs.as_slice()))
                }
                Mop::Read(..) => {}
            }
        }
    }
    reads
}

/// Infer each key's version order from the longest read; report reads that
/// are not a prefix of it, duplicates, and values nobody appended.
pub(super) fn version_orders(
    txns: &[Txn],
    writers: &Writers,
    findings: &mut Vec<Finding>,
) -> BTreeMap<String, Vec<i64>> {
    let mut orders: BTreeMap<String, (usize, Vec<i64>)> = BTreeMap::new();
    for (t, txn) in txns
        .iter()
        .enumerate()
        .filter(|(_, x)| x.op.outcome == Outcome::Ok)
    {
        for m in &txn.mops {
            let Mop::Read(k, Some(vs)) = m else { continue };
            let mut seen = std::collections::BTreeSet::new();
            if let Some(dup) = vs.iter().find(|v| !seen.insert(**v)) {
                findings.push(Finding {
                    name: "duplicate-elements",
                    ops: vec![txn.op.id],
                    text: format!(
                        "T{t} = {} read key {k:?} with {dup} twice: each value is appended once.",
                        txn.op
                    ),
                });
            }
            if let Some(v) = vs.iter().find(|v| !writers.contains_key(&(k.clone(), **v))) {
                findings.push(Finding {
                    name: "garbage-read",
                    ops: vec![txn.op.id],
                    text: format!(
                        "T{t} = {} read {v} in key {k:?}, which no transaction appended.",
                        txn.op
                    ),
                });
            }
            let entry = orders.entry(k.clone()).or_insert((t, Vec::new()));
            if vs.len() > entry.1.len() {
                *entry = (t, vs.clone());
            }
        }
    }
    for (t, txn) in txns
        .iter()
        .enumerate()
        .filter(|(_, x)| x.op.outcome == Outcome::Ok)
    {
        for m in &txn.mops {
            let Mop::Read(k, Some(vs)) = m else { continue };
            let (longest_t, longest) = &orders[k];
            if !longest.starts_with(vs) {
                findings.push(Finding {
                    name: "incompatible-order",
                    ops: vec![txn.op.id, txns[*longest_t].op.id],
                    text: format!(
                        "Reads of key {k:?} disagree on the order of appends: T{t} = {} read {}, but T{longest_t} = {} read {}. \
                         Appends only add at the end, so one read must be a prefix of the other.",
                        txn.op, show(vs), txns[*longest_t].op, show(longest)
                    ),
                });
            }
        }
    }
    orders.into_iter().map(|(k, (_, vs))| (k, vs)).collect()
}

/// G1a (aborted read) and G1b (intermediate read).
pub(super) fn dirty_reads(txns: &[Txn], writers: &Writers, findings: &mut Vec<Finding>) {
    for (t, k, vs) in external_reads(txns) {
        let reader = &txns[t];
        for (i, v) in vs.iter().enumerate() {
            let Some(&(w, is_last)) = writers.get(&(k.to_string(), *v)) else {
                continue;
            };
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
    }
}

/// `[1 2 3]`.
pub(super) fn show(vs: &[i64]) -> String {
    let items: Vec<String> = vs.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(" "))
}
