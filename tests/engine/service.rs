//! Servers that take time (`[service]`): a node that takes a service time
//! per message handles them on bounded workers, first come first served;
//! what it sends leaves when the work is done; a `slow` fault multiplies
//! its service times; a crash loses its queue; a scenario file says all of
//! it, and explore refuses it.

use distlab::faults::{FaultAction, ScheduledFault, Target};
use distlab::net::{Latency, LinkConfig, NetConfig};
use distlab::sim::{
    Ctx, Node, NodeId, Ratio, ServiceConfig, Sim, SimBuilder, SimTime, TraceEvent, TraceLevel,
};
use serde::Serialize;

/// n0 sends n1 a burst of numbered requests at 100 ms (and another at
/// 1 s); n1 echoes each; n0 notes when each echo arrives.
#[derive(Clone, Debug, Default)]
struct Echo {
    burst: u64,
    /// (time, number) of every echo n0 got.
    echoes: Vec<(SimTime, u64)>,
    /// What n1 handled, in order.
    handled: Vec<u64>,
}

#[derive(Clone, Debug, Hash, Serialize)]
enum Msg {
    Req(u64),
    Echo(u64),
}

#[derive(Clone, Debug, Hash, Serialize)]
struct Burst;

impl Node for Echo {
    type Msg = Msg;
    type Timer = Burst;
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        if ctx.id() == NodeId(0) {
            ctx.set_timer(ms(100), Burst);
        }
    }
    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Req(n) => {
                self.handled.push(n);
                ctx.send(from, Msg::Echo(n));
            }
            Msg::Echo(n) => self.echoes.push((ctx.now(), n)),
        }
    }
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _: Burst) {
        for n in 0..5 {
            ctx.send(NodeId(1), Msg::Req(self.burst * 100 + n));
        }
        self.burst += 1;
        if self.burst < 2 {
            ctx.set_timer(ms(900), Burst);
        }
    }
}

fn ms(n: u64) -> SimTime {
    SimTime::from_millis(n)
}

/// Every link takes exactly 1 ms.
fn one_ms_links() -> NetConfig {
    NetConfig {
        default: LinkConfig {
            latency: Latency::Constant { value: ms(1) },
            loss: Ratio::ZERO,
            duplicate: Ratio::ZERO,
        },
        ..NetConfig::default()
    }
}

fn run(service: Option<ServiceConfig>, faults: &[ScheduledFault]) -> Sim<Echo> {
    let mut builder = SimBuilder::new(2, 3, |_, _| Echo::default())
        .duration(ms(3000))
        .network(one_ms_links())
        .trace_level(TraceLevel::Full);
    if let Some(service) = service {
        builder = builder.service(service);
    }
    for f in faults {
        builder = builder.fault(f.clone());
    }
    let mut sim = builder.build();
    sim.run();
    sim
}

/// n1 takes a constant `each` per request on `workers` workers.
fn n1_takes(each: u64, workers: u32) -> ServiceConfig {
    ServiceConfig {
        time: Latency::Constant { value: ms(each) },
        workers,
        nodes: Some(vec![NodeId(1)]),
        requests: true,
    }
}

/// At 50 ms, `node` turns 10 times slower for 500 ms.
fn slow_x10(node: NodeId) -> ScheduledFault {
    ScheduledFault {
        at: ms(50),
        action: FaultAction::Slow {
            node: Target::Node(node),
            factor: 10,
            duration: ms(500),
        },
    }
}

fn echoes(sim: &Sim<Echo>) -> Vec<(SimTime, u64)> {
    sim.node(NodeId(0)).expect("n0 is up").echoes.clone()
}

fn metric(sim: &Sim<Echo>, name: &str) -> String {
    let report = sim.report();
    report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no metric {name}: {:?}", report.metrics))
        .1
        .clone()
}

#[test]
fn without_a_service_model_handlers_take_no_time() {
    let sim = run(None, &[]);
    // Sent at 100 ms, 1 ms there, answered at once, 1 ms back.
    let first: Vec<_> = echoes(&sim).into_iter().take(5).collect();
    assert_eq!(
        first,
        (0..5).map(|n| (ms(102), n)).collect::<Vec<_>>(),
        "all five echoes arrive together"
    );
    assert!(!sim.report().metrics.iter().any(|(n, _)| n == "queued"));
}

#[test]
fn one_worker_serves_a_burst_one_after_the_other_in_order() {
    let sim = run(Some(n1_takes(10, 1)), &[]);
    // The burst reaches n1 at 101 ms: request k starts at 101 + 10k ms and
    // its echo leaves when it is done, 10 ms later, and takes 1 ms.
    let first: Vec<_> = echoes(&sim).into_iter().take(5).collect();
    let expected: Vec<_> = (0..5).map(|k| (ms(101 + 10 * (k + 1) + 1), k)).collect();
    assert_eq!(first, expected);
    // First come, first served.
    let handled = &sim.node(NodeId(1)).unwrap().handled;
    assert_eq!(handled[..5], [0, 1, 2, 3, 4]);
    // Four waited (the first found the worker free), at most four at once,
    // the last for 40 ms.
    assert_eq!(
        metric(&sim, "queued"),
        "8",
        "two bursts of five, four wait in each"
    );
    assert_eq!(metric(&sim, "queue-length-max"), "4");
    assert_eq!(metric(&sim, "queue-wait-max"), "40ms");
    // Each wait is in the trace, and nothing else changed: 10 echoes.
    let queued = sim
        .trace()
        .entries()
        .filter(|e| matches!(e.event, TraceEvent::Queued { node, .. } if node == NodeId(1)))
        .count();
    assert_eq!(queued, 8);
    assert_eq!(echoes(&sim).len(), 10);
}

#[test]
fn the_cluster_panel_shows_workers_queue_and_slowness() {
    use distlab::sim::DynSim;
    let slow = slow_x10(NodeId(1));
    let mut sim = SimBuilder::new(2, 3, |_, _| Echo::default())
        .duration(ms(3000))
        .network(one_ms_links())
        .service(n1_takes(10, 1))
        .fault(slow)
        .build();
    sim.run_until(ms(150));
    let views = DynSim::nodes(&sim);
    assert_eq!(views[0].service, None, "n0 takes no time");
    // At 150 ms the first request (slowed: 100 ms) is under way, four wait.
    // The engine's clock stands at the last event, the first request's
    // start at 101 ms: none of its work is done yet, so utilisation 0%.
    assert_eq!(
        views[1].service.as_deref(),
        Some("1/1 busy 0%, 4 queued, x10 slow")
    );
    sim.run_until(ms(2000));
    // Ten requests: five started while slowed (100 ms each), five after
    // (10 ms each): n1 was busy 550 ms of the time the run has lasted (the
    // engine's clock, at its last event), rounded down.
    let done = DynSim::nodes(&sim)[1].service.clone().expect("served");
    let percent: u64 = done
        .strip_prefix("0/1 busy ")
        .and_then(|rest| rest.strip_suffix('%'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("`0/1 busy N%`, got {done:?}"));
    let now = DynSim::now(&sim);
    assert_eq!(
        percent,
        ms(550).as_nanos() * 100 / now.as_nanos(),
        "{done} at {now}"
    );
}

#[test]
fn more_workers_serve_in_parallel() {
    let sim = run(Some(n1_takes(10, 2)), &[]);
    let times: Vec<SimTime> = echoes(&sim).iter().take(5).map(|e| e.0).collect();
    // Two at a time: done at 111, 111, 121, 121, 131 (+1 ms back).
    assert_eq!(times, [ms(112), ms(112), ms(122), ms(122), ms(132)]);
    assert_eq!(metric(&sim, "queue-length-max"), "3");
    let five = run(Some(n1_takes(10, 5)), &[]);
    assert_eq!(metric(&five, "queued"), "0");
}

#[test]
fn a_slow_fault_multiplies_service_times_for_its_duration() {
    let slow = slow_x10(NodeId(1));
    let sim = run(Some(n1_takes(10, 1)), &[slow]);
    let echoes = echoes(&sim);
    // The first burst (at 101 ms, inside the slow window) takes 100 ms
    // per request; the second (at 1 s, after it) 10 ms again.
    assert_eq!(echoes[0], (ms(202), 0));
    assert_eq!(echoes[1], (ms(302), 1));
    assert_eq!(echoes[5], (ms(1012), 100));
    assert!(sim
        .fault_log()
        .iter()
        .any(|(_, text)| text.contains("slow n1 x10 for 500ms")));
}

#[test]
fn a_slow_fault_on_a_node_that_takes_no_time_says_nothing_slows() {
    let slow = slow_x10(NodeId(0));
    let sim = run(Some(n1_takes(10, 1)), &[slow]);
    assert!(
        sim.fault_log()
            .iter()
            .any(|(_, text)| text.contains("nothing slows")),
        "{:?}",
        sim.fault_log()
    );
}

#[test]
fn a_crash_loses_the_queue() {
    let crash = ScheduledFault {
        at: ms(115),
        action: FaultAction::Crash(Target::Node(NodeId(1))),
    };
    let restart = ScheduledFault {
        at: ms(500),
        action: FaultAction::Restart(Target::Node(NodeId(1))),
    };
    let sim = run(Some(n1_takes(10, 1)), &[crash, restart]);
    let echoes = echoes(&sim);
    // Request 0 was done at 111 ms and its echo left; request 1 was being
    // served (its echo would leave at 121 ms: the send happened when its
    // handler ran, at 111 ms, so it is on the wire) and 2-4 waited: lost.
    let first: Vec<u64> = echoes
        .iter()
        .filter(|e| e.0 < ms(1000))
        .map(|e| e.1)
        .collect();
    assert_eq!(first, [0, 1]);
    // After the restart the node serves the second burst in full.
    let second: Vec<u64> = echoes
        .iter()
        .filter(|e| e.0 >= ms(1000))
        .map(|e| e.1)
        .collect();
    assert_eq!(second, [100, 101, 102, 103, 104]);
    assert!(sim.report().messages.dropped >= 3);
}

#[test]
fn service_times_are_deterministic_and_drawn_from_their_own_stream() {
    let exp = |workers| ServiceConfig {
        time: Latency::Exponential { mean: ms(20) },
        workers,
        nodes: None,
        requests: true,
    };
    let a = run(Some(exp(1)), &[]);
    let b = run(Some(exp(1)), &[]);
    assert_eq!(a.report().trace_hash, b.report().trace_hash);
    assert_eq!(echoes(&a), echoes(&b));
    // A different model is a different run.
    let c = run(Some(exp(3)), &[]);
    assert_ne!(echoes(&a), echoes(&c));
}

/// Every client operation is the same no-op call.
#[derive(Clone, Debug)]
struct Calls;

impl distlab::workload::Workload for Calls {
    fn next_op(
        &self,
        _rng: &mut distlab::sim::Prng,
        _client: distlab::sim::ClientId,
        _sequence: u64,
    ) -> distlab::sim::Op {
        distlab::sim::Op {
            f: "call".into(),
            key: None,
            value: distlab::sim::Value::Nil,
        }
    }
}

/// The slowest client operation's latency when n1 takes 200 ms a message
/// and client 1 calls n1 (it refuses every call, at once in its handler).
fn slowest_call(requests: bool) -> SimTime {
    let service = ServiceConfig {
        requests,
        ..n1_takes(200, 1)
    };
    let clients = distlab::workload::ClientConfig::with_rate(2, 20.0, ms(1000));
    let mut sim = SimBuilder::new(2, 3, |_, _| Echo::default())
        .duration(ms(2000))
        .network(one_ms_links())
        .service(service)
        .clients(clients, Calls)
        .build();
    sim.run();
    // Every call fails (`Echo` takes no requests), so the latency is read
    // from the history: completion time minus invoke time, per process.
    use distlab::check::history::EventType;
    let mut invoked = std::collections::BTreeMap::new();
    let mut slowest = 0;
    for e in &sim.history().events {
        if e.kind == EventType::Invoke {
            invoked.insert(e.process, e.time);
        } else if let Some(at) = invoked.remove(&e.process) {
            slowest = slowest.max(e.time - at);
        }
    }
    assert!(slowest > 0, "no call completed");
    SimTime(slowest)
}

#[test]
fn client_requests_take_time_unless_the_service_says_requests_false() {
    // Client 1's calls to n1 wait for a worker (200 ms each, behind the
    // bursts of messages) by default...
    assert!(slowest_call(true) >= ms(200), "{}", slowest_call(true));
    // ...and are answered at once with `requests = false`: only messages
    // take time.
    assert!(slowest_call(false) < ms(10), "{}", slowest_call(false));
}
