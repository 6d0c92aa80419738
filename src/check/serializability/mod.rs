//! Serializability of list-append transactions, in the style of Elle.
//!
//! A transaction is an operation with `f = "txn"` whose value is a list of
//! micro-ops: `["append", KEY, INT]` or `["r", KEY, nil | [INT...]]`. Since
//! appends only add at the end and every appended value is unique per key,
//! the longest read of a key reveals its version order. From it come the
//! dependency edges: ww (next append), wr (a read saw an append), rw (a read
//! missed the next append), plus real-time and process order for strict
//! serializability. Strongly connected components (petgraph) locate cycles;
//! the smallest cycle of each class names the anomaly.

mod cycles;
mod txn;

use super::error::HistoryError;
use super::history::History;
use super::ops::{pair, Operations};
use super::verdict::Status;
use cycles::{Cycle, PROCESS, RT, RW, WR, WW};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};
use txn::Finding;

/// The consistency model a list-append history is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Consistency {
    /// Serializable plus real-time order (and process order).
    StrictSerializable,
    /// Some serial order explains all reads.
    Serializable,
    /// Snapshot isolation: no G0, G1, G-single (write skew, G2, allowed).
    SnapshotIsolation,
    /// Read committed: no G0, G1a, G1b, G1c.
    ReadCommitted,
}

impl Consistency {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Consistency::StrictSerializable => "strict-serializable",
            Consistency::Serializable => "serializable",
            Consistency::SnapshotIsolation => "snapshot-isolation",
            Consistency::ReadCommitted => "read-committed",
        }
    }
}

impl fmt::Display for Consistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Consistency {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            Consistency::StrictSerializable,
            Consistency::Serializable,
            Consistency::SnapshotIsolation,
            Consistency::ReadCommitted,
        ]
        .into_iter()
        .find(|c| c.name() == s)
        .ok_or_else(|| format!("unknown consistency model `{s}` (expected strict-serializable, serializable, snapshot-isolation or read-committed)"))
    }
}

/// The result of a serializability check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Valid or invalid.
    pub status: Status,
    /// Transactions considered.
    pub transactions: usize,
    /// Names of the anomalies found (`G0`, `G1a`, `G1b`, `G1c`, `G-single`,
    /// `G2`, their `-realtime` variants, `incompatible-order`, ...).
    pub anomalies: Vec<String>,
    /// Ids of the operations in the explanation.
    pub failing_ops: Vec<usize>,
    /// Plain-text explanation.
    pub explanation: String,
}

impl Report {
    /// Names of the anomalies found.
    pub fn anomaly_names(&self) -> Vec<String> {
        self.anomalies.clone()
    }
}

/// Pair the events of `history` and check its list-append transactions.
pub fn check(history: &History, consistency: Consistency) -> Result<Report, HistoryError> {
    check_operations(&pair(history, None)?, consistency)
}

/// Check list-append transactions against `consistency`.
pub fn check_operations(
    ops: &Operations,
    consistency: Consistency,
) -> Result<Report, HistoryError> {
    check_operations_within(ops, consistency, None)
}

/// [`check_operations`], giving up with status `unknown` once `timeout` of
/// wall-clock time has passed (building the real-time edges and searching
/// for cycles are the costly parts: quadratic in the transactions).
pub fn check_operations_within(
    ops: &Operations,
    consistency: Consistency,
    timeout: Option<Duration>,
) -> Result<Report, HistoryError> {
    // allow-nondeterminism: checker budget/timing, not simulation
    let mut deadline = cycles::Deadline::new(timeout.map(|t| Instant::now() + t)); // allow-nondeterminism: --timeout of check-history (unknown when it runs out)
    let txns = txn::parse(&ops.ops)?;
    let writers = txn::writers(&txns)?;
    let mut findings = Vec::new();
    let orders = txn::version_orders(&txns, &writers, &mut findings);
    txn::dirty_reads(&txns, &writers, &orders, &mut findings);
    let strict = consistency == Consistency::StrictSerializable;
    let out_of_time = |txns: usize| {
        Report {
        status: Status::Unknown,
        transactions: txns,
        anomalies: Vec::new(),
        failing_ops: Vec::new(),
        explanation: format!(
            "Unknown: the check ran out of time ({:?}; raise it with --timeout) before it could decide.\n",
            timeout.unwrap_or_default()
        ),
    }
    };
    let Some(graph) = cycles::build(&txns, &writers, &orders, strict, &mut deadline) else {
        return Ok(out_of_time(txns.len()));
    };
    let classes = classes(consistency);
    let every_kind = classes
        .iter()
        .fold(if strict { RT | PROCESS } else { 0 }, |all, class| {
            all | class.mask | class.closing
        });
    let classes = if cycles::acyclic(&graph, every_kind) {
        Vec::new()
    } else {
        classes
    };
    for class in classes {
        let found = cycles::smallest_cycle(&graph, class.closing, class.mask, &mut deadline)
            .filter(|c| class.accepts(c))
            .or_else(|| {
                let extra = if strict { RT | PROCESS } else { 0 };
                (extra != 0)
                    .then(|| {
                        let mask = class.mask | extra;
                        cycles::smallest_cycle(&graph, class.closing, mask, &mut deadline)
                    })
                    .flatten()
                    .filter(|c| class.accepts(c))
            });
        if deadline.expired {
            return Ok(out_of_time(txns.len()));
        }
        if let Some(cycle) = found {
            findings.push(describe(&txns, &graph, &class, &cycle));
        }
    }
    let mut anomalies: Vec<String> = Vec::new();
    let mut failing_ops = Vec::new();
    let mut explanation = String::new();
    for f in &findings {
        if !anomalies.contains(&f.name.to_string()) {
            anomalies.push(f.name.to_string());
            explanation.push_str(&f.text);
            explanation.push('\n');
            failing_ops.extend(&f.ops);
        }
    }
    failing_ops.sort_unstable();
    failing_ops.dedup();
    Ok(Report {
        status: if anomalies.is_empty() {
            Status::Valid
        } else {
            Status::Invalid
        },
        transactions: txns.len(),
        anomalies,
        failing_ops,
        explanation,
    })
}

/// A cyclic anomaly class: the closing edge, the edges allowed on the rest
/// of the path, and how many rw edges it has.
struct Class {
    name: &'static str,
    what: &'static str,
    closing: u8,
    mask: u8,
    rw: fn(usize) -> bool,
}

impl Class {
    fn accepts(&self, cycle: &Cycle) -> bool {
        (self.rw)(cycle.kinds.iter().filter(|&&k| k == RW).count())
    }
}

fn classes(consistency: Consistency) -> Vec<Class> {
    let mut list = vec![
        Class {
            name: "G0",
            what: "write cycle: transactions overwrite each other in a circle",
            closing: WW,
            mask: WW,
            rw: |n| n == 0,
        },
        Class {
            name: "G1c",
            what: "circular information flow: each transaction saw or overwrote the next",
            closing: WR,
            mask: WW | WR,
            rw: |n| n == 0,
        },
    ];
    if consistency != Consistency::ReadCommitted {
        list.push(Class {
            name: "G-single",
            what: "read skew: a cycle with exactly one anti-dependency (rw)",
            closing: RW,
            mask: WW | WR,
            rw: |n| n == 1,
        });
    }
    if consistency != Consistency::ReadCommitted && consistency != Consistency::SnapshotIsolation {
        list.push(Class {
            name: "G2",
            what: "anti-dependency cycle (write skew): two or more rw edges",
            closing: RW,
            mask: WW | WR | RW,
            rw: |n| n >= 2,
        });
    }
    list
}

fn describe(txns: &[txn::Txn], graph: &cycles::Graph, class: &Class, cycle: &Cycle) -> Finding {
    let realtime = cycle.kinds.iter().any(|&k| k == RT || k == PROCESS);
    let name = match (class.name, realtime) {
        ("G0", true) => "G0-realtime",
        ("G1c", true) => "G1c-realtime",
        ("G-single", true) => "G-single-realtime",
        ("G2", true) => "G2-realtime",
        (n, _) => n,
    };
    let mut text = format!("{name} ({}):\n", class.what);
    for &t in &cycle.nodes {
        text.push_str(&format!("  T{t} = {}\n", txns[t].op));
    }
    let n = cycle.nodes.len();
    for i in 0..n {
        let (a, b, kind) = (cycle.nodes[i], cycle.nodes[(i + 1) % n], cycle.kinds[i]);
        let reason = graph.reason(a, b, kind);
        text.push_str(&format!(
            "  T{a} → T{b} ({}): {reason}\n",
            cycles::kind_name(kind)
        ));
    }
    text.push_str(
        "  Each arrow means \"must come before\"; a cycle means no serial order exists.\n",
    );
    Finding {
        name,
        ops: cycle.nodes.iter().map(|&t| txns[t].op.id).collect(),
        text,
    }
}

#[cfg(test)]
mod timeout_tests {
    use super::*;
    use crate::check::history::{EventType, HistoryEvent, Value};

    /// `n` transactions one after another, each appending to its own key:
    /// serializable, but real-time order gives n²/2 edges to build.
    fn sequential_appends(n: i64) -> History {
        let mut h = History::new();
        for t in 0..n {
            let mop = Value::List(vec![
                Value::Str("append".into()),
                Value::Int(t),
                Value::Int(t),
            ]);
            for kind in [EventType::Invoke, EventType::Ok] {
                h.push(HistoryEvent {
                    process: (t % 5) as u64,
                    kind,
                    f: "txn".into(),
                    key: None,
                    value: Value::List(vec![mop.clone()]),
                    time: 0,
                    error: None,
                });
            }
        }
        h
    }

    #[test]
    fn the_timeout_ends_the_check_with_unknown() {
        let ops = pair(&sequential_appends(3_000), None).expect("well formed");
        let report = check_operations_within(
            &ops,
            Consistency::StrictSerializable,
            Some(Duration::from_millis(1)),
        )
        .expect("well formed");
        assert_eq!(report.status, Status::Unknown);
        assert!(
            report
                .explanation
                .starts_with("Unknown: the check ran out of time (1ms; raise it with --timeout)"),
            "{}",
            report.explanation
        );
        let small = pair(&sequential_appends(20), None).expect("well formed");
        let report = check_operations_within(
            &small,
            Consistency::StrictSerializable,
            Some(Duration::from_secs(60)),
        )
        .expect("well formed");
        assert_eq!(report.status, Status::Valid);
    }
}
