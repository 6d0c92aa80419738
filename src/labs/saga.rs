//! Lab 04, sagas: the student writes the orchestrator of
//! [`crate::protocols::saga`] (progress persisted at every transition,
//! compensations newest first, retries until answered) and the services'
//! idempotent step handlers, and the grader holds them to "every saga
//! completes or is fully compensated", no double charge and conserved money
//! and stock under duplication, loss, transient failures and crashes.
//!
//! The student's node implements [`SagaLabNode`]: a [`Node`] with a
//! constructor from the protocol's [`Params`] and read-only accessors for its
//! services' records, balances and stock. The reference ([`SagaNode`], in the
//! orchestrated style) implements the same trait, and the checks
//! (`protocols::saga::checks`) are written against it. A crashed service is
//! judged by its disk, so every implementation shares one record layout (see
//! [`SagaLabNode`]).

use super::{Case, Lab, LabBug, Part};
use crate::check::{CheckKind, Invariant};
use crate::protocols::saga::scenario::{check_nodes, params, workload, FACTS};
use crate::protocols::saga::{attach_checks, charged_at_most_once, SagaNode, Style};
use crate::registry::ProtocolEntry;
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, SimBuilder};
use std::sync::Arc;

pub use crate::protocols::saga::lab::SagaLabNode;

/// Build a saga simulation of `S` from a scenario: the `[protocol]` and
/// `[workload]` parameters of `saga` (a `bug` switch is read, but only the
/// reference acts on it; `style` must be orchestrated), every check of the
/// reference plus `charged-at-most-once`.
pub fn build<S: SagaLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = Arc::new(params(scenario)?);
    check_nodes(scenario)?;
    if params.style != Style::Orchestrated {
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            "lab 04 implements the orchestrated style only; run choreographed scenarios with the reference (`distlab run`)",
        ));
    }
    let workload = workload(scenario, &params)?;
    let factory = Arc::clone(&params);
    let b = SimBuilder::new(scenario.nodes, scenario.seed, move |id, _| {
        S::new(Arc::clone(&factory), id)
    });
    let b = attach_checks(b, params).invariant(Invariant::new(
        "charged-at-most-once",
        CheckKind::AtEnd,
        charged_at_most_once::<S>,
    ));
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}

/// The registry entry that runs `S` under the name `saga`, so the shipped
/// orchestrated scenario files run the student's implementation.
pub fn entry<S: SagaLabNode>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "an orchestrated order saga with compensations (lab 04: your implementation)",
        facts: FACTS,
        build: build::<S>,
    }
}

/// Every check the lab attaches, as each case lists them.
const ALL: &[&str] = &[
    "no-double-charge",
    "charged-at-most-once",
    "stock-never-negative",
    "sagas-complete-or-compensate",
    "money-and-stock-conserved",
    "answers-match-sagas",
];

/// Lab 04.
pub const LAB: Lab = Lab {
    id: "04",
    slug: "04-sagas",
    title: "Sagas: an orchestrator with compensations, idempotent services",
    package: Some("lab-04-sagas"),
    protocol: "saga",
    parts: &[
        Part {
            id: "A",
            title: "complete or compensate: refusals and transient failures",
            cases: &[
                Case {
                    scenario: "labs/04-sagas/scenarios/compensation.toml",
                    seeds: (0, 60),
                    checks: ALL,
                    points: 15,
                },
                Case {
                    scenario: "labs/04-sagas/scenarios/transient.toml",
                    seeds: (0, 60),
                    checks: ALL,
                    points: 15,
                },
            ],
        },
        Part {
            id: "B",
            title: "duplicates and loss: idempotent services",
            cases: &[
                Case {
                    scenario: "labs/04-sagas/scenarios/duplicates.toml",
                    seeds: (0, 60),
                    checks: ALL,
                    points: 15,
                },
                Case {
                    scenario: "scenarios/saga-duplicates.toml",
                    seeds: (0, 40),
                    checks: ALL,
                    points: 15,
                },
            ],
        },
        Part {
            id: "C",
            title: "crashes: persisted progress, durable step records",
            cases: &[
                Case {
                    scenario: "scenarios/saga-orchestrated.toml",
                    seeds: (0, 40),
                    checks: ALL,
                    points: 10,
                },
                Case {
                    scenario: "labs/04-sagas/scenarios/orchestrator-crashes.toml",
                    seeds: (0, 60),
                    checks: ALL,
                    points: 15,
                },
                Case {
                    scenario: "labs/04-sagas/scenarios/service-crashes.toml",
                    seeds: (0, 60),
                    checks: ALL,
                    points: 15,
                },
            ],
        },
    ],
    hints: &[
        "Start with part A: `cargo run --release -p lab-04-sagas -- tui labs/04-sagas/scenarios/compensation.toml`. A saga is a cursor (step, action): forward with Do on success; on a refusal turn around and Undo the steps already done, newest first, down to step 0.",
        "`Busy` means nothing happened: keep the cursor where it is and try again at the next retry tick — for a compensation too. A compensation may never be abandoned: until step 0 is undone, the customer's money or the stock is held.",
        "Idempotency lives in the step record. Before running a step, look for its record under (step, saga): if it already ran, return the recorded result and change nothing. The network duplicates commands and the orchestrator resends them, so the same charge arrives several times.",
        "A compensation that arrives before (or instead of) its step must still leave things right: mark the record `undo_done`; if the step then arrives late, refuse it (\"compensated before it ran\") instead of applying it.",
        "Durability: a service puts its record and syncs before it answers; the orchestrator puts and syncs the saga's progress at every transition, and in `on_start` reloads every `saga/` record and drives the running ones again. A service's `on_start` rebuilds balances and stock from its records.",
    ],
    reference: Some(build::<SagaNode>),
    bugs: &[
        LabBug {
            name: "payment-not-idempotent",
            param: "bug",
            value: "\"payment-not-idempotent\"",
            breaks: &["B", "C"],
        },
        LabBug {
            name: "no-compensation-retry",
            param: "bug",
            value: "\"no-compensation-retry\"",
            breaks: &["A", "B", "C"],
        },
        LabBug {
            name: "no-persist",
            param: "bug",
            value: "\"no-persist\"",
            breaks: &["B", "C"],
        },
    ],
    custom: None,
};
