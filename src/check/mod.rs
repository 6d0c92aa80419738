//! Checks: invariants over the world and checkers over client histories.

pub mod history;
pub mod invariant;

pub use invariant::{CheckKind, CheckResult, Invariant, Outcome};
