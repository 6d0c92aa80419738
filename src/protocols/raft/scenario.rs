//! Building a Raft simulation from a scenario file.

use super::checks::RaftLabNode;
use super::{builder, Bug, KvWorkload, Params, Raft};
use crate::check::linearizability::Model;
use crate::scenario::engine::{self, configure, BuildOptions, ProtocolFacts};
use crate::scenario::{ParamReader, Scenario, ScenarioError};
use crate::sim::Invariant;
use crate::sim::{DynSim, Sim, SimBuilder};
use crate::workload::Workload;

/// What Raft offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "raft",
    roles: &["leader", "follower", "candidate"],
    workloads: &["kv"],
    histories: &["linearizable"],
};

/// Step budget of the linearizability search (deterministic; an exhausted
/// budget reports `unknown`).
pub const HISTORY_STEPS: u64 = 5_000_000;

/// Read `[protocol]` (see [`Params`] for keys and defaults).
pub fn params(p: &mut ParamReader<'_>) -> Result<Params, ScenarioError> {
    let d = Params::default();
    let election_timeout = p.duration_range(
        "election_timeout",
        d.election_timeout.0,
        d.election_timeout.1,
    )?;
    if election_timeout.0.as_nanos() == 0 {
        return Err(p.error_at("election_timeout", "election_timeout must be more than 0"));
    }
    let heartbeat = p.duration("heartbeat", d.heartbeat)?;
    if heartbeat.as_nanos() == 0 || heartbeat >= election_timeout.0 {
        let message = format!(
            "heartbeat ({heartbeat}) must be more than 0 and less than the minimum election timeout ({})",
            election_timeout.0
        );
        return Err(p.error_at("heartbeat", message));
    }
    let prevote = p.bool("prevote", d.prevote)?;
    let check_quorum = p.bool("check_quorum", d.check_quorum)?;
    let snapshot_every = p.u64("snapshot_every", d.snapshot_every)?;
    let max_entries = p.u64_in("max_entries", d.max_entries as u64, 1..=10_000)? as usize;
    let bugs = p
        .strings_in("bugs", &Bug::NAMES)?
        .into_iter()
        .filter_map(Bug::from_name)
        .collect();
    Ok(Params {
        election_timeout,
        heartbeat,
        prevote,
        check_quorum,
        snapshot_every,
        max_entries,
        bugs,
    })
}

/// Read `[workload]` (kind `kv`): `keys` (1..=1000, default 3), and the
/// shares of operations `read_ratio` (default 0.25), `append_ratio` (0.3),
/// `cas_ratio` (0.15); puts take the rest.
pub fn workload(p: &mut ParamReader<'_>) -> Result<KvWorkload, ScenarioError> {
    let keys = p.u64_in("keys", 3, 1..=1000)?;
    let read = p.f64_in("read_ratio", 0.25, 0.0..=1.0)?;
    let append = p.f64_in("append_ratio", 0.3, 0.0..=1.0)?;
    let cas = p.f64_in("cas_ratio", 0.15, 0.0..=1.0)?;
    let per_mille = |x: f64| (x * 1000.0).round() as u64;
    let (read, append, cas) = (per_mille(read), per_mille(append), per_mille(cas));
    let Some(put) = 1000u64.checked_sub(read + append + cas) else {
        let message = "read_ratio + append_ratio + cas_ratio must not be more than 1";
        return Err(p.error_at("read_ratio", message));
    };
    Ok(KvWorkload {
        keys,
        weights: [read, put, append, cas],
    })
}

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
    let mut p = scenario.protocol_params.reader();
    let params = params(&mut p)?;
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
    let b = builder(params, scenario.nodes, scenario.seed);
    let mut b = configure(b, scenario, &FACTS, workload, options)?;
    if has_clients {
        b = b.invariant(client_op_applied());
    }
    if let Some(check) = history {
        b = b.invariant(check);
    }
    Ok(b)
}

/// `[protocol]`: `election_timeout` ({min, max}, default 150–300 ms),
/// `heartbeat` (50 ms), `prevote` (false), `check_quorum` (true),
/// `snapshot_every` (100; 0 = never), `max_entries` (64), `bugs` (list of
/// [`Bug::NAMES`]). `[workload] kind = "kv"`: see [`workload`].
/// `[check] history = "linearizable"` checks the client history.
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    Ok(Box::new(configured::<Raft>(scenario, options)?.build()))
}
