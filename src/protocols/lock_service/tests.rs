use super::checks::{FencedWrites, LockLog};
use super::*;
use crate::check::Outcome;
use crate::faults::{FaultAction, ScheduledFault, Target};
use crate::net::{Latency, LinkConfig, NetConfig};
use crate::sim::{Ratio, RunReport, Sim, Verdict};

fn net() -> NetConfig {
    NetConfig {
        default: LinkConfig {
            latency: Latency::Uniform {
                min: SimTime::from_millis(1),
                max: SimTime::from_millis(10),
            },
            loss: Ratio::ZERO,
            duplicate: Ratio::ZERO,
        },
        ..NetConfig::default()
    }
}

/// A service, a storage and three holders for 10 s.
fn sim(params: Params, seed: u64, faults: Vec<ScheduledFault>) -> Sim<LockNode> {
    let mut b = builder(params, 5, seed)
        .network(net())
        .duration(SimTime::from_secs(10))
        .settle(SimTime::from_secs(3));
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

fn pause_holder(ms: u64, for_ms: u64) -> ScheduledFault {
    at(
        ms,
        FaultAction::Pause {
            node: Target::Role("lock-holder".into()),
            duration: SimTime::from_millis(for_ms),
        },
    )
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

fn no_fencing() -> Params {
    Params {
        bugs: [Bug::NoFencing].into(),
        ..Params::default()
    }
}

#[test]
fn the_lock_passes_between_holders_with_growing_tokens() {
    for seed in 0..5 {
        let mut s = sim(Params::default(), seed, vec![]);
        let report = s.run();
        assert_eq!(report.verdict, Verdict::Pass, "{seed}: {report:#?}");
        let log = s.monitor::<LockLog>("tokens-grow").expect("monitor");
        assert!(log.grants.len() >= 5, "{log:?}");
        let holders: BTreeSet<NodeId> = log.grants.iter().map(|g| g.holder).collect();
        assert!(holders.len() >= 2, "the lock moves: {log:?}");
        assert!(log.grants.windows(2).all(|w| w[0].token < w[1].token));
        assert!(metric(&report, "writes-accepted") >= 20, "{report:#?}");
        assert_eq!(metric(&report, "fenced-writes-rejected"), 0);
    }
}

#[test]
fn the_service_grants_one_lease_at_a_time() {
    // At every step, at most one unexpired lease, and it is the service's.
    let mut s = sim(Params::default(), 3, vec![]);
    while s.now() < SimTime::from_secs(5) {
        s.step();
        let holding: Vec<NodeId> = s
            .live_nodes()
            .filter(|(_, n)| n.role() == Some("lock-holder"))
            .map(|(id, _)| id)
            .collect();
        assert!(
            holding.len() <= 1,
            "two holders believe they hold: {holding:?}"
        );
    }
}

#[test]
fn fencing_rejects_the_write_of_a_holder_paused_past_its_lease() {
    let mut s = sim(Params::default(), 1, vec![pause_holder(3000, 2000)]);
    let report = s.run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    assert!(
        metric(&report, "fenced-writes-rejected") >= 1,
        "{report:#?}"
    );
}

#[test]
fn without_fencing_the_paused_holder_corrupts_the_storage() {
    let report = sim(no_fencing(), 1, vec![pause_holder(3000, 2000)]).run();
    assert_eq!(report.verdict, Verdict::SafetyViolation, "{report:#?}");
    let Outcome::Fail(why) = check(&report, "fenced-writes") else {
        panic!("expected a failure: {report:#?}");
    };
    assert!(why.contains("'s lease had expired and n"), "{why}");
}

#[test]
fn without_a_pause_no_fencing_changes_nothing() {
    // The leases alone keep the holders apart when nobody stops and
    // clocks are good: the fencing token is for the cases they cannot.
    for seed in 0..5 {
        let report = sim(no_fencing(), seed, vec![]).run();
        assert_eq!(report.verdict, Verdict::Pass, "{seed}: {report:#?}");
    }
}

#[test]
fn tokens_grow_across_restarts_of_the_service() {
    let faults = vec![
        at(3000, FaultAction::Crash(Target::Node(SERVICE))),
        at(3500, FaultAction::Restart(Target::Node(SERVICE))),
    ];
    let mut s = sim(Params::default(), 2, faults.clone());
    let report = s.run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    let log = s.monitor::<LockLog>("tokens-grow").expect("monitor");
    assert!(log.grants.iter().any(|g| g.at > SimTime::from_millis(3500)));

    let volatile = Params {
        bugs: [Bug::VolatileToken].into(),
        ..Params::default()
    };
    let report = sim(volatile, 2, faults).run();
    assert_eq!(report.verdict, Verdict::SafetyViolation, "{report:#?}");
    let Outcome::Fail(why) = check(&report, "tokens-grow") else {
        panic!("expected a failure: {report:#?}");
    };
    assert!(why.starts_with("n0 granted token 1 to n"), "{why}");
}

#[test]
fn the_lock_is_granted_again_after_its_holder_crashes() {
    let crash = at(4000, FaultAction::Crash(Target::Role("lock-holder".into())));
    for seed in 0..5 {
        let mut s = sim(Params::default(), seed, vec![crash.clone()]);
        let report = s.run();
        assert_eq!(report.verdict, Verdict::Pass, "{seed}: {report:#?}");
        let log = s.monitor::<LockLog>("tokens-grow").expect("monitor");
        assert_eq!(log.holder_crashes.len(), 1, "{seed}: {log:?}");
    }
}

#[test]
fn a_service_that_never_grants_again_fails_liveness() {
    let crash = at(4000, FaultAction::Crash(Target::Role("lock-holder".into())));
    let mut s = sim(Params::default(), 1, vec![crash]);
    s.run_until(SimTime::from_millis(4001));
    // A service that forgets to expire leases: it stays quiet for good.
    let Some(LockNode::Service(service)) = s.nodes[0].state.as_mut().map(std::sync::Arc::make_mut)
    else {
        panic!("n0 is the service");
    };
    service.quiet_until = SimTime::from_secs(1000);
    let report = s.run();
    assert_eq!(report.verdict, Verdict::LivenessFailure, "{report:#?}");
    let Outcome::Fail(why) = check(&report, "lock-regranted-after-crash") else {
        panic!("expected a failure: {report:#?}");
    };
    assert!(why.contains("was never granted again"), "{why}");
}

#[test]
fn the_fenced_writes_monitor_names_both_writers() {
    let mut s = sim(no_fencing(), 4, vec![pause_holder(3000, 2000)]);
    s.run();
    let m = s.monitor::<FencedWrites>("fenced-writes").expect("monitor");
    assert!(m.accepted > 0);
}
