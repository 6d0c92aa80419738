//! The serializability checker as it was before it judged reads by
//! position (session 21, docs/performance.md): a copy kept as the reference
//! the optimised checker must agree with, report for report. The wall-clock
//! budget is left out (the reference always runs to the end).
//!
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

use cycles::{Cycle, PROCESS, RT, RW, WR, WW};
use distlab::check::error::HistoryError;
use distlab::check::ops::Operations;
use distlab::check::serializability::{Consistency, Report};
use distlab::check::verdict::Status;
use txn::Finding;

/// Check list-append transactions against `consistency`, as the checker
/// did before.
pub fn check_operations(
    ops: &Operations,
    consistency: Consistency,
) -> Result<Report, HistoryError> {
    let txns = txn::parse(&ops.ops)?;
    let writers = txn::writers(&txns)?;
    let mut findings = Vec::new();
    let orders = txn::version_orders(&txns, &writers, &mut findings);
    txn::dirty_reads(&txns, &writers, &mut findings);
    let strict = consistency == Consistency::StrictSerializable;
    let graph = cycles::build(&txns, &writers, &orders, strict);
    for class in classes(consistency) {
        let found = cycles::smallest_cycle(&graph, class.closing, class.mask)
            .filter(|c| class.accepts(c))
            .or_else(|| {
                let extra = if strict { RT | PROCESS } else { 0 };
                (extra != 0)
                    .then(|| {
                        let mask = class.mask | extra;
                        cycles::smallest_cycle(&graph, class.closing, mask)
                    })
                    .flatten()
                    .filter(|c| class.accepts(c))
            });
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
        let reason = graph
            .reasons
            .get(&(a, b, kind))
            .cloned()
            .unwrap_or_default();
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
