//! Time travel: go to any earlier (or later) step of a run cheaply.
//!
//! A [`Timeline`] drives a [`DynSim`] and keeps a snapshot every `every`
//! steps. Going back restores the nearest snapshot at or before the target and
//! re-executes forward, which is exact because the world is deterministic.
//!
//! Snapshots leave out the world's append-only logs (the kept trace, the
//! client history, the fault log): the live world holds the one copy of each,
//! and restoring cuts them back to the snapshot's lengths (see
//! [`DynSim::snapshot`]). A snapshot therefore costs the size of the world's
//! state, not of the run, and a step back costs one restore plus at most
//! `every` steps of re-execution. When there are more than
//! [`MAX_SNAPSHOTS`] snapshots, every other one is dropped and the interval
//! doubles, so memory stays bounded on long runs.
//!
//! Faults injected by the user are recorded with the step count at which they
//! were made and re-applied at the same point during re-execution. Injecting
//! after going back starts a new future: recorded injections and snapshots
//! beyond that point are discarded ([`Timeline::fork`] does the same without
//! injecting).
//!
//! A timeline can also follow an explored path ([`Timeline::explored`], a
//! `distlab explore` counterexample): the world is in explore mode and each
//! step applies the path's next choice instead of taking the earliest event.
//! Going back works the same way (restore, then re-apply choices). Past the
//! last choice there is nothing more to follow: stepping reports the run
//! finished, so a front end evaluates the end-of-run checks there, as
//! `distlab replay` does.

use super::choice::{Choice, ExploreOptions};
use super::dynsim::DynSim;
use super::snapshot::LogMarks;
use super::step::StepResult;
use crate::faults::FaultAction;

/// Most snapshots kept before thinning them out.
pub const MAX_SNAPSHOTS: usize = 256;

/// One snapshot: the world at `steps`, without its logs.
struct Snapshot {
    steps: u64,
    world: Box<dyn DynSim>,
    marks: LogMarks,
}

/// The choices of an explored path: step `start + i` applies `choices[i]`.
struct Forced {
    start: u64,
    choices: Vec<Choice>,
}

/// A run that can move backwards.
pub struct Timeline {
    current: Box<dyn DynSim>,
    /// Snapshots in increasing step order; the first is the step the
    /// timeline started at (0, or after the boot of an explored path).
    snapshots: Vec<Snapshot>,
    every: u64,
    /// (steps completed when injected, action), in order.
    injected: Vec<(u64, FaultAction)>,
    /// How many of `injected` the current world already contains.
    applied: usize,
    /// An explored path's choices, if this timeline follows one.
    forced: Option<Forced>,
}

impl Timeline {
    /// Drive `sim` (at step 0), snapshotting every `every` steps (at least 1).
    pub fn new(sim: Box<dyn DynSim>, every: u64) -> Self {
        Self::with_actions(sim, every, Vec::new())
    }

    /// Drive `sim` (at step 0) with recorded actions still to come: each
    /// `(steps, action)` is injected once `steps` steps have completed, in
    /// order (as a replay file lists them).
    pub fn with_actions(
        mut sim: Box<dyn DynSim>,
        every: u64,
        actions: Vec<(u64, FaultAction)>,
    ) -> Self {
        let (world, marks) = sim.snapshot();
        let first = Snapshot {
            steps: sim.steps(),
            world,
            marks,
        };
        Timeline {
            current: sim,
            snapshots: vec![first],
            every: every.max(1),
            injected: actions,
            applied: 0,
            forced: None,
        }
    }

    /// Follow an explored path: put `sim` (freshly built, at step 0) in
    /// explore mode with `options`, which boots every node, then make each
    /// step apply the next of `choices` ([`DynSim::apply_choice`]), as
    /// `distlab replay` re-runs an explored counterexample. The timeline
    /// starts after the boot: it cannot go back before it.
    pub fn explored(
        mut sim: Box<dyn DynSim>,
        every: u64,
        options: ExploreOptions,
        choices: Vec<Choice>,
    ) -> Self {
        sim.start_exploring(options);
        let mut timeline = Self::new(sim, every);
        timeline.forced = Some(Forced {
            start: timeline.current.steps(),
            choices,
        });
        timeline
    }

    /// The first step this timeline can go back to: 0, or for an explored
    /// path the step after the nodes booted.
    pub fn first_step(&self) -> u64 {
        self.snapshots.first().map_or(0, |s| s.steps)
    }

    /// For an explored path: (choices applied so far, choices in all).
    pub fn explored_position(&self) -> Option<(usize, usize)> {
        let forced = self.forced.as_ref()?;
        let done = self.current.steps().saturating_sub(forced.start) as usize;
        Some((done.min(forced.choices.len()), forced.choices.len()))
    }

    /// The simulation at the current step.
    pub fn sim(&self) -> &dyn DynSim {
        self.current.as_ref()
    }

    /// The simulation at the current step, mutably (to `finish` it, say).
    /// Stepping it directly bypasses the recorded actions and snapshots.
    pub fn sim_mut(&mut self) -> &mut dyn DynSim {
        self.current.as_mut()
    }

    /// The current step.
    pub fn step_index(&self) -> u64 {
        self.current.steps()
    }

    /// User actions on the current path: (steps completed when made, action),
    /// including recorded ones not reached yet.
    pub fn injected(&self) -> &[(u64, FaultAction)] {
        &self.injected
    }

    /// Recorded actions ahead of the current step (re-applied on the way
    /// forward unless the timeline forks).
    pub fn actions_ahead(&self) -> usize {
        self.injected.len() - self.applied
    }

    /// The current snapshot interval (it doubles as snapshots are thinned).
    pub fn snapshot_interval(&self) -> u64 {
        self.every
    }

    /// Number of snapshots kept.
    pub fn snapshot_count(&self) -> usize {
        self.snapshots.len()
    }

    /// Inject a fault now (it runs as the next event) and record it. Returns
    /// how many recorded later actions were dropped (the timeline forked).
    /// Not for an explored path, whose steps are its choices: the fault would
    /// never run (the TUI refuses user faults there).
    pub fn inject(&mut self, action: FaultAction) -> usize {
        self.apply_due_injections();
        let dropped = self.fork();
        let at = self.current.steps();
        // Snapshots past this point belong to a future without this action.
        self.snapshots.retain(|s| s.steps <= at);
        self.injected.push((at, action.clone()));
        self.applied += 1;
        self.current.inject(action);
        dropped
    }

    /// Forget the recorded actions ahead of the current step, so stepping
    /// forward runs without them. Returns how many were dropped.
    pub fn fork(&mut self) -> usize {
        let at = self.current.steps();
        let dropped = self.injected.len() - self.applied;
        self.injected.truncate(self.applied);
        if dropped > 0 {
            self.snapshots.retain(|s| s.steps <= at);
        }
        dropped
    }

    /// Apply recorded injections made at the current step count.
    fn apply_due_injections(&mut self) {
        let now = self.current.steps();
        while let Some((at, action)) = self.injected.get(self.applied) {
            if *at > now {
                break;
            }
            self.current.inject(action.clone());
            self.applied += 1;
        }
    }

    /// One step forward (on an explored path: its next choice; past the
    /// last one, nothing happens and the run is reported finished).
    pub fn step(&mut self) -> StepResult {
        self.apply_due_injections();
        let result = match &self.forced {
            None => self.current.step(),
            Some(forced) => {
                let next = self.current.steps().checked_sub(forced.start);
                let choice = next.and_then(|i| forced.choices.get(i as usize));
                match choice {
                    Some(choice) => self
                        .current
                        .apply_choice(choice)
                        .unwrap_or(StepResult::Finished),
                    None if self.current.violation().is_some() => StepResult::Violated,
                    None => StepResult::Finished,
                }
            }
        };
        let steps = self.current.steps();
        let newest = self.snapshots.last().map_or(0, |s| s.steps);
        if result == StepResult::Progressed && steps.is_multiple_of(self.every) && steps > newest {
            let (world, marks) = self.current.snapshot();
            self.snapshots.push(Snapshot {
                steps,
                world,
                marks,
            });
            if self.snapshots.len() > MAX_SNAPSHOTS {
                self.thin();
            }
        }
        result
    }

    /// Keep every other snapshot (by step) and double the interval.
    fn thin(&mut self) {
        self.every *= 2;
        let every = self.every;
        self.snapshots
            .retain(|s| s.steps == 0 || s.steps.is_multiple_of(every));
    }

    /// Go to step `target`: back through the nearest snapshot, then forward.
    /// Stops early if the run ends or a violation stops it.
    pub fn goto(&mut self, target: u64) -> StepResult {
        if target < self.current.steps() {
            let base = self.snapshots.iter().rev().find(|s| s.steps <= target);
            if let Some(base) = base {
                self.current.restore(base.world.as_ref(), &base.marks);
                let at = base.steps;
                // A snapshot at step t holds every injection made before t.
                self.applied = self.injected.iter().take_while(|(s, _)| *s < at).count();
            }
        }
        let mut result = StepResult::Progressed;
        while self.current.steps() < target {
            result = self.step();
            if result != StepResult::Progressed {
                break;
            }
        }
        result
    }

    /// One step back (no-op at step 0).
    pub fn back(&mut self) -> StepResult {
        let target = self.current.steps().saturating_sub(1);
        self.goto(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::Target;
    use crate::protocols::broadcast::{builder, BroadcastWorkload, Params};
    use crate::sim::{NodeId, Ratio, SimTime};
    use crate::workload::ClientConfig;

    fn sim() -> Box<dyn DynSim> {
        let b = builder(Params::default(), 4, 3)
            .duration(SimTime::from_secs(3))
            .clients(
                ClientConfig::with_rate(2, 20.0, SimTime::from_secs(1)),
                BroadcastWorkload {
                    read_ratio: Ratio::ZERO,
                },
            );
        Box::new(b.build())
    }

    fn hash_at(steps: u64) -> u64 {
        let mut s = sim();
        for _ in 0..steps {
            s.step();
        }
        s.trace_hash()
    }

    #[test]
    fn going_back_and_forth_lands_on_the_same_world() {
        let mut t = Timeline::new(sim(), 100);
        t.goto(1_000);
        let at_1000 = t.sim().trace_hash();
        assert_eq!(at_1000, hash_at(1_000));
        t.goto(250);
        assert_eq!(t.step_index(), 250);
        assert_eq!(t.sim().trace_hash(), hash_at(250));
        t.back();
        assert_eq!(t.sim().trace_hash(), hash_at(249));
        t.goto(1_000);
        assert_eq!(t.sim().trace_hash(), at_1000);
    }

    #[test]
    fn injected_faults_replay_after_going_back() {
        let mut t = Timeline::new(sim(), 64);
        t.goto(300);
        t.inject(FaultAction::Crash(Target::Node(NodeId(1))));
        t.goto(700);
        let with_crash = t.sim().trace_hash();
        assert_ne!(with_crash, hash_at(700), "the crash changed the run");
        t.goto(100);
        t.goto(700);
        assert_eq!(t.sim().trace_hash(), with_crash);
    }

    #[test]
    fn injecting_after_going_back_starts_a_new_future() {
        let mut t = Timeline::new(sim(), 64);
        t.goto(300);
        t.inject(FaultAction::Crash(Target::Node(NodeId(1))));
        t.goto(700);
        t.goto(200);
        t.inject(FaultAction::Crash(Target::Node(NodeId(2))));
        assert_eq!(
            t.injected().len(),
            1,
            "the crash at 300 belonged to the abandoned future"
        );
        t.goto(700);
        let nodes = t.sim().nodes();
        assert!(nodes[1].up && !nodes[2].up);
    }

    fn full_sim() -> Box<dyn DynSim> {
        let b = builder(Params::default(), 4, 3)
            .duration(SimTime::from_secs(3))
            .trace_level(crate::sim::TraceLevel::Full)
            .clients(
                ClientConfig::with_rate(2, 20.0, SimTime::from_secs(1)),
                BroadcastWorkload {
                    read_ratio: Ratio::ZERO,
                },
            );
        Box::new(b.build())
    }

    #[test]
    fn going_back_keeps_the_trace_log_exact() {
        let mut reference = full_sim();
        for _ in 0..500 {
            reference.step();
        }
        let mut t = Timeline::new(full_sim(), 16);
        t.goto(900);
        t.goto(500);
        assert_eq!(t.sim().trace_len(), 500);
        assert_eq!(t.sim().history().len(), reference.history().len());
        assert_eq!(t.sim().fault_log(), reference.fault_log());
        for i in [0, 17, 250, 499] {
            assert_eq!(t.sim().entry(i), reference.entry(i), "entry {i}");
        }
        let mut out_a = Vec::new();
        let mut out_b = Vec::new();
        t.sim().write_trace_jsonl(&mut out_a).unwrap();
        reference.write_trace_jsonl(&mut out_b).unwrap();
        assert_eq!(out_a, out_b);
        assert_eq!(t.sim().trace_hash(), reference.trace_hash());
    }

    #[test]
    fn snapshots_thin_out_on_long_runs() {
        let mut t = Timeline::new(sim(), 1);
        t.goto(3 * MAX_SNAPSHOTS as u64);
        assert!(t.snapshot_count() <= MAX_SNAPSHOTS);
        assert!(t.snapshot_interval() > 1);
        t.goto(123);
        assert_eq!(t.sim().trace_hash(), hash_at(123));
    }

    #[test]
    fn forking_drops_the_recorded_future() {
        let mut t = Timeline::new(sim(), 64);
        t.goto(300);
        t.inject(FaultAction::Crash(Target::Node(NodeId(1))));
        t.goto(100);
        assert_eq!(t.actions_ahead(), 1);
        assert_eq!(t.fork(), 1);
        t.goto(700);
        assert_eq!(t.sim().trace_hash(), hash_at(700));
    }

    #[test]
    fn recorded_actions_replay_from_the_start() {
        let mut t = Timeline::new(sim(), 64);
        t.goto(300);
        t.inject(FaultAction::Crash(Target::Node(NodeId(1))));
        t.goto(700);
        let mut replay = Timeline::with_actions(sim(), 1_000, t.injected().to_vec());
        replay.goto(700);
        assert_eq!(replay.sim().trace_hash(), t.sim().trace_hash());
    }
}
