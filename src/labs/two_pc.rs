//! Lab 03, two-phase commit: the student writes the coordinator and the
//! participants of [`crate::protocols::two_pc`] — durable votes and
//! decisions, recovery from the log, in-doubt queries — and the grader holds
//! them to atomicity, conservation of money and liveness under loss, crashes
//! and partitions.
//!
//! The student's node implements [`TwoPcLabNode`]: a [`Node`](crate::sim::Node) with a
//! constructor from the protocol's [`Params`](crate::protocols::two_pc::Params) and read-only accessors for its
//! records. The reference ([`TwoPc`]) implements the same trait, and the
//! checks (`protocols::two_pc::checks`) are written against it, so one set of
//! checks judges both. A crashed node is judged by its disk, so every
//! implementation shares one disk layout (see [`TwoPcLabNode`]).

use super::Lab;
use crate::check::CheckKind;
use crate::protocols::two_pc::scenario::{check_nodes, params, workload, FACTS};
use crate::protocols::two_pc::{attach_checks, outcomes_agree, TwoPc};
use crate::registry::{BuildFn, ProtocolEntry};
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::Invariant;
use crate::sim::{DynSim, SimBuilder};
use std::sync::{Arc, LazyLock};

pub use crate::protocols::two_pc::lab::{Decided, TwoPcLabNode};
pub use erased::{DynTwoPc, MakeNode};

mod erased;

/// Build a two-phase-commit simulation of `S` from a scenario: the
/// `[protocol]` and `[workload]` parameters of `two-pc` (the `bugs` switches are
/// read but only the reference acts on them), every check of the reference
/// plus `outcomes-agree`.
///
/// The node runs as a [`DynTwoPc`]: the simulation is compiled once, here,
/// whatever `S` is; the run and its checks are those of `S` itself.
pub fn build<S: TwoPcLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    build_erased(scenario, options, DynTwoPc::make::<S>())
}

/// [`build`] for nodes made by `make`.
fn build_erased(
    scenario: &Scenario,
    options: &BuildOptions,
    make: MakeNode,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = Arc::new(params(scenario)?);
    check_nodes(scenario)?;
    let workload = workload(scenario, &params)?;
    let factory = Arc::clone(&params);
    let b = SimBuilder::new(scenario.nodes, scenario.seed, move |id, n| {
        make(Arc::clone(&factory), id, n)
    });
    let b = attach_checks(b, params).invariant(Invariant::new(
        "outcomes-agree",
        CheckKind::AtEnd,
        outcomes_agree::<DynTwoPc>,
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

/// Lab 03, as `labs/03-two-phase-commit/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("03"));

/// The reference build, through the lab's generic build.
pub const REFERENCE: BuildFn = build::<TwoPc>;
