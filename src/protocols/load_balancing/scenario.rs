//! Building a load-balancing simulation from a scenario file.

use super::{builder, Bug, KeyWorkload, LoadInfo, Mode, Params, Strategy};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio, SimTime};
use crate::workload::Workload;

/// What the load-balancing protocol offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "load-balancing",
    roles: &["balancer", "instance"],
    workloads: &["keys"],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// The load-balancing protocol's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    MODE.decl,
    BALANCERS.decl,
    STRATEGY.decl,
    VIRTUAL_NODES.decl,
    KEYS.decl,
    REQUEST_TIMEOUT.decl,
    RETRIES.decl,
    RETRY_BUDGET.decl,
    HEDGE_AFTER.decl,
    EJECT_AFTER.decl,
    EJECT_LATENCY.decl,
    EJECT_FOR.decl,
    LOAD_INFO.decl,
    LOAD_REPORT_EVERY.decl,
    HOLD.decl,
    SLOW_START.decl,
];

pub(crate) const MODE: Param<&'static str> = Param::one_of(
    "mode",
    "proxy",
    &["proxy", "client-side"],
    "proxy: one balancer n0 in front of every instance; client-side: `balancers` balancers, each with its own view",
);
pub(crate) const BALANCERS: Param<u32> = Param::integer(
    "balancers",
    4,
    1,
    100,
    "balancer nodes n0.. in client-side mode (proxy mode has one)",
);
pub(crate) const STRATEGY: Param<&'static str> = Param::one_of(
    "strategy",
    "round-robin",
    &[
        "round-robin",
        "random",
        "least-outstanding",
        "two-choices",
        "consistent-hash",
    ],
    "how a balancer chooses an instance",
);
pub(crate) const VIRTUAL_NODES: Param<u32> = Param::integer(
    "virtual_nodes",
    64,
    1,
    1000,
    "points per instance on the consistent-hash ring",
);
pub(crate) const KEYS: Param<u32> =
    Param::integer("keys", 1000, 1, 1_000_000, "keys the workload reads, k0..");
pub(crate) const REQUEST_TIMEOUT: Param<SimTime> = Param::positive_duration(
    "request_timeout",
    SimTime::from_secs(5),
    "a balancer gives up on one attempt after this (then retries or fails the request)",
);
pub(crate) const RETRIES: Param<u32> = Param::integer(
    "retries",
    0,
    0,
    10,
    "retries per request at most, each to an instance not tried yet",
);
pub(crate) const RETRY_BUDGET: Param<Ratio> = Param::probability(
    "retry_budget",
    0.1,
    "retries in all at most this share of the requests a balancer took",
);
pub(crate) const HEDGE_AFTER: Param<SimTime> = Param::duration(
    "hedge_after",
    SimTime::ZERO,
    "send a second copy to another instance after this long without an answer; 0: never",
);
pub(crate) const EJECT_AFTER: Param<u32> = Param::integer(
    "eject_after",
    0,
    0,
    1000,
    "consecutive failures (timeouts, answers slower than eject_latency) that eject an instance; 0: never",
);
pub(crate) const EJECT_LATENCY: Param<SimTime> = Param::duration(
    "eject_latency",
    SimTime::ZERO,
    "an answer slower than this counts as a failure for ejection; 0: only timeouts do",
);
pub(crate) const EJECT_FOR: Param<SimTime> = Param::positive_duration(
    "eject_for",
    SimTime::from_secs(1),
    "how long an ejection lasts (at most half the instances are ejected at once)",
);
pub(crate) const LOAD_INFO: Param<&'static str> = Param::one_of(
    "load_info",
    "local",
    &["local", "shared"],
    "local: a balancer's own outstanding counts; shared: every balancer's counts as of their last reports (the whole load, stale)",
);
pub(crate) const LOAD_REPORT_EVERY: Param<SimTime> = Param::positive_duration(
    "load_report_every",
    SimTime::from_millis(100),
    "how often balancers report their counts to each other (load_info = \"shared\")",
);
pub(crate) const HOLD: Param<SimTime> = Param::duration(
    "hold",
    SimTime::ZERO,
    "an instance answers a request this long after it starts serving it, holding no worker once served (a long-lived request: a stream, a long poll), so outstanding counts open connections; 0: it answers as it serves",
);
pub(crate) const SLOW_START: Param<SimTime> = Param::duration(
    "slow_start",
    SimTime::ZERO,
    "an instance that comes back (its Hello after a restart) ramps from a tenth of a share to a full one over this long (least-outstanding, two-choices); 0: no ramp",
);

/// Read `[protocol]` ([`PARAMS`] and `bugs`).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let mode = match p.get(&MODE)? {
        "client-side" => Mode::ClientSide,
        _ => Mode::Proxy,
    };
    let balancers = match mode {
        Mode::Proxy => {
            let b = p.get(&BALANCERS)?;
            if b != 1 && p.span("balancers").is_some() {
                let message = format!("mode = \"proxy\" has one balancer (n0), got balancers = {b}; use mode = \"client-side\" for several");
                return Err(p.error_at("balancers", message));
            }
            1
        }
        Mode::ClientSide => p.get(&BALANCERS)?,
    };
    let params = Params {
        mode,
        balancers,
        strategy: Strategy::from_name(p.get(&STRATEGY)?).unwrap_or(Strategy::RoundRobin),
        virtual_nodes: p.get(&VIRTUAL_NODES)?,
        keys: p.get(&KEYS)?,
        request_timeout: p.get(&REQUEST_TIMEOUT)?,
        retries: p.get(&RETRIES)?,
        retry_budget: p.get(&RETRY_BUDGET)?,
        hedge_after: p.get(&HEDGE_AFTER)?,
        eject_after: p.get(&EJECT_AFTER)?,
        eject_latency: p.get(&EJECT_LATENCY)?,
        eject_for: p.get(&EJECT_FOR)?,
        load_info: match p.get(&LOAD_INFO)? {
            "shared" => LoadInfo::Shared,
            _ => LoadInfo::Local,
        },
        load_report_every: p.get(&LOAD_REPORT_EVERY)?,
        hold: p.get(&HOLD)?,
        slow_start: p.get(&SLOW_START)?,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
        hooks: super::lab::Hooks::default(),
    };
    p.finish()?;
    Ok(params)
}

/// `[protocol]` as in [`params`]; `[workload] kind = "keys"` (no
/// parameters). At least two instances after the balancers.
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    let workload = validated(scenario, &params)?;
    let b = builder(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}

/// Check the node count against `params` (the balancers, then at least
/// two instances) and read `[workload]`: the workload, if any.
pub(crate) fn validated(
    scenario: &Scenario,
    params: &Params,
) -> Result<Option<Box<dyn Workload>>, ScenarioError> {
    if scenario.nodes < params.balancers + 2 {
        let message = format!(
            "load-balancing with {} balancer(s) needs at least {} nodes (the balancers, then at least two instances), got {}",
            params.balancers,
            params.balancers + 2,
            scenario.nodes
        );
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            message,
        ));
    }
    Ok(match &scenario.workload {
        Some(w) => {
            w.params.reader().finish()?;
            Some(Box::new(KeyWorkload { keys: params.keys }))
        }
        None => None,
    })
}
