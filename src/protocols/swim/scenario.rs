//! Building a SWIM simulation from a scenario file.

use super::{builder, Bug, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{DynSim, SimTime};

/// What SWIM offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "swim",
    roles: &[],
    workloads: &[],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// SWIM's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    PERIOD.decl,
    ACK_TIMEOUT.decl,
    INDIRECT.decl,
    SUSPICION.decl,
    RETRANSMIT_MULT.decl,
    MAX_PIGGYBACK.decl,
];

pub(crate) const PERIOD: Param<SimTime> = Param::positive_duration(
    "period",
    SimTime::from_millis(200),
    "protocol period: each member probes one other member per period",
);
pub(crate) const ACK_TIMEOUT: Param<SimTime> = Param::positive_duration(
    "ack_timeout",
    SimTime::from_millis(80),
    "wait this long for a direct ack before asking others; less than `period`",
);
pub(crate) const INDIRECT: Param<u32> = Param::integer(
    "indirect",
    3,
    0,
    16,
    "members asked to ping a silent target for the prober (ping-req)",
);
pub(crate) const SUSPICION: Param<SimTime> = Param::duration(
    "suspicion",
    SimTime::from_secs(1),
    "a suspect not refuted within this is declared dead",
);
pub(crate) const RETRANSMIT_MULT: Param<u32> = Param::integer(
    "retransmit_mult",
    3,
    1,
    16,
    "each update is piggybacked this many × ⌈log2(n+1)⌉ times",
);
pub(crate) const MAX_PIGGYBACK: Param<usize> = Param::integer(
    "max_piggyback",
    8,
    1,
    64,
    "most updates piggybacked on one message",
);

/// Read `[protocol]` ([`PARAMS`] and `bugs`).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let period = p.get(&PERIOD)?;
    let ack_timeout = p.get(&ACK_TIMEOUT)?;
    if ack_timeout >= period {
        let message = format!(
            "ack_timeout ({ack_timeout}) must be more than 0 and less than period ({period})"
        );
        return Err(p.error_at("ack_timeout", message));
    }
    let params = Params {
        period,
        ack_timeout,
        indirect: p.get(&INDIRECT)?,
        suspicion: p.get(&SUSPICION)?,
        retransmit_mult: p.get(&RETRANSMIT_MULT)?,
        max_piggyback: p.get(&MAX_PIGGYBACK)?,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
    };
    p.finish()?;
    Ok(params)
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

#[cfg(test)]
mod tests {
    use crate::scenario::{parse, Overrides};

    fn error(protocol: &str) -> String {
        let text = format!(
            "name = \"x\"\ndescription = \"x\"\nnodes = 3\nduration = \"1s\"\n\
             [protocol]\nname = \"swim\"\n{protocol}\n"
        );
        let scenario = parse("x.toml", &text, &Overrides::default()).expect("parses");
        match super::params(&scenario) {
            Ok(_) => "ok".into(),
            Err(e) => e.headline(),
        }
    }

    #[test]
    fn ack_timeout_must_be_positive_and_below_the_period() {
        assert_eq!(
            error("ack_timeout = \"0ms\""),
            "x.toml:7:15: ack_timeout must be more than 0, got \"0ms\""
        );
        assert_eq!(
            error("ack_timeout = \"200ms\""),
            "x.toml:7:15: ack_timeout (200ms) must be more than 0 and less than period (200ms)"
        );
        assert_eq!(error("bugs = [\"no-incarnation\"]"), "ok");
    }
}
