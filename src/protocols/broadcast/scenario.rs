//! Building a broadcast simulation from a scenario file.

use super::{builder, BroadcastWorkload, Bug, Params, Topology};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio};
use crate::workload::Workload;

/// What broadcast offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "broadcast",
    roles: &[],
    workloads: &["broadcast"],
    histories: &[],
};

/// `[protocol]`: `topology` (line|ring|grid|tree|total, default total),
/// `retry` (default 100ms), `bug` (none|no-retransmit|forget-on-restart).
/// `[workload]`: `read_ratio` (0..=1, default 0.2).
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut p = scenario.protocol_params.reader();
    let topology = p.one_of("topology", "total", &Topology::NAMES)?;
    let retry = p.positive_duration("retry", Params::default().retry)?;
    let bug = p.one_of("bug", "none", &Bug::NAMES)?;
    p.finish()?;
    let params = Params {
        topology: Topology::from_name(topology).unwrap_or(Topology::Total),
        retry,
        bug: Bug::from_name(bug).flatten(),
    };
    let workload: Option<Box<dyn Workload>> = match &scenario.workload {
        Some(w) => {
            let mut wp = w.params.reader();
            let read_ratio = wp.f64_in("read_ratio", 0.2, 0.0..=1.0)?;
            wp.finish()?;
            let read_ratio = Ratio::from_probability(read_ratio);
            Some(Box::new(BroadcastWorkload { read_ratio }))
        }
        None => None,
    };
    let b = builder(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}
