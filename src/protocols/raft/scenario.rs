//! Building a Raft simulation from a scenario file.

use super::checks::builder_with;
use super::checks::RaftLabNode;
use super::{Bug, Membership, Params, Raft, ReadMode};
use crate::check::linearizability::Model;
use crate::scenario::engine::{self, configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, ParamReader, Scenario, ScenarioError};
use crate::sim::{DynSim, Invariant, NodeId, Sim, SimBuilder, SimTime};
use crate::workload::Workload;
use std::sync::Arc;

/// What Raft offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "raft",
    roles: &["leader", "follower", "candidate"],
    workloads: &["kv"],
    histories: &["linearizable"],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// Step budget of the linearizability search (deterministic; an exhausted
/// budget reports `unknown`).
pub const HISTORY_STEPS: u64 = 5_000_000;

/// Raft's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    ELECTION_TIMEOUT.decl,
    HEARTBEAT.decl,
    PREVOTE.decl,
    CHECK_QUORUM.decl,
    SNAPSHOT_EVERY.decl,
    MAX_ENTRIES.decl,
    PIPELINE.decl,
    MAX_INFLIGHT.decl,
    SNAPSHOT_RESEND.decl,
    SNAPSHOT_CHUNK.decl,
    READ_MODE.decl,
    LEASE_DRIFT_PPM.decl,
    SESSION_TIMEOUT.decl,
    VOTERS.decl,
    CHANGES.decl,
    MEMBERSHIP.decl,
    CATCHUP_ENTRIES.decl,
    SNAPSHOT_HOLD.decl,
    REORDER_BUFFER.decl,
    IGNORE_VOTES_WITH_LEADER.decl,
];

pub(crate) const ELECTION_TIMEOUT: Param<(SimTime, SimTime)> = Param::duration_range(
    "election_timeout",
    SimTime::from_millis(150),
    SimTime::from_millis(300),
    "drawn anew, uniformly, at every reset; min more than 0",
);
pub(crate) const HEARTBEAT: Param<SimTime> = Param::positive_duration(
    "heartbeat",
    SimTime::from_millis(50),
    "leader heartbeat and candidate vote-retry interval; below the minimum election timeout",
);
pub(crate) const PREVOTE: Param<bool> =
    Param::flag("prevote", true, "run a PreVote round before each election");
pub(crate) const CHECK_QUORUM: Param<bool> = Param::flag(
    "check_quorum",
    true,
    "a leader that has not heard from a majority for max(maximum election timeout, 2 × heartbeat + 2 × measured round trip) steps down",
);
pub(crate) const SNAPSHOT_EVERY: Param<u64> = Param::integer(
    "snapshot_every",
    100,
    0,
    u64::MAX,
    "snapshot after this many applied entries (0: never)",
);
pub(crate) const MAX_ENTRIES: Param<usize> = Param::integer(
    "max_entries",
    64,
    1,
    10_000,
    "most entries per AppendEntries",
);

pub(crate) const PIPELINE: Param<bool> = Param::flag(
    "pipeline",
    true,
    "pipelined replication with probe/replicate/snapshot states per follower; false: re-send everything unacknowledged on every trigger",
);
pub(crate) const MAX_INFLIGHT: Param<usize> = Param::integer(
    "max_inflight",
    2,
    1,
    10_000,
    "with pipeline: most AppendEntries unacknowledged per follower; more entries wait and go together",
);
pub(crate) const SNAPSHOT_RESEND: Param<SimTime> = Param::positive_duration(
    "snapshot_resend",
    SimTime::from_millis(500),
    "with pipeline: an unanswered InstallSnapshot is sent again after this long, to a follower that answered a heartbeat since",
);
pub(crate) const SNAPSHOT_CHUNK: Param<usize> = Param::integer(
    "snapshot_chunk",
    0,
    0,
    1 << 30,
    "bytes of the snapshot's serialized form per InstallSnapshot chunk (sent one at a time, the next on the answer); 0: the whole snapshot in one message",
);

pub(crate) const READ_MODE: Param<ReadMode> = Param::choice(
    "read_mode",
    "log",
    "how the leader serves a get: log (an entry like a write), read-index (a heartbeat round confirms leadership, then the commit index is read) or lease (no round while a lease from the last confirmed round holds)",
);
pub(crate) const LEASE_DRIFT_PPM: Param<u64> = Param::integer(
    "lease_drift_ppm",
    100_000,
    0,
    100_000,
    "with read_mode = \"lease\": the clock drift bound (parts per million) the lease allows for; the lease is shortened by min election timeout × 2ρ/(1+ρ); the default covers any [clocks] drift_ppm",
);

pub(crate) const SESSION_TIMEOUT: Param<SimTime> = Param::duration(
    "session_timeout",
    SimTime::ZERO,
    "a client session expires after this long without an applied request, by the leader's clock stamps in the log entries; its client's requests are then refused (\"session expired\"); 0: never",
);

pub(crate) const VOTERS: Param<u32> = Param::integer(
    "voters",
    0,
    0,
    10_000,
    "membership: the initial configuration's voters are nodes 0..voters; the others start outside it, empty, and never campaign until added; 0: every node",
);
pub(crate) const CHANGES: Param<Vec<String>> = Param::texts(
    "changes",
    "membership change",
    "membership changes the leader makes, in order, each from TIME on (its local clock), one configuration entry at a time: \"TIME add N\" (a learner first), \"TIME remove N\", \"TIME replace OLD NEW\", \"TIME drain N\" (transfer leadership away if N leads, then remove it)",
);
pub(crate) const MEMBERSHIP: Param<Membership> = Param::choice(
    "membership",
    "single",
    "how the voters change: single (one server added or removed per configuration entry) or joint (through a joint configuration that needs majorities of the old and the new voters)",
);
pub(crate) const CATCHUP_ENTRIES: Param<u64> = Param::integer(
    "catchup_entries",
    8,
    0,
    u64::MAX,
    "membership: a learner is promoted to voter once its log is within this many entries of the leader's",
);
pub(crate) const SNAPSHOT_HOLD: Param<SimTime> = Param::duration(
    "snapshot_hold",
    SimTime::from_millis(300),
    "the leader compacts no further than the match index of any follower it heard from within this long (a live follower a few entries behind keeps getting entries, not a snapshot); 0: at its applied index",
);

pub(crate) const REORDER_BUFFER: Param<bool> = Param::flag(
    "reorder_buffer",
    true,
    "a follower keeps up to max_inflight AppendEntries of its leader's term that arrive before the entries they follow (reordering links) and handles them when the gap fills; false: rejects them at once, and the leader probes and sends again",
);
pub(crate) const IGNORE_VOTES_WITH_LEADER: Param<bool> = Param::flag(
    "ignore_votes_with_leader",
    true,
    "a node that heard from a current leader within the minimum election timeout disregards RequestVote (neither adopts its term nor votes; the paper, section 6), except a leadership transfer's; a removed node cannot depose the leader",
);

/// Read `[protocol]` ([`PARAMS`] and `bugs`) from a reader made by
/// [`ProtocolFacts::reader`] over [`FACTS`], for a cluster of `nodes`
/// (the membership changes name nodes).
pub fn params(p: &mut ParamReader<'_>, nodes: u32) -> Result<Params, ScenarioError> {
    let election_timeout = p.get(&ELECTION_TIMEOUT)?;
    if election_timeout.0.as_nanos() == 0 {
        return Err(p.error_at("election_timeout", "election_timeout must be more than 0"));
    }
    let heartbeat = p.get(&HEARTBEAT)?;
    if heartbeat >= election_timeout.0 {
        let message = format!(
            "heartbeat ({heartbeat}) must be more than 0 and less than the minimum election timeout ({})",
            election_timeout.0
        );
        return Err(p.error_at("heartbeat", message));
    }
    let voters = p.get(&VOTERS)?;
    if voters > nodes {
        let message = format!("voters ({voters}) must not be more than nodes ({nodes})");
        return Err(p.error_at("voters", message));
    }
    let texts = p.get(&CHANGES)?;
    let initial = if voters == 0 { nodes } else { voters };
    let changes = super::membership::parse_changes(&texts, nodes, initial)
        .map_err(|why| p.error_at("changes", why))?;
    Ok(Params {
        election_timeout,
        heartbeat,
        prevote: p.get(&PREVOTE)?,
        check_quorum: p.get(&CHECK_QUORUM)?,
        snapshot_every: p.get(&SNAPSHOT_EVERY)?,
        max_entries: p.get(&MAX_ENTRIES)?,
        pipeline: p.get(&PIPELINE)?,
        max_inflight: p.get(&MAX_INFLIGHT)?,
        snapshot_resend: p.get(&SNAPSHOT_RESEND)?,
        snapshot_chunk: p.get(&SNAPSHOT_CHUNK)?,
        read_mode: p.get(&READ_MODE)?,
        lease_drift_ppm: p.get(&LEASE_DRIFT_PPM)?,
        session_timeout: p.get(&SESSION_TIMEOUT)?,
        snapshot_hold: p.get(&SNAPSHOT_HOLD)?,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
        voters,
        changes,
        membership: p.get(&MEMBERSHIP)?,
        catchup_entries: p.get(&CATCHUP_ENTRIES)?,
        reorder_buffer: p.get(&REORDER_BUFFER)?,
        ignore_votes_with_leader: p.get(&IGNORE_VOTES_WITH_LEADER)?,
    })
}

pub use crate::protocols::replicated_kv::workload;

/// The end-of-run history check a scenario asked for, if any
/// (`[check] history = "linearizable"`).
pub fn history_check<N: RaftLabNode>(
    scenario: &Scenario,
) -> Result<Option<Invariant<N>>, ScenarioError> {
    let chosen = engine::history_check(scenario, &FACTS)?;
    Ok(chosen.map(|_| Invariant::linearizable(Model::Kv, HISTORY_STEPS)))
}

/// A client operation was applied somewhere (so a run without any cannot
/// pass vacuously).
pub fn client_op_applied<N: RaftLabNode>() -> Invariant<N> {
    Invariant::sometimes("client-op-applied", |sim: &Sim<N>| {
        sim.live_nodes().any(|(_, n)| !n.kv().sessions.is_empty())
    })
}

/// The configured builder (before `build`), for tests that want to adjust it
/// and for the Raft labs (any [`RaftLabNode`]: the student's node gets the
/// same parameters, workload, faults and checks as the reference).
pub fn configured<N: RaftLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<SimBuilder<N>, ScenarioError> {
    configured_with(scenario, options, N::new)
}

/// [`configured`] with nodes made by `make` instead of `N::new` (the labs'
/// `DynRaft` wraps the student's constructor).
pub fn configured_with<N: RaftLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
    make: fn(Arc<Params>, NodeId, u32) -> N,
) -> Result<SimBuilder<N>, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let params = params(&mut p, scenario.nodes)?;
    p.finish()?;
    let workload: Option<Box<dyn Workload>> = match &scenario.workload {
        Some(w) => {
            let mut wp = w.params.reader();
            let kv = workload(&mut wp)?;
            wp.finish()?;
            Some(Box::new(kv))
        }
        None => None,
    };
    let has_clients = workload.is_some();
    let history = history_check(scenario)?;
    let b = builder_with(params, scenario.nodes, scenario.seed, make);
    let mut b = configure(b, scenario, &FACTS, workload, options)?;
    if has_clients {
        b = b.invariant(client_op_applied());
    }
    if let Some(check) = history {
        b = b.invariant(check);
    }
    Ok(b)
}

/// `[protocol]`: [`PARAMS`] and `bugs`. `[workload] kind = "kv"`: see
/// [`workload`].
/// `[check] history = "linearizable"` checks the client history.
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    Ok(Box::new(configured::<Raft>(scenario, options)?.build()))
}
