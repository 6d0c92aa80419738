//! The scenarios in `tests/fixtures/valid_scenarios/` parse to the expected values, and
//! no input, however mangled, makes the parser panic.

use distlab::scenario::*;
use distlab::sim::SimTime;
use proptest::prelude::*;
use std::path::Path;

fn load_valid(name: &str) -> Scenario {
    let path = format!("tests/fixtures/valid_scenarios/{name}.toml");
    match load(Path::new(&path), &Overrides::default()) {
        Ok(scenario) => scenario,
        Err(error) => panic!("{path} should be valid:\n{error}"),
    }
}

fn ms(n: u64) -> SimTime {
    SimTime::from_millis(n)
}

fn secs(n: u64) -> SimTime {
    SimTime::from_secs(n)
}

fn probability(p: f64) -> Probability {
    Probability::new(p).expect("in range")
}

fn role(target: &Target) -> Option<&str> {
    match target {
        Target::Role(name) => Some(name.get_ref()),
        _ => None,
    }
}

#[test]
fn minimal_takes_every_default() {
    let s = load_valid("minimal");
    assert_eq!(
        (s.name.as_str(), s.protocol.get_ref().as_str()),
        ("minimal", "echo")
    );
    assert_eq!(
        (s.nodes, s.seed, s.duration, s.settle),
        (3, 0, secs(10), secs(5))
    );
    assert_eq!(
        s.network.latency,
        LatencySpec::Uniform {
            min: ms(1),
            max: ms(10)
        }
    );
    assert_eq!(
        (s.network.loss, s.network.duplicate),
        (Probability::ZERO, Probability::ZERO)
    );
    assert!(!s.network.fifo && s.network.links.is_empty());
    assert_eq!((s.clocks.offset, s.clocks.drift_ppm), (SimTime::ZERO, 0));
    assert!(s.storage.lose_unsynced);
    assert!(s.protocol_params.is_empty() && s.workload.is_none() && s.faults.is_empty());
    assert!(s.nemesis.is_none());
    assert_eq!(s.check.invariants, InvariantSelection::All);
    assert_eq!(s.check.history, None);
    assert_eq!(
        s.source.origin,
        "tests/fixtures/valid_scenarios/minimal.toml"
    );
}

#[test]
fn every_key_top_level_network_clocks_storage() {
    let s = load_valid("every-key");
    assert_eq!(
        (s.nodes, s.seed, s.duration, s.settle),
        (5, 7, secs(30), secs(2))
    );
    assert_eq!(s.protocol.get_ref(), "broadcast");
    let n = &s.network;
    assert_eq!(
        n.latency,
        LatencySpec::LogNormal {
            median: ms(5),
            sigma: 0.5
        }
    );
    assert_eq!(
        (n.loss, n.duplicate, n.fifo),
        (probability(0.01), probability(0.02), true)
    );
    assert_eq!(
        n.links,
        vec![
            LinkSpec {
                from: 0,
                to: 1,
                both_ways: false,
                latency: Some(LatencySpec::Constant { value: ms(50) }),
                loss: Some(probability(0.5)),
                duplicate: Some(probability(0.25)),
            },
            LinkSpec {
                from: 3,
                to: 4,
                both_ways: true,
                latency: Some(LatencySpec::Exponential { mean: ms(2) }),
                loss: None,
                duplicate: None,
            },
        ]
    );
    assert!(n.keep_loss_draws);
    use distlab::sim::{ClientId, Endpoint, NodeId};
    assert_eq!(
        n.lose,
        vec![
            LoseSpec {
                from: Endpoint::Node(NodeId(0)),
                to: Endpoint::Node(NodeId(1)),
                nth: 3,
            },
            LoseSpec {
                from: Endpoint::Client(ClientId(2)),
                to: Endpoint::Node(NodeId(4)),
                nth: 1,
            },
        ]
    );
    assert_eq!((s.clocks.offset, s.clocks.drift_ppm), (ms(10), 200));
    assert!(!s.storage.lose_unsynced);
}

#[test]
fn every_key_protocol_and_workload_parameters() {
    let s = load_valid("every-key");
    let mut params = s.protocol_params.reader();
    assert_eq!(params.u64_in("fanout", 1, 1..=10), Ok(3));
    assert_eq!(params.duration("interval", ms(1)), Ok(ms(20)));
    assert_eq!(params.finish(), Ok(()));
    let w = s.workload.expect("workload");
    assert_eq!(w.kind.get_ref(), "broadcast");
    assert_eq!((w.clients, w.ops, w.timeout), (3, Some(200), ms(500)));
    assert_eq!(
        w.rate,
        Rate {
            count: 50,
            per: secs(1)
        }
    );
    assert_eq!(w.rate.interval(), ms(20));
    let mut extra = w.params.reader();
    assert_eq!(extra.u64("value_size", 8), Ok(16));
    assert_eq!(extra.finish(), Ok(()));
}

#[test]
fn every_key_faults_nemesis_check() {
    let s = load_valid("every-key");
    let actions: Vec<(SimTime, FaultAction)> =
        s.faults.iter().map(|f| (f.at, f.action.clone())).collect();
    use FaultAction::*;
    assert_eq!(
        actions[0],
        (
            secs(1),
            Partition(PartitionSpec::Shape(PartitionShape::MajoritiesRing))
        )
    );
    assert_eq!(
        actions[1],
        (
            secs(2),
            Partition(PartitionSpec::Groups(vec![vec![0, 1], vec![2, 3]]))
        )
    );
    assert!(matches!(&actions[2].1, Isolate(t) if role(t) == Some("leader")));
    assert!(
        matches!(&actions[3].1, Cut { from: Target::Node(0), to } if role(to) == Some("follower"))
    );
    assert_eq!(actions[4], (secs(5), Heal));
    assert_eq!(actions[5], (secs(6), Crash(Target::Node(2))));
    assert_eq!(actions[6], (secs(7), RestartAll));
    let jump = ClockJump {
        node: Target::Node(1),
        by: SignedDuration(-2_000_000_000),
    };
    assert_eq!(actions[7], (secs(8), jump));
    let strobe = ClockStrobe {
        node: Target::Random,
        delta: ms(200),
        period: ms(10),
        duration: secs(1),
    };
    assert_eq!(actions[8], (secs(9), strobe));
    assert_eq!(actions[9], (secs(10), Loss(probability(0.2))));
    assert_eq!(actions[10], (secs(11), Duplicate(probability(0.1))));
    assert_eq!(actions[11], (secs(12), Restart(Target::Node(2))));
    let nemesis = s.nemesis.expect("nemesis");
    use NemesisKind as K;
    assert_eq!(
        nemesis.kinds,
        vec![K::PartitionHalves, K::Crash, K::ClockJump, K::Loss]
    );
    assert_eq!((nemesis.every, nemesis.heal_after), (secs(3), ms(500)));
    assert_eq!((nemesis.start, nemesis.stop), (secs(12), secs(25)));
    let InvariantSelection::Named(names) = &s.check.invariants else {
        panic!("named invariants expected");
    };
    let names: Vec<&str> = names.iter().map(|n| n.get_ref().as_str()).collect();
    assert_eq!(names, ["agreement", "validity"]);
    assert_eq!(
        s.check.history.as_ref().map(|h| h.get_ref().as_str()),
        Some("linearizable")
    );
    assert_eq!(s.check.history_steps, Some(20_000_000));
    assert_eq!(s.check.unknown, distlab::check::UnknownPolicy::Fail);
    let expect: Vec<String> = s
        .check
        .expect
        .iter()
        .map(|e| format!("{} {}", e.metric, e.describe()))
        .collect();
    assert_eq!(
        expect,
        [
            "messages-per-op <= 8",
            "availability >= 99.5%",
            "op-latency-p99 between 1ms and 50ms"
        ]
    );
    let timed: Vec<String> = s
        .check
        .timed
        .iter()
        .map(|t| t.check().check_name())
        .collect();
    assert_eq!(
        timed,
        [
            "at 5s: all-up, leader count = 0, leader count in 1..=2 (since 2s)",
            "within 2s after heal or restart: op-commits",
            "within 1s after fault: leader count >= 1",
        ]
    );
}

#[test]
fn client_keys_parse() {
    use distlab::base::{ClientId, Endpoint, NodeId};
    let s = load_valid("clients");
    assert_eq!(s.network.clients, ClientTraffic::Lossy);
    let w = s.workload.expect("workload");
    assert_eq!(
        (w.in_flight, w.retry, w.retries, w.timeout),
        (Some(4), RetryMode::SameId, Some(3), ms(400))
    );
    let actions: Vec<&FaultAction> = s.faults.iter().map(|f| &f.action).collect();
    assert_eq!(actions[0], &FaultAction::Isolate(Target::Client(2)));
    assert!(matches!(
        actions[1],
        FaultAction::Cut { from: Target::Client(0), to } if role(to) == Some("leader")
    ));
    assert_eq!(
        actions[2],
        &FaultAction::Cut {
            from: Target::Node(4),
            to: Target::Client(1)
        }
    );
    let (n, c) = (
        |i| Endpoint::Node(NodeId(i)),
        |i| Endpoint::Client(ClientId(i)),
    );
    assert_eq!(
        actions[3],
        &FaultAction::Partition(PartitionSpec::Mixed(vec![
            vec![n(0), n(1), c(1)],
            vec![n(2), n(3), n(4), c(0)],
        ]))
    );
    // Groups without a client stay plain node groups.
    assert_eq!(
        actions[4],
        &FaultAction::Partition(PartitionSpec::Groups(vec![vec![0, 1], vec![2, 3, 4]]))
    );
}

#[test]
fn network_fault_keys_parse() {
    let s = load_valid("network-faults");
    let actions: Vec<&FaultAction> = s.faults.iter().map(|f| &f.action).collect();
    let FaultAction::Network(one) = actions[0] else {
        panic!("{:?}", actions[0])
    };
    assert_eq!(
        (&one.from, &one.to, one.both_ways),
        (&Some(Target::Node(0)), &Some(Target::Node(1)), false)
    );
    assert_eq!(one.latency, Some(LatencySpec::Constant { value: ms(200) }));
    let FaultAction::Network(all) = actions[1] else {
        panic!("{:?}", actions[1])
    };
    assert_eq!((&all.from, &all.to, all.both_ways), (&None, &None, true));
    assert_eq!(all.messages, vec!["AppendEntries", "Vote"]);
    assert_eq!(
        (all.loss, all.duplicate),
        (Some(probability(0.5)), Some(probability(0.1)))
    );
    let FaultAction::Partition(PartitionSpec::Targets(groups)) = actions[2] else {
        panic!("{:?}", actions[2])
    };
    assert_eq!(groups.len(), 2);
    assert_eq!(role(&groups[0][0]), Some("leader"));
    assert!(
        matches!(&groups[0][1], Target::Relative { role, offset: 1 } if role.get_ref() == "leader")
    );
    assert_eq!(
        (&groups[0][2], &groups[1][0]),
        (&Target::Client(0), &Target::Random)
    );
    assert_eq!(s.faults[2].in_flight, InFlight::Drop);
    assert!(matches!(
        actions[3],
        FaultAction::HealNode(Target::Relative { offset: 2, .. })
    ));
    assert_eq!(
        actions[4],
        &FaultAction::HealLink {
            from: Target::Node(0),
            to: Target::Client(1),
            both_ways: false
        }
    );
    let FaultAction::HealGroup(members) = actions[5] else {
        panic!("{:?}", actions[5])
    };
    assert_eq!(
        (&members[0], role(&members[1])),
        (&Target::Node(0), Some("follower"))
    );
    assert_eq!(actions[6], &FaultAction::NetworkReset);
    assert_eq!(s.faults[7].in_flight, InFlight::Deliver);
    let nemesis = s.nemesis.as_ref().expect("a nemesis");
    assert!(nemesis.swarm);
    assert_eq!(nemesis.kinds, vec![NemesisKind::Crash, NemesisKind::Slow]);
    let again = parse("again.toml", &to_toml(&s), &Overrides::default()).expect("written back");
    let plain = |s: &Scenario| -> Vec<(SimTime, FaultAction, InFlight)> {
        s.faults
            .iter()
            .map(|f| (f.at, f.action.clone(), f.in_flight))
            .collect()
    };
    assert_eq!(plain(&again), plain(&s));
    assert_eq!(again.nemesis, s.nemesis);
}

#[test]
fn the_design_example_parses() {
    let s = load_valid("raft-design");
    assert_eq!(s.protocol.get_ref(), "raft");
    let mut params = s.protocol_params.reader();
    assert_eq!(
        params.duration_range("election_timeout", ms(1), ms(2)),
        Ok((ms(150), ms(300)))
    );
    assert_eq!(params.finish(), Ok(()));
    let nemesis = s.nemesis.expect("nemesis");
    assert_eq!(
        (nemesis.heal_after, nemesis.start, nemesis.stop),
        (secs(1), SimTime::ZERO, secs(30))
    );
    assert_eq!(s.faults.len(), 2);
}

/// Tokens that make up scenario-like text.
fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "name",
        "nodes",
        "protocol",
        "duration",
        "[network]",
        "[[faults]]",
        "[nemesis]",
        "[workload]",
        "[protocol]",
        "latency",
        "kind",
        "at",
        "crash",
        "partition",
        "=",
        " ",
        "\n",
        "\"",
        "\"5s\"",
        "\"-2s\"",
        "\"10/s\"",
        "{",
        "}",
        "[",
        "]",
        ",",
        "0",
        "1",
        "-1",
        "1.5",
        "nan",
        "true",
        "\"leader\"",
        "\"all\"",
        "\"uniform\"",
        "é",
        "#",
        ".",
        "'",
        "9999999999999999999999",
        "1979-05-27T07:32:00Z",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mangled_valid_files_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)
    ) {
        let mut bytes = std::fs::read("tests/fixtures/valid_scenarios/every-key.toml").expect("readable");
        for (index, byte) in edits {
            let at = index.index(bytes.len());
            match byte % 3 {
                0 => bytes[at] = byte,
                1 => { bytes.remove(at); }
                _ => bytes.insert(at, byte),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let result = parse("fuzz.toml", &text, &Overrides::default());
        if let Err(error) = result {
            prop_assert!(error.to_string().starts_with("fuzz.toml:"));
        }
    }

    #[test]
    fn random_toml_ish_text_never_panics(tokens in prop::collection::vec(token(), 0..80)) {
        let text: String = tokens.concat();
        let _ = parse("fuzz.toml", &text, &Overrides::default());
    }
}
