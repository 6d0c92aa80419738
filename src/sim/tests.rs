//! Engine semantics, tested with a tiny probe protocol.

use super::*;
use crate::clock::Clock;
use crate::faults::{FaultAction, ScheduledFault, Target};
use crate::net::{Latency, LinkConfig, NetConfig};
use serde::Serialize;

/// Records what happens to it; node 0 sends `Hello(k)` to node 1 on `Tick`.
#[derive(Clone, Debug, Default)]
struct Probe {
    got: Vec<(u64, SimTime)>,
    fired: Vec<SimTime>,
    boots: u64,
}

#[derive(Clone, Debug, Hash, Serialize)]
enum Msg {
    Hello(u64),
}

#[derive(Clone, Debug, Hash, Serialize)]
enum Tick {
    Every(u64),
    Once,
}

impl Node for Probe {
    type Msg = Msg;
    type Timer = Tick;
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots = ctx.storage().get::<u64>("boots").unwrap_or(0) + 1;
        ctx.storage().put("boots", &self.boots);
        if ctx.id() == NodeId(0) {
            ctx.set_timer(SimTime::from_millis(100), Tick::Every(0));
        }
        if ctx.id() == NodeId(1) {
            ctx.storage().sync();
            ctx.set_timer(SimTime::from_secs(1), Tick::Once);
        }
    }
    fn on_message(&mut self, ctx: &mut Ctx<Self>, _from: NodeId, msg: Msg) {
        let Msg::Hello(k) = msg;
        self.got.push((k, ctx.now()));
    }
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Tick) {
        self.fired.push(ctx.now());
        if let Tick::Every(k) = timer {
            ctx.send(NodeId(1), Msg::Hello(k));
            ctx.set_timer(SimTime::from_millis(100), Tick::Every(k + 1));
        }
    }
}

fn constant_net() -> NetConfig {
    NetConfig {
        default: LinkConfig {
            latency: Latency::Constant {
                value: SimTime::from_millis(5),
            },
            ..LinkConfig::default()
        },
        ..NetConfig::default()
    }
}

fn probe(faults: Vec<ScheduledFault>) -> Sim<Probe> {
    let mut b = SimBuilder::new(2, 1, |_, _| Probe::default())
        .network(constant_net())
        .duration(SimTime::from_secs(2))
        .settle(SimTime::ZERO)
        .trace_level(TraceLevel::Full);
    for f in faults {
        b = b.fault(f);
    }
    b.build()
}

fn at(ms: u64, action: FaultAction) -> ScheduledFault {
    ScheduledFault {
        at: SimTime::from_millis(ms),
        action,
    }
}

#[test]
fn messages_arrive_after_their_latency() {
    let mut s = probe(vec![]);
    s.run_until(SimTime::from_millis(450));
    let got = &s.node(NodeId(1)).expect("up").got;
    let times: Vec<u64> = got.iter().map(|(_, t)| t.as_millis()).collect();
    assert_eq!(times, vec![105, 205, 305, 405]);
}

#[test]
fn a_down_node_receives_nothing_and_loses_its_timers() {
    let crash = at(250, FaultAction::Crash(Target::Node(NodeId(1))));
    let restart = at(650, FaultAction::Restart(Target::Node(NodeId(1))));
    let mut s = probe(vec![crash, restart]);
    s.run_until(SimTime::from_millis(1_500));
    let n1 = s.node(NodeId(1)).expect("restarted");
    // Volatile state is fresh; only messages after the restart arrived.
    assert!(
        n1.got.iter().all(|&(_, t)| t > SimTime::from_millis(650)),
        "{:?}",
        n1.got
    );
    assert_eq!(n1.got.first().map(|g| g.0), Some(6));
    // The pre-crash 1 s timer never fired; the post-restart one fires at 1.65 s.
    assert!(n1.fired.is_empty());
    assert!(
        s.counters().dropped >= 4,
        "messages to the down node are dropped"
    );
    s.run_until(SimTime::from_millis(1_700));
    assert_eq!(
        s.node(NodeId(1)).expect("up").fired,
        vec![SimTime::from_millis(1_650)]
    );
}

#[test]
fn unsynced_writes_are_lost_on_crash() {
    // Node 0 never syncs its boot counter; node 1 does.
    let faults = vec![
        at(10, FaultAction::Crash(Target::Node(NodeId(0)))),
        at(20, FaultAction::Restart(Target::Node(NodeId(0)))),
        at(30, FaultAction::Crash(Target::Node(NodeId(1)))),
        at(40, FaultAction::Restart(Target::Node(NodeId(1)))),
    ];
    let mut s = probe(faults);
    s.run_until(SimTime::from_millis(50));
    assert_eq!(
        s.node(NodeId(0)).expect("up").boots,
        1,
        "unsynced count was lost"
    );
    assert_eq!(
        s.node(NodeId(1)).expect("up").boots,
        2,
        "synced count survived"
    );
}

#[test]
fn timers_run_on_the_local_clock() {
    // Node 1's clock runs 10 % slow: its 1 s timer takes 1.111… s of true time.
    let mut s = SimBuilder::new(2, 1, |_, _| Probe::default())
        .clock(NodeId(1), Clock::new(0, -100_000))
        .duration(SimTime::from_secs(2))
        .trace_level(TraceLevel::Full)
        .build();
    s.run_until(SimTime::from_secs(2));
    assert_eq!(
        s.node(NodeId(1)).expect("up").fired,
        vec![SimTime::from_secs(1)]
    );
    // Smallest t with t - t/10 >= 1 s.
    assert_eq!(fired_time(&s, NodeId(1)), Some(SimTime(1_111_111_111)));
}

#[test]
fn a_clock_jump_fires_pending_timers_early() {
    let jump = at(
        100,
        FaultAction::ClockJump {
            node: Target::Node(NodeId(1)),
            by_ns: 500_000_000,
        },
    );
    let mut s = probe(vec![jump]);
    s.run_until(SimTime::from_secs(2));
    assert_eq!(fired_time(&s, NodeId(1)), Some(SimTime::from_millis(500)));
}

#[test]
fn symbolic_targets_without_a_holder_are_skipped() {
    let mut s = probe(vec![at(
        10,
        FaultAction::Crash(Target::Role("leader".into())),
    )]);
    s.run_until(SimTime::from_millis(20));
    assert_eq!(s.crashed_nodes(), vec![]);
    assert!(
        s.fault_log()[0].1.contains("no such node right now"),
        "{:?}",
        s.fault_log()
    );
}

/// True time at which `node`'s one-shot timer fired, from the full trace.
fn fired_time(sim: &Sim<Probe>, node: NodeId) -> Option<SimTime> {
    sim.trace().entries().iter().find_map(|e| match &e.event {
        TraceEvent::Timer {
            node: n,
            timer: Tick::Once,
            ..
        } if *n == node => Some(e.time),
        _ => None,
    })
}

/// A node whose role is its id's parity, to test role targets.
#[derive(Clone, Debug, Default)]
struct Roled {
    even: bool,
}

impl Node for Roled {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.even = ctx.id().0.is_multiple_of(2);
    }
    fn on_message(&mut self, _ctx: &mut Ctx<Self>, _from: NodeId, _msg: ()) {}
    fn on_timer(&mut self, _ctx: &mut Ctx<Self>, _timer: ()) {}
    fn role(&self) -> Option<&str> {
        Some(if self.even { "even" } else { "odd" })
    }
}

#[test]
fn a_restart_by_role_finds_the_node_that_held_it_when_it_crashed() {
    let mut s = SimBuilder::new(3, 1, |_, _| Roled::default())
        .fault(at(10, FaultAction::Crash(Target::Role("odd".into()))))
        .fault(at(20, FaultAction::Restart(Target::Role("even".into()))))
        .fault(at(30, FaultAction::Restart(Target::Role("odd".into()))))
        .build();
    s.run_until(SimTime::from_millis(15));
    assert_eq!(s.crashed_nodes(), vec![NodeId(1)]);
    s.run_until(SimTime::from_millis(25));
    assert_eq!(
        s.crashed_nodes(),
        vec![NodeId(1)],
        "no crashed node was even"
    );
    s.run_until(SimTime::from_millis(35));
    assert_eq!(s.crashed_nodes(), vec![]);
}
