//! Building a two-phase-commit simulation from a scenario file.

use super::{builder, BankWorkload, Bug, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio};
use crate::workload::Workload;

/// What two-phase commit offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "two-pc",
    roles: &["coordinator", "participant"],
    workloads: &["bank"],
    histories: &[],
};

/// Read `[protocol]`: `accounts` (2..=1000, default 8), `initial_balance`
/// (default 100), `vote_timeout` (500ms), `decision_timeout` (1s), `retry`
/// (200ms), `cooperative` (false), `bug` (none|send-before-log|
/// forget-prepared|unilateral-abort|presume-commit|early-unlock).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let d = Params::default();
    let mut p = scenario.protocol_params.reader();
    let accounts = p.u64_in("accounts", u64::from(d.accounts), 2..=1000)? as u32;
    let initial_balance = p.u64_in("initial_balance", d.initial_balance as u64, 0..=1_000_000)?;
    let vote_timeout = p.duration("vote_timeout", d.vote_timeout)?;
    let decision_timeout = p.duration("decision_timeout", d.decision_timeout)?;
    let retry = p.positive_duration("retry", d.retry)?;
    let cooperative = p.bool("cooperative", d.cooperative)?;
    let bug = p.one_of("bug", "none", &Bug::NAMES)?;
    p.finish()?;
    Ok(Params {
        accounts,
        initial_balance: initial_balance as i64,
        vote_timeout,
        decision_timeout,
        retry,
        cooperative,
        bug: Bug::from_name(bug).flatten(),
    })
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
