//! Long runs stay affordable: a read that returns every value a node holds
//! (broadcast, gossip) is stored compactly in the history, so a run's
//! memory grows with its length, not with its square (issue 15, finding
//! 10; the figures are measured with `/usr/bin/time`, see
//! `docs/architecture.md`, "Memory").

use distlab::check::history::{EventType, Value};
use distlab::registry;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{self, Overrides};
use distlab::sim::SimTime;
use std::path::Path;

/// Every ok read of `path` run for `duration`: its value is an `IntSet`
/// (never a list of `Int`s) and takes at most one bit per value handed out
/// so far, or 16 bytes per run of consecutive values.
fn reads_are_compact(path: &str, duration: SimTime) {
    let overrides = Overrides {
        duration: Some(duration),
        ..Overrides::default()
    };
    let scenario = scenario::load(Path::new(path), &overrides).expect("valid scenario");
    let mut sim = registry::build(&scenario, &BuildOptions::default()).expect("builds");
    let report = sim.run();
    assert_eq!(report.verdict, distlab::sim::Verdict::Pass, "{path}");
    let history = sim.history();
    let mut reads = 0;
    let mut largest = 0;
    for event in &history.events {
        if event.kind != EventType::Ok || event.f != "read" {
            continue;
        }
        let Value::IntSet(set) = &event.value else {
            panic!("{path}: a read answered {:?}, not an IntSet", event.value);
        };
        reads += 1;
        largest = largest.max(set.len());
        let issued = history.events.len();
        assert!(
            set.heap_bytes() <= issued / 8 + 8,
            "{path}: a read of {} values takes {} bytes",
            set.len(),
            set.heap_bytes()
        );
    }
    assert!(reads > 100, "{path}: only {reads} reads");
    assert!(
        largest > 500,
        "{path}: the largest read holds {largest} values"
    );
}

#[test]
fn broadcast_reads_are_compact_in_a_long_run() {
    reads_are_compact("scenarios/broadcast-partition.toml", SimTime::from_secs(90));
}

#[test]
fn gossip_reads_are_compact_in_a_long_run() {
    reads_are_compact(
        "scenarios/gossip-partition-heal.toml",
        SimTime::from_secs(90),
    );
}

/// The full in-memory trace of raft-churn (seed 17) keeps at most half of
/// the bytes per event its layout before issue 21 kept (160.9: a 72-byte
/// entry per step, a 48-byte record per send): 80.1 now (a 12-byte slot,
/// the delivered messages, the packed sends, the other events and
/// timers; `cargo run --release --example trace_memory`, docs/performance.md,
/// "Memory of the full trace"). Every entry still comes back: the kinds
/// the trace reports without rebuilding match the rebuilt entries'.
#[test]
fn raft_churns_full_trace_keeps_at_most_half_its_original_bytes_per_event() {
    use distlab::protocols::raft::{self, Raft};
    use distlab::sim::{Sim, TraceLevel};
    let scenario = distlab::testing::load("scenarios/raft-churn.toml");
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let mut sim: Sim<Raft> = raft::scenario::configured::<Raft>(&scenario, &options)
        .expect("the scenario builds")
        .build();
    sim.run();
    let trace = sim.trace();
    assert_eq!(
        trace.len(),
        14_023,
        "the run changed: re-measure the figures"
    );
    let per_event = trace.kept_bytes() as f64 / trace.len() as f64;
    assert!(per_event <= 80.5, "{per_event:.1} bytes per event");
    for (i, entry) in trace.entries().enumerate() {
        let shape = (
            entry.event.kind(),
            entry.event.source(),
            entry.event.target(),
        );
        assert_eq!(trace.kind_at(i), Some(shape), "entry {i}");
        assert_eq!(trace.time_at(i), Some(entry.time));
    }
}
