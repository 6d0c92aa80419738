//! Lab 06, Raft B: log replication — the AppendEntries consistency check,
//! truncating a conflicting suffix, commit by majority of current-term
//! entries only, applying in order; clients through the log.

use crate::labs::Lab;
use std::sync::LazyLock;

/// Lab 06, as `labs/06-raft-log/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| crate::labs::compiled_lab("06"));
