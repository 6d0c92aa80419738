//! Lab 05, Raft A: leader election — randomized timeouts, RequestVote with
//! the term rules, one persisted vote per term, heartbeats.

use crate::labs::Lab;
use std::sync::LazyLock;

/// Lab 05, as `labs/05-raft-election/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| crate::labs::compiled_lab("05"));
