//! The protocol registry: every protocol by name, and how to build a
//! simulation of it from a scenario. The CLI and TUI go through here and never
//! name a protocol type.

use crate::protocols::{broadcast, pingpong, raft};
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
        summary: "every node bounces a counter with every other node (the engine benchmark)",
        facts: pingpong::scenario::FACTS,
        build: pingpong::scenario::build,
    },
    ProtocolEntry {
        summary: "Raft consensus with a linearizable key-value store (elections, replication, snapshots, bug switches)",
        facts: raft::scenario::FACTS,
        build: raft::scenario::build,
    },
];

/// The protocol called `name`.
pub fn find(name: &str) -> Option<&'static ProtocolEntry> {
    PROTOCOLS.iter().find(|p| p.facts.name == name)
}

/// Build the simulation a scenario describes; an unknown protocol is an error
/// at the `protocol` value in the file.
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let name = scenario.protocol.get_ref();
    let Some(entry) = find(name) else {
        let names: Vec<&str> = PROTOCOLS.iter().map(|p| p.facts.name).collect();
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
