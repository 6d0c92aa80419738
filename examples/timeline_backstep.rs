//! Measure time travel on a long run: step back one step at a time on a
//! 1,000,000-event pingpong run kept at the full trace level (what the TUI
//! drives), and report the cost of each step back.
//!
//! ```text
//! cargo run --release --example timeline_backstep [EVENTS] [SNAPSHOT_EVERY]
//! ```
//!
//! Wall time is read here only to report the figures (allow-nondeterminism).

use distlab::protocols::pingpong::bench_builder;
use distlab::sim::{Timeline, TraceLevel};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let events: u64 = args
        .next()
        .map_or(1_000_000, |a| a.parse().expect("EVENTS"));
    let every: u64 = args
        .next()
        .map_or(1_024, |a| a.parse().expect("SNAPSHOT_EVERY"));
    let sim = bench_builder(5, 1)
        .name("pingpong-backstep")
        .trace_level(TraceLevel::Full)
        .build();
    let mut timeline = Timeline::new(Box::new(sim), every);
    let started = Instant::now(); // allow-nondeterminism: benchmark timer
    timeline.goto(events);
    let forward = started.elapsed();
    let hash_at_end = timeline.sim().trace_hash();
    println!(
        "forward: {events} events in {:.3}s ({:.0} events/s), {} snapshots every {} steps, {} trace entries kept",
        forward.as_secs_f64(),
        events as f64 / forward.as_secs_f64(),
        timeline.snapshot_count(),
        timeline.snapshot_interval(),
        timeline.sim().trace_len()
    );
    let mut costs = Vec::new();
    for _ in 0..200 {
        let t = Instant::now(); // allow-nondeterminism: benchmark timer
        timeline.back();
        costs.push(t.elapsed().as_secs_f64() * 1e3);
    }
    costs.sort_by(f64::total_cmp);
    println!(
        "back one step x{} from step {events}: median {:.2} ms, p99 {:.2} ms, max {:.2} ms (now at step {}, {} entries kept)",
        costs.len(),
        costs[costs.len() / 2],
        costs[costs.len() * 99 / 100],
        costs[costs.len() - 1],
        timeline.step_index(),
        timeline.sim().trace_len()
    );
    // Worst case: the step just after a snapshot boundary re-executes a whole
    // interval.
    let interval = timeline.snapshot_interval();
    let worst_from = (events / interval - 1) * interval + interval - 1;
    timeline.goto(worst_from);
    let t = Instant::now(); // allow-nondeterminism: benchmark timer
    timeline.back();
    println!(
        "worst case back one step (step {worst_from} -> {}, re-executes {} steps): {:.2} ms",
        timeline.step_index(),
        interval - 2,
        t.elapsed().as_secs_f64() * 1e3
    );
    // What one snapshot cost before snapshots left the trace out: a full
    // clone of the world with its trace.
    let t = Instant::now(); // allow-nondeterminism: benchmark timer
    let full_clone = timeline.sim().clone_box();
    println!(
        "for comparison, one full clone of the world with its {} trace entries: {:.2} ms",
        full_clone.trace_len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    drop(full_clone);
    let t = Instant::now(); // allow-nondeterminism: benchmark timer
    timeline.goto(events / 2);
    let jump = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now(); // allow-nondeterminism: benchmark timer
    timeline.goto(events);
    let back_forward = t.elapsed().as_secs_f64();
    println!(
        "goto step {}: {jump:.2} ms; back to step {events}: {back_forward:.3}s; trace hash unchanged: {}",
        events / 2,
        timeline.sim().trace_hash() == hash_at_end
    );
}
