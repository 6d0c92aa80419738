//! Building a SWIM simulation from a scenario file.

use super::{builder, Bug, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::DynSim;

/// What SWIM offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "swim",
    roles: &[],
    workloads: &[],
    histories: &[],
};

/// Read `[protocol]`: `period` (default 200ms), `ack_timeout` (default 80ms,
/// less than `period`), `indirect` (0..=16, default 3), `suspicion` (default
/// 1s), `retransmit_mult` (1..=16, default 3), `max_piggyback` (1..=64,
/// default 8), `bug` (none|no-incarnation).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let d = Params::default();
    let mut p = scenario.protocol_params.reader();
    let period = p.positive_duration("period", d.period)?;
    let ack_timeout = p.duration("ack_timeout", d.ack_timeout)?;
    if ack_timeout.as_nanos() == 0 || ack_timeout >= period {
        let message = format!(
            "ack_timeout ({ack_timeout}) must be more than 0 and less than period ({period})"
        );
        return Err(p.error_at("ack_timeout", message));
    }
    let indirect = p.u64_in("indirect", 3, 0..=16)? as u32;
    let suspicion = p.duration("suspicion", d.suspicion)?;
    let retransmit_mult = p.u64_in("retransmit_mult", 3, 1..=16)? as u32;
    let max_piggyback = p.u64_in("max_piggyback", 8, 1..=64)? as usize;
    let bug = p.one_of("bug", "none", &Bug::NAMES)?;
    p.finish()?;
    Ok(Params {
        period,
        ack_timeout,
        indirect,
        suspicion,
        retransmit_mult,
        max_piggyback,
        bug: (bug == "no-incarnation").then_some(Bug::NoIncarnation),
    })
}

/// Build the simulation (SWIM takes no client workload).
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let b = builder(params(scenario)?, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, None, options)?.build(),
    ))
}
