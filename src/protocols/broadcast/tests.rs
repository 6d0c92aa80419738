use super::*;
use crate::check::Outcome;
use crate::faults::{FaultAction, PartitionSpec, ScheduledFault, Target};
use crate::net::{Latency, LinkConfig, NetConfig};
use crate::sim::{Ratio, Sim, Verdict};
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

fn sim(params: Params, seed: u64, loss: f64, faults: Vec<ScheduledFault>) -> Sim<Broadcast> {
    let mut b = builder(params, 5, seed)
        .network(lossy(loss))
        .duration(SimTime::from_secs(5))
        .settle(SimTime::from_secs(3))
        .clients(
            ClientConfig::with_rate(2, 20.0, SimTime::from_secs(1)),
            BroadcastWorkload {
                read_ratio: Ratio::new(1, 5),
            },
        );
    for f in faults {
        b = b.fault(f);
    }
    b.build()
}

fn check<'a>(report: &'a crate::sim::RunReport, name: &str) -> &'a Outcome {
    &report
        .checks
        .iter()
        .find(|c| c.name == name)
        .expect("check exists")
        .outcome
}

#[test]
fn values_reach_every_node_in_every_topology() {
    for topology in [
        Topology::Line,
        Topology::Ring,
        Topology::Grid,
        Topology::Tree,
        Topology::Total,
    ] {
        let params = Params {
            topology,
            ..Params::default()
        };
        let report = sim(params, 1, 0.0, vec![]).run();
        assert_eq!(report.verdict, Verdict::Pass, "{topology}: {report:#?}");
        assert!(report.operations.ok > 50, "{topology}");
    }
}

#[test]
fn retransmission_survives_loss_and_a_partition() {
    let faults = vec![
        ScheduledFault {
            at: SimTime::from_secs(1),
            action: FaultAction::Partition(PartitionSpec::Groups(vec![vec![NodeId(0), NodeId(1)]])),
        },
        ScheduledFault {
            at: SimTime::from_secs(4),
            action: FaultAction::Heal,
        },
    ];
    let params = Params {
        topology: Topology::Line,
        ..Params::default()
    };
    let report = sim(params, 2, 0.2, faults).run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    assert!(report.messages.dropped > 0);
}

#[test]
fn without_retransmission_loss_loses_values() {
    let params = Params {
        topology: Topology::Line,
        bugs: [Bug::NoRetransmit].into(),
        ..Params::default()
    };
    let report = sim(params, 3, 0.2, vec![]).run();
    assert_eq!(report.verdict, Verdict::LivenessFailure);
    let Outcome::Fail(why) = check(&report, "acked-values-everywhere") else {
        panic!("expected a failure: {report:#?}");
    };
    assert!(why.contains("miss acknowledged values"), "{why}");
}

#[test]
fn forgetting_on_restart_loses_values() {
    let faults = vec![
        ScheduledFault {
            at: SimTime::from_secs(2),
            action: FaultAction::Crash(Target::Node(NodeId(2))),
        },
        ScheduledFault {
            at: SimTime::from_secs(3),
            action: FaultAction::Restart(Target::Node(NodeId(2))),
        },
    ];
    let broken = Params {
        bugs: [Bug::ForgetOnRestart].into(),
        ..Params::default()
    };
    assert_eq!(
        sim(broken, 4, 0.0, faults.clone()).run().verdict,
        Verdict::LivenessFailure
    );
    let report = sim(Params::default(), 4, 0.0, faults).run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
}

#[test]
fn a_run_without_clients_fails_the_sometimes_check() {
    let mut s = builder(Params::default(), 3, 5)
        .duration(SimTime::from_secs(1))
        .build();
    let report = s.run();
    assert!(matches!(check(&report, "value-travels"), Outcome::Fail(_)));
    assert_eq!(report.verdict, Verdict::LivenessFailure);
}

#[test]
fn an_invented_value_stops_the_run() {
    let mut s = sim(Params::default(), 6, 0.0, vec![]);
    s.run_until(SimTime::from_secs(1));
    s.nodes[3]
        .state
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .expect("node 3 is up")
        .values
        .insert(1_000_000);
    s.step();
    let violation = s.violation().expect("the always-check must fire");
    assert_eq!(violation.check, "values-come-from-clients");
    assert!(
        violation.detail.contains("n3 holds value 1000000"),
        "{}",
        violation.detail
    );
    assert_eq!(s.finish().verdict, Verdict::SafetyViolation);
}

#[test]
fn same_seed_same_hash_different_seed_different_hash() {
    let a = sim(Params::default(), 7, 0.1, vec![]).run();
    let b = sim(Params::default(), 7, 0.1, vec![]).run();
    let c = sim(Params::default(), 8, 0.1, vec![]).run();
    assert_eq!(a.trace_hash, b.trace_hash);
    assert_eq!(a, b);
    assert_ne!(a.trace_hash, c.trace_hash);
}

#[test]
fn a_clone_replays_exactly() {
    let mut s = sim(Params::default(), 9, 0.1, vec![]);
    s.run_until(SimTime::from_secs(2));
    let mut fork = s.clone();
    assert_eq!(s.run(), fork.run());
}
