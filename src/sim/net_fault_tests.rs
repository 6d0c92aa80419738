//! Faults that change the network while the run goes: latency and loss
//! changes (per link, per message kind) and their reset, partitions that
//! drop what is in flight, partial heals, role and relative targets in
//! partition groups, and the swarm nemesis.

use super::*;
use crate::base::rng::Ratio;
use crate::faults::{
    FaultAction, HealScope, NemesisConfig, NemesisKind, NetChange, PartitionSpec, ScheduledFault,
    Target,
};
use crate::net::{Latency, LinkConfig, NetConfig};
use serde::Serialize;

/// Node 0 (the "leader") sends `Ping(k)` and `Note(k)` to nodes 1 and 2
/// every 100 ms; every node records what reaches it.
#[derive(Clone, Debug, Default)]
struct Chatter {
    leader: bool,
    got: Vec<(&'static str, u64, SimTime)>,
}

#[derive(Clone, Debug, Hash, Serialize)]
enum Msg {
    Ping(u64),
    Note(u64),
}

impl Node for Chatter {
    type Msg = Msg;
    type Timer = u64;
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.leader = ctx.id() == NodeId(0);
        if self.leader {
            ctx.set_timer(SimTime::from_millis(100), 1);
        }
    }
    fn on_message(&mut self, ctx: &mut Ctx<Self>, _from: NodeId, msg: Msg) {
        let (kind, k) = match msg {
            Msg::Ping(k) => ("Ping", k),
            Msg::Note(k) => ("Note", k),
        };
        self.got.push((kind, k, ctx.now()));
    }
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, k: u64) {
        for to in [NodeId(1), NodeId(2)] {
            ctx.send(to, Msg::Ping(k));
            ctx.send(to, Msg::Note(k));
        }
        ctx.set_timer(SimTime::from_millis(100), k + 1);
    }
    fn role(&self) -> Option<&str> {
        Some(if self.leader { "leader" } else { "follower" })
    }
}

fn ms(n: u64) -> SimTime {
    SimTime::from_millis(n)
}

fn constant(n: u64) -> Latency {
    Latency::Constant { value: ms(n) }
}

fn chatter(faults: Vec<(u64, FaultAction)>) -> Sim<Chatter> {
    let net = NetConfig {
        default: LinkConfig {
            latency: constant(5),
            ..LinkConfig::default()
        },
        ..NetConfig::default()
    };
    let mut b = SimBuilder::new(3, 1, |_, _| Chatter::default())
        .network(net)
        .duration(SimTime::from_secs(1))
        .settle(SimTime::ZERO)
        .trace_level(TraceLevel::Full);
    for (at, action) in faults {
        b = b.fault(ScheduledFault { at: ms(at), action });
    }
    let mut sim = b.build();
    sim.run_until(ms(999));
    sim
}

/// (k, delay after it was sent) of each message of `kind` that reached `node`.
fn delays(sim: &Sim<Chatter>, node: u32, kind: &str) -> Vec<(u64, u64)> {
    let got = &sim.node(NodeId(node)).expect("up").got;
    got.iter()
        .filter(|(kd, _, _)| *kd == kind)
        .map(|&(_, k, at)| (k, at.as_millis() - 100 * k))
        .collect()
}

fn change(from: Option<u32>, to: Option<u32>, both_ways: bool) -> NetChange {
    NetChange {
        from: from.map(|n| Target::Node(NodeId(n))),
        to: to.map(|n| Target::Node(NodeId(n))),
        both_ways,
        messages: Vec::new(),
        latency: None,
        loss: None,
        duplicate: None,
    }
}

#[test]
fn raising_one_links_latency_delays_its_messages_until_the_reset() {
    let slow = NetChange {
        latency: Some(constant(50)),
        ..change(Some(0), Some(1), false)
    };
    let sim = chatter(vec![
        (250, FaultAction::Network(slow)),
        (650, FaultAction::NetworkReset),
    ]);
    let to_1: Vec<u64> = delays(&sim, 1, "Ping").iter().map(|d| d.1).collect();
    assert_eq!(to_1, vec![5, 5, 50, 50, 50, 50, 5, 5, 5]);
    let to_2: Vec<u64> = delays(&sim, 2, "Ping").iter().map(|d| d.1).collect();
    assert_eq!(to_2, vec![5; 9], "the other link is untouched");
    let log = &sim.fault_log();
    assert_eq!(
        log[0].1,
        "network n0 -> n1: all messages: latency constant 50ms"
    );
    assert_eq!(
        log[1].1,
        "network reset: 1 change(s) undone, links as configured"
    );
}

#[test]
fn a_change_for_one_message_kind_leaves_the_others_alone() {
    let slow = NetChange {
        messages: vec!["Note".into()],
        latency: Some(constant(40)),
        ..change(None, None, true)
    };
    let sim = chatter(vec![(50, FaultAction::Network(slow))]);
    assert!(delays(&sim, 1, "Note").iter().all(|d| d.1 == 40));
    assert!(delays(&sim, 1, "Ping").iter().all(|d| d.1 == 5));
    assert_eq!(delays(&sim, 2, "Note").len(), 9);
}

#[test]
fn full_loss_on_one_direction_drops_its_messages_only() {
    let lossy = NetChange {
        loss: Some(Ratio::new(1, 1)),
        ..change(Some(0), Some(2), false)
    };
    let sim = chatter(vec![(350, FaultAction::Network(lossy))]);
    let to_2: Vec<u64> = delays(&sim, 2, "Ping").iter().map(|d| d.0).collect();
    assert_eq!(to_2, vec![1, 2, 3]);
    assert_eq!(delays(&sim, 1, "Ping").len(), 9);
    assert_eq!(sim.counters().dropped, 2 * 6);
}

/// Messages sent at 100 ms take 50 ms; a partition at 120 ms cuts node 1.
fn cut_while_in_flight(drop: bool) -> Sim<Chatter> {
    let slow = NetChange {
        latency: Some(constant(50)),
        ..change(None, None, true)
    };
    let cut = FaultAction::Partition(PartitionSpec::Groups(vec![vec![NodeId(1)]]));
    let cut = if drop {
        FaultAction::DropInFlight(Box::new(cut))
    } else {
        cut
    };
    chatter(vec![(0, FaultAction::Network(slow)), (120, cut)])
}

#[test]
fn a_partition_lets_what_is_in_flight_through_by_default() {
    let sim = cut_while_in_flight(false);
    assert_eq!(delays(&sim, 1, "Ping"), vec![(1, 50)]);
    assert_eq!(delays(&sim, 2, "Ping").len(), 9);
}

#[test]
fn a_partition_with_in_flight_drop_drops_what_is_on_the_wire_over_the_cut() {
    let sim = cut_while_in_flight(true);
    assert_eq!(
        delays(&sim, 1, "Ping"),
        vec![],
        "k = 1 was dropped in flight"
    );
    assert_eq!(
        delays(&sim, 2, "Ping").len(),
        9,
        "node 2's link was not cut"
    );
    let text = &sim.fault_log()[1].1;
    assert!(
        text.ends_with("dropped 2 message(s) in flight: #0 n0->n1, #1 n0->n1"),
        "{text}"
    );
    // 2 in flight, then 8 rounds of 2 messages cut at send.
    assert_eq!(sim.counters().dropped, 2 + 8 * 2);
    assert_eq!(sim.in_flight(), 0);
}

#[test]
fn healing_one_link_restores_it_and_leaves_the_others_cut() {
    let alone = FaultAction::Partition(PartitionSpec::Groups(vec![
        vec![NodeId(0)],
        vec![NodeId(1)],
        vec![NodeId(2)],
    ]));
    let heal = FaultAction::HealPart(HealScope::Link {
        from: Target::Node(NodeId(0)),
        to: Target::Node(NodeId(1)),
        both_ways: false,
    });
    let sim = chatter(vec![(150, alone), (450, heal)]);
    let to_1: Vec<u64> = delays(&sim, 1, "Ping").iter().map(|d| d.0).collect();
    assert_eq!(to_1, vec![1, 5, 6, 7, 8, 9]);
    let to_2: Vec<u64> = delays(&sim, 2, "Ping").iter().map(|d| d.0).collect();
    assert_eq!(to_2, vec![1]);
    assert!(
        !sim.network().connected(NodeId(1), NodeId(0)),
        "one way only"
    );
}

#[test]
fn healing_a_group_or_a_node_restores_their_links() {
    let alone = || {
        FaultAction::Partition(PartitionSpec::Groups(vec![
            vec![NodeId(0)],
            vec![NodeId(1)],
            vec![NodeId(2)],
        ]))
    };
    let group = FaultAction::HealPart(HealScope::Group(vec![
        Target::Role("leader".into()),
        Target::Node(NodeId(2)),
    ]));
    let sim = chatter(vec![(150, alone()), (450, group)]);
    assert_eq!(delays(&sim, 1, "Ping").len(), 1);
    assert_eq!(delays(&sim, 2, "Ping").len(), 1 + 5);
    assert!(sim.network().connected(NodeId(2), NodeId(0)));
    assert!(!sim.network().connected(NodeId(1), NodeId(2)));
    let node = FaultAction::HealPart(HealScope::Node(Target::Node(NodeId(1))));
    let sim = chatter(vec![(150, alone()), (450, node)]);
    assert_eq!(delays(&sim, 1, "Ping").len(), 1 + 5);
    assert!(sim.network().connected(NodeId(1), NodeId(2)));
    assert!(!sim.network().connected(NodeId(0), NodeId(2)));
}

#[test]
fn partition_groups_resolve_roles_and_relative_targets_when_the_fault_fires() {
    let groups = vec![vec![
        Target::Role("leader".into()),
        Target::Relative {
            role: "leader".into(),
            offset: 2,
        },
    ]];
    let sim = chatter(vec![(
        150,
        FaultAction::Partition(PartitionSpec::Targets(groups)),
    )]);
    assert_eq!(delays(&sim, 1, "Ping").len(), 1, "n1 is the rest");
    assert_eq!(delays(&sim, 2, "Ping").len(), 9, "n2 = leader+2 is with n0");
    assert_eq!(
        sim.fault_log()[0].1,
        "partition: {n0 n2} | {n1} (4 directed links cut)"
    );
}

#[test]
fn a_role_naming_a_node_already_placed_is_skipped_and_said() {
    let groups = vec![
        vec![Target::Node(NodeId(0))],
        vec![Target::Role("leader".into()), Target::Node(NodeId(1))],
    ];
    let sim = chatter(vec![(
        150,
        FaultAction::Partition(PartitionSpec::Targets(groups)),
    )]);
    let text = &sim.fault_log()[0].1;
    assert!(
        text.ends_with("(leader named no node not already placed; skipped)"),
        "{text}"
    );
    assert_eq!(delays(&sim, 1, "Ping").len(), 1);
    assert_eq!(delays(&sim, 2, "Ping").len(), 1, "n2 is a group of its own");
}

fn swarm_sim(seed: u64) -> Sim<Chatter> {
    let nemesis = NemesisConfig {
        kinds: vec![
            NemesisKind::Crash,
            NemesisKind::Partition(None),
            NemesisKind::Slow,
            NemesisKind::Loss,
        ],
        every: ms(300),
        heal_after: ms(400),
        start: SimTime::ZERO,
        stop: SimTime::from_secs(5),
        swarm: true,
    };
    let mut sim = SimBuilder::new(3, seed, |_, _| Chatter::default())
        .duration(SimTime::from_secs(5))
        .settle(SimTime::ZERO)
        .nemesis(nemesis)
        .trace_level(TraceLevel::Full)
        .build();
    sim.run_until(SimTime::from_secs(5));
    sim
}

#[test]
fn a_swarm_nemesis_draws_its_mix_from_the_seed_and_states_it() {
    let a = swarm_sim(3);
    let b = swarm_sim(3);
    assert_eq!(a.trace().hash(), b.trace().hash());
    let first = a
        .trace()
        .entries()
        .find(|e| e.event.kind() == "control")
        .map(|e| e.event.label());
    let mix = a.nemesis.swarm.as_ref().expect("drawn").0.to_string();
    assert_eq!(first, Some(format!("nemesis swarm mix: {mix}")));
    let report = a.report();
    let metric = report.metrics.iter().find(|(k, _)| k == "nemesis-swarm");
    assert_eq!(metric.map(|(_, v)| v.clone()), Some(mix));
    let mixes: std::collections::BTreeSet<String> = (0..12)
        .map(|seed| {
            swarm_sim(seed)
                .nemesis
                .swarm
                .as_ref()
                .expect("drawn")
                .0
                .to_string()
        })
        .collect();
    assert!(mixes.len() >= 10, "{mixes:?}");
}

#[test]
fn a_swarm_with_overlap_keeps_several_faults_in_force_at_once() {
    let most = (0..30)
        .map(|seed| {
            let sim = swarm_sim(seed);
            let mix = &sim.nemesis.swarm.as_ref().expect("drawn").0;
            let mut active = 0i64;
            let mut peak = 0i64;
            for e in sim.trace().entries() {
                let label = e.event.label();
                if label.starts_with("nemesis undo: ") {
                    active -= 1;
                } else if label.starts_with("nemesis: ") && !label.contains("nothing") {
                    active += 1;
                }
                peak = peak.max(active);
            }
            assert!(
                peak <= i64::from(mix.overlap),
                "seed {seed}: {peak} > {}",
                mix.overlap
            );
            peak
        })
        .max();
    assert!(most >= Some(2), "no seed overlapped two faults");
}

/// A nemesis of `slow-node` faults only, on nodes that take time, with
/// `blast_radius` as an experiment's (none: every node).
fn slow_node_sim(seed: u64, blast_radius: Option<Vec<NodeId>>) -> Sim<Chatter> {
    let nemesis = NemesisConfig {
        kinds: vec![NemesisKind::SlowNode],
        every: ms(300),
        heal_after: ms(400),
        start: SimTime::ZERO,
        stop: SimTime::from_secs(5),
        swarm: false,
    };
    let mut builder = SimBuilder::new(3, seed, |_, _| Chatter::default())
        .duration(SimTime::from_secs(5))
        .settle(SimTime::ZERO)
        .service(ServiceConfig {
            requests: true,
            time: constant(1),
            workers: 1,
            nodes: None,
        })
        .nemesis(nemesis);
    if let Some(radius) = blast_radius {
        builder = builder.experiment(crate::check::Experiment {
            hypothesis: Vec::new(),
            windows: crate::check::WindowSpec::Phases {
                warmup: SimTime::ZERO,
                recovery: SimTime::ZERO,
            },
            blast_radius: Some(radius),
            abort: Vec::new(),
        });
    }
    let mut sim = builder.build();
    sim.run_until(SimTime::from_secs(5));
    sim
}

/// (node, factor, duration in ms) of each `slow` the nemesis applied.
fn slowed(sim: &Sim<Chatter>) -> Vec<(String, u32, u64)> {
    sim.fault_log()
        .iter()
        .map(|(_, text)| {
            let words: Vec<&str> = text.split(' ').collect();
            assert_eq!(words[0], "slow", "{text}");
            let factor = words[2].trim_start_matches('x').parse().expect("factor");
            let duration: SimTime = words[4].parse().expect("duration");
            (
                words[1].to_string(),
                factor,
                duration.as_nanos() / 1_000_000,
            )
        })
        .collect()
}

#[test]
fn the_slow_node_nemesis_draws_factor_and_duration_from_the_seed() {
    let a = slowed(&slow_node_sim(5, None));
    assert_eq!(a, slowed(&slow_node_sim(5, None)), "same seed, same faults");
    assert!(a.len() >= 5, "{a:?}");
    assert!(a
        .iter()
        .all(|(_, f, d)| (2..=20).contains(f) && (200..=400).contains(d)));
    let factors: std::collections::BTreeSet<u32> = a.iter().map(|s| s.1).collect();
    assert!(factors.len() > 1, "factors vary: {a:?}");
    let nodes: std::collections::BTreeSet<&str> = a.iter().map(|s| s.0.as_str()).collect();
    assert!(nodes.len() > 1, "nodes vary: {a:?}");
    // With a blast radius the nemesis picks inside it only.
    let inside = slowed(&slow_node_sim(5, Some(vec![NodeId(1)])));
    assert!(inside.len() >= 5);
    assert!(inside.iter().all(|(n, _, _)| n == "n1"), "{inside:?}");
}
