//! Lab 05, Raft A: leader election — randomized timeouts, RequestVote with
//! the term rules, one persisted vote per term, heartbeats.

use super::build;
use crate::labs::{Case, Lab, LabBug, Part};
use crate::protocols::raft::Raft;

/// Checks every election case is about: safety, a leader elected by
/// messages, kept, and followed by every node (windowed: liveness.rs).
const ELECTION: &[&str] = &[
    "election-safety",
    "leader-elected",
    "stable-leader",
    "all-follow-leader",
    "messages-delivered",
];
/// Checks of the cases where the leader is lost: a new leader in a higher
/// term, and the faults aimed at the leader find one.
const REELECTION: &[&str] = &[
    "election-safety",
    "leader-elected",
    "stable-leader",
    "all-follow-leader",
    "messages-delivered",
    "re-election",
];
/// Checks of the cases with restarts: durable term and vote, kept in
/// `ctx.storage()`.
const DURABLE: &[&str] = &[
    "election-safety",
    "stable-leader",
    "all-follow-leader",
    "re-election",
    "term-never-decreases",
    "one-vote-per-term",
    "state-in-storage",
];

/// Lab 05.
pub const LAB: Lab = Lab {
    id: "05",
    slug: "05-raft-election",
    title: "Raft A: leader election",
    package: Some("lab-raft"),
    protocol: "raft",
    parts: &[
        Part {
            id: "A",
            title: "elect a leader in a healthy cluster and keep it",
            cases: &[
                Case {
                    scenario: "labs/05-raft-election/scenarios/election-3.toml",
                    seeds: (0, 100),
                    checks: ELECTION,
                    points: 5,
                },
                Case {
                    scenario: "labs/05-raft-election/scenarios/election-5.toml",
                    seeds: (0, 100),
                    checks: ELECTION,
                    points: 10,
                },
                Case {
                    scenario: "labs/05-raft-election/scenarios/split-votes.toml",
                    seeds: (0, 200),
                    checks: ELECTION,
                    points: 5,
                },
            ],
        },
        Part {
            id: "B",
            title: "re-elect after the leader crashes or is cut off",
            cases: &[
                Case {
                    scenario: "labs/05-raft-election/scenarios/leader-crash.toml",
                    seeds: (0, 100),
                    checks: REELECTION,
                    points: 15,
                },
                Case {
                    scenario: "labs/05-raft-election/scenarios/leader-isolated.toml",
                    seeds: (0, 100),
                    checks: REELECTION,
                    points: 15,
                },
            ],
        },
        Part {
            id: "C",
            title: "elections under loss, partitions and crash-restarts (durable term and vote)",
            cases: &[
                Case {
                    scenario: "labs/05-raft-election/scenarios/lossy.toml",
                    seeds: (0, 100),
                    checks: REELECTION,
                    points: 20,
                },
                Case {
                    scenario: "labs/05-raft-election/scenarios/restarts.toml",
                    seeds: (0, 200),
                    checks: DURABLE,
                    points: 30,
                },
            ],
        },
    ],
    hints: &[
        "Start with the follower: on a RequestVote or AppendEntries with a higher term, adopt the term, forget the vote and become a follower — in every handler, before anything else. Your node is `labs/raft/src/lib.rs` (one file for labs 05–08; write the blocks marked `TODO lab 05 A` first). Then `cargo run --release -p lab-raft -- tui labs/05-raft-election/scenarios/election-3.toml`.",
        "Grant a vote only if the request's term equals yours (after adopting a higher one) and you have not voted for someone else in it; reset your election timer when you grant, and when you accept a heartbeat from the current leader.",
        "Count votes in a set of voters, not a counter: duplicated messages are real (part C). Count only `Vote` replies whose term is your current term while you are still a candidate.",
        "Draw a new random timeout (`ctx.rng().range_inclusive(min, max)` in nanoseconds) at every reset; a fixed timeout makes split votes repeat forever. Heartbeats go out every `params.heartbeat`, which is well below the minimum timeout.",
        "Parts B and C (`TODO lab 05 B`; `leader-crash` restarts the crashed leader), `one-vote-per-term` or `term-never-decreases`: write term and vote to `ctx.storage()` and call `sync()` before the handler returns (messages leave when it returns), and read them back in `recover` (called from `on_start`) — `new` runs again at every restart.",
    ],
    reference: Some(build::<Raft>),
    bugs: &[
        LabBug {
            name: "forget-vote",
            param: "bugs",
            value: r#"["forget-vote"]"#,
            breaks: &["C"],
        },
        LabBug {
            name: "reply-before-sync",
            param: "bugs",
            value: r#"["reply-before-sync"]"#,
            breaks: &["C"],
        },
    ],
    custom: None,
};
