//! Counter bounds: every read lies between what must and what may have been
//! added. Adds that completed `ok` before the read began must be counted; adds
//! concurrent with the read, and indeterminate (`info`) adds invoked before the
//! read returned, may or may not be.

use super::ops::{Operations, Outcome};
use super::verdict::Status;
use std::fmt::Write;

/// The outcome of a counter check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterReport {
    /// Valid when every read is within bounds.
    pub status: Status,
    /// Ids of reads out of bounds.
    pub failing_ops: Vec<usize>,
    /// The offending reads with their bounds.
    pub explanation: String,
}

/// Check `add N` / `read → N` operations (the counter starts at 0).
pub fn check_counter(ops: &Operations) -> CounterReport {
    let adds: Vec<_> = ops
        .ops
        .iter()
        .filter(|o| o.f == "add" && o.outcome != Outcome::Fail)
        .filter_map(|o| o.input.as_int().map(|d| (o, d)))
        .collect();
    let mut failing_ops = Vec::new();
    let mut text = String::new();
    for read in ops
        .ops
        .iter()
        .filter(|o| o.f == "read" && o.outcome == Outcome::Ok)
    {
        let Some(value) = read.output.as_int() else {
            continue;
        };
        let (mut lower, mut upper) = (0i64, 0i64);
        for (add, delta) in &adds {
            if add.outcome == Outcome::Ok && add.precedes(read) {
                lower = lower.saturating_add(*delta);
                upper = upper.saturating_add(*delta);
            } else if read.ret.is_none_or(|r| add.call < r) {
                // Concurrent or indeterminate: may or may not be counted.
                if *delta < 0 {
                    lower = lower.saturating_add(*delta);
                } else {
                    upper = upper.saturating_add(*delta);
                }
            }
        }
        if value < lower || value > upper {
            failing_ops.push(read.id);
            let _ = writeln!(
                text,
                "{read}: read {value}, but it must be between {lower} (adds that finished before it) and {upper} (plus every add that may have happened)"
            );
        }
    }
    CounterReport {
        status: if failing_ops.is_empty() {
            Status::Valid
        } else {
            Status::Invalid
        },
        failing_ops,
        explanation: text,
    }
}
