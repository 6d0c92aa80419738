//! The engine's time-advances guard, on test nodes that loop in zero time.

use distlab::net::{Latency, LinkConfig, NetConfig};
use distlab::sim::{Ctx, Node, NodeId, SimBuilder, SimTime, Verdict};
use distlab::sim::{TIME_STILL_CHECK, TIME_STILL_LIMIT};
use serde::Serialize;

/// Sets a timer for 0 ns after `after` and re-arms it every time it fires
/// (a retry period of zero); or, with `ping`, bounces a message with node 1.
#[derive(Clone, Debug, Default)]
struct Looper {
    ping: bool,
}

#[derive(Clone, Debug, Hash, Serialize)]
enum Timer {
    Retry,
}

#[derive(Clone, Debug, Hash, Serialize)]
enum Msg {
    Ping(u64),
}

impl Node for Looper {
    type Msg = Msg;
    type Timer = Timer;
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        if ctx.id() == NodeId(0) {
            if self.ping {
                ctx.send(NodeId(1), Msg::Ping(0));
            } else {
                ctx.set_timer(SimTime::from_millis(300), Timer::Retry);
            }
        }
    }
    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        let Msg::Ping(k) = msg;
        ctx.send(from, Msg::Ping(k % 7 + 1));
    }
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        ctx.set_timer(SimTime::ZERO, timer);
    }
}

#[test]
fn a_zero_period_timer_stops_the_run_naming_the_node_and_timer() {
    let mut sim = SimBuilder::new(2, 1, |_, _| Looper::default())
        .duration(SimTime::from_secs(1))
        .build();
    let report = sim.run();
    assert_eq!(report.verdict, Verdict::SafetyViolation);
    let v = report.violation.expect("the guard stops the run");
    assert_eq!(v.check, TIME_STILL_CHECK);
    assert_eq!(v.time, SimTime::from_millis(300));
    assert_eq!(
        v.detail,
        "time stood still at 300ms for 1000000 steps: n0's timer Retry fires every 0ns; a zero period or a zero latency repeats forever"
    );
    // The boot steps, the first firing, then the limit of steps at 300 ms.
    assert_eq!(report.steps, 2 + 1 + TIME_STILL_LIMIT - 1);
}

#[test]
fn a_zero_latency_message_loop_stops_the_run_naming_the_message() {
    let net = NetConfig {
        default: LinkConfig {
            latency: Latency::Constant {
                value: SimTime::ZERO,
            },
            ..LinkConfig::default()
        },
        ..NetConfig::default()
    };
    let mut sim = SimBuilder::new(2, 1, |_, _| Looper { ping: true })
        .network(net)
        .duration(SimTime::from_secs(1))
        .build();
    let report = sim.run();
    let v = report.violation.expect("the guard stops the run");
    assert_eq!(v.check, TIME_STILL_CHECK);
    assert!(
        v.detail
            .starts_with("time stood still at 0s for 1000000 steps: message Ping("),
        "{}",
        v.detail
    );
    assert!(
        v.detail.contains("arrives 0s after it was sent"),
        "{}",
        v.detail
    );
}

#[test]
fn time_that_advances_never_trips_the_guard() {
    // The same protocol with a 1 ns period runs to its end: the guard
    // counts steps at one instant, not steps.
    #[derive(Clone, Debug, Default)]
    struct Nanos;
    impl Node for Nanos {
        type Msg = Msg;
        type Timer = Timer;
        fn on_start(&mut self, ctx: &mut Ctx<Self>) {
            ctx.set_timer(SimTime(1), Timer::Retry);
        }
        fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: Msg) {}
        fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
            ctx.set_timer(SimTime(1), timer);
        }
    }
    let mut sim = SimBuilder::new(1, 1, |_, _| Nanos)
        .duration(SimTime(1_500_000))
        .settle(SimTime::ZERO)
        .build();
    let report = sim.run();
    assert_eq!(report.verdict, Verdict::Pass, "{:?}", report.violation);
    assert!(report.steps > TIME_STILL_LIMIT, "{}", report.steps);
}
