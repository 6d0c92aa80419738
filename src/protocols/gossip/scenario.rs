//! Building a gossip simulation from a scenario file.

use super::{
    builder, lab_builder, Bug, GossipLabNode, GossipTopology, GossipWorkload, Mode, Params,
    StopRule,
};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio};
use crate::workload::Workload;

/// What gossip offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "gossip",
    roles: &[],
    workloads: &["set"],
    histories: &[],
};

/// Read `[protocol]`: `mode` (push|pull|push-pull|rumor, default push-pull),
/// `fanout` (1..=64, default 2), `interval` (default 100ms), `topology`
/// (line|ring|grid|tree|total|random-regular, default total), `degree`
/// (random-regular, 1..=64, default 3), `stop` (feedback|counter, default
/// feedback), `stop_k` (counter, 1..=100, default 2), `anti_entropy` (rumor
/// backup period, default "0" = off), `bug` (none|rumor-stops-early|no-anti-entropy).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let defaults = Params::default();
    let mut p = scenario.protocol_params.reader();
    let mode = p.one_of("mode", "push-pull", &Mode::NAMES)?;
    let fanout = p.u64_in("fanout", 2, 1..=64)? as u32;
    let interval = p.duration("interval", defaults.interval)?;
    if interval.as_nanos() == 0 {
        return Err(p.error_at("interval", "interval must be more than 0"));
    }
    let topology = p.one_of("topology", "total", &GossipTopology::NAMES)?;
    let degree = p.u64_in("degree", 3, 1..=64)? as u32;
    let stop = p.one_of("stop", "feedback", &["feedback", "counter"])?;
    let stop_k = p.u64_in("stop_k", 2, 1..=100)? as u32;
    let anti_entropy = p.duration("anti_entropy", defaults.anti_entropy)?;
    let bug = p.one_of("bug", "none", &Bug::NAMES)?;
    p.finish()?;
    Ok(Params {
        mode: Mode::from_name(mode).unwrap_or(Mode::PushPull),
        fanout,
        interval,
        topology: GossipTopology::from_name(topology, degree).unwrap_or(defaults.topology),
        stop: if stop == "counter" {
            StopRule::Counter(stop_k)
        } else {
            StopRule::Feedback
        },
        anti_entropy,
        bug: Bug::from_name(bug).flatten(),
    })
}

/// `[workload] kind = "set"`: `read_ratio` (0..=1, default 0.2).
fn workload(scenario: &Scenario) -> Result<Option<Box<dyn Workload>>, ScenarioError> {
    let Some(w) = &scenario.workload else {
        return Ok(None);
    };
    let mut wp = w.params.reader();
    let read_ratio = wp.f64_in("read_ratio", 0.2, 0.0..=1.0)?;
    wp.finish()?;
    let read_ratio = Ratio::from_probability(read_ratio);
    Ok(Some(Box::new(GossipWorkload { read_ratio })))
}

/// Build the simulation. `[workload] kind = "set"`: `read_ratio` (0..=1,
/// default 0.2).
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    let workload = workload(scenario)?;
    let b = builder(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}

/// A lab's build with the node type `G` ([`lab_builder`]): the shipped
/// keys (only the reference reads `mode`, `stop`, `anti_entropy` and
/// `bug`).
pub fn build_lab<G: GossipLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    let workload = workload(scenario)?;
    let b = lab_builder::<G>(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}
