//! Chaos experiments (`[experiment]` in a scenario, docs/chaos.md): a
//! steady-state *hypothesis* — `[expect]`-style bounds such as
//! `op-latency-p99 <= 50ms` — judged over *windows* of the run (before,
//! during and after the faults, or windows named explicitly) instead of
//! the whole run; a *blast radius* (the nodes faults may touch); and an
//! *abort* condition, bounds judged as the run goes that, once broken,
//! stop the faults.
//!
//! This module is pure data and arithmetic: the windows from the faults'
//! times, and the windowed metrics from a client history, by the
//! operations *invoked* in a window. The engine (`crate::sim`) records the
//! faults, evaluates the abort condition and judges the hypothesis at the
//! end of the run.

use super::expect::{Expectation, Quantity};
use super::history::{EventType, History};
use crate::base::{NodeId, SimTime};
use serde::Serialize;
use std::collections::BTreeMap;

/// How often the abort condition is looked at, in virtual time (also
/// after every fault).
pub const ABORT_TICK: SimTime = SimTime::from_millis(100);

/// The metrics a hypothesis or an abort condition may bound: each computed
/// over the operations invoked in the window.
pub const WINDOW_METRICS: &[&str] = &[
    "availability",
    "op-latency-p50",
    "op-latency-p99",
    "op-latency-p999",
    "ops-invoked",
    "ops-ok",
    "ops-fail",
    "ops-info",
    "errors",
];

/// A chaos experiment, as a scenario states it.
#[derive(Clone, Debug, PartialEq)]
pub struct Experiment {
    /// The steady-state hypothesis: every bound must hold in every window.
    pub hypothesis: Vec<Expectation>,
    /// The windows the hypothesis is judged over.
    pub windows: WindowSpec,
    /// The only nodes faults may touch (`None`: every node).
    pub blast_radius: Option<Vec<NodeId>>,
    /// Bounds judged as the run goes over the operations invoked so far;
    /// the first one broken aborts the experiment (empty: never).
    pub abort: Vec<Expectation>,
}

/// Which windows a hypothesis is judged over.
#[derive(Clone, Debug, PartialEq)]
pub enum WindowSpec {
    /// `before` (`warmup` to the first fault), `during` (the first fault
    /// to the end of the last one) and `after` (the end of the last fault
    /// plus `recovery` to the end of the workload).
    Phases {
        /// Start-up left out of `before` (clients connecting, caches
        /// filling).
        warmup: SimTime,
        /// Grace after the last fault's end before `after` opens.
        recovery: SimTime,
    },
    /// Windows named in the scenario (`[[experiment.window]]`).
    Explicit(Vec<Window>),
}

/// A named stretch of virtual time, `[from, to)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    /// `before`, `during`, `after`, or the scenario's name.
    pub name: String,
    /// Start (inclusive).
    pub from: SimTime,
    /// End (exclusive).
    pub to: SimTime,
}

impl Window {
    /// Is `t` inside?
    pub fn contains(&self, t: SimTime) -> bool {
        self.from <= t && t < self.to
    }
}

/// The three phase windows for faults that hit during `[start, end]`
/// spans (sorted or not), a workload that ends at `end`, a warm-up left
/// out of `before` and a recovery grace. Without faults, `before` is the
/// whole run and `during` and `after` are empty (from = to = end).
pub fn phase_windows(
    faults: &[(SimTime, SimTime)],
    end: SimTime,
    warmup: SimTime,
    recovery: SimTime,
) -> Vec<Window> {
    let first = faults.iter().map(|f| f.0).min().unwrap_or(end).min(end);
    let last = faults
        .iter()
        .map(|f| f.1.max(f.0))
        .max()
        .unwrap_or(end)
        .min(end);
    let after = last.saturating_add(recovery).min(end);
    let window = |name: &str, from: SimTime, to: SimTime| Window {
        name: name.into(),
        from,
        to: to.max(from),
    };
    vec![
        window("before", warmup.min(first), first),
        window("during", first, last),
        window("after", after, end),
    ]
}

/// Counts and latencies of the operations invoked in a window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WindowOps {
    /// Invoked in the window.
    pub invoked: u64,
    /// Of those, completed ok.
    pub ok: u64,
    /// Completed `fail`.
    pub fail: u64,
    /// Completed `info` (indeterminate: timed out).
    pub info: u64,
    /// Not completed by the moment looked at.
    pub pending: u64,
    /// Latencies of the ok ones, sorted, in nanoseconds.
    pub latencies: Vec<u64>,
}

impl WindowOps {
    /// Collect the operations invoked in `window` from `history` (as far
    /// as it goes: an operation not answered yet is pending).
    pub fn collect(history: &History, window: &Window) -> WindowOps {
        let mut out = WindowOps::default();
        let mut open: BTreeMap<u64, u64> = BTreeMap::new();
        for e in &history.events {
            match e.kind {
                EventType::Invoke => {
                    if window.contains(SimTime(e.time)) {
                        out.invoked += 1;
                        open.insert(e.process, e.time);
                    } else {
                        open.remove(&e.process);
                    }
                }
                kind => {
                    let Some(invoked) = open.remove(&e.process) else {
                        continue;
                    };
                    match kind {
                        EventType::Ok => {
                            out.ok += 1;
                            out.latencies.push(e.time.saturating_sub(invoked));
                        }
                        EventType::Fail => out.fail += 1,
                        _ => out.info += 1,
                    }
                }
            }
        }
        out.pending = open.len() as u64;
        out.latencies.sort_unstable();
        out
    }

    /// The window's metrics as (name, text) pairs, like a run's: each of
    /// [`WINDOW_METRICS`] that has a value (no latency without an ok
    /// operation, no availability without an operation). `final` counts
    /// the operations still pending as unavailable (the run is over);
    /// mid-run they are left out.
    pub fn metrics(&self, final_: bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let asked = if final_ {
            self.invoked
        } else {
            self.invoked - self.pending
        };
        if asked > 0 {
            let percent = self.ok as f64 * 100.0 / asked as f64;
            out.push(("availability".to_string(), format!("{percent:.2}%")));
        }
        for (name, per_mille) in [
            ("op-latency-p50", 500),
            ("op-latency-p99", 990),
            ("op-latency-p999", 999),
        ] {
            if let Some(p) = per_mille_rank(&self.latencies, per_mille) {
                out.push((name.to_string(), SimTime(p).to_string()));
            }
        }
        for (name, value) in [
            ("ops-invoked", self.invoked),
            ("ops-ok", self.ok),
            ("ops-fail", self.fail),
            ("ops-info", self.info),
            ("errors", self.fail + self.info),
        ] {
            out.push((name.to_string(), value.to_string()));
        }
        out
    }
}

/// The `per_mille`-th quantile of sorted values, nearest rank rounding down
/// (the rule `crate::sim::percentile` uses for p50/p99): `None` if empty.
pub fn per_mille_rank(sorted: &[u64], per_mille: usize) -> Option<u64> {
    let last = sorted.len().checked_sub(1)?;
    sorted.get(last * per_mille.min(1000) / 1000).copied()
}

/// Reads one bound written as text: `op-latency-p99 <= 50ms`,
/// `availability >= 99.5%`, `errors <= 10`. `<=` gives a maximum and `>=`
/// a minimum; the quantity is a number, a percentage or a duration as in
/// `[expect]`. The metric must be one of [`WINDOW_METRICS`].
pub fn parse_bound(text: &str) -> Result<Expectation, String> {
    let example = "a bound like \"op-latency-p99 <= 50ms\" or \"availability >= 99.5%\"";
    let (metric, op, value) = ["<=", ">=", "<", ">", "="]
        .iter()
        .find_map(|op| {
            text.split_once(op)
                .map(|(metric, value)| (metric.trim(), *op, value.trim()))
        })
        .ok_or_else(|| format!("expected {example}, got {text:?}"))?;
    if metric.is_empty() || value.is_empty() {
        return Err(format!("expected {example}, got {text:?}"));
    }
    if !WINDOW_METRICS.contains(&metric) {
        let hint = crate::base::suggest::closest(metric, WINDOW_METRICS)
            .map(|m| format!(" (did you mean `{m}`?)"))
            .unwrap_or_default();
        return Err(format!(
            "unknown metric `{metric}` in {text:?}{hint}; a window has: {}",
            WINDOW_METRICS.join(", ")
        ));
    }
    let quantity: Quantity = value.parse().map_err(|why| format!("in {text:?}: {why}"))?;
    let expected_kind = match metric {
        "availability" => "percentage",
        m if m.starts_with("op-latency") => "duration",
        _ => "number",
    };
    if quantity.kind() != expected_kind {
        return Err(format!(
            "in {text:?}: `{metric}` is a {expected_kind}, but {quantity} is a {}",
            quantity.kind()
        ));
    }
    let (min, max) = match op {
        "<=" => (None, Some(quantity)),
        ">=" => (Some(quantity), None),
        other => {
            return Err(format!(
                "in {text:?}: `{other}` is not a bound; write `<=` (at most) or `>=` (at least)"
            ))
        }
    };
    Ok(Expectation {
        metric: metric.to_string(),
        min,
        max,
    })
}

/// `op-latency-p99 <= 50ms`: a bound as a hypothesis states it.
pub fn bound_text(bound: &Expectation) -> String {
    match (bound.min, bound.max) {
        (Some(lo), None) => format!("{} >= {lo}", bound.metric),
        (None, Some(hi)) => format!("{} <= {hi}", bound.metric),
        _ => format!("{} {}", bound.metric, bound.describe()),
    }
}

/// One hypothesis bound judged over one window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Judgement {
    /// The window's name.
    pub window: String,
    /// The bound, as written (`op-latency-p99 <= 50ms`).
    pub hypothesis: String,
    /// The measured value (`None`: the window had nothing to measure).
    pub measured: Option<String>,
    /// `held`, `violated` or `unmeasured`.
    pub status: &'static str,
    /// How far past the bound, in the metric's unit (`12ms`, `3.5%`).
    pub by: Option<String>,
    /// The same relative to the bound, in percent.
    pub by_relative_percent: Option<f64>,
}

/// Judge `bound` on a window's metrics.
pub fn judge(window: &str, bound: &Expectation, metrics: &[(String, String)]) -> Judgement {
    let measured = metrics
        .iter()
        .find(|(name, _)| *name == bound.metric)
        .and_then(|(_, text)| text.parse::<Quantity>().ok());
    let mut judgement = Judgement {
        window: window.to_string(),
        hypothesis: bound_text(bound),
        measured: measured.map(|m| m.to_string()),
        status: "unmeasured",
        by: None,
        by_relative_percent: None,
    };
    let Some(measured) = measured else {
        return judgement;
    };
    let past = |b: Option<Quantity>, below: bool| -> Option<(Quantity, f64)> {
        let b = b?;
        let gap = if below {
            b.value() - measured.value()
        } else {
            measured.value() - b.value()
        };
        (gap > 0.0).then_some((b, gap))
    };
    judgement.status = "held";
    if let Some((b, gap)) = past(bound.min, true).or_else(|| past(bound.max, false)) {
        judgement.status = "violated";
        judgement.by = Some(match b {
            Quantity::Number(_) => Quantity::Number(gap).to_string(),
            Quantity::Percent(_) => Quantity::Percent(gap).to_string(),
            Quantity::Duration(_) => Quantity::Duration(SimTime(gap as u64)).to_string(),
        });
        if b.value() != 0.0 {
            let relative = gap * 100.0 / b.value().abs();
            judgement.by_relative_percent = Some((relative * 10.0).round() / 10.0);
        }
    }
    judgement
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::history::HistoryEvent;

    fn ms(n: u64) -> SimTime {
        SimTime::from_millis(n)
    }

    fn event(process: u64, kind: EventType, at_ms: u64) -> HistoryEvent {
        HistoryEvent {
            process,
            kind,
            f: "read".into(),
            key: None,
            value: Default::default(),
            time: ms(at_ms).as_nanos(),
            error: None,
        }
    }

    /// Process 0: ok 0→10 ms, ok 100→150 ms, fail 200→205 ms; process 1:
    /// ok 99→300 ms (invoked before 100 ms, completed after), info 300→800.
    fn history() -> History {
        let mut h = History::new();
        for e in [
            event(0, EventType::Invoke, 0),
            event(0, EventType::Ok, 10),
            event(1, EventType::Invoke, 99),
            event(0, EventType::Invoke, 100),
            event(0, EventType::Ok, 150),
            event(0, EventType::Invoke, 200),
            event(0, EventType::Fail, 205),
            event(1, EventType::Ok, 300),
            event(1, EventType::Invoke, 300),
            event(1, EventType::Info, 800),
        ] {
            h.push(e);
        }
        h
    }

    fn window(from: u64, to: u64) -> Window {
        Window {
            name: "w".into(),
            from: ms(from),
            to: ms(to),
        }
    }

    #[test]
    fn an_operation_counts_in_the_window_it_was_invoked_in() {
        let early = WindowOps::collect(&history(), &window(0, 100));
        assert_eq!((early.invoked, early.ok, early.fail), (2, 2, 0));
        assert_eq!(early.latencies, vec![ms(10).as_nanos(), ms(201).as_nanos()]);
        let late = WindowOps::collect(&history(), &window(100, 1000));
        assert_eq!((late.invoked, late.ok, late.fail, late.info), (3, 1, 1, 1));
        assert_eq!(late.latencies, vec![ms(50).as_nanos()]);
    }

    #[test]
    fn boundaries_are_from_inclusive_to_exclusive() {
        let at_100 = WindowOps::collect(&history(), &window(100, 200));
        assert_eq!(at_100.invoked, 1, "100 ms is in [100, 200), 200 ms is not");
        let empty = WindowOps::collect(&history(), &window(101, 200));
        assert_eq!(empty.invoked, 0);
        assert!(empty.metrics(true).iter().all(|(n, _)| n != "availability"));
    }

    #[test]
    fn pending_operations_count_against_availability_only_when_the_run_is_over() {
        let mut h = history();
        h.push(event(0, EventType::Invoke, 900));
        let ops = WindowOps::collect(&h, &window(300, 1000));
        assert_eq!((ops.invoked, ops.pending), (2, 1));
        let get = |final_| {
            ops.metrics(final_)
                .into_iter()
                .find(|(n, _)| n == "availability")
                .map(|(_, v)| v)
        };
        assert_eq!(get(true).as_deref(), Some("0.00%"));
        assert_eq!(get(false).as_deref(), Some("0.00%"));
        let ok = WindowOps::collect(&history(), &window(0, 300));
        assert_eq!(
            ok.metrics(true)[0],
            ("availability".into(), "75.00%".into())
        );
    }

    #[test]
    fn phases_follow_the_first_fault_and_the_last_fault_end() {
        let faults = [
            (ms(3000), ms(3000)),
            (ms(2000), ms(2500)),
            (ms(4000), ms(6000)),
        ];
        let w = phase_windows(&faults, ms(10_000), ms(500), ms(1000));
        let spans: Vec<(&str, SimTime, SimTime)> =
            w.iter().map(|w| (w.name.as_str(), w.from, w.to)).collect();
        assert_eq!(
            spans,
            vec![
                ("before", ms(500), ms(2000)),
                ("during", ms(2000), ms(6000)),
                ("after", ms(7000), ms(10_000)),
            ]
        );
        let none = phase_windows(&[], ms(10_000), ms(0), ms(1000));
        assert_eq!((none[0].from, none[0].to), (ms(0), ms(10_000)));
        assert_eq!((none[1].from, none[1].to), (ms(10_000), ms(10_000)));
        assert_eq!((none[2].from, none[2].to), (ms(10_000), ms(10_000)));
    }

    #[test]
    fn bounds_parse_from_text_with_clear_errors() {
        let b = parse_bound("op-latency-p99 <= 50ms").expect("valid");
        assert_eq!(b.max, Some(Quantity::Duration(ms(50))));
        assert_eq!(bound_text(&b), "op-latency-p99 <= 50ms");
        let b = parse_bound("availability >= 99.5%").expect("valid");
        assert_eq!(b.min, Some(Quantity::Percent(99.5)));
        let why = parse_bound("op-latency-p98 <= 50ms").expect_err("unknown");
        assert!(why.contains("did you mean `op-latency-p99`?"), "{why}");
        let why = parse_bound("availability < 99%").expect_err("strict");
        assert!(why.contains("write `<=` (at most) or `>=`"), "{why}");
        let why = parse_bound("op-latency-p99 <= 50").expect_err("kind");
        assert!(why.contains("is a duration, but 50 is a number"), "{why}");
        let why = parse_bound("fast").expect_err("no operator");
        assert!(why.contains("expected a bound like"), "{why}");
    }

    #[test]
    fn a_judgement_says_how_far_past_the_bound() {
        let metrics = vec![
            ("op-latency-p99".to_string(), "75ms".to_string()),
            ("availability".to_string(), "98.00%".to_string()),
        ];
        let j = judge(
            "during",
            &parse_bound("op-latency-p99 <= 50ms").unwrap(),
            &metrics,
        );
        assert_eq!((j.status, j.by.as_deref()), ("violated", Some("25ms")));
        assert_eq!(j.by_relative_percent, Some(50.0));
        let j = judge(
            "during",
            &parse_bound("availability >= 99.5%").unwrap(),
            &metrics,
        );
        assert_eq!((j.status, j.by.as_deref()), ("violated", Some("1.5%")));
        let j = judge(
            "during",
            &parse_bound("availability >= 90%").unwrap(),
            &metrics,
        );
        assert_eq!((j.status, j.by), ("held", None));
        let j = judge(
            "during",
            &parse_bound("op-latency-p50 <= 1s").unwrap(),
            &metrics,
        );
        assert_eq!(j.status, "unmeasured");
    }

    #[test]
    fn per_mille_ranks_match_the_percentile_rule() {
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(per_mille_rank(&v, 500), Some(500));
        assert_eq!(per_mille_rank(&v, 990), Some(990));
        assert_eq!(per_mille_rank(&v, 999), Some(999));
        assert_eq!(per_mille_rank(&[], 999), None);
    }
}
