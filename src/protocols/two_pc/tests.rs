use super::*;
use crate::check::Outcome as CheckOutcome;
use crate::faults::{FaultAction, ScheduledFault, Target};
use crate::sim::{Ratio, RunReport, Sim, Verdict};
use crate::workload::ClientConfig;

fn bank(accounts: u32) -> BankWorkload {
    BankWorkload {
        accounts,
        max_amount: 20,
        audit_ratio: Ratio::new(1, 5),
    }
}

fn sim(params: Params, nodes: u32, seed: u64, faults: Vec<ScheduledFault>) -> Sim<TwoPc> {
    let accounts = params.accounts;
    let mut b = builder(params, nodes, seed)
        .duration(SimTime::from_secs(8))
        .settle(SimTime::from_secs(3))
        .clients(
            ClientConfig::with_rate(3, 50.0, SimTime::from_secs(1)),
            bank(accounts),
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

fn seconds(text: &str) -> f64 {
    let t: SimTime = text.parse().expect("a duration");
    t.as_nanos() as f64 / 1e9
}

fn participant(sim: &Sim<TwoPc>, id: u32) -> &Participant {
    sim.node(NodeId(id))
        .and_then(TwoPc::participant)
        .expect("a live participant")
}

#[test]
fn transfers_commit_and_conflicts_abort_without_faults() {
    let report = sim(Params::default(), 4, 1, vec![]).run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    let committed: u64 = metric(&report, "txns-committed").parse().unwrap();
    let aborted: u64 = metric(&report, "txns-aborted").parse().unwrap();
    assert!(committed > 200, "{committed}");
    assert!(aborted > 0, "no-wait locking must abort some conflicts");
    assert_eq!(metric(&report, "blocked-txns"), "0");
}

#[test]
fn participants_block_while_the_coordinator_is_down() {
    let faults = vec![
        at(2_000, FaultAction::Crash(Target::Node(COORDINATOR))),
        at(6_000, FaultAction::Restart(Target::Node(COORDINATOR))),
    ];
    // The crash catches some transaction prepared in most seeds; take the first.
    let mut s = (0..20)
        .map(|seed| {
            let mut s = sim(Params::default(), 4, seed, faults.clone());
            s.run_until(SimTime::from_millis(5_900));
            s
        })
        .find(|s| (1..4).any(|p| participant(s, p).prepared().next().is_some()))
        .expect("some seed crashes the coordinator while a participant is prepared");
    let blocked: Vec<&TxnRecord> = (1..4)
        .flat_map(|p| participant(&s, p).prepared().collect::<Vec<_>>())
        .collect();
    assert!(
        blocked.iter().all(|r| r.queries > 0),
        "all of them in doubt"
    );
    let locks: usize = (1..4).map(|p| participant(&s, p).locks_held()).sum();
    assert!(
        locks >= blocked.len(),
        "in-doubt transactions keep their locks"
    );
    let report = s.run();
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    assert!(seconds(&metric(&report, "blocked-time-max")) > 3.5);
}

/// The coordinator's prepares stop reaching n2, then the coordinator
/// crashes: n1 is prepared for transactions n2 never heard of.
fn cut_then_crash(cooperative: bool) -> RunReport {
    let params = Params {
        accounts: 2,
        cooperative,
        ..Params::default()
    };
    let cut = FaultAction::Cut {
        from: Target::Node(COORDINATOR),
        to: Target::Node(NodeId(2)),
    };
    let faults = vec![
        at(1_000, cut),
        at(1_150, FaultAction::Crash(Target::Node(COORDINATOR))),
        at(1_200, FaultAction::Heal),
        at(6_000, FaultAction::Restart(Target::Node(COORDINATOR))),
    ];
    sim(params, 3, 5, faults).run()
}

#[test]
fn cooperative_termination_ends_blocking_when_a_participant_never_voted() {
    let alone = cut_then_crash(false);
    let together = cut_then_crash(true);
    assert_eq!(alone.verdict, Verdict::Pass, "{alone:#?}");
    assert_eq!(together.verdict, Verdict::Pass, "{together:#?}");
    assert!(
        seconds(&metric(&alone, "blocked-time-max")) > 4.0,
        "{alone:#?}"
    );
    assert!(
        seconds(&metric(&together, "blocked-time-max")) < 1.5,
        "{together:#?}"
    );
}

#[test]
fn a_participant_that_commits_what_another_aborted_stops_the_run() {
    let mut s = sim(Params::default(), 4, 7, vec![]);
    s.run_until(SimTime::from_secs(2));
    let slot = s.nodes.iter_mut().skip(1).find_map(|slot| {
        let Some(Role::Participant(p)) = slot
            .state
            .as_mut()
            .map(std::sync::Arc::make_mut)
            .map(|n| &mut n.role)
        else {
            return None;
        };
        let record = p
            .txns
            .values_mut()
            .find(|r| r.phase == Phase::Committed && r.participants.len() == 2)?;
        record.phase = Phase::Aborted;
        let tx = record.tx;
        p.last_outcome = Some(tx);
        Some(tx)
    });
    let tx = slot.expect("some two-participant transaction committed");
    s.step();
    let violation = s.violation().expect("the always-check must fire");
    assert_eq!(violation.check, "atomicity");
    assert!(violation
        .detail
        .starts_with(&format!("{tx} is committed at")));
}

#[test]
fn a_run_without_clients_fails_the_sometimes_check() {
    let mut s = builder(Params::default(), 3, 1)
        .duration(SimTime::from_secs(1))
        .build();
    let report = s.run();
    assert_eq!(report.verdict, Verdict::LivenessFailure);
    let check = report
        .checks
        .iter()
        .find(|c| c.name == "a-transaction-commits")
        .expect("check");
    assert!(matches!(check.outcome, CheckOutcome::Fail(_)));
}

#[test]
fn a_clone_replays_exactly() {
    let mut s = sim(Params::default(), 4, 9, vec![]);
    s.run_until(SimTime::from_secs(3));
    let mut fork = s.clone();
    assert_eq!(s.run(), fork.run());
}

/// Storage keeps these records typed (`Storage::put_owned`) and hands a
/// clone to a reader of the same type; a reader of the JSON form decodes
/// it. The two agree only if each record's JSON round-trips: pinned here
/// with every field set.
#[test]
fn stored_records_round_trip_through_json() {
    fn round_trip<T>(value: T)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let json = serde_json::to_value(&value).expect("serialises");
        assert_eq!(serde_json::from_value::<T>(json).ok(), Some(value));
    }
    let tx = TxId {
        client: 7,
        request: u64::MAX,
    };
    round_trip(TxnRecord {
        tx,
        participants: vec![NodeId(1), NodeId(3)],
        ops: vec![
            AccountOp {
                account: "a1".into(),
                op: bank::MicroOp::Read,
            },
            AccountOp {
                account: "a4".into(),
                op: bank::MicroOp::Append(-1207),
            },
        ]
        .into(),
        phase: Phase::Prepared,
        voted_yes: true,
        reads: vec![vec![1, -2, 3], Vec::new()],
        prepared_at: Some(SimTime::from_millis(1_250)),
        decided_at: Some(SimTime::from_nanos(u64::MAX)),
        queries: 3,
        locks: 2,
    });
    round_trip(DecisionRecord {
        tx,
        outcome: Outcome::Abort,
        participants: vec![NodeId(2)],
        acked: [NodeId(2), NodeId(4)].into_iter().collect(),
        presumed: true,
    });
    round_trip(vec![i64::MIN, -1, 0, i64::MAX]);
}

/// The coordinator's `unacked` (what a retry resends) is, after every
/// step, exactly the decisions in its log some participant has not
/// acknowledged, through crashes and restarts of a participant and of the
/// coordinator itself.
#[test]
fn the_unacknowledged_decisions_follow_the_log() {
    let faults = vec![
        at(1_000, FaultAction::Crash(Target::Node(NodeId(2)))),
        at(2_500, FaultAction::Restart(Target::Node(NodeId(2)))),
        at(3_000, FaultAction::Crash(Target::Node(COORDINATOR))),
        at(4_000, FaultAction::Restart(Target::Node(COORDINATOR))),
    ];
    let mut s = sim(Params::default(), 4, 3, faults);
    let (mut steps, mut most) = (0, 0);
    while s.step() == crate::sim::StepResult::Progressed {
        steps += 1;
        let Some(c) = s.node(COORDINATOR).and_then(TwoPc::coordinator) else {
            continue;
        };
        let want: BTreeSet<TxId> = c.log.values().filter(|r| !r.done()).map(|r| r.tx).collect();
        assert_eq!(c.unacked, want, "at step {steps}");
        most = most.max(want.len());
    }
    assert!(
        steps > 1_000 && most > 0,
        "{steps} steps, at most {most} unacknowledged"
    );
}

/// The reference's [`TwoPcLabNode::last_decision`] (a copy it keeps) and
/// [`TwoPcLabNode::stance`] (the stances it keeps at hand) are, after
/// every step, exactly what the trait's defaults read from its records, so the per-step checks give the same verdicts, messages and
/// steps with it as a node judged through the default (every node the lab
/// grades): without faults, with crashes and restarts of the coordinator
/// and a participant, and with each bug switch on.
#[test]
fn the_kept_last_decision_is_what_the_records_say_at_every_step() {
    use crate::sim::StepResult;
    let faults = || {
        vec![
            at(1_500, FaultAction::Crash(Target::Node(NodeId(2)))),
            at(2_000, FaultAction::Crash(Target::Node(COORDINATOR))),
            at(2_600, FaultAction::Restart(Target::Node(NodeId(2)))),
            at(4_000, FaultAction::Restart(Target::Node(COORDINATOR))),
        ]
    };
    let mut runs: Vec<Params> = vec![Params::default()];
    for bug in <Bug as crate::scenario::BugSwitch>::ALL {
        let mut params = Params::default();
        params.bugs.insert(*bug);
        runs.push(params);
    }
    let (mut decided, mut stances) = (0, 0);
    for (i, params) in runs.into_iter().enumerate() {
        for seed in 0..3 {
            let mut sim = sim(params.clone(), 4, seed + 10 * i as u64, faults());
            loop {
                for (id, node) in sim.live_nodes() {
                    let looked_up = Decided::look_up(
                        TwoPcLabNode::last_decided(node),
                        TwoPcLabNode::decision_log(node),
                        TwoPcLabNode::txn_records(node),
                    );
                    let kept = TwoPcLabNode::last_decision(node);
                    assert_eq!(kept, looked_up, "{id} at {:?}", params.bugs);
                    decided += usize::from(kept.is_some());
                    // The stances kept at hand are the records' (every
                    // transaction the node has a record of, and one it has
                    // none of).
                    let records = TwoPcLabNode::txn_records(node);
                    let mut txs: Vec<TxId> = records
                        .map(|r| r.keys().copied().collect())
                        .unwrap_or_default();
                    txs.push(TxId {
                        client: 99,
                        request: 99,
                    });
                    for tx in txs {
                        let looked_up = records
                            .and_then(|r| r.get(&tx))
                            .map(|r| (r.phase, r.voted_yes));
                        let kept = TwoPcLabNode::stance(node, tx);
                        assert_eq!(kept, looked_up, "{id} {tx} at {:?}", params.bugs);
                        stances += usize::from(kept.is_some());
                    }
                }
                if sim.step() != StepResult::Progressed {
                    break;
                }
            }
        }
    }
    assert!(decided > 1_000, "{decided}");
    assert!(stances > 10_000, "{stances}");
}

/// A key built on the stack is the key `TxId::key` builds, also past the
/// buffer's length.
#[test]
fn stack_keys_are_the_formatted_keys() {
    for (client, request) in [(0, 0), (3, 17), (u32::MAX, u64::MAX)] {
        let tx = TxId { client, request };
        for prefix in [
            "txn/",
            "decision/",
            "a-prefix-longer-than-the-buffer-itself/",
        ] {
            assert_eq!(tx.key_buf(prefix).as_str(), tx.key(prefix));
            assert_eq!(tx.key_buf(prefix).as_str(), format!("{prefix}{tx}"));
        }
    }
}

/// The coordinator's decision line is what `format!` wrote.
#[test]
fn decision_notes_are_the_formatted_notes() {
    for (client, request) in [(0, 0), (3, 17), (u32::MAX, u64::MAX)] {
        let tx = TxId { client, request };
        for outcome in [Outcome::Commit, Outcome::Abort] {
            for why in [
                "every participant voted yes",
                "",
                "n2 voted no: a1 is locked by t0.3",
            ] {
                assert_eq!(
                    super::coordinator::decision_note(tx, outcome, why),
                    format!("{tx}: {outcome:?} ({why})")
                );
            }
        }
    }
}
