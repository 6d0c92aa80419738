//! Lab 07, Raft C: persistence and crash recovery — term, vote, log and
//! commit index synced before anything leaves the node, read back on
//! restart; the figure-8 commit rule under crashes and partitions.

use super::build;
use crate::labs::{Case, Lab, LabBug, Part};
use crate::protocols::raft::Raft;

/// The checks every case is about: lab 06's safety checks plus durability.
const DURABLE: &[&str] = &[
    "election-safety",
    "term-never-decreases",
    "one-vote-per-term",
    "commit-never-decreases",
    "log-matching",
    "leader-completeness",
    "state-machine-safety",
    "acked-ops-applied",
    "linearizable",
];

/// Lab 07.
pub const LAB: Lab = Lab {
    id: "07",
    slug: "07-raft-persist",
    title: "Raft C: persistence and crash recovery",
    package: Some("lab-raft"),
    protocol: "raft",
    parts: &[
        Part {
            id: "A",
            title: "persist term, vote, log and commit before answering; recover on restart",
            cases: &[
                Case {
                    scenario: "scenarios/raft-crash-restart.toml",
                    seeds: (0, 50),
                    checks: DURABLE,
                    points: 15,
                },
                Case {
                    scenario: "labs/07-raft-persist/scenarios/reply-before-sync-rule.toml",
                    seeds: (0, 50),
                    checks: DURABLE,
                    points: 20,
                },
                Case {
                    scenario: "labs/07-raft-persist/scenarios/forget-vote-rule.toml",
                    seeds: (0, 50),
                    checks: DURABLE,
                    points: 15,
                },
            ],
        },
        Part {
            id: "B",
            title: "Figure 8: commit only entries of the current term, under crashes and partitions",
            cases: &[Case {
                scenario: "scenarios/raft-figure8.toml",
                seeds: (0, 100),
                checks: DURABLE,
                points: 25,
            }],
        },
        Part {
            id: "C",
            title: "an unreliable network and churn",
            cases: &[
                Case {
                    scenario: "labs/07-raft-persist/scenarios/unreliable.toml",
                    seeds: (0, 50),
                    checks: DURABLE,
                    points: 10,
                },
                Case {
                    scenario: "scenarios/raft-churn.toml",
                    seeds: (0, 50),
                    checks: DURABLE,
                    points: 15,
                },
            ],
        },
    ],
    hints: &[
        "Lab 07 continues in `labs/raft/src/lib.rs`: persist_log and persist_commit did nothing until now, and your lab 06 code already calls them where the log and the commit index change (check that it does). Write them and the `TODO lab 07 A` half of recover; then apply_client's session table (`TODO lab 07 B`).",
        "persist_log(from): write entries from..=last_index under entry_key(i), remove the keys after last_index up to stored_last (a truncation left them), set stored_last, then ctx.storage().sync(). A write that is not synced is lost on a crash (`[storage] lose_unsynced`).",
        "Call persist_log wherever the log changes — the leader's no-op, a client request, a follower's merge — and persist_commit wherever commit moves, both before the handler returns: the handler's messages (a vote, an AppendReply with a match index, a client answer) leave the node only when it returns.",
        "recover: term and vote, then entries 1, 2, ... until one is missing, then commit (never above the last index), then apply 1..=commit again — the key-value store is rebuilt from the log, it is not stored.",
        "Part B (`leader-completeness` under raft-figure8): a leader commits by counting replicas only an entry of its own term; older entries commit with it. Check the term of the entry at N, not of the last entry.",
        "Part B (`linearizable`, an operation applied twice): with crashes a client retries, and its request can reach the log twice (the old leader replicated the first copy). apply_client deduplicates with the client's session (`kv.sessions`): the same id again returns the cached result, an older one None, a newer one executes and becomes the session.",
    ],
    reference: Some(build::<Raft>),
    bugs: &[
        LabBug {
            name: "reply-before-sync",
            param: "bugs",
            value: r#"["reply-before-sync"]"#,
            breaks: &["A", "B", "C"],
        },
        LabBug {
            name: "forget-vote",
            param: "bugs",
            value: r#"["forget-vote"]"#,
            breaks: &["A", "B"],
        },
        LabBug {
            name: "commit-old-terms",
            param: "bugs",
            value: r#"["commit-old-terms"]"#,
            breaks: &["B"],
        },
    ],
    custom: None,
};
