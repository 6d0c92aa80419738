//! From a scenario file (or code) to a simulation, and the registry entry
//! that makes `protocol = "chain-replication"` mean this crate.

use crate::checks;
use crate::node::ChainNode;
use crate::workload::KvWorkload;
use crate::{Bug, Params};
use distlab::registry::ProtocolEntry;
use distlab::scenario::engine::{self, configure, BuildOptions, ProtocolFacts};
use distlab::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use distlab::sim::{DynSim, Ratio, SimBuilder, SimTime};
use distlab::workload::Workload;
use std::sync::Arc;

/// What the protocol offers scenario files: its name, the roles fault
/// targets may use (`crash = "tail"`), its workload and its history check.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "chain-replication",
    roles: &["master", "head", "middle", "tail", "joining", "out"],
    workloads: &["kv"],
    histories: &["linearizable"],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// The `[protocol]` keys: each declared once, with its default, range and
/// meaning (`chain-replication list --params chain-replication` prints
/// them, with the bug switches).
pub const PARAMS: &[ParamDecl] = &[
    HEARTBEAT.decl,
    SUSPECT_AFTER.decl,
    LEASE.decl,
    RESEND_AFTER.decl,
    BATCH.decl,
];

/// `heartbeat`.
pub const HEARTBEAT: Param<SimTime> = Param::positive_duration(
    "heartbeat",
    SimTime::from_millis(100),
    "every replica reports to the master this often",
);
/// `suspect_after`.
pub const SUSPECT_AFTER: Param<SimTime> = Param::positive_duration(
    "suspect_after",
    SimTime::from_millis(700),
    "the master removes a replica not heard from for this long",
);
/// `lease`.
pub const LEASE: Param<SimTime> = Param::positive_duration(
    "lease",
    SimTime::from_millis(400),
    "the tail answers reads only this long after the master's last grant; less than `suspect_after`",
);
/// `resend_after`.
pub const RESEND_AFTER: Param<SimTime> = Param::positive_duration(
    "resend_after",
    SimTime::from_millis(200),
    "a replica resends updates its successor has not acknowledged after this",
);
/// `batch`.
pub const BATCH: Param<usize> = Param::integer(
    "batch",
    64,
    1,
    10_000,
    "at most this many entries per message",
);

/// The protocol for distlab's registry: the binary's `main` and the tests
/// that run scenario files register it.
pub fn entry() -> ProtocolEntry {
    ProtocolEntry {
        summary: "chain replication: writes at the head, reads and acks at the tail, a master repairs the chain",
        facts: FACTS,
        build,
    }
}

/// Node 0 is the master, the others the chain; every run checks
/// `prefix-order` after each step and `chain-repaired` and `writes-kept`
/// at the end.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<ChainNode> {
    let params = Arc::new(params);
    SimBuilder::new(nodes, seed, move |id, n| {
        ChainNode::new(id, n, Arc::clone(&params))
    })
    .invariant(checks::prefix_order())
    .invariant(checks::chain_repaired())
    .invariant(checks::writes_kept())
    .metrics(|sim| {
        let config = checks::newest_config(sim);
        let epoch = config.map_or(0, |c| c.epoch);
        let chain = config.map_or(String::new(), crate::node::show_chain);
        vec![("epoch".into(), epoch.to_string()), ("chain".into(), chain)]
    })
}

/// Read `[protocol]` ([`PARAMS`] and `bugs`).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let suspect_after = p.get(&SUSPECT_AFTER)?;
    let lease = p.get(&LEASE)?;
    if lease >= suspect_after {
        let message = format!(
            "lease ({lease}) must be less than suspect_after ({suspect_after}): the master must not replace a tail whose lease may still run"
        );
        return Err(p.error_at("lease", message));
    }
    let params = Params {
        heartbeat: p.get(&HEARTBEAT)?,
        suspect_after,
        lease,
        resend_after: p.get(&RESEND_AFTER)?,
        batch: p.get(&BATCH)?,
        bugs: p.bugs::<Bug>()?,
    };
    p.finish()?;
    Ok(params)
}

/// `[workload] kind = "kv"`: `keys` (1..=100, default 3), `read_ratio`
/// (default 0.5).
pub fn workload(scenario: &Scenario) -> Result<Option<KvWorkload>, ScenarioError> {
    let Some(w) = &scenario.workload else {
        return Ok(None);
    };
    let mut p = w.params.reader();
    let keys = p.u64_in("keys", 3, 1..=100)?;
    let read_ratio = Ratio::from_probability(p.f64_in("read_ratio", 0.5, 0.0..=1.0)?);
    p.finish()?;
    Ok(Some(KvWorkload { keys, read_ratio }))
}

/// The simulation a scenario describes, before `build()`: for tests that
/// want the typed [`SimBuilder`] (and [`distlab::testing::seeds`]).
pub fn configured(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<SimBuilder<ChainNode>, ScenarioError> {
    if scenario.nodes < 2 {
        let message = "chain-replication needs at least 2 nodes: the master (node 0) and a replica";
        return Err(ScenarioError::whole(&scenario.source.origin, message));
    }
    let params = params(scenario)?;
    let workload = workload(scenario)?;
    let history = engine::history_check(scenario, &FACTS)?;
    let has_clients = workload.is_some();
    let workload = workload.map(|w| Box::new(w) as Box<dyn Workload>);
    let b = builder(params, scenario.nodes, scenario.seed);
    let mut b = configure(b, scenario, &FACTS, workload, options)?;
    // Added after `configure`: its `[check] invariants = [...]` selection
    // applies to the protocol's invariants, not to what the scenario asked
    // for explicitly.
    if has_clients {
        b = b.invariant(checks::write_acknowledged());
    }
    if history.is_some() {
        b = b.invariant(checks::linearizable());
    }
    Ok(b)
}

/// Build from a scenario file (the registry calls this).
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    Ok(Box::new(configured(scenario, options)?.build()))
}
