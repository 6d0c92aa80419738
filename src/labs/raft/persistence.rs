//! Lab 07, Raft C: persistence and crash recovery — term, vote, log and
//! commit index synced before anything leaves the node, read back on
//! restart; the figure-8 commit rule under crashes and partitions.

use crate::labs::Lab;
use std::sync::LazyLock;

/// Lab 07, as `labs/07-raft-persist/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| crate::labs::compiled_lab("07"));
