//! Lab 03, two-phase commit: the student writes the coordinator and the
//! participants of [`crate::protocols::two_pc`] — durable votes and
//! decisions, recovery from the log, in-doubt queries — and the grader holds
//! them to atomicity, conservation of money and liveness under loss, crashes
//! and partitions.
//!
//! The student's node implements [`TwoPcLabNode`]: a [`Node`] with a
//! constructor from the protocol's [`Params`] and read-only accessors for its
//! records. The reference ([`TwoPc`]) implements the same trait, and the
//! checks (`protocols::two_pc::checks`) are written against it, so one set of
//! checks judges both. A crashed node is judged by its disk, so every
//! implementation shares one disk layout (see [`TwoPcLabNode`]).

use super::{Case, Lab, LabBug, Part};
use crate::check::{CheckKind, Invariant};
use crate::protocols::two_pc::scenario::{check_nodes, params, workload, FACTS};
use crate::protocols::two_pc::{attach_checks, outcomes_agree, TwoPc};
use crate::registry::ProtocolEntry;
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, SimBuilder};
use std::sync::Arc;

pub use crate::protocols::two_pc::lab::TwoPcLabNode;

/// Build a two-phase-commit simulation of `S` from a scenario: the
/// `[protocol]` and `[workload]` parameters of `two-pc` (a `bug` switch is
/// read but only the reference acts on it), every check of the reference
/// plus `outcomes-agree`.
pub fn build<S: TwoPcLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = Arc::new(params(scenario)?);
    check_nodes(scenario)?;
    let workload = workload(scenario, &params)?;
    let factory = Arc::clone(&params);
    let b = SimBuilder::new(scenario.nodes, scenario.seed, move |id, n| {
        S::new(Arc::clone(&factory), id, n)
    });
    let b = attach_checks(b, params).invariant(Invariant::new(
        "outcomes-agree",
        CheckKind::AtEnd,
        outcomes_agree::<S>,
    ));
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}

/// The registry entry that runs `S` under the name `two-pc`, so the shipped
/// scenario files run the student's implementation.
pub fn entry<S: TwoPcLabNode>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "two-phase commit over a sharded bank (lab 03: your implementation)",
        facts: FACTS,
        build: build::<S>,
    }
}

/// Every check the lab attaches, as each case lists them.
const ALL: &[&str] = &[
    "atomicity",
    "commit-needs-every-yes-vote",
    "outcomes-agree",
    "money-conserved",
    "serializable",
    "commits-applied",
    "messages-flow",
    "every-transaction-decided",
];

/// Lab 03.
pub const LAB: Lab = Lab {
    id: "03",
    slug: "03-two-phase-commit",
    title: "Two-phase commit: durable votes and decisions, recovery",
    package: Some("lab-03-two-phase-commit"),
    protocol: "two-pc",
    parts: &[
        Part {
            id: "A",
            title: "commit and abort: no crashes",
            cases: &[
                Case {
                    scenario: "scenarios/2pc-basic.toml",
                    seeds: (0, 40),
                    checks: ALL,
                    points: 15,
                },
                Case {
                    scenario: "labs/03-two-phase-commit/scenarios/lossy.toml",
                    seeds: (0, 50),
                    checks: ALL,
                    points: 15,
                },
            ],
        },
        Part {
            id: "B",
            title: "participants crash: durable votes",
            cases: &[
                Case {
                    scenario: "labs/03-two-phase-commit/scenarios/participant-crashes.toml",
                    seeds: (0, 50),
                    checks: ALL,
                    points: 15,
                },
                Case {
                    scenario: "scenarios/2pc-participant-crash.toml",
                    seeds: (0, 40),
                    checks: ALL,
                    points: 15,
                },
            ],
        },
        Part {
            id: "C",
            title: "the coordinator fails: durable decisions, in-doubt participants",
            cases: &[
                Case {
                    scenario: "scenarios/2pc-coordinator-crash.toml",
                    seeds: (0, 30),
                    checks: ALL,
                    points: 10,
                },
                Case {
                    scenario: "labs/03-two-phase-commit/scenarios/coordinator-crashes.toml",
                    seeds: (0, 50),
                    checks: ALL,
                    points: 15,
                },
                Case {
                    scenario: "labs/03-two-phase-commit/scenarios/partitions.toml",
                    seeds: (0, 50),
                    checks: ALL,
                    points: 15,
                },
            ],
        },
    ],
    hints: &[
        "Start with part A on a healthy network: `cargo run --release -p lab-03-two-phase-commit -- tui scenarios/2pc-basic.toml`. The coordinator commits only when every participant voted yes; anything else, including silence until vote_timeout, is an abort.",
        "Every handler must be idempotent: a prepare, a vote, a decision or an ack can arrive twice (duplication, or your own resend). A participant that already has a record of a transaction answers from the record instead of deciding again.",
        "The order of writes is the whole protocol. A participant puts its `txn/<tx>` record (phase Prepared, voted_yes) and calls `storage().sync()` before it sends the yes vote; the coordinator puts and syncs `decision/<tx>` before it sends the decision or answers the client. Send first and a crash in between loses a promise someone already acted on.",
        "Recovery happens in `on_start`, which also runs at boot: reload every `txn/` record, take the locks of the Prepared ones back and set their in-doubt timers; the coordinator reloads `decision/` records and resends the ones not every participant acknowledged.",
        "A prepared participant may never decide alone, however long it waits (that is the blocking problem). It asks the coordinator again every `retry`. The coordinator answers from its log, and a transaction it has no record of (and is not collecting votes for) was never committed: it logs a presumed abort and sends that.",
    ],
    reference: Some(build::<TwoPc>),
    bugs: &[
        LabBug {
            name: "send-before-log",
            param: "bug",
            value: "\"send-before-log\"",
            breaks: &["C"],
        },
        LabBug {
            name: "forget-prepared",
            param: "bug",
            value: "\"forget-prepared\"",
            breaks: &["B"],
        },
        LabBug {
            name: "presume-commit",
            param: "bug",
            value: "\"presume-commit\"",
            breaks: &["A", "B", "C"],
        },
        LabBug {
            name: "unilateral-abort",
            param: "bug",
            value: "\"unilateral-abort\"",
            breaks: &["C"],
        },
        LabBug {
            name: "early-unlock",
            param: "bug",
            value: "\"early-unlock\"",
            breaks: &["A", "B", "C"],
        },
    ],
    custom: None,
};
