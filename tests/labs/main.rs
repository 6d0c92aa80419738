//! The labs: the grader itself, the instructor's commands and labs 01–04's
//! and 11–13's teeth (labs 05–10 are the `labs_05_10` binary, tests/labs/main_05_10.rs).
//!
//! - `grader`: the labs framework: scoring, panics, `--jobs`, integrity of lab files and scenario copies, README tables, `distlab lab`.
//! - `instructor`: `distlab lab batch`, `lab handout` and `lab list` (two `#[ignore]`d heavy tests).
//! - `erased`: a lab runs its node behind a vtable; the run is the same as the unwrapped reference's.
//! - `clocks`: lab 01 (logical clocks).
//! - `broadcast`: lab 02 (broadcast and gossip).
//! - `two_pc`: lab 03 (two-phase commit).
//! - `saga`: lab 04 (sagas).
//! - `leases`: lab 11 (leases and fencing tokens).
//! - `paxos`: lab 12 (Paxos: single-decree, then Multi-Paxos).
//! - `load_balancing`: lab 13 (load balancing and tail latency).
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
mod erased;
mod grader;
mod instructor;
mod leases;
mod load_balancing;
mod paxos;
mod saga;
mod two_pc;
