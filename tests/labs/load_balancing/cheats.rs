//! Lab 13's cheat catalogue: strategies that fake balancing. Each must
//! score 0 on every part it does not really implement and at most 10%
//! overall (`tests/support/labs/cheats.rs`), or lose the part named in its
//! test.

use super::solution::Strategies as S;
use distlab::labs::load_balancing::{BalancingRules, Prng};
use std::cell::RefCell;

/// Always instance 0, whatever is eligible or loaded: fine for a light
/// load on equal instances, hopeless when instance 0 is the one that must
/// carry a tenth of a heavy load, or when another is slow.
pub struct AlwaysFirst;
impl BalancingRules for AlwaysFirst {
    fn round_robin(_: &mut usize, _: &[bool]) -> Option<usize> {
        Some(0)
    }
    fn random(_: &[bool], _: &mut Prng) -> Option<usize> {
        Some(0)
    }
    fn least_outstanding(_: &[u32], _: &[bool], _: &mut Prng) -> Option<usize> {
        Some(0)
    }
    fn two_choices(_: &[u32], _: &[bool], _: &mut Prng) -> Option<(usize, usize)> {
        Some((0, 0))
    }
    fn ring_points(_: usize, _: u32) -> Vec<u64> {
        vec![0]
    }
    fn ring_owner(_: &[(u64, usize)], _: u64, _: &[bool]) -> Option<usize> {
        Some(0)
    }
}

/// Answers an index past the last instance: must be a clear failure of
/// the request and the check `picks-in-range`, never a panic that takes
/// the grader down.
pub struct OutOfRange;
impl BalancingRules for OutOfRange {
    fn round_robin(_: &mut usize, eligible: &[bool]) -> Option<usize> {
        Some(eligible.len())
    }
    fn random(eligible: &[bool], _: &mut Prng) -> Option<usize> {
        Some(eligible.len() + 7)
    }
    fn least_outstanding(loads: &[u32], _: &[bool], _: &mut Prng) -> Option<usize> {
        Some(loads.len())
    }
    fn two_choices(loads: &[u32], _: &[bool], _: &mut Prng) -> Option<(usize, usize)> {
        Some((usize::MAX, loads.len()))
    }
    fn ring_points(instance: usize, virtual_nodes: u32) -> Vec<u64> {
        S::ring_points(instance, virtual_nodes)
    }
    fn ring_owner(_: &[(u64, usize)], _: u64, eligible: &[bool]) -> Option<usize> {
        Some(eligible.len() * 2)
    }
}

thread_local! {
    /// The most loaded instance any call has seen, outside the simulation:
    /// learnt in one run, used in the next (the slow instance is always n5).
    static SLOWEST: RefCell<Option<(u32, usize)>> = const { RefCell::new(None) };
}

/// Remembers across runs, in a `thread_local`, the instance it saw most
/// loaded and never picks it again: it "knows" which instance will turn
/// slow before the fault comes. Honest in parts A and C. A run then
/// depends on which runs came before it on the same thread, and the
/// grader's determinism check (seeds re-run on a fresh thread) sees it.
pub struct Clairvoyant;
impl Clairvoyant {
    fn learn(loads: &[u32]) -> Option<usize> {
        SLOWEST.with(|s| {
            let mut s = s.borrow_mut();
            if let Some((i, &load)) = loads.iter().enumerate().max_by_key(|(_, l)| **l) {
                if s.is_none_or(|(most, _)| load > most) {
                    *s = Some((load, i));
                }
            }
            s.map(|(_, i)| i)
        })
    }
    fn without(eligible: &[bool], avoid: Option<usize>) -> Vec<bool> {
        let mut e = eligible.to_vec();
        if let Some(i) = avoid.filter(|&i| i < e.len()) {
            if e.iter().filter(|&&x| x).count() > 1 {
                e[i] = false;
            }
        }
        e
    }
}
impl BalancingRules for Clairvoyant {
    fn round_robin(cursor: &mut usize, eligible: &[bool]) -> Option<usize> {
        S::round_robin(cursor, eligible)
    }
    fn random(eligible: &[bool], rng: &mut Prng) -> Option<usize> {
        S::random(eligible, rng)
    }
    fn least_outstanding(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<usize> {
        let avoid = Self::learn(loads);
        S::least_outstanding(loads, &Self::without(eligible, avoid), rng)
    }
    fn two_choices(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<(usize, usize)> {
        let avoid = Self::learn(loads);
        S::two_choices(loads, &Self::without(eligible, avoid), rng)
    }
    fn ring_points(instance: usize, virtual_nodes: u32) -> Vec<u64> {
        S::ring_points(instance, virtual_nodes)
    }
    fn ring_owner(ring: &[(u64, usize)], key_hash: u64, eligible: &[bool]) -> Option<usize> {
        S::ring_owner(ring, key_hash, eligible)
    }
}
