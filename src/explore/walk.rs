//! Random walks, for spaces too large to finish: `walks` walks from the
//! initial state, each taking a uniformly random enabled choice at every
//! step, checked like the exhaustive search.
//!
//! Walk `i` draws its choices from the seeded stream
//! [`Stream::Walk(i)`](crate::base::rng::Stream::Walk) of the scenario's
//! seed, so a walk is a function of (seed, i) alone. Walks run on `jobs`
//! threads, a round of them at a time, and are merged in walk order: the
//! report (states, steps, the first violation and the `sometimes`
//! witnesses, from the lowest-numbered walk that found them) is the same
//! for every `jobs`.

use super::boundary::Boundary;
use super::config::Config;
use super::parallel;
use super::report::{Counterexample, Limit, Report, Sometimes};
use super::search::{
    key, label_path, sometimes_checks, step_failure, terminal_failure, Failure, Progress, Visited,
};
use crate::base::rng::{Prng, Stream};
use crate::scenario::ExploreStrategy;
use crate::sim::{Choice, DynSim, TimeModel};

/// Walks run (on `jobs` threads) before they are merged; fixed, so the
/// result does not depend on `jobs`. Progress (and the time limit) is
/// checked between rounds.
const ROUND: u64 = 64;

/// How a walk ended.
enum End {
    /// A check failed on its last step.
    Violation(Failure),
    /// Nothing was enabled: the end-of-run checks ran (the first that
    /// failed, if any).
    Terminal(Option<Failure>),
    /// It reached the depth bound.
    Depth,
    /// Its last state is outside the boundary (not expanded).
    Outside,
    /// No enabled choice could be applied.
    Stuck,
}

/// One walk, as the thread that ran it saw it.
struct Walk {
    /// The choices taken.
    choices: Vec<Choice>,
    /// The key of the state after each choice.
    keys: Vec<u64>,
    /// For each `sometimes` check: the first step after which it held.
    sometimes: Vec<Option<usize>>,
    /// The first step after which a handler had read its clock.
    clock_read: Option<usize>,
    end: End,
}

/// Run walk `index` from `state` (a copy of the initial state).
fn walk(
    mut state: Box<dyn DynSim>,
    config: &Config,
    boundary: &Boundary,
    seed: u64,
    index: u64,
    sometimes: &[usize],
) -> Walk {
    let mut rng = Prng::new(seed, Stream::Walk(index as u32));
    let depth = config.walk_depth() as usize;
    let mut budgets = config.budgets;
    let mut w = Walk {
        choices: Vec::new(),
        keys: Vec::new(),
        sometimes: vec![None; sometimes.len()],
        clock_read: None,
        end: End::Depth,
    };
    loop {
        let mut choices = state.choices(budgets.faults());
        if choices.is_empty() {
            w.end = End::Terminal(terminal_failure(state.as_ref()));
            return w;
        }
        if w.choices.len() >= depth {
            // A state whose every choice leads back to it is the end of the
            // run, as in the exhaustive search: its end-of-run checks run.
            let here = match w.keys.last() {
                Some(&k) => k,
                None => key(config, state.as_ref(), budgets),
            };
            let stays = choices.iter().all(|choice| {
                let mut next = state.clone_box();
                next.apply_choice(choice).is_none()
                    || (next.violation().is_none()
                        && key(config, next.as_ref(), budgets.after(choice)) == here)
            });
            w.end = if stays {
                End::Terminal(terminal_failure(state.as_ref()))
            } else {
                End::Depth
            };
            return w;
        }
        let choice = loop {
            if choices.is_empty() {
                w.end = End::Stuck;
                return w;
            }
            let pick = choices.remove(rng.index(choices.len()));
            if state.apply_choice(&pick).is_some() {
                break pick;
            }
        };
        budgets = budgets.after(&choice);
        w.choices.push(choice);
        w.keys.push(key(config, state.as_ref(), budgets));
        let step = w.choices.len();
        if w.clock_read.is_none() && state.clock_was_read() {
            w.clock_read = Some(step);
        }
        if !sometimes.is_empty() {
            let seen = state.sometimes_seen();
            for (slot, index) in w.sometimes.iter_mut().zip(sometimes) {
                if slot.is_none() && seen.get(*index).copied().unwrap_or(false) {
                    *slot = Some(step);
                }
            }
        }
        if let Some(failure) = step_failure(state.as_ref()) {
            w.end = End::Violation(failure);
            return w;
        }
        if boundary.outside(state.as_ref()) {
            w.end = End::Outside;
            return w;
        }
    }
}

/// The walks merged so far, in walk order.
struct Merged<'c> {
    config: &'c Config,
    visited: Visited,
    transitions: u64,
    terminal: u64,
    max_depth: u32,
    limits: Vec<Limit>,
    violation: Option<(Vec<Choice>, Failure)>,
    sometimes_names: Vec<(usize, String)>,
    sometimes_found: Vec<Option<Vec<Choice>>>,
    clock_read: bool,
    walks: u64,
    /// Unique states found outside the boundary.
    outside: u64,
}

impl Merged<'_> {
    fn limit(&mut self, limit: Limit) {
        if !self.limits.contains(&limit) {
            self.limits.push(limit);
        }
    }

    /// Take one walk in. `Err` stops the search: a violation, or the state
    /// bound reached (the walk is cut there, and what it found later is
    /// not reported).
    fn merge(&mut self, w: Walk) -> Result<(), ()> {
        let last = w.keys.len();
        for (i, key) in w.keys.iter().enumerate() {
            let step = i + 1;
            self.transitions += 1;
            if !self.visited.contains(*key) {
                if self.visited.len() as u64 >= self.config.max_states {
                    self.limit(Limit::States);
                    return Err(());
                }
                self.visited.insert(*key, step as u32);
                // Only a walk's last state can be outside the boundary.
                if step == last && matches!(w.end, End::Outside) {
                    self.outside += 1;
                }
            }
            self.max_depth = self.max_depth.max(step as u32);
            self.clock_read |= w.clock_read == Some(step);
            for (slot, first) in self.sometimes_found.iter_mut().zip(&w.sometimes) {
                if slot.is_none() && *first == Some(step) {
                    *slot = Some(w.choices[..step].to_vec());
                }
            }
        }
        self.walks += 1;
        let failure = match w.end {
            End::Violation(failure) => failure,
            End::Terminal(failure) => {
                self.terminal += 1;
                match failure {
                    Some(failure) => failure,
                    None => return Ok(()),
                }
            }
            End::Depth => {
                self.limit(Limit::Depth);
                return Ok(());
            }
            End::Outside => {
                self.limit(Limit::Boundary);
                return Ok(());
            }
            End::Stuck => return Ok(()),
        };
        self.violation = Some((w.choices, failure));
        Err(())
    }

    fn report(self, root: &dyn DynSim) -> Report {
        let violation = self
            .violation
            .map(|(choices, (check, detail, verdict))| Counterexample {
                check,
                detail,
                verdict,
                path: label_path(root, &choices),
            });
        let sometimes = self
            .sometimes_names
            .into_iter()
            .zip(self.sometimes_found)
            .map(|((_, name), found)| Sometimes {
                name,
                witness: found.map(|choices| label_path(root, &choices)),
            })
            .collect();
        Report {
            strategy: ExploreStrategy::Walk,
            unique_states: self.visited.len() as u64,
            transitions: self.transitions,
            terminal_states: self.terminal,
            max_depth: self.max_depth,
            exhausted: false,
            exhausted_within_boundary: false,
            bounds: self.config.bounds.clone(),
            outside_states: self.outside,
            limits: self.limits,
            violation,
            sometimes,
            frozen_clock_read: self.clock_read && self.config.time == TimeModel::Frozen,
            walks: self.walks,
        }
    }
}

/// Walk `root` (in explore mode) `config.walks` times.
pub(super) fn walks(
    root: Box<dyn DynSim>,
    config: &Config,
    boundary: &Boundary,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Report {
    let sometimes_names = sometimes_checks(root.as_ref());
    let indices: Vec<usize> = sometimes_names.iter().map(|(i, _)| *i).collect();
    let mut m = Merged {
        config,
        visited: Visited::new(false),
        transitions: 0,
        terminal: 0,
        max_depth: 0,
        limits: Vec::new(),
        violation: None,
        sometimes_found: vec![None; sometimes_names.len()],
        sometimes_names,
        clock_read: root.clock_was_read(),
        walks: 0,
        outside: 0,
    };
    m.visited
        .insert(key(config, root.as_ref(), config.budgets), 0);
    let seen = root.sometimes_seen();
    for (slot, index) in m.sometimes_found.iter_mut().zip(&indices) {
        if seen.get(*index).copied().unwrap_or(false) {
            *slot = Some(Vec::new());
        }
    }
    if let Some(failure) = step_failure(root.as_ref()) {
        m.violation = Some((Vec::new(), failure));
        return m.report(root.as_ref());
    }
    if boundary.outside(root.as_ref()) {
        m.outside = 1;
        m.limit(Limit::Boundary);
        return m.report(root.as_ref());
    }
    let seed = root.seed();
    // One stream per walk number: at most 2^32 different walks.
    let total = config.walks.min(1 << 32);
    let mut start = 0;
    'rounds: while start < total {
        let end = (start + ROUND).min(total);
        let round: Vec<(u64, Box<dyn DynSim>)> =
            (start..end).map(|i| (i, root.clone_box())).collect();
        let done = parallel::map(round, config.jobs, |(i, state)| {
            walk(state, config, boundary, seed, i, &indices)
        });
        for w in done {
            if m.merge(w).is_err() {
                break 'rounds;
            }
        }
        start = end;
        if start < total {
            let now = Progress {
                unique_states: m.visited.len() as u64,
                transitions: m.transitions,
                max_depth: m.max_depth,
                pending: (total - start) as usize,
            };
            if !progress(&now) {
                m.limit(Limit::Stopped);
                break;
            }
        }
    }
    m.report(root.as_ref())
}
