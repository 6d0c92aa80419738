use super::causal::{self, CausalParams};
use super::lamport::{self, LamportParams};
use super::scenario::{BroadcastWorkload, KvWorkload};
use super::store::{Scheme, StoreParams};
use super::Hooks;
use super::*;
use crate::check::Outcome;
use crate::clock::Clock;
use crate::faults::{FaultAction, ScheduledFault, Target};
use crate::net::{Latency, LinkConfig, NetConfig};
use crate::sim::{Node, Ratio, RunReport, SimBuilder, SimTime, Verdict};
use crate::workload::ClientConfig;

fn net() -> NetConfig {
    NetConfig {
        default: LinkConfig {
            latency: Latency::Exponential {
                mean: SimTime::from_millis(8),
            },
            loss: Ratio::new(1, 10),
            duplicate: Ratio::new(1, 50),
        },
        ..NetConfig::default()
    }
}

fn isolate_then_heal() -> Vec<ScheduledFault> {
    vec![
        ScheduledFault {
            at: SimTime::from_secs(1),
            action: FaultAction::Isolate(Target::Node(NodeId(1))),
        },
        ScheduledFault {
            at: SimTime::from_secs(2),
            action: FaultAction::Heal,
        },
    ]
}

fn configure<N: Node>(mut b: SimBuilder<N>, faults: Vec<ScheduledFault>) -> SimBuilder<N> {
    b = b
        .network(net())
        .duration(SimTime::from_secs(3))
        .settle(SimTime::from_secs(3));
    for f in faults {
        b = b.fault(f);
    }
    b
}

fn failed(report: &RunReport, name: &str) -> String {
    match &report
        .checks
        .iter()
        .find(|c| c.name == name)
        .expect("check")
        .outcome
    {
        Outcome::Fail(why) => why.clone(),
        other => panic!("{name} did not fail ({other:?}): {report:#?}"),
    }
}

fn lamport_run(bug: Option<Bug>, seed: u64) -> RunReport {
    let params = LamportParams {
        retry: SimTime::from_millis(50),
        bugs: bug.into_iter().collect(),
        hooks: Hooks::default(),
        audit: None,
    };
    let clients = ClientConfig::with_rate(3, 30.0, SimTime::from_millis(500));
    let b = lamport::builder(params, 4, seed).clients(clients, BroadcastWorkload);
    configure(b, isolate_then_heal()).build().run()
}

fn causal_run(bug: Option<Bug>, seed: u64) -> RunReport {
    let params = CausalParams {
        retry: SimTime::from_millis(50),
        bugs: bug.into_iter().collect(),
        hooks: Hooks::default(),
        audit: None,
    };
    let clients = ClientConfig::with_rate(3, 40.0, SimTime::from_millis(300));
    let b = causal::builder(params, 4, seed).clients(clients, BroadcastWorkload);
    configure(b, isolate_then_heal()).build().run()
}

fn store_run(scheme: Scheme, bug: Option<Bug>, seed: u64) -> RunReport {
    let params = StoreParams {
        scheme,
        sync: SimTime::from_millis(100),
        bugs: bug.into_iter().collect(),
    };
    let workload = KvWorkload {
        keys: 2,
        read_ratio: Ratio::new(1, 5),
    };
    let clients = ClientConfig::with_rate(3, 30.0, SimTime::from_millis(300));
    let b = store_checks::builder(params, 3, seed)
        .clients(clients, workload)
        .clock(NodeId(2), Clock::new(-2_000_000_000, 0));
    let crash = vec![
        ScheduledFault {
            at: SimTime::from_secs(1),
            action: FaultAction::Crash(Target::Node(NodeId(0))),
        },
        ScheduledFault {
            at: SimTime::from_millis(1500),
            action: FaultAction::Restart(Target::Node(NodeId(0))),
        },
    ];
    configure(b, crash).build().run()
}

#[test]
fn lamport_total_order_holds_under_loss_and_a_partition() {
    for seed in 0..4 {
        let report = lamport_run(None, seed);
        assert_eq!(report.verdict, Verdict::Pass, "{seed}: {report:#?}");
        assert!(report.operations.ok >= 5, "{report:#?}");
    }
}

#[test]
fn lamport_without_increment_on_send_breaks_the_clock_condition() {
    let report = lamport_run(Some(Bug::NoIncrementOnSend), 1);
    assert_eq!(report.verdict, Verdict::SafetyViolation);
    assert!(failed(&report, "clock-condition").contains("not after the previous event"));
}

#[test]
fn causal_broadcast_delivers_everything_in_causal_order() {
    for seed in 0..4 {
        let report = causal_run(None, seed);
        assert_eq!(report.verdict, Verdict::Pass, "{seed}: {report:#?}");
    }
}

#[test]
fn each_vector_clock_bug_is_caught_by_its_check() {
    let report = causal_run(Some(Bug::NoCausalWait), 1);
    assert!(failed(&report, "causal-delivery").contains("which happens before it"));
    let report = causal_run(Some(Bug::MergeMin), 1);
    assert!(failed(&report, "clock-condition").contains("but its clock is now"));
    let report = causal_run(Some(Bug::NoIncrementOnSend), 1);
    assert!(failed(&report, "clock-condition").contains("had already delivered"));
}

#[test]
fn vector_clocks_keep_siblings_where_lww_loses_writes() {
    for seed in 0..3 {
        let report = store_run(Scheme::VectorClock, None, seed);
        assert_eq!(report.verdict, Verdict::Pass, "{seed}: {report:#?}");
    }
    let report = store_run(Scheme::LastWriterWins, None, 0);
    assert_eq!(report.verdict, Verdict::SafetyViolation, "{report:#?}");
    assert!(failed(&report, "no-silent-overwrite").contains("silently overwritten"));
}

#[test]
fn a_store_merging_by_minimum_breaks_the_clock_condition() {
    let report = (0..10)
        .map(|seed| store_run(Scheme::VectorClock, Some(Bug::MergeMin), seed))
        .find(|r| r.verdict != Verdict::Pass)
        .expect("some seed catches merge-min");
    assert!(failed(&report, "clock-condition").contains("not after sibling"));
}

#[test]
fn the_lamport_ghost_flags_events_out_of_order() {
    let mut g = ClockGhost::default();
    g.event(1, None);
    g.event(3, Some(2));
    assert!(g.violations.is_empty());
    g.event(3, None);
    g.event(4, Some(4));
    assert_eq!(g.violations.len(), 2, "{:?}", g.violations);
}
