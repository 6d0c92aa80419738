//! `distlab bench`'s workload through the library: its trace hash is
//! pinned (the engine's per-event path may get faster, never different),
//! both trace levels agree, and the full trace's packed side arrays give
//! back every step number and send of a real run.

use distlab::protocols::pingpong::{bench_builder, PingPong};
use distlab::sim::{Endpoint, SendOutcome, Sim, TraceEvent, TraceLevel};
use std::collections::BTreeMap;

/// 5 nodes, latency uniform 1–10 ms, run to `deliveries` deliveries.
fn bench(level: TraceLevel, deliveries: u64) -> Sim<PingPong> {
    let mut sim = bench_builder(5, 1).trace_level(level).build();
    while sim.counters().delivered < deliveries {
        sim.step();
    }
    sim
}

#[test]
fn the_bench_workload_keeps_its_trace_hash_at_both_levels() {
    let hashes = [TraceLevel::HashOnly, TraceLevel::Full].map(|level| {
        let sim = bench(level, 20_000);
        assert_eq!(sim.steps(), 20_005);
        sim.trace().hash()
    });
    // `distlab bench --messages 20000` prints the same.
    assert_eq!(hashes, [0x1a4f_2a79_2fa7_7c00; 2], "{hashes:x?}");
}

#[test]
fn the_full_trace_gives_back_every_step_and_send() {
    let sim = bench(TraceLevel::Full, 5_000);
    let trace = sim.trace();
    let mut arrivals = BTreeMap::new();
    for (i, entry) in trace.entries().enumerate() {
        // No step keeps no entry here: the numbers are consecutive.
        assert_eq!(trace.step_at(i), Some(i as u64 + 1));
        if let TraceEvent::Deliver {
            msg_id, from, to, ..
        } = entry.event
        {
            let (sender, receiver, at) = arrivals.remove(&msg_id).expect("sent before");
            assert_eq!(
                (sender, receiver),
                (Endpoint::Node(from), Endpoint::Node(to))
            );
            assert_eq!(at, entry.time);
        }
        for send in trace.sends_at(i) {
            let SendOutcome::Scheduled(at) = send.outcome else {
                panic!("a plain network schedules every send: {send:?}");
            };
            assert!(arrivals
                .insert(send.msg_id, (send.from, send.to, at))
                .is_none());
        }
        assert!(trace.annotations_at(i).is_empty());
    }
    // Every message sent is delivered or still on the wire.
    assert_eq!(arrivals.len() as u64, sim.in_flight());
}
