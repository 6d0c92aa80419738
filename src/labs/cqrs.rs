//! Lab 10, event sourcing and CQRS: the student writes the rules of
//! [`crate::protocols::cqrs`] — the aggregate rebuilt from a snapshot and
//! events and deciding commands, the store's expected-version rule, the
//! projection's idempotent apply and persist-before-commit, and the
//! transactional outbox — and the grader runs them inside the reference's
//! nodes (store and relay, broker, command handlers, projections) under
//! races, redeliveries and crashes, judged by the reference's checks.
//!
//! The student's type implements [`CqrsParts`]: pure functions (plus the
//! storage they are handed) that the nodes call through
//! [`crate::protocols::cqrs::Hooks`] carried in the parameters. The
//! reference ([`Reference`]) implements the same trait and goes through the
//! same [`build`]. Bug switches act in the nodes' plumbing, overriding the
//! hooks exactly where a wrong implementation of them would.

use super::Lab;
use crate::protocols::cqrs::hooks::Hooks;
pub use crate::protocols::cqrs::hooks::{
    event_key, outbox_key, snapshot_key, CqrsParts, Reference, MODEL_KEY,
};
use crate::protocols::cqrs::scenario::{build_extended, params, FACTS};
use crate::protocols::cqrs::{AccountState, CqrsNode, STORE};
use crate::registry::{BuildFn, ProtocolEntry};
use crate::scenario::engine::BuildOptions;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::DynSim;
use crate::sim::Invariant;
use crate::sim::Sim;
use std::sync::LazyLock;

/// Build a CQRS simulation whose nodes follow `S`'s rules: the `[protocol]`
/// and `[workload]` parameters of `cqrs` (the `bugs` switches are read and act in
/// the nodes' plumbing), every check of the reference plus
/// `decisions-on-true-state`.
pub fn build<S: CqrsParts>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut params = params(scenario)?;
    params.hooks = Hooks::of::<S>().given(&params.given_parts);
    build_extended(params, scenario, options, |b| {
        b.invariant(Invariant::always(
            "decisions-on-true-state",
            decisions_on_true_state,
        ))
    })
}

/// Every command handler's last decision was made against a true state of
/// its stream: the store's events up to that version fold to that balance.
/// (A wrong `rebuild` refuses or accepts commands against a state that
/// never was.) Skipped while the store is down.
fn decisions_on_true_state(sim: &Sim<CqrsNode>) -> Result<(), String> {
    let Some(store) = sim.node(STORE).and_then(CqrsNode::store) else {
        return Ok(());
    };
    for (id, node) in sim.live_nodes() {
        let Some(state) = node.handler().and_then(|h| h.last_decided.as_ref()) else {
            continue;
        };
        let events = store
            .streams
            .get(&state.account)
            .map_or(&[][..], Vec::as_slice);
        let upto = &events[..events.len().min(state.version as usize)];
        let truth = AccountState::rebuild(state.account, None, upto);
        if truth != *state {
            return Err(format!(
                "{id} decided a command on acct-{} at v{} with balance {}, but the store's events fold to balance {} at v{}",
                state.account, state.version, state.balance, truth.balance, truth.version
            ));
        }
    }
    Ok(())
}

/// The registry entry that runs `S` under the name `cqrs`, so the shipped
/// `es-*` and `cqrs-*` scenario files run the student's rules.
pub fn entry<S: CqrsParts>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "event sourcing, CQRS and an outbox (lab 10: your implementation)",
        facts: FACTS,
        build: build::<S>,
    }
}

/// Lab 10, as `labs/10-event-sourcing/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("10"));

/// The reference build, through the lab's generic build.
pub const REFERENCE: BuildFn = build::<Reference>;
