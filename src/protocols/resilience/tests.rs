use super::*;
use crate::net::{Latency, LinkConfig, NetConfig};
use crate::sim::{RunReport, ServiceConfig, Sim, Verdict};
use crate::workload::ClientConfig;

fn storm(seed: u64) -> Sim<ResilienceNode> {
    let params = Params {
        bulkhead: 6,
        rate_limit: 300,
        rate_burst: 50,
        deadline: SimTime::from_millis(500),
        max_attempts: 5,
        ..Params::default()
    };
    let net = NetConfig {
        default: LinkConfig {
            latency: Latency::Uniform {
                min: SimTime::from_millis(1),
                max: SimTime::from_millis(5),
            },
            loss: Ratio::ZERO,
            duplicate: Ratio::ZERO,
        },
        ..NetConfig::default()
    };
    let workload = CallWorkload {
        modes: params.modes.clone(),
    };
    let backends = ServiceConfig {
        time: Latency::Constant {
            value: SimTime::from_millis(3),
        },
        workers: 1,
        nodes: Some(vec![NodeId(1), NodeId(3), NodeId(5)]),
        requests: false,
    };
    builder(params, 6, seed)
        .network(net)
        .service(backends)
        .duration(SimTime::from_secs(14))
        .settle(SimTime::from_secs(1))
        .clients(
            ClientConfig::with_rate(60, 600.0, SimTime::from_millis(500)),
            workload,
        )
        .build()
}

/// The `none`, `retries` and `full` cells of a side-by-side metric.
fn cells(report: &RunReport, name: &str) -> Vec<String> {
    let (_, value) = report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    value
        .split(" | ")
        .map(|cell| cell.split_once(' ').expect("mode and value").1.to_string())
        .collect()
}

fn numbers(report: &RunReport, name: &str) -> Vec<u64> {
    cells(report, name)
        .iter()
        .map(|c| c.parse().unwrap_or_else(|_| panic!("{name}: {c}")))
        .collect()
}

fn seconds(text: &str) -> f64 {
    let t: SimTime = text
        .parse()
        .unwrap_or_else(|_| panic!("not a duration: {text}"));
    t.as_nanos() as f64 / 1e9
}

#[test]
fn protection_tames_the_retry_storm() {
    let report = storm(1).run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    let queue = numbers(&report, "backend-queue-peak");
    assert!(queue[0] > 100 && queue[2] <= 10, "queues: {queue:?}");
    let wasted = numbers(&report, "wasted-answers");
    assert!(wasted[0] > 10 * wasted[2].max(1), "wasted: {wasted:?}");
    let timeouts = numbers(&report, "client-timeouts");
    assert!(
        timeouts[0] > 50 && timeouts[2] == 0,
        "timeouts: {timeouts:?}"
    );
    let recover = cells(&report, "time-to-recover");
    assert!(
        seconds(&recover[0]) > 1.0 + seconds(&recover[2]),
        "{recover:?}"
    );
    assert!(numbers(&report, "breaker-opened")[0] > 0);
}

fn full_gateway(s: &mut Sim<ResilienceNode>) -> &mut Gateway {
    match s.nodes[4]
        .state
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .map(|n| &mut n.role)
    {
        Some(Role::Gateway(g)) => g,
        _ => panic!("n4 is the full gateway"),
    }
}

#[test]
fn a_bulkhead_overflow_stops_the_run() {
    let mut s = storm(2);
    s.run_until(SimTime::from_millis(2_900));
    // A bulkhead that does not hold: admit everything for a while...
    full_gateway(&mut s).bulkhead.max = 1_000;
    while full_gateway(&mut s).in_flight() <= 6 && s.now() < SimTime::from_secs(8) {
        s.step();
    }
    assert!(s.violation().is_none());
    // ...then the check, reading the real limit, sees the overflow.
    full_gateway(&mut s).bulkhead.max = 6;
    s.step();
    let violation = s.violation().expect("the always-check must fire");
    assert_eq!(violation.check, "bulkhead-respected");
    assert!(
        violation.detail.contains("bulkhead is 6"),
        "{}",
        violation.detail
    );
}

#[test]
fn a_clone_replays_exactly() {
    let mut s = storm(3);
    s.run_until(SimTime::from_secs(5));
    let mut fork = s.clone();
    assert_eq!(s.run(), fork.run());
}
