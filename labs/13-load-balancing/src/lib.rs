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
        // R1 (part A): round robin. From `*cursor` on, wrapping around, the
        // first eligible instance; set the cursor one past it (wrapping) and
        // return it. `None` if no instance is eligible (leave the cursor alone
        // then).
        todo!("lab 13, R1 (part A): see the comment above")
    }

    fn random(eligible: &[bool], rng: &mut Prng) -> Option<usize> {
        // R2 (part A): any eligible instance, uniformly at random: draw with
        // `rng.index(count)` among the eligible indices (only this `rng`: it is
        // the balancer's seeded stream). `None` if none is eligible.
        todo!("lab 13, R2 (part A): see the comment above")
    }

    fn least_outstanding(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<usize> {
        // R3 (part B): an eligible instance with the fewest outstanding
        // requests (`loads[i]`), ties broken uniformly at random with `rng`
        // (always the first of a tie sends every tie to one instance). `None`
        // if none is eligible.
        todo!("lab 13, R3 (part B): see the comment above")
    }

    fn two_choices(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<(usize, usize)> {
        // R4 (part B): the power of two choices. Draw two distinct eligible
        // instances with `rng` (the second among the others), and return
        // `(picked, other)` with `picked` the less loaded (the first drawn on a
        // tie). With one eligible instance both are it; `None` with none.
        todo!("lab 13, R4 (part B): see the comment above")
    }

    fn ring_points(instance: usize, virtual_nodes: u32) -> Vec<u64> {
        // R5 (part C): the ring positions of `instance`'s `virtual_nodes`
        // points (at least one): `hash_text` of a name that differs per
        // instance and per point, e.g. `format!("{instance}#{v}")`.
        todo!("lab 13, R5 (part C): see the comment above")
    }

    fn ring_owner(ring: &[(u64, usize)], key_hash: u64, eligible: &[bool]) -> Option<usize> {
        // R6 (part C): `ring` holds every point as `(position, instance)`,
        // sorted by position. The owner of the key is the instance of the first
        // point at or after `key_hash` (`partition_point`), wrapping past the
        // end; skip points of instances that are not eligible. `None` if none
        // is eligible.
        todo!("lab 13, R6 (part C): see the comment above")
    }
}
