//! Building a two-phase-commit simulation from a scenario file.

use super::{builder, BankWorkload, Bug, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio, SimTime};
use crate::workload::Workload;

/// What two-phase commit offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "two-pc",
    roles: &["coordinator", "participant"],
    workloads: &["bank"],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// Two-phase commit's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    ACCOUNTS.decl,
    INITIAL_BALANCE.decl,
    VOTE_TIMEOUT.decl,
    DECISION_TIMEOUT.decl,
    RETRY.decl,
    COOPERATIVE.decl,
];

pub(crate) const ACCOUNTS: Param<u32> = Param::integer(
    "accounts",
    8,
    2,
    1000,
    "accounts, spread over the participants",
);
pub(crate) const INITIAL_BALANCE: Param<i64> = Param::integer(
    "initial_balance",
    100,
    0,
    1_000_000,
    "every account's opening balance",
);
pub(crate) const VOTE_TIMEOUT: Param<SimTime> = Param::duration(
    "vote_timeout",
    SimTime::from_millis(500),
    "the coordinator aborts a transaction still missing a vote after this",
);
pub(crate) const DECISION_TIMEOUT: Param<SimTime> = Param::duration(
    "decision_timeout",
    SimTime::from_secs(1),
    "a prepared participant is in doubt after this without a decision",
);
pub(crate) const RETRY: Param<SimTime> = Param::positive_duration(
    "retry",
    SimTime::from_millis(200),
    "resend prepares, decisions and in-doubt queries this often",
);
pub(crate) const COOPERATIVE: Param<bool> = Param::flag(
    "cooperative",
    false,
    "in-doubt participants also ask each other (cooperative termination)",
);

/// Read `[protocol]` ([`PARAMS`] and `bugs`).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let params = Params {
        accounts: p.get(&ACCOUNTS)?,
        initial_balance: p.get(&INITIAL_BALANCE)?,
        vote_timeout: p.get(&VOTE_TIMEOUT)?,
        decision_timeout: p.get(&DECISION_TIMEOUT)?,
        retry: p.get(&RETRY)?,
        cooperative: p.get(&COOPERATIVE)?,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
    };
    p.finish()?;
    Ok(params)
}

/// Read `[workload] kind = "bank"`: `max_amount` (1..=99, default 20) and
/// `audit_ratio` (0..=1, default 0.2); `None` without a workload.
pub fn workload(
    scenario: &Scenario,
    params: &Params,
) -> Result<Option<Box<dyn Workload>>, ScenarioError> {
    let Some(w) = &scenario.workload else {
        return Ok(None);
    };
    let mut wp = w.params.reader();
    let max_amount = wp.u64_in("max_amount", 20, 1..=99)? as i64;
    let audit_ratio = wp.f64_in("audit_ratio", 0.2, 0.0..=1.0)?;
    wp.finish()?;
    Ok(Some(Box::new(BankWorkload {
        accounts: params.accounts,
        max_amount,
        audit_ratio: Ratio::from_probability(audit_ratio),
    })))
}

/// Two-phase commit needs a coordinator and a participant.
pub fn check_nodes(scenario: &Scenario) -> Result<(), ScenarioError> {
    if scenario.nodes < 2 {
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            format!(
                "two-pc needs at least 2 nodes (a coordinator and a participant), got {}",
                scenario.nodes
            ),
        ));
    }
    Ok(())
}

/// `[protocol]` as in [`params`]; `[workload] kind = "bank"` with
/// `max_amount` (1..=99, default 20) and `audit_ratio` (0..=1, default 0.2).
/// Needs at least two nodes: a coordinator and a participant.
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    check_nodes(scenario)?;
    let workload = workload(scenario, &params)?;
    let b = builder(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}
