//! Lab 02, broadcast: the student writes a flooding broadcast node that
//! survives loss, partitions and crashes (part A), makes it efficient
//! enough (part B: messages per broadcast and delivery latency under
//! targets, the way Gossip Glomers grades its efficiency challenge), and
//! writes a push-pull anti-entropy gossip node that converges under loss,
//! crashes and partitions (part C).
//!
//! What the student writes are two nodes, each the trait its protocol
//! declares for this lab: [`BroadcastLabNode`] (`protocols::broadcast`,
//! parts A and B) and [`GossipLabNode`] (`protocols::gossip`, part C). The
//! reference nodes ([`Broadcast`], [`Gossip`]) implement them too, and the
//! protocols' checks are generic over them, so the shipped `broadcast-*`
//! and `gossip-*` scenarios grade the student's nodes with the very checks
//! that judge the reference. A lab build adds what only grading needs, in
//! the protocols as well: the delivery-latency monitor, `messages-flow` and
//! part B's targets (`protocols::broadcast::efficiency`,
//! [`build_lab`](crate::protocols::broadcast::scenario::build_lab) and
//! gossip's [`build_lab`](crate::protocols::gossip::scenario::build_lab)).
//!
//! This module is the lab's glue: the [`BroadcastTypes`] marker naming the
//! student's two node types, [`build`] (a `broadcast` scenario with the
//! first, a `gossip` scenario with the second), the protocol entries a lab
//! crate installs, and [`LAB`], loaded from `labs/02-broadcast/lab.toml`.

use super::Lab;
use crate::protocols::broadcast::scenario::{build_lab as build_broadcast, FACTS, LAB_PARAMS};
use crate::protocols::gossip::scenario::{build_lab as build_gossip, FACTS as GOSSIP_FACTS};
use crate::registry::{BuildFn, ProtocolEntry};
use crate::scenario::engine::{BuildOptions, ProtocolFacts};
use crate::scenario::{BugDecl, Scenario, ScenarioError};
use crate::sim::DynSim;
use std::sync::LazyLock;

pub use crate::protocols::broadcast::{Broadcast, BroadcastLabNode, BroadcastSetup};
pub use crate::protocols::gossip::{Gossip, GossipLabNode, GossipSetup};
pub use erased::{DynBroadcast, DynGossip};

mod erased;

/// The student's node types: part A and B's broadcast node, part C's gossip node.
pub trait BroadcastTypes: 'static {
    /// Parts A and B.
    type Broadcast: BroadcastLabNode;
    /// Part C.
    type Gossip: GossipLabNode;
}

/// The reference's node types.
#[derive(Clone, Copy, Debug)]
pub struct Reference;

impl BroadcastTypes for Reference {
    type Broadcast = Broadcast;
    type Gossip = Gossip;
}

/// Build a `broadcast` scenario with `T::Broadcast` or a `gossip` scenario
/// with `T::Gossip`, through the protocols' lab builds (their `[protocol]`
/// keys; only the reference reads `bugs`).
pub fn build<T: BroadcastTypes>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    match scenario.protocol.get_ref().as_str() {
        "broadcast" => {
            let scenario = without_foreign_bugs(scenario, FACTS.bugs, GOSSIP_FACTS.bugs)?;
            build_broadcast(&scenario, options, DynBroadcast::make::<T::Broadcast>())
        }
        "gossip" => {
            let scenario = without_foreign_bugs(scenario, GOSSIP_FACTS.bugs, FACTS.bugs)?;
            build_gossip(&scenario, options, DynGossip::make::<T::Gossip>())
        }
        other => Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            format!("lab 02 runs the broadcast and gossip protocols, not {other:?}"),
        )),
    }
}

/// `scenario` with the bug switches of the other protocol (`foreign`)
/// taken out of its `bugs` list: the grader switches one bug on for every
/// case of the lab, and each reference protocol only knows its own
/// (`own`). A list that names neither is left for the protocol's reader
/// to refuse.
fn without_foreign_bugs(
    scenario: &Scenario,
    own: &'static [BugDecl],
    foreign: &'static [BugDecl],
) -> Result<Scenario, ScenarioError> {
    let names: Vec<&'static str> = own.iter().chain(foreign).map(|b| b.name).collect();
    let mut scenario = scenario.clone();
    let Ok(listed) = scenario.protocol_params.reader().strings_in("bugs", &names) else {
        return Ok(scenario);
    };
    let kept: Vec<String> = listed
        .iter()
        .filter(|name| !foreign.iter().any(|b| b.name == **name))
        .map(|name| format!("{name:?}"))
        .collect();
    if kept.len() < listed.len() {
        let value = format!("[{}]", kept.join(", "));
        scenario.protocol_params = scenario.protocol_params.with_param("bugs", &value)?;
    }
    Ok(scenario)
}

/// The student's `broadcast` entry (the lab's [`Lab::protocol`]).
pub fn entry<T: BroadcastTypes>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "lab 02: your flooding broadcast over a topology",
        facts: ProtocolFacts {
            params: LAB_PARAMS,
            ..FACTS
        },
        build: build::<T>,
    }
}

/// Both protocols the lab replaces: `broadcast` and `gossip`, built with
/// the student's nodes (a lab crate's `main` installs them).
pub fn entries<T: BroadcastTypes>() -> Vec<ProtocolEntry> {
    vec![
        entry::<T>(),
        ProtocolEntry {
            summary: "lab 02: your push-pull anti-entropy gossip",
            facts: GOSSIP_FACTS,
            build: build::<T>,
        },
    ]
}

/// Lab 02, as `labs/02-broadcast/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("02"));

/// The reference build, through the lab's generic build.
pub const REFERENCE: BuildFn = build::<Reference>;
