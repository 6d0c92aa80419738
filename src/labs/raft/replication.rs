//! Lab 06, Raft B: log replication — the AppendEntries consistency check,
//! truncating a conflicting suffix, commit by majority of current-term
//! entries only, applying in order; clients through the log.

use super::build;
use crate::labs::{Case, Lab, LabBug, Part};
use crate::protocols::raft::Raft;

/// The safety checks every case is about.
const SAFETY: &[&str] = &[
    "log-matching",
    "leader-completeness",
    "state-machine-safety",
    "acked-ops-applied",
    "linearizable",
];

/// Lab 06.
pub const LAB: Lab = Lab {
    id: "06",
    slug: "06-raft-log",
    title: "Raft B: log replication",
    package: Some("lab-raft"),
    protocol: "raft",
    parts: &[
        Part {
            id: "A",
            title: "replicate, commit and apply client operations without faults",
            cases: &[Case {
                scenario: "scenarios/raft-basic.toml",
                seeds: (0, 20),
                checks: SAFETY,
                points: 30,
            }],
        },
        Part {
            id: "B",
            title: "leader changes and partitions: repair followers' logs, apply only what is committed",
            cases: &[
                Case {
                    scenario: "scenarios/raft-leader-isolated.toml",
                    seeds: (0, 10),
                    checks: SAFETY,
                    points: 15,
                },
                Case {
                    scenario: "scenarios/raft-minority-partition.toml",
                    seeds: (0, 10),
                    checks: SAFETY,
                    points: 15,
                },
                Case {
                    scenario: "labs/06-raft-log/scenarios/apply-before-commit-rule.toml",
                    seeds: (0, 20),
                    checks: SAFETY,
                    points: 15,
                },
            ],
        },
        Part {
            id: "C",
            title: "the election restriction: only an up-to-date candidate wins",
            cases: &[Case {
                scenario: "labs/06-raft-log/scenarios/vote-without-log-check-rule.toml",
                seeds: (0, 20),
                checks: SAFETY,
                points: 25,
            }],
        },
    ],
    hints: &[
        "Lab 06 continues in the same file, `labs/raft/src/lib.rs`: the blocks marked `TODO lab 06 A` replace lab 05's stand-ins (empty heartbeats, no log). Before you write any, `cargo run --release -p lab-raft -- tui scenarios/raft-basic.toml` elects a leader and clients get no answers.",
        "A new leader sets every peer's next index to its last index + 1 and its match index to 0, then appends a no-op of its own term: without it, entries of earlier terms can never commit (§5.4.2).",
        "Follower: reject unless your log has an entry at prev_index with prev_term. Then for each new entry: same index and term as yours means skip it; a different term means truncate from there, then append. Never truncate entries that match: a delayed AppendEntries must not cut off newer ones.",
        "Commit: the highest N that a majority (counting the leader's own log) holds, and only if the entry at N is of the current term. Then apply every entry up to commitIndex, in order, on every node.",
        "On a rejection, move next back (to the follower's hint + 1, never below match + 1) and re-send at once; on success, set match and next from the reply's match index, never lower than before (replies arrive out of order).",
    ],
    reference: Some(build::<Raft>),
    bugs: &[
        LabBug {
            name: "vote-without-log-check",
            param: "bugs",
            value: r#"["vote-without-log-check"]"#,
            breaks: &["C"],
        },
        LabBug {
            name: "apply-before-commit",
            param: "bugs",
            value: r#"["apply-before-commit"]"#,
            breaks: &["B"],
        },
    ],
    custom: None,
};
