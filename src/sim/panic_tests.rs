//! A panic in protocol code (a handler, a check's accessor, a role) stops
//! the run at that step as the failure `panic`, with message, location and
//! site; the tool that drives the run carries on.

use super::*;
use crate::check::{CheckKind, Outcome};
use crate::faults::{FaultAction, ScheduledFault, Target};
use crate::net::{Latency, LinkConfig, NetConfig};
use crate::sim::Invariant;
use serde::Serialize;

/// Where a [`Fuse`] blows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Blow {
    Never,
    /// n1's `on_start`.
    OnStart,
    /// n1 receiving `Hello(k)`, after pushing a send and a log line.
    OnMessage(u64),
    /// n0's timer `Every(k)`.
    OnTimer(u64),
    /// `role()`, `summary()`: the accessors the engine and the UI call.
    InRole,
}

/// n0 sends `Hello(k)` to n1 every 100 ms (5 ms latency); n1 counts them.
#[derive(Clone, Debug)]
struct Fuse {
    blow: Blow,
    got: u64,
}

#[derive(Clone, Debug, Hash, Serialize)]
enum Msg {
    Hello(u64),
}

#[derive(Clone, Debug, Hash, Serialize)]
enum Tick {
    Every(u64),
}

impl Fuse {
    /// An accessor a check reads; unfinished past two messages.
    fn got(&self) -> u64 {
        if self.got >= 2 {
            unimplemented!("got() past two messages");
        }
        self.got
    }
}

impl Node for Fuse {
    type Msg = Msg;
    type Timer = Tick;
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        if self.blow == Blow::OnStart && ctx.id() == NodeId(1) {
            panic!("n1 cannot start");
        }
        if ctx.id() == NodeId(0) {
            ctx.set_timer(SimTime::from_millis(100), Tick::Every(0));
        }
    }
    fn on_message(&mut self, ctx: &mut Ctx<Self>, _from: NodeId, msg: Msg) {
        let Msg::Hello(k) = msg;
        self.got += 1;
        if self.blow == Blow::OnMessage(k) {
            ctx.send(NodeId(0), Msg::Hello(99));
            ctx.log("about to blow");
            todo!("fuse {k}");
        }
    }
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Tick) {
        let Tick::Every(k) = timer;
        if self.blow == Blow::OnTimer(k) {
            let empty: Vec<u64> = Vec::new();
            let _ = empty[k as usize];
        }
        ctx.send(NodeId(1), Msg::Hello(k));
        ctx.set_timer(SimTime::from_millis(100), Tick::Every(k + 1));
    }
    fn role(&self) -> Option<&str> {
        if self.blow == Blow::InRole {
            todo!("role")
        }
        None
    }
    fn summary(&self) -> String {
        if self.blow == Blow::InRole {
            todo!("summary")
        }
        format!("got {}", self.got)
    }
}

fn fuse_builder(blow: Blow, level: TraceLevel) -> SimBuilder<Fuse> {
    let net = NetConfig {
        default: LinkConfig {
            latency: Latency::Constant {
                value: SimTime::from_millis(5),
            },
            ..LinkConfig::default()
        },
        ..NetConfig::default()
    };
    SimBuilder::new(2, 1, move |_, _| Fuse { blow, got: 0 })
        .network(net)
        .duration(SimTime::from_secs(2))
        .settle(SimTime::ZERO)
        .trace_level(level)
}

fn fuse(blow: Blow) -> Sim<Fuse> {
    fuse_builder(blow, TraceLevel::Full).build()
}

/// Steps: 1-2 the starts, then n0's timer at 100k ms and the delivery to n1
/// at 100k+5 ms: `Hello(2)` arrives at step 8, 305 ms.
const HELLO_2_STEP: u64 = 8;

#[test]
fn a_panicking_handler_stops_the_run_at_its_step() {
    let mut s = fuse(Blow::OnMessage(2));
    let report = s.run();
    assert_eq!(report.verdict, Verdict::Panic);
    assert_eq!(report.verdict.exit_code(), 4);
    let v = report.violation.as_ref().expect("stopped");
    assert_eq!(
        (v.check.as_str(), v.step, v.time),
        (PANIC_CHECK, HELLO_2_STEP, SimTime::from_millis(305))
    );
    let p = report.panic.as_ref().expect("a panic report");
    assert_eq!(p.message, "not yet implemented: fuse 2");
    assert_eq!(p.site, "n1's on_message(Hello(2)) from n0");
    let at = p.location.as_deref().expect("a location");
    assert!(at.starts_with("src/sim/panic_tests.rs:"), "{at}");
    assert_eq!(v.detail, p.to_string());
    assert_eq!(
        v.detail,
        format!("n1's on_message(Hello(2)) from n0: panicked at {at}: not yet implemented: fuse 2")
    );
    // The panic is the first failed check, so every report lists it.
    assert_eq!(report.checks[0].name, PANIC_CHECK);
    assert_eq!(report.checks[0].outcome, Outcome::Fail(v.detail.clone()));
    assert_eq!(report.steps, HELLO_2_STEP);
}

#[test]
fn the_panicking_handlers_effects_are_dropped_and_nothing_runs_after() {
    let mut s = fuse(Blow::OnMessage(2));
    assert_eq!(s.run_steps(100), StepResult::Violated);
    // n0 sent Hello(0..=2); n1's reply to n0 and its log line never happened.
    assert_eq!(s.counters().sent, 3);
    assert_eq!(s.in_flight(), 0);
    let last = s.trace().len() - 1;
    assert_eq!(s.trace().step_at(last), Some(HELLO_2_STEP));
    assert!(s.trace().annotations_at(last).is_empty());
    // The world may be half-updated: stepping stays stopped.
    let hash = s.trace().hash();
    for _ in 0..3 {
        assert_eq!(s.step(), StepResult::Violated);
    }
    assert_eq!(s.steps(), HELLO_2_STEP);
    assert_eq!(s.trace().hash(), hash);
    assert_eq!(s.run_until(SimTime::from_secs(2)), StepResult::Violated);
}

#[test]
fn a_panic_stops_at_the_same_step_with_the_same_hash_at_both_trace_levels() {
    let mut full = fuse(Blow::OnMessage(2));
    let mut bare = fuse_builder(Blow::OnMessage(2), TraceLevel::HashOnly).build();
    let (full, bare) = (full.run(), bare.run());
    assert_eq!(
        (bare.steps, &bare.trace_hash),
        (full.steps, &full.trace_hash)
    );
    // Without the full trace the message is not kept: its id names it.
    let p = bare.panic.expect("a panic");
    assert_eq!(p.site, "n1's on_message from n0 (message #2)");
}

#[test]
fn panics_in_on_start_and_on_timer_name_their_handler() {
    let report = fuse(Blow::OnStart).run();
    let p = report.panic.expect("a panic");
    assert_eq!((p.site.as_str(), report.steps), ("n1's on_start", 2));
    assert_eq!(p.message, "n1 cannot start");

    let report = fuse(Blow::OnTimer(1)).run();
    let p = report.panic.expect("a panic");
    assert_eq!(p.site, "n0's on_timer(Every(1))");
    assert!(p.message.contains("index out of bounds"), "{}", p.message);
    assert_eq!(
        report.violation.map(|v| v.time),
        Some(SimTime::from_millis(200))
    );
}

#[test]
fn a_check_whose_accessor_panics_stops_the_run() {
    let reads = Invariant::always("reads-n1", |sim: &Sim<Fuse>| {
        let got = sim.node(NodeId(1)).map_or(0, Fuse::got);
        if got > 10 {
            return Err("too many".into());
        }
        Ok(())
    });
    let report = fuse_builder(Blow::Never, TraceLevel::Full)
        .invariant(reads)
        .build()
        .run();
    assert_eq!(report.verdict, Verdict::Panic);
    let p = report.panic.expect("a panic");
    assert_eq!(p.site, "the check `reads-n1` (it reads the nodes' state)");
    assert_eq!(p.message, "not implemented: got() past two messages");
    // n1 got its second message (Hello(1)) at step 6.
    assert_eq!(report.steps, 6);
}

/// A monitor that reads n1 through its accessor.
#[derive(Clone, Debug, Default)]
struct ReadsGot;

impl crate::sim::Monitor<Fuse> for ReadsGot {
    fn after_step(&mut self, sim: &Sim<Fuse>) -> Result<(), String> {
        let _ = sim.node(NodeId(1)).map(Fuse::got);
        Ok(())
    }
}

#[test]
fn a_monitor_whose_accessor_panics_stops_the_run_and_is_kept() {
    let mut s = fuse_builder(Blow::Never, TraceLevel::Full)
        .monitor("reads-got", ReadsGot)
        .build();
    let report = s.run();
    let p = report.panic.expect("a panic");
    assert_eq!(
        p.site,
        "the monitor `reads-got` (it reads the nodes' state)"
    );
    assert_eq!(report.steps, 6);
    assert!(s.monitor::<ReadsGot>("reads-got").is_some(), "not lost");
    let names: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec![PANIC_CHECK, "reads-got"]);
}

#[test]
fn an_end_of_run_check_that_panics_makes_the_verdict_panic() {
    let at_end = Invariant::eventually("reads-at-end", |sim: &Sim<Fuse>| {
        let _ = sim.node(NodeId(1)).map(Fuse::got);
        Ok(())
    });
    let mut s = fuse_builder(Blow::Never, TraceLevel::Full)
        .invariant(at_end)
        .build();
    let report = s.run();
    assert_eq!(report.verdict, Verdict::Panic);
    let p = report.panic.as_ref().expect("a panic");
    assert_eq!(
        p.site,
        "the end-of-run check `reads-at-end` (it reads the nodes' state)"
    );
    let check = report.checks.iter().find(|c| c.name == "reads-at-end");
    assert!(
        matches!(check.map(|c| &c.outcome), Some(Outcome::Unknown(_))),
        "{check:?}"
    );
    assert_eq!(report.checks[0].kind, CheckKind::Always);
}

#[test]
fn a_role_that_panics_in_a_fault_target_stops_the_run() {
    let crash = ScheduledFault {
        at: SimTime::from_millis(150),
        action: FaultAction::Crash(Target::Role("leader".into())),
    };
    let report = fuse_builder(Blow::InRole, TraceLevel::Full)
        .fault(crash)
        .build()
        .run();
    let p = report.panic.expect("a panic");
    assert!(p.site.starts_with("a scheduled fault"), "{}", p.site);
    assert_eq!(p.message, "not yet implemented: role");
    assert_eq!(
        report.violation.map(|v| v.time),
        Some(SimTime::from_millis(150))
    );
}

#[test]
fn a_node_view_whose_summary_panics_says_so() {
    let s = fuse(Blow::InRole);
    let views = DynSim::nodes(&s);
    assert!(views[0].up);
    assert_eq!(views[0].role, None);
    assert!(
        views[0]
            .summary
            .starts_with("(cannot show: panicked at src/sim/panic_tests.rs:"),
        "{}",
        views[0].summary
    );
}

#[test]
fn time_travel_goes_back_before_a_panic_and_meets_it_again() {
    let mut t = Timeline::new(Box::new(fuse(Blow::OnMessage(2))), 4);
    assert_eq!(t.goto(100), StepResult::Violated);
    assert_eq!(t.step_index(), HELLO_2_STEP);
    let first = t.sim().report();
    t.back();
    assert_eq!(t.step_index(), HELLO_2_STEP - 1);
    assert!(t.sim().panic().is_none() && t.sim().violation().is_none());
    assert_eq!(t.step(), StepResult::Violated);
    assert_eq!(t.sim().report(), first);
}

#[test]
fn catch_panic_nests_and_returns_to_not_catching() {
    assert!(!panics::is_catching());
    let outer = catch_panic(
        || "outer".into(),
        || {
            assert!(panics::is_catching());
            catch_panic(|| "inner".into(), || panic!("deep"))
        },
    );
    let inner = outer
        .expect("the inner guard caught it")
        .expect_err("panicked");
    assert_eq!(
        (inner.site.as_str(), inner.message.as_str()),
        ("inner", "deep")
    );
    assert!(!panics::is_catching());
    assert_eq!(catch_panic(String::new, || 7), Ok(7));
}
