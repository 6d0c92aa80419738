//! `distlab bench`: the pingpong workload through the real engine.

use crate::net::{Latency, LinkConfig, NetConfig};
use crate::protocols::pingpong::PingPong;
use crate::sim::trace::format_hash;
use crate::sim::{SimBuilder, SimTime, TraceLevel};
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
}

/// Most nodes: 2,048. Lower than a scenario's
/// ([`crate::scenario::MAX_NODES`]) because pingpong's first burst puts
/// n·(n−1) messages in flight at once (about 4.2 million here).
pub const MAX_NODES: u32 = 2_048;

/// Most deliveries: the full trace level keeps every event (about 120 bytes
/// each: 124 MB peak for 1,000,000), so this bounds the run to about 2.5 GB.
pub const MAX_MESSAGES: u64 = 20_000_000;

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
    for (name, level) in [
        ("hash-only", TraceLevel::HashOnly),
        ("full", TraceLevel::Full),
    ] {
        let net = NetConfig {
            default: LinkConfig {
                latency: Latency::Uniform {
                    min: SimTime::from_millis(1),
                    max: SimTime::from_millis(10),
                },
                ..LinkConfig::default()
            },
            ..NetConfig::default()
        };
        let mut sim = SimBuilder::new(args.nodes, args.seed, |_, _| PingPong::default())
            .name("pingpong-bench")
            .network(net)
            .duration(SimTime::MAX)
            .settle(SimTime::ZERO)
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
    }
    if hashes.windows(2).any(|w| w[0] != w[1]) {
        eprintln!("distlab: the two trace levels gave different hashes (an engine bug)");
        return 1;
    }
    super::EXIT_OK
}
