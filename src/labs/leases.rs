//! Lab 11, leases and fencing: the student writes the rules of
//! [`crate::protocols::lock_service`] — the service's lease rules (grant a
//! free or expired lock, renew only the current holder's lease), its
//! fencing tokens (each grant a larger one, durable before the grant), the
//! storage's fencing check, and the holder's own view of its lease (stop
//! writing before it may have expired) — and the grader runs them inside
//! the reference's nodes under crashes, restarts, pauses, lost renewals and
//! drifting or jumping clocks, judged by the protocol's checks and two of
//! the lab's own (`no-false-fencing`, `leases-alone-suffice`).
//!
//! The student's type implements [`LeaseRules`]: small pure functions
//! (plus the storage they are handed) that the nodes call through
//! [`crate::protocols::lock_service::lab::Hooks`] carried in the
//! parameters. The reference ([`Reference`]) implements the same trait and
//! goes through the same [`build`]. Bug switches act in the nodes'
//! plumbing, overriding the hooks exactly where a wrong rule would.

use super::Lab;
pub use crate::protocols::lock_service::lab::{
    build_lab as build, Acquire, LeaseRules, Reference, TOKEN_KEY,
};
use crate::protocols::lock_service::scenario::FACTS;
pub use crate::protocols::lock_service::Lease;
use crate::registry::{BuildFn, ProtocolEntry};
use std::sync::LazyLock;

/// The registry entry that runs `R` under the name `lock-service`, so the
/// shipped `lock-*` scenario files run the student's rules.
pub fn entry<R: LeaseRules>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "a lock service with leases and fencing tokens (lab 11: your implementation)",
        facts: FACTS,
        build: build::<R>,
    }
}

/// Lab 11, as `labs/11-leases-fencing/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("11"));

/// The reference build, through the lab's generic build.
pub const REFERENCE: BuildFn = build::<Reference>;
