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
//! - Lab 14 ([`reads::LAB`], optional, after 08): reads without the log —
//!   ReadIndex rounds (the dissertation's §6.4), checked by
//!   `reads-off-the-log` and the linearizability checker.
//!
//! The trait is Raft's own check interface ([`crate::protocols::raft::RaftLabNode`]): the
//! protocol's monitors (election safety, log matching, leader completeness,
//! state-machine safety, ...) are generic over it, so the reference and the
//! student's node are checked by the very same code. The labs add two
//! monitors of their own ([`TermNeverDecreases`], [`OneVotePerTerm`]): both
//! hold for any correct Raft, and both catch a node that does not persist
//! its term and vote before answering.
//!
//! The five labs share one student crate, `labs/raft` (package `lab-raft`,
//! one file `labs/raft/src/lib.rs`, cut from the one solution
//! `tests/labs/raft/solution.rs`); each lab adds its blocks to the same
//! file. The crate registers [`entry`] under the name `raft`, so
//! `cargo run --release -p lab-raft -- tui scenarios/raft-basic.toml` runs
//! the student's node in the TUI, and `-- lab check 05` (06, 07, 08, 14) grades
//! it.

pub mod election;
mod erased;
pub mod kv;
pub mod persistence;
pub mod reads;
pub mod replication;

pub use crate::protocols::raft::{is_leader, Params, Raft, RaftLabNode};
pub use erased::{DynRaft, MakeNode};

use crate::protocols::raft::scenario::{configured_with, FACTS};
use crate::registry::ProtocolEntry;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::Monitor;
use crate::sim::{DynSim, NodeId, Sim, SimTime};

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
    /// Per node: the highest term seen and the incarnation it was seen in.
    highest: Vec<(u64, u32)>,
}

impl<N: RaftLabNode> Monitor<N> for TermNeverDecreases {
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.highest, sim.node_count());
        for (i, slot) in sim.slots().iter().enumerate() {
            let Some(n) = slot.state.as_deref() else {
                continue;
            };
            let (highest, seen_in) = &mut self.highest[i];
            let term = n.current_term();
            if term < *highest {
                let why = if *seen_in != slot.incarnation {
                    "it restarted since: was the term persisted and synced before the node answered, and read back in on_start?"
                } else {
                    "without a restart: a node only ever adopts a higher term"
                };
                return Err(format!(
                    "n{i}'s term went back from {} to {term} ({why})",
                    *highest
                ));
            }
            (*highest, *seen_in) = (term, slot.incarnation);
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
    /// Per node: the latest (term, vote, incarnation) seen.
    votes: Vec<Option<(u64, NodeId, u32)>>,
}

impl<N: RaftLabNode> Monitor<N> for OneVotePerTerm {
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.votes, sim.node_count());
        for (i, slot) in sim.slots().iter().enumerate() {
            let Some(n) = slot.state.as_deref() else {
                continue;
            };
            let Some(vote) = n.voted_for() else {
                continue;
            };
            let term = n.current_term();
            let entry = &mut self.votes[i];
            match *entry {
                Some((t, earlier, incarnation)) if t == term && earlier != vote => {
                    // Never blame a restart that did not happen.
                    let why = if incarnation != slot.incarnation {
                        "it restarted in between: a vote must survive a restart"
                    } else {
                        "without a restart: grant only if votedFor is empty or already that candidate"
                    };
                    return Err(format!(
                        "n{i} voted for {earlier} and then for {vote} in term {term} ({why})"
                    ));
                }
                Some((t, _, _)) if t > term => {} // term-never-decreases reports it
                _ => *entry = Some((term, vote, slot.incarnation)),
            }
        }
        Ok(())
    }
}

/// **A node knows only what it stored**: a node that starts with nothing
/// in `ctx.storage()` — every node at boot, and a node restarted before it
/// synced anything — must start with term 0, no vote and an empty log. A
/// node that remembers more kept its state somewhere else (a global, a
/// `thread_local!`, a `static`), which survives a crash in this process but
/// not on a real machine, and leaks from one run into the next.
///
/// Boot is checked at time zero (every node runs `on_start` then, before
/// any timer or message), a restart right after it.
#[derive(Clone, Debug, Default)]
pub struct RestartFromStorage {
    /// Per node: the incarnation last seen live.
    seen: Vec<u32>,
}

/// What a node knows, if anything, for the message.
fn remembers<N: RaftLabNode>(n: &N) -> Option<String> {
    let knows = n.current_term() > 0 || n.voted_for().is_some() || n.log().last_index() > 0;
    knows.then(|| {
        let vote = n.voted_for().map_or("none".into(), |v| v.to_string());
        format!(
            "term {}, vote {vote}, {} log entries",
            n.current_term(),
            n.log().last_index()
        )
    })
}

const ELSEWHERE: &str = "durable state must live in ctx.storage(); a global, thread_local! or \
                         static survives a crash here but not on a real machine, and leaks from one run into the next";

impl<N: RaftLabNode> Monitor<N> for RestartFromStorage {
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.seen, sim.node_count());
        if sim.now() == SimTime::ZERO {
            // Boot: every node starts (`on_start`) at time zero, with
            // empty storage; nothing else can have happened yet.
            for (i, slot) in sim.slots().iter().enumerate() {
                let Some(n) = slot.state.as_deref() else {
                    continue;
                };
                if let Some(knows) = remembers(n).filter(|_| slot.storage.keys().is_empty()) {
                    return Err(format!(
                        "n{i} booted with empty storage, yet knew {knows} right after on_start: it \
                         brought them from an earlier run — {ELSEWHERE}"
                    ));
                }
            }
        }
        for (i, slot) in sim.slots().iter().enumerate() {
            let Some(n) = slot.state.as_deref() else {
                continue;
            };
            if self.seen[i] == slot.incarnation {
                continue;
            }
            self.seen[i] = slot.incarnation;
            if !slot.storage.keys().is_empty() {
                continue;
            }
            if let Some(knows) = remembers(n) {
                return Err(format!(
                    "n{i} restarted with nothing in ctx.storage(), yet came back with {knows}: {ELSEWHERE}"
                ));
            }
        }
        Ok(())
    }
}

/// Build a Raft simulation of any [`RaftLabNode`]: Raft's `[protocol]`
/// parameters (bug switches parse, and only the reference reads them),
/// workload, faults and checks, plus the labs' monitors.
///
/// The node runs as a [`DynRaft`]: the simulation is compiled once, here,
/// whatever `S` is (see [`crate::sim::erased`]); the run, its trace hash and
/// every check are those of `S` itself.
pub fn build<S: RaftLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    build_erased(scenario, options, DynRaft::make::<S>())
}

/// [`build`] for nodes made by `make`.
fn build_erased(
    scenario: &Scenario,
    options: &BuildOptions,
    make: MakeNode,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let builder = configured_with::<DynRaft>(scenario, options, make)?
        .monitor("term-never-decreases", TermNeverDecreases::default())
        .monitor("one-vote-per-term", OneVotePerTerm::default())
        .monitor("state-in-storage", RestartFromStorage::default());
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

/// The reference build of labs 05–08: [`Raft`] through [`build`].
pub const REFERENCE: crate::registry::BuildFn = build::<Raft>;
