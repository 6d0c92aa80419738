//! Named checks over the world: `always`, `eventually`, `sometimes`, and
//! end-of-run safety checks (history checkers).

use super::linearizability::{self, Budget, Model};
use super::verdict::Status;
use crate::sim::{Node, Sim};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

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
}

impl CheckKind {
    /// True for safety kinds (a failure is exit code 1); liveness is 2.
    pub fn is_safety(self) -> bool {
        matches!(self, CheckKind::Always | CheckKind::AtEnd)
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckKind::Always => "always",
            CheckKind::AtEnd => "at-end",
            CheckKind::Eventually => "eventually",
            CheckKind::Sometimes => "sometimes",
        })
    }
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

type CheckFn<N> = Arc<dyn Fn(&Sim<N>) -> Outcome>;

/// A named check over a simulation.
pub struct Invariant<N: Node> {
    /// Name shown in reports (`election-safety`).
    pub name: String,
    /// When it runs.
    pub kind: CheckKind,
    check: CheckFn<N>,
}

impl<N: Node> Clone for Invariant<N> {
    fn clone(&self) -> Self {
        Invariant {
            name: self.name.clone(),
            kind: self.kind,
            check: Arc::clone(&self.check),
        }
    }
}

impl<N: Node> fmt::Debug for Invariant<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Invariant({} {})", self.kind, self.name)
    }
}

impl<N: Node> Invariant<N> {
    /// A check of any kind returning an [`Outcome`].
    pub fn new(
        name: impl Into<String>,
        kind: CheckKind,
        check: impl Fn(&Sim<N>) -> Outcome + 'static,
    ) -> Self {
        Invariant {
            name: name.into(),
            kind,
            check: Arc::new(check),
        }
    }

    /// Must hold after every step.
    pub fn always(
        name: impl Into<String>,
        check: impl Fn(&Sim<N>) -> Result<(), String> + 'static,
    ) -> Self {
        Self::new(name, CheckKind::Always, move |sim| check(sim).into())
    }

    /// Must hold at the end of the run.
    pub fn eventually(
        name: impl Into<String>,
        check: impl Fn(&Sim<N>) -> Result<(), String> + 'static,
    ) -> Self {
        Self::new(name, CheckKind::Eventually, move |sim| check(sim).into())
    }

    /// Must hold after at least one step of the run.
    pub fn sometimes(name: impl Into<String>, check: impl Fn(&Sim<N>) -> bool + 'static) -> Self {
        Self::new(name, CheckKind::Sometimes, move |sim| {
            if check(sim) {
                Outcome::Pass
            } else {
                Outcome::Fail("never happened during the run".into())
            }
        })
    }

    /// At the end of the run, the client history must be linearizable for
    /// `model` (Wing–Gong/Lowe search with per-key partitioning). The search
    /// is bounded by `max_steps` — deterministic, unlike a wall-clock budget —
    /// and an exhausted budget gives `unknown`, not a pass.
    pub fn linearizable(model: Model, max_steps: u64) -> Self {
        Self::new("linearizable", CheckKind::AtEnd, move |sim| {
            let budget = Budget::steps(max_steps);
            match linearizability::check(sim.history(), model, &budget) {
                Ok(verdict) => match verdict.status {
                    Status::Valid => Outcome::Pass,
                    Status::Invalid => Outcome::Fail(verdict.explanation),
                    Status::Unknown => Outcome::Unknown(verdict.explanation),
                },
                Err(e) => Outcome::Fail(format!("the client history is malformed: {e}")),
            }
        })
    }

    /// Evaluate the check.
    pub fn evaluate(&self, sim: &Sim<N>) -> Outcome {
        (self.check)(sim)
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
