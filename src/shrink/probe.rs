//! One run of a candidate scenario, and what the shrinker needs from it.

use super::Measure;
use crate::check::Outcome;
use crate::registry::Registry;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{self, Overrides, Scenario};
use crate::sim::{catch_panic, DynSim, RunReport, SimTime, TraceLevel};

/// A finished run of one candidate.
#[derive(Clone, Debug)]
pub(crate) struct Probe {
    /// The checks that failed, in the report's order.
    pub failed: Vec<String>,
    /// The safety check that stopped the run, and when.
    pub stopped: Option<(String, SimTime)>,
    /// Events, faults, operations, nodes.
    pub measure: Measure,
    /// The run's trace hash.
    pub trace_hash: String,
}

impl Probe {
    /// Whether `check` failed in this run.
    pub fn fails(&self, check: &str) -> bool {
        self.failed.iter().any(|c| c == check)
    }

    /// The check a run's failure is about: the safety check that stopped
    /// it, else the first failed check.
    pub fn first_failure(&self) -> Option<&str> {
        match &self.stopped {
            Some((check, _)) => Some(check),
            None => self.failed.first().map(String::as_str),
        }
    }
}

/// Writes `candidate` as TOML and reads it back: the scenario the shrinker
/// runs is always one its output file gives again (and one the scenario
/// reader accepts: fault times before the end, node indices in range).
pub(crate) fn normalize(candidate: &Scenario) -> Result<Scenario, String> {
    let text = scenario::to_toml(candidate);
    scenario::parse(&candidate.source.origin, &text, &Overrides::default())
        .map_err(|e| e.to_string())
}

/// Builds and runs `scenario` to its end. `Err` when it cannot be built
/// (the protocol rejects it, or its constructor panics).
pub(crate) fn run(registry: &Registry, scenario: &Scenario) -> Result<Probe, String> {
    let (sim, report) = run_at(registry, scenario, TraceLevel::HashOnly)?;
    Ok(probe_of(sim.as_ref(), &report, scenario))
}

/// [`run`] keeping the full trace, with the simulation itself (the nemesis
/// is read back from its trace).
pub(crate) fn run_at(
    registry: &Registry,
    scenario: &Scenario,
    trace_level: TraceLevel,
) -> Result<(Box<dyn DynSim>, RunReport), String> {
    let options = BuildOptions { trace_level };
    let site = || "building the simulation".to_string();
    let mut sim = catch_panic(site, || registry.build(scenario, &options))
        .map_err(|panic| format!("the implementation panicked while {panic}"))?
        .map_err(|e| e.to_string())?;
    let report = sim.run();
    Ok((sim, report))
}

fn probe_of(sim: &dyn DynSim, report: &RunReport, scenario: &Scenario) -> Probe {
    let failed = report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
        .map(|c| c.name.clone())
        .collect();
    Probe {
        failed,
        stopped: report.violation.as_ref().map(|v| (v.check.clone(), v.time)),
        measure: Measure {
            events: report.steps,
            faults: sim.fault_log().len() as u64,
            operations: report.operations.invoked,
            nodes: scenario.nodes,
        },
        trace_hash: report.trace_hash.clone(),
    }
}
