//! Logical clocks: Lamport clocks with a totally ordered broadcast, vector
//! clocks with causal broadcast, and a replicated store that keeps
//! concurrent writes as siblings (next to last-writer-wins by wall clock).
//!
//! Three protocols share the [`VClock`] type, a reliable link layer
//! (`link.rs`) and the bug switches:
//!
//! - `lamport` ([`lamport`]): totally ordered broadcast, ties broken by node id;
//! - `vclock` ([`causal`]): causal broadcast, messages buffered until ready;
//! - `versioned-kv` ([`store`]): vector-clock siblings vs last-writer-wins.
//!
//! Bug switches (`[protocol] bugs = [...]`, [`Bug`]): `merge-min` (a merge
//! takes the entry-wise minimum; vclock and versioned-kv),
//! `no-increment-on-send` (a send does not tick the clock; lamport and
//! vclock), `no-causal-wait` (deliver on receipt; vclock). Parameters and
//! their defaults: [`scenario::LAMPORT_PARAMS`], [`scenario::VCLOCK_PARAMS`],
//! [`scenario::STORE_PARAMS`].
//!
//! **The rules are hooks.** The Lamport clock's send and receive rules, the
//! vector clock's increment, merge and compare, and the causal-delivery
//! rule are the trait [`ClockRules`] (`rules.rs`); the `lamport` and
//! `vclock` nodes call them through [`Hooks`] carried in their parameters,
//! and [`Reference`] is this protocol's own implementation. Lab 01 builds
//! the same nodes with the student's [`ClockRules`] and an [`Audit`]
//! (`audit.rs`: every rule call compared with the model, generated
//! sequences at start), so the protocol is written once and one set of
//! checks judges the reference and the student. The rules are pure
//! functions over numbers and slices (the nodes own the clocks) because a
//! clock is all state and no plumbing: the student writes the rules, never
//! the message handling.
//!
//! Every node checks the clock condition — if a → b then C(a) < C(b) —
//! along program order and every message edge, which by transitivity covers
//! every pair of events; a violation is recorded in a ghost [`ClockGhost`]
//! and stops the run through the `clock-condition` always-check.

pub mod audit;
pub mod causal;
mod inspect;
pub mod lamport;
pub mod link;
pub mod rules;
pub mod scenario;
pub mod store;
pub mod store_checks;
mod vclock;

pub use audit::{Audit, DeliveryRule};
pub use rules::{causally_ready, ClockOrder, ClockRules, Hooks, Reference};
pub use vclock::{compare_entries, merge_entries, VClock};

use crate::sim::NodeId;

crate::bug_switches! {
    /// A deliberate defect, to see the checks catch it.
    pub enum Bug {
        /// Merging vector clocks takes the entry-wise minimum (vclock,
        /// versioned-kv).
        MergeMin = "merge-min",
        /// Sending does not tick the clock (lamport, vclock).
        NoIncrementOnSend = "no-increment-on-send",
        /// Deliver causal broadcasts as soon as they arrive (vclock).
        NoCausalWait = "no-causal-wait",
    }
}

/// Ghost records of the clock condition on one node (invisible to peers).
#[derive(Clone, Debug, Default)]
pub struct ClockGhost {
    last: Option<u64>,
    events: u64,
    /// Violations seen, in words.
    pub violations: Vec<String>,
}

impl ClockGhost {
    /// A Lamport event with clock `clock`; `received` is the timestamp of the
    /// message it receives, if any. Records a violation when the event is not
    /// after its predecessor on this node or after the send it receives.
    pub fn event(&mut self, clock: u64, received: Option<u64>) {
        self.events += 1;
        if let Some(last) = self.last.filter(|&last| clock <= last) {
            self.violation(format!(
                "event #{} has clock {clock}, not after the previous event's {last}",
                self.events
            ));
        }
        if let Some(sent) = received.filter(|&sent| clock <= sent) {
            self.violation(format!(
                "event #{} receives a message stamped {sent} but has clock {clock}",
                self.events
            ));
        }
        self.last = Some(clock);
    }

    /// Record a violation.
    pub fn violation(&mut self, text: String) {
        if self.violations.len() < 16 {
            self.violations.push(text);
        }
    }
}

/// The first recorded clock-condition violation over `nodes`.
pub fn first_violation<'a>(
    nodes: impl Iterator<Item = (NodeId, &'a ClockGhost)>,
) -> Result<(), String> {
    for (id, ghost) in nodes {
        if let Some(v) = ghost.violations.first() {
            return Err(format!("clock condition broken at {id}: {v}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
