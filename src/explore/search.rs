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
//! Depth first, one thread pops and merges in stack order while the others
//! expand states still on the stack ahead of time ([`super::stack`],
//! [`Run::depth_first_parallel`]).
//!
//! Breadth first does not keep the worlds of its frontier: a frontier
//! state is its id, and its world is rebuilt when it is expanded, by
//! replaying its path of choices from the initial state (the search keeps
//! each state's parent and choice anyway, for counterexamples). The
//! frontier is in path order, so consecutive states share most of their
//! paths: a worker keeps the worlds along the last path and replays only
//! where the next path departs from it ([`Rebuilder`]). States at the
//! depth bound are judged when they are found (what expanding them would
//! say: cut, or terminal and its end-of-run checks), so the deepest level,
//! the largest, is never rebuilt. Memory is then tens of bytes per state,
//! not a world (kilobytes) per frontier state.

use super::boundary::Boundary;
use super::config::{Budgets, Config};
use super::parallel;
use super::report::{Counterexample, Limit, PathStep, Report, Sometimes};
use super::seen::Seen;
use super::stack::{Next, Stack};
pub(super) use super::visited::Visited;
use crate::base::hash::StableHasher;
use crate::check::{CheckKind, Outcome};
use crate::scenario::ExploreStrategy;
use crate::sim::{Choice, DynSim, StepResult, TimeModel, Verdict, PANIC_CHECK};
use std::hash::{Hash, Hasher};

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

/// The choice recorded for the initial state, which no choice led to.
const ROOT_CHOICE: Choice = Choice::Run { seq: u64::MAX };

/// How often (in transitions) the progress callback runs.
const PROGRESS_EVERY: u64 = 4096;

/// A state waiting to be expanded, with its world (depth first, and a
/// rebuilt breadth-first state).
struct Pending {
    state: Box<dyn DynSim>,
    budgets: Budgets,
    depth: u32,
    /// Its id (breadth first; depth first keeps no ids: 0).
    id: u32,
    /// The choice that led to it (the initial state: any).
    choice: Choice,
    /// Its key in the visited set.
    key: u64,
}

/// A check that failed: its name, its explanation and the verdict.
pub(super) type Failure = (String, String, Verdict);

/// Breadth-first frontier states rebuilt and expanded by one worker in a
/// row (sharing the worlds along their common paths), a part of a round.
const CHUNK: usize = 64;

/// Frontier states expanded (on `jobs` threads) before their successors
/// are merged. Fixed, so that which states are skipped early does not
/// depend on `jobs` either (the result never does).
const ROUND: usize = 1024;

/// Parallel depth first: the stack slots (from the top) a helper looks at
/// for an entry to expand ahead of time ([`Stack::new`]).
const DFS_WINDOW: usize = 256;

/// Parallel depth first: expansions parked or being made, at most, per
/// helper, before helpers wait. 32 left the helper waiting at the bound
/// (entries parked low on the stack wait for the whole subtree above
/// them); most expansions a helper makes now hold no world (it skips the
/// successors [`Seen`] knows), so it is the worlds that are bounded
/// ([`DFS_PARKED_WORLDS`]), and this only as far as the window does.
const DFS_PARKED: usize = 256;

/// Parallel depth first: worlds the parked expansions hold, at most, per
/// helper, before helpers wait (a world is kilobytes: memory). Measured on
/// explore-paxos with one other process running (docs/explore.md): 128
/// held the helper back (42,000 waits at the bound, 3.5-4.4 s), 256 less
/// (7,000-8,000, 3.0-3.1 s); at 512 it never binds there (2.9-3.0 s, 1-2
/// MB more than 128).
const DFS_PARKED_WORLDS: usize = 512;

/// A state waiting to be expanded breadth first: no world, which is
/// rebuilt from its path ([`Rebuilder`]) unless it is at the depth bound.
struct Queued {
    id: u32,
    depth: u32,
    budgets: Budgets,
    key: u64,
    /// At the depth bound: what expanding it gives, found with the state.
    leaf: Option<Expansion>,
}

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

impl Expansion {
    /// The successors' worlds it holds.
    fn worlds(&self) -> usize {
        match self {
            Expansion::Children(children) => children.iter().filter(|c| c.state.is_some()).count(),
            Expansion::Terminal(..) | Expansion::DepthCut => 0,
        }
    }
}

/// One successor of an expanded state.
struct Child {
    choice: Choice,
    budgets: Budgets,
    key: u64,
    /// Already visited no deeper when the round began and no check failed:
    /// the merge skips it (but counts the transition).
    skip: bool,
    /// Its world, when the search keeps worlds (depth first) and it is
    /// not skipped.
    state: Option<Box<dyn DynSim>>,
    /// What the merge notes about a state not skipped.
    notes: Notes,
    /// At the depth bound and not skipped: what expanding it gives
    /// (breadth first, which keeps no world to expand later).
    leaf: Option<Expansion>,
    /// The state is outside the boundary: not to be expanded.
    outside: bool,
}

/// What the merge records of a new state, read from its world when it
/// was made: a handler read its clock, the `sometimes` checks that hold,
/// the check that failed on the step, if any.
#[derive(Default)]
struct Notes {
    clock_read: bool,
    sometimes: Marks,
    failure: Option<Failure>,
}

impl Notes {
    fn of(state: &dyn DynSim, sometimes: bool) -> Notes {
        Notes {
            clock_read: state.clock_was_read(),
            sometimes: if sometimes {
                Marks::of(state.sometimes_seen())
            } else {
                Marks::default()
            },
            failure: step_failure(state),
        }
    }
}

/// Which checks' `sometimes` marks are set, by check index: the first 64
/// as bits (no allocation per new state), any beyond in a vector.
#[derive(Default)]
struct Marks {
    low: u64,
    rest: Vec<bool>,
}

impl Marks {
    fn of(seen: &[bool]) -> Marks {
        let low = seen
            .iter()
            .take(64)
            .enumerate()
            .fold(0u64, |bits, (i, &on)| bits | (u64::from(on) << i));
        Marks {
            low,
            rest: seen.get(64..).map(<[bool]>::to_vec).unwrap_or_default(),
        }
    }

    fn get(&self, index: usize) -> bool {
        match index.checked_sub(64) {
            None => self.low >> index & 1 == 1,
            Some(i) => self.rest.get(i).copied().unwrap_or(false),
        }
    }
}

/// Where [`expand`] looks up the depth a successor was first met at, to
/// skip those seen before: the visited set itself (one thread, or the
/// merging thread), or what a helper may know of it ([`Seen`]: a hint that
/// never says more than the visited set).
trait Known {
    /// The depth `key` is known at, if it is known.
    fn get(&self, key: u64) -> Option<u32>;
}

impl Known for Visited {
    #[inline]
    fn get(&self, key: u64) -> Option<u32> {
        Visited::get(self, key)
    }
}

impl Known for Seen {
    #[inline]
    fn get(&self, key: u64) -> Option<u32> {
        Seen::get(self, key)
    }
}

/// What the merge tells the helpers of the keys it stores in the visited
/// set: nothing (one thread, breadth first), or a [`Seen`] table.
trait Publish {
    /// The visited set now holds `key` at `depth`.
    fn note(&self, key: u64, depth: u32);
}

impl Publish for () {
    #[inline]
    fn note(&self, _key: u64, _depth: u32) {}
}

impl Publish for Seen {
    #[inline]
    fn note(&self, key: u64, depth: u32) {
        Seen::note(self, key, depth);
    }
}

/// What [`expand`] needs besides the state: the search's settings, and
/// whether to keep the successors' worlds.
struct Expander<'a, K: Known = Visited> {
    config: &'a Config,
    boundary: &'a Boundary,
    known: &'a K,
    /// Keep successors' worlds (depth first); breadth first drops them and
    /// judges those at the depth bound at once.
    keep: bool,
    /// Read the `sometimes` marks (there are `sometimes` checks).
    sometimes: bool,
}

/// Buffers [`expand`] reuses from one state to the next (one per worker):
/// the list of a state's choices, and of a leaf's, and worlds the search
/// is done with, to copy the next worlds into.
#[derive(Default)]
pub(super) struct Scratch {
    choices: Vec<Choice>,
    leaf: Vec<Choice>,
    spare: Spare,
}

/// Worlds the search is done with (a successor seen before, an expanded
/// state, a rebuilt path left behind), kept to be made copies of other
/// worlds ([`DynSim::clone_into_box`]): a copy then reuses their vectors
/// instead of allocating its own, and nothing is freed. A copy is the
/// same value either way; only the allocations differ.
#[derive(Default)]
pub(super) struct Spare {
    worlds: Vec<Box<dyn DynSim>>,
    /// A list of successors the merge emptied, for the next expansion.
    children: Vec<Child>,
    /// Copies made with no spare world, and worlds freed (feature
    /// `dfs-stats`).
    #[cfg(feature = "dfs-stats")]
    counts: (u64, u64),
}

impl Spare {
    /// Worlds kept at most (a few kilobytes each; depth first needs a
    /// handful at a time).
    const MAX: usize = 32;

    /// A copy of `world`, made in a spare world if there is one.
    pub(super) fn copy(&mut self, world: &dyn DynSim) -> Box<dyn DynSim> {
        match self.worlds.pop() {
            Some(mut spare) => {
                world.clone_into_box(&mut spare);
                spare
            }
            None => {
                #[cfg(feature = "dfs-stats")]
                {
                    self.counts.0 += 1;
                }
                world.clone_box()
            }
        }
    }

    /// Keep `world` to copy another into (or free it, when enough are kept).
    pub(super) fn recycle(&mut self, world: Box<dyn DynSim>) {
        if self.worlds.len() < Self::MAX {
            self.worlds.push(world);
        } else {
            #[cfg(feature = "dfs-stats")]
            {
                self.counts.1 += 1;
            }
        }
    }
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
fn expand<K: Known>(entry: Pending, with: &Expander<K>, scratch: &mut Scratch) -> Expansion {
    let (config, boundary, known) = (with.config, with.boundary, with.known);
    let choices = &mut scratch.choices;
    entry.state.choices_into(entry.budgets.faults(), choices);
    if choices.is_empty() {
        let failure = terminal_failure(entry.state.as_ref());
        scratch.spare.recycle(entry.state);
        return Expansion::Terminal(failure, 0);
    }
    if config.max_depth.is_some_and(|max| entry.depth >= max) {
        scratch.spare.recycle(entry.state);
        return Expansion::DepthCut;
    }
    let depth = entry.depth + 1;
    let at_bound = config.max_depth.is_some_and(|max| depth >= max);
    let mut children = std::mem::take(&mut scratch.spare.children);
    children.reserve(choices.len());
    // A state whose every choice leads back to itself (a periodic timer
    // that changes nothing under frozen time) is as good as terminal.
    let mut moved = false;
    let last = choices.len() - 1;
    let (parent_budgets, parent_key) = (entry.budgets, entry.key);
    let mut parent = Some(entry.state);
    for (i, &choice) in scratch.choices.iter().enumerate() {
        let mut next = match parent.take() {
            Some(state) if i == last && moved => state,
            Some(state) => {
                let copy = scratch.spare.copy(state.as_ref());
                parent = Some(state);
                copy
            }
            None => break, // only the last choice takes the state
        };
        if next.apply_choice(&choice).is_none() {
            scratch.spare.recycle(next);
            continue;
        }
        let budgets = parent_budgets.after(&choice);
        let key = key(config, next.as_ref(), budgets);
        moved |= key != parent_key || next.violation().is_some();
        let skip = seen_before(config, known.get(key), depth) && next.violation().is_none();
        let outside = !skip && boundary.outside(next.as_ref());
        let notes = if skip {
            Notes::default()
        } else {
            Notes::of(next.as_ref(), with.sometimes)
        };
        let leaf = (!skip && !with.keep && at_bound).then(|| {
            next.choices_into(budgets.faults(), &mut scratch.leaf);
            if scratch.leaf.is_empty() {
                Expansion::Terminal(terminal_failure(next.as_ref()), 0)
            } else {
                Expansion::DepthCut
            }
        });
        let state = if !skip && with.keep {
            Some(next)
        } else {
            scratch.spare.recycle(next);
            None
        };
        children.push(Child {
            choice,
            budgets,
            key,
            skip,
            state,
            notes,
            leaf,
            outside,
        });
    }
    let expansion = if moved {
        Expansion::Children(children)
    } else {
        let applied = children.len() as u64;
        Expansion::Terminal(parent.as_deref().and_then(terminal_failure), applied)
    };
    if let Some(state) = parent {
        scratch.spare.recycle(state);
    }
    expansion
}

struct Run<'c> {
    config: &'c Config,
    boundary: Boundary,
    /// Unique states found outside the boundary.
    outside: u64,
    /// The initial state (explore mode entered), to replay paths from.
    root: Box<dyn DynSim>,
    /// Breadth first: for each state id, its parent's id and the choice
    /// that led to it (for the [`Rebuilder`] and the paths reported).
    /// Depth first keeps none: the path to a state is [`Run::path`].
    parents: Vec<(u32, Choice)>,
    /// Depth first: the choices from the initial state to the state being
    /// expanded. A state popped at depth `d` is a child of the state most
    /// recently expanded at depth `d - 1` (its siblings pushed after it
    /// and their subtrees are all popped before it), so the path is cut to
    /// `d - 1` choices and the state's own choice pushed.
    path: Vec<Choice>,
    visited: Visited,
    transitions: u64,
    terminal: u64,
    max_depth: u32,
    limits: Vec<Limit>,
    /// The failed check and the path to the state it failed in.
    violation: Option<(Vec<Choice>, Failure)>,
    sometimes_names: Vec<(usize, String)>,
    /// The path to the first state each `sometimes` check held in.
    sometimes_found: Vec<Option<Vec<Choice>>>,
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
            path: Vec::new(),
            visited: Visited::new(config.max_depth.is_some()),
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
        if self.keeps_parents() {
            self.parents.push((0, ROOT_CHOICE));
        }
        let key = key(self.config, initial.as_ref(), budgets);
        self.visited.insert(key, 0);
        let notes = Notes::of(initial.as_ref(), !self.sometimes_names.is_empty());
        if self.note_state(&notes, 0, None) {
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
            choice: ROOT_CHOICE,
            key,
        };
        match self.config.strategy {
            ExploreStrategy::Dfs => self.depth_first(root, progress),
            ExploreStrategy::Bfs | ExploreStrategy::Walk => self.breadth_first(root, progress),
        }
    }

    /// Level by level; each level in rounds of [`ROUND`] states expanded on
    /// `jobs` threads, their successors merged in frontier order: the same
    /// order, so the same result, as one thread popping a queue. Frontier
    /// states hold no world: it is rebuilt from their path.
    fn breadth_first(&mut self, root: Pending, progress: &mut dyn FnMut(&Progress) -> bool) {
        let config = self.config;
        let sometimes = !self.sometimes_names.is_empty();
        let (id, depth) = (root.id, root.depth);
        let with = Expander {
            config,
            boundary: &self.boundary,
            known: &self.visited,
            keep: false,
            sometimes,
        };
        let mut scratch = Scratch::default();
        let expansion = expand(root, &with, &mut scratch);
        let mut frontier = Vec::new();
        if self
            .merge(id, depth, expansion, &mut frontier, &mut scratch.spare, &())
            .is_err()
        {
            return;
        }
        let mut frontier: Vec<Queued> = frontier.into_iter().map(queued).collect();
        while !frontier.is_empty() {
            let mut next_level = Vec::new();
            let mut rest = frontier.into_iter();
            loop {
                let round: Vec<Queued> = rest.by_ref().take(ROUND).collect();
                if round.is_empty() {
                    break;
                }
                let mut chunks = Vec::with_capacity(round.len().div_ceil(CHUNK));
                let mut round = round.into_iter();
                loop {
                    let chunk: Vec<Queued> = round.by_ref().take(CHUNK).collect();
                    if chunk.is_empty() {
                        break;
                    }
                    chunks.push((self.root.clone_box(), chunk));
                }
                let with = Expander {
                    config,
                    boundary: &self.boundary,
                    known: &self.visited,
                    keep: false,
                    sometimes,
                };
                let parents = &self.parents;
                let expanded = parallel::map(chunks, config.jobs, |(root, chunk)| {
                    let mut rebuilder = Rebuilder::new(root, parents);
                    let mut scratch = Scratch::default();
                    chunk
                        .into_iter()
                        .map(|entry| {
                            let (id, depth) = (entry.id, entry.depth);
                            let expansion = match entry.leaf {
                                Some(leaf) => leaf,
                                None => {
                                    let state = rebuilder.world(id, &mut scratch.spare);
                                    debug_assert_eq!(
                                        key(config, state.as_ref(), entry.budgets),
                                        entry.key,
                                        "state {id} rebuilt from its path differs"
                                    );
                                    let pending = Pending {
                                        state,
                                        budgets: entry.budgets,
                                        depth,
                                        id,
                                        choice: ROOT_CHOICE,
                                        key: entry.key,
                                    };
                                    expand(pending, &with, &mut scratch)
                                }
                            };
                            (id, depth, expansion)
                        })
                        .collect::<Vec<_>>()
                });
                let mut waiting = rest.len() + expanded.iter().map(Vec::len).sum::<usize>();
                let mut found = Vec::new();
                for (id, depth, expansion) in expanded.into_iter().flatten() {
                    waiting -= 1;
                    if !self.keep_going(waiting + next_level.len(), progress)
                        || self
                            .merge(id, depth, expansion, &mut found, &mut scratch.spare, &())
                            .is_err()
                    {
                        return;
                    }
                    next_level.extend(found.drain(..).map(queued));
                }
            }
            frontier = next_level;
        }
    }

    /// Depth first, one state at a time; the first choice first. On
    /// [`Config::jobs`] threads when there are more than one
    /// ([`Run::depth_first_parallel`]).
    fn depth_first(&mut self, root: Pending, progress: &mut dyn FnMut(&Progress) -> bool) {
        if self.config.jobs > 1 {
            return self.depth_first_parallel(root, progress);
        }
        let sometimes = !self.sometimes_names.is_empty();
        let mut pending = vec![root];
        let mut found = Vec::new();
        let mut scratch = Scratch::default();
        while let Some(entry) = pending.pop() {
            if !self.keep_going(pending.len(), progress) {
                return;
            }
            let (id, depth) = (entry.id, entry.depth);
            if depth > 0 {
                self.path.truncate(depth as usize - 1);
                self.path.push(entry.choice);
            }
            let with = Expander {
                config: self.config,
                boundary: &self.boundary,
                known: &self.visited,
                keep: true,
                sometimes,
            };
            let expansion = expand(entry, &with, &mut scratch);
            if self
                .merge(id, depth, expansion, &mut found, &mut scratch.spare, &())
                .is_err()
            {
                return;
            }
            pending.extend(found.drain(..).rev().filter_map(|(id, depth, child)| {
                Some(Pending {
                    state: child.state?,
                    budgets: child.budgets,
                    depth,
                    id,
                    choice: child.choice,
                    key: child.key,
                })
            }));
        }
    }

    /// Depth first on `jobs` threads, with the report of one
    /// ([`super::stack`]). This thread pops the entries and merges them in
    /// the order of [`Run::depth_first`]; helpers expand entries still on
    /// the stack ahead of time, and park what they give in the entries'
    /// slots.
    ///
    /// A helper cannot read the visited map (this thread changes it): it
    /// expands against a [`Seen`] table, the keys this thread stored in
    /// the map most recently, with their depths, and skips only the
    /// successors the table says were stored no deeper; the others it
    /// keeps. The merge then finds the same: it checks every successor
    /// kept against the map again (`again`), and a successor skipped
    /// against the map (or the table) as it was earlier (seen no deeper,
    /// no check failed on the step) is `again` against the map as it is
    /// now, which only grows and whose depths only get smaller. The rest
    /// of what is noted of a successor (its boundary, its `sometimes`
    /// marks, its failure) is read from its world either way. So this
    /// thread, too, expands an entry ahead of time (while a helper expands
    /// the top) against the map as it is then.
    fn depth_first_parallel(&mut self, root: Pending, progress: &mut dyn FnMut(&Progress) -> bool) {
        let config = self.config;
        let sometimes = !self.sometimes_names.is_empty();
        let helpers = config.jobs - 1;
        #[allow(unused_mut)]
        let (mut window, mut parked, mut worlds, mut share) =
            (DFS_WINDOW, DFS_PARKED, DFS_PARKED_WORLDS, true);
        // Measuring only: the bounds and the table, from the environment.
        #[cfg(feature = "dfs-stats")]
        {
            // allow-nondeterminism: feature dfs-stats only (measuring): bounds that change timing, never a report
            let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
            window = var("DISTLAB_DFS_WINDOW").unwrap_or(window);
            parked = var("DISTLAB_DFS_PARKED").unwrap_or(parked);
            worlds = var("DISTLAB_DFS_WORLDS").unwrap_or(worlds);
            share = var("DISTLAB_DFS_SEEN").unwrap_or(usize::from(share)) == 1;
            eprintln!("dfs-stats window {window} parked {parked} worlds {worlds} seen {share}");
        }
        let stack: Stack<(u32, Choice), Pending, Expansion, Box<dyn DynSim>> =
            Stack::new(window, parked * helpers, worlds * helpers);
        stack.push(
            std::iter::once(((root.depth, root.choice), root)),
            &mut Vec::new(),
        );
        let boundary = self.boundary.clone();
        let seen = Seen::new();
        let helper = || {
            let _stop = stack.stopper();
            let with = Expander {
                config,
                boundary: &boundary,
                known: &seen,
                keep: true,
                sometimes,
            };
            let mut scratch = Scratch::default();
            while let Some((index, entry)) = stack.claim(&mut scratch.spare.worlds) {
                let expansion = expand(entry, &with, &mut scratch);
                let worlds = expansion.worlds();
                stack.park(index, expansion, worlds);
            }
            #[cfg(feature = "dfs-stats")]
            eprintln!(
                "dfs-stats helper: allocated {}, freed {}",
                scratch.spare.counts.0, scratch.spare.counts.1
            );
        };
        // allow-nondeterminism: helper threads expand ahead; this thread merges in the sequential order
        std::thread::scope(|scope| {
            for _ in 0..helpers {
                scope.spawn(helper);
            }
            let _stop = stack.stopper();
            let mut found = Vec::new();
            let mut scratch = Scratch::default();
            loop {
                let ((depth, choice), work, pending) = match stack.next() {
                    Next::Own(meta, entry, pending) => (meta, Ok(entry), pending),
                    Next::Parked(meta, expansion, pending) => (meta, Err(expansion), pending),
                    Next::Ahead(index, entry) => {
                        let with = Expander {
                            config,
                            boundary: &self.boundary,
                            known: &self.visited,
                            keep: true,
                            sometimes,
                        };
                        let expansion = expand(entry, &with, &mut scratch);
                        let worlds = expansion.worlds();
                        stack.park(index, expansion, worlds);
                        continue;
                    }
                    Next::Stop => {
                        #[cfg(feature = "dfs-stats")]
                        eprintln!(
                            "dfs-stats main: allocated {}, freed {}; {}",
                            scratch.spare.counts.0,
                            scratch.spare.counts.1,
                            stack.stats()
                        );
                        return;
                    }
                };
                if !self.keep_going(pending, progress) {
                    return;
                }
                if depth > 0 {
                    self.path.truncate(depth as usize - 1);
                    self.path.push(choice);
                }
                let expansion = match work {
                    Ok(entry) => {
                        let with = Expander {
                            config,
                            boundary: &self.boundary,
                            known: &self.visited,
                            keep: true,
                            sometimes,
                        };
                        expand(entry, &with, &mut scratch)
                    }
                    Err(expansion) => expansion,
                };
                let merged = if share {
                    self.merge(0, depth, expansion, &mut found, &mut scratch.spare, &seen)
                } else {
                    self.merge(0, depth, expansion, &mut found, &mut scratch.spare, &())
                };
                if merged.is_err() {
                    return;
                }
                let children = found.drain(..).rev().filter_map(|(id, depth, child)| {
                    let entry = Pending {
                        state: child.state?,
                        budgets: child.budgets,
                        depth,
                        id,
                        choice: child.choice,
                        key: child.key,
                    };
                    Some(((depth, entry.choice), entry))
                });
                stack.push(children, &mut scratch.spare.worlds);
            }
        });
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
    /// `out`, with their new ids and depth, in choice order. `Err` stops
    /// the search (a violation, a bound).
    fn merge(
        &mut self,
        id: u32,
        depth: u32,
        expansion: Expansion,
        out: &mut Vec<(u32, u32, Child)>,
        spare: &mut Spare,
        publish: &impl Publish,
    ) -> Result<(), ()> {
        let children = match expansion {
            Expansion::Terminal(failure, applied) => {
                self.transitions += applied;
                self.terminal += 1;
                return match failure {
                    Some(failure) => {
                        self.violation = Some((self.path_of(id, None), failure));
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
        let mut children = children;
        for child in children.drain(..) {
            self.transitions += 1;
            if child.skip {
                continue;
            }
            let known = self.visited.get(child.key);
            // A state outside the boundary is never expanded: met again
            // (shallower, under a depth bound) there is nothing to redo.
            let again =
                seen_before(self.config, known, depth) || (known.is_some() && child.outside);
            if again && child.notes.failure.is_none() {
                if let Some(state) = child.state {
                    spare.recycle(state);
                }
                continue;
            }
            if known.is_none() && self.visited.len() as u64 >= self.config.max_states {
                self.limit(Limit::States);
                return Err(());
            }
            self.visited.insert(child.key, depth);
            publish.note(child.key, depth);
            // Where the new state's path is read from: its id (breadth
            // first), or the expanded state's path and its choice.
            let (child_id, at, last) = if self.keeps_parents() {
                let child_id = self.parents.len() as u32;
                self.parents.push((id, child.choice));
                (child_id, child_id, None)
            } else {
                (0, id, Some(child.choice))
            };
            self.max_depth = self.max_depth.max(depth);
            if self.note_state(&child.notes, at, last) {
                return Err(());
            }
            if child.outside {
                self.note_outside();
                if let Some(state) = child.state {
                    spare.recycle(state);
                }
                continue;
            }
            out.push((child_id, depth, child));
        }
        spare.children = children;
        Ok(())
    }

    /// Record a new state's `sometimes` marks and its violation, if any;
    /// true when the search must stop. The state is the one
    /// [`Run::path_of`]`(at, last)` leads to.
    fn note_state(&mut self, notes: &Notes, at: u32, last: Option<Choice>) -> bool {
        self.clock_read |= notes.clock_read;
        for i in 0..self.sometimes_found.len() {
            if self.sometimes_found[i].is_none() && notes.sometimes.get(self.sometimes_names[i].0) {
                self.sometimes_found[i] = Some(self.path_of(at, last));
            }
        }
        let Some(failure) = &notes.failure else {
            return false;
        };
        self.violation = Some((self.path_of(at, last), failure.clone()));
        true
    }

    /// Breadth first keeps each state's parent; depth first keeps the
    /// path to the state being expanded instead.
    fn keeps_parents(&self) -> bool {
        self.config.strategy != ExploreStrategy::Dfs
    }

    /// The choices from the initial state to state `id` (depth first: to
    /// the state being expanded, `id` unused), then `last` if given.
    fn path_of(&self, id: u32, last: Option<Choice>) -> Vec<Choice> {
        let mut choices = if self.keeps_parents() {
            let mut choices = Vec::new();
            let mut at = id;
            while at != 0 {
                let (parent, choice) = self.parents[at as usize];
                choices.push(choice);
                at = parent;
            }
            choices.reverse();
            choices
        } else {
            self.path.clone()
        };
        choices.extend(last);
        choices
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

    /// A path of choices, in words.
    fn path(&self, choices: &[Choice]) -> Vec<PathStep> {
        label_path(self.root.as_ref(), choices)
    }

    fn report(&self) -> Report {
        let violation = self
            .violation
            .as_ref()
            .map(|(choices, (check, detail, verdict))| Counterexample {
                check: check.clone(),
                detail: detail.clone(),
                verdict: *verdict,
                path: self.path(choices),
            });
        let sometimes = self
            .sometimes_names
            .iter()
            .zip(&self.sometimes_found)
            .map(|((_, name), found)| Sometimes {
                name: name.clone(),
                witness: found.as_deref().map(|choices| self.path(choices)),
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

/// A successor the merge kept, as a breadth-first frontier state: no world.
fn queued((id, depth, child): (u32, u32, Child)) -> Queued {
    Queued {
        id,
        depth,
        budgets: child.budgets,
        key: child.key,
        leaf: child.leaf,
    }
}

/// Rebuilds the worlds of breadth-first frontier states from their paths
/// (each state's parent and choice), keeping the worlds along the last
/// path: frontier states come in path order, so the next one's path
/// mostly starts the same way.
struct Rebuilder<'a> {
    parents: &'a [(u32, Choice)],
    /// (state id, world) along the last path, from the initial state.
    path: Vec<(u32, Box<dyn DynSim>)>,
}

impl<'a> Rebuilder<'a> {
    /// `root` is a copy of the initial state (id 0).
    fn new(root: Box<dyn DynSim>, parents: &'a [(u32, Choice)]) -> Self {
        Rebuilder {
            parents,
            path: vec![(0, root)],
        }
    }

    /// The world of state `id`, for the caller to use up (copies made in
    /// `spare` worlds, and the worlds left behind on the path kept there).
    fn world(&mut self, id: u32, spare: &mut Spare) -> Box<dyn DynSim> {
        if id == 0 {
            return spare.copy(self.path[0].1.as_ref());
        }
        let mut ancestors = Vec::new();
        let mut at = self.parents[id as usize].0;
        while at != 0 {
            ancestors.push(at);
            at = self.parents[at as usize].0;
        }
        ancestors.reverse();
        // path[k] is ancestors[k - 1]: keep the common beginning.
        let mut keep = 1;
        while keep < self.path.len()
            && keep <= ancestors.len()
            && self.path[keep].0 == ancestors[keep - 1]
        {
            keep += 1;
        }
        for (_, world) in self.path.drain(keep..) {
            spare.recycle(world);
        }
        for &ancestor in &ancestors[keep - 1..] {
            let world = self.after(ancestor, spare);
            self.path.push((ancestor, world));
        }
        self.after(id, spare)
    }

    /// A copy of the last world on the path, after state `id`'s choice.
    fn after(&self, id: u32, spare: &mut Spare) -> Box<dyn DynSim> {
        let (_, parent) = self.path.last().expect("the path starts at the root");
        let mut world = spare.copy(parent.as_ref());
        let choice = self.parents[id as usize].1;
        let applied = world.apply_choice(&choice);
        assert!(
            applied.is_some(),
            "state {id}'s path does not replay: choice {choice:?} is not enabled"
        );
        world
    }
}

#[cfg(test)]
mod tests {
    use super::Marks;

    /// The bit marks read back what they were made from, below, at and
    /// past 64 checks.
    #[test]
    fn marks_read_back_every_index() {
        for len in [0, 1, 5, 63, 64, 65, 130] {
            let seen: Vec<bool> = (0..len).map(|i| i % 3 == 0 || i == 64).collect();
            let marks = Marks::of(&seen);
            for i in 0..len + 3 {
                assert_eq!(
                    marks.get(i),
                    seen.get(i).copied().unwrap_or(false),
                    "{len}: {i}"
                );
            }
        }
    }
}
