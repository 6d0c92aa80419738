//! Named checks over the world: `always`, `eventually`, `sometimes`, and
//! end-of-run safety checks (history checkers).

use super::{Node, Sim};
use crate::check::linearizability::{self, Budget, Model};
use crate::check::verdict::Status;
use crate::check::{CheckKind, Outcome};
use std::fmt;
use std::sync::Arc;

type CheckFn<N> = Arc<dyn Fn(&Sim<N>) -> Outcome + Send + Sync>;
type HoldsFn<N> = Arc<dyn Fn(&Sim<N>) -> bool + Send + Sync>;

/// A named check over a simulation.
pub struct Invariant<N: Node> {
    /// Name shown in reports (`election-safety`).
    pub name: String,
    /// When it runs.
    pub kind: CheckKind,
    check: CheckFn<N>,
    /// A `sometimes` check's predicate itself: what the engine asks after
    /// every step ([`Invariant::holds`]) without building the failure's
    /// text each time it does not hold yet.
    holds: Option<HoldsFn<N>>,
}

impl<N: Node> Clone for Invariant<N> {
    fn clone(&self) -> Self {
        Invariant {
            name: self.name.clone(),
            kind: self.kind,
            check: Arc::clone(&self.check),
            holds: self.holds.clone(),
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
        check: impl Fn(&Sim<N>) -> Outcome + Send + Sync + 'static,
    ) -> Self {
        Invariant {
            name: name.into(),
            kind,
            check: Arc::new(check),
            holds: None,
        }
    }

    /// Must hold after every step.
    pub fn always(
        name: impl Into<String>,
        check: impl Fn(&Sim<N>) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        Self::new(name, CheckKind::Always, move |sim| check(sim).into())
    }

    /// Must hold at the end of the run.
    pub fn eventually(
        name: impl Into<String>,
        check: impl Fn(&Sim<N>) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        Self::new(name, CheckKind::Eventually, move |sim| check(sim).into())
    }

    /// Must hold after at least one step of the run.
    pub fn sometimes(
        name: impl Into<String>,
        check: impl Fn(&Sim<N>) -> bool + Send + Sync + 'static,
    ) -> Self {
        let holds: HoldsFn<N> = Arc::new(check);
        let predicate = Arc::clone(&holds);
        let mut invariant = Self::new(name, CheckKind::Sometimes, move |sim| {
            if predicate(sim) {
                Outcome::Pass
            } else {
                Outcome::Fail("never happened during the run".into())
            }
        });
        invariant.holds = Some(holds);
        invariant
    }

    /// At the end of the run, the client history must be linearizable for
    /// `model` (Wing–Gong/Lowe search with per-key partitioning). The search
    /// is bounded by `max_steps` (or the scenario's `[check] history_steps`)
    /// — deterministic, unlike a wall-clock budget — and an exhausted budget
    /// gives `unknown`, not a pass.
    pub fn linearizable(model: Model, max_steps: u64) -> Self {
        Self::new("linearizable", CheckKind::AtEnd, move |sim| {
            let steps = sim.settings.history_steps.unwrap_or(max_steps);
            let budget = Budget::steps(steps);
            match linearizability::check(sim.history(), model, &budget) {
                Ok(verdict) => match verdict.status {
                    Status::Valid => Outcome::Pass,
                    Status::Invalid => Outcome::Fail(verdict.explanation),
                    Status::Unknown => Outcome::Unknown(undecided(&verdict, steps)),
                },
                Err(e) => Outcome::Fail(format!("the client history is malformed: {e}")),
            }
        })
    }

    /// Evaluate the check.
    pub fn evaluate(&self, sim: &Sim<N>) -> Outcome {
        (self.check)(sim)
    }

    /// True when the check passes now: `evaluate(sim) == Outcome::Pass`,
    /// without the failure's text for a `sometimes` check (the engine
    /// asks an unseen one after every step).
    pub fn holds(&self, sim: &Sim<N>) -> bool {
        match &self.holds {
            Some(holds) => holds(sim),
            None => self.evaluate(sim) == Outcome::Pass,
        }
    }
}

/// An undecided history search's explanation, led by the budget that ran
/// out and how a scenario raises it.
fn undecided(verdict: &linearizability::Verdict, steps: u64) -> String {
    let raise = match verdict.bound {
        Some(linearizability::Bound::Memory) => format!(
            "its memo tables reached their memory bound ({} MiB); a history this hard needs a smaller workload (fewer operations per key) to be decided in a run",
            linearizability::DEFAULT_MAX_MEMORY >> 20
        ),
        _ => format!(
            "it used its budget of {steps} steps; raise it in the scenario with `[check] history_steps = {}`",
            steps.saturating_mul(10)
        ),
    };
    format!(
        "the history search could not decide: {raise}.\n{}",
        verdict.explanation
    )
}
