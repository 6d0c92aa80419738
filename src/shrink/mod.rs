//! Shrinking a failing run: the smallest scenario, with the same seed,
//! that still fails the same check (`distlab shrink`).
//!
//! A failing seed of a shipped scenario is typically thousands of events
//! under a nemesis that crashes a node every few hundred milliseconds. The
//! shrinker cuts that down by *delta debugging over what the scenario
//! decides*, keeping a candidate only when a full run of it fails the
//! same check (by name) and no check the input passed — and, so that the
//! result only gets smaller, takes no more events, faults, operations and
//! nodes than the current best:
//!
//! 1. **Time**: a run stopped by a safety check ends at its violation, so
//!    `duration` becomes that time (rounded up to the millisecond); a
//!    failure found at the end of the run (liveness, history checks)
//!    searches for the shortest `duration` and `settle` that still fail.
//! 2. **Nemesis**: removed; else replaced by the faults it actually
//!    injected, as `[[faults]]` entries at their times (crashes,
//!    restarts, group partitions and heals — see `nemesis.rs`), which the
//!    next pass can then cut one by one; else one kind fewer.
//! 3. **Faults**: `ddmin` over the `[[faults]]` list; then all of them
//!    moved earlier by the same shift (the largest that still fails).
//! 4. **Clients**: no workload at all, an `ops` cap (the operations the run
//!    needed, then fewer), fewer clients, a lower rate.
//! 5. **Nodes**: the fewest the protocol accepts that still fail (faults
//!    and links naming removed nodes are dropped).
//! 6. **Network and clocks**: no loss, no duplication, no per-link
//!    overrides, no kept loss draws; perfect clocks.
//! 7. **Losses and deliveries** (the event-level cut, `losses.rs`): random
//!    losses written out as `lose_messages` entries with the loss draws
//!    kept (the same run); `ddmin` over the `lose_messages` list, then over
//!    the messages the run delivered up to its violation, the ones not
//!    kept written as lost.
//!
//! Passes 1-6 repeat until none finds anything, then pass 7 (which first
//! writes random losses out); while it finds something, all again; until
//! the budget of runs is spent. **The seed is kept**: the result reproduces with the seed the
//! failure was found with, so `distlab replay` and the TUI open it as any
//! run. (Another seed might give a smaller run, but then the shrunk run
//! would be a different execution, not this one cut down.)
//!
//! Every candidate is written as TOML and read back before it runs, so the
//! scenario the shrinker reports is exactly what its output file says; the
//! final file is parsed and run once more and its trace hash recorded.
//!
//! Deterministic: the same scenario, seed, check and budget give the same
//! result. This module does not know the CLI: protocols come from the
//! [`Registry`] the caller passes, and progress goes to a callback.
//!
//! Timer firings are never cut: a live node's timer always fires, so a run
//! without one is not a run the modelled system can have.
//!
//! ```no_run
//! use distlab::registry::Registry;
//! use distlab::scenario::{load, Overrides};
//! use distlab::shrink::{shrink, Options};
//!
//! let overrides = Overrides { seed: Some(1), ..Overrides::default() };
//! let scenario = load("scenarios/raft-bug-forget-vote.toml".as_ref(), &overrides).unwrap();
//! let shrunk = shrink(&Registry::builtin(), &scenario, &Options::default(), &mut |_| {}).unwrap();
//! println!("{} → {} events", shrunk.before.events, shrunk.after.events);
//! std::fs::write("forget-vote.shrunk.toml", &shrunk.text).unwrap();
//! ```

mod ddmin;
mod losses;
mod nemesis;
mod passes;
mod probe;

pub use ddmin::{ddmin, first_kept};

use crate::registry::Registry;
use crate::scenario::Scenario;
use probe::Probe;
use std::fmt;

/// How to shrink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The check the result must fail; default: the safety check that
    /// stopped the run, else the run's first failed check.
    pub check: Option<String>,
    /// The most candidate runs to try; default 500.
    pub budget: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            check: None,
            budget: 500,
        }
    }
}

/// The size of a run: what the before/after line shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Measure {
    /// Events processed (the run's steps, up to the violation).
    pub events: u64,
    /// Faults applied (scheduled, nemesis, and their undos).
    pub faults: u64,
    /// Client operations invoked.
    pub operations: u64,
    /// Nodes in the scenario.
    pub nodes: u32,
}

impl Measure {
    /// Whether this run is no larger than `other` in every respect.
    pub fn within(&self, other: &Measure) -> bool {
        self.events <= other.events
            && self.faults <= other.faults
            && self.operations <= other.operations
            && self.nodes <= other.nodes
    }
}

/// Where a shrink is, for a progress display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Candidate runs so far.
    pub runs: u32,
    /// The budget of runs.
    pub budget: u32,
    /// The pass running now (`faults`, `nemesis`, ...).
    pub pass: &'static str,
    /// The smallest failing run so far.
    pub best: Measure,
}

/// A shrunk failure.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The minimal scenario found (same seed, name with `-shrunk`).
    pub scenario: Scenario,
    /// It as a scenario file.
    pub text: String,
    /// The check it fails.
    pub check: String,
    /// The input run.
    pub before: Measure,
    /// The shrunk run.
    pub after: Measure,
    /// The shrunk run's trace hash (the output file run with its seed).
    pub trace_hash: String,
    /// Candidate runs made.
    pub runs: u32,
    /// True when the budget ran out before the passes found nothing more.
    pub budget_spent: bool,
    /// Each reduction that was kept, in order, in words.
    pub steps: Vec<String>,
}

/// Why a failure cannot be shrunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The scenario cannot be built (a protocol error, a panicking
    /// constructor).
    Build(String),
    /// The seed passes every check: there is nothing to shrink.
    Passes {
        /// The scenario's name.
        scenario: String,
        /// The seed.
        seed: u64,
    },
    /// The asked-for check did not fail in the input run.
    CheckNotFailed {
        /// The check asked for.
        check: String,
        /// The checks that did fail.
        failed: Vec<String>,
        /// The seed.
        seed: u64,
    },
    /// The shrunk scenario, written and read back, did not fail the same
    /// way (a bug in the shrinker or a nondeterministic protocol).
    NotReproduced(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Build(e) => write!(f, "cannot run the scenario: {e}"),
            Error::Passes { scenario, seed } => write!(
                f,
                "seed {seed} of {scenario} passes every check: there is no failure to shrink (find one with `distlab sweep`)"
            ),
            Error::CheckNotFailed {
                check,
                failed,
                seed,
            } => write!(
                f,
                "check `{check}` does not fail with seed {seed}; the failed checks are: {}",
                failed.join(", ")
            ),
            Error::NotReproduced(why) => write!(f, "the shrunk scenario does not reproduce: {why}"),
        }
    }
}

impl std::error::Error for Error {}

/// Shrinks the failure of `scenario` with its own seed (`scenario.seed`).
/// `progress` is called after every candidate run.
pub fn shrink(
    registry: &Registry,
    scenario: &Scenario,
    options: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Shrunk, Error> {
    let start = probe::normalize(scenario).map_err(Error::Build)?;
    let first = probe::run(registry, &start).map_err(Error::Build)?;
    let check = match (&options.check, first.first_failure()) {
        (_, None) => {
            return Err(Error::Passes {
                scenario: scenario.name.clone(),
                seed: scenario.seed,
            })
        }
        (Some(check), _) if !first.fails(check) => {
            return Err(Error::CheckNotFailed {
                check: check.clone(),
                failed: first.failed.clone(),
                seed: scenario.seed,
            })
        }
        (Some(check), _) => check.clone(),
        (None, Some(check)) => check.to_string(),
    };
    let before = first.measure;
    let mut shrinker = Shrinker {
        registry,
        check,
        may_fail: first.failed.clone(),
        current: start,
        best: first,
        runs: 1,
        budget: options.budget.max(1),
        limit: options.budget.max(1),
        progress,
        pass: "start",
        steps: Vec::new(),
    };
    passes::run_all(&mut shrinker);
    finish(shrinker, before)
}

/// Names the result, writes it, and runs the written file once more.
fn finish(shrinker: Shrinker<'_>, before: Measure) -> Result<Shrunk, Error> {
    let mut scenario = shrinker.current.clone();
    if !scenario.name.ends_with("-shrunk") {
        scenario.name.push_str("-shrunk");
    }
    let text = crate::scenario::to_toml(&scenario);
    let origin = format!("{}.shrunk.toml", shrinker.current.name);
    let scenario = crate::scenario::parse(&origin, &text, &Default::default())
        .map_err(|e| Error::NotReproduced(format!("it does not read back: {e}")))?;
    let again = probe::run(shrinker.registry, &scenario).map_err(Error::NotReproduced)?;
    if !again.fails(&shrinker.check) {
        return Err(Error::NotReproduced(format!(
            "check `{}` passes; failed: {}",
            shrinker.check,
            again.failed.join(", ")
        )));
    }
    Ok(Shrunk {
        scenario,
        text,
        check: shrinker.check,
        before,
        after: again.measure,
        trace_hash: again.trace_hash,
        runs: shrinker.runs,
        budget_spent: shrinker.runs >= shrinker.budget,
        steps: shrinker.steps,
    })
}

/// The search state: the smallest failing scenario so far and its run.
pub(crate) struct Shrinker<'a> {
    registry: &'a Registry,
    /// The check every kept candidate fails.
    check: String,
    /// The checks the input run failed: a candidate that fails any other
    /// is not kept (a run cut so short that nothing happens fails
    /// `sometimes` and `eventually` checks the input passed; it is not the
    /// same failure made smaller).
    may_fail: Vec<String>,
    /// The smallest failing scenario so far (normalized).
    current: Scenario,
    /// Its run.
    best: Probe,
    runs: u32,
    budget: u32,
    /// The runs the passes now running may reach (at most `budget`): the
    /// scenario-level passes stop short of the budget so that the
    /// event-level cut always gets its share (`passes::run_all`).
    limit: u32,
    progress: &'a mut dyn FnMut(&Progress),
    pass: &'static str,
    steps: Vec<String>,
}

impl Shrinker<'_> {
    /// Runs `candidate`; keeps it (it becomes the current scenario) when it
    /// fails the check with no more events, faults, operations and nodes
    /// than the current one. `None` when the budget is spent; `Some(false)` for a candidate
    /// the scenario reader or the protocol rejects (no run counted).
    pub(crate) fn try_candidate(&mut self, candidate: &Scenario, what: &str) -> Option<bool> {
        if self.spent() {
            return None;
        }
        let mut candidate = candidate.clone();
        losses::prune(&mut candidate);
        let Ok(candidate) = probe::normalize(&candidate) else {
            return Some(false);
        };
        if candidate == self.current {
            return Some(false);
        }
        self.runs += 1;
        let result = probe::run(self.registry, &candidate);
        let kept = result.ok().filter(|p| {
            p.fails(&self.check)
                && p.failed.iter().all(|c| self.may_fail.contains(c))
                && p.measure.within(&self.best.measure)
        });
        let accepted = kept.is_some();
        if let Some(probe) = kept {
            self.steps.push(format!(
                "{what}: {} → {} events",
                self.best.measure.events, probe.measure.events
            ));
            self.current = candidate;
            self.best = probe;
        }
        (self.progress)(&Progress {
            runs: self.runs,
            budget: self.budget,
            pass: self.pass,
            best: self.best.measure,
        });
        Some(accepted)
    }

    /// Whether the runs allowed now are spent (the budget, or the share of
    /// it the passes now running may use).
    pub(crate) fn spent(&self) -> bool {
        self.runs >= self.limit.min(self.budget)
    }

    /// How many candidates were kept so far.
    pub(crate) fn kept(&self) -> usize {
        self.steps.len()
    }

    /// Lets the passes that run next use `share` (numerator, denominator)
    /// of the runs the budget has left.
    pub(crate) fn allow_share(&mut self, share: (u32, u32)) {
        let left = self.budget.saturating_sub(self.runs);
        let allowed = u64::from(left) * u64::from(share.0) / u64::from(share.1.max(1));
        self.limit = self.runs + u32::try_from(allowed).unwrap_or(left);
    }
}

#[cfg(test)]
mod tests;
