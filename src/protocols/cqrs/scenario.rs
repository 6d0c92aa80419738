//! Building an event-sourcing/CQRS simulation from a scenario file.

use super::{builder, hooks, BankWorkload, Bug, CqrsNode, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{DynSim, SimBuilder, SimTime};
use crate::workload::Workload;

/// What the CQRS protocol offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "cqrs",
    roles: &["store", "broker", "commands", "projection"],
    workloads: &["bank"],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// The CQRS protocol's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    COMMAND_HANDLERS.decl,
    ACCOUNTS.decl,
    PARTITIONS.decl,
    SNAPSHOT_EVERY.decl,
    V1_WRITERS.decl,
    RELAY_EVERY.decl,
    POLL.decl,
    PROCESS_DELAY.decl,
    COMMIT_EVERY.decl,
    RETRY.decl,
    BATCH.decl,
    MAX_CONFLICTS.decl,
    REBUILD_AT.decl,
    GIVEN_PARTS.decl,
];

pub(crate) const COMMAND_HANDLERS: Param<u32> =
    Param::integer("command_handlers", 2, 1, 8, "command-handler nodes (n2..)");
pub(crate) const ACCOUNTS: Param<u32> =
    Param::integer("accounts", 4, 1, 100, "accounts (streams) clients use");
pub(crate) const PARTITIONS: Param<u32> =
    Param::integer("partitions", 3, 1, 16, "partitions of the broker's topic");
pub(crate) const SNAPSHOT_EVERY: Param<u64> = Param::integer(
    "snapshot_every",
    8,
    0,
    1_000_000,
    "the store snapshots a stream every this many events (0: never)",
);
pub(crate) const V1_WRITERS: Param<u32> = Param::integer(
    "v1_writers",
    1,
    0,
    8,
    "the first this many command handlers write deposits with schema v1",
);
pub(crate) const RELAY_EVERY: Param<SimTime> = Param::positive_duration(
    "relay_every",
    SimTime::from_millis(10),
    "the relay looks at the outbox this often",
);
pub(crate) const POLL: Param<SimTime> = Param::positive_duration(
    "poll",
    SimTime::from_millis(20),
    "consumers look for lost fetches, offsets and head requests this often",
);
pub(crate) const PROCESS_DELAY: Param<SimTime> = Param::duration(
    "process_delay",
    SimTime::from_millis(5),
    "time a consumer spends processing a batch",
);
pub(crate) const COMMIT_EVERY: Param<SimTime> = Param::positive_duration(
    "commit_every",
    SimTime::from_millis(200),
    "consumers commit processed offsets this often",
);
pub(crate) const RETRY: Param<SimTime> = Param::positive_duration(
    "retry",
    SimTime::from_millis(150),
    "resend an unanswered request after this long",
);
pub(crate) const BATCH: Param<u32> =
    Param::integer("batch", 16, 1, 10_000, "largest publish or fetch batch");
pub(crate) const MAX_CONFLICTS: Param<u32> = Param::integer(
    "max_conflicts",
    10,
    0,
    1000,
    "a command gives up after this many version conflicts",
);
pub(crate) const REBUILD_AT: Param<SimTime> = Param::duration(
    "rebuild_at",
    SimTime::ZERO,
    "projections drop their read model and rebuild it from the store at this time (0: never)",
);
pub(crate) const GIVEN_PARTS: Param<Vec<&'static str>> = Param::list_of(
    "given_parts",
    &hooks::PARTS,
    "lab 10 only: parts whose rules are the reference's in a lab build (earlier parts graded first)",
);

/// `rebuild_at` as read: zero is never.
pub(crate) fn rebuild_at(time: SimTime) -> Option<SimTime> {
    (time != SimTime::ZERO).then_some(time)
}

/// `given_parts` as read, sorted.
pub(crate) fn given_parts(parts: Vec<&str>) -> Vec<String> {
    let mut parts: Vec<String> = parts.into_iter().map(str::to_string).collect();
    parts.sort();
    parts.dedup();
    parts
}

/// Read `[protocol]` ([`PARAMS`] and `bugs`).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let mut params = Params {
        command_handlers: p.get(&COMMAND_HANDLERS)?,
        accounts: p.get(&ACCOUNTS)?,
        partitions: p.get(&PARTITIONS)?,
        snapshot_every: p.get(&SNAPSHOT_EVERY)?,
        v1_writers: p.get(&V1_WRITERS)?,
        relay_every: p.get(&RELAY_EVERY)?,
        poll: p.get(&POLL)?,
        process_delay: p.get(&PROCESS_DELAY)?,
        commit_every: p.get(&COMMIT_EVERY)?,
        retry: p.get(&RETRY)?,
        batch: p.get(&BATCH)?,
        max_conflicts: p.get(&MAX_CONFLICTS)?,
        rebuild_at: rebuild_at(p.get(&REBUILD_AT)?),
        bugs: p.bugs::<Bug>()?,
        hooks: hooks::Hooks::default(),
        given_parts: given_parts(p.get(&GIVEN_PARTS)?),
    };
    p.finish()?;
    params.bugs.sort();
    Ok(params)
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
