//! The replay file: a run to reproduce, written by `sweep` (a failing seed)
//! and by the TUI's `s` (a session, with the user's actions), read by
//! `replay`.
//!
//! Replay files are handed between people, so they are untrusted input
//! (docs/inputs.md): a file is read only up to [`input::REPLAY_LIMIT`]; the
//! scenario it names is found relative to the replay file's folder (then,
//! for files written before paths were relative, the current directory),
//! must be a regular file of at most [`input::SCENARIO_LIMIT`], and must hash
//! to the recorded `scenario_hash` before a byte of it is parsed or shown.
//! A session embeds the scenario's text (`scenario_text`), so it replays with
//! no other file at all.

use super::common::ScenarioArgs;
use crate::faults::FaultAction;
use crate::input::{self, Kind, ReadError};
use crate::scenario::{Overrides, Scenario};
use crate::sim::hash::StableHasher;
use crate::sim::{RunReport, SimTime};
use serde::{Deserialize, Serialize};
use std::hash::Hasher;
use std::path::{Path, PathBuf};

/// The trace hash recorded for a seed whose simulation could not even be
/// built (its constructor panicked): there is no trace.
pub const NO_TRACE: &str = "none";

/// One failing run: enough to re-run it exactly and to tell whether the
/// same failure came back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    /// Scenario file: relative to the replay file's folder in files written
    /// by [`write_one`] (older files: as given on the command line).
    pub scenario: PathBuf,
    /// Fingerprint of the scenario file's text when the failure was found.
    pub scenario_hash: String,
    /// The scenario's text itself (TUI sessions and lab failures embed it);
    /// when present, replay runs it and reads no scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_text: Option<String>,
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
    /// A path found by `distlab explore`: the run is the scenario in
    /// explore mode with these choices forced, in order (absent for runs
    /// of the normal engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explore: Option<ExplorePath>,
    /// The replay file this failure was read from (not stored in it): the
    /// folder relative scenario paths start from.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// The forced choices of an explored path (`distlab explore`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplorePath {
    /// Operations each client could issue in the search.
    pub ops_per_client: u64,
    /// The network model: `multiset` (default) or `duplicating`.
    #[serde(default)]
    pub wire: crate::sim::Wire,
    /// The time model: `timers` (default), `ordered` or `frozen`.
    #[serde(default)]
    pub time: crate::sim::TimeModel,
    /// The choices from the initial state (nodes booted), in order.
    pub steps: Vec<ExploreStep>,
}

/// One forced choice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExploreStep {
    /// The choice: `{"kind": "run", "seq": 12}`, `{"kind": "crash", "node": 1}`, ...
    pub choice: crate::sim::Choice,
    /// What it did, in words (for readers; replay ignores it).
    #[serde(default)]
    pub label: String,
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
        // An undecided run names the checks that could not decide.
        let undecided = report.verdict == crate::sim::Verdict::Unknown;
        let failed_checks = report
            .checks
            .iter()
            .filter(|c| match c.outcome {
                crate::check::Outcome::Fail(_) => true,
                crate::check::Outcome::Unknown(_) => undecided,
                crate::check::Outcome::Pass => false,
            })
            .map(|c| c.name.clone())
            .collect();
        Failure {
            scenario: path.to_path_buf(),
            scenario_hash: text_hash(text),
            scenario_text: None,
            seed: report.seed,
            nodes: args.nodes,
            duration_ns: args.duration.map(SimTime::as_nanos),
            verdict: super::common::verdict_name(report.verdict).to_string(),
            failed_checks,
            trace_hash: report.trace_hash.clone(),
            steps: report.steps,
            actions: Vec::new(),
            stop_at_step: None,
            explore: None,
            origin: None,
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
        failure.scenario_text = Some(text.to_string());
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

    /// The scenario flags this failure was found with (the scenario path as
    /// [`Failure::scenario_path`] finds it).
    pub fn scenario_args(&self) -> ScenarioArgs {
        ScenarioArgs {
            scenario: self.scenario_path(),
            nodes: self.nodes,
            duration: self.duration_ns.map(SimTime),
        }
    }

    /// The overrides to rebuild the run with: seed, `--nodes`, `--duration`.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            seed: Some(self.seed),
            nodes: self.nodes,
            duration: self.duration_ns.map(SimTime),
        }
    }

    /// Where the scenario file is: an absolute path as is; a relative one
    /// against the replay file's folder, or (a file written before paths
    /// were relative to it) against the current directory if only that
    /// exists.
    pub fn scenario_path(&self) -> PathBuf {
        let folder = self
            .origin
            .as_deref()
            .and_then(Path::parent)
            .filter(|f| !f.as_os_str().is_empty());
        match folder {
            Some(folder) if self.scenario.is_relative() => {
                let beside = folder.join(&self.scenario);
                if beside.exists() || !self.scenario.exists() {
                    beside
                } else {
                    self.scenario.clone()
                }
            }
            _ => self.scenario.clone(),
        }
    }

    /// The scenario this failure was recorded with, parsed with its
    /// overrides and checked against the registry: the embedded text, or
    /// the scenario file once its text matches `scenario_hash`. Nothing of a
    /// file that does not match is shown.
    pub fn load_scenario(&self, ctx: &super::Context) -> Result<Scenario, String> {
        let replay = self
            .origin
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the replay file".into());
        let (origin, text) = match &self.scenario_text {
            Some(text) if text_hash(text) == self.scenario_hash => {
                (self.scenario.display().to_string(), text.clone())
            }
            Some(_) => {
                return Err(format!(
                    "{replay}: the scenario text embedded for seed {} does not match its scenario_hash {} (the file was edited or damaged)",
                    self.seed, self.scenario_hash
                ))
            }
            None => self.read_scenario(&replay)?,
        };
        super::common::load_text(ctx, &origin, &text, &self.overrides())
    }

    /// Read the scenario file this failure names, refusing anything that is
    /// not a regular file of sane size with the recorded hash.
    fn read_scenario(&self, replay: &str) -> Result<(String, String), String> {
        let path = self.scenario_path();
        let shown = path.display().to_string();
        let text = match input::read_text(&path, Kind::Regular, input::SCENARIO_LIMIT) {
            Ok(text) => Some(text),
            Err(ReadError::NotUtf8 { .. }) => None,
            Err(e) => {
                return Err(format!(
                    "{replay}: cannot read the scenario it names, {shown}: {e}"
                ))
            }
        };
        match text {
            Some(text) if text_hash(&text) == self.scenario_hash => Ok((shown, text)),
            _ => Err(format!(
                "{replay}: {shown} is not the scenario seed {} was recorded with (its text does not match scenario_hash {}): the scenario changed since, or the replay file names another file; nothing of it is shown. To run it as it is now: {} replay {shown} --seed {}",
                self.seed, self.scenario_hash, super::common::program(), self.seed
            )),
        }
    }

    /// This failure as stored in a replay file at `file`: the scenario path
    /// made relative to `file`'s folder (kept as is when it cannot be).
    pub fn relative_to(mut self, file: &Path) -> Failure {
        if let Some(relative) = relative_path(file, &self.scenario) {
            self.scenario = relative;
        }
        self
    }
}

/// `target` (a path as the user gave it) relative to the folder of `file`
/// (also as given), lexically; `None` when there is no such path (different
/// drives) or the current directory is unknown.
fn relative_path(file: &Path, target: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let folder = std::path::absolute(file).ok()?.parent()?.to_path_buf();
    let target = std::path::absolute(target).ok()?;
    let strip = |p: &Path| -> Vec<std::ffi::OsString> {
        p.components()
            .filter(|c| *c != Component::CurDir)
            .map(|c| c.as_os_str().to_os_string())
            .collect()
    };
    let (from, to) = (strip(&folder), strip(&target));
    if from.first() != to.first() {
        return None;
    }
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if from[common..].iter().any(|part| part == "..") {
        return None; // `..` cannot be undone lexically
    }
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to[common..] {
        out.push(part);
    }
    Some(out)
}

/// Read a replay file: a single failure or a file of failures. The file is
/// read up to [`input::REPLAY_LIMIT`]; every failure remembers it as its
/// origin.
pub fn read(path: &Path) -> Result<Vec<Failure>, String> {
    let text = input::read_text(path, Kind::Named, input::REPLAY_LIMIT)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut failures = parse(path, &text)?;
    for f in &mut failures {
        f.origin = Some(path.to_path_buf());
    }
    Ok(failures)
}

/// Parse a replay file's text (`path` names it in errors); no file is read.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Failure>, String> {
    let at = |e: serde_json::Error| {
        format!(
            "{}:{}:{}: not a distlab replay file: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(at)?;
    if !value.is_object() {
        return Err(format!(
            "{}: not a distlab replay file: expected a JSON object (one failure, or {{\"distlab_failures\": 1, \"failures\": [...]}} as written by `distlab sweep`)",
            path.display()
        ));
    }
    if value.get("distlab_failures").is_some() {
        let file: FailureFile = serde_json::from_str(text).map_err(at)?;
        return Ok(file.failures);
    }
    serde_json::from_str::<Failure>(text)
        .map(|f| vec![f])
        .map_err(at)
}

/// Write one failure as a replay file at `path`, its scenario path made
/// relative to the file's folder, then read it back (so a file that cannot
/// be replayed is never left behind silently). With `fresh`, an existing
/// file is never replaced: the write fails with `AlreadyExists` instead.
pub fn write_one(path: &Path, failure: &Failure, fresh: bool) -> std::io::Result<()> {
    use std::io::Write;
    let stored = failure.clone().relative_to(path);
    let text = serde_json::to_string_pretty(&stored).map_err(std::io::Error::other)? + "\n";
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if fresh {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()?;
    read(path).map(|_| ()).map_err(std::io::Error::other)
}
