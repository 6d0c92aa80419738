//! Lab 01, logical clocks: the student writes the Lamport clock's rules
//! (part A), the vector clock's (part B) and the causal-delivery rule (part
//! C), as the trait [`ClockRules`] of `protocols::clocks`.
//!
//! There is no harness here: the shipped `lamport` (totally ordered
//! broadcast) and `vclock` (causal broadcast) nodes call their clock rules
//! through hooks, and this lab builds them with the student's rules and the
//! protocol's audit on ([`ClockBuild::lab`]): every rule call is compared
//! with the model (`lamport-rules`, `vector-clock-rules`) and each node runs
//! generated sequences at start (`lamport-laws`, `vector-clock-laws`), next
//! to the protocols' own checks (`clock-condition`, `total-order`,
//! `causal-delivery`, ...). Part B's scenarios set `delivery_rule =
//! "given"` (the model decides causal readiness), so a vector clock earns
//! its points before the delivery rule is written.
//!
//! The reference ([`Reference`]) is the protocol's own; the scenario's
//! `bug` parameter reaches its nodes' plumbing: `no-increment-on-send`,
//! `merge-min` and `no-causal-wait`.

use super::{Case, Lab, LabBug, Part};
pub use crate::protocols::clocks::scenario::ClockBuild;
use crate::protocols::clocks::scenario::{
    build_lamport_with, build_vclock_with, LAMPORT_FACTS, VCLOCK_FACTS,
};
pub use crate::protocols::clocks::{ClockOrder, ClockRules, Hooks, Reference};
use crate::registry::ProtocolEntry;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::DynSim;

/// Build a `lamport` or `vclock` scenario with the rules `R`, audited.
///
/// `[protocol]`: `retry` (default 100ms), `bug` (none|merge-min|
/// no-increment-on-send|no-causal-wait: the nodes' plumbing applies it
/// over any rules; the grader sets it only for the reference), `laws`
/// (generated sequences per node at start, default 10), and for `vclock`
/// `delivery_rule` (yours|given, default yours).
pub fn build<R: ClockRules>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    build_with(ClockBuild::lab::<R>(), scenario, options)
}

/// [`build`] with hooks put together by hand (the project's tests mix a
/// solution's rules with a skeleton's or a wrong one).
pub fn build_with(
    how: ClockBuild,
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    match scenario.protocol.get_ref().as_str() {
        "lamport" => build_lamport_with(scenario, options, how),
        "vclock" => build_vclock_with(scenario, options, how),
        other => Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            format!("lab 01 runs the lamport and vclock protocols, not {other:?}"),
        )),
    }
}

/// The student's `vclock` entry (the lab's [`Lab::protocol`]).
pub fn entry<R: ClockRules>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "lab 01: causal broadcast over your vector clock and delivery rule",
        facts: VCLOCK_FACTS,
        build: build::<R>,
    }
}

/// Both protocols the lab replaces: `lamport` and `vclock`, built with
/// the student's rules (a lab crate's `main` installs them).
pub fn entries<R: ClockRules>() -> Vec<ProtocolEntry> {
    vec![
        ProtocolEntry {
            summary: "lab 01: totally ordered broadcast over your Lamport clock",
            facts: LAMPORT_FACTS,
            build: build::<R>,
        },
        entry::<R>(),
    ]
}

const LAMPORT_RULES: &str = "labs/01-clocks/scenarios/lamport-rules.toml";
const LAMPORT_TOTAL_ORDER: &str = "scenarios/lamport-total-order.toml";
const VECTOR_RULES: &str = "labs/01-clocks/scenarios/vclock-rules.toml";
const VECTOR_GIVEN_RULE: &str = "labs/01-clocks/scenarios/vclock-given-rule.toml";
const CAUSAL_BROADCAST: &str = "scenarios/vclock-causal-broadcast.toml";
const CAUSAL_REORDER: &str = "labs/01-clocks/scenarios/causal-reorder.toml";

/// Lab 01.
pub const LAB: Lab = Lab {
    id: "01",
    slug: "01-clocks",
    title: "Logical clocks: Lamport, vector, causal delivery",
    package: Some("lab-01-clocks"),
    protocol: "vclock",
    parts: &[
        Part {
            id: "A",
            title: "a Lamport clock (tick, send, receive)",
            cases: &[
                Case {
                    scenario: LAMPORT_RULES,
                    seeds: (0, 50),
                    checks: &["lamport-laws", "lamport-rules", "clock-condition"],
                    points: 10,
                },
                Case {
                    scenario: LAMPORT_TOTAL_ORDER,
                    seeds: (0, 30),
                    checks: &[
                        "lamport-rules",
                        "clock-condition",
                        "total-order",
                        "acked-broadcasts-delivered-everywhere",
                    ],
                    points: 20,
                },
            ],
        },
        Part {
            id: "B",
            title: "a vector clock (increment, merge, compare)",
            cases: &[
                Case {
                    scenario: VECTOR_RULES,
                    seeds: (0, 50),
                    checks: &["vector-clock-laws", "vector-clock-rules"],
                    points: 15,
                },
                Case {
                    scenario: VECTOR_GIVEN_RULE,
                    seeds: (0, 30),
                    checks: &[
                        "vector-clock-rules",
                        "clock-condition",
                        "causal-delivery",
                        "all-delivered",
                    ],
                    points: 20,
                },
            ],
        },
        Part {
            id: "C",
            title: "causal delivery (buffer until causally ready)",
            cases: &[
                Case {
                    scenario: CAUSAL_BROADCAST,
                    seeds: (0, 30),
                    checks: &["causal-delivery", "all-delivered", "a-message-waits"],
                    points: 15,
                },
                Case {
                    scenario: CAUSAL_REORDER,
                    seeds: (0, 30),
                    checks: &["causal-delivery", "all-delivered", "a-message-waits"],
                    points: 20,
                },
            ],
        },
    ],
    hints: &[
        "Start with part A: every rule is one line. A fresh clock reads 0, and every operation returns the clock's time after it.",
        "`lamport-laws` prints the operations it ran and the first result that differs; replay the seed with `cargo run --release -p lab-01-clocks -- run labs/01-clocks/scenarios/lamport-rules.toml --seed N`.",
        "A vector clock is one counter per node (`vec![0; nodes]`). `compare` looks at every entry once: remember whether any entry is smaller and whether any is larger; both means concurrent.",
        "`merge` is the entry-wise maximum, never the minimum: after a merge the clock must cover both inputs.",
        "Part C: `self` is the receiver's vector D (messages delivered per sender). A message from j stamped V is deliverable when V[j] == D[j] + 1 and V[k] <= D[k] for every k != j; anything else waits in the buffer.",
        "If `all-delivered` fails, a message is stuck in the buffer: check you compare V[j] with D[j] + 1 (not D[j]) and that you skip the sender when checking the other entries.",
    ],
    reference: Some(build::<Reference>),
    bugs: &[
        LabBug {
            name: "no-increment-on-send",
            param: "bug",
            value: "\"no-increment-on-send\"",
            breaks: &["A"],
        },
        LabBug {
            name: "merge-min",
            param: "bug",
            value: "\"merge-min\"",
            breaks: &["B", "C"],
        },
        LabBug {
            name: "no-causal-wait",
            param: "bug",
            value: "\"no-causal-wait\"",
            breaks: &["C"],
        },
    ],
    custom: None,
};
