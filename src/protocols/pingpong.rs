//! Pingpong: the engine benchmark's workload.
//!
//! At start every node sends `Ping(0)` to every other node; each delivery is
//! answered at once by a message back to its sender carrying the counter plus
//! one. The number of messages in flight stays at `n·(n-1)` forever, so the run
//! measures the engine's event loop: queue, dispatch, effects, trace.

use crate::net::{Latency, LinkConfig, NetConfig};
use crate::sim::{Ctx, Node, NodeId, SimBuilder, SimTime};
use serde::Serialize;

/// The benchmark's workload (`distlab bench`, `tests/engine/bench_workload.rs`,
/// `examples/timeline_backstep.rs`): `nodes` pingpong nodes on a network whose
/// every link has latency uniform in 1–10 ms and nothing else, no end time
/// and no settle time. Set the trace level (and a name) on the builder.
pub fn bench_builder(nodes: u32, seed: u64) -> SimBuilder<PingPong> {
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
    SimBuilder::new(nodes, seed, |_, _| PingPong::default())
        .network(net)
        .duration(SimTime::MAX)
        .settle(SimTime::ZERO)
}

/// A pingpong node. It holds only a delivery count.
#[derive(Clone, Debug, Default)]
pub struct PingPong {
    /// Messages this node has received.
    pub received: u64,
}

/// The one message: a counter.
#[derive(Clone, Copy, Debug, Hash, Serialize)]
pub struct Ping(pub u64);

impl Node for PingPong {
    type Msg = Ping;
    type Timer = ();

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        ctx.broadcast(Ping(0));
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Ping) {
        self.received += 1;
        ctx.send(from, Ping(msg.0 + 1));
    }

    fn on_timer(&mut self, _ctx: &mut Ctx<Self>, _timer: ()) {}

    fn inspect(&self) -> crate::sim::View {
        crate::sim::View::new().field("received", self.received)
    }

    fn inspect_message(message: &Ping) -> crate::sim::View {
        crate::sim::View::new()
            .section("Ping")
            .field("counter", message.0)
    }

    /// `Ping 3`.
    fn message_summary(message: &Ping) -> String {
        format!("Ping {}", message.0)
    }

    fn summary(&self) -> String {
        format!("received {}", self.received)
    }
}

/// Building a pingpong simulation from a scenario file (no parameters).
pub mod scenario {
    use super::PingPong;
    use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
    use crate::scenario::{Scenario, ScenarioError};
    use crate::sim::{DynSim, SimBuilder};

    /// What pingpong offers scenarios: nothing but its nodes.
    pub const FACTS: ProtocolFacts = ProtocolFacts {
        name: "pingpong",
        roles: &[],
        workloads: &[],
        histories: &[],
        params: &[],
        bugs: &[],
    };

    /// Build from a scenario; `[protocol]` takes no keys.
    pub fn build(
        scenario: &Scenario,
        options: &BuildOptions,
    ) -> Result<Box<dyn DynSim>, ScenarioError> {
        FACTS.reader(scenario).finish()?;
        let b = SimBuilder::new(scenario.nodes, scenario.seed, |_, _| PingPong::default());
        Ok(Box::new(
            configure(b, scenario, &FACTS, None, options)?.build(),
        ))
    }
}
