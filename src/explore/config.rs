//! What a search explores: strategy, bounds and fault budgets.

use crate::scenario::{ExploreNetwork, ExploreSpec, ExploreStrategy, ExploreTime};
use crate::sim::{Choice, ExploreOptions, FaultChoices, TimeModel, Wire};
use std::collections::BTreeMap;

/// How long a random walk may be when no depth bound is given.
pub const WALK_DEPTH_DEFAULT: u32 = 100;

/// The search's settings. Build one from a scenario's `[explore]` table
/// ([`Config::from_spec`]) or by hand; every field has a default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Breadth first (default: a shortest counterexample), depth first or
    /// random walks.
    pub strategy: ExploreStrategy,
    /// States this many choices from the start are not expanded (default:
    /// unbounded; random walks stop after [`WALK_DEPTH_DEFAULT`] steps).
    pub max_depth: Option<u32>,
    /// Stop after this many unique states (default 1 000 000).
    pub max_states: u64,
    /// Operations each client issues (default 1).
    pub ops_per_client: u64,
    /// Fault budgets over a whole path (default none).
    pub budgets: Budgets,
    /// The network model (default: a multiset, exact).
    pub wire: Wire,
    /// The time model (default: time moves when timers fire).
    pub time: TimeModel,
    /// Random walks to run under [`ExploreStrategy::Walk`] (default 1000;
    /// at most 2^32, one seeded stream each).
    pub walks: u64,
    /// Threads that expand states or run walks (default 1). The report
    /// does not depend on it: breadth first expands each level on `jobs`
    /// threads and merges the successors in the sequential order; depth
    /// first pops and merges on one thread in the sequential order while
    /// the others expand states still on the stack ahead of time; walks
    /// are merged in walk order.
    pub jobs: usize,
    /// The search boundary: a limit for some of the protocol's bound
    /// quantities (its nodes' [`crate::sim::Node::BOUNDS`]), by name. A
    /// state where a live node's value exceeds its limit is *outside*:
    /// counted and checked like every state, never expanded (default: no
    /// boundary). A name the protocol does not declare makes the search
    /// panic: check them first with [`super::check_bound`].
    pub bounds: BTreeMap<String, u64>,
    /// Fingerprint every time relative to now
    /// ([`ExploreOptions::relative_time`]): states that differ only by when
    /// they happen are one state (default false).
    pub relative_time: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config::from_spec(&ExploreSpec::default())
    }
}

impl Config {
    /// The settings a scenario's `[explore]` table gives.
    pub fn from_spec(spec: &ExploreSpec) -> Config {
        Config {
            strategy: spec.strategy,
            max_depth: spec.depth,
            max_states: spec.states,
            ops_per_client: spec.ops,
            budgets: Budgets {
                drops: spec.drops,
                duplicates: spec.duplicates,
                crashes: spec.crashes,
                restarts: spec.restarts,
            },
            wire: match spec.network {
                ExploreNetwork::Multiset => Wire::Multiset,
                ExploreNetwork::Duplicating => Wire::Duplicating,
            },
            time: match spec.time {
                ExploreTime::Timers => TimeModel::Timers,
                ExploreTime::Frozen => TimeModel::Frozen,
                ExploreTime::Ordered => TimeModel::Ordered,
            },
            walks: spec.walks,
            jobs: 1,
            bounds: spec
                .bounds
                .iter()
                .map(|b| (b.name.get_ref().clone(), b.limit))
                .collect(),
            relative_time: spec.relative_time,
        }
    }

    /// How many steps each random walk may take: the depth bound, or
    /// [`WALK_DEPTH_DEFAULT`].
    pub fn walk_depth(&self) -> u32 {
        self.max_depth.unwrap_or(WALK_DEPTH_DEFAULT)
    }

    /// What the world needs to know: [`crate::sim::Sim::start_exploring`].
    pub fn options(&self) -> ExploreOptions {
        ExploreOptions {
            ops_per_client: self.ops_per_client,
            wire: self.wire,
            time: self.time,
            relative_time: self.relative_time,
        }
    }

    /// Bound the protocol's quantity `name` (one of its
    /// [`crate::sim::Node::BOUNDS`]) at `limit`.
    #[must_use]
    pub fn bound(mut self, name: &str, limit: u64) -> Self {
        self.bounds.insert(name.to_string(), limit);
        self
    }

    /// Fingerprint times relative to now ([`Config::relative_time`]).
    #[must_use]
    pub fn relative_time(mut self) -> Self {
        self.relative_time = true;
        self
    }

    /// The boundary in words, `term ≤ 2, log ≤ 4` (empty without one).
    pub fn boundary_text(&self) -> String {
        let limits: Vec<String> = self
            .bounds
            .iter()
            .map(|(name, limit)| format!("{name} ≤ {limit}"))
            .collect();
        limits.join(", ")
    }

    /// Time stands still ([`TimeModel::Frozen`]).
    #[must_use]
    pub fn frozen(mut self) -> Self {
        self.time = TimeModel::Frozen;
        self
    }

    /// Timers fire in deadline order ([`TimeModel::Ordered`]).
    #[must_use]
    pub fn ordered(mut self) -> Self {
        self.time = TimeModel::Ordered;
        self
    }

    /// Messages stay on the wire after delivery.
    #[must_use]
    pub fn duplicating(mut self) -> Self {
        self.wire = Wire::Duplicating;
        self
    }

    /// Depth first.
    #[must_use]
    pub fn dfs(mut self) -> Self {
        self.strategy = ExploreStrategy::Dfs;
        self
    }
    /// Breadth first.
    #[must_use]
    pub fn bfs(mut self) -> Self {
        self.strategy = ExploreStrategy::Bfs;
        self
    }
    /// `walks` random walks ([`ExploreStrategy::Walk`]).
    #[must_use]
    pub fn walk(mut self, walks: u64) -> Self {
        self.strategy = ExploreStrategy::Walk;
        self.walks = walks;
        self
    }
    /// Expand states (breadth and depth first) or walk (random walks) on
    /// `jobs` threads (at least 1); the report is the same for every
    /// `jobs`.
    #[must_use]
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }
    /// Bound the depth.
    #[must_use]
    pub fn depth(mut self, depth: u32) -> Self {
        self.max_depth = Some(depth);
        self
    }
    /// Bound the number of unique states.
    #[must_use]
    pub fn states(mut self, states: u64) -> Self {
        self.max_states = states;
        self
    }
    /// Operations per client.
    #[must_use]
    pub fn ops(mut self, ops: u64) -> Self {
        self.ops_per_client = ops;
        self
    }
    /// Fault budgets.
    #[must_use]
    pub fn budgets(mut self, budgets: Budgets) -> Self {
        self.budgets = budgets;
        self
    }
}

/// Faults the explorer may still inject on a path. What is left is part of
/// an explored state: two paths that reach the same world with different
/// budgets left can do different things next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Budgets {
    /// Messages it may lose.
    pub drops: u32,
    /// Messages it may duplicate.
    pub duplicates: u32,
    /// Nodes it may crash.
    pub crashes: u32,
    /// Crashed nodes it may restart.
    pub restarts: u32,
}

impl Budgets {
    /// The fault choices these budgets allow.
    pub fn faults(self) -> FaultChoices {
        FaultChoices {
            drop: self.drops > 0,
            duplicate: self.duplicates > 0,
            crash: self.crashes > 0,
            restart: self.restarts > 0,
        }
    }

    /// What is left after `choice`.
    pub fn after(self, choice: &Choice) -> Budgets {
        let mut left = self;
        match choice {
            Choice::Run { .. } => {}
            Choice::Drop { .. } => left.drops = left.drops.saturating_sub(1),
            Choice::Duplicate { .. } => left.duplicates = left.duplicates.saturating_sub(1),
            Choice::Crash { .. } => left.crashes = left.crashes.saturating_sub(1),
            Choice::Restart { .. } => left.restarts = left.restarts.saturating_sub(1),
        }
        left
    }
}
