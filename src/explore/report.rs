//! What a search found: counts, the verdict, the counterexample path and
//! the `sometimes` checks' witnesses.

use crate::scenario::ExploreStrategy;
use crate::sim::{Choice, Verdict};
use serde::Serialize;
use std::fmt;

/// One step of a path: the choice and what it did, in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathStep {
    /// The choice, as a replay file records it.
    pub choice: Choice,
    /// The choice in words, as of the state before it
    /// (`deliver n0 -> n1 Ping(0)`).
    pub label: String,
}

/// A path from the initial state to a failing one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counterexample {
    /// The check that failed.
    pub check: String,
    /// Its explanation.
    pub detail: String,
    /// Safety violation (an `always` check, a monitor, a history check on a
    /// terminal state), liveness failure (an `eventually` check on a
    /// terminal state) or panic.
    pub verdict: Verdict,
    /// The choices from the initial state, in order.
    pub path: Vec<PathStep>,
}

/// A `sometimes` check: reached on some path, with the path to the first
/// state found where it held, or never reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sometimes {
    /// The check's name.
    pub name: String,
    /// The path to a state where it held (shortest under BFS; random walks:
    /// on the lowest-numbered walk); `None`: no explored state had it.
    pub witness: Option<Vec<PathStep>>,
}

/// Why the search stopped before the space was exhausted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Limit {
    /// States at the depth bound had successors that were not expanded
    /// (random walks: a walk stopped at the depth bound).
    Depth,
    /// The bound on unique states was reached.
    States,
    /// The caller asked it to stop (time limit, Ctrl-C).
    Stopped,
    /// States outside the boundary ([`super::Config::bounds`]) were found
    /// and not expanded.
    Boundary,
}

/// The result of a search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// `bfs`, `dfs` or `walk`.
    #[serde(serialize_with = "strategy_name")]
    pub strategy: ExploreStrategy,
    /// Unique states found (the initial state included).
    pub unique_states: u64,
    /// Choices applied (edges of the state graph walked; random walks:
    /// steps over all walks).
    pub transitions: u64,
    /// States with nothing enabled, where the end-of-run checks ran (random
    /// walks: walks that ended in one).
    pub terminal_states: u64,
    /// The deepest state found, in choices from the start.
    pub max_depth: u32,
    /// True when every reachable state (within the fault budgets and the
    /// operation bound) was visited: no bound cut the search short and no
    /// violation stopped it. Never true for random walks, nor when a state
    /// was outside the boundary ([`Report::exhausted_within_boundary`]).
    pub exhausted: bool,
    /// True when every reachable state inside the boundary was visited:
    /// nothing but the boundary cut the search short ([`Limit::Boundary`]
    /// is the only limit, if any) and no violation stopped it. What it
    /// proves is relative to the boundary (`docs/explore.md`). Never true
    /// for random walks.
    pub exhausted_within_boundary: bool,
    /// The boundary: the limit of each bounded quantity, by name (empty
    /// without one).
    pub bounds: std::collections::BTreeMap<String, u64>,
    /// Unique states found outside the boundary (counted in
    /// `unique_states`, checked, not expanded).
    pub outside_states: u64,
    /// The bounds that cut the search short, if any.
    pub limits: Vec<Limit>,
    /// The first failing state found, if any (under BFS, a shortest path;
    /// random walks: on the lowest-numbered walk that found one).
    pub violation: Option<Counterexample>,
    /// Every `sometimes` check.
    pub sometimes: Vec<Sometimes>,
    /// Time was frozen ([`crate::sim::TimeModel::Frozen`]) but a handler
    /// read its clock: the search may have missed states that depend on
    /// time passing. Always false under the default time model.
    pub frozen_clock_read: bool,
    /// Random walks run to their end (the walk strategy only; 0 otherwise).
    pub walks: u64,
}

fn strategy_name<S: serde::Serializer>(s: &ExploreStrategy, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(s.name())
}

impl Report {
    /// The verdict: pass, or the counterexample's.
    pub fn verdict(&self) -> Verdict {
        self.violation.as_ref().map_or(Verdict::Pass, |c| c.verdict)
    }

    /// Panic with the counterexample, path and all, if there is one: for
    /// search tests (`explore::search(..).assert_no_violation()`).
    #[track_caller]
    pub fn assert_no_violation(&self) -> &Self {
        if let Some(c) = &self.violation {
            panic!("explore found a violation:\n{c}");
        }
        self
    }

    /// Panic unless the whole space was visited.
    #[track_caller]
    pub fn assert_exhausted(&self) -> &Self {
        assert!(
            self.exhausted,
            "the search did not exhaust the space ({} states, limits {:?})",
            self.unique_states, self.limits
        );
        self
    }

    /// Panic unless every state inside the boundary was visited (nothing
    /// but the boundary cut the search short).
    #[track_caller]
    pub fn assert_exhausted_within_boundary(&self) -> &Self {
        assert!(
            self.exhausted_within_boundary,
            "the search did not exhaust the space within the boundary ({} states, {} outside, limits {:?})",
            self.unique_states, self.outside_states, self.limits
        );
        self
    }

    /// The counterexample, or panic: for search tests that expect a bug.
    #[track_caller]
    pub fn expect_violation(&self) -> &Counterexample {
        match &self.violation {
            Some(c) => c,
            None => panic!(
                "explore found no violation in {} states (exhausted: {})",
                self.unique_states, self.exhausted
            ),
        }
    }
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} `{}` after {} step(s): {}",
            self.verdict.name(),
            self.check,
            self.path.len(),
            self.detail
        )?;
        for (i, step) in self.path.iter().enumerate() {
            writeln!(f, "  {:>3}. {}", i + 1, step.label)?;
        }
        Ok(())
    }
}
