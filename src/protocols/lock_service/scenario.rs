//! Building a lock-service simulation from a scenario file.

use super::{builder, Bug, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{DynSim, SimTime};

/// What the lock service offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "lock-service",
    roles: &["lock-service", "storage", "holder", "lock-holder"],
    workloads: &[],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// The lock service's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    LEASE.decl,
    RENEW_EVERY.decl,
    RETRY.decl,
    WORK.decl,
    HOLD_WRITES.decl,
    REST.decl,
    GIVEN_PARTS.decl,
];

pub(crate) const LEASE: Param<SimTime> = Param::positive_duration(
    "lease",
    SimTime::from_secs(1),
    "how long a grant or a renewal lasts, on the service's clock (the holder counts it from when it asked)",
);
pub(crate) const RENEW_EVERY: Param<SimTime> = Param::positive_duration(
    "renew_every",
    SimTime::from_millis(300),
    "a holder renews its lease this often; less than `lease`",
);
pub(crate) const RETRY: Param<SimTime> = Param::positive_duration(
    "retry",
    SimTime::from_millis(100),
    "a holder without the lock asks again this often",
);
pub(crate) const WORK: Param<SimTime> = Param::positive_duration(
    "work",
    SimTime::from_millis(100),
    "time to produce one write, between the lease check and the send; a write starts only if the lease outlasts twice this",
);
pub(crate) const HOLD_WRITES: Param<u32> = Param::integer(
    "hold_writes",
    5,
    1,
    1000,
    "writes a holder makes before it releases the lock",
);
pub(crate) const REST: Param<SimTime> = Param::duration(
    "rest",
    SimTime::from_millis(300),
    "a holder waits this long after releasing (or losing) the lock before asking again",
);

pub(crate) const GIVEN_PARTS: Param<Vec<&'static str>> = Param::list_of(
    "given_parts",
    &super::lab::PARTS,
    "lab 11 only: parts whose rules are the reference's in a lab build (earlier parts graded first)",
);

/// Read `[protocol]` ([`PARAMS`] and `bugs`).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let lease = p.get(&LEASE)?;
    let renew_every = p.get(&RENEW_EVERY)?;
    if renew_every >= lease {
        let message = format!("renew_every ({renew_every}) must be less than lease ({lease})");
        return Err(p.error_at("renew_every", message));
    }
    let work = p.get(&WORK)?;
    if work + work >= lease {
        let message = format!("work ({work}) must be less than half the lease ({lease})");
        return Err(p.error_at("work", message));
    }
    let params = Params {
        lease,
        renew_every,
        retry: p.get(&RETRY)?,
        work,
        hold_writes: p.get(&HOLD_WRITES)?,
        rest: p.get(&REST)?,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
        hooks: super::lab::Hooks::default(),
        given_parts: given_parts(p.get(&GIVEN_PARTS)?),
    };
    p.finish()?;
    Ok(params)
}

/// `given_parts` as read, sorted, without repeats.
fn given_parts(parts: Vec<&str>) -> Vec<String> {
    let mut parts: Vec<String> = parts.into_iter().map(str::to_string).collect();
    parts.sort();
    parts.dedup();
    parts
}

/// The lock service needs a service, a storage and two holders.
pub fn check_nodes(scenario: &Scenario) -> Result<(), ScenarioError> {
    if scenario.nodes < 4 {
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            format!(
                "lock-service needs at least 4 nodes (n0 the lock service, n1 the storage, \
                 n2.. at least two holders), got {}",
                scenario.nodes
            ),
        ));
    }
    Ok(())
}

/// Build the simulation (no client workload: the holders are the clients).
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    check_nodes(scenario)?;
    let b = builder(params(scenario)?, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, None, options)?.build(),
    ))
}

#[cfg(test)]
mod tests {
    use crate::scenario::{parse, Overrides};

    fn error(nodes: u32, protocol: &str) -> String {
        let text = format!(
            "name = \"x\"\ndescription = \"x\"\nnodes = {nodes}\nduration = \"1s\"\n\
             [protocol]\nname = \"lock-service\"\n{protocol}\n"
        );
        let scenario = parse("x.toml", &text, &Overrides::default()).expect("parses");
        let checked = super::check_nodes(&scenario).and_then(|()| super::params(&scenario));
        match checked {
            Ok(_) => "ok".into(),
            Err(e) => e.headline(),
        }
    }

    #[test]
    fn parameters_are_validated() {
        assert_eq!(
            error(4, "renew_every = \"1s\""),
            "x.toml:7:15: renew_every (1s) must be less than lease (1s)"
        );
        assert_eq!(
            error(4, "work = \"500ms\""),
            "x.toml:7:8: work (500ms) must be less than half the lease (1s)"
        );
        assert!(error(3, "").contains("needs at least 4 nodes"));
        assert_eq!(
            error(4, "bugs = [\"no-fencing\", \"volatile-token\"]"),
            "ok"
        );
    }
}
