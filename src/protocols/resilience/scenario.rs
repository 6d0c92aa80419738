//! Building a resilience simulation from a scenario file.

use super::patterns::{Backoff, Jitter};
use super::{builder, CallWorkload, Mode, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio, SimTime};
use crate::workload::Workload;

/// What the resilience lab offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "resilience",
    roles: &["gateway", "backend"],
    workloads: &["calls"],
    histories: &[],
    params: PARAMS,
    bugs: &[],
};

/// The resilience protocol's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    PROTECTION.decl,
    CALL_TIMEOUT.decl,
    MAX_ATTEMPTS.decl,
    BACKOFF_BASE.decl,
    BACKOFF_MAX.decl,
    JITTER.decl,
    BREAKER_THRESHOLD.decl,
    BREAKER_OPEN_FOR.decl,
    BULKHEAD.decl,
    RATE_LIMIT.decl,
    RATE_BURST.decl,
    DEADLINE.decl,
    SICK_SLOWDOWN.decl,
    SICK_FAILURE.decl,
    SICK_FROM.decl,
    SICK_UNTIL.decl,
];

pub(crate) const PROTECTION: Param<&'static str> = Param::one_of(
    "protection",
    "compare",
    &["compare", "none", "retries", "full"],
    "how gateways retry; compare runs none, retries and full side by side on six nodes",
);
pub(crate) const CALL_TIMEOUT: Param<SimTime> = Param::duration(
    "call_timeout",
    SimTime::from_millis(100),
    "per-attempt timeout",
);
pub(crate) const MAX_ATTEMPTS: Param<u32> = Param::integer(
    "max_attempts",
    4,
    1,
    100,
    "attempts per call, the first included",
);
pub(crate) const BACKOFF_BASE: Param<SimTime> = Param::duration(
    "backoff_base",
    SimTime::from_millis(50),
    "first backoff ceiling (retries, full); doubles per attempt",
);
pub(crate) const BACKOFF_MAX: Param<SimTime> = Param::duration(
    "backoff_max",
    SimTime::from_secs(1),
    "largest backoff ceiling",
);
pub(crate) const JITTER: Param<Jitter> = Param::choice(
    "jitter",
    "full",
    "backoff randomisation: none (synchronised), full (0..=ceiling), equal (half fixed)",
);
pub(crate) const BREAKER_THRESHOLD: Param<u32> = Param::integer(
    "breaker_threshold",
    5,
    1,
    1000,
    "consecutive failures that open the circuit breaker (full)",
);
pub(crate) const BREAKER_OPEN_FOR: Param<SimTime> = Param::duration(
    "breaker_open_for",
    SimTime::from_millis(500),
    "how long the breaker stays open before a probe",
);
pub(crate) const BULKHEAD: Param<u32> = Param::integer(
    "bulkhead",
    4,
    1,
    10_000,
    "calls in flight to the backend at most (full)",
);
pub(crate) const RATE_LIMIT: Param<u64> = Param::integer(
    "rate_limit",
    100,
    1,
    1_000_000,
    "calls accepted per second at the gateway (full)",
);
pub(crate) const RATE_BURST: Param<u64> = Param::integer(
    "rate_burst",
    20,
    1,
    1_000_000,
    "burst the rate limiter allows",
);
pub(crate) const DEADLINE: Param<SimTime> = Param::duration(
    "deadline",
    SimTime::from_secs(1),
    "no retry this long after the call arrived (full)",
);
pub(crate) const SICK_SLOWDOWN: Param<u32> = Param::integer(
    "sick_slowdown",
    10,
    1,
    1000,
    "how many times longer the backend's service times are while sick (the engine's slow fault; the service time itself is [service] time)",
);
pub(crate) const SICK_FAILURE: Param<Ratio> = Param::probability(
    "sick_failure",
    0.3,
    "chance a request fails when the backend is sick",
);
pub(crate) const SICK_FROM: Param<SimTime> = Param::duration(
    "sick_from",
    SimTime::from_secs(3),
    "the backend is sick from this time on its clock ...",
);
pub(crate) const SICK_UNTIL: Param<SimTime> =
    Param::duration("sick_until", SimTime::from_secs(8), "... until this time");

/// The pairs' modes a `protection` choice runs.
pub(crate) fn modes(protection: &str) -> Vec<Mode> {
    match protection {
        "none" => vec![Mode::None],
        "retries" => vec![Mode::Retries],
        "full" => vec![Mode::Full],
        _ => Mode::ALL.to_vec(),
    }
}

/// Read `[protocol]` ([`PARAMS`]; resilience has no bug switches).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let params = Params {
        modes: modes(p.get(&PROTECTION)?),
        call_timeout: p.get(&CALL_TIMEOUT)?,
        max_attempts: p.get(&MAX_ATTEMPTS)?,
        backoff: Backoff {
            base: p.get(&BACKOFF_BASE)?,
            max: p.get(&BACKOFF_MAX)?,
            jitter: p.get(&JITTER)?,
        },
        breaker_threshold: p.get(&BREAKER_THRESHOLD)?,
        breaker_open_for: p.get(&BREAKER_OPEN_FOR)?,
        bulkhead: p.get(&BULKHEAD)?,
        rate_limit: p.get(&RATE_LIMIT)?,
        rate_burst: p.get(&RATE_BURST)?,
        deadline: p.get(&DEADLINE)?,
        sick_slowdown: p.get(&SICK_SLOWDOWN)?,
        sick_failure: p.get(&SICK_FAILURE)?,
        sick_from: p.get(&SICK_FROM)?,
        sick_until: p.get(&SICK_UNTIL)?,
    };
    p.finish()?;
    Ok(params)
}

/// The backends (odd nodes) must take time: `[service]` with each of
/// them among its `nodes` (or no `nodes`: every node).
fn backends_take_time(scenario: &Scenario) -> Result<(), ScenarioError> {
    let missing = match &scenario.service {
        None => Some("there is no [service] table".to_string()),
        Some(service) => service.nodes.as_ref().and_then(|nodes| {
            let absent: Vec<String> = (1..scenario.nodes)
                .step_by(2)
                .filter(|n| !nodes.contains(n))
                .map(|n| format!("n{n}"))
                .collect();
            (!absent.is_empty())
                .then(|| format!("[service] nodes leaves out {}", absent.join(", ")))
        }),
    };
    match missing {
        None => Ok(()),
        Some(why) => {
            let backends: Vec<String> = (1..scenario.nodes)
                .step_by(2)
                .map(|n| n.to_string())
                .collect();
            let message = format!(
                "resilience backends are servers that take time, but {why}: add [service] with the backends' service time, e.g. time = {{ kind = \"constant\", value = \"3ms\" }}, nodes = [{}] and requests = false",
                backends.join(", ")
            );
            Err(ScenarioError::at(
                &scenario.source,
                scenario.protocol.span(),
                message,
            ))
        }
    }
}

/// `[protocol]` as in [`params`]; `[workload] kind = "calls"` (no
/// parameters); `[service]` for the backends (odd nodes). `compare` needs
/// six nodes, a single protection two.
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    let wanted = 2 * params.modes.len() as u32;
    if scenario.nodes != wanted {
        let message = format!(
            "resilience runs {} gateway/backend pair(s) here, so it needs {wanted} nodes, got {}",
            params.modes.len(),
            scenario.nodes
        );
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            message,
        ));
    }
    backends_take_time(scenario)?;
    let workload: Option<Box<dyn Workload>> = match &scenario.workload {
        Some(w) => {
            w.params.reader().finish()?;
            Some(Box::new(CallWorkload {
                modes: params.modes.clone(),
            }))
        }
        None => None,
    };
    let b = builder(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}
