use super::*;

#[test]
fn ring_gives_every_node_once_in_a_stable_order() {
    let ring = Ring::new(5, 8);
    let p = ring.preference("k1");
    assert_eq!(p.len(), 5);
    let mut sorted = p.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 5);
    assert_eq!(p, Ring::new(5, 8).preference("k1"));
}

#[test]
fn merge_keeps_concurrent_vector_clock_siblings_and_one_tag_winner() {
    let mut a = VClock::new(2);
    a.increment(NodeId(0));
    let mut b = VClock::new(2);
    b.increment(NodeId(1));
    let x = Sibling {
        value: 1,
        tag: (5, 0),
        clock: a,
    };
    let y = Sibling {
        value: 2,
        tag: (3, 1),
        clock: b,
    };
    let mut both = vec![x.clone()];
    assert!(merge(&mut both, std::slice::from_ref(&y), true));
    assert_eq!(both.len(), 2);
    let mut one = vec![x.clone()];
    assert!(!merge(&mut one, std::slice::from_ref(&y), false));
    assert_eq!(one, vec![x]);
}
