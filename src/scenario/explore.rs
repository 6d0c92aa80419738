//! `[explore]`: the bounds and budgets of `distlab explore` for a scenario.
//!
//! Every key is optional; command-line flags override them. Unknown keys
//! and out-of-range values are errors at their place in the file, like the
//! rest of the scenario.

use super::error::ScenarioError;
use super::read::{self, Section};
use super::value::{Item, Value};
use toml::Spanned;

/// How the explorer walks the state space.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExploreStrategy {
    /// Breadth first: the first violation found is a shortest one.
    #[default]
    Bfs,
    /// Depth first: memory grows with the depth, not the frontier.
    Dfs,
    /// Random walks: for spaces too large to finish, seeded walks that
    /// each choose uniformly among the enabled choices (a sample, never
    /// exhaustive).
    Walk,
}

impl ExploreStrategy {
    /// `bfs`, `dfs` or `walk`.
    pub fn name(self) -> &'static str {
        match self {
            ExploreStrategy::Bfs => "bfs",
            ExploreStrategy::Dfs => "dfs",
            ExploreStrategy::Walk => "walk",
        }
    }
}

/// How the explored network treats a delivered message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExploreNetwork {
    /// `"multiset"`: a delivery takes the message off the wire (exact).
    #[default]
    Multiset,
    /// `"duplicating"`: messages stay on the wire and may arrive again.
    Duplicating,
}

/// How time passes in the explored world.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExploreTime {
    /// `"timers"`: time moves to each fired timer's deadline (exact for
    /// handlers that compare clock readings).
    #[default]
    Timers,
    /// `"frozen"`: time stands still (finite spaces for periodic timers;
    /// exact only when no handler reads the clock).
    Frozen,
    /// `"ordered"`: as `"timers"`, but timers fire in deadline order, as in
    /// a run (far fewer states; messages still take any time).
    Ordered,
}

/// The most a depth bound may be.
pub const DEPTH_MAX: u32 = 10_000;
/// The most a state bound may be.
pub const STATES_MAX: u64 = 1_000_000_000;
/// The most operations per client.
pub const OPS_MAX: u64 = 100;
/// The most of each fault budget (drops, duplicates, crashes, restarts).
pub const FAULTS_MAX: u32 = 16;
/// The most random walks.
pub const WALKS_MAX: u64 = 1_000_000_000;
/// Random walks when `walks` is not given.
pub const WALKS_DEFAULT: u64 = 1000;
/// The most a bound's limit may be.
pub const BOUND_MAX: u64 = 1_000_000_000;

/// One entry of `bounds`: a quantity the protocol declares (its nodes'
/// `Node::BOUNDS`) and the most it may be in an expanded state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExploreBound {
    /// The quantity's name, where it is written (checked against the
    /// protocol's names when the scenario is explored).
    pub name: Spanned<String>,
    /// The limit, 0..=1 000 000 000.
    pub limit: u64,
}

/// `[explore]`: defaults apply to missing keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExploreSpec {
    /// `strategy`: `"bfs"` (default), `"dfs"` or `"walk"`.
    pub strategy: ExploreStrategy,
    /// `depth`: default none (unbounded), 1..=10 000; states this many
    /// choices from the start are not expanded.
    pub depth: Option<u32>,
    /// `states`: default 1 000 000, 1..=1 000 000 000; stop after this many
    /// unique states.
    pub states: u64,
    /// `ops`: default 1, 0..=100; operations each client issues.
    pub ops: u64,
    /// `drops`: default 0, 0..=16; messages the explorer may lose.
    pub drops: u32,
    /// `duplicates`: default 0, 0..=16; messages it may duplicate.
    pub duplicates: u32,
    /// `crashes`: default 0, 0..=16; node crashes.
    pub crashes: u32,
    /// `restarts`: default 0, 0..=16; restarts of crashed nodes.
    pub restarts: u32,
    /// `network`: `"multiset"` (default) or `"duplicating"`.
    pub network: ExploreNetwork,
    /// `time`: `"timers"` (default) or `"frozen"`.
    pub time: ExploreTime,
    /// `walks`: default 1000, 1..=1 000 000 000; how many random walks the
    /// `"walk"` strategy runs.
    pub walks: u64,
    /// `bounds`: default none; a table `{ term = 2, log = 4 }` of the
    /// protocol's bound quantities and their limits (0..=1 000 000 000),
    /// in name order. A state where a live node's value exceeds its limit
    /// is outside the boundary: checked, not expanded.
    pub bounds: Vec<ExploreBound>,
    /// `relative_time`: default false; fingerprint every time relative to
    /// now, so that states that differ only by when they happen are one.
    pub relative_time: bool,
}

impl Default for ExploreSpec {
    fn default() -> Self {
        ExploreSpec {
            strategy: ExploreStrategy::Bfs,
            depth: None,
            states: 1_000_000,
            ops: 1,
            drops: 0,
            duplicates: 0,
            crashes: 0,
            restarts: 0,
            network: ExploreNetwork::Multiset,
            time: ExploreTime::Timers,
            walks: WALKS_DEFAULT,
            bounds: Vec::new(),
            relative_time: false,
        }
    }
}

const KEYS: [&str; 13] = [
    "strategy",
    "depth",
    "states",
    "ops",
    "drops",
    "duplicates",
    "crashes",
    "restarts",
    "network",
    "time",
    "walks",
    "bounds",
    "relative_time",
];

/// Reads `[explore]`.
pub(crate) fn parse_explore(section: &Section<'_>) -> Result<ExploreSpec, ScenarioError> {
    section.check_keys(&KEYS)?;
    let source = section.source;
    let mut spec = ExploreSpec::default();
    if let Some(item) = section.get("strategy") {
        let name = read::string(source, "strategy", item)?;
        spec.strategy = match name.get_ref().as_str() {
            "bfs" => ExploreStrategy::Bfs,
            "dfs" => ExploreStrategy::Dfs,
            "walk" => ExploreStrategy::Walk,
            other => {
                let message =
                    format!("unknown strategy {other:?}; expected \"bfs\", \"dfs\" or \"walk\"");
                return Err(section.error(item, message));
            }
        };
    }
    if let Some(item) = section.get("network") {
        let name = read::string(source, "network", item)?;
        spec.network = match name.get_ref().as_str() {
            "multiset" => ExploreNetwork::Multiset,
            "duplicating" => ExploreNetwork::Duplicating,
            other => {
                let message =
                    format!("unknown network {other:?}; expected \"multiset\" or \"duplicating\"");
                return Err(section.error(item, message));
            }
        };
    }
    if let Some(item) = section.get("time") {
        let name = read::string(source, "time", item)?;
        spec.time = match name.get_ref().as_str() {
            "timers" => ExploreTime::Timers,
            "frozen" => ExploreTime::Frozen,
            "ordered" => ExploreTime::Ordered,
            other => {
                let message = format!(
                    "unknown time model {other:?}; expected \"timers\", \"ordered\" or \"frozen\""
                );
                return Err(section.error(item, message));
            }
        };
    }
    let integer = |key: &str, high: i64| {
        section
            .get(key)
            .map(|item| read::integer_in(source, key, item, 0..=high))
            .transpose()
            .map(|n| n.map(i64::unsigned_abs))
    };
    if let Some(item) = section.get("depth") {
        spec.depth =
            Some(read::integer_in(source, "depth", item, 1..=i64::from(DEPTH_MAX))? as u32);
    }
    if let Some(item) = section.get("states") {
        spec.states =
            read::integer_in(source, "states", item, 1..=STATES_MAX as i64)?.unsigned_abs();
    }
    if let Some(item) = section.get("walks") {
        spec.walks = read::integer_in(source, "walks", item, 1..=WALKS_MAX as i64)?.unsigned_abs();
    }
    if let Some(ops) = integer("ops", OPS_MAX as i64)? {
        spec.ops = ops;
    }
    let faults = i64::from(FAULTS_MAX);
    spec.drops = integer("drops", faults)?.unwrap_or(0) as u32;
    spec.duplicates = integer("duplicates", faults)?.unwrap_or(0) as u32;
    spec.crashes = integer("crashes", faults)?.unwrap_or(0) as u32;
    spec.restarts = integer("restarts", faults)?.unwrap_or(0) as u32;
    if let Some(item) = section.get("relative_time") {
        spec.relative_time = read::boolean(source, "relative_time", item)?;
    }
    if let Some(item) = section.get("bounds") {
        spec.bounds = parse_bounds(section, item)?;
    }
    Ok(spec)
}

/// `bounds = { term = 2 }`: names and limits; which names exist is the
/// protocol's to say, when the scenario is explored.
fn parse_bounds(section: &Section<'_>, item: &Item) -> Result<Vec<ExploreBound>, ScenarioError> {
    let Value::Table(table) = &item.value else {
        let message = format!(
            "expected a table of limits like {{ term = 2 }} for `bounds`, got {}",
            item.value.describe()
        );
        return Err(section.error(item, message));
    };
    let mut bounds = Vec::with_capacity(table.len());
    for (name, entry) in table {
        let key = format!("bounds.{name}");
        let limit = read::integer_in(section.source, &key, &entry.item, 0..=BOUND_MAX as i64)?;
        bounds.push(ExploreBound {
            name: Spanned::new(entry.key_span.clone(), name.clone()),
            limit: limit.unsigned_abs(),
        });
    }
    Ok(bounds)
}
