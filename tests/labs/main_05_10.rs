//! Labs 05–10's teeth: the Raft labs (05–08: one solution cut in stages,
//! mutants, cheats), the quorum KV (09) and event sourcing (10); each
//! module's doc says what it checks.
//!
//! A binary of its own, beside `labs` (tests/labs/main.rs: the grader,
//! the instructor's commands, labs 01–04), so a cold `cargo test` compiles
//! the two halves on both cores at once: each lab node type instantiates
//! the whole engine, and the labs' node types are most of what the test
//! build compiles.

#[path = "../support/mod.rs"]
mod support;

mod cqrs;
mod quorum_kv;
mod raft;
