//! The balancing strategies, each a small pure function or struct over the
//! balancer's view: which instances are eligible (not ejected) and how
//! many requests the balancer has outstanding at each. Randomness comes
//! from the caller's [`Prng`] (a node's seeded stream), never the OS.
//!
//! - [`RoundRobin`]: the next eligible instance after the last one picked.
//! - [`random`]: any eligible instance, uniformly.
//! - [`least_outstanding`]: an eligible instance with the fewest
//!   outstanding requests, ties broken at random.
//! - [`two_choices`]: two distinct eligible instances sampled at random,
//!   the less loaded of the two (Mitzenmacher's power of two choices).
//! - [`HashRing`]: consistent hashing of the request's key over a ring of
//!   virtual nodes; an ineligible owner passes the key clockwise on.
//!
//! These are the reference's answers to lab 13 (called through
//! `lab::Reference`); a handout cuts their bodies. The strategies' names
//! and the key hash live in `kinds.rs`.

use crate::sim::Prng;

pub use super::kinds::{hash_text, Strategy};

/// The eligible instances' indices, in order.
fn eligible_indices(eligible: &[bool]) -> Vec<usize> {
    (0..eligible.len()).filter(|&i| eligible[i]).collect()
}

/// Round robin: a cursor over the instances.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundRobin {
    /// The index to try first next time.
    pub cursor: usize,
}

impl RoundRobin {
    /// The first eligible instance at or after the cursor (wrapping), and
    /// move the cursor past it; `None` if none is eligible.
    pub fn pick(&mut self, eligible: &[bool]) -> Option<usize> {
        let n = eligible.len();
        let found = (0..n)
            .map(|k| (self.cursor + k) % n)
            .find(|&i| eligible[i])?;
        self.cursor = (found + 1) % n;
        Some(found)
    }
}

/// Any eligible instance, uniformly; `None` if none is eligible.
pub fn random(eligible: &[bool], rng: &mut Prng) -> Option<usize> {
    let candidates = eligible_indices(eligible);
    if candidates.is_empty() {
        return None;
    }
    Some(candidates[rng.index(candidates.len())])
}

/// An eligible instance with the fewest outstanding requests (`loads`, one
/// per instance), ties broken uniformly at random; `None` if none is
/// eligible.
pub fn least_outstanding(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<usize> {
    let candidates = eligible_indices(eligible);
    let min = candidates.iter().map(|&i| loads[i]).min()?;
    let best: Vec<usize> = candidates
        .into_iter()
        .filter(|&i| loads[i] == min)
        .collect();
    Some(best[rng.index(best.len())])
}

/// Power of two choices: two distinct eligible instances drawn at random;
/// returns `(picked, other)`, `picked` the less loaded (the first drawn on
/// a tie). With one eligible instance both are it; `None` with none.
pub fn two_choices(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<(usize, usize)> {
    let candidates = eligible_indices(eligible);
    match candidates.len() {
        0 => None,
        1 => Some((candidates[0], candidates[0])),
        n => {
            let a = rng.index(n);
            let b = (a + 1 + rng.index(n - 1)) % n;
            let (a, b) = (candidates[a], candidates[b]);
            Some(if loads[b] < loads[a] { (b, a) } else { (a, b) })
        }
    }
}

/// The positions of instance `instance`'s `virtual_nodes` points on a
/// consistent-hash ring (at least one): the hashes of `"i#v"`.
pub fn ring_points(instance: usize, virtual_nodes: u32) -> Vec<u64> {
    (0..virtual_nodes.max(1))
        .map(|v| hash_text(&format!("{instance}#{v}")))
        .collect()
}

/// The owner of a key hashed to `key_hash` on `ring` (`(position,
/// instance)` sorted by position): the first eligible instance clockwise
/// from the key's hash, wrapping; `None` if none is eligible.
pub fn ring_owner(ring: &[(u64, usize)], key_hash: u64, eligible: &[bool]) -> Option<usize> {
    let start = ring.partition_point(|&(p, _)| p < key_hash);
    let n = ring.len();
    (0..n)
        .map(|k| ring[(start + k) % n].1)
        .find(|&i| eligible.get(i).copied().unwrap_or(false))
}

/// A consistent-hash ring: `virtual_nodes` points per instance, at the
/// hash of `"i#v"`; a key belongs to the first point at or after its hash
/// (wrapping). Adding an instance moves only the keys its new points take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashRing {
    /// (position, instance index), sorted by position.
    points: Vec<(u64, usize)>,
}

impl HashRing {
    /// A ring of instances `0..instances`.
    pub fn new(instances: usize, virtual_nodes: u32) -> Self {
        let mut ring = HashRing { points: Vec::new() };
        for i in 0..instances {
            ring.add(i, virtual_nodes);
        }
        ring
    }

    /// Put instance `index`'s virtual nodes on the ring.
    pub fn add(&mut self, index: usize, virtual_nodes: u32) {
        let points = ring_points(index, virtual_nodes);
        self.points.extend(points.into_iter().map(|p| (p, index)));
        self.points.sort_unstable();
    }

    /// The owner of `key`: the first eligible instance clockwise from the
    /// key's hash; `None` if none is eligible.
    pub fn pick(&self, key: &str, eligible: &[bool]) -> Option<usize> {
        ring_owner(&self.points, hash_text(key), eligible)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Stream;
    use proptest::prelude::*;

    fn rng(seed: u64) -> Prng {
        Prng::new(seed, Stream::Node(0))
    }

    #[test]
    fn round_robin_cycles_and_skips_the_ineligible() {
        let mut rr = RoundRobin::default();
        let all = [true; 3];
        let picks: Vec<_> = (0..4).map(|_| rr.pick(&all).unwrap()).collect();
        assert_eq!(picks, [0, 1, 2, 0]);
        let some = [true, false, true];
        let picks: Vec<_> = (0..3).map(|_| rr.pick(&some).unwrap()).collect();
        assert_eq!(picks, [2, 0, 2]);
        assert_eq!(rr.pick(&[false, false, false]), None);
    }

    #[test]
    fn random_spreads_over_the_eligible_only() {
        let mut r = rng(1);
        let eligible = [true, false, true, true];
        let mut counts = [0u32; 4];
        for _ in 0..4000 {
            counts[random(&eligible, &mut r).unwrap()] += 1;
        }
        assert_eq!(counts[1], 0);
        for i in [0, 2, 3] {
            assert!((1100..1570).contains(&counts[i]), "{counts:?}");
        }
        assert_eq!(random(&[false], &mut r), None);
    }

    #[test]
    fn least_outstanding_picks_a_minimum_and_breaks_ties_at_random() {
        let mut r = rng(2);
        let loads = [3, 1, 5, 1];
        let mut seen = [false; 4];
        for _ in 0..100 {
            let i = least_outstanding(&loads, &[true; 4], &mut r).unwrap();
            seen[i] = true;
        }
        assert_eq!(seen, [false, true, false, true]);
        // The minimum among the eligible only.
        let i = least_outstanding(&loads, &[true, false, true, false], &mut r);
        assert_eq!(i, Some(0));
    }

    #[test]
    fn two_choices_samples_two_distinct_instances() {
        let mut r = rng(3);
        for _ in 0..200 {
            let (a, b) = two_choices(&[0, 0, 0], &[true; 3], &mut r).unwrap();
            assert_ne!(a, b);
        }
        assert_eq!(two_choices(&[4, 2], &[true, false], &mut r), Some((0, 0)));
        assert_eq!(two_choices(&[4, 2], &[false, false], &mut r), None);
    }

    #[test]
    fn the_hash_ring_routes_a_key_to_the_same_instance_and_skips_the_ineligible() {
        let ring = HashRing::new(5, 16);
        let all = [true; 5];
        let owner = ring.pick("k17", &all).unwrap();
        assert_eq!(ring.pick("k17", &all), Some(owner));
        let mut without = all;
        without[owner] = false;
        let next = ring.pick("k17", &without).unwrap();
        assert_ne!(next, owner);
        // Keys spread over every instance.
        let mut counts = [0u32; 5];
        for k in 0..1000 {
            counts[ring.pick(&format!("k{k}"), &all).unwrap()] += 1;
        }
        assert!(counts.iter().all(|&c| c > 80), "{counts:?}");
    }

    #[test]
    fn the_key_hash_is_pinned() {
        // A change here would move every key of every consistent-hash run.
        assert_eq!(hash_text("k0"), 0x43db_55d3_ac26_6e8e);
    }

    proptest! {
        #[test]
        fn two_choices_never_picks_the_more_loaded_sample(
            loads in proptest::collection::vec(0u32..20, 1..12),
            seed in 0u64..1000,
        ) {
            let eligible = vec![true; loads.len()];
            let (picked, other) = two_choices(&loads, &eligible, &mut rng(seed)).unwrap();
            prop_assert!(loads[picked] <= loads[other]);
        }

        #[test]
        fn least_outstanding_never_picks_above_the_eligible_minimum(
            loads in proptest::collection::vec(0u32..20, 1..12),
            mask in proptest::collection::vec(any::<bool>(), 12),
            seed in 0u64..1000,
        ) {
            let eligible: Vec<bool> = mask[..loads.len()].to_vec();
            let min = (0..loads.len()).filter(|&i| eligible[i]).map(|i| loads[i]).min();
            let picked = least_outstanding(&loads, &eligible, &mut rng(seed));
            prop_assert_eq!(picked.map(|i| loads[i]), min);
            prop_assert!(picked.is_none_or(|i| eligible[i]));
        }

        #[test]
        fn adding_an_instance_moves_keys_only_to_it(
            instances in 1usize..10,
            keys in proptest::collection::vec("[a-z0-9]{1,8}", 1..60),
        ) {
            let before = HashRing::new(instances, 8);
            let mut after = before.clone();
            after.add(instances, 8);
            let old = vec![true; instances];
            let new = vec![true; instances + 1];
            for key in &keys {
                let was = before.pick(key, &old).unwrap();
                let now = after.pick(key, &new).unwrap();
                prop_assert!(now == was || now == instances, "{key}: {was} -> {now}");
            }
        }
    }
}
