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
//! `bugs` parameter reaches its nodes' plumbing: `no-increment-on-send`,
//! `merge-min` and `no-causal-wait`.

use super::Lab;
pub use crate::protocols::clocks::scenario::ClockBuild;
use crate::protocols::clocks::scenario::{
    build_lamport_with, build_vclock_with, LAMPORT_FACTS, LAMPORT_LAB_PARAMS, VCLOCK_FACTS,
    VCLOCK_LAB_PARAMS,
};
use crate::protocols::clocks::Bug;
pub use crate::protocols::clocks::{ClockOrder, ClockRules, Hooks, Reference};
use crate::registry::{BuildFn, ProtocolEntry};
use crate::scenario::engine::{BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Scenario, ScenarioError};
use crate::sim::DynSim;
use std::sync::LazyLock;

/// Build a `lamport` or `vclock` scenario with the rules `R`, audited.
///
/// `[protocol]`: [`LAMPORT_LAB_PARAMS`] or [`VCLOCK_LAB_PARAMS`], and
/// `bugs` (any of the three: the nodes' plumbing applies them over any
/// rules; the grader sets them only for the reference).
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
        facts: ProtocolFacts {
            params: VCLOCK_LAB_PARAMS,
            bugs: Bug::DECLS,
            ..VCLOCK_FACTS
        },
        build: build::<R>,
    }
}

/// Both protocols the lab replaces: `lamport` and `vclock`, built with
/// the student's rules (a lab crate's `main` installs them).
pub fn entries<R: ClockRules>() -> Vec<ProtocolEntry> {
    vec![
        ProtocolEntry {
            summary: "lab 01: totally ordered broadcast over your Lamport clock",
            facts: ProtocolFacts {
                params: LAMPORT_LAB_PARAMS,
                bugs: Bug::DECLS,
                ..LAMPORT_FACTS
            },
            build: build::<R>,
        },
        entry::<R>(),
    ]
}

/// Lab 01, as `labs/01-clocks/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("01"));

/// The reference build, through the lab's generic build.
pub const REFERENCE: BuildFn = build::<Reference>;
