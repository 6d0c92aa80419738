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
