//! The bully rules, one node at a time, through short simulations.

use super::*;
use crate::faults::{FaultAction, ScheduledFault, Target};
use crate::sim::{Sim, SimTime};

fn sim(nodes: u32, faults: &[(u64, FaultAction)], bugs: &[Bug]) -> Sim<Bully> {
    let params = Params {
        bugs: bugs.iter().copied().collect(),
        ..Params::default()
    };
    let mut b = builder(params, nodes, 3).duration(SimTime::from_secs(6));
    for (at_ms, action) in faults {
        b = b.fault(ScheduledFault {
            at: SimTime::from_millis(*at_ms),
            action: action.clone(),
        });
    }
    b.build()
}

fn leaders(sim: &Sim<Bully>) -> Vec<NodeId> {
    sim.live_nodes()
        .filter(|(_, n)| n.is_leading())
        .map(|(id, _)| id)
        .collect()
}

fn node(n: u32) -> Target {
    Target::Node(NodeId(n))
}

#[test]
fn the_highest_node_wins_and_everyone_follows_it() {
    let mut s = sim(5, &[], &[]);
    s.run_until(SimTime::from_secs(2));
    assert_eq!(leaders(&s), vec![NodeId(4)]);
    for (_, n) in s.live_nodes() {
        assert_eq!(n.leader, Some(NodeId(4)));
    }
}

#[test]
fn the_next_highest_takes_over_when_the_leader_dies_and_is_bullied_back() {
    let crash = (1000, FaultAction::Crash(node(4)));
    let restart = (3000, FaultAction::Restart(node(4)));
    let mut s = sim(5, &[crash, restart], &[]);
    s.run_until(SimTime::from_millis(2500));
    assert_eq!(leaders(&s), vec![NodeId(3)]);
    s.run_until(SimTime::from_secs(4));
    assert_eq!(leaders(&s), vec![NodeId(4)]);
    assert_eq!(s.node(NodeId(3)).unwrap().leader, Some(NodeId(4)));
}

#[test]
fn without_bullying_a_restarted_highest_node_follows_a_lower_leader() {
    let crash = (1000, FaultAction::Crash(node(4)));
    let restart = (3000, FaultAction::Restart(node(4)));
    let mut s = sim(5, &[crash, restart], &[Bug::NoBully]);
    s.run_until(SimTime::from_secs(4));
    assert_eq!(leaders(&s), vec![NodeId(3)]);
    assert_eq!(s.node(NodeId(4)).unwrap().leader, Some(NodeId(3)));
}

#[test]
fn a_partition_elects_a_leader_on_each_side() {
    let split = FaultAction::Partition(crate::faults::PartitionSpec::Groups(vec![
        vec![NodeId(0), NodeId(1), NodeId(2)],
        vec![NodeId(3), NodeId(4)],
    ]));
    let mut s = sim(5, &[(1000, split)], &[]);
    s.run_until(SimTime::from_secs(2));
    assert_eq!(leaders(&s), vec![NodeId(2), NodeId(4)]);
}
