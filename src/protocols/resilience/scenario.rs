//! Building a resilience simulation from a scenario file.

use super::patterns::{Backoff, Jitter};
use super::{builder, CallWorkload, Mode, Params};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{ParamReader, Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio};
use crate::workload::Workload;

/// What the resilience lab offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "resilience",
    roles: &["gateway", "backend"],
    workloads: &["calls"],
    histories: &[],
};

fn backoff(p: &mut ParamReader<'_>, d: &Backoff) -> Result<Backoff, ScenarioError> {
    let base = p.duration("backoff_base", d.base)?;
    let max = p.duration("backoff_max", d.max)?;
    let jitter = match p.one_of("jitter", "full", &["none", "full", "equal"])? {
        "none" => Jitter::None,
        "equal" => Jitter::Equal,
        _ => Jitter::Full,
    };
    Ok(Backoff { base, max, jitter })
}

/// Read `[protocol]`: `protection` (compare|none|retries|full, default
/// compare), `call_timeout` (100ms), `max_attempts` (4), `backoff_base`
/// (50ms), `backoff_max` (1s), `jitter` (none|full|equal, default full),
/// `breaker_threshold` (5), `breaker_open_for` (500ms), `bulkhead` (4),
/// `rate_limit` (100 per second), `rate_burst` (20), `deadline` (1s),
/// `service_time` (2ms), `sick_service_time` (30ms), `sick_failure` (0.3),
/// `sick_from` (3s), `sick_until` (8s).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let d = Params::default();
    let mut p = scenario.protocol_params.reader();
    let protection = p.one_of(
        "protection",
        "compare",
        &["compare", "none", "retries", "full"],
    )?;
    let modes = match protection {
        "none" => vec![Mode::None],
        "retries" => vec![Mode::Retries],
        "full" => vec![Mode::Full],
        _ => Mode::ALL.to_vec(),
    };
    let params = Params {
        modes,
        call_timeout: p.duration("call_timeout", d.call_timeout)?,
        max_attempts: p.u64_in("max_attempts", u64::from(d.max_attempts), 1..=100)? as u32,
        backoff: backoff(&mut p, &d.backoff)?,
        breaker_threshold: p.u64_in(
            "breaker_threshold",
            u64::from(d.breaker_threshold),
            1..=1000,
        )? as u32,
        breaker_open_for: p.duration("breaker_open_for", d.breaker_open_for)?,
        bulkhead: p.u64_in("bulkhead", u64::from(d.bulkhead), 1..=10_000)? as u32,
        rate_limit: p.u64_in("rate_limit", d.rate_limit, 1..=1_000_000)?,
        rate_burst: p.u64_in("rate_burst", d.rate_burst, 1..=1_000_000)?,
        deadline: p.duration("deadline", d.deadline)?,
        service_time: p.duration("service_time", d.service_time)?,
        sick_service_time: p.duration("sick_service_time", d.sick_service_time)?,
        sick_failure: Ratio::from_probability(p.f64_in(
            "sick_failure",
            d.sick_failure.as_f64(),
            0.0..=1.0,
        )?),
        sick_from: p.duration("sick_from", d.sick_from)?,
        sick_until: p.duration("sick_until", d.sick_until)?,
    };
    p.finish()?;
    Ok(params)
}

/// `[protocol]` as in [`params`]; `[workload] kind = "calls"` (no
/// parameters). `compare` needs six nodes, a single protection two.
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
