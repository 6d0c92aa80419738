//! What a check is and what it came to: [`CheckKind`], [`Outcome`],
//! [`CheckResult`]. The checks themselves, closures over a simulation, are
//! [`crate::sim::Invariant`] and [`crate::sim::Monitor`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// When a check runs and what its failure means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// Safety: must hold after every step. A failure stops the run.
    Always,
    /// Safety, checked once at the end (history checkers: linearizability, ...).
    AtEnd,
    /// Liveness: must hold at the end of the run, after the settle phase.
    Eventually,
    /// Liveness: must hold after at least one step, so a vacuous pass is caught.
    Sometimes,
    /// A bound on a metric the run reports (the scenario's `[expect]`),
    /// judged at the end; a failure is exit code 2, like liveness: the
    /// system did not do well enough.
    Expect,
    /// Predicates that must hold at a moment of the run (a scenario's
    /// `[[check.at]]`): a state the system must be in then. Safety: a
    /// failure is exit code 1.
    At,
    /// Predicates that must hold, all at once, within a deadline after
    /// every fault of a kind (`[[check.within]]`): bounded liveness, a
    /// failure is exit code 2.
    Within,
}

impl CheckKind {
    /// True for safety kinds (a failure is exit code 1); liveness is 2.
    pub fn is_safety(self) -> bool {
        matches!(self, CheckKind::Always | CheckKind::AtEnd | CheckKind::At)
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckKind::Always => "always",
            CheckKind::AtEnd => "at-end",
            CheckKind::Eventually => "eventually",
            CheckKind::Sometimes => "sometimes",
            CheckKind::Expect => "expect",
            CheckKind::At => "at",
            CheckKind::Within => "within",
        })
    }
}

/// What a run whose checks include an `unknown` outcome (and no failure)
/// comes to: the scenario's `[check] unknown`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownPolicy {
    /// Verdict `Verdict::Unknown`, exit code 6: a pass must mean every
    /// check decided (the default).
    #[default]
    Fail,
    /// Verdict `Verdict::Pass`; the unknown checks are still listed and
    /// counted (`sweep` reports them apart).
    Pass,
}

/// The result of one evaluation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "detail", rename_all = "lowercase")]
pub enum Outcome {
    /// The property holds.
    Pass,
    /// The property does not hold; why.
    Fail(String),
    /// Could not decide (a checker's budget ran out); why.
    Unknown(String),
}

impl From<Result<(), String>> for Outcome {
    fn from(result: Result<(), String>) -> Self {
        match result {
            Ok(()) => Outcome::Pass,
            Err(why) => Outcome::Fail(why),
        }
    }
}

/// A check's final verdict in a run report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check's name.
    pub name: String,
    /// Its kind.
    pub kind: CheckKind,
    /// `pass`, `fail` or `unknown`, with detail.
    #[serde(flatten)]
    pub outcome: Outcome,
}
