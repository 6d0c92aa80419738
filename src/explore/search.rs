//! The search loop: breadth or depth first over explored states, each
//! expanded once (by fingerprint), every step checked.
//!
//! Expanding a state (listing its choices, applying each to a copy,
//! fingerprinting the copies, the end-of-run checks of a terminal state) is
//! the costly part, and it needs only the state: breadth first, it runs on
//! `jobs` threads ([`super::parallel`]), a round of one level's frontier at
//! a time. Taking the successors in (the visited map, state ids, bounds,
//! verdicts) is done on one thread in frontier order, the order of a single
//! thread popping a queue, so the report is the same for every `jobs`.

use super::boundary::Boundary;
use super::config::{Budgets, Config};
use super::parallel;
use super::report::{Counterexample, Limit, PathStep, Report, Sometimes};
use crate::base::hash::StableHasher;
use crate::check::{CheckKind, Outcome};
use crate::scenario::ExploreStrategy;
use crate::sim::{Choice, DynSim, StepResult, TimeModel, Verdict, PANIC_CHECK};
// allow-nondeterminism: the visited set is only probed, never iterated
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// How far a search has got, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Unique states so far.
    pub unique_states: u64,
    /// Choices applied so far.
    pub transitions: u64,
    /// The deepest state so far.
    pub max_depth: u32,
    /// States waiting to be expanded (random walks: walks still to run).
    pub pending: usize,
}

/// How often (in transitions) the progress callback runs.
const PROGRESS_EVERY: u64 = 4096;

/// A state waiting to be expanded.
struct Pending {
    state: Box<dyn DynSim>,
    budgets: Budgets,
    depth: u32,
    id: u32,
    /// Its key in the visited set.
    key: u64,
}

// allow-nondeterminism: probed only (membership and depth), never iterated
pub(super) type Visited = HashMap<u64, u32, BuildHasherDefault<StableHasher>>;

/// A check that failed: its name, its explanation and the verdict.
pub(super) type Failure = (String, String, Verdict);

/// Frontier states expanded (on `jobs` threads) before their successors
/// are merged. Fixed, so that which states are skipped early does not
/// depend on `jobs` either (the result never does).
const ROUND: usize = 1024;

/// What expanding one state gave. Computed from the state alone and the
/// visited map as it was when the round began, so on any thread.
enum Expansion {
    /// Nothing is enabled, or every choice leads back to this state: the
    /// first end-of-run check that failed, if any, and how many choices
    /// were applied (to count as transitions).
    Terminal(Option<Failure>, u64),
    /// At the depth bound, with choices left.
    DepthCut,
    /// The successors, in choice order.
    Children(Vec<Child>),
}

/// One successor of an expanded state.
struct Child {
    choice: Choice,
    budgets: Budgets,
    key: u64,
    /// `None` when it was already visited no deeper when the round began and
    /// no check failed: the merge skips it (but counts the transition).
    state: Option<Box<dyn DynSim>>,
    /// The state is outside the boundary: not to be expanded.
    outside: bool,
}

/// Explore every state reachable from `initial` within `config`'s bounds,
/// or walk it at random ([`crate::scenario::ExploreStrategy::Walk`]). A
/// freshly built world is put in explore mode first; a world already in
/// explore mode (a state some choices led to: [`super::search_from`]) is
/// searched from where it stands, with the options it was put in explore
/// mode with.
/// `progress` runs every few thousand steps; returning `false` stops the
/// search (reported as [`Limit::Stopped`]).
pub fn search_with(
    mut initial: Box<dyn DynSim>,
    config: &Config,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Report {
    if !initial.is_exploring() {
        initial.start_exploring(config.options());
    }
    let boundary = Boundary::new(initial.as_ref(), config);
    if config.strategy == ExploreStrategy::Walk {
        return super::walk::walks(initial, config, &boundary, progress);
    }
    let mut run = Run::new(initial.clone_box(), config, boundary);
    run.explore(initial, progress);
    run.report()
}

/// [`search_with`] without progress reports.
pub fn search(initial: Box<dyn DynSim>, config: &Config) -> Report {
    search_with(initial, config, &mut |_| true)
}

/// A state's key in the visited map: its fingerprint, and the fault budgets
/// left when there are budgets at all.
pub(super) fn key(config: &Config, state: &dyn DynSim, budgets: Budgets) -> u64 {
    let fingerprint = state.fingerprint();
    if config.budgets == Budgets::default() {
        return fingerprint;
    }
    let mut h = StableHasher::new();
    (fingerprint, budgets).hash(&mut h);
    h.finish()
}

/// The check that failed on the step that reached `state`, if one did.
pub(super) fn step_failure(state: &dyn DynSim) -> Option<Failure> {
    let v = state.violation()?;
    let verdict = if v.check == PANIC_CHECK {
        Verdict::Panic
    } else {
        Verdict::SafetyViolation
    };
    Some((v.check.clone(), v.detail.clone(), verdict))
}

/// The first end-of-run check that fails on `state` (a state where nothing
/// is enabled), if any.
pub(super) fn terminal_failure(state: &dyn DynSim) -> Option<Failure> {
    state.terminal_checks().into_iter().find_map(|result| {
        let Outcome::Fail(detail) = result.outcome else {
            return None;
        };
        let verdict = match result.kind {
            _ if result.name == PANIC_CHECK => Verdict::Panic,
            CheckKind::Eventually
            | CheckKind::Sometimes
            | CheckKind::Expect
            | CheckKind::Within => Verdict::LivenessFailure,
            CheckKind::Always | CheckKind::AtEnd | CheckKind::At => Verdict::SafetyViolation,
        };
        Some((result.name, detail, verdict))
    })
}

/// The registered `sometimes` checks: their index among all checks, and
/// their name.
pub(super) fn sometimes_checks(root: &dyn DynSim) -> Vec<(usize, String)> {
    root.checks()
        .into_iter()
        .enumerate()
        .filter(|(_, (_, kind))| *kind == CheckKind::Sometimes)
        .map(|(i, (name, _))| (i, name))
        .collect()
}

/// Was a state met `depth` choices from the start seen before, when it was
/// first met at `known`? Under a depth bound, only if no deeper: a state
/// first met deep and met again shallower is expanded again (its successors
/// may now be within the bound). Without one, a state is expanded once.
fn seen_before(config: &Config, known: Option<u32>, depth: u32) -> bool {
    match known {
        Some(d) => d <= depth || config.max_depth.is_none(),
        None => false,
    }
}

/// Expand one state: apply each enabled choice to a copy and key it. The
/// state itself is used up: the last choice is applied to it rather than
/// to a copy (a world fewer to build and to free), unless every choice
/// before it led back to the state, which a terminal check may then need.
fn expand(entry: Pending, config: &Config, boundary: &Boundary, known: &Visited) -> Expansion {
    let choices = entry.state.choices(entry.budgets.faults());
    if choices.is_empty() {
        return Expansion::Terminal(terminal_failure(entry.state.as_ref()), 0);
    }
    if config.max_depth.is_some_and(|max| entry.depth >= max) {
        return Expansion::DepthCut;
    }
    let depth = entry.depth + 1;
    let mut children = Vec::with_capacity(choices.len());
    // A state whose every choice leads back to itself (a periodic timer
    // that changes nothing under frozen time) is as good as terminal.
    let mut moved = false;
    let last = choices.len() - 1;
    let (parent_budgets, parent_key) = (entry.budgets, entry.key);
    let mut parent = Some(entry.state);
    for (i, choice) in choices.into_iter().enumerate() {
        let mut next = match parent.take() {
            Some(state) if i == last && moved => state,
            Some(state) => {
                let copy = state.clone_box();
                parent = Some(state);
                copy
            }
            None => break, // only the last choice takes the state
        };
        if next.apply_choice(&choice).is_none() {
            continue;
        }
        let budgets = parent_budgets.after(&choice);
        let key = key(config, next.as_ref(), budgets);
        moved |= key != parent_key || next.violation().is_some();
        let skip =
            seen_before(config, known.get(&key).copied(), depth) && next.violation().is_none();
        let outside = !skip && boundary.outside(next.as_ref());
        children.push(Child {
            choice,
            budgets,
            key,
            state: (!skip).then_some(next),
            outside,
        });
    }
    if !moved {
        let applied = children.len() as u64;
        return Expansion::Terminal(parent.as_deref().and_then(terminal_failure), applied);
    }
    Expansion::Children(children)
}

struct Run<'c> {
    config: &'c Config,
    boundary: Boundary,
    /// Unique states found outside the boundary.
    outside: u64,
    /// The initial state (explore mode entered), to replay paths from.
    root: Box<dyn DynSim>,
    /// For each state id: its parent's id and the choice that led to it.
    parents: Vec<(u32, Choice)>,
    visited: Visited,
    transitions: u64,
    terminal: u64,
    max_depth: u32,
    limits: Vec<Limit>,
    violation: Option<(u32, Failure)>,
    sometimes_names: Vec<(usize, String)>,
    sometimes_found: Vec<Option<u32>>,
    clock_read: bool,
    next_report: u64,
}

impl<'c> Run<'c> {
    fn new(root: Box<dyn DynSim>, config: &'c Config, boundary: Boundary) -> Self {
        let sometimes_names = sometimes_checks(root.as_ref());
        let found = vec![None; sometimes_names.len()];
        Run {
            config,
            boundary,
            outside: 0,
            root,
            parents: Vec::new(),
            visited: Visited::default(),
            transitions: 0,
            terminal: 0,
            max_depth: 0,
            limits: Vec::new(),
            violation: None,
            sometimes_names,
            sometimes_found: found,
            clock_read: false,
            next_report: PROGRESS_EVERY,
        }
    }

    fn explore(&mut self, initial: Box<dyn DynSim>, progress: &mut dyn FnMut(&Progress) -> bool) {
        let budgets = self.config.budgets;
        self.parents.push((0, Choice::Run { seq: u64::MAX }));
        let key = key(self.config, initial.as_ref(), budgets);
        self.visited.insert(key, 0);
        if self.note_state(initial.as_ref(), 0) {
            return;
        }
        if self.boundary.outside(initial.as_ref()) {
            self.note_outside();
            return;
        }
        let root = Pending {
            state: initial,
            budgets,
            depth: 0,
            id: 0,
            key,
        };
        match self.config.strategy {
            ExploreStrategy::Dfs => self.depth_first(root, progress),
            ExploreStrategy::Bfs | ExploreStrategy::Walk => self.breadth_first(root, progress),
        }
    }

    /// Level by level; each level in rounds of [`ROUND`] states expanded on
    /// `jobs` threads, their successors merged in frontier order: the same
    /// order, so the same result, as one thread popping a queue.
    fn breadth_first(&mut self, root: Pending, progress: &mut dyn FnMut(&Progress) -> bool) {
        let config = self.config;
        let mut frontier = vec![root];
        while !frontier.is_empty() {
            let mut next_level = Vec::new();
            let mut rest = frontier.into_iter();
            loop {
                let round: Vec<Pending> = rest.by_ref().take(ROUND).collect();
                if round.is_empty() {
                    break;
                }
                let (known, boundary) = (&self.visited, &self.boundary);
                let expanded = parallel::map(round, config.jobs, |entry| {
                    let (id, depth) = (entry.id, entry.depth);
                    (id, depth, expand(entry, config, boundary, known))
                });
                let mut waiting = rest.len() + expanded.len();
                // Successors found twice in this round: freed by the workers
                // too, not by this thread (freeing a world costs about what
                // building it does).
                let mut seen_twice = Vec::new();
                let mut expanded = expanded.into_iter();
                let mut stopped = false;
                for (id, depth, expansion) in expanded.by_ref() {
                    waiting -= 1;
                    stopped = !self.keep_going(waiting + next_level.len(), progress)
                        || self
                            .merge(id, depth, expansion, &mut next_level, &mut seen_twice)
                            .is_err();
                    if stopped {
                        break;
                    }
                }
                if stopped {
                    // The worlds still waiting (often a whole level) are
                    // freed on the worker threads too.
                    let mut left = seen_twice;
                    left.extend(next_level.into_iter().map(|p| p.state));
                    left.extend(rest.map(|p| p.state));
                    for (_, _, expansion) in expanded {
                        if let Expansion::Children(children) = expansion {
                            left.extend(children.into_iter().filter_map(|c| c.state));
                        }
                    }
                    parallel::drop_all(left, config.jobs);
                    return;
                }
                parallel::drop_all(seen_twice, config.jobs);
            }
            frontier = next_level;
        }
    }

    /// Depth first, one state at a time; the first choice first.
    fn depth_first(&mut self, root: Pending, progress: &mut dyn FnMut(&Progress) -> bool) {
        let mut pending = vec![root];
        while let Some(entry) = pending.pop() {
            if !self.keep_going(pending.len(), progress) {
                return;
            }
            let (id, depth) = (entry.id, entry.depth);
            let expansion = expand(entry, self.config, &self.boundary, &self.visited);
            let mut children = Vec::new();
            let mut seen = Vec::new();
            if self
                .merge(id, depth, expansion, &mut children, &mut seen)
                .is_err()
            {
                return;
            }
            pending.extend(children.into_iter().rev());
        }
    }

    /// Report progress every [`PROGRESS_EVERY`] transitions; false when the
    /// caller asked to stop.
    fn keep_going(&mut self, pending: usize, progress: &mut dyn FnMut(&Progress) -> bool) -> bool {
        if self.transitions < self.next_report {
            return true;
        }
        self.next_report = self.transitions + PROGRESS_EVERY;
        let now = self.progress(pending);
        if progress(&now) {
            return true;
        }
        self.limit(Limit::Stopped);
        false
    }

    /// Take state `id`'s expansion into the search: count it, and add its
    /// successors not seen before (or, depth first, seen only deeper) to
    /// `out`, the others to `seen` (for the caller to free). `Err` stops the
    /// search (a violation, a bound).
    fn merge(
        &mut self,
        id: u32,
        depth: u32,
        expansion: Expansion,
        out: &mut Vec<Pending>,
        seen: &mut Vec<Box<dyn DynSim>>,
    ) -> Result<(), ()> {
        let children = match expansion {
            Expansion::Terminal(failure, applied) => {
                self.transitions += applied;
                self.terminal += 1;
                return match failure {
                    Some(failure) => {
                        self.violation = Some((id, failure));
                        Err(())
                    }
                    None => Ok(()),
                };
            }
            Expansion::DepthCut => {
                self.limit(Limit::Depth);
                return Ok(());
            }
            Expansion::Children(children) => children,
        };
        let depth = depth + 1;
        for child in children {
            self.transitions += 1;
            let Some(state) = child.state else {
                continue;
            };
            let known = self.visited.get(&child.key).copied();
            // A state outside the boundary is never expanded: met again
            // (shallower, under a depth bound) there is nothing to redo.
            let again =
                seen_before(self.config, known, depth) || (known.is_some() && child.outside);
            if again && state.violation().is_none() {
                seen.push(state);
                continue;
            }
            if known.is_none() && self.visited.len() as u64 >= self.config.max_states {
                self.limit(Limit::States);
                return Err(());
            }
            self.visited.insert(child.key, depth);
            let child_id = self.parents.len() as u32;
            self.parents.push((id, child.choice));
            self.max_depth = self.max_depth.max(depth);
            if self.note_state(state.as_ref(), child_id) {
                return Err(());
            }
            if child.outside {
                self.note_outside();
                seen.push(state);
                continue;
            }
            out.push(Pending {
                state,
                budgets: child.budgets,
                depth,
                id: child_id,
                key: child.key,
            });
        }
        Ok(())
    }

    /// Record a new state's `sometimes` marks and its violation, if any;
    /// true when the search must stop.
    fn note_state(&mut self, state: &dyn DynSim, id: u32) -> bool {
        self.clock_read |= state.clock_was_read();
        if !self.sometimes_names.is_empty() {
            let seen = state.sometimes_seen();
            for (slot, (index, _)) in self.sometimes_found.iter_mut().zip(&self.sometimes_names) {
                if slot.is_none() && seen.get(*index).copied().unwrap_or(false) {
                    *slot = Some(id);
                }
            }
        }
        let Some(failure) = step_failure(state) else {
            return false;
        };
        self.violation = Some((id, failure));
        true
    }

    fn limit(&mut self, limit: Limit) {
        if !self.limits.contains(&limit) {
            self.limits.push(limit);
        }
    }

    /// A new state is outside the boundary: counted, not expanded.
    fn note_outside(&mut self) {
        self.outside += 1;
        self.limit(Limit::Boundary);
    }

    fn progress(&self, pending: usize) -> Progress {
        Progress {
            unique_states: self.visited.len() as u64,
            transitions: self.transitions,
            max_depth: self.max_depth,
            pending,
        }
    }

    /// The path to state `id`, in words.
    fn path(&self, id: u32) -> Vec<PathStep> {
        let mut choices = Vec::new();
        let mut at = id;
        while at != 0 {
            let (parent, choice) = self.parents[at as usize];
            choices.push(choice);
            at = parent;
        }
        choices.reverse();
        label_path(self.root.as_ref(), &choices)
    }

    fn report(&self) -> Report {
        let violation = self
            .violation
            .as_ref()
            .map(|(id, (check, detail, verdict))| Counterexample {
                check: check.clone(),
                detail: detail.clone(),
                verdict: *verdict,
                path: self.path(*id),
            });
        let sometimes = self
            .sometimes_names
            .iter()
            .zip(&self.sometimes_found)
            .map(|((_, name), found)| Sometimes {
                name: name.clone(),
                witness: found.map(|id| self.path(id)),
            })
            .collect();
        Report {
            strategy: self.config.strategy,
            unique_states: self.visited.len() as u64,
            transitions: self.transitions,
            terminal_states: self.terminal,
            max_depth: self.max_depth,
            exhausted: self.limits.is_empty() && violation.is_none(),
            exhausted_within_boundary: self.limits.iter().all(|l| *l == Limit::Boundary)
                && violation.is_none(),
            bounds: self.config.bounds.clone(),
            outside_states: self.outside,
            limits: self.limits.clone(),
            violation,
            sometimes,
            frozen_clock_read: self.clock_read && self.config.time == TimeModel::Frozen,
            walks: 0,
        }
    }
}

/// Apply `choices` to a copy of `root` (a world in explore mode), naming
/// each as of the state before it.
pub fn label_path(root: &dyn DynSim, choices: &[Choice]) -> Vec<PathStep> {
    let mut state = root.clone_box();
    let mut path = Vec::with_capacity(choices.len());
    for choice in choices {
        let label = state.describe_choice(choice);
        let result = state.apply_choice(choice);
        path.push(PathStep {
            choice: *choice,
            label,
        });
        if result == Some(StepResult::Violated) {
            break;
        }
    }
    path
}
