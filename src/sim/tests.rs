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
fn a_restart_probe_sees_synced_storage_only_on_a_fresh_thread() {
    // Node 0 never syncs its boot counter, node 1 does: restarted now, node
    // 0 would boot for the first time again and node 1 for the second.
    let mut s = probe(Vec::new());
    s.run_until(SimTime::from_millis(50));
    let boots = |id| s.restart_probe(id, Probe::default, |n| n.boots);
    assert_eq!(boots(NodeId(0)), Ok(1));
    assert_eq!(boots(NodeId(1)), Ok(2));
    // The run is untouched: the probe wrote to a copy of the storage.
    assert_eq!(boots(NodeId(1)), Ok(2));
    assert_eq!(s.node(NodeId(1)).expect("up").boots, 1);
    // The probe runs on a thread of its own: this thread's locals are not there.
    thread_local! {
        static MARK: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }
    MARK.with(|m| m.set(7));
    let seen = s.restart_probe(NodeId(0), Probe::default, |_| MARK.with(|m| m.get()));
    assert_eq!(seen, Ok(0));
    // A panic in the probe is an error, not a crash.
    let panicked = s.restart_probe(NodeId(0), Probe::default, |_| -> u32 { panic!("boom") });
    assert!(
        matches!(&panicked, Err(e) if e.contains("boom")),
        "{panicked:?}"
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
    sim.trace().entries().find_map(|e| match &e.event {
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

/// Remembers the most messages node 1 ever held, across its crashes.
#[derive(Clone, Debug, Default)]
struct MostHeld {
    most: usize,
    limit: usize,
}

impl crate::sim::Monitor<Probe> for MostHeld {
    fn after_step(&mut self, sim: &Sim<Probe>) -> Result<(), String> {
        let held = sim.node(NodeId(1)).map_or(0, |n| n.got.len());
        self.most = self.most.max(held);
        if self.most > self.limit {
            return Err(format!("n1 once held {} messages", self.most));
        }
        Ok(())
    }
    fn metrics(&self) -> Vec<(String, String)> {
        vec![("most-held".into(), self.most.to_string())]
    }
}

#[test]
fn a_monitor_remembers_across_crashes_and_stops_the_run() {
    // n1 holds 3 messages by 310 ms, then crashes: a stateless check would
    // forget; the monitor's memory stays (and is cloned with the world).
    let crash = at(320, FaultAction::Crash(Target::Node(NodeId(1))));
    let build = |limit| {
        let mut b = SimBuilder::new(2, 1, |_, _| Probe::default())
            .network(constant_net())
            .duration(SimTime::from_secs(2))
            .settle(SimTime::ZERO)
            .monitor("most-held", MostHeld { most: 0, limit })
            .fault(crash.clone());
        b = b.fault(at(330, FaultAction::Restart(Target::Node(NodeId(1)))));
        b.build()
    };
    let mut s = build(100);
    s.run_until(SimTime::from_millis(400));
    assert_eq!(s.node(NodeId(1)).expect("up").got.len(), 0);
    let fork = s.clone();
    assert_eq!(s.monitor::<MostHeld>("most-held").map(|m| m.most), Some(3));
    assert_eq!(
        fork.monitor::<MostHeld>("most-held").map(|m| m.most),
        Some(3)
    );
    assert!(s.monitor::<MostHeld>("other").is_none());
    let report = s.run();
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.checks[0].name, "most-held");
    assert_eq!(report.checks[0].kind, crate::check::CheckKind::Always);
    assert!(report.metrics.contains(&("most-held".into(), "16".into())));

    let mut s = build(2);
    let report = s.run();
    assert_eq!(report.verdict, Verdict::SafetyViolation);
    let v = report.violation.expect("stopped");
    assert_eq!(
        (v.check.as_str(), v.time),
        ("most-held", SimTime::from_millis(305))
    );
    assert_eq!(
        report.checks[0].outcome,
        crate::check::Outcome::Fail("n1 once held 3 messages".into())
    );
}

#[test]
fn retaining_checks_by_name_keeps_or_drops_monitors() {
    let b = SimBuilder::new(2, 1, |_, _| Probe::default())
        .monitor("most-held", MostHeld::default())
        .invariant(crate::sim::Invariant::always("fine", |_| Ok(())));
    assert_eq!(b.invariant_names(), vec!["most-held", "fine"]);
    let b = b.retain_invariants(|n| n == "fine");
    assert_eq!(b.invariant_names(), vec!["fine"]);
}

#[test]
fn a_sometimes_check_that_held_before_a_safety_stop_passes() {
    // n1 hears its first hello at 105 ms; the always check stops the run
    // at its third (305 ms). `heard` held before the stop: pass, not
    // "not evaluated"; `never` did not, and cannot be judged any more.
    use crate::check::Outcome;
    let mut sim = SimBuilder::new(2, 1, |_, _| Probe::default())
        .network(constant_net())
        .duration(SimTime::from_secs(2))
        .settle(SimTime::ZERO)
        .invariant(crate::sim::Invariant::sometimes(
            "heard",
            |s: &Sim<Probe>| s.node(NodeId(1)).is_some_and(|n| !n.got.is_empty()),
        ))
        .invariant(crate::sim::Invariant::sometimes("never", |_| false))
        .invariant(crate::sim::Invariant::always(
            "few",
            |s: &Sim<Probe>| match s.node(NodeId(1)).map_or(0, |n| n.got.len()) {
                0..=2 => Ok(()),
                k => Err(format!("n1 heard {k} hellos")),
            },
        ))
        .build();
    let report = sim.run();
    let outcome = |name: &str| {
        report
            .checks
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.outcome.clone())
            .expect("a check of that name")
    };
    assert_eq!(outcome("few"), Outcome::Fail("n1 heard 3 hellos".into()));
    assert_eq!(outcome("heard"), Outcome::Pass);
    assert!(
        matches!(outcome("never"), Outcome::Unknown(_)),
        "{report:?}"
    );
}

/// Takes every request, then always redirects (like a leader that appended
/// an operation and lost its leadership before committing it).
#[derive(Clone, Debug, Default)]
struct Bouncer;

impl Node for Bouncer {
    type Msg = Msg;
    type Timer = Tick;
    fn on_start(&mut self, _ctx: &mut Ctx<Self>) {}
    fn on_message(&mut self, _ctx: &mut Ctx<Self>, _from: NodeId, _msg: Msg) {}
    fn on_timer(&mut self, _ctx: &mut Ctx<Self>, _timer: Tick) {}
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        ctx.reply(&request, Reply::Redirect(None));
    }
}

#[derive(Debug)]
struct OneWrite;

impl crate::workload::Workload for OneWrite {
    fn next_op(&self, _rng: &mut Prng, _client: ClientId, sequence: u64) -> Op {
        Op {
            f: "write".into(),
            key: None,
            value: crate::check::history::Value::Int(sequence as i64),
        }
    }
}

#[test]
fn a_client_redirected_too_often_records_info_not_fail() {
    // Giving up after redirects cannot prove the operation never happened.
    let config = crate::workload::ClientConfig {
        clients: 1,
        interval: SimTime::from_secs(10),
        timeout: SimTime::from_secs(5),
        resend: None,
        max_ops: Some(1),
        ..Default::default()
    };
    let mut s = SimBuilder::new(3, 1, |_, _| Bouncer)
        .network(constant_net())
        .clients(config, OneWrite)
        .duration(SimTime::from_secs(12))
        .build();
    let report = s.run();
    assert_eq!((report.operations.info, report.operations.fail), (1, 0));
    let last = s.history().events.last().expect("completed");
    assert_eq!(last.kind, crate::check::history::EventType::Info);
    // 2·3 + 2 redirects, 5 ms each way: well before the 5 s timeout.
    assert_eq!(
        last.time,
        SimTime::from_millis(10 * 8).as_nanos() + first_invoke(&s)
    );
}

/// Answers requests only on n2; the others stay silent (down, cut off, or a
/// lost reply, as far as the client can tell).
#[derive(Clone, Debug)]
struct OnlyN2(NodeId);

impl Node for OnlyN2 {
    type Msg = Msg;
    type Timer = Tick;
    fn on_start(&mut self, _ctx: &mut Ctx<Self>) {}
    fn on_message(&mut self, _ctx: &mut Ctx<Self>, _from: NodeId, _msg: Msg) {}
    fn on_timer(&mut self, _ctx: &mut Ctx<Self>, _timer: Tick) {}
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        if self.0 == NodeId(2) {
            ctx.reply(&request, Reply::Ok(crate::check::history::Value::Nil));
        }
    }
}

fn only_n2(resend: Option<SimTime>) -> Sim<OnlyN2> {
    let config = crate::workload::ClientConfig {
        clients: 1,
        interval: SimTime::from_millis(100),
        timeout: SimTime::from_secs(1),
        resend,
        max_ops: Some(1),
        ..Default::default()
    };
    let mut s = SimBuilder::new(3, 1, |id, _| OnlyN2(id))
        .network(constant_net())
        .clients(config, OneWrite)
        .duration(SimTime::from_secs(3))
        .trace_level(TraceLevel::Full)
        .build();
    s.run();
    s
}

#[test]
fn a_client_resends_the_same_request_to_the_next_node_until_answered() {
    let s = only_n2(Some(SimTime::from_millis(100)));
    let resends: Vec<(String, u64)> = s
        .trace()
        .entries()
        .filter_map(|step| match &step.event {
            TraceEvent::Resend { node, request, .. } => Some((node.to_string(), request.id)),
            _ => None,
        })
        .collect();
    // Sent to n0 first, then n1 and n2 after 100 ms each; n2 answers.
    assert_eq!(resends, vec![("n1".to_string(), 0), ("n2".to_string(), 0)]);
    let events = &s.history().events;
    assert_eq!(events.len(), 2, "one invoke, one completion: {events:?}");
    assert_eq!(events[1].kind, crate::check::history::EventType::Ok);
    // Two resends, then 5 ms there and 5 ms back.
    assert_eq!(
        events[1].time - first_invoke(&s),
        SimTime::from_millis(200 + 10).as_nanos()
    );
}

#[test]
fn without_resend_a_silent_node_means_a_timeout() {
    let s = only_n2(None);
    let events = &s.history().events;
    assert_eq!(events[1].kind, crate::check::history::EventType::Info);
    assert!(!s
        .trace()
        .entries()
        .any(|step| matches!(step.event, TraceEvent::Resend { .. })));
}

fn first_invoke<N: Node>(s: &Sim<N>) -> u64 {
    s.history().events[0].time
}

/// Cancels, at every tick, the timer that just fired (a common pattern:
/// "cancel the timeout" after it already went off).
#[derive(Clone, Debug, Default)]
struct LateCanceller {
    last: Option<TimerId>,
}

impl Node for LateCanceller {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.last = Some(ctx.set_timer(SimTime::from_millis(10), ()));
    }
    fn on_message(&mut self, _ctx: &mut Ctx<Self>, _from: NodeId, _msg: ()) {}
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _timer: ()) {
        if let Some(fired) = self.last {
            ctx.cancel_timer(fired);
        }
        self.last = Some(ctx.set_timer(SimTime::from_millis(10), ()));
    }
}

#[test]
fn cancelling_a_fired_timer_keeps_nothing() {
    let mut sim = SimBuilder::new(1, 1, |_, _| LateCanceller::default())
        .duration(SimTime::from_secs(10))
        .settle(SimTime::ZERO)
        .build();
    sim.run();
    assert!(sim.steps() > 900, "about 1,000 ticks ran");
    assert_eq!(
        sim.cancelled.len(),
        0,
        "ids of timers that already fired are not remembered"
    );
}

/// A run whose only failure to decide is an `unknown` check is not a pass:
/// its verdict is `unknown` (exit code 6) unless the scenario accepts
/// undecided checks, and then it passes with the check still listed as
/// unknown. A failure elsewhere outranks the unknown.
#[test]
fn an_undecided_check_makes_the_verdict_unknown_unless_accepted() {
    use crate::check::{CheckKind, Outcome, UnknownPolicy};
    let build = |policy: UnknownPolicy, fail: bool| {
        SimBuilder::new(2, 1, |_, _| Probe::default())
            .network(constant_net())
            .duration(SimTime::from_secs(1))
            .unknown(policy)
            .invariant(Invariant::new("undecided", CheckKind::AtEnd, |_| {
                Outcome::Unknown("the budget ran out".into())
            }))
            .invariant(Invariant::new(
                "decided",
                CheckKind::Eventually,
                move |_| {
                    if fail {
                        Outcome::Fail("no".into())
                    } else {
                        Outcome::Pass
                    }
                },
            ))
            .build()
            .run()
    };
    let report = build(UnknownPolicy::Fail, false);
    assert_eq!(report.verdict, Verdict::Unknown);
    assert_eq!(report.verdict.exit_code(), 6);
    assert_eq!(report.unknown_checks(), ["undecided"]);
    let report = build(UnknownPolicy::Pass, false);
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.unknown_checks(), ["undecided"]);
    // A failed liveness check is a liveness failure whatever the policy.
    for policy in [UnknownPolicy::Fail, UnknownPolicy::Pass] {
        assert_eq!(build(policy, true).verdict, Verdict::LivenessFailure);
    }
}

/// The worst of many verdicts: panic, safety, liveness, unknown, pass —
/// and the exit codes map back to their verdicts.
#[test]
fn verdicts_rank_by_severity_not_by_exit_code() {
    let order = [
        Verdict::Pass,
        Verdict::Unknown,
        Verdict::LivenessFailure,
        Verdict::SafetyViolation,
        Verdict::Panic,
    ];
    for pair in order.windows(2) {
        assert!(pair[0].severity() < pair[1].severity(), "{pair:?}");
    }
    for v in order {
        assert_eq!(Verdict::from_exit_code(v.exit_code()), Some(v));
    }
    assert_eq!(Verdict::from_exit_code(3), None);
}

/// Byte metrics: each `Hello(k)` is `{"Hello":k}` on the wire; only node
/// 1 synced its storage (`boots` = `1`); counting changes nothing else.
#[test]
fn byte_metrics_count_json_bytes_and_change_nothing_else() {
    let build = |count: bool| {
        SimBuilder::new(2, 1, |_, _| Probe::default())
            .network(constant_net())
            .duration(SimTime::from_secs(2))
            .settle(SimTime::ZERO)
            .count_bytes(count)
            .build()
    };
    let mut counted = build(true);
    let report = counted.run();
    let sent = report.messages.sent;
    assert!(sent >= 10, "{sent}");
    let want: u64 = (0..sent)
        .map(|k| format!("{{\"Hello\":{k}}}").len() as u64)
        .sum();
    let metric = |name: &str| {
        report
            .metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(metric("message-bytes"), Some(want.to_string()));
    assert_eq!(metric("storage-bytes"), Some("6".to_string()), "boots + 1");
    assert_eq!(metric("bytes-per-op"), None, "no operations");
    let plain = build(false).run();
    assert!(plain.metrics.iter().all(|(n, _)| n != "message-bytes"));
    assert_eq!(plain.trace_hash, report.trace_hash);
}

/// The engine's own memory per node (issue 21: under 1 KB beyond the
/// protocol's state): the slot (random stream, clock, storage handle,
/// state pointer) is fixed-size, whatever the protocol; the network keeps
/// nothing per pair of nodes until a cut (`net::cuts`).
#[test]
fn a_node_slot_costs_the_engine_under_half_a_kilobyte() {
    let slot = std::mem::size_of::<super::world::NodeSlot<crate::protocols::pingpong::PingPong>>();
    println!("NodeSlot: {slot} bytes");
    assert!(slot <= 512, "NodeSlot grew to {slot} bytes");
}

/// What a delivery reads of its node's slot (the state's pointer, the
/// incarnation, the clock, the pause) is in the slot's first cache line,
/// and slots start on a line (issue 21, item 2: one miss a delivery
/// there, not three).
#[test]
fn a_node_slot_keeps_what_a_delivery_reads_in_one_cache_line() {
    use super::world::NodeSlot;
    use std::mem::{align_of, offset_of, size_of};
    type Slot = NodeSlot<crate::protocols::pingpong::PingPong>;
    assert_eq!(align_of::<Slot>(), 64);
    let ends = [
        offset_of!(Slot, state)
            + size_of::<Option<std::sync::Arc<crate::protocols::pingpong::PingPong>>>(),
        offset_of!(Slot, incarnation) + size_of::<u32>(),
        offset_of!(Slot, clock) + size_of::<crate::clock::Clock>(),
        offset_of!(Slot, paused_until) + size_of::<Option<super::SimTime>>(),
    ];
    assert!(
        ends.iter().all(|&end| end <= 64),
        "hot fields end at {ends:?}"
    );
}
