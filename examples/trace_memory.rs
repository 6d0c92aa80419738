//! What the full in-memory trace costs per event (issue 21, item 4): runs a
//! Raft scenario (default `scenarios/raft-churn.toml`) with the full trace
//! kept and prints its entries, sends and annotations, the bytes the
//! trace's arrays hold now (`Trace::kept_bytes`: the messages, timers and
//! other events it keeps out of line at their `size_of`) and what the layout before
//! issue 21 held for the same run (a 72-byte entry per step with its step
//! number and two ranges, a 48-byte `SendRecord` per send, a `String` per
//! annotation). Messages' and strings' own heap data (the same in both)
//! are not counted. `cargo run --release --example trace_memory [PATH]`.

use distlab::protocols::raft::{self, Raft};
use distlab::scenario::engine::BuildOptions;
use distlab::sim::{SendRecord, Sim, TraceEntry, TraceLevel};
use distlab::testing;
use std::mem::size_of;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "scenarios/raft-churn.toml".into());
    let scenario = testing::load(&path);
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let mut sim: Sim<Raft> = raft::scenario::configured::<Raft>(&scenario, &options)
        .expect("the scenario builds")
        .build();
    sim.run();
    let trace = sim.trace();
    let entries = trace.len();
    let sends: usize = (0..entries).map(|i| trace.sends_at(i).len()).sum();
    let notes: usize = (0..entries).map(|i| trace.annotations_at(i).len()).sum();
    // Before: `TraceEntry` held the step (8 bytes) and two `(u32, u32)`
    // ranges (16) beside its time and event.
    let entry_before = size_of::<TraceEntry<Raft>>() + 8 + 16;
    let before =
        entries * entry_before + sends * size_of::<SendRecord>() + notes * size_of::<String>();
    let now = trace.kept_bytes();
    println!("{path}: {entries} entries, {sends} sends, {notes} annotations");
    let deliveries = trace
        .entries()
        .filter(|e| e.event.kind() == "deliver")
        .count();
    println!(
        "{deliveries} deliveries; a step 12 bytes (before {entry_before}), a send 16 (before {}), \
         a delivered message {} (kept out of line)",
        size_of::<SendRecord>(),
        size_of::<raft::Msg>()
    );
    println!(
        "before {before} bytes ({:.1} per event), now {now} bytes ({:.1} per event): {:.0} %",
        before as f64 / entries as f64,
        now as f64 / entries as f64,
        100.0 * now as f64 / before as f64
    );
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for i in 0..entries {
        *kinds.entry(trace.kind_at(i).expect("kept").0).or_default() += 1;
    }
    println!("steps by kind: {kinds:?}");
    let (mut len_total, mut cap_total) = (0, 0);
    for (name, len, cap) in trace.kept_parts() {
        len_total += len;
        cap_total += cap;
        println!(
            "  {name:<17} {len:>9} bytes ({:>5.1} per event), allocated {cap:>9} ({:>5.1})",
            len as f64 / entries as f64,
            cap as f64 / entries as f64
        );
    }
    println!(
        "  total             {len_total:>9} bytes ({:>5.1} per event), allocated {cap_total:>9} ({:>5.1})",
        len_total as f64 / entries as f64,
        cap_total as f64 / entries as f64
    );
}
