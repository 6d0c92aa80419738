//! Building a service-discovery simulation from a scenario file.

use super::{builder, Bug, CallsWorkload, OnStale, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{DynSim, SimTime};
use crate::workload::Workload;

/// What service discovery offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "service-discovery",
    roles: &["registry", "instance", "caller"],
    workloads: &["calls"],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// Service discovery's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    INSTANCES.decl,
    HEARTBEAT.decl,
    TTL.decl,
    HEALTHY_AFTER.decl,
    HEALTH_CHECK.decl,
    UNHEALTHY_AFTER.decl,
    REFRESH.decl,
    ON_STALE.decl,
    MAX_STALENESS.decl,
    CALL_TIMEOUT.decl,
    MAX_ATTEMPTS.decl,
];

pub(crate) const INSTANCES: Param<u32> = Param::integer(
    "instances",
    3,
    1,
    1000,
    "instances of the service: n1..=instances (n0 is the registry, the nodes after the instances are callers)",
);
pub(crate) const HEARTBEAT: Param<SimTime> = Param::positive_duration(
    "heartbeat",
    SimTime::from_millis(300),
    "an instance heartbeats to the registry this often (a heartbeat registers it)",
);
pub(crate) const TTL: Param<SimTime> = Param::positive_duration(
    "ttl",
    SimTime::from_secs(1),
    "the registry lists an instance while its last heartbeat is at most this old; more than `heartbeat`",
);
pub(crate) const HEALTHY_AFTER: Param<u32> = Param::integer(
    "healthy_after",
    1,
    1,
    100,
    "heartbeats in a row (each within `ttl` of the last) before an expired or new instance is listed: flap damping",
);
pub(crate) const HEALTH_CHECK: Param<SimTime> = Param::duration(
    "health_check",
    SimTime::ZERO,
    "the registry pings every instance this often, through the path that serves calls; 0s: no health checks",
);
pub(crate) const UNHEALTHY_AFTER: Param<u32> = Param::integer(
    "unhealthy_after",
    2,
    1,
    100,
    "health checks missed in a row that unlist an instance (until it answers one again)",
);
pub(crate) const REFRESH: Param<SimTime> = Param::positive_duration(
    "refresh",
    SimTime::from_secs(1),
    "a caller looks the service up this often and keeps the last answer",
);
pub(crate) const ON_STALE: Param<&'static str> = Param::one_of(
    "on_stale",
    "serve",
    &["serve", "fail"],
    "a caller whose view is older than `max_staleness`: serve keeps calling from it (availability), fail refuses calls (consistency)",
);
pub(crate) const MAX_STALENESS: Param<SimTime> = Param::positive_duration(
    "max_staleness",
    SimTime::from_secs(3),
    "with on_stale = \"fail\": the oldest view a caller still calls from",
);
pub(crate) const CALL_TIMEOUT: Param<SimTime> = Param::positive_duration(
    "call_timeout",
    SimTime::from_millis(100),
    "a call attempt unanswered after this is tried on the next instance",
);
pub(crate) const MAX_ATTEMPTS: Param<u32> = Param::integer(
    "max_attempts",
    2,
    1,
    100,
    "attempts per call, the first included",
);

/// `on_stale`'s value as read.
pub(crate) fn on_stale(name: &str) -> OnStale {
    match name {
        "fail" => OnStale::Fail,
        _ => OnStale::Serve,
    }
}

/// Read `[protocol]` ([`PARAMS`] and `bugs`).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let instances = p.get(&INSTANCES)?;
    let heartbeat = p.get(&HEARTBEAT)?;
    let ttl = p.get(&TTL)?;
    if ttl <= heartbeat {
        let message = format!(
            "ttl ({ttl}) must be more than heartbeat ({heartbeat}): every instance would expire between two heartbeats"
        );
        return Err(p.error_at("ttl", message));
    }
    let params = Params {
        instances,
        heartbeat,
        ttl,
        healthy_after: p.get(&HEALTHY_AFTER)?,
        health_check: p.get(&HEALTH_CHECK)?,
        unhealthy_after: p.get(&UNHEALTHY_AFTER)?,
        refresh: p.get(&REFRESH)?,
        on_stale: on_stale(p.get(&ON_STALE)?),
        max_staleness: p.get(&MAX_STALENESS)?,
        call_timeout: p.get(&CALL_TIMEOUT)?,
        max_attempts: p.get(&MAX_ATTEMPTS)?,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
    };
    p.finish()?;
    Ok(params)
}

/// A registry, the instances and at least one caller.
pub fn check_nodes(scenario: &Scenario, params: &Params) -> Result<(), ScenarioError> {
    let wanted = params.instances + 2;
    if scenario.nodes < wanted {
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            format!(
                "service-discovery with {} instance(s) needs at least {wanted} nodes \
                 (n0 the registry, n1..=n{} the instances, then at least one caller), got {}",
                params.instances, params.instances, scenario.nodes
            ),
        ));
    }
    Ok(())
}

/// `[protocol]` as in [`params`]; `[workload] kind = "calls"` (no
/// parameters).
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    check_nodes(scenario, &params)?;
    let workload: Option<Box<dyn Workload>> = match &scenario.workload {
        Some(w) => {
            w.params.reader().finish()?;
            Some(Box::new(CallsWorkload))
        }
        None => None,
    };
    let b = builder(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}

#[cfg(test)]
mod tests {
    use crate::scenario::{parse, Overrides};

    fn error(nodes: u32, protocol: &str) -> String {
        let text = format!(
            "name = \"x\"\ndescription = \"x\"\nnodes = {nodes}\nduration = \"1s\"\n\
             [protocol]\nname = \"service-discovery\"\n{protocol}\n"
        );
        let scenario = parse("x.toml", &text, &Overrides::default()).expect("parses");
        let checked =
            super::params(&scenario).and_then(|p| super::check_nodes(&scenario, &p).map(|()| p));
        match checked {
            Ok(_) => "ok".into(),
            Err(e) => e.headline(),
        }
    }

    #[test]
    fn parameters_are_validated() {
        assert_eq!(
            error(5, "ttl = \"300ms\""),
            "x.toml:7:7: ttl (300ms) must be more than heartbeat (300ms): every instance would expire between two heartbeats"
        );
        assert!(error(4, "").contains(
            "service-discovery with 3 instance(s) needs at least 5 nodes (n0 the registry, n1..=n3 the instances, then at least one caller), got 4"
        ));
        assert_eq!(error(3, "instances = 1"), "ok");
        assert!(error(5, "on_stale = \"maybe\"").contains("on_stale"));
        assert_eq!(
            error(
                5,
                "bugs = [\"no-expiry\", \"cache-forever\", \"retry-same-instance\"]"
            ),
            "ok"
        );
    }
}
