//! Lab 08, Raft D: a linearizable key-value service on the student's Raft —
//! client requests through the log, answered once applied, client sessions
//! for exactly-once execution under retries (§8 of the Raft paper).

use crate::labs::Lab;
use std::sync::LazyLock;

/// Lab 08, as `labs/08-raft-kv/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| crate::labs::compiled_lab("08"));
