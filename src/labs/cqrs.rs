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

use super::{Case, Lab, LabBug, Part};
use crate::check::Invariant;
use crate::protocols::cqrs::hooks::Hooks;
pub use crate::protocols::cqrs::hooks::{
    event_key, outbox_key, snapshot_key, CqrsParts, Reference, MODEL_KEY,
};
use crate::protocols::cqrs::scenario::{build_extended, params, FACTS};
use crate::protocols::cqrs::{AccountState, CqrsNode, STORE};
use crate::registry::ProtocolEntry;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::DynSim;
use crate::sim::Sim;

/// Build a CQRS simulation whose nodes follow `S`'s rules: the `[protocol]`
/// and `[workload]` parameters of `cqrs` (a `bug` switch is read and acts in
/// the nodes' plumbing), every check of the reference plus
/// `decisions-on-true-state`.
pub fn build<S: CqrsParts>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut params = params(scenario)?;
    params.hooks = Hooks::of::<S>();
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

/// Every check the lab attaches, as each case lists them.
const ALL: &[&str] = &[
    "optimistic-concurrency",
    "no-double-apply",
    "per-stream-order",
    "every-event-published",
    "projection-matches-store",
    "snapshot-replay-equivalence",
    "accepted-commands-stored",
    "read-your-writes",
    "an-event-reaches-a-projection",
    "decisions-on-true-state",
];

/// Lab 10.
pub const LAB: Lab = Lab {
    id: "10",
    slug: "10-event-sourcing",
    title: "Event sourcing and CQRS: optimistic concurrency, idempotent projections, the outbox",
    package: Some("lab-10-event-sourcing"),
    protocol: "cqrs",
    parts: &[
        Part {
            id: "A",
            title: "the aggregate: rebuild, decide, append with an expected version",
            cases: &[
                Case {
                    scenario: "scenarios/es-basic.toml",
                    seeds: (0, 20),
                    checks: ALL,
                    points: 10,
                },
                Case {
                    scenario: "scenarios/es-concurrent-commands.toml",
                    seeds: (0, 30),
                    checks: ALL,
                    points: 10,
                },
                Case {
                    scenario: "labs/10-event-sourcing/scenarios/lost-update.toml",
                    seeds: (0, 30),
                    checks: ALL,
                    points: 15,
                },
            ],
        },
        Part {
            id: "B",
            title: "the projection: idempotent apply, persist before commit",
            cases: &[
                Case {
                    scenario: "labs/10-event-sourcing/scenarios/redelivery.toml",
                    seeds: (0, 30),
                    checks: ALL,
                    points: 15,
                },
                Case {
                    scenario: "labs/10-event-sourcing/scenarios/consumer-crash.toml",
                    seeds: (0, 30),
                    checks: ALL,
                    points: 10,
                },
                Case {
                    scenario: "scenarios/es-rebuild-projection.toml",
                    seeds: (0, 20),
                    checks: ALL,
                    points: 10,
                },
            ],
        },
        Part {
            id: "C",
            title: "the transactional outbox",
            cases: &[
                Case {
                    scenario: "labs/10-event-sourcing/scenarios/store-crashes.toml",
                    seeds: (0, 30),
                    checks: ALL,
                    points: 20,
                },
                Case {
                    scenario: "scenarios/es-outbox-crash.toml",
                    seeds: (0, 20),
                    checks: ALL,
                    points: 10,
                },
            ],
        },
    ],
    hints: &[
        "Start with part A: `cargo run --release -p lab-10-event-sourcing -- tui scenarios/es-basic.toml`. `rebuild` starts from the snapshot (or a fresh `AccountState::new`) and folds in every event above its version with `apply_stored`, which upcasts v1 deposits.",
        "`decide` refuses non-positive amounts and withdrawals above the balance; a deposit is `DepositedV1 { amount }` for an old writer (`write_v1`), else `DepositedV2` in `DEFAULT_CURRENCY`. The store's rule is one comparison: append only if the stream is still at the version the command was validated against.",
        "Part B: a redelivered event has a version at or below the stream's last applied version in the read model — skip it. Persist the whole `ProjectionState` under `MODEL_KEY` and sync: the read model and the processed offsets are durable together.",
        "Commit only what is persisted: the processed offsets, never the received ones. A crash after a commit but before the persist loses the batch for good; a crash after the persist but before the commit only redelivers, which your `should_apply` makes harmless.",
        "Part C: put the event (`event_key`), its outbox entry (`outbox_key`, value `()`) and the snapshot if any (`snapshot_key`), then sync once — all durable together or none. After the broker's ack, remove the outbox keys and sync; on restart the store republishes whatever is still in the outbox.",
    ],
    reference: Some(build::<Reference>),
    bugs: &[
        LabBug {
            name: "no-expected-version",
            param: "bug",
            value: "\"no-expected-version\"",
            breaks: &["A", "B", "C"],
        },
        LabBug {
            name: "non-idempotent-projection",
            param: "bug",
            value: "\"non-idempotent-projection\"",
            breaks: &["A", "B", "C"],
        },
        LabBug {
            name: "commit-before-process",
            param: "bug",
            value: "\"commit-before-process\"",
            breaks: &["A", "B", "C"],
        },
        LabBug {
            name: "dual-write",
            param: "bug",
            value: "\"dual-write\"",
            breaks: &["A", "C"],
        },
    ],
    custom: None,
};
