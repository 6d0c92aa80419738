//! Lab 13, load balancing and tail latency: the student writes the
//! balancing strategies of [`crate::protocols::load_balancing`] — round
//! robin and random (part A), least-outstanding and the power of two
//! choices (part B), a consistent-hash ring with virtual nodes (part C) —
//! and the grader runs them inside the reference's balancer, in front of
//! instances that take time (`[service]`), scoring p99 and errors against
//! targets under an even load, one slow instance, stale shared load
//! counts, a cold restart and an instance that leaves and comes back,
//! judged by the protocol's checks and three of the lab's own
//! (`picks-in-range`, `ring-keys-moved`, `ring-balanced`).
//!
//! The student's type implements [`BalancingRules`]: small pure functions
//! over the balancer's view (eligible instances, outstanding counts) and
//! its own seeded random stream, which the balancer calls through
//! [`crate::protocols::load_balancing::lab::Hooks`] carried in the
//! parameters. The reference ([`Reference`]) implements the same trait by
//! calling the strategies of `strategy.rs` and goes through the same
//! [`build`]. Bug switches act in the balancer's plumbing, overriding the
//! hooks exactly where a wrong rule would.

use super::Lab;
pub use crate::protocols::load_balancing::lab::{
    build_lab as build, ring_report, BalancingRules, Hooks, Reference, RingReport,
};
use crate::protocols::load_balancing::scenario::FACTS;
pub use crate::protocols::load_balancing::strategy::hash_text;
use crate::registry::{BuildFn, ProtocolEntry};
pub use crate::sim::Prng;
use std::sync::LazyLock;

/// The registry entry that runs `R` under the name `load-balancing`, so the
/// shipped `lb-*` scenario files run the student's strategies.
pub fn entry<R: BalancingRules>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "balancers choosing among instances that take time (lab 13: your strategies)",
        facts: FACTS,
        build: build::<R>,
    }
}

/// Lab 13, as `labs/13-load-balancing/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("13"));

/// The reference build, through the lab's generic build.
pub const REFERENCE: BuildFn = build::<Reference>;
