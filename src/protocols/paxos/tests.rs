//! Paxos's rules, through short simulations.

use super::*;
use crate::faults::{FaultAction, ScheduledFault, Target};
use crate::sim::{Sim, SimTime};

fn sim(nodes: u32, params: Params, faults: &[(u64, FaultAction)]) -> Sim<Paxos> {
    let mut b = builder(params, nodes, 5).duration(SimTime::from_secs(4));
    for (at_ms, action) in faults {
        b = b.fault(ScheduledFault {
            at: SimTime::from_millis(*at_ms),
            action: action.clone(),
        });
    }
    b.build()
}

fn leaders(sim: &Sim<Paxos>) -> Vec<NodeId> {
    sim.live_nodes()
        .filter(|(_, n)| n.is_leader())
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn one_leader_is_elected_and_every_node_follows_it() {
    let mut s = sim(5, Params::default(), &[]);
    s.run_until(SimTime::from_secs(1));
    let l = leaders(&s);
    assert_eq!(l.len(), 1, "{l:?}");
    for (_, n) in s.live_nodes() {
        assert_eq!(n.leader, Some(l[0]));
        assert_eq!(n.promised, s.node(l[0]).unwrap().ballot);
    }
}

#[test]
fn a_new_leader_takes_a_higher_ballot_after_the_leader_crashes() {
    let mut s = sim(5, Params::default(), &[]);
    s.run_until(SimTime::from_secs(1));
    let first = leaders(&s)[0];
    let ballot = s.node(first).unwrap().ballot;
    let mut s = sim(
        5,
        Params::default(),
        &[(1000, FaultAction::Crash(Target::Node(first)))],
    );
    s.run_until(SimTime::from_secs(2));
    let second = leaders(&s);
    assert_eq!(second.len(), 1);
    assert_ne!(second[0], first);
    assert!(s.node(second[0]).unwrap().ballot > ballot);
}

#[test]
fn a_restarted_node_keeps_its_promise_and_round() {
    let mut s = sim(3, Params::default(), &[]);
    s.run_until(SimTime::from_secs(1));
    let l = leaders(&s)[0];
    let (promised, round) = {
        let n = s.node(l).unwrap();
        (n.promised, n.round)
    };
    let faults = [
        (1000, FaultAction::Crash(Target::Node(l))),
        (1001, FaultAction::Restart(Target::Node(l))),
    ];
    let mut s = sim(3, Params::default(), &faults);
    s.run_until(SimTime::from_millis(1002));
    let n = s.node(l).unwrap();
    assert!(n.promised >= promised);
    assert!(n.round >= round);
}

#[test]
fn single_decree_with_backoff_chooses_one_value() {
    let params = Params {
        mode: Mode::SingleDecree,
        proposers: 3,
        backoff: SimTime::from_millis(40),
        ..Params::default()
    };
    let mut s = sim(5, params, &[]);
    s.run_until(SimTime::from_secs(3));
    let mut values: Vec<Option<Command>> = s
        .live_nodes()
        .map(|(_, n)| n.chosen.get(&1).cloned())
        .collect();
    values.dedup();
    assert_eq!(values.len(), 1, "{values:?}");
    assert!(matches!(values.first(), Some(Some(Command::Own(_)))));
}

/// `slot_key` writes what `format!("{prefix}/{slot:012}")` writes (keys
/// already on a student's disk must keep their names and order).
#[test]
fn slot_keys_are_the_formatted_ones() {
    for slot in [
        0,
        1,
        9,
        10,
        99,
        123_456,
        999_999_999_999,
        1_000_000_000_000,
        u64::MAX,
    ] {
        assert_eq!(lab::slot_key("chosen", slot), format!("chosen/{slot:012}"));
        assert_eq!(lab::accepted_key(slot), format!("accepted/{slot:012}"));
    }
}
