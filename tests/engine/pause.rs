//! The `pause` fault: a paused node runs no handler; messages and requests
//! to it wait and arrive, in order of arrival, when it resumes; timers that
//! came due fire late, all at once; a paused node can still be crashed, and
//! what it held is lost with it.

use distlab::faults::{FaultAction, ScheduledFault, Target};
use distlab::sim::{Ctx, Node, NodeId, Sim, SimBuilder, SimTime, TraceEvent, TraceLevel};
use serde::Serialize;

/// n0 sends n1 a numbered message every 100 ms; n1 has a 300 ms timer it
/// re-arms when it fires. n1 logs everything its handlers see.
#[derive(Clone, Debug, Default)]
struct Pinger {
    next: u64,
    /// (local time, what) for every handler call on this node.
    seen: Vec<(SimTime, Seen)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Seen {
    Start,
    Message(u64),
    Tick,
}

#[derive(Clone, Debug, Hash, Serialize)]
enum Timer {
    Send,
    Tick,
}

impl Node for Pinger {
    type Msg = u64;
    type Timer = Timer;
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.seen.push((ctx.now(), Seen::Start));
        if ctx.id() == NodeId(0) {
            ctx.set_timer(SimTime::from_millis(100), Timer::Send);
        } else {
            ctx.set_timer(SimTime::from_millis(300), Timer::Tick);
        }
    }
    fn on_message(&mut self, ctx: &mut Ctx<Self>, _from: NodeId, n: u64) {
        self.seen.push((ctx.now(), Seen::Message(n)));
    }
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Send => {
                ctx.send(NodeId(1), self.next);
                self.next += 1;
                ctx.set_timer(SimTime::from_millis(100), Timer::Send);
            }
            Timer::Tick => {
                self.seen.push((ctx.now(), Seen::Tick));
                ctx.set_timer(SimTime::from_millis(300), Timer::Tick);
            }
        }
    }
}

fn secs(ms: u64) -> SimTime {
    SimTime::from_millis(ms)
}

fn fault(at_ms: u64, action: FaultAction) -> ScheduledFault {
    ScheduledFault {
        at: secs(at_ms),
        action,
    }
}

fn pause_n1(at_ms: u64, for_ms: u64) -> ScheduledFault {
    fault(
        at_ms,
        FaultAction::Pause {
            node: Target::Node(NodeId(1)),
            duration: secs(for_ms),
        },
    )
}

fn run(faults: &[ScheduledFault]) -> Sim<Pinger> {
    let mut builder = SimBuilder::new(2, 7, |_, _| Pinger::default())
        .duration(secs(5000))
        .trace_level(TraceLevel::Full);
    for f in faults {
        builder = builder.fault(f.clone());
    }
    let mut sim = builder.build();
    sim.run();
    sim
}

fn seen(sim: &Sim<Pinger>) -> &[(SimTime, Seen)] {
    &sim.node(NodeId(1)).expect("n1 is up").seen
}

#[test]
fn a_paused_node_runs_nothing_then_gets_its_messages_in_order_and_one_late_tick() {
    let sim = run(&[pause_n1(1000, 2000)]);
    let seen = seen(&sim);
    // Nothing ran on n1 while it was paused (1 s to 3 s, its clock is
    // true time here).
    let during: Vec<_> = seen
        .iter()
        .filter(|(t, _)| *t > secs(1000) && *t < secs(3000))
        .collect();
    assert!(
        during.is_empty(),
        "handlers ran during the pause: {during:?}"
    );
    // At 3 s it runs everything that came due: the overdue tick once (it is
    // re-armed only when it fires) and every message sent meanwhile, in
    // the order they arrived.
    let at_resume: Vec<&Seen> = seen
        .iter()
        .filter(|(t, _)| *t == secs(3000))
        .map(|(_, s)| s)
        .collect();
    let ticks = at_resume.iter().filter(|s| ***s == Seen::Tick).count();
    assert_eq!(ticks, 1, "{at_resume:?}");
    let messages = at_resume
        .iter()
        .filter(|s| matches!(s, Seen::Message(_)))
        .count();
    assert!(messages >= 15, "about 20 messages waited: {at_resume:?}");
    // The order they ran in is the order the engine held them in.
    let trace = sim.trace();
    let held: Vec<String> = trace
        .entries()
        .filter_map(|e| match &e.event {
            TraceEvent::Held { node, what, until } => {
                assert_eq!((*node, *until), (NodeId(1), secs(3000)));
                Some(what.clone())
            }
            _ => None,
        })
        .collect();
    let ran: Vec<String> = trace
        .entries()
        .filter(|e| e.time == secs(3000))
        .filter_map(|e| match &e.event {
            TraceEvent::Deliver {
                msg_id, from, to, ..
            } if *to == NodeId(1) => Some(format!("message #{msg_id} from {from}")),
            TraceEvent::Timer { node, timer, .. } if *node == NodeId(1) => {
                Some(format!("timer {timer:?}"))
            }
            _ => None,
        })
        .collect();
    assert_eq!(held, ran);
    // After the pause it carries on: ticks every 300 ms from 3 s.
    assert!(seen.contains(&(secs(3300), Seen::Tick)), "{seen:?}");
    // A pause loses nothing: every message sent reached n1.
    let sent = sim.node(NodeId(0)).unwrap().next;
    let received = seen
        .iter()
        .filter(|(_, s)| matches!(s, Seen::Message(_)))
        .count() as u64;
    assert!(sent - received <= 1, "sent {sent}, received {received}");
    assert!(sim
        .fault_log()
        .iter()
        .any(|(t, text)| *t == secs(3000) && text.starts_with("resume n1:")));
}

#[test]
fn a_second_pause_extends_the_first() {
    let sim = run(&[pause_n1(1000, 1000), pause_n1(1500, 2000)]);
    let during = seen(&sim)
        .iter()
        .filter(|(t, _)| *t > secs(1000) && *t < secs(3500))
        .count();
    assert_eq!(during, 0);
    assert!(seen(&sim).iter().any(|(t, _)| *t == secs(3500)));
}

#[test]
fn a_paused_node_can_be_crashed_and_what_it_held_is_lost() {
    let crash = fault(2000, FaultAction::Crash(Target::Node(NodeId(1))));
    let restart = fault(2500, FaultAction::Restart(Target::Node(NodeId(1))));
    let sim = run(&[pause_n1(1000, 2000), crash, restart]);
    let seen = seen(&sim);
    // The restarted node starts fresh at 2.5 s; the messages held before
    // the crash never reach it, and it is not paused (the crash ended it).
    assert_eq!(seen[0], (secs(2500), Seen::Start), "{seen:?}");
    let first_message = seen.iter().find_map(|(t, s)| match s {
        Seen::Message(n) => Some((*t, *n)),
        _ => None,
    });
    let (t, n) = first_message.expect("messages after the restart");
    assert!(t > secs(2500) && t < secs(2700), "{t}");
    assert!(n >= 23, "message {n} was held before the crash");
    // The node's new timers run on time: no tick waits for 3 s.
    assert!(seen.contains(&(secs(2800), Seen::Tick)), "{seen:?}");
    assert!(!sim.is_paused(NodeId(1)));
}

#[test]
fn pause_targets_follow_the_fault_rules_and_the_run_stays_deterministic() {
    let nobody = fault(
        1000,
        FaultAction::Pause {
            node: Target::Role("leader".into()),
            duration: secs(500),
        },
    );
    let sim = run(&[nobody]);
    assert!(sim
        .fault_log()
        .iter()
        .any(|(_, text)| text.starts_with("pause leader: no such node right now")));
    let a = run(&[pause_n1(1000, 2000)]);
    let b = run(&[pause_n1(1000, 2000)]);
    assert_eq!(a.trace().hash(), b.trace().hash());
    assert_ne!(a.trace().hash(), run(&[]).trace().hash());
}
