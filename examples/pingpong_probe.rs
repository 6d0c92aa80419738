//! Engine speed at both trace levels: 2,000,000 pingpong events on 5 nodes,
//! printing events per second and the trace hash (which must not depend on
//! the level). Wall time is read here only to report the figures
//! (allow-nondeterminism). `cargo run --release --example pingpong_probe`.

use distlab::net::{Latency, LinkConfig, NetConfig};
use distlab::protocols::pingpong::PingPong;
use distlab::sim::{SimBuilder, SimTime, TraceLevel};
fn main() {
    for level in [TraceLevel::HashOnly, TraceLevel::Full] {
        let net = NetConfig {
            default: LinkConfig {
                latency: Latency::Uniform {
                    min: SimTime::from_millis(1),
                    max: SimTime::from_millis(10),
                },
                ..Default::default()
            },
            ..Default::default()
        };
        let mut sim = SimBuilder::new(5, 1, |_, _| PingPong::default())
            .network(net)
            .duration(SimTime::from_secs(1_000_000))
            .settle(SimTime::ZERO)
            .trace_level(level)
            .build();
        let t = std::time::Instant::now();
        sim.run_steps(2_000_000);
        let s = t.elapsed().as_secs_f64();
        println!(
            "{level:?} steps={} wall={s:.3} eps={:.0} hash={:#x}",
            sim.steps(),
            sim.steps() as f64 / s,
            sim.trace().hash()
        );
    }
}
