//! Chaos experiments in the engine (`[experiment]`, docs/chaos.md): the
//! faults' spans (for the before/during/after windows), the abort
//! condition looked at as the run goes, the blast radius applied where a
//! fault picks its node, and the hypothesis judged at the end.
//!
//! **When the abort condition is looked at.** After the first step at or
//! past every [`ABORT_TICK`] of virtual time and after every step that
//! applied a fault: never on the wall clock, and no event is scheduled for
//! the looks, so a run whose condition never trips has the trace (and
//! hash) of the same run without it. When one of its bounds is broken, an
//! abort event is scheduled at once: it heals everything (as the settle
//! point does), later faults are skipped and the nemesis stops; the
//! clients go on, so the `after` window is measured.

use super::apply::FaultHost;
use super::event::Event;
use super::ids::NodeId;
use super::node::Node;
use super::world::Sim;
use super::SimTime;
use crate::check::experiment::{
    judge, phase_windows, Experiment, Judgement, Window, WindowOps, WindowSpec, ABORT_TICK,
};
use crate::check::history::History;
use crate::check::{CheckKind, CheckResult, Outcome};
use crate::faults::FaultAction;
use crate::net::NetConfig;
use serde::Serialize;

/// The experiment's progress: part of the world, cloned with it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Chaos {
    /// (start, end) of every fault applied (the end is the start but for
    /// faults that last: pause, slow, clock-strobe).
    spans: Vec<(SimTime, SimTime)>,
    /// When the abort condition is looked at next.
    next_look: SimTime,
    /// A fault was applied in this step: look after it.
    fault_in_step: bool,
    /// When and why the experiment was aborted.
    aborted: Option<(SimTime, String)>,
    /// Faults that resolved outside the blast radius, skipped.
    skipped: Vec<String>,
}

/// An experiment's outcome, as `distlab run` prints it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExperimentReport {
    /// The windows, with the operations invoked in each.
    pub windows: Vec<WindowReport>,
    /// Every hypothesis bound over every window.
    pub judgements: Vec<Judgement>,
    /// No bound was violated in any window.
    pub held: bool,
    /// `aborted at 4.1s: errors >= 50 (measured 52)`, if it was.
    pub aborted: Option<String>,
    /// Faults skipped because their target resolved outside the blast
    /// radius, one line each.
    pub skipped: Vec<String>,
}

/// One window of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowReport {
    /// Its name and bounds.
    #[serde(flatten)]
    pub window: Window,
    /// Operations invoked in it.
    pub ops_invoked: u64,
}

impl<N: Node> Sim<N> {
    /// A fault was applied: note its span, and look at the abort
    /// condition after this step.
    pub(crate) fn chaos_note_fault(&mut self, action: &FaultAction) {
        let now = self.now;
        let Some(chaos) = self.chaos.as_deref_mut() else {
            return;
        };
        let lasts = match action {
            FaultAction::Pause { duration, .. }
            | FaultAction::Slow { duration, .. }
            | FaultAction::ClockStrobe { duration, .. } => *duration,
            _ => SimTime::ZERO,
        };
        chaos.spans.push((now, now.saturating_add(lasts)));
        chaos.fault_in_step = true;
    }

    /// Has the experiment been aborted? When and why.
    pub(crate) fn chaos_aborted(&self) -> Option<&(SimTime, String)> {
        self.chaos.as_deref().and_then(|c| c.aborted.as_ref())
    }

    /// After a step: look at the abort condition if a tick passed or a
    /// fault was applied; schedule the abort if a bound is broken.
    pub(crate) fn chaos_after_step(&mut self) {
        let now = self.now;
        let Some(chaos) = self.chaos.as_deref_mut() else {
            return;
        };
        let due = now >= chaos.next_look || chaos.fault_in_step;
        if !due || chaos.aborted.is_some() {
            return;
        }
        chaos.fault_in_step = false;
        let tick = ABORT_TICK.as_nanos();
        chaos.next_look = SimTime((now.as_nanos() / tick + 1) * tick);
        let Some(experiment) = self.settings.experiment.as_ref() else {
            return;
        };
        if experiment.abort.is_empty() || self.settling {
            return;
        }
        let so_far = Window {
            name: "so far".into(),
            from: SimTime::ZERO,
            to: now.saturating_add(SimTime(1)),
        };
        let metrics = WindowOps::collect(self.history(), &so_far).metrics(false);
        // An abort bound is a condition that trips when it is met.
        let broken = experiment.abort.iter().find_map(|bound| {
            let j = judge("so far", bound, &metrics);
            (j.status == "held").then(|| {
                let measured = j.measured.unwrap_or_default();
                format!("{} (measured {measured})", j.hypothesis)
            })
        });
        if let Some(why) = broken {
            if let Some(chaos) = self.chaos.as_deref_mut() {
                chaos.aborted = Some((now, why));
            }
            self.queue.push(now, Event::ExperimentAbort);
        }
    }

    /// The abort event: heal the network, undo link changes and loss,
    /// restart crashed nodes, end slow-downs; later faults are skipped.
    pub(crate) fn abort_experiment(&mut self) -> String {
        let settings = std::sync::Arc::clone(&self.settings);
        self.host().abort_world(&settings.base_net)
    }

    /// Keep the nodes inside the experiment's blast radius; the others
    /// are noted as skipped for `what` (a fault's verb and target).
    pub(crate) fn inside_blast_radius(&mut self, nodes: Vec<NodeId>, what: &str) -> Vec<NodeId> {
        let Some(radius) = self
            .settings
            .experiment
            .as_ref()
            .and_then(|e| e.blast_radius.as_ref())
        else {
            return nodes;
        };
        let (inside, outside): (Vec<NodeId>, Vec<NodeId>) =
            nodes.into_iter().partition(|n| radius.contains(n));
        if !outside.is_empty() {
            let names: Vec<String> = outside.iter().map(|n| n.to_string()).collect();
            let line = format!(
                "{what} at {}: {} outside the blast radius; skipped",
                self.now,
                names.join(" ")
            );
            if let Some(chaos) = self.chaos.as_deref_mut() {
                chaos.skipped.push(line);
            }
        }
        inside
    }

    /// The nodes the blast radius allows (every node without one).
    pub(crate) fn in_radius(&self, node: NodeId) -> bool {
        self.settings
            .experiment
            .as_ref()
            .and_then(|e| e.blast_radius.as_ref())
            .is_none_or(|radius| radius.contains(&node))
    }

    /// Judge the hypothesis over every window: the checks (kind `expect`,
    /// named `hypothesis during: op-latency-p99 <= 50ms`) and the report.
    pub(crate) fn experiment_results(&self) -> Option<(Vec<CheckResult>, ExperimentReport)> {
        let experiment = self.settings.experiment.as_ref()?;
        let chaos = self.chaos.as_deref();
        Some(experiment_results(
            experiment,
            chaos,
            self.history(),
            self.settings.duration,
        ))
    }
}

/// The experiment's windows, as of the run so far.
fn experiment_windows(
    experiment: &Experiment,
    chaos: Option<&Chaos>,
    duration: SimTime,
) -> Vec<Window> {
    match &experiment.windows {
        WindowSpec::Explicit(windows) => windows.clone(),
        WindowSpec::Phases { warmup, recovery } => {
            let spans = chaos.map_or(&[][..], |c| &c.spans[..]);
            phase_windows(spans, duration, *warmup, *recovery)
        }
    }
}

/// [`Sim::experiment_results`], for every node type at once: it reads
/// only the experiment, its progress and the history.
fn experiment_results(
    experiment: &Experiment,
    chaos: Option<&Chaos>,
    history: &History,
    duration: SimTime,
) -> (Vec<CheckResult>, ExperimentReport) {
    let mut checks = Vec::new();
    let mut judgements = Vec::new();
    let mut windows = Vec::new();
    for window in experiment_windows(experiment, chaos, duration) {
        if window.from == window.to {
            // An empty phase (no fault, or faults that took no time):
            // nothing was invoked in it, nothing to judge.
            windows.push(WindowReport {
                window,
                ops_invoked: 0,
            });
            continue;
        }
        let ops = WindowOps::collect(history, &window);
        let metrics = ops.metrics(true);
        for bound in &experiment.hypothesis {
            let j = judge(&window.name, bound, &metrics);
            let outcome = match j.status {
                "held" => Outcome::Pass,
                "violated" => {
                    let relative = j
                        .by_relative_percent
                        .map(|r| format!(" ({r}%)"))
                        .unwrap_or_default();
                    Outcome::Fail(format!(
                        "measured {} over [{}, {}), expected {}: violated by {}{relative}",
                        j.measured.clone().unwrap_or_default(),
                        window.from,
                        window.to,
                        bound.describe(),
                        j.by.clone().unwrap_or_default()
                    ))
                }
                _ if ops.invoked == 0 => Outcome::Unknown(format!(
                    "no operation was invoked in [{}, {})",
                    window.from, window.to
                )),
                _ => Outcome::Unknown(format!(
                    "no operation invoked in [{}, {}) completed ok, so there is no latency",
                    window.from, window.to
                )),
            };
            checks.push(CheckResult {
                name: format!("hypothesis {}: {}", window.name, j.hypothesis),
                kind: CheckKind::Expect,
                outcome,
            });
            judgements.push(j);
        }
        windows.push(WindowReport {
            window,
            ops_invoked: ops.invoked,
        });
    }
    let report = ExperimentReport {
        windows,
        held: judgements.iter().all(|j| j.status != "violated"),
        judgements,
        aborted: chaos
            .and_then(|c| c.aborted.as_ref())
            .map(|(at, why)| format!("aborted at {at}: {why}")),
        skipped: chaos.map(|c| c.skipped.clone()).unwrap_or_default(),
    };
    (checks, report)
}

impl dyn FaultHost + '_ {
    /// [`Sim::abort_experiment`]'s work on the world; `base` is the
    /// network as configured.
    fn abort_world(&mut self, base: &NetConfig) -> String {
        self.net_mut().heal();
        self.net_mut().restore_rates(base);
        self.net_mut().reset_rules();
        let crashed = self.crashed_nodes();
        for &n in &crashed {
            self.restart_node(n);
        }
        let now = self.now();
        for n in 0..self.node_count() {
            // No effect on a node that takes no time.
            self.slow_node(NodeId(n), 1, now);
        }
        let why = self
            .chaos_mut()
            .and_then(|c| c.aborted.as_ref())
            .map(|(at, why)| format!("at {at} because {why}"))
            .unwrap_or_default();
        if let Some(chaos) = self.chaos_mut() {
            // Everything ends here: "during" ends at the abort.
            for span in &mut chaos.spans {
                span.1 = span.1.min(now);
            }
            chaos.spans.push((now, now));
        }
        let restarted: Vec<String> = crashed.iter().map(|n| n.to_string()).collect();
        let restarted = if restarted.is_empty() {
            "nobody".to_string()
        } else {
            restarted.join(" ")
        };
        let text = format!(
            "experiment aborted {why}: faults stop, network healed, slow-downs ended, restarted {restarted}"
        );
        self.log_fault(text.clone());
        text
    }
}
