//! Building a three-phase-commit simulation from a scenario file.

use super::super::two_pc::scenario::{workload, ACCOUNTS, INITIAL_BALANCE, VOTE_TIMEOUT};
use super::{builder, Bug, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{DynSim, SimTime};

/// What three-phase commit offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "three-pc",
    roles: &["coordinator", "participant"],
    workloads: &["bank"],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// Three-phase commit's `[protocol]` parameters (the bank's keys and
/// `vote_timeout` are two-phase commit's own declarations).
pub const PARAMS: &[ParamDecl] = &[
    ACCOUNTS.decl,
    INITIAL_BALANCE.decl,
    VOTE_TIMEOUT.decl,
    ACK_TIMEOUT.decl,
    PRECOMMIT_TIMEOUT.decl,
    DOCOMMIT_TIMEOUT.decl,
    TERMINATION_TIMEOUT.decl,
    RETRY.decl,
];

pub(crate) const ACK_TIMEOUT: Param<SimTime> = Param::duration(
    "ack_timeout",
    SimTime::from_millis(500),
    "the coordinator commits after this without every pre-commit ack (the silent are presumed crashed)",
);
pub(crate) const PRECOMMIT_TIMEOUT: Param<SimTime> = Param::positive_duration(
    "precommit_timeout",
    SimTime::from_secs(1),
    "an uncertain participant (voted yes) starts the termination protocol after this; more than `vote_timeout`",
);
pub(crate) const DOCOMMIT_TIMEOUT: Param<SimTime> = Param::positive_duration(
    "docommit_timeout",
    SimTime::from_secs(1),
    "a pre-committed participant starts the termination protocol after this",
);
pub(crate) const TERMINATION_TIMEOUT: Param<SimTime> = Param::positive_duration(
    "termination_timeout",
    SimTime::from_millis(500),
    "a recovery coordinator waits this long for states, then for pre-commit acks; the others wait 3x this for it",
);
pub(crate) const RETRY: Param<SimTime> = Param::positive_duration(
    "retry",
    SimTime::from_millis(200),
    "resend can-commits, pre-commits, decisions and termination messages this often",
);

/// Read `[protocol]` ([`PARAMS`] and `bugs`).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let vote_timeout = p.get(&VOTE_TIMEOUT)?;
    let precommit_timeout = p.get(&PRECOMMIT_TIMEOUT)?;
    if precommit_timeout <= vote_timeout {
        let message = format!(
            "precommit_timeout ({precommit_timeout}) must be more than vote_timeout ({vote_timeout}): else a participant gives up on a coordinator that is still collecting votes"
        );
        return Err(p.error_at("precommit_timeout", message));
    }
    let params = Params {
        accounts: p.get(&ACCOUNTS)?,
        initial_balance: p.get(&INITIAL_BALANCE)?,
        vote_timeout,
        ack_timeout: p.get(&ACK_TIMEOUT)?,
        precommit_timeout,
        docommit_timeout: p.get(&DOCOMMIT_TIMEOUT)?,
        termination_timeout: p.get(&TERMINATION_TIMEOUT)?,
        retry: p.get(&RETRY)?,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
    };
    p.finish()?;
    Ok(params)
}

/// `[protocol]` as in [`params`]; `[workload] kind = "bank"` as two-phase
/// commit reads it (`max_amount`, `audit_ratio`). Needs at least two nodes:
/// a coordinator and a participant.
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    if scenario.nodes < 2 {
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            format!(
                "three-pc needs at least 2 nodes (a coordinator and a participant), got {}",
                scenario.nodes
            ),
        ));
    }
    let workload = workload(scenario, &params.two_pc())?;
    let b = builder(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}
