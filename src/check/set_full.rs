//! Set-full (Maelstrom's broadcast and g-set, Jepsen's `set-full`): every
//! element that was acknowledged, or seen, must appear in every read that
//! begins after that moment.
//!
//! An element is *known* from the completion of its `ok` add or of the first
//! read that saw it. A read that began after that and missed it is *stale*
//! if a later read has it again, and the element is *lost* if no read after
//! its last sighting has it (and at least one such read exists).

use super::history::Value;
use super::ops::{Operation, Operations, Outcome};
use super::verdict::Status;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The outcome of a set-full check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetFullReport {
    /// Invalid when an element is lost (or stale, when `stale_is_error`).
    pub status: Status,
    /// Elements known and then missing from every later read.
    pub lost: Vec<Value>,
    /// Elements missing from some read after they were known, but seen again.
    pub stale: Vec<Value>,
    /// Elements added but never read.
    pub never_read: Vec<Value>,
    /// Ids of the reads that missed a lost or stale element.
    pub failing_ops: Vec<usize>,
    /// What went wrong, in words.
    pub explanation: String,
}

/// A read's elements: borrowed from a `List`, made for an `IntSet`.
fn list_items(v: &Value) -> BTreeSet<Cow<'_, Value>> {
    match v.as_list() {
        Some(Cow::Borrowed(items)) => items.iter().map(Cow::Borrowed).collect(),
        Some(Cow::Owned(items)) => items.into_iter().map(Cow::Owned).collect(),
        None => BTreeSet::new(),
    }
}

/// Check `add V` / `read → [V...]` operations. With `stale_is_error` (a
/// linearizable set), stale reads are violations too; otherwise (eventual
/// consistency, e.g. broadcast) only lost elements are.
pub fn check_set_full(ops: &Operations, stale_is_error: bool) -> SetFullReport {
    let reads: Vec<(&Operation, BTreeSet<Cow<'_, Value>>)> = ops
        .ops
        .iter()
        .filter(|o| o.f == "read" && o.outcome == Outcome::Ok)
        .map(|o| (o, list_items(&o.output)))
        .collect();
    let mut known: BTreeMap<&Value, usize> = BTreeMap::new();
    for op in ops
        .ops
        .iter()
        .filter(|o| o.f == "add" && o.outcome != Outcome::Fail)
    {
        let at = if op.outcome == Outcome::Ok {
            op.ret.unwrap_or(usize::MAX)
        } else {
            usize::MAX
        };
        known.insert(&op.input, at);
    }
    for (read, seen) in &reads {
        for v in seen {
            let at = known.entry(&**v).or_insert(usize::MAX);
            *at = (*at).min(read.ret.unwrap_or(usize::MAX));
        }
    }
    let mut report = SetFullReport {
        status: Status::Valid,
        lost: Vec::new(),
        stale: Vec::new(),
        never_read: Vec::new(),
        failing_ops: Vec::new(),
        explanation: String::new(),
    };
    let line_of = |event: usize| {
        ops.ops
            .iter()
            .find(|o| o.ret == Some(event))
            .and_then(|o| o.ret_line)
            .unwrap_or(event + 1)
    };
    for (&element, &at) in &known {
        let after: Vec<&(&Operation, BTreeSet<Cow<'_, Value>>)> =
            reads.iter().filter(|(r, _)| r.call > at).collect();
        let last_seen = after.iter().rposition(|(_, s)| s.contains(element));
        let misses: Vec<&Operation> = after
            .iter()
            .filter(|(_, s)| !s.contains(element))
            .map(|(r, _)| *r)
            .collect();
        if !reads.iter().any(|(_, s)| s.contains(element)) && at == usize::MAX {
            report.never_read.push(element.clone());
        } else if misses.is_empty() {
            continue;
        } else if last_seen.is_none_or(|i| i + 1 < after.len()) {
            report.lost.push(element.clone());
            let last = misses[misses.len() - 1];
            report.failing_ops.push(last.id);
            let _ = writeln!(report.explanation, "lost {element}: known since line {}, but missing from every read after its last sighting, e.g. {last}", line_of(at));
        } else {
            report.stale.push(element.clone());
            report.failing_ops.push(misses[0].id);
            let _ = writeln!(
                report.explanation,
                "stale {element}: known since line {}, missing from {} but read again later",
                line_of(at),
                misses[0]
            );
        }
    }
    report.failing_ops.sort_unstable();
    report.failing_ops.dedup();
    let bad = !report.lost.is_empty() || (stale_is_error && !report.stale.is_empty());
    report.status = if bad { Status::Invalid } else { Status::Valid };
    report
}
