//! Turning the deepest point of a failed search into text a student can follow.

use super::models::SeqModel;
use super::search::{Deepest, Interned};
use crate::check::ops::Operation;
use std::fmt::Write;

const PREFIX_SHOWN: usize = 8;
const CANDIDATES_SHOWN: usize = 10;

/// The failing operation ids and the explanation text.
pub(super) fn explain<M: SeqModel>(
    model: &mut Interned<M>,
    ops: &[&Operation],
    deepest: &Deepest,
    gave_up: bool,
) -> (Vec<usize>, String) {
    let mut text = String::new();
    let total = ops.len();
    let placed = deepest.order.len();
    if gave_up {
        let _ = writeln!(text, "The search ran out of budget before deciding.");
        let _ = writeln!(
            text,
            "Deepest point reached: {placed} of {total} operations placed in a valid order."
        );
    } else {
        let _ = writeln!(text, "No order of the operations explains the results.");
        let _ = writeln!(
            text,
            "The longest linearizable prefix found places {placed} of {total} operations:"
        );
    }
    let skip = placed.saturating_sub(PREFIX_SHOWN);
    if skip > 0 {
        let noun = if skip == 1 { "operation" } else { "operations" };
        let _ = writeln!(text, "  ... {skip} earlier {noun} ...");
    }
    for (n, &op) in deepest.order.iter().enumerate().skip(skip) {
        let _ = writeln!(text, "  {:>3}. {}", n + 1, ops[op]);
    }
    if placed == 0 {
        let _ = writeln!(text, "  (none)");
    }
    let state_text = model.model.show(&model.states[deepest.state as usize]);
    let _ = writeln!(text, "After that prefix, {state_text}.");
    if gave_up {
        return (Vec::new(), text);
    }
    let blocking = ops[deepest.blocking];
    let done = blocking
        .ret_line
        .map_or("the end".to_string(), |l| format!("line {l}"));
    let _ = writeln!(
        text,
        "This operation cannot be placed next: {blocking}\n\
         It completed at {done}, so it must take effect before every operation invoked after that.\n\
         The operations that could go next here (all invoked before {done}):"
    );
    let mut failing = vec![blocking.id];
    let mut listed = 0;
    let mut candidates = deepest.candidates.clone();
    candidates.sort_by_key(|&c| c != deepest.blocking);
    for &c in &candidates {
        let possible = model.step(deepest.state, c).is_some();
        if !possible && c != deepest.blocking {
            failing.push(ops[c].id);
        }
        listed += 1;
        if listed > CANDIDATES_SHOWN {
            continue;
        }
        let why = if possible {
            "possible here, but every way of continuing after it fails".to_string()
        } else {
            format!("impossible here: {state_text}")
        };
        let _ = writeln!(text, "  - {} — {why}", ops[c]);
    }
    if listed > CANDIDATES_SHOWN {
        let _ = writeln!(
            text,
            "  ... and {} more candidates",
            listed - CANDIDATES_SHOWN
        );
    }
    if !gave_up {
        let _ = writeln!(
            text,
            "The search tried every other order as well, so no linearization exists."
        );
    }
    failing.sort_unstable();
    failing.dedup();
    (failing, text)
}
