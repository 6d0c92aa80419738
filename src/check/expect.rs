//! Expectations on a run's metrics: a scenario's `[expect]` table
//! (`messages-per-op = { max = 8 }`, `op-latency-p99 = { max = "50ms" }`,
//! `availability = { min = "99.5%" }`), judged at the end of a run against
//! the metrics the run reports, and reported like checks (kind `expect`)
//! with the measured value and the bound.

use super::{CheckKind, CheckResult, Outcome};
use crate::base::SimTime;
use std::fmt;
use std::str::FromStr;

/// A measured or bounding quantity: a plain number, a percentage or a
/// duration. Only quantities of one kind compare.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quantity {
    /// A count or ratio (`3`, `1.5`).
    Number(f64),
    /// A percentage (`99.5%`), as the number before the sign.
    Percent(f64),
    /// A duration (`50ms`).
    Duration(SimTime),
}

impl Quantity {
    /// `number`, `percentage` or `duration`.
    pub fn kind(self) -> &'static str {
        match self {
            Quantity::Number(_) => "number",
            Quantity::Percent(_) => "percentage",
            Quantity::Duration(_) => "duration",
        }
    }

    /// The value, in its kind's unit (durations in nanoseconds).
    pub fn value(self) -> f64 {
        match self {
            Quantity::Number(v) | Quantity::Percent(v) => v,
            Quantity::Duration(t) => t.as_nanos() as f64,
        }
    }

    /// How a bound of this kind is written (for messages).
    fn example(self) -> &'static str {
        match self {
            Quantity::Number(_) => "a number like 8 or 1.5",
            Quantity::Percent(_) => "a percentage like \"99.5%\"",
            Quantity::Duration(_) => "a duration like \"50ms\"",
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quantity::Number(v) => write!(f, "{}", trim(*v)),
            Quantity::Percent(v) => write!(f, "{}%", trim(*v)),
            Quantity::Duration(t) => write!(f, "{t}"),
        }
    }
}

/// `8`, `1.5`, not `8.000000`.
fn trim(v: f64) -> String {
    let text = format!("{v:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

/// Reads the leading quantity of a metric's text: `1.2`, `99.0%`,
/// `12.5ms`, and `3 (slowest 2s)` (the first word). A text that starts
/// with none of these (`n1@t1(...)`) is not a quantity.
impl FromStr for Quantity {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let word = text
            .trim()
            .split(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or("");
        if let Some(number) = word.strip_suffix('%') {
            return number
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Quantity::Percent)
                .ok_or_else(|| format!("{text:?} is not a percentage"));
        }
        if let Ok(v) = word.parse::<f64>() {
            if v.is_finite() {
                return Ok(Quantity::Number(v));
            }
        }
        word.parse::<SimTime>()
            .map(Quantity::Duration)
            .map_err(|_| format!("{text:?} is not a number, a percentage or a duration"))
    }
}

/// One bound on one metric: `min ≤ value ≤ max` (either side optional, at
/// least one given; both of one kind).
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// The metric's name, as `run` lists it (`messages-per-op`).
    pub metric: String,
    /// Lowest acceptable value.
    pub min: Option<Quantity>,
    /// Highest acceptable value.
    pub max: Option<Quantity>,
}

/// Names a run reports besides its `metrics:` list, from its counters.
pub const COUNTER_METRICS: &[&str] = &[
    "messages-sent",
    "messages-delivered",
    "messages-dropped",
    "messages-duplicated",
    "ops-invoked",
    "ops-ok",
    "ops-fail",
    "ops-info",
    "steps",
    "virtual-time",
];

/// The byte metrics: reported only when counted (a bound on one of them
/// turns counting on, [`SimBuilder::count_bytes`](crate::sim::SimBuilder::count_bytes)):
/// `message-bytes` (node-to-node messages sent, each as long as its JSON
/// form), `bytes-per-op` (that over the operations invoked) and
/// `storage-bytes` (the largest node's synced storage at the end: keys
/// plus JSON values).
pub const BYTE_METRICS: &[&str] = &["message-bytes", "bytes-per-op", "storage-bytes"];

impl Expectation {
    /// The check's name in reports: `expect messages-per-op`.
    pub fn check_name(&self) -> String {
        format!("expect {}", self.metric)
    }

    /// `<= 8`, `>= 99.5%`, `in 1..=3`.
    pub fn describe(&self) -> String {
        match (self.min, self.max) {
            (Some(lo), Some(hi)) => format!("between {lo} and {hi}"),
            (Some(lo), None) => format!(">= {lo}"),
            (None, Some(hi)) => format!("<= {hi}"),
            (None, None) => "anything".into(),
        }
    }

    /// Judge the expectation on a run's metrics (name, text) pairs.
    pub fn judge(&self, metrics: &[(String, String)]) -> CheckResult {
        CheckResult {
            name: self.check_name(),
            kind: CheckKind::Expect,
            outcome: self.outcome(metrics),
        }
    }

    fn outcome(&self, metrics: &[(String, String)]) -> Outcome {
        let Some((_, text)) = metrics.iter().find(|(name, _)| *name == self.metric) else {
            let names: Vec<&str> = metrics.iter().map(|(n, _)| n.as_str()).collect();
            let hint = crate::base::suggest::closest(&self.metric, &names)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            return Outcome::Fail(format!(
                "the run reported no metric `{}`{hint}; it reported: {}",
                self.metric,
                names.join(", ")
            ));
        };
        let measured = match text.parse::<Quantity>() {
            Ok(q) => q,
            Err(why) => {
                return Outcome::Fail(format!(
                    "`{}` is {why}, so it cannot be bounded",
                    self.metric
                ))
            }
        };
        for bound in [self.min, self.max].into_iter().flatten() {
            if bound.kind() != measured.kind() {
                return Outcome::Fail(format!(
                    "`{}` is a {} ({measured}) but the bound {bound} is a {}: give it as {}",
                    self.metric,
                    measured.kind(),
                    bound.kind(),
                    measured.example()
                ));
            }
        }
        let low = self.min.is_some_and(|lo| measured.value() < lo.value());
        let high = self.max.is_some_and(|hi| measured.value() > hi.value());
        if low || high {
            Outcome::Fail(format!("measured {measured}, expected {}", self.describe()))
        } else {
            Outcome::Pass
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Vec<(String, String)> {
        [
            ("messages-per-op", "7.5"),
            ("availability", "98.0%"),
            ("op-latency-p99", "12.5ms"),
            ("leaders-replaced", "2 (slowest 310ms)"),
            ("leaders", "n1@t1(164.577ms)"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    }

    fn expect(metric: &str, min: Option<&str>, max: Option<&str>) -> Outcome {
        let e = Expectation {
            metric: metric.into(),
            min: min.map(|m| m.parse().expect("quantity")),
            max: max.map(|m| m.parse().expect("quantity")),
        };
        e.judge(&metrics()).outcome
    }

    #[test]
    fn quantities_parse_from_metric_texts() {
        assert_eq!("7.5".parse(), Ok(Quantity::Number(7.5)));
        assert_eq!("98.0%".parse(), Ok(Quantity::Percent(98.0)));
        assert_eq!(
            "12.5ms".parse(),
            Ok(Quantity::Duration(SimTime::from_micros(12_500)))
        );
        assert_eq!("2 (slowest 310ms)".parse(), Ok(Quantity::Number(2.0)));
        assert!("n1@t1(164.577ms)".parse::<Quantity>().is_err());
        assert!("inf".parse::<Quantity>().is_err());
    }

    #[test]
    fn bounds_hold_and_fail_with_the_measured_value() {
        assert_eq!(expect("messages-per-op", None, Some("8")), Outcome::Pass);
        assert_eq!(
            expect("messages-per-op", None, Some("7")),
            Outcome::Fail("measured 7.5, expected <= 7".into())
        );
        assert_eq!(expect("availability", Some("97.5%"), None), Outcome::Pass);
        assert_eq!(
            expect("availability", Some("99.5%"), None),
            Outcome::Fail("measured 98%, expected >= 99.5%".into())
        );
        assert_eq!(expect("op-latency-p99", None, Some("50ms")), Outcome::Pass);
        assert_eq!(
            expect("op-latency-p99", None, Some("10ms")),
            Outcome::Fail("measured 12.5ms, expected <= 10ms".into())
        );
        assert_eq!(
            expect("leaders-replaced", Some("3"), Some("5")),
            Outcome::Fail("measured 2, expected between 3 and 5".into())
        );
        assert_eq!(
            expect("leaders-replaced", Some("1"), Some("2")),
            Outcome::Pass
        );
    }

    #[test]
    fn a_missing_metric_or_a_bound_of_another_kind_fails_and_says_why() {
        let Outcome::Fail(why) = expect("mesages-per-op", None, Some("8")) else {
            panic!("a missing metric fails");
        };
        assert!(
            why.contains("no metric `mesages-per-op` (did you mean `messages-per-op`?)"),
            "{why}"
        );
        let Outcome::Fail(why) = expect("op-latency-p99", None, Some("50")) else {
            panic!("a number does not bound a duration");
        };
        assert!(why.contains("give it as a duration like \"50ms\""), "{why}");
        let Outcome::Fail(why) = expect("leaders", None, Some("1")) else {
            panic!("a text is not a quantity");
        };
        assert!(why.contains("cannot be bounded"), "{why}");
    }
}
