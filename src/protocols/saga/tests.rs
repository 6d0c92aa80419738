use super::checks::anomaly_count;
use super::*;
use crate::faults::{FaultAction, ScheduledFault, Target};
use crate::net::{Latency, LinkConfig, NetConfig};
use crate::sim::{Ratio, RunReport, Sim, Verdict};
use crate::workload::ClientConfig;

fn params(style: Style) -> Params {
    Params {
        style,
        initial_balance: 2000,
        initial_stock: 150,
        ..Params::default()
    }
}

fn net(duplicate: Ratio) -> NetConfig {
    NetConfig {
        default: LinkConfig {
            latency: Latency::Uniform {
                min: SimTime::from_millis(1),
                max: SimTime::from_millis(10),
            },
            loss: Ratio::ZERO,
            duplicate,
        },
        ..NetConfig::default()
    }
}

fn sim(params: Params, seed: u64, duplicate: Ratio, faults: Vec<ScheduledFault>) -> Sim<SagaNode> {
    let workload = OrderWorkload {
        customers: params.customers,
        items: params.items,
        max_qty: 3,
    };
    let mut b = builder(params, 4, seed)
        .network(net(duplicate))
        .duration(SimTime::from_secs(6))
        .settle(SimTime::from_secs(4))
        .clients(
            ClientConfig::with_rate(3, 20.0, SimTime::from_secs(2)),
            workload,
        );
    for f in faults {
        b = b.fault(f);
    }
    b.build()
}

fn metric(report: &RunReport, name: &str) -> u64 {
    report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or_else(|| panic!("no numeric metric {name}: {:?}", report.metrics))
}

#[test]
fn both_styles_complete_and_compensate_sagas_without_faults() {
    for style in [Style::Orchestrated, Style::Choreographed] {
        let report = sim(params(style), 1, Ratio::ZERO, vec![]).run();
        assert_eq!(report.verdict, Verdict::Pass, "{style:?}: {report:#?}");
        assert!(metric(&report, "sagas-completed") > 50, "{style:?}");
        assert!(metric(&report, "sagas-compensated") > 0, "{style:?}");
        assert_eq!(metric(&report, "sagas-unfinished"), 0);
    }
}

#[test]
fn duplicates_are_answered_from_the_idempotency_records() {
    for style in [Style::Orchestrated, Style::Choreographed] {
        let report = sim(params(style), 2, Ratio::new(1, 4), vec![]).run();
        assert_eq!(report.verdict, Verdict::Pass, "{style:?}: {report:#?}");
        assert!(metric(&report, "duplicates-suppressed") > 10, "{style:?}");
    }
}

#[test]
fn the_orchestrator_resumes_its_sagas_after_a_crash() {
    let crash = |ms, action| ScheduledFault {
        at: SimTime::from_millis(ms),
        action,
    };
    let mut forgetful_failures = 0;
    for at in [1_003, 2_011, 3_017, 4_023] {
        let faults = vec![
            crash(at, FaultAction::Crash(Target::Node(NodeId(0)))),
            crash(at + 700, FaultAction::Restart(Target::Node(NodeId(0)))),
        ];
        let report = sim(params(Style::Orchestrated), 3, Ratio::ZERO, faults.clone()).run();
        assert_eq!(report.verdict, Verdict::Pass, "crash at {at}: {report:#?}");
        let forgetful = Params {
            bugs: [Bug::NoPersist].into(),
            ..params(Style::Orchestrated)
        };
        if sim(forgetful, 3, Ratio::ZERO, faults).run().verdict != Verdict::Pass {
            forgetful_failures += 1;
        }
    }
    // The same crashes catch sagas in flight: without a log they are lost.
    assert!(forgetful_failures > 0);
}

#[test]
fn negative_stock_stops_the_run() {
    let mut s = sim(params(Style::Orchestrated), 4, Ratio::ZERO, vec![]);
    s.run_until(SimTime::from_secs(1));
    let inventory = s.nodes[2]
        .state
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .expect("inventory is up");
    inventory.local.stock.insert(1, -2);
    s.step();
    let violation = s.violation().expect("the always-check must fire");
    assert_eq!(violation.check, "stock-never-negative");
    assert_eq!(violation.detail, "item i1 has stock -2");
}

#[test]
fn scarce_stock_and_late_failures_show_isolation_anomalies() {
    let scarce = Params {
        items: 1,
        initial_stock: 20,
        initial_balance: 100_000,
        shipping_failure: Ratio::ZERO,
        reject_ratio: Ratio::new(9, 10),
        ..Params::default()
    };
    let workload = OrderWorkload {
        customers: 4,
        items: 1,
        max_qty: 3,
    };
    let mut s = builder(scarce, 4, 1)
        .duration(SimTime::from_secs(6))
        .settle(SimTime::from_secs(3))
        .clients(
            ClientConfig::with_rate(8, 80.0, SimTime::from_secs(2)),
            workload,
        )
        .build();
    let report = s.run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    assert!(anomaly_count(&s) > 0, "{report:#?}");
}

#[test]
fn a_clone_replays_exactly() {
    let mut s = sim(params(Style::Choreographed), 9, Ratio::new(1, 10), vec![]);
    s.run_until(SimTime::from_secs(2));
    let mut fork = s.clone();
    assert_eq!(s.run(), fork.run());
}
