//! Building a broadcast simulation from a scenario file: the shipped
//! protocol ([`build`]) and a lab's build over any [`BroadcastLabNode`]
//! ([`build_lab`]), which also reads the part-B targets.

use super::{
    builder, lab_builder, BroadcastLabNode, BroadcastSetup, BroadcastWorkload, Bug, Params,
    Targets, Topology,
};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, ParamReader, Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio, SimTime};
use crate::workload::Workload;

/// What broadcast offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "broadcast",
    roles: &[],
    workloads: &["broadcast"],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// Broadcast's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[TOPOLOGY.decl, RETRY.decl];

/// A lab build's `[protocol]` parameters: [`PARAMS`] and the part-B
/// targets (zero: no target).
pub const LAB_PARAMS: &[ParamDecl] = &[
    TOPOLOGY.decl,
    RETRY.decl,
    TARGET_MESSAGES.decl,
    TARGET_P50.decl,
    TARGET_P99.decl,
];

pub(crate) const TOPOLOGY: Param<Topology> = Param::choice(
    "topology",
    "total",
    "neighbour graph: grid is near-square, row by row; tree is binary, rooted at n0",
);
pub(crate) const RETRY: Param<SimTime> = Param::positive_duration(
    "retry",
    SimTime::from_millis(100),
    "resend unacknowledged values this often",
);
const TARGET_MESSAGES: Param<f64> = Param::number(
    "target_messages_per_broadcast",
    0.0,
    0.0,
    1e9,
    "lab 02 part B: most messages per broadcast (0: no target)",
);
const TARGET_P50: Param<SimTime> = Param::duration(
    "target_latency_p50",
    SimTime::ZERO,
    "lab 02 part B: median broadcast latency to aim under (0: no target)",
);
const TARGET_P99: Param<SimTime> = Param::duration(
    "target_latency_p99",
    SimTime::ZERO,
    "lab 02 part B: 99th-percentile broadcast latency to aim under (0: no target)",
);

/// `topology`, `retry` and `bugs`.
fn read_params(p: &mut ParamReader<'_>) -> Result<Params, ScenarioError> {
    Ok(Params {
        topology: p.get(&TOPOLOGY)?,
        retry: p.get(&RETRY)?,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
    })
}

/// `[workload]`: `read_ratio` (0..=1, default 0.2).
fn workload(scenario: &Scenario) -> Result<Option<Box<dyn Workload>>, ScenarioError> {
    let Some(w) = &scenario.workload else {
        return Ok(None);
    };
    let mut wp = w.params.reader();
    let read_ratio = wp.f64_in("read_ratio", 0.2, 0.0..=1.0)?;
    wp.finish()?;
    let read_ratio = Ratio::from_probability(read_ratio);
    Ok(Some(Box::new(BroadcastWorkload { read_ratio })))
}

/// `[protocol]`: [`PARAMS`] and `bugs`. `[workload]`: `read_ratio` (0..=1,
/// default 0.2).
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let params = read_params(&mut p)?;
    p.finish()?;
    let workload = workload(scenario)?;
    let b = builder(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}

/// A lab's build with the node type `S` ([`lab_builder`]): the keys of
/// [`build`] (only the reference reads `bugs`), and the optional part-B
/// targets of [`LAB_PARAMS`].
pub fn build_lab<S: BroadcastLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
    make: fn(&BroadcastSetup) -> S,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut p = scenario.protocol_params.reader_for(LAB_PARAMS, FACTS.bugs);
    let params = read_params(&mut p)?;
    let messages = p.get(&TARGET_MESSAGES)?;
    let p50 = p.get(&TARGET_P50)?;
    let p99 = p.get(&TARGET_P99)?;
    p.finish()?;
    let targets = Targets {
        messages_per_broadcast: (messages > 0.0).then_some(messages),
        latency_p50: (p50 > SimTime::ZERO).then_some(p50),
        latency_p99: (p99 > SimTime::ZERO).then_some(p99),
    };
    let workload = workload(scenario)?;
    let b = lab_builder::<S>(params, targets, scenario.nodes, scenario.seed, make);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}
