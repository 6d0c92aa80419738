//! Finishing a run: end-of-run checks, metrics, and the report.

use super::node::Node;
use super::panics::{catch_panic, PanicReport, PANIC_CHECK};
use super::step::StepResult;
use super::trace::format_hash;
use super::world::{Counters, Sim, Violation};
use crate::check::{CheckKind, CheckResult, Outcome, UnknownPolicy};
use serde::Serialize;
use std::cell::Cell;
use std::sync::Arc;

/// The overall verdict of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every check passed.
    Pass,
    /// A safety check failed (exit code 1).
    SafetyViolation,
    /// A liveness check failed (exit code 2).
    LivenessFailure,
    /// Protocol code panicked (a `todo!()`, an index out of bounds...); the
    /// run stopped at that step (exit code 4).
    Panic,
    /// No check failed, but at least one could not decide (a history
    /// checker's budget ran out, a check that needs a quiescent end found
    /// work unfinished): not a pass (exit code 6). A scenario that accepts
    /// this says `[check] unknown = "pass"` ([`UnknownPolicy`]).
    Unknown,
}

impl Verdict {
    /// The process exit code for this verdict: 0, 1, 2, 4 or 6 (3 is bad
    /// input and 5 a replay that did not reproduce, which are not verdicts).
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Pass => 0,
            Verdict::SafetyViolation => 1,
            Verdict::LivenessFailure => 2,
            Verdict::Panic => 4,
            Verdict::Unknown => 6,
        }
    }

    /// `pass`, `safety-violation`, `liveness-failure`, `panic` or `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::SafetyViolation => "safety-violation",
            Verdict::LivenessFailure => "liveness-failure",
            Verdict::Panic => "panic",
            Verdict::Unknown => "unknown",
        }
    }

    /// How bad the verdict is, for "the worst over many runs": a panic,
    /// then a safety violation, a liveness failure, an undecided run, a
    /// pass. (Not the exit code's order: 1 is worse than 2, and 6 than 0
    /// only.)
    pub fn severity(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Unknown => 1,
            Verdict::LivenessFailure => 2,
            Verdict::SafetyViolation => 3,
            Verdict::Panic => 4,
        }
    }

    /// The verdict an exit code stands for (the inverse of
    /// [`Verdict::exit_code`]); `None` for codes that are not verdicts.
    pub fn from_exit_code(code: i32) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.exit_code() == code)
    }

    /// The verdict [`Verdict::name`] calls `name`; `None` for other text.
    pub fn from_name(name: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.name() == name)
    }

    /// Every verdict.
    pub const ALL: [Verdict; 5] = [
        Verdict::Pass,
        Verdict::SafetyViolation,
        Verdict::LivenessFailure,
        Verdict::Panic,
        Verdict::Unknown,
    ];
}

/// Messages counted over the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageCounts {
    /// Sent by nodes.
    pub sent: u64,
    /// Delivered to live nodes.
    pub delivered: u64,
    /// Lost, partitioned, or sent to a down node.
    pub dropped: u64,
    /// Extra copies delivered by duplication.
    pub duplicated: u64,
}

/// Everything a run produced, for humans (`Display`-like printing in the CLI)
/// and machines (`--json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunReport {
    /// Scenario name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// Steps processed.
    pub steps: u64,
    /// Virtual time reached, in nanoseconds.
    pub virtual_time_ns: u64,
    /// The trace fingerprint, `0x` + 16 hex digits.
    pub trace_hash: String,
    /// Message counters.
    pub messages: MessageCounts,
    /// Client operation counters.
    pub operations: OpCounts,
    /// Every check's verdict.
    pub checks: Vec<CheckResult>,
    /// Metrics: (name, value) pairs, in a fixed order.
    pub metrics: Vec<(String, String)>,
    /// The safety violation that stopped the run early, if any.
    pub violation: Option<Violation>,
    /// The panic in protocol code that stopped the run, if any (then
    /// `violation` is the check `panic` and the verdict is `panic`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panic: Option<PanicReport>,
    /// Overall verdict.
    pub verdict: Verdict,
    /// A chaos experiment's outcome (`[experiment]`), if the run has one:
    /// its hypothesis is also among `checks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<super::chaos::ExperimentReport>,
}

/// Client operations counted over the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpCounts {
    /// Invoked.
    pub invoked: u64,
    /// Completed ok.
    pub ok: u64,
    /// Definitely failed.
    pub fail: u64,
    /// Indeterminate (timed out).
    pub info: u64,
}

impl<N: Node> Sim<N> {
    /// Run to the end (or to the first safety violation), run the end-of-run
    /// checks, and report.
    pub fn run(&mut self) -> RunReport {
        while self.step() == StepResult::Progressed {}
        self.finish()
    }

    /// [`Sim::run`] with the report's metrics left empty (a sweep reads
    /// the verdict, the checks and the hash; the protocol's metrics can cost
    /// as much as a check). The checks run exactly as in [`Sim::run`].
    pub fn run_without_metrics(&mut self) -> RunReport {
        while self.step() == StepResult::Progressed {}
        self.evaluate_final_checks();
        self.report_with(false)
    }

    /// Evaluate end-of-run checks (once) and build the report. Calling it
    /// before the run ends reports on the run so far.
    pub fn finish(&mut self) -> RunReport {
        self.evaluate_final_checks();
        self.report()
    }

    fn evaluate_final_checks(&mut self) {
        if self.final_checks.is_none() {
            let results = self.evaluate_checks();
            self.final_checks = Some(results);
        }
    }

    /// Every check's result. A panic shows first, as the failed check
    /// `panic`; a check that panics at the end of the run stops it the same
    /// way (it reads the nodes' state through the protocol's code).
    fn evaluate_checks(&mut self) -> Vec<CheckResult> {
        let current = Cell::new(0);
        let settings = Arc::clone(&self.settings);
        let site = || {
            let name = &settings.invariants[current.get()].name;
            format!("the end-of-run check `{name}` (it reads the nodes' state)")
        };
        let results = match catch_panic(site, || self.check_results_now(&current)) {
            Ok(results) => results,
            Err(panic) => {
                self.stop_on_panic(panic);
                self.check_results_now(&current)
            }
        };
        let site = || "a timed check's predicate (it reads the nodes' state)".to_string();
        let timed = match catch_panic(site, || self.timed_results()) {
            Ok(timed) => timed,
            Err(panic) => {
                self.stop_on_panic(panic);
                self.timed_results()
            }
        };
        let results: Vec<CheckResult> = results.into_iter().chain(timed).collect();
        let panic = self.panicked.as_ref().map(|p| CheckResult {
            name: PANIC_CHECK.to_string(),
            kind: CheckKind::Always,
            outcome: Outcome::Fail(p.to_string()),
        });
        panic.into_iter().chain(results).collect()
    }

    fn check_results_now(&self, current: &Cell<usize>) -> Vec<CheckResult> {
        let stopped = self.violation.as_ref();
        // Monitors are `always` checks with memory: they passed unless one
        // of them stopped the run.
        let monitors = self.monitors.iter().map(|m| CheckResult {
            name: m.name.to_string(),
            kind: CheckKind::Always,
            outcome: match stopped {
                Some(v) if *v.check == *m.name => Outcome::Fail(v.detail.clone()),
                _ => Outcome::Pass,
            },
        });
        let invariants = self.settings.invariants.iter().enumerate().map(|(i, inv)| {
            current.set(i);
            let outcome = match (inv.kind, stopped) {
                (_, Some(v)) if v.check == inv.name => Outcome::Fail(v.detail.clone()),
                (CheckKind::Always, _) => Outcome::Pass,
                // It held at a step before the stop: that is all it asks.
                (CheckKind::Sometimes, _) if self.sometimes_seen[i] => Outcome::Pass,
                (_, Some(v)) => Outcome::Unknown(format!(
                    "not evaluated: the run stopped at step {} on `{}`",
                    v.step, v.check
                )),
                (CheckKind::Sometimes, None) if self.explore.is_some() => Outcome::Unknown(
                    "not judged on one explored path: explore reports it over all paths".into(),
                ),
                (CheckKind::Sometimes, None) => Outcome::Fail(
                    "never held during the run: this check must hold at least once, so a run where nothing happens cannot pass".into(),
                ),
                (
                    CheckKind::AtEnd
                    | CheckKind::Eventually
                    | CheckKind::Expect
                    | CheckKind::At
                    | CheckKind::Within,
                    None,
                ) => inv.evaluate(self),
            };
            CheckResult {
                name: inv.name.clone(),
                kind: inv.kind,
                outcome,
            }
        });
        let mut results: Vec<CheckResult> = monitors.chain(invariants).collect();
        // Bounds on metrics judge a whole run: not an explored path, and
        // not a run a violation stopped.
        if !self.settings.expectations.is_empty() && self.explore.is_none() {
            let metrics = self.expect_metrics();
            for e in &self.settings.expectations {
                let mut result = e.judge(&metrics);
                if let Some(v) = stopped {
                    result.outcome = Outcome::Unknown(format!(
                        "not evaluated: the run stopped at step {} on `{}`",
                        v.step, v.check
                    ));
                }
                results.push(result);
            }
        }
        // The hypothesis is an `[expect]` bound over windows: judged and
        // reported the same way.
        if self.explore.is_none() {
            if let Some((checks, _)) = self.experiment_results() {
                for mut result in checks {
                    if let Some(v) = stopped {
                        result.outcome = Outcome::Unknown(format!(
                            "not evaluated: the run stopped at step {} on `{}`",
                            v.step, v.check
                        ));
                    }
                    results.push(result);
                }
            }
        }
        results
    }

    /// What `[expect]` bounds: the report's metrics and the run's counters
    /// ([`COUNTER_METRICS`](crate::check::expect::COUNTER_METRICS)).
    fn expect_metrics(&self) -> Vec<(String, String)> {
        with_counter_metrics(self.metrics(), &self.counters, self.step, self.now)
    }

    /// The report as of now (end-of-run checks only if [`Sim::finish`] ran).
    pub fn report(&self) -> RunReport {
        self.report_with(true)
    }

    /// The report, with the metrics or with none.
    fn report_with(&self, metrics: bool) -> RunReport {
        let checks = self.final_checks.clone().unwrap_or_default();
        let verdict = if self.panicked.is_some() {
            Verdict::Panic
        } else {
            verdict_of(&checks, self.violation.is_some(), self.settings.unknown)
        };
        let c: &Counters = &self.counters;
        RunReport {
            scenario: self.settings.name.clone(),
            seed: self.settings.seed,
            steps: self.step,
            virtual_time_ns: self.now.as_nanos(),
            trace_hash: format_hash(self.trace.hash()),
            messages: MessageCounts {
                sent: c.sent,
                delivered: c.delivered,
                dropped: c.dropped,
                duplicated: c.duplicated,
            },
            operations: OpCounts {
                invoked: c.ops_invoked,
                ok: c.ops_ok,
                fail: c.ops_fail,
                info: c.ops_info,
            },
            checks,
            metrics: if metrics { self.metrics() } else { Vec::new() },
            violation: self.violation.clone(),
            panic: self.panicked.as_deref().cloned(),
            verdict,
            experiment: self
                .explore
                .is_none()
                .then(|| self.experiment_results().map(|(_, report)| report))
                .flatten(),
        }
    }

    fn metrics(&self) -> Vec<(String, String)> {
        let bytes = self.message_bytes.map(|bytes| {
            // The largest node's synced storage, crashed nodes included:
            // their disk survives.
            let largest = self
                .nodes
                .iter()
                .map(|slot| slot.storage.durable_bytes())
                .max()
                .unwrap_or(0);
            (bytes, largest)
        });
        let swarm = self.nemesis.swarm.as_deref().map(|swarm| &swarm.0);
        let mut out = engine_metrics(
            &self.counters,
            &self.op_latencies,
            bytes,
            self.fault_log.len(),
            swarm,
        );
        if let Some(service) = &self.service {
            out.extend(service.metrics(self.now));
        }
        // Protocol metrics read the nodes' state through protocol code,
        // which may panic (or the world may be half-updated by a panic).
        let extra = catch_panic(String::new, || {
            let mut extra = Vec::new();
            if let Some(metrics) = &self.settings.metrics {
                extra.extend(metrics(self));
            }
            for m in &self.monitors {
                extra.extend(m.monitor.metrics());
            }
            extra
        });
        match extra {
            Ok(extra) => out.extend(extra),
            Err(panic) => out.push(("protocol-metrics".into(), panic.short())),
        }
        out
    }
}

/// The engine's own metrics, before the service's and the protocol's:
/// one function for every node type. `bytes` is (message bytes, the
/// largest node's synced storage) when bytes are counted.
fn engine_metrics(
    c: &Counters,
    op_latencies: &[u64],
    bytes: Option<(u64, u64)>,
    faults: usize,
    swarm: Option<&crate::faults::SwarmMix>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if c.ops_invoked > 0 {
        let per_op = c.sent as f64 / c.ops_invoked as f64;
        out.push(("messages-per-op".into(), format!("{per_op:.1}")));
        let completed = c.ops_ok + c.ops_fail + c.ops_info;
        if completed > 0 {
            let availability = c.ops_ok as f64 / completed as f64;
            out.push((
                "availability".into(),
                format!("{:.1}%", availability * 100.0),
            ));
        }
        let mut lat = op_latencies.to_vec();
        lat.sort_unstable();
        for (name, per_mille) in [
            ("op-latency-p50", 500),
            ("op-latency-p99", 990),
            ("op-latency-p999", 999),
        ] {
            if let Some(p) = crate::check::experiment::per_mille_rank(&lat, per_mille) {
                out.push((name.into(), super::SimTime(p).to_string()));
            }
        }
    }
    if let Some((message_bytes, largest)) = bytes {
        out.extend(byte_metrics(message_bytes, c.ops_invoked, largest));
    }
    if faults > 0 {
        out.push(("faults".into(), faults.to_string()));
    }
    if let Some(swarm) = swarm {
        out.push(("nemesis-swarm".into(), swarm.to_string()));
    }
    out
}

/// `metrics` and the run's counters, steps and virtual time: what
/// `[expect]` bounds.
fn with_counter_metrics(
    mut metrics: Vec<(String, String)>,
    c: &Counters,
    steps: u64,
    now: super::SimTime,
) -> Vec<(String, String)> {
    for (name, value) in [
        ("messages-sent", c.sent),
        ("messages-delivered", c.delivered),
        ("messages-dropped", c.dropped),
        ("messages-duplicated", c.duplicated),
        ("ops-invoked", c.ops_invoked),
        ("ops-ok", c.ops_ok),
        ("ops-fail", c.ops_fail),
        ("ops-info", c.ops_info),
        ("steps", steps),
    ] {
        metrics.push((name.to_string(), value.to_string()));
    }
    metrics.push(("virtual-time".into(), now.to_string()));
    metrics
}

/// `message-bytes`, `bytes-per-op` (with operations) and
/// `storage-bytes` (the largest node's synced storage, crashed nodes
/// included: their disk survives).
fn byte_metrics(message_bytes: u64, ops: u64, largest: u64) -> Vec<(String, String)> {
    let mut out = vec![("message-bytes".to_string(), message_bytes.to_string())];
    if ops > 0 {
        let per_op = message_bytes as f64 / ops as f64;
        out.push(("bytes-per-op".into(), format!("{per_op:.0}")));
    }
    out.push(("storage-bytes".into(), largest.to_string()));
    out
}

fn verdict_of(checks: &[CheckResult], stopped: bool, unknown: UnknownPolicy) -> Verdict {
    let failed = |safety: bool| {
        checks
            .iter()
            .any(|c| c.kind.is_safety() == safety && matches!(c.outcome, Outcome::Fail(_)))
    };
    let undecided = checks
        .iter()
        .any(|c| matches!(c.outcome, Outcome::Unknown(_)));
    if stopped || failed(true) {
        Verdict::SafetyViolation
    } else if failed(false) {
        Verdict::LivenessFailure
    } else if undecided && unknown == UnknownPolicy::Fail {
        Verdict::Unknown
    } else {
        Verdict::Pass
    }
}

impl RunReport {
    /// The value of the metric `name`, as the run printed it.
    pub fn metric(&self, name: &str) -> Option<&str> {
        let found = self.metrics.iter().find(|(n, _)| n == name);
        found.map(|(_, v)| v.as_str())
    }

    /// The checks that could not decide, by name.
    pub fn unknown_checks(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Unknown(_)))
            .map(|c| c.name.as_str())
            .collect()
    }
}

/// The `percent`-th percentile of sorted values (nearest rank, rounding
/// down): the metric every protocol reports its p50/p99 with. `None` if empty.
pub fn percentile(sorted: &[u64], percent: usize) -> Option<u64> {
    let last = sorted.len().checked_sub(1)?;
    sorted.get(last * percent.min(100) / 100).copied()
}

#[cfg(test)]
mod percentile_tests {
    use super::percentile;

    #[test]
    fn percentile_picks_the_nearest_rank_below() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), Some(50));
        assert_eq!(percentile(&v, 99), Some(99));
        assert_eq!(percentile(&v, 100), Some(100));
        assert_eq!(percentile(&[7], 99), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }
}
