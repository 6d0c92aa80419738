//! `distlab bench`: the pingpong workload through the real engine.

use crate::protocols::pingpong::bench_builder;
use crate::sim::trace::format_hash;
use crate::sim::{SimTime, TraceLevel};
use clap::Args;

/// Arguments of `distlab bench`.
#[derive(Debug, Args)]
#[command(
    after_help = "Every node sends one message to every other node at time 0; each delivery is\nanswered at once with counter+1; latency uniform 1-10ms; stop after N deliveries.\nRun it in release mode.\n\nExample:\n  cargo run --release -- bench --nodes 5 --messages 2000000"
)]
pub struct BenchArgs {
    /// Number of nodes.
    #[arg(long, default_value_t = 5)]
    pub nodes: u32,
    /// Deliveries to process.
    #[arg(long, default_value_t = 2_000_000)]
    pub messages: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also run the bare heap loop on the same workload (no engine: a
    /// `BinaryHeap` of messages, no dispatch, no trace) and print its
    /// events/s on a third line, with each level's time per event as a
    /// multiple of the loop's.
    #[arg(long)]
    pub baseline: bool,
    /// Which trace levels to run: `both` (hash-only, then full), or one
    /// of them alone (to measure one level's peak memory).
    #[arg(long, default_value = "both", value_parser = ["both", "hash-only", "full"])]
    pub level: String,
}

/// Most nodes: 2,048. Lower than a scenario's
/// ([`crate::scenario::MAX_NODES`]) because pingpong's first burst puts
/// n·(n−1) messages in flight at once (about 4.2 million here).
pub const MAX_NODES: u32 = 2_048;

/// Most deliveries: the full trace level keeps every event (about 48 bytes
/// each: about 105 MB peak for 2,000,000), so this bounds the run to about
/// 1 GB.
pub const MAX_MESSAGES: u64 = 20_000_000;

/// One message in the baseline's heap: its time, its scheduling order and
/// the message itself, inline (no slab, no dispatch).
#[derive(Clone, Copy, PartialEq, Eq)]
struct BareMessage {
    at: u64,
    seq: u64,
    from: u32,
    to: u32,
    counter: u64,
}

impl Ord for BareMessage {
    /// Reversed, so the max-heap pops the earliest `(at, seq)`.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

impl PartialOrd for BareMessage {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The bare heap loop (`bench --baseline`): the bench's workload with
/// nothing of the engine. Every node sends to every other at time 0; each
/// delivery is answered at once with the counter plus one, after a latency
/// uniform in 1–10 ms drawn from a seeded ChaCha8 stream (the same
/// [`Prng`](crate::sim::Prng) and draw as the network's). Returns the
/// deliveries processed and a checksum of what was delivered (so the
/// optimiser cannot drop the work).
pub fn baseline_loop(nodes: u32, messages: u64, seed: u64) -> (u64, u64) {
    use crate::sim::{Prng, Stream};
    let (min, max) = (
        SimTime::from_millis(1).as_nanos(),
        SimTime::from_millis(10).as_nanos(),
    );
    let mut rng = Prng::new(seed, Stream::Network);
    let mut heap = std::collections::BinaryHeap::new();
    let mut seq = 0;
    for from in 0..nodes {
        for to in (0..nodes).filter(|&to| to != from) {
            let at = rng.range_inclusive(min, max);
            heap.push(BareMessage {
                at,
                seq,
                from,
                to,
                counter: 0,
            });
            seq += 1;
        }
    }
    let mut checksum = 0u64;
    let mut delivered = 0;
    while delivered < messages {
        let Some(m) = heap.pop() else { break };
        delivered += 1;
        checksum = checksum.rotate_left(5) ^ m.counter ^ u64::from(m.to);
        let at = m.at + rng.range_inclusive(min, max);
        heap.push(BareMessage {
            at,
            seq,
            from: m.to,
            to: m.from,
            counter: m.counter + 1,
        });
        seq += 1;
    }
    (delivered, checksum)
}

/// Check the flags before any work (exit 3 on a bad one).
fn validate(args: &BenchArgs) -> Result<(), String> {
    if !(2..=MAX_NODES).contains(&args.nodes) {
        return Err(format!(
            "--nodes must be between 2 and {MAX_NODES} for pingpong, got {}",
            args.nodes
        ));
    }
    if args.messages > MAX_MESSAGES {
        return Err(format!(
            "--messages must be at most {MAX_MESSAGES} (the full trace level keeps every event), got {}",
            args.messages
        ));
    }
    Ok(())
}

/// Run the command.
pub fn run(args: &BenchArgs) -> i32 {
    if let Err(e) = validate(args) {
        return super::common::report_error(e);
    }
    let mut hashes = Vec::new();
    let mut rates = Vec::new();
    for (name, level) in [
        ("hash-only", TraceLevel::HashOnly),
        ("full", TraceLevel::Full),
    ] {
        if args.level != "both" && args.level != name {
            continue;
        }
        let mut sim = bench_builder(args.nodes, args.seed)
            .name("pingpong-bench")
            .trace_level(level)
            .build();
        let started = std::time::Instant::now(); // allow-nondeterminism: benchmark timer
        while sim.counters().delivered < args.messages {
            sim.step();
        }
        let wall = started.elapsed().as_secs_f64();
        let events = sim.steps();
        println!(
            "level={name} events={events} wall_s={wall:.3} events_per_s={:.0} trace_hash={}",
            events as f64 / wall.max(1e-9),
            format_hash(sim.trace().hash())
        );
        hashes.push(sim.trace().hash());
        rates.push((name, events as f64 / wall.max(1e-9)));
    }
    if args.baseline {
        let started = std::time::Instant::now(); // allow-nondeterminism: benchmark timer
        let (events, checksum) = baseline_loop(args.nodes, args.messages, args.seed);
        let wall = started.elapsed().as_secs_f64();
        let rate = events as f64 / wall.max(1e-9);
        println!(
            "level=baseline events={events} wall_s={wall:.3} events_per_s={rate:.0} checksum={}",
            format_hash(checksum)
        );
        for (name, engine) in &rates {
            println!(
                "{name}: {:.2}x the baseline's time per event",
                rate / engine.max(1e-9)
            );
        }
    }
    if hashes.windows(2).any(|w| w[0] != w[1]) {
        eprintln!("distlab: the two trace levels gave different hashes (an engine bug)");
        return 1;
    }
    super::EXIT_OK
}
