use super::participant::rule;
use super::*;
use crate::faults::{FaultAction, PartitionSpec, ScheduledFault, Target};
use crate::protocols::two_pc::BankWorkload;
use crate::sim::{Ratio, RunReport, Verdict};
use crate::workload::ClientConfig;

fn sim(params: Params, nodes: u32, seed: u64, faults: Vec<ScheduledFault>) -> Sim<ThreePc> {
    let accounts = params.accounts;
    let mut b = builder(params, nodes, seed)
        .duration(SimTime::from_secs(8))
        .settle(SimTime::from_secs(3))
        .clients(
            ClientConfig::with_rate(3, 50.0, SimTime::from_secs(1)),
            BankWorkload {
                accounts,
                max_amount: 20,
                audit_ratio: Ratio::new(1, 5),
            },
        );
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

fn metric(report: &RunReport, name: &str) -> String {
    report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no metric {name}: {:?}", report.metrics))
}

fn participant(sim: &Sim<ThreePc>, id: u32) -> &Participant {
    sim.node(NodeId(id))
        .and_then(ThreePc::participant)
        .expect("a live participant")
}

use State::{Aborted, Committed, PreCommitted, Uncertain};

#[test]
fn the_recovery_coordinator_decides_by_the_textbook_rules() {
    assert_eq!(
        rule([Uncertain, Committed, PreCommitted]),
        Some(Outcome::Commit)
    );
    assert_eq!(rule([Uncertain, Aborted]), Some(Outcome::Abort));
    assert_eq!(rule([PreCommitted, Uncertain]), None, "pre-commit the rest");
    assert_eq!(
        rule([PreCommitted]),
        None,
        "alone and pre-committed: commit"
    );
    assert_eq!(rule([Uncertain, Uncertain]), Some(Outcome::Abort));
    assert_eq!(
        rule([Uncertain]),
        Some(Outcome::Abort),
        "alone and uncertain: abort"
    );
}

#[test]
fn states_map_onto_the_shared_records() {
    assert!(Uncertain.undecided() && PreCommitted.undecided());
    assert!(!Committed.undecided() && !Aborted.undecided());
    assert_eq!(PreCommitted.to_string(), "pre-committed");
}

#[test]
fn transfers_commit_and_conflicts_abort_without_faults() {
    let report = sim(Params::default(), 4, 1, vec![]).run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    let committed: u64 = metric(&report, "txns-committed").parse().unwrap();
    assert!(committed > 150, "{committed}");
    assert_eq!(metric(&report, "blocked-txns"), "0");
    assert_eq!(metric(&report, "terminated-txns"), "0");
}

#[test]
fn participants_terminate_while_the_coordinator_is_down() {
    let faults = vec![
        at(2_000, FaultAction::Crash(Target::Node(COORDINATOR))),
        at(6_000, FaultAction::Restart(Target::Node(COORDINATOR))),
    ];
    let mut terminated_somewhere = false;
    for seed in 0..10 {
        let mut s = sim(Params::default(), 4, seed, faults.clone());
        // Two seconds into the outage: nothing is undecided any more, and
        // no lock is held, although the coordinator is still down.
        s.run_until(SimTime::from_millis(4_000));
        for p in 1..4 {
            let node = participant(&s, p);
            assert_eq!(
                node.undecided().count(),
                0,
                "seed {seed} n{p}: {}",
                s.node(NodeId(p)).unwrap().summary()
            );
            assert_eq!(node.shard.locks_held(), 0, "seed {seed} n{p}");
        }
        let report = s.run();
        assert_eq!(report.verdict, Verdict::Pass, "seed {seed}: {report:#?}");
        assert_eq!(metric(&report, "blocked-txns"), "0");
        terminated_somewhere |= metric(&report, "terminated-txns") != "0";
    }
    assert!(
        terminated_somewhere,
        "some seed crashes the coordinator mid-transaction"
    );
}

#[test]
fn a_participant_cut_off_alone_does_not_block() {
    // n2 is cut off from everybody at 2 s: whatever it holds undecided, it
    // terminates alone (uncertain aborts, pre-committed commits) and frees
    // its locks instead of waiting for the heal.
    let cut = FaultAction::Partition(PartitionSpec::Groups(vec![vec![NodeId(2)]]));
    let mut s = sim(Params::default(), 4, 3, vec![at(2_000, cut)]);
    s.run_until(SimTime::from_millis(6_000));
    let n2 = participant(&s, 2);
    assert_eq!(
        n2.undecided().count(),
        0,
        "{}",
        n2.summary(&Params::default())
    );
    assert_eq!(n2.shard.locks_held(), 0);
}

#[test]
fn a_clone_replays_exactly() {
    let mut s = sim(Params::default(), 4, 9, vec![]);
    s.run_until(SimTime::from_secs(3));
    let mut fork = s.clone();
    assert_eq!(s.run(), fork.run());
}
