use super::*;
use crate::check::Outcome;
use crate::faults::{FaultAction, PartitionSpec, ScheduledFault, Target};
use crate::net::{Latency, LinkConfig, NetConfig};
use crate::protocols::broadcast::Topology;
use crate::sim::{Ratio, RunReport, Sim, Verdict};
use crate::workload::ClientConfig;

fn lossy(loss: f64) -> NetConfig {
    NetConfig {
        default: LinkConfig {
            latency: Latency::Uniform {
                min: SimTime::from_millis(1),
                max: SimTime::from_millis(10),
            },
            loss: Ratio::from_probability(loss),
            duplicate: Ratio::ZERO,
        },
        ..NetConfig::default()
    }
}

fn sim(params: Params, seed: u64, loss: f64, faults: Vec<ScheduledFault>) -> Sim<Gossip> {
    let mut b = builder(params, 8, seed)
        .network(lossy(loss))
        .duration(SimTime::from_secs(4))
        .settle(SimTime::from_secs(3))
        .clients(
            ClientConfig::with_rate(2, 20.0, SimTime::from_secs(1)),
            GossipWorkload {
                read_ratio: Ratio::new(1, 5),
            },
        );
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

fn crash_and_restart(node: u32) -> Vec<ScheduledFault> {
    vec![
        ScheduledFault {
            at: SimTime::from_secs(1),
            action: FaultAction::Crash(Target::Node(NodeId(node))),
        },
        ScheduledFault {
            at: SimTime::from_secs(2),
            action: FaultAction::Restart(Target::Node(NodeId(node))),
        },
    ]
}

fn metric(report: &RunReport, name: &str) -> Option<String> {
    report
        .metrics
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

#[test]
fn every_mode_converges_under_loss_and_a_crash() {
    let rumor = Params {
        mode: Mode::Rumor,
        ..Params::default()
    };
    let counter = Params {
        mode: Mode::Rumor,
        stop: StopRule::Counter(2),
        anti_entropy: SimTime::from_millis(500),
        ..Params::default()
    };
    let mut all = vec![rumor, counter];
    for mode in [Mode::Push, Mode::Pull, Mode::PushPull] {
        all.push(Params {
            mode,
            ..Params::default()
        });
    }
    for params in all {
        for seed in 0..3 {
            let report = sim(params.clone(), seed, 0.1, crash_and_restart(3)).run();
            assert_eq!(
                report.verdict,
                Verdict::Pass,
                "{params:?} {seed}: {report:#?}"
            );
            assert!(metric(&report, "converge-time-p99").is_some());
        }
    }
}

#[test]
fn every_topology_converges() {
    let shapes = [
        GossipTopology::Fixed(Topology::Line),
        GossipTopology::Fixed(Topology::Ring),
        GossipTopology::Fixed(Topology::Grid),
        GossipTopology::Fixed(Topology::Tree),
        GossipTopology::RandomRegular { degree: 3 },
    ];
    for topology in shapes {
        for mode in [Mode::PushPull, Mode::Rumor] {
            let params = Params {
                mode,
                topology,
                ..Params::default()
            };
            let report = sim(params, 4, 0.05, vec![]).run();
            assert_eq!(
                report.verdict,
                Verdict::Pass,
                "{topology} {mode:?}: {report:#?}"
            );
        }
    }
}

#[test]
fn a_partition_heals_into_one_state() {
    let faults = vec![
        ScheduledFault {
            at: SimTime::from_millis(500),
            action: FaultAction::Partition(PartitionSpec::Groups(vec![(0..4)
                .map(NodeId)
                .collect()])),
        },
        ScheduledFault {
            at: SimTime::from_millis(3500),
            action: FaultAction::Heal,
        },
    ];
    let params = Params {
        mode: Mode::Rumor,
        ..Params::default()
    };
    let report = sim(params, 5, 0.0, faults).run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    assert!(report.messages.dropped > 0);
}

#[test]
fn a_rumor_that_stops_early_leaves_nodes_behind() {
    let params = Params {
        mode: Mode::Rumor,
        bugs: [Bug::RumorStopsEarly].into(),
        ..Params::default()
    };
    let report = sim(params, 6, 0.1, vec![]).run();
    assert_eq!(report.verdict, Verdict::LivenessFailure, "{report:#?}");
    let Outcome::Fail(why) = check(&report, "acked-updates-everywhere") else {
        panic!("expected a failure: {report:#?}");
    };
    assert!(why.contains("miss acknowledged updates"), "{why}");
    assert!(matches!(
        check(&report, "replicas-converge"),
        Outcome::Fail(_)
    ));
}

#[test]
fn the_counter_rule_leaves_a_residue_that_only_anti_entropy_fixes() {
    let counter = Params {
        mode: Mode::Rumor,
        stop: StopRule::Counter(1),
        fanout: 1,
        anti_entropy: SimTime::from_millis(500),
        ..Params::default()
    };
    let report = sim(counter.clone(), 7, 0.2, vec![]).run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    let residue: f64 = metric(&report, "rumor-residue")
        .and_then(|r| r.parse().ok())
        .expect("residue metric");
    assert!(residue > 0.0, "the backup had nothing to do: {report:#?}");
    let broken = Params {
        bugs: [Bug::NoAntiEntropy].into(),
        ..counter
    };
    assert_eq!(
        sim(broken, 7, 0.2, vec![]).run().verdict,
        Verdict::LivenessFailure
    );
}

#[test]
fn an_invented_value_stops_the_run() {
    let mut s = sim(Params::default(), 8, 0.0, vec![]);
    s.run_until(SimTime::from_secs(1));
    let node = s.nodes[2]
        .state
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .expect("node 2 is up");
    let learned = Learned {
        at: SimTime::ZERO,
        via: Via::Rumor,
    };
    node.values.insert(1_000_000, learned);
    // Caught when n2 next runs a handler, or at the next sweep of every
    // node (every `nodes` steps), whichever comes first.
    s.run_steps(8);
    let violation = s.violation().expect("the always-check must fire");
    assert_eq!(violation.check, "values-come-from-clients");
    assert!(
        violation.detail.contains("n2 holds value 1000000"),
        "{}",
        violation.detail
    );
}

#[test]
fn a_run_without_clients_fails_the_sometimes_check() {
    let mut s = builder(Params::default(), 3, 5)
        .duration(SimTime::from_secs(1))
        .build();
    let report = s.run();
    assert!(matches!(check(&report, "update-spreads"), Outcome::Fail(_)));
}

#[test]
fn same_seed_same_report() {
    let params = Params {
        mode: Mode::Rumor,
        topology: GossipTopology::RandomRegular { degree: 3 },
        ..Params::default()
    };
    let a = sim(params.clone(), 9, 0.1, vec![]).run();
    let b = sim(params.clone(), 9, 0.1, vec![]).run();
    assert_eq!(a, b);
    assert_ne!(a.trace_hash, sim(params, 10, 0.1, vec![]).run().trace_hash);
}
