//! Checks in time on a tiny protocol: n0 sends n1 a message every 100 ms;
//! n1 counts what it hears.

use super::*;
use crate::check::{CheckKind, Moment, Outcome, PredicateRef, TimedCheck};
use crate::faults::{FaultAction, ScheduledFault, Target};

#[derive(Clone, Debug, Default)]
struct Pinger {
    heard: Vec<SimTime>,
}

impl Node for Pinger {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        if ctx.id() == NodeId(0) {
            ctx.set_timer(SimTime::from_millis(100), ());
        }
    }
    fn on_message(&mut self, ctx: &mut Ctx<Self>, _from: NodeId, _msg: ()) {
        self.heard.push(ctx.now());
    }
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _timer: ()) {
        ctx.send(NodeId(1), ());
        ctx.set_timer(SimTime::from_millis(100), ());
    }
}

fn ms(ms: u64) -> SimTime {
    SimTime::from_millis(ms)
}

fn named(names: &[&str]) -> Vec<PredicateRef> {
    names
        .iter()
        .map(|n| PredicateRef::Named(n.to_string()))
        .collect()
}

fn at(at: u64, since: u64, holds: &[&str]) -> TimedCheck {
    TimedCheck {
        moment: Moment::At {
            at: ms(at),
            since: ms(since),
        },
        holds: named(holds),
    }
}

fn within(after: &[&str], deadline: u64, holds: &[&str]) -> TimedCheck {
    TimedCheck {
        moment: Moment::Within {
            after: after.iter().map(|a| a.to_string()).collect(),
            within: ms(deadline),
        },
        holds: named(holds),
    }
}

fn fault(at: u64, action: FaultAction) -> ScheduledFault {
    ScheduledFault { at: ms(at), action }
}

/// Two pingers for 2 s (no settle phase), with `faults` and `checks`, and
/// two predicates of their own: `n1-heard` (since the reference moment)
/// and `n1-quiet` (n1's count has not grown).
fn run(faults: Vec<ScheduledFault>, checks: Vec<TimedCheck>) -> RunReport {
    let heard = |sim: &Sim<Pinger>| sim.node(NodeId(1)).map_or(0, |n| n.heard.len() as u64);
    let mut b = SimBuilder::new(2, 1, |_, _| Pinger::default())
        .duration(SimTime::from_secs(2))
        .settle(SimTime::ZERO)
        .predicate(
            Predicate::since("n1-heard", "n1 heard n0 since", |sim: &Sim<Pinger>, t| {
                sim.node(NodeId(1))
                    .is_some_and(|n| n.heard.iter().any(|&h| h >= t))
            })
            .stays_true(),
        )
        .predicate(Predicate::unchanged(
            "n1-quiet",
            "n1 heard nothing new",
            heard,
        ));
    for f in faults {
        b = b.fault(f);
    }
    for c in checks {
        b = b.timed_check(c);
    }
    b.build().run()
}

fn outcomes(report: &RunReport) -> Vec<Outcome> {
    report
        .checks
        .iter()
        .filter(|c| matches!(c.kind, CheckKind::At | CheckKind::Within))
        .map(|c| c.outcome.clone())
        .collect()
}

#[test]
fn a_moment_sees_every_event_at_or_before_it() {
    let crash = fault(500, FaultAction::Crash(Target::Node(NodeId(1))));
    let report = run(
        vec![crash],
        vec![at(499, 0, &["all-up"]), at(500, 0, &["all-up"])],
    );
    let got = outcomes(&report);
    assert_eq!(got[0], Outcome::Pass);
    let Outcome::Fail(why) = &got[1] else {
        panic!("{got:?}");
    };
    assert!(why.starts_with("at 500ms (step "), "{why}");
    assert!(why.ends_with("): all-up did not hold"), "{why}");
    assert_eq!(report.verdict, Verdict::SafetyViolation);
}

#[test]
fn since_and_unchanged_predicates_count_from_the_reference_moment() {
    // n0 sends at 100 ms, 200 ms, ...: n1 hears something in every 100 ms.
    let report = run(
        Vec::new(),
        vec![
            at(1_000, 1_000, &["n1-quiet"]),
            at(1_000, 500, &["n1-quiet"]),
            at(1_000, 500, &["n1-heard"]),
        ],
    );
    let got = outcomes(&report);
    assert_eq!(got[0], Outcome::Pass, "nothing new since the moment itself");
    assert!(matches!(&got[1], Outcome::Fail(w) if w.contains("n1-quiet did not hold")));
    assert_eq!(got[2], Outcome::Pass);
}

#[test]
fn a_deadline_is_met_or_missed_after_each_fault() {
    let crash = fault(500, FaultAction::Crash(Target::Node(NodeId(1))));
    let restart = fault(800, FaultAction::Restart(Target::Node(NodeId(1))));
    let met = run(
        vec![crash.clone(), restart.clone()],
        vec![within(&["restart"], 150, &["n1-heard", "all-up"])],
    );
    assert_eq!(outcomes(&met), [Outcome::Pass]);
    assert_eq!(met.verdict, Verdict::Pass);
    let missed = run(
        vec![crash, restart],
        vec![within(&["crash"], 150, &["n1-heard"])],
    );
    let Outcome::Fail(why) = &outcomes(&missed)[0] else {
        panic!("{missed:#?}");
    };
    assert!(why.starts_with("after crash n1 at 500ms (step "), "{why}");
    assert!(
        why.ends_with("): by the deadline at 650ms, n1-heard never held (1 of 1 crash windows missed their deadline)"),
        "{why}"
    );
    assert_eq!(missed.verdict, Verdict::LivenessFailure);
}

#[test]
fn undecided_deadlines_are_unknown_not_pass() {
    let crash = |t| fault(t, FaultAction::Crash(Target::Node(NodeId(1))));
    let restart = |t| fault(t, FaultAction::Restart(Target::Node(NodeId(1))));
    let unknown = |faults, check| match &outcomes(&run(faults, vec![check]))[0] {
        Outcome::Unknown(why) => why.clone(),
        other => panic!("{other:?}"),
    };
    let none = unknown(vec![], within(&["heal"], 100, &["all-up"]));
    assert_eq!(
        none,
        "no heal happened during the run, so nothing was checked"
    );
    let late = unknown(vec![crash(1_950)], within(&["crash"], 500, &["all-up"]));
    // The settle point (here the end) stops the clients: a window still
    // open then is interrupted, not failed.
    assert!(
        late.contains("interrupted by the settle point at 2s (clients stop)"),
        "{late}"
    );
    let cut = unknown(
        vec![crash(500), restart(520)],
        within(&["crash"], 400, &["all-up"]),
    );
    assert!(cut.contains("interrupted by restart n1 at 520ms"), "{cut}");
    let after_end = unknown(vec![], at(2_500, 0, &["all-up"]));
    assert_eq!(after_end, "2.5s is after the run's end at 2s");
}

#[test]
fn timed_checks_leave_the_trace_hash_alone() {
    let faults = || {
        vec![
            fault(500, FaultAction::Crash(Target::Node(NodeId(1)))),
            fault(800, FaultAction::Restart(Target::Node(NodeId(1)))),
        ]
    };
    let with = run(
        faults(),
        vec![at(700, 0, &["all-up"]), within(&[], 100, &["n1-heard"])],
    );
    let without = run(faults(), Vec::new());
    assert_eq!(with.trace_hash, without.trace_hash);
    assert_eq!(with.steps, without.steps);
}
