//! The Raft labs (05–08): one solution cut in stages, mutants, cheats
//! (`raft`, see its module doc).
//!
//! A binary of its own, beside `labs` (tests/labs/main.rs), so a cold
//! `cargo test` compiles the two halves of the labs' tests on both cores at
//! once: each lab node type instantiates the whole engine, and the labs'
//! node types are most of what the test build compiles.

#[path = "../support/mod.rs"]
mod support;

mod raft;
