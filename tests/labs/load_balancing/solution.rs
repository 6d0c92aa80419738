// SOLUTION FILE: lab 13's skeleton with every todo!() filled in, a test
// SOLUTION FILE: fixture (tests/labs/load_balancing.rs grades it). The
// SOLUTION FILE: skeleton, labs/13-load-balancing/src/lib.rs, is this file
// SOLUTION FILE: with these lines dropped and each `// SOLUTION:` ...
// SOLUTION FILE: `// END` block cut to its comment and a todo!();
// SOLUTION FILE: regenerate it with
// SOLUTION FILE: DISTLAB_BLESS=1 cargo test --test labs load_balancing::the_skeleton
//! Lab 13: load balancing and tail latency — your balancing strategies.
//!
//! Read `labs/13-load-balancing/README.md` first: it explains the system
//! (a balancer in front of instances that take time, one of which may turn
//! slow), the rules R1..R6 that the comments below refer to, and the parts.
//!
//! The balancer is given (it is the reference's,
//! `distlab::protocols::load_balancing`); it calls the six functions below
//! each time it chooses an instance for a request. `eligible[i]` says
//! whether instance `i` may be chosen (not ejected, not tried already by
//! this request). Fill in every `todo!()`; each says what goes there.
//!
//! Run your code: `cargo run --release -p lab-13-load-balancing -- tui labs/13-load-balancing/scenarios/slow-two-choices.toml`.
//! Grade it: `cargo run --release -- lab check 13`.

// The `todo!()`s leave parameters and imports unused until you fill them in.
#![allow(unused_variables, unused_imports, unreachable_code)]

use distlab::labs::load_balancing::{hash_text, BalancingRules, Prng};

/// Your strategies.
#[derive(Clone, Copy, Debug, Default)]
pub struct Strategies;

impl BalancingRules for Strategies {
    fn round_robin(cursor: &mut usize, eligible: &[bool]) -> Option<usize> {
        // SOLUTION: R1 (part A): round robin. From `*cursor` on, wrapping around, the first eligible instance; set the cursor one past it (wrapping) and return it. `None` if no instance is eligible (leave the cursor alone then).
        let n = eligible.len();
        let found = (0..n).map(|k| (*cursor + k) % n).find(|&i| eligible[i])?;
        *cursor = (found + 1) % n;
        Some(found)
        // END
    }

    fn random(eligible: &[bool], rng: &mut Prng) -> Option<usize> {
        // SOLUTION: R2 (part A): any eligible instance, uniformly at random: draw with `rng.index(count)` among the eligible indices (only this `rng`: it is the balancer's seeded stream). `None` if none is eligible.
        let candidates: Vec<usize> = (0..eligible.len()).filter(|&i| eligible[i]).collect();
        if candidates.is_empty() {
            return None;
        }
        Some(candidates[rng.index(candidates.len())])
        // END
    }

    fn least_outstanding(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<usize> {
        // SOLUTION: R3 (part B): an eligible instance with the fewest outstanding requests (`loads[i]`), ties broken uniformly at random with `rng` (always the first of a tie sends every tie to one instance). `None` if none is eligible.
        let min = (0..loads.len())
            .filter(|&i| eligible[i])
            .map(|i| loads[i])
            .min()?;
        let best: Vec<usize> = (0..loads.len())
            .filter(|&i| eligible[i] && loads[i] == min)
            .collect();
        Some(best[rng.index(best.len())])
        // END
    }

    fn two_choices(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<(usize, usize)> {
        // SOLUTION: R4 (part B): the power of two choices. Draw two distinct eligible instances with `rng` (the second among the others), and return `(picked, other)` with `picked` the less loaded (the first drawn on a tie). With one eligible instance both are it; `None` with none.
        let candidates: Vec<usize> = (0..eligible.len()).filter(|&i| eligible[i]).collect();
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
        // END
    }

    fn ring_points(instance: usize, virtual_nodes: u32) -> Vec<u64> {
        // SOLUTION: R5 (part C): the ring positions of `instance`'s `virtual_nodes` points (at least one): `hash_text` of a name that differs per instance and per point, e.g. `format!("{instance}#{v}")`.
        (0..virtual_nodes.max(1))
            .map(|v| hash_text(&format!("{instance}#{v}")))
            .collect()
        // END
    }

    fn ring_owner(ring: &[(u64, usize)], key_hash: u64, eligible: &[bool]) -> Option<usize> {
        // SOLUTION: R6 (part C): `ring` holds every point as `(position, instance)`, sorted by position. The owner of the key is the instance of the first point at or after `key_hash` (`partition_point`), wrapping past the end; skip points of instances that are not eligible. `None` if none is eligible.
        let start = ring.partition_point(|&(p, _)| p < key_hash);
        let n = ring.len();
        (0..n)
            .map(|k| ring[(start + k) % n].1)
            .find(|&i| eligible.get(i).copied().unwrap_or(false))
        // END
    }
}
