//! The checks that run after every step: monitors and `always` checks (a
//! failure stops the run), and `sometimes` checks not yet seen. Checks read
//! protocol state through the protocol's own accessors, so a panic in one
//! is caught like a panic in a handler and stops the run.

use super::node::Node;
use super::panics::catch_panic;
use super::step::StepResult;
use super::world::{Sim, Violation};
use crate::check::{CheckKind, Outcome};
use std::cell::Cell;
use std::sync::Arc;

impl<N: Node> Sim<N> {
    /// After each step: monitors and `always` checks (stop on failure), then
    /// the `sometimes` checks not yet seen. Nothing is checked after a
    /// handler panicked: the world may be half-updated.
    #[inline]
    pub(crate) fn run_step_checks(&mut self) -> StepResult {
        if self.violation.is_some() {
            return StepResult::Violated;
        }
        if self.monitors.is_empty() && self.settings.invariants.is_empty() {
            return StepResult::Progressed;
        }
        self.run_checks()
    }

    /// [`Sim::run_step_checks`] when there is something to check.
    fn run_checks(&mut self) -> StepResult {
        if !self.monitors.is_empty() && self.run_monitors() == StepResult::Violated {
            return StepResult::Violated;
        }
        if self.settings.invariants.is_empty() {
            return StepResult::Progressed;
        }
        let settings = Arc::clone(&self.settings);
        // One guard for the whole loop; `current` names the check on a panic.
        let current = Cell::new(0);
        let site = || {
            let name = &settings.invariants[current.get()].name;
            format!("the check `{name}` (it reads the nodes' state)")
        };
        match catch_panic(site, || self.run_invariants(&settings.invariants, &current)) {
            Ok(result) => result,
            Err(panic) => {
                self.stop_on_panic(panic);
                StepResult::Violated
            }
        }
    }

    fn run_invariants(
        &mut self,
        invariants: &[crate::sim::Invariant<N>],
        current: &Cell<usize>,
    ) -> StepResult {
        for (i, inv) in invariants.iter().enumerate() {
            current.set(i);
            match inv.kind {
                CheckKind::Always => {
                    if let Outcome::Fail(detail) = inv.evaluate(self) {
                        self.violation = Some(Violation {
                            check: inv.name.clone(),
                            step: self.step,
                            time: self.now,
                            detail,
                        });
                        return StepResult::Violated;
                    }
                }
                CheckKind::Sometimes if !self.sometimes_seen[i] && inv.holds(self) => {
                    self.sometimes_seen[i] = true;
                }
                _ => {}
            }
        }
        StepResult::Progressed
    }

    /// Run every monitor on the world as it is now; the first failure (or
    /// panic) becomes the run's violation.
    fn run_monitors(&mut self) -> StepResult {
        // Monitors live in the world they watch: take them out while they look.
        let mut monitors = std::mem::take(&mut self.monitors);
        let mut failed = None;
        let mut panicked = None;
        for (index, m) in monitors.iter_mut().enumerate() {
            let (name, monitor) = (&m.name, &mut m.monitor);
            let site = || format!("the monitor `{name}` (it reads the nodes' state)");
            let world = &*self;
            // Copy on write: a monitor another copy of the world shares is
            // copied only when the step changes it.
            // Whether the monitor's memory may have changed (its cached
            // fingerprint hash, explore mode, is then stale).
            let ran = Cell::new(true);
            let step = || {
                if let Some(own) = Arc::get_mut(monitor) {
                    return own.after_step(world);
                }
                if monitor.unchanged_after(world) {
                    ran.set(false);
                    return Ok(());
                }
                let mut copy = monitor.clone_arc();
                let result = Arc::get_mut(&mut copy)
                    .expect("a fresh copy is not shared")
                    .after_step(world);
                *monitor = copy;
                result
            };
            let outcome = catch_panic(site, step);
            if ran.get() {
                self.monitor_changed(index);
            }
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(detail)) => {
                    failed = Some(Violation {
                        check: m.name.to_string(),
                        step: self.step,
                        time: self.now,
                        detail,
                    });
                    break;
                }
                Err(panic) => {
                    panicked = Some(panic);
                    break;
                }
            }
        }
        self.monitors = monitors;
        if let Some(panic) = panicked {
            self.stop_on_panic(panic);
            return StepResult::Violated;
        }
        match failed {
            Some(violation) => {
                self.violation = Some(violation);
                StepResult::Violated
            }
            None => StepResult::Progressed,
        }
    }
}
