//! Unit tests of the registry's listing rule and the caller's choices.

use super::registry::{Registration, Registry};
use super::*;

fn ms(n: u64) -> SimTime {
    SimTime::from_millis(n)
}

fn registry(entries: &[(u32, u64, u32, u32)]) -> Registry {
    let mut r = Registry::default();
    for &(id, heard_ms, streak, missed) in entries {
        r.registrations.insert(
            NodeId(id),
            Registration {
                last_heard: ms(heard_ms),
                streak,
                missed,
                answered: 0,
            },
        );
    }
    r
}

#[test]
fn the_registry_lists_only_instances_heard_within_the_ttl() {
    let params = Params::default(); // ttl 1s
    let r = registry(&[(1, 0, 1, 0), (2, 500, 1, 0), (3, 1_000, 1, 0)]);
    assert_eq!(
        r.listed(&params, ms(1_000)),
        vec![NodeId(1), NodeId(2), NodeId(3)]
    );
    assert_eq!(r.listed(&params, ms(1_001)), vec![NodeId(2), NodeId(3)]);
    assert_eq!(r.listed(&params, ms(2_001)), Vec::<NodeId>::new());
    let bug = Params {
        bugs: [Bug::NoExpiry].into(),
        ..Params::default()
    };
    assert_eq!(
        r.listed(&bug, ms(60_000)).len(),
        3,
        "no-expiry forgets nobody"
    );
}

#[test]
fn flap_damping_and_health_checks_hold_an_instance_back() {
    let params = Params {
        healthy_after: 3,
        health_check: ms(200),
        unhealthy_after: 2,
        ..Params::default()
    };
    let r = registry(&[(1, 0, 2, 0), (2, 0, 3, 0), (3, 0, 5, 2), (4, 0, 5, 1)]);
    // n1: two heartbeats of three; n3: missed two checks.
    assert_eq!(r.listed(&params, ms(10)), vec![NodeId(2), NodeId(4)]);
    let no_checks = Params {
        health_check: SimTime::ZERO,
        ..params
    };
    assert_eq!(
        r.listed(&no_checks, ms(10)),
        vec![NodeId(2), NodeId(3), NodeId(4)],
        "missed checks count only when checks are on"
    );
}

#[test]
fn clients_are_sent_to_the_callers_in_turn() {
    let params = Params::default(); // 3 instances: callers are n4.. in 6 nodes
    let callers: Vec<NodeId> = (0..4)
        .map(|c| params.caller_for(crate::sim::ClientId(c), 6))
        .collect();
    assert_eq!(callers, vec![NodeId(4), NodeId(5), NodeId(4), NodeId(5)]);
}
