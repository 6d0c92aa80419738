//! Lab 04, sagas: the student writes the orchestrator of
//! [`crate::protocols::saga`] (progress persisted at every transition,
//! compensations newest first, retries until answered) and the services'
//! idempotent step handlers, and the grader holds them to "every saga
//! completes or is fully compensated", no double charge and conserved money
//! and stock under duplication, loss, transient failures and crashes.
//!
//! The student's node implements [`SagaLabNode`]: a [`Node`](crate::sim::Node) with a
//! constructor from the protocol's [`Params`](crate::protocols::saga::Params) and read-only accessors for its
//! services' records, balances and stock. The reference ([`SagaNode`], in the
//! orchestrated style) implements the same trait, and the checks
//! (`protocols::saga::checks`) are written against it. A crashed service is
//! judged by its disk, so every implementation shares one record layout (see
//! [`SagaLabNode`]).

use super::Lab;
use crate::check::CheckKind;
use crate::protocols::saga::scenario::{check_nodes, params, workload, FACTS};
use crate::protocols::saga::{attach_checks, charged_at_most_once, SagaNode, Style};
use crate::registry::{BuildFn, ProtocolEntry};
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::Invariant;
use crate::sim::{DynSim, SimBuilder};
use std::sync::{Arc, LazyLock};

pub use crate::protocols::saga::lab::SagaLabNode;
pub use erased::{DynSaga, MakeNode};

mod erased;

/// Build a saga simulation of `S` from a scenario: the `[protocol]` and
/// `[workload]` parameters of `saga` (the `bugs` switches are read, but only the
/// reference acts on them; `style` must be orchestrated), every check of the
/// reference plus `charged-at-most-once`.
///
/// The node runs as a [`DynSaga`]: the simulation is compiled once, here,
/// whatever `S` is; the run and its checks are those of `S` itself.
pub fn build<S: SagaLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    build_erased(scenario, options, DynSaga::make::<S>())
}

/// [`build`] for nodes made by `make`.
fn build_erased(
    scenario: &Scenario,
    options: &BuildOptions,
    make: MakeNode,
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
        make(Arc::clone(&factory), id)
    });
    let b = attach_checks(b, params).invariant(Invariant::new(
        "charged-at-most-once",
        CheckKind::AtEnd,
        charged_at_most_once::<DynSaga>,
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

/// Lab 04, as `labs/04-sagas/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("04"));

/// The reference build, through the lab's generic build.
pub const REFERENCE: BuildFn = build::<SagaNode>;
