//! The search loop: breadth or depth first over explored states, each
//! expanded once (by fingerprint), every step checked.

use super::config::{Budgets, Config};
use super::report::{Counterexample, Limit, PathStep, Report, Sometimes};
use crate::base::hash::StableHasher;
use crate::check::{CheckKind, Outcome};
use crate::scenario::ExploreStrategy;
use crate::sim::{Choice, DynSim, StepResult, TimeModel, Verdict, PANIC_CHECK};
// allow-nondeterminism: the visited set is only probed, never iterated
use std::collections::HashMap;
use std::collections::VecDeque;
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
    /// States waiting to be expanded.
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
type Visited = HashMap<u64, u32, BuildHasherDefault<StableHasher>>;

/// Explore every state reachable from `initial` within `config`'s bounds.
/// A freshly built world is put in explore mode first; a world already in
/// explore mode (a state some choices led to: [`super::search_from`]) is searched
/// from where it stands, with the options it was put in explore mode with.
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
    let mut run = Run::new(initial.clone_box(), config);
    run.explore(initial, progress);
    run.report()
}

/// [`search_with`] without progress reports.
pub fn search(initial: Box<dyn DynSim>, config: &Config) -> Report {
    search_with(initial, config, &mut |_| true)
}

struct Run<'c> {
    config: &'c Config,
    /// The initial state (explore mode entered), to replay paths from.
    root: Box<dyn DynSim>,
    /// For each state id: its parent's id and the choice that led to it.
    parents: Vec<(u32, Choice)>,
    visited: Visited,
    transitions: u64,
    terminal: u64,
    max_depth: u32,
    limits: Vec<Limit>,
    violation: Option<(u32, String, String, Verdict)>,
    sometimes_names: Vec<(usize, String)>,
    sometimes_found: Vec<Option<u32>>,
    clock_read: bool,
}

impl<'c> Run<'c> {
    fn new(root: Box<dyn DynSim>, config: &'c Config) -> Self {
        let sometimes_names: Vec<(usize, String)> = root
            .checks()
            .into_iter()
            .enumerate()
            .filter(|(_, (_, kind))| *kind == CheckKind::Sometimes)
            .map(|(i, (name, _))| (i, name))
            .collect();
        let found = vec![None; sometimes_names.len()];
        Run {
            config,
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
        }
    }

    fn key(&self, state: &dyn DynSim, budgets: Budgets) -> u64 {
        let fingerprint = state.fingerprint();
        if self.config.budgets == Budgets::default() {
            return fingerprint;
        }
        let mut h = StableHasher::new();
        (fingerprint, budgets).hash(&mut h);
        h.finish()
    }

    fn explore(&mut self, initial: Box<dyn DynSim>, progress: &mut dyn FnMut(&Progress) -> bool) {
        let budgets = self.config.budgets;
        self.parents.push((0, Choice::Run { seq: u64::MAX }));
        let key = self.key(initial.as_ref(), budgets);
        self.visited.insert(key, 0);
        if self.note_state(initial.as_ref(), 0) {
            return;
        }
        let mut pending = VecDeque::from([Pending {
            state: initial,
            budgets,
            depth: 0,
            id: 0,
            key,
        }]);
        let mut next_report = PROGRESS_EVERY;
        while let Some(entry) = match self.config.strategy {
            ExploreStrategy::Bfs => pending.pop_front(),
            ExploreStrategy::Dfs => pending.pop_back(),
        } {
            if self.transitions >= next_report {
                next_report = self.transitions + PROGRESS_EVERY;
                let now = self.progress(pending.len());
                if !progress(&now) {
                    self.limit(Limit::Stopped);
                    return;
                }
            }
            match self.expand(entry) {
                Ok(children) => {
                    // Depth first takes the first choice first.
                    match self.config.strategy {
                        ExploreStrategy::Bfs => pending.extend(children),
                        ExploreStrategy::Dfs => pending.extend(children.into_iter().rev()),
                    }
                }
                Err(()) => return,
            }
        }
    }

    /// Expand one state: its successors not seen before (or, depth first,
    /// seen only deeper). `Err` stops the search (a violation, a bound).
    fn expand(&mut self, entry: Pending) -> Result<Vec<Pending>, ()> {
        let choices = entry.state.choices(entry.budgets.faults());
        if choices.is_empty() {
            self.terminal += 1;
            return self
                .check_terminal(entry.state.as_ref(), entry.id)
                .map(|()| Vec::new());
        }
        if self.config.max_depth.is_some_and(|max| entry.depth >= max) {
            self.limit(Limit::Depth);
            return Ok(Vec::new());
        }
        let depth = entry.depth + 1;
        let mut children = Vec::new();
        // A state whose every choice leads back to itself (a periodic timer
        // that changes nothing under frozen time) is as good as terminal.
        let mut moved = false;
        for choice in choices {
            let mut next = entry.state.clone_box();
            if next.apply_choice(&choice).is_none() {
                continue;
            }
            self.transitions += 1;
            let budgets = entry.budgets.after(&choice);
            let key = self.key(next.as_ref(), budgets);
            moved |= key != entry.key || next.violation().is_some();
            let seen = self.visited.get(&key).copied();
            if seen.is_some_and(|d| d <= depth) && next.violation().is_none() {
                continue;
            }
            if seen.is_none() && self.visited.len() as u64 >= self.config.max_states {
                self.limit(Limit::States);
                return Err(());
            }
            self.visited.insert(key, depth);
            let id = self.parents.len() as u32;
            self.parents.push((entry.id, choice));
            self.max_depth = self.max_depth.max(depth);
            if self.note_state(next.as_ref(), id) {
                return Err(());
            }
            children.push(Pending {
                state: next,
                budgets,
                depth,
                id,
                key,
            });
        }
        if !moved {
            self.terminal += 1;
            return self
                .check_terminal(entry.state.as_ref(), entry.id)
                .map(|()| children);
        }
        Ok(children)
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
        let Some(v) = state.violation() else {
            return false;
        };
        let verdict = if v.check == PANIC_CHECK {
            Verdict::Panic
        } else {
            Verdict::SafetyViolation
        };
        self.violation = Some((id, v.check.clone(), v.detail.clone(), verdict));
        true
    }

    /// The end-of-run checks on a state where nothing is enabled.
    fn check_terminal(&mut self, state: &dyn DynSim, id: u32) -> Result<(), ()> {
        for result in state.terminal_checks() {
            let Outcome::Fail(detail) = result.outcome else {
                continue;
            };
            let verdict = match result.kind {
                _ if result.name == PANIC_CHECK => Verdict::Panic,
                CheckKind::Eventually | CheckKind::Sometimes => Verdict::LivenessFailure,
                CheckKind::Always | CheckKind::AtEnd => Verdict::SafetyViolation,
            };
            self.violation = Some((id, result.name, detail, verdict));
            return Err(());
        }
        Ok(())
    }

    fn limit(&mut self, limit: Limit) {
        if !self.limits.contains(&limit) {
            self.limits.push(limit);
        }
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
        let violation =
            self.violation
                .as_ref()
                .map(|(id, check, detail, verdict)| Counterexample {
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
            limits: self.limits.clone(),
            violation,
            sometimes,
            frozen_clock_read: self.clock_read && self.config.time == TimeModel::Frozen,
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
