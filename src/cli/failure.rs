//! The replay file: a run to reproduce, written by `sweep` (a failing seed)
//! and by the TUI's `s` (a session, with the user's actions), read by
//! `replay`.

use super::common::ScenarioArgs;
use crate::faults::FaultAction;
use crate::sim::hash::StableHasher;
use crate::sim::{RunReport, SimTime};
use serde::{Deserialize, Serialize};
use std::hash::Hasher;
use std::path::{Path, PathBuf};

/// One failing run: enough to re-run it exactly and to tell whether the
/// same failure came back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    /// Scenario file, as given on the command line.
    pub scenario: PathBuf,
    /// Fingerprint of the scenario file's text when the failure was found.
    pub scenario_hash: String,
    /// The seed.
    pub seed: u64,
    /// `--nodes` override, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u32>,
    /// `--duration` override in nanoseconds, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ns: Option<u64>,
    /// `safety-violation` or `liveness-failure`.
    pub verdict: String,
    /// Names of the checks that failed.
    pub failed_checks: Vec<String>,
    /// Trace hash of the failing run.
    pub trace_hash: String,
    /// Steps the failing run took (for a TUI session: the step it was at).
    pub steps: u64,
    /// User actions (from the TUI), each injected once `step` steps have
    /// completed. Absent in files written by `sweep`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<RecordedAction>,
    /// Stop after this many steps and compare there (a TUI session saved
    /// mid-run); absent when the run went to its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_at_step: Option<u64>,
}

/// One user action of a TUI session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedAction {
    /// Steps completed when the action was made (it runs as the next event).
    pub step: u64,
    /// The fault injected.
    pub action: FaultAction,
}

/// A file of failures (what `sweep` writes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureFile {
    /// Format marker: always 1 for now.
    pub distlab_failures: u32,
    /// The failures, in seed order.
    pub failures: Vec<Failure>,
}

/// Fingerprint of a scenario file's text.
pub fn text_hash(text: &str) -> String {
    let mut h = StableHasher::new();
    h.write(text.as_bytes());
    crate::sim::trace::format_hash(h.finish())
}

impl Failure {
    /// The failure a report describes.
    pub fn from_report(
        path: &Path,
        text: &str,
        args: &ScenarioArgs,
        report: &RunReport,
    ) -> Failure {
        let failed_checks = report
            .checks
            .iter()
            .filter(|c| matches!(c.outcome, crate::check::Outcome::Fail(_)))
            .map(|c| c.name.clone())
            .collect();
        Failure {
            scenario: path.to_path_buf(),
            scenario_hash: text_hash(text),
            seed: report.seed,
            nodes: args.nodes,
            duration_ns: args.duration.map(SimTime::as_nanos),
            verdict: super::common::verdict_name(report.verdict).to_string(),
            failed_checks,
            trace_hash: report.trace_hash.clone(),
            steps: report.steps,
            actions: Vec::new(),
            stop_at_step: None,
        }
    }

    /// A TUI session as a replay file: the report at the session's step,
    /// the user's actions, and where to stop unless the run had ended.
    pub fn from_session(
        path: &Path,
        text: &str,
        args: &ScenarioArgs,
        request: &crate::tui::SaveRequest,
    ) -> Failure {
        let mut failure = Failure::from_report(path, text, args, &request.report);
        if let Some(v) = &request.report.violation {
            if !failure.failed_checks.contains(&v.check) {
                failure.failed_checks.push(v.check.clone());
            }
        }
        failure.actions = request
            .actions
            .iter()
            .map(|(step, action)| RecordedAction {
                step: *step,
                action: action.clone(),
            })
            .collect();
        failure.stop_at_step = (!request.ended).then_some(request.report.steps);
        failure
    }

    /// The recorded actions as the timeline takes them.
    pub fn timeline_actions(&self) -> Vec<(u64, FaultAction)> {
        self.actions
            .iter()
            .map(|a| (a.step, a.action.clone()))
            .collect()
    }

    /// The scenario flags this failure was found with.
    pub fn scenario_args(&self) -> ScenarioArgs {
        ScenarioArgs {
            scenario: self.scenario.clone(),
            nodes: self.nodes,
            duration: self.duration_ns.map(SimTime),
        }
    }
}

/// Read a replay file: a single failure or a file of failures.
pub fn read(path: &Path) -> Result<Vec<Failure>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let reason = e.to_string();
        let reason = reason
            .split(" (os error")
            .next()
            .unwrap_or(&reason)
            .to_string();
        format!("cannot read {}: {reason}", path.display())
    })?;
    let at = |e: serde_json::Error| {
        format!(
            "{}:{}:{}: not a distlab replay file: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(at)?;
    if !value.is_object() {
        return Err(format!(
            "{}: not a distlab replay file: expected a JSON object (one failure, or {{\"distlab_failures\": 1, \"failures\": [...]}} as written by `distlab sweep`)",
            path.display()
        ));
    }
    if value.get("distlab_failures").is_some() {
        let file: FailureFile = serde_json::from_str(&text).map_err(at)?;
        return Ok(file.failures);
    }
    serde_json::from_str::<Failure>(&text)
        .map(|f| vec![f])
        .map_err(at)
}
