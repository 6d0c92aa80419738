//! The labs: the grader itself and every lab's teeth.
//!
//! - `grader`: the labs framework: scoring, panics, `--jobs`, integrity of lab files and scenario copies, README tables, `distlab lab`.
//! - `instructor`: `distlab lab batch`, `lab handout` and `lab list` (two `#[ignore]`d heavy tests).
//! - `clocks`: lab 01 (logical clocks).
//! - `broadcast`: lab 02 (broadcast and gossip).
//! - `two_pc`: lab 03 (two-phase commit).
//! - `saga`: lab 04 (sagas).
//! - labs 05–08 (Raft) are the `labs_raft` binary (tests/labs/raft_main.rs), compiled beside this one.
//! - `quorum_kv`: lab 09 (quorum KV).
//! - `cqrs`: lab 10 (event sourcing and CQRS).
//!
//! Each lab's module: the reference and a solution earn full marks, every bug switch loses the parts it
//! breaks, the skeleton (the solution cut down) scores zero, grading is deterministic, the cheat catalogue
//! loses. Shared checks: `tests/support/labs/`. `DISTLAB_BLESS=1` rewrites generated files:
//! `cargo test --test labs -- scenario_copies readme` (lab data), `cargo test --test labs clocks::the_skeleton`
//! (a lab's skeleton and parts fixtures).

#[path = "../support/mod.rs"]
mod support;

mod broadcast;
mod clocks;
mod cqrs;
mod grader;
mod instructor;
mod quorum_kv;
mod saga;
mod two_pc;
