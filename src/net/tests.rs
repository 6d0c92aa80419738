use super::*;
use crate::base::rng::Stream;

fn net(nodes: u32, loss: f64, duplicate: f64) -> Network {
    let config = NetConfig {
        default: LinkConfig {
            latency: Latency::Constant {
                value: SimTime::from_millis(5),
            },
            loss: Ratio::from_probability(loss),
            duplicate: Ratio::from_probability(duplicate),
        },
        ..NetConfig::default()
    };
    Network::new(nodes, config)
}

#[test]
fn loss_drops_its_share_of_messages() {
    let mut n = net(2, 0.1, 0.0);
    let mut rng = Prng::new(5, Stream::Network);
    let lost = (0..100_000)
        .filter(|_| n.route(&mut rng, NodeId(0), NodeId(1), SimTime::ZERO) == Transit::Lost)
        .count();
    assert!((9_500..10_500).contains(&lost), "{lost}");
}

#[test]
fn duplication_happens_at_its_rate() {
    let mut n = net(2, 0.0, 0.05);
    let mut rng = Prng::new(6, Stream::Network);
    let dups = (0..100_000)
        .filter(|_| {
            matches!(
                n.route(&mut rng, NodeId(0), NodeId(1), SimTime::ZERO),
                Transit::Deliver {
                    duplicate: Some(_),
                    ..
                }
            )
        })
        .count();
    assert!((4_600..5_400).contains(&dups), "{dups}");
}

#[test]
fn no_message_crosses_a_partition() {
    let mut n = net(5, 0.0, 0.0);
    let mut rng = Prng::new(7, Stream::Network);
    n.partition(&[
        vec![NodeId(0), NodeId(1)],
        vec![NodeId(2), NodeId(3), NodeId(4)],
    ]);
    for a in 0..5u32 {
        for b in 0..5u32 {
            if a == b {
                continue;
            }
            let same_side = (a < 2) == (b < 2);
            let fate = n.route(&mut rng, NodeId(a), NodeId(b), SimTime::ZERO);
            assert_eq!(fate == Transit::Partitioned, !same_side, "{a}->{b}");
        }
    }
    assert!(n.has_majority_component());
    assert_eq!(n.components()[0], vec![NodeId(2), NodeId(3), NodeId(4)]);
    n.heal();
    assert!(!n.is_partitioned());
    assert_eq!(n.describe(), "healthy");
}

#[test]
fn one_way_cuts_are_one_way() {
    let mut n = net(3, 0.0, 0.0);
    let mut rng = Prng::new(8, Stream::Network);
    n.cut_one_way(NodeId(0), NodeId(1));
    assert_eq!(
        n.route(&mut rng, NodeId(0), NodeId(1), SimTime::ZERO),
        Transit::Partitioned
    );
    assert!(matches!(
        n.route(&mut rng, NodeId(1), NodeId(0), SimTime::ZERO),
        Transit::Deliver { .. }
    ));
    assert!(!n.connected(NodeId(0), NodeId(1)));
    assert!(n.connected(NodeId(1), NodeId(0)));
}

#[test]
fn isolating_a_node_leaves_no_majority_in_a_pair() {
    let mut n = net(2, 0.0, 0.0);
    n.isolate(NodeId(1));
    assert!(!n.has_majority_component());
    let mut n = net(5, 0.0, 0.0);
    n.isolate(NodeId(4));
    assert!(n.has_majority_component());
    assert_eq!(n.components().len(), 2);
}

#[test]
fn fifo_links_never_reorder() {
    let config = NetConfig {
        default: LinkConfig {
            latency: Latency::Uniform {
                min: SimTime::from_millis(1),
                max: SimTime::from_millis(50),
            },
            loss: Ratio::ZERO,
            duplicate: Ratio::from_probability(0.2),
        },
        fifo: true,
        ..NetConfig::default()
    };
    let mut n = Network::new(2, config);
    let mut rng = Prng::new(9, Stream::Network);
    let mut last = SimTime::ZERO;
    for step in 0..1000u64 {
        let now = SimTime::from_micros(step * 100);
        if let Transit::Deliver { at, duplicate } = n.route(&mut rng, NodeId(0), NodeId(1), now) {
            assert!(at >= last);
            last = at;
            if let Some(copy) = duplicate {
                assert!(copy >= at);
                last = copy;
            }
        }
    }
}

#[test]
fn non_fifo_links_do_reorder_under_jitter() {
    let config = NetConfig {
        default: LinkConfig {
            latency: Latency::Uniform {
                min: SimTime::from_millis(1),
                max: SimTime::from_millis(50),
            },
            ..LinkConfig::default()
        },
        ..NetConfig::default()
    };
    let mut n = Network::new(2, config);
    let mut rng = Prng::new(9, Stream::Network);
    let arrivals: Vec<SimTime> = (0..100u64)
        .filter_map(|step| {
            match n.route(
                &mut rng,
                NodeId(0),
                NodeId(1),
                SimTime::from_micros(step * 100),
            ) {
                Transit::Deliver { at, .. } => Some(at),
                _ => None,
            }
        })
        .collect();
    assert!(arrivals.windows(2).any(|w| w[1] < w[0]));
}

#[test]
fn per_link_overrides_apply_to_their_link_only() {
    let mut config = NetConfig::default();
    config.links.insert(
        (NodeId(0), NodeId(1)),
        LinkConfig {
            loss: Ratio::ONE,
            ..LinkConfig::default()
        },
    );
    let mut n = Network::new(3, config);
    let mut rng = Prng::new(10, Stream::Network);
    assert_eq!(
        n.route(&mut rng, NodeId(0), NodeId(1), SimTime::ZERO),
        Transit::Lost
    );
    assert!(matches!(
        n.route(&mut rng, NodeId(1), NodeId(0), SimTime::ZERO),
        Transit::Deliver { .. }
    ));
    assert!(matches!(
        n.route(&mut rng, NodeId(0), NodeId(2), SimTime::ZERO),
        Transit::Deliver { .. }
    ));
}

/// A listed message is lost, counted per directed link (every send counts,
/// also one cut by a partition), client traffic on its own links.
#[test]
fn listed_messages_are_lost_by_link_and_ordinal() {
    let (n0, n1, c0) = (
        Endpoint::Node(NodeId(0)),
        Endpoint::Node(NodeId(1)),
        Endpoint::Client(crate::base::ClientId(0)),
    );
    let mut n = net(2, 0.0, 0.0);
    n.config.lose = [(n0, n1, 2), (n0, n1, 4), (c0, n1, 1)].into();
    let mut rng = Prng::new(8, Stream::Network);
    let mut fates = Vec::new();
    for i in 0..5 {
        if i == 2 {
            n.cut_one_way(NodeId(0), NodeId(1));
        }
        fates.push(n.route(&mut rng, NodeId(0), NodeId(1), SimTime::ZERO));
        n.heal();
    }
    let lost = |t: &Transit| *t == Transit::Lost;
    assert_eq!(
        fates.iter().map(lost).collect::<Vec<_>>(),
        [false, true, false, true, false]
    );
    assert_eq!(fates[2], Transit::Partitioned);
    assert_eq!(
        n.route(&mut rng, NodeId(1), NodeId(0), SimTime::ZERO),
        Transit::Deliver {
            at: SimTime::from_millis(5),
            duplicate: None
        }
    );
    assert!(lost(&n.route_client(&mut rng, c0, n1, SimTime::ZERO)));
    assert!(!lost(&n.route_client(&mut rng, n1, c0, SimTime::ZERO)));
}

/// Random losses written out as listed ones, with the loss draws kept,
/// give the same fates and leave the stream where it was: every other
/// random draw stays the same.
#[test]
fn written_out_losses_with_kept_draws_are_the_same_run() {
    let uniform = Latency::Uniform {
        min: SimTime::from_millis(1),
        max: SimTime::from_millis(10),
    };
    let lossy = |loss: f64| NetConfig {
        default: LinkConfig {
            latency: uniform,
            loss: Ratio::from_probability(loss),
            duplicate: Ratio::from_probability(0.1),
        },
        ..NetConfig::default()
    };
    let mut random = Network::new(3, lossy(0.2));
    let mut rng = Prng::new(9, Stream::Network);
    let mut fates = Vec::new();
    let mut lose = BTreeSet::new();
    let mut count = BTreeMap::new();
    for i in 0..300u32 {
        let (from, to) = (NodeId(i % 3), NodeId((i + 1) % 3));
        let fate = random.route(&mut rng, from, to, SimTime::ZERO);
        let nth = count.entry((from, to)).or_insert(0u64);
        *nth += 1;
        if fate == Transit::Lost {
            lose.insert((Endpoint::Node(from), Endpoint::Node(to), *nth));
        }
        fates.push(fate);
    }
    assert!(lose.len() > 30, "{}", lose.len());
    let after_random = rng.next_u64();

    let mut config = lossy(0.0);
    config.lose = lose;
    config.keep_loss_draws = true;
    let mut listed = Network::new(3, config.clone());
    let mut rng = Prng::new(9, Stream::Network);
    for (i, fate) in (0..300u32).zip(&fates) {
        let (from, to) = (NodeId(i % 3), NodeId((i + 1) % 3));
        assert_eq!(
            listed.route(&mut rng, from, to, SimTime::ZERO),
            *fate,
            "{i}"
        );
    }
    assert_eq!(rng.next_u64(), after_random);

    // Without the kept draws the same list gives another run.
    config.keep_loss_draws = false;
    let mut other = Network::new(3, config);
    let mut rng = Prng::new(9, Stream::Network);
    let same = (0..300u32).zip(&fates).all(|(i, fate)| {
        let (from, to) = (NodeId(i % 3), NodeId((i + 1) % 3));
        other.route(&mut rng, from, to, SimTime::ZERO) == *fate
    });
    assert!(!same);
}
