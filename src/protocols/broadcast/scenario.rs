//! Building a broadcast simulation from a scenario file: the shipped
//! protocol ([`build`]) and a lab's build over any [`BroadcastLabNode`]
//! ([`build_lab`]), which also reads the part-B targets.

use super::{
    builder, lab_builder, BroadcastLabNode, BroadcastWorkload, Bug, Params, Targets, Topology,
};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{ParamReader, Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio, SimTime};
use crate::workload::Workload;

/// What broadcast offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "broadcast",
    roles: &[],
    workloads: &["broadcast"],
    histories: &[],
};

/// `topology`, `retry` and `bug`.
fn read_params(p: &mut ParamReader<'_>) -> Result<Params, ScenarioError> {
    let topology = p.one_of("topology", "total", &Topology::NAMES)?;
    let retry = p.positive_duration("retry", Params::default().retry)?;
    let bug = p.one_of("bug", "none", &Bug::NAMES)?;
    Ok(Params {
        topology: Topology::from_name(topology).unwrap_or(Topology::Total),
        retry,
        bug: Bug::from_name(bug).flatten(),
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

/// `[protocol]`: `topology` (line|ring|grid|tree|total, default total),
/// `retry` (default 100ms), `bug` (none|no-retransmit|forget-on-restart).
/// `[workload]`: `read_ratio` (0..=1, default 0.2).
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut p = scenario.protocol_params.reader();
    let params = read_params(&mut p)?;
    p.finish()?;
    let workload = workload(scenario)?;
    let b = builder(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}

/// A lab's build with the node type `S` ([`lab_builder`]): the keys of
/// [`build`] (only the reference reads `bug`), and the optional part-B
/// targets `target_messages_per_broadcast` (a number), `target_latency_p50`
/// and `target_latency_p99` (durations).
pub fn build_lab<S: BroadcastLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut p = scenario.protocol_params.reader();
    let params = read_params(&mut p)?;
    let messages = p.f64_in("target_messages_per_broadcast", 0.0, 0.0..=1e9)?;
    let p50 = p.duration("target_latency_p50", SimTime::ZERO)?;
    let p99 = p.duration("target_latency_p99", SimTime::ZERO)?;
    p.finish()?;
    let targets = Targets {
        messages_per_broadcast: (messages > 0.0).then_some(messages),
        latency_p50: (p50 > SimTime::ZERO).then_some(p50),
        latency_p99: (p99 > SimTime::ZERO).then_some(p99),
    };
    let workload = workload(scenario)?;
    let b = lab_builder::<S>(params, targets, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}
