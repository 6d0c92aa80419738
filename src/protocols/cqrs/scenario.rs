//! Building an event-sourcing/CQRS simulation from a scenario file.

use super::{builder, hooks, BankWorkload, Bug, CqrsNode, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, SimBuilder};
use crate::workload::Workload;

/// What the CQRS protocol offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "cqrs",
    roles: &["store", "broker", "commands", "projection"],
    workloads: &["bank"],
    histories: &[],
};

/// Read `[protocol]`: `command_handlers` (2), `accounts` (4), `partitions`
/// (3), `snapshot_every` (8; 0 = never), `v1_writers` (1), `relay_every`
/// (10ms), `poll` (20ms), `process_delay` (5ms), `commit_every` (200ms),
/// `retry` (150ms), `batch` (16), `max_conflicts` (10), `rebuild_at` (never),
/// `bug` (none|dual-write|non-idempotent-projection|commit-before-process|
/// no-expected-version) and/or `bugs` (a list of those), `given_parts` (a
/// list of `A`, `B`, `C`: those parts' rules are the reference's in a lab
/// build, so lab 10 grades its parts in order).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let d = Params::default();
    let mut p = scenario.protocol_params.reader();
    let command_handlers = p.u64_in("command_handlers", 2, 1..=8)? as u32;
    let accounts = p.u64_in("accounts", u64::from(d.accounts), 1..=100)? as u32;
    let partitions = p.u64_in("partitions", u64::from(d.partitions), 1..=16)? as u32;
    let snapshot_every = p.u64_in("snapshot_every", d.snapshot_every, 0..=1_000_000)?;
    let v1_writers = p.u64_in("v1_writers", u64::from(d.v1_writers), 0..=8)? as u32;
    let relay_every = p.positive_duration("relay_every", d.relay_every)?;
    let poll = p.positive_duration("poll", d.poll)?;
    let process_delay = p.duration("process_delay", d.process_delay)?;
    let commit_every = p.positive_duration("commit_every", d.commit_every)?;
    let retry = p.positive_duration("retry", d.retry)?;
    let batch = p.u64_in("batch", u64::from(d.batch), 1..=10_000)? as u32;
    let max_conflicts = p.u64_in("max_conflicts", u64::from(d.max_conflicts), 0..=1000)? as u32;
    let rebuild_at = match p.duration("rebuild_at", crate::sim::SimTime::ZERO)? {
        t if t == crate::sim::SimTime::ZERO => None,
        t => Some(t),
    };
    let bug = p.one_of("bug", "none", &Bug::NAMES)?;
    let listed = p.strings_in("bugs", &Bug::NAMES)?;
    let mut given_parts: Vec<String> = p
        .strings_in("given_parts", &hooks::PARTS)?
        .into_iter()
        .map(str::to_string)
        .collect();
    given_parts.sort();
    given_parts.dedup();
    p.finish()?;
    let mut bugs: Vec<Bug> = std::iter::once(bug)
        .chain(listed)
        .filter_map(|name| Bug::from_name(name).flatten())
        .collect();
    bugs.sort();
    bugs.dedup();
    Ok(Params {
        command_handlers,
        accounts,
        partitions,
        snapshot_every,
        v1_writers,
        relay_every,
        poll,
        process_delay,
        commit_every,
        retry,
        batch,
        max_conflicts,
        rebuild_at,
        bugs,
        hooks: d.hooks,
        given_parts,
    })
}

/// `[protocol]` as in [`params`]; `[workload] kind = "bank"` with
/// `max_amount` (1..=1000, default 50), `read_percent` (0..=100, default 15)
/// and `latest_percent` (0..=100, default 10). Needs at least
/// `3 + command_handlers` nodes: the store, the broker, the handlers and at
/// least one projection.
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    build_with(params(scenario)?, scenario, options)
}

/// [`build`] with the parameters already read (lab 10 swaps the hooks).
pub fn build_with(
    params: Params,
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    build_extended(params, scenario, options, |b| b)
}

/// [`build_with`], with `extend` adding to the builder (lab 10's checks).
pub fn build_extended(
    params: Params,
    scenario: &Scenario,
    options: &BuildOptions,
    extend: impl FnOnce(SimBuilder<CqrsNode>) -> SimBuilder<CqrsNode>,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let least = 3 + params.command_handlers;
    if scenario.nodes < least {
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            format!(
                "cqrs needs at least {least} nodes (store, broker, {} command handler(s), a projection), got {}",
                params.command_handlers, scenario.nodes
            ),
        ));
    }
    let workload: Option<Box<dyn Workload>> = match &scenario.workload {
        Some(w) => {
            let mut wp = w.params.reader();
            let max_amount = wp.u64_in("max_amount", 50, 1..=1000)? as u32;
            let read_percent = wp.u64_in("read_percent", 15, 0..=100)? as u32;
            let latest_percent = wp.u64_in("latest_percent", 10, 0..=100)? as u32;
            wp.finish()?;
            Some(Box::new(BankWorkload {
                accounts: params.accounts,
                max_amount,
                read_percent,
                latest_percent: latest_percent.min(100 - read_percent),
            }))
        }
        None => None,
    };
    let b = extend(builder(params, scenario.nodes, scenario.seed));
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}
