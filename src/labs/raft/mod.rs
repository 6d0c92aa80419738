//! The Raft labs (05–08): the student writes Raft, piece by piece, as a type
//! implementing [`RaftLabNode`], and the grader runs it through the same
//! scenario files, faults and checks as the reference ([`Raft`]).
//!
//! - Lab 05 ([`election::LAB`]): leader election, heartbeats, a persisted
//!   term and vote.
//! - Lab 06 ([`replication::LAB`]): log replication, commit, apply; clients
//!   through the log.
//! - Lab 07 ([`persistence::LAB`]): a durable log and commit index, crash
//!   recovery, the figure-8 commit rule under churn.
//! - Lab 08 ([`kv::LAB`]): the key-value service — clients through the
//!   log, answered once applied, exactly once with client sessions.
//!
//! The trait is Raft's own check interface ([`raft::RaftLabNode`]): the
//! protocol's monitors (election safety, log matching, leader completeness,
//! state-machine safety, ...) are generic over it, so the reference and the
//! student's node are checked by the very same code. The labs add two
//! monitors of their own ([`TermNeverDecreases`], [`OneVotePerTerm`]): both
//! hold for any correct Raft, and both catch a node that does not persist
//! its term and vote before answering.
//!
//! The student's crate registers [`entry`] under the name `raft`, so
//! `cargo run --release -p lab-05-raft-election -- tui scenarios/raft-basic.toml` runs
//! the student's node in the TUI.

pub mod election;
pub mod kv;
pub mod persistence;
pub mod replication;

pub use crate::protocols::raft::{is_leader, Params, Raft, RaftLabNode};

use crate::check::Monitor;
use crate::protocols::raft::scenario::{configured, FACTS};
use crate::registry::ProtocolEntry;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, NodeId, Sim};

/// Per-node memory, grown to the node count on first use.
fn per_node<T: Clone + Default>(v: &mut Vec<T>, nodes: u32) {
    if v.len() < nodes as usize {
        v.resize(nodes as usize, T::default());
    }
}

/// **Terms never decrease** on a node, across its whole lifetime including
/// restarts: the current term is durable (Figure 2), so a restarted node
/// must come back with at least the term it had.
#[derive(Clone, Debug, Default)]
pub struct TermNeverDecreases {
    highest: Vec<u64>,
}

impl<N: RaftLabNode> Monitor<N> for TermNeverDecreases {
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.highest, sim.node_count());
        for (id, n) in sim.live_nodes() {
            let highest = &mut self.highest[id.index()];
            let term = n.current_term();
            if term < *highest {
                return Err(format!(
                    "{id}'s term went back from {} to {term} (was it persisted before the node answered?)",
                    *highest
                ));
            }
            *highest = term;
        }
        Ok(())
    }
}

/// **One vote per term**, across restarts: once a node has voted for a
/// candidate in a term, it never votes for another one in that term. The
/// vote is durable (Figure 2) exactly so that a node that crashes and
/// restarts cannot vote twice.
#[derive(Clone, Debug, Default)]
pub struct OneVotePerTerm {
    /// Per node: the latest (term, vote) seen.
    votes: Vec<Option<(u64, NodeId)>>,
}

impl<N: RaftLabNode> Monitor<N> for OneVotePerTerm {
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.votes, sim.node_count());
        for (id, n) in sim.live_nodes() {
            let Some(vote) = n.voted_for() else {
                continue;
            };
            let term = n.current_term();
            let slot = &mut self.votes[id.index()];
            match *slot {
                Some((t, earlier)) if t == term && earlier != vote => {
                    return Err(format!(
                        "{id} voted for {earlier} and then for {vote} in term {term} (a vote must survive a restart)"
                    ));
                }
                Some((t, _)) if t > term => {} // term-never-decreases reports it
                _ => *slot = Some((term, vote)),
            }
        }
        Ok(())
    }
}

/// Build a Raft simulation of any [`RaftLabNode`]: Raft's `[protocol]`
/// parameters (bug switches parse, and only the reference reads them),
/// workload, faults and checks, plus the labs' monitors.
pub fn build<S: RaftLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let builder = configured::<S>(scenario, options)?
        .monitor("term-never-decreases", TermNeverDecreases::default())
        .monitor("one-vote-per-term", OneVotePerTerm::default());
    Ok(Box::new(builder.build()))
}

/// The registry entry a Raft lab crate installs under the name `raft`.
pub fn entry<S: RaftLabNode>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "Raft: your implementation (lab crate), with the reference's checks",
        facts: FACTS,
        build: build::<S>,
    }
}
