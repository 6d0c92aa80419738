//! Property tests: vector clocks form a partial order and merge is its
//! least upper bound; the "merge takes the minimum" bug is not.

use distlab::protocols::clocks::VClock;
use proptest::prelude::*;
use std::cmp::Ordering;

fn clock() -> impl Strategy<Value = VClock> {
    proptest::collection::vec(0u64..4, 3).prop_map(VClock)
}

fn merged(a: &VClock, b: &VClock) -> VClock {
    let mut m = a.clone();
    m.merge(b);
    m
}

proptest! {
    #[test]
    fn merge_is_commutative_associative_and_idempotent(a in clock(), b in clock(), c in clock()) {
        prop_assert_eq!(merged(&a, &b), merged(&b, &a));
        prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
        prop_assert_eq!(merged(&a, &a), a);
    }

    #[test]
    fn merge_is_the_least_upper_bound(a in clock(), b in clock(), c in clock()) {
        let m = merged(&a, &b);
        prop_assert!(a <= m && b <= m);
        if a <= c && b <= c {
            prop_assert!(m <= c);
        }
        prop_assert_eq!(a <= b, merged(&a, &b) == b);
    }

    #[test]
    fn the_order_is_a_partial_order(a in clock(), b in clock(), c in clock()) {
        prop_assert!(a <= a);
        if a <= b && b <= a {
            prop_assert_eq!(&a, &b);
        }
        if a <= b && b <= c {
            prop_assert!(a <= c);
        }
        if a.happens_before(&b) {
            prop_assert!(!b.happens_before(&a));
        }
        prop_assert_eq!(a.partial_cmp(&b), b.partial_cmp(&a).map(Ordering::reverse));
        prop_assert_eq!(a.concurrent(&b), a.partial_cmp(&b).is_none());
    }

    #[test]
    fn an_increment_happens_after(a in clock(), node in 0u32..3) {
        let mut b = a.clone();
        b.increment(distlab::sim::NodeId(node));
        prop_assert!(a.happens_before(&b));
    }
}

#[test]
fn merging_by_minimum_is_not_an_upper_bound() {
    let a = VClock(vec![1, 0, 0]);
    let b = VClock(vec![0, 1, 0]);
    let mut m = a.clone();
    m.merge_min(&b);
    assert!(
        a.partial_cmp(&m) != Some(Ordering::Less) && a != m,
        "the min-merge {m} does not cover {a}"
    );
}
