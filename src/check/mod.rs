//! Checks: invariants over the world and checkers over client histories.

pub mod history;
