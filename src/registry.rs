//! The protocol registry: every protocol by name, and how to build a
//! simulation of it from a scenario. The CLI and TUI go through here and never
//! name a protocol type.

use crate::protocols::{
    broadcast, bully, clocks, cqrs, gossip, load_balancing, lock_service, paxos, pingpong,
    quorum_kv, raft, resilience, saga, service_discovery, sharding, swim, three_pc, two_pc,
};
use crate::scenario::engine::{BuildOptions, ProtocolFacts};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::DynSim;

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
        summary: "the bully algorithm: leader election by highest id with timeouts (and its split brain)",
        facts: bully::scenario::FACTS,
        build: bully::scenario::build,
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
        summary: "load balancing: round robin, random, least-outstanding, two choices, consistent hashing; tail latency under a slow instance",
        facts: load_balancing::scenario::FACTS,
        build: load_balancing::scenario::build,
    },
    ProtocolEntry {
        summary: "a lock service with leases and fencing tokens, a storage service, holders that pause",
        facts: lock_service::scenario::FACTS,
        build: lock_service::scenario::build,
    },
    ProtocolEntry {
        summary: "Paxos: the Synod protocol and Multi-Paxos with a linearizable key-value store (ballots, promises, bug switches)",
        facts: paxos::scenario::FACTS,
        build: paxos::scenario::build,
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
        summary: "service discovery: a registry with TTLs and health checks, callers that cache its answer",
        facts: service_discovery::scenario::FACTS,
        build: service_discovery::scenario::build,
    },
    ProtocolEntry {
        summary: "sharded KV: mod-N, consistent hashing, ranges; a controller; key migration on join/leave, linearizable",
        facts: sharding::scenario::FACTS,
        build: sharding::scenario::build,
    },
    ProtocolEntry {
        summary: "SWIM membership: ping, ping-req, suspicion, incarnations, piggybacked dissemination",
        facts: swim::scenario::FACTS,
        build: swim::scenario::build,
    },
    ProtocolEntry {
        summary: "three-phase commit over the same bank: pre-commit, termination protocol, no blocking (and its partition)",
        facts: three_pc::scenario::FACTS,
        build: three_pc::scenario::build,
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

/// The protocols a program knows: distlab's built-ins plus whatever a
/// user's crate or a lab crate adds. A value, not a process global: the CLI
/// ([`crate::cli::main_with`]), the TUI, the grader and the test harness each
/// take the registry they run with, so two registries (a test with the
/// reference, another with a student's node) can live in one process.
///
/// ```
/// use distlab::registry::Registry;
///
/// let builtin = Registry::builtin();
/// assert!(builtin.find("raft").is_some());
/// // A user's crate adds its own entry (an entry named like a built-in
/// // replaces it): `Registry::builtin().with(my_protocol::entry())`.
/// let names: Vec<&str> = builtin.all().iter().map(|p| p.facts.name).collect();
/// assert!(names.windows(2).all(|w| w[0] < w[1]));
/// ```
#[derive(Clone, Debug)]
pub struct Registry {
    /// Every entry, sorted by name, names unique.
    entries: Vec<ProtocolEntry>,
    /// Names of the entries added with [`Registry::with`] (not built in).
    added: Vec<&'static str>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    /// distlab's own protocols ([`PROTOCOLS`]).
    pub fn builtin() -> Self {
        let mut entries = PROTOCOLS.to_vec();
        entries.sort_by_key(|p| p.facts.name);
        Registry {
            entries,
            added: Vec::new(),
        }
    }

    /// No protocol at all (add yours with [`Registry::with`]).
    pub fn empty() -> Self {
        Registry {
            entries: Vec::new(),
            added: Vec::new(),
        }
    }

    /// This registry with `entry` added; an entry of the same name (a
    /// built-in such as `raft`) is replaced.
    #[must_use]
    pub fn with(mut self, entry: ProtocolEntry) -> Self {
        let name = entry.facts.name;
        self.entries.retain(|p| p.facts.name != name);
        let at = self.entries.partition_point(|p| p.facts.name < name);
        self.entries.insert(at, entry);
        if !self.added.contains(&name) {
            self.added.push(name);
        }
        self
    }

    /// [`Registry::with`] for several entries.
    #[must_use]
    pub fn with_all(self, entries: impl IntoIterator<Item = ProtocolEntry>) -> Self {
        entries.into_iter().fold(self, Registry::with)
    }

    /// The protocol called `name`.
    pub fn find(&self, name: &str) -> Option<&ProtocolEntry> {
        self.entries.iter().find(|p| p.facts.name == name)
    }

    /// Every protocol, sorted by name.
    pub fn all(&self) -> &[ProtocolEntry] {
        &self.entries
    }

    /// Whether `name` was added with [`Registry::with`] (a user's or a
    /// student's protocol) rather than built in.
    pub fn is_added(&self, name: &str) -> bool {
        self.added.contains(&name)
    }

    /// Build the simulation a scenario describes; an unknown protocol is an
    /// error at the `protocol` value in the file.
    pub fn build(
        &self,
        scenario: &Scenario,
        options: &BuildOptions,
    ) -> Result<Box<dyn DynSim>, ScenarioError> {
        let name = scenario.protocol.get_ref();
        let Some(entry) = self.find(name) else {
            let names: Vec<&str> = self.entries.iter().map(|p| p.facts.name).collect();
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
}

/// Build the simulation a scenario describes with the built-in protocols
/// ([`Registry::builtin`]`.build`).
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    Registry::builtin().build(scenario, options)
}
