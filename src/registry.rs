//! The protocol registry: every protocol by name, and how to build a
//! simulation of it from a scenario. The CLI and TUI go through here and never
//! name a protocol type.

use crate::protocols::{
    broadcast, clocks, cqrs, gossip, pingpong, quorum_kv, raft, resilience, saga, swim, two_pc,
};
use crate::scenario::engine::{BuildOptions, ProtocolFacts};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::DynSim;
use std::sync::OnceLock;

/// Builds a type-erased simulation from a validated scenario.
pub type BuildFn = fn(&Scenario, &BuildOptions) -> Result<Box<dyn DynSim>, ScenarioError>;

/// One registered protocol.
#[derive(Clone, Copy, Debug)]
pub struct ProtocolEntry {
    /// One line for `distlab list`.
    pub summary: &'static str,
    /// Name, roles and workloads.
    pub facts: ProtocolFacts,
    /// Constructor.
    pub build: BuildFn,
}

/// Every protocol, in name order.
pub const PROTOCOLS: &[ProtocolEntry] = &[
    ProtocolEntry {
        summary: "flood values over a topology with acked retransmission (Maelstrom broadcast)",
        facts: broadcast::scenario::FACTS,
        build: broadcast::scenario::build,
    },
    ProtocolEntry {
        summary: "event sourcing and CQRS: event store, outbox relay, Kafka-style broker, projections",
        facts: cqrs::scenario::FACTS,
        build: cqrs::scenario::build,
    },
    ProtocolEntry {
        summary: "epidemic spread of a grow-only set: push/pull/push-pull anti-entropy or rumor mongering",
        facts: gossip::scenario::FACTS,
        build: gossip::scenario::build,
    },
    ProtocolEntry {
        summary: "Lamport clocks and a totally ordered broadcast (ties broken by node id)",
        facts: clocks::scenario::LAMPORT_FACTS,
        build: clocks::scenario::build_lamport,
    },
    ProtocolEntry {
        summary: "every node bounces a counter with every other node (the engine benchmark)",
        facts: pingpong::scenario::FACTS,
        build: pingpong::scenario::build,
    },
    ProtocolEntry {
        summary: "Dynamo-style replicated KV: cp (ABD), ap (sloppy quorums, hinted handoff), primary-backup",
        facts: quorum_kv::scenario::FACTS,
        build: quorum_kv::scenario::build,
    },
    ProtocolEntry {
        summary: "Raft consensus with a linearizable key-value store (elections, replication, snapshots, bug switches)",
        facts: raft::scenario::FACTS,
        build: raft::scenario::build,
    },
    ProtocolEntry {
        summary: "timeouts, retries, backoff, circuit breaker, bulkhead, rate limit: a retry storm side by side",
        facts: resilience::scenario::FACTS,
        build: resilience::scenario::build,
    },
    ProtocolEntry {
        summary:
            "an order saga over four services with compensations, orchestrated or choreographed",
        facts: saga::scenario::FACTS,
        build: saga::scenario::build,
    },
    ProtocolEntry {
        summary: "SWIM membership: ping, ping-req, suspicion, incarnations, piggybacked dissemination",
        facts: swim::scenario::FACTS,
        build: swim::scenario::build,
    },
    ProtocolEntry {
        summary:
            "two-phase commit over a sharded bank: coordinator, participants, recovery, blocking",
        facts: two_pc::scenario::FACTS,
        build: two_pc::scenario::build,
    },
    ProtocolEntry {
        summary: "vector clocks and causal broadcast (messages wait until causally ready)",
        facts: clocks::scenario::VCLOCK_FACTS,
        build: clocks::scenario::build_vclock,
    },
    ProtocolEntry {
        summary: "replicated KV: vector-clock siblings next to last-writer-wins by wall clock",
        facts: clocks::scenario::STORE_FACTS,
        build: clocks::scenario::build_store,
    },
];

/// Entries installed by a lab crate's binary (see [`install_overrides`]).
static OVERRIDES: OnceLock<Vec<ProtocolEntry>> = OnceLock::new();

/// Replace protocols by name for the rest of the process: a lab crate's
/// `main` installs the student's implementation under the reference's name
/// (e.g. `raft`), so every command (`run`, `sweep`, `tui`, `replay`, `lab
/// check`) runs the student's code on the shipped scenario files. Can be
/// called once; later calls are ignored and return `false`.
pub fn install_overrides(entries: Vec<ProtocolEntry>) -> bool {
    OVERRIDES.set(entries).is_ok()
}

/// The protocols replaced by [`install_overrides`], if any.
pub fn overrides() -> &'static [ProtocolEntry] {
    OVERRIDES.get().map(Vec::as_slice).unwrap_or(&[])
}

/// The protocol called `name` (an installed override first).
pub fn find(name: &str) -> Option<&'static ProtocolEntry> {
    overrides()
        .iter()
        .chain(PROTOCOLS)
        .find(|p| p.facts.name == name)
}

/// Every protocol this process knows, sorted by name: the installed
/// entries (a lab's student code, a user's own protocol through
/// `cli::main_with`) and the built-ins they do not replace.
pub fn all() -> Vec<&'static ProtocolEntry> {
    let mut out: Vec<&'static ProtocolEntry> = overrides().iter().collect();
    for p in PROTOCOLS {
        if !out.iter().any(|o| o.facts.name == p.facts.name) {
            out.push(p);
        }
    }
    out.sort_by_key(|p| p.facts.name);
    out
}

/// Build the simulation a scenario describes; an unknown protocol is an error
/// at the `protocol` value in the file.
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let name = scenario.protocol.get_ref();
    let Some(entry) = find(name) else {
        let names: Vec<&str> = all().iter().map(|p| p.facts.name).collect();
        let message = format!(
            "unknown protocol {name:?}; expected one of: {}",
            names.join(", ")
        );
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            message,
        ));
    };
    (entry.build)(scenario, options)
}
