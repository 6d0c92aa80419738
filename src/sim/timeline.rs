//! Time travel: go to any earlier (or later) step of a run cheaply.
//!
//! A [`Timeline`] drives a [`DynSim`] and keeps a snapshot (a clone of the
//! world) every `every` steps. Going back restores the nearest snapshot at or
//! before the target and re-executes forward, which is exact because the world
//! is deterministic. Faults injected by the user are recorded with the step
//! count at which they were made and re-applied at the same point during
//! re-execution. Injecting after going back starts a new future: recorded
//! injections and snapshots beyond that point are discarded.

use super::dynsim::DynSim;
use super::step::StepResult;
use crate::faults::FaultAction;

/// A run that can move backwards.
pub struct Timeline {
    current: Box<dyn DynSim>,
    /// Snapshots in increasing step order; the first is step 0.
    snapshots: Vec<Box<dyn DynSim>>,
    every: u64,
    /// (steps completed when injected, action), in order.
    injected: Vec<(u64, FaultAction)>,
    /// How many of `injected` the current world already contains.
    applied: usize,
}

impl Timeline {
    /// Drive `sim` (at step 0), snapshotting every `every` steps (at least 1).
    pub fn new(sim: Box<dyn DynSim>, every: u64) -> Self {
        let first = sim.clone_box();
        Timeline {
            current: sim,
            snapshots: vec![first],
            every: every.max(1),
            injected: Vec::new(),
            applied: 0,
        }
    }

    /// The simulation at the current step.
    pub fn sim(&self) -> &dyn DynSim {
        self.current.as_ref()
    }

    /// The current step.
    pub fn step_index(&self) -> u64 {
        self.current.steps()
    }

    /// User actions on the current path: (steps completed when made, action).
    pub fn injected(&self) -> &[(u64, FaultAction)] {
        &self.injected
    }

    /// Inject a fault now (it runs as the next event) and record it.
    pub fn inject(&mut self, action: FaultAction) {
        let at = self.current.steps();
        self.apply_due_injections();
        self.injected.truncate(self.applied);
        self.snapshots.retain(|s| s.steps() <= at);
        self.injected.push((at, action.clone()));
        self.applied += 1;
        self.current.inject(action);
    }

    /// Apply recorded injections made at the current step count.
    fn apply_due_injections(&mut self) {
        let now = self.current.steps();
        while let Some((at, action)) = self.injected.get(self.applied) {
            if *at != now {
                break;
            }
            self.current.inject(action.clone());
            self.applied += 1;
        }
    }

    /// One step forward.
    pub fn step(&mut self) -> StepResult {
        self.apply_due_injections();
        let result = self.current.step();
        let steps = self.current.steps();
        let newest = self.snapshots.last().map_or(0, |s| s.steps());
        if result == StepResult::Progressed && steps.is_multiple_of(self.every) && steps > newest {
            self.snapshots.push(self.current.clone_box());
        }
        result
    }

    /// Go to step `target`: back through the nearest snapshot, then forward.
    /// Stops early if the run ends or a violation stops it.
    pub fn goto(&mut self, target: u64) -> StepResult {
        if target < self.current.steps() {
            let base = self.snapshots.iter().rev().find(|s| s.steps() <= target);
            if let Some(base) = base {
                self.current = base.clone_box();
                let at = self.current.steps();
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
}
