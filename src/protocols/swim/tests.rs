use super::*;
use crate::check::Outcome;
use crate::faults::{FaultAction, ScheduledFault, Target};
use crate::net::{Latency, LinkConfig, NetConfig};
use crate::sim::{Ratio, RunReport, Sim, Verdict};

fn link(min_ms: u64, max_ms: u64, loss: f64) -> LinkConfig {
    LinkConfig {
        latency: Latency::Uniform {
            min: SimTime::from_millis(min_ms),
            max: SimTime::from_millis(max_ms),
        },
        loss: Ratio::from_probability(loss),
        duplicate: Ratio::ZERO,
    }
}

/// Six nodes; n5's links are slow when `slow`.
fn sim(params: Params, seed: u64, slow: bool, faults: Vec<ScheduledFault>) -> Sim<Swim> {
    let mut net = NetConfig {
        default: link(1, 10, 0.02),
        ..NetConfig::default()
    };
    if slow {
        for other in 0..5 {
            for pair in [(NodeId(5), NodeId(other)), (NodeId(other), NodeId(5))] {
                net.links.insert(pair, link(60, 140, 0.02));
            }
        }
    }
    let mut b = builder(params, 6, seed)
        .network(net)
        .duration(SimTime::from_secs(12))
        .settle(SimTime::from_secs(6));
    for f in faults {
        b = b.fault(f);
    }
    b.build()
}

fn check<'a>(report: &'a RunReport, name: &str) -> &'a Outcome {
    &report
        .checks
        .iter()
        .find(|c| c.name == name)
        .expect("check exists")
        .outcome
}

fn metric(report: &RunReport, name: &str) -> u64 {
    report
        .metrics
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

fn crash(node: u32, at_ms: u64) -> ScheduledFault {
    ScheduledFault {
        at: SimTime::from_millis(at_ms),
        action: FaultAction::Crash(Target::Node(NodeId(node))),
    }
}

#[test]
fn a_crashed_member_is_declared_dead_by_everyone_and_rejoins() {
    for seed in 0..4 {
        let report = sim(Params::default(), seed, false, vec![crash(2, 1000)]).run();
        assert_eq!(report.verdict, Verdict::Pass, "{seed}: {report:#?}");
        assert!(metric(&report, "dead-declarations") >= 5, "{report:#?}");
    }
}

#[test]
fn a_slow_member_is_suspected_and_refutes() {
    let report = sim(Params::default(), 1, true, vec![]).run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    assert!(metric(&report, "false-suspicions") > 0, "{report:#?}");
    assert!(metric(&report, "refutations") > 0, "{report:#?}");
}

#[test]
fn without_incarnations_a_slow_member_is_killed_for_good() {
    let params = Params {
        bugs: [Bug::NoIncarnation].into(),
        ..Params::default()
    };
    let report = sim(params, 1, true, vec![]).run();
    assert_eq!(report.verdict, Verdict::LivenessFailure, "{report:#?}");
    let Outcome::Fail(why) = check(&report, "no-live-member-held-dead") else {
        panic!("expected a failure: {report:#?}");
    };
    assert!(why.contains("holds live n5 dead"), "{why}");
}

#[test]
fn a_member_that_never_declared_the_crash_is_caught() {
    let mut s = sim(Params::default(), 2, false, vec![crash(2, 1000)]);
    s.run_until(s.end_time() - SimTime::from_millis(1));
    // Erase n0's memory of declaring n2 dead, as a detector that missed it.
    s.nodes[0]
        .state
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .expect("n0 is up")
        .ghost
        .deaths
        .clear();
    let report = s.finish();
    let Outcome::Fail(why) = check(&report, "crashed-member-declared-dead") else {
        panic!("expected a failure: {report:#?}");
    };
    assert!(why.contains("n0 never declared n2 dead"), "{why}");
}

#[test]
fn crash_episodes_come_from_the_fault_log() {
    let restart = ScheduledFault {
        at: SimTime::from_secs(3),
        action: FaultAction::Restart(Target::Node(NodeId(1))),
    };
    let mut s = sim(
        Params::default(),
        3,
        false,
        vec![crash(1, 1000), restart, crash(4, 5000)],
    );
    s.run();
    let episodes = checks::crash_episodes(&s);
    let ms = SimTime::from_millis;
    assert_eq!(episodes.len(), 2);
    assert_eq!(
        (episodes[0].node, episodes[0].from, episodes[0].to),
        (NodeId(1), ms(1000), ms(3000))
    );
    assert_eq!((episodes[1].node, episodes[1].to), (NodeId(4), ms(12000)));
}
