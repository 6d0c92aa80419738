//! Building a bully simulation from a scenario file.

use super::{builder, Bug, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{DynSim, SimTime};

/// What the bully algorithm offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "bully",
    roles: &["leader", "candidate", "follower"],
    workloads: &[],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// The bully algorithm's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    HEARTBEAT.decl,
    LEADER_TIMEOUT.decl,
    ANSWER_TIMEOUT.decl,
    COORDINATOR_TIMEOUT.decl,
    SPLIT_BRAIN_GRACE.decl,
];

pub(crate) const HEARTBEAT: Param<SimTime> = Param::positive_duration(
    "heartbeat",
    SimTime::from_millis(100),
    "the leader tells every node it leads this often; followers check their leader this often",
);
pub(crate) const LEADER_TIMEOUT: Param<SimTime> = Param::positive_duration(
    "leader_timeout",
    SimTime::from_millis(350),
    "a follower that has not heard its leader for this long starts an election; more than `heartbeat`",
);
pub(crate) const ANSWER_TIMEOUT: Param<SimTime> = Param::positive_duration(
    "answer_timeout",
    SimTime::from_millis(50),
    "an election waits this long for a higher node's answer, then declares itself leader",
);
pub(crate) const COORDINATOR_TIMEOUT: Param<SimTime> = Param::positive_duration(
    "coordinator_timeout",
    SimTime::from_millis(200),
    "after an answer, wait this long for the winner's announcement, then start over",
);
pub(crate) const SPLIT_BRAIN_GRACE: Param<SimTime> = Param::positive_duration(
    "split_brain_grace",
    SimTime::from_secs(1),
    "the `one-leader` check: two nodes leading at once for longer than this is a split brain",
);

/// Read `[protocol]` ([`PARAMS`] and `bugs`).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let heartbeat = p.get(&HEARTBEAT)?;
    let leader_timeout = p.get(&LEADER_TIMEOUT)?;
    if leader_timeout <= heartbeat {
        let message = format!(
            "leader_timeout ({leader_timeout}) must be more than heartbeat ({heartbeat}): else every follower starts an election between two heartbeats"
        );
        return Err(p.error_at("leader_timeout", message));
    }
    let params = Params {
        heartbeat,
        leader_timeout,
        answer_timeout: p.get(&ANSWER_TIMEOUT)?,
        coordinator_timeout: p.get(&COORDINATOR_TIMEOUT)?,
        split_brain_grace: p.get(&SPLIT_BRAIN_GRACE)?,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
    };
    p.finish()?;
    Ok(params)
}

/// Build the simulation (the bully algorithm takes no client workload).
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let b = builder(params(scenario)?, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, None, options)?.build(),
    ))
}
