//! Lab 14, Raft E (optional, after lab 08): reads without the log — the
//! leader answers a read at its commit index once a ReadIndex round
//! (`ReadProbe`/`ReadAck`) that a majority acknowledged confirms it still
//! leads (the Raft dissertation, §6.4). Graded by the `reads-off-the-log`
//! check and the linearizability checker.

use crate::labs::Lab;
use std::sync::LazyLock;

/// Lab 14, as `labs/14-raft-reads/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| crate::labs::compiled_lab("14"));
