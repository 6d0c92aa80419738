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
