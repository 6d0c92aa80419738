//! Lab 08, Raft D: a linearizable key-value service on the student's Raft —
//! client requests through the log, answered once applied, client sessions
//! for exactly-once execution under retries (§8 of the Raft paper).

use super::build;
use crate::labs::{Case, Lab, LabBug, Part};
use crate::protocols::raft::Raft;

/// The checks every case is about: the client history and the applied
/// state, plus the log and durability checks of labs 05–07.
const SERVICE: &[&str] = &[
    "linearizable",
    "acked-ops-applied",
    "client-op-applied",
    "state-machine-safety",
    "log-matching",
    "leader-completeness",
    "commit-never-decreases",
];

/// Lab 08.
pub const LAB: Lab = Lab {
    id: "08",
    slug: "08-raft-kv",
    title: "Raft D: a linearizable key-value service",
    package: Some("lab-raft"),
    protocol: "raft",
    parts: &[
        Part {
            id: "A",
            title: "serve clients through the log; answer only what is committed and applied",
            cases: &[
                Case {
                    scenario: "scenarios/raft-basic.toml",
                    seeds: (0, 20),
                    checks: SERVICE,
                    points: 15,
                },
                Case {
                    scenario: "labs/08-raft-kv/scenarios/apply-before-commit-rule.toml",
                    seeds: (0, 50),
                    checks: SERVICE,
                    points: 15,
                },
                Case {
                    scenario: "labs/08-raft-kv/scenarios/stale-reads.toml",
                    seeds: (0, 50),
                    checks: SERVICE,
                    points: 10,
                },
            ],
        },
        Part {
            id: "B",
            title: "exactly once: client sessions under retries",
            cases: &[
                Case {
                    scenario: "labs/08-raft-kv/scenarios/no-dedup-rule.toml",
                    seeds: (0, 50),
                    checks: SERVICE,
                    points: 15,
                },
                Case {
                    scenario: "labs/08-raft-kv/scenarios/retries.toml",
                    seeds: (0, 50),
                    checks: SERVICE,
                    points: 20,
                },
            ],
        },
        Part {
            id: "C",
            title: "the service under crashes and churn",
            cases: &[
                Case {
                    scenario: "scenarios/raft-crash-restart.toml",
                    seeds: (0, 30),
                    checks: SERVICE,
                    points: 10,
                },
                Case {
                    scenario: "scenarios/raft-churn.toml",
                    seeds: (0, 30),
                    checks: SERVICE,
                    points: 15,
                },
            ],
        },
    ],
    hints: &[
        "Lab 08 grades the service your `labs/raft/src/lib.rs` already is: the log (lab 06), durability and apply_client's sessions (lab 07), and one more block, `TODO lab 08 A` in handle_request (a retry of an applied request gets its cached answer at once). `cargo run --release -p lab-raft -- lab check 08`; a failure comes with a replay command.",
        "handle_request (given): a follower answers `Reply::Redirect(hint)` with the leader it follows (not itself); the leader appends `Command::Client(ClientCommand { client, id, op })`, persists it, records `waiting[index] = (client, id)` and replicates. The answer comes from apply_committed, through `answer`, once the entry is committed and applied — never earlier.",
        "apply_client is the session table (lab 07 B): `kv.sessions[client]` holds the last applied id and its result. Same id: return the cached result without executing. Lower id: return None. Higher: `kv.execute(&op)`, store the new session, return the result.",
        "Part B (`linearizable`, an append seen twice): a retry can reach the log twice — the old leader replicated the first copy before it fell, and the new leader appends the retry again. Deduplicate when applying (apply_client), not only when the request arrives: the first copy may not be applied yet when the retry comes.",
        "Part A `stale-reads`: a `get` is a log entry like any other. A leader answering reads from its own store may have been deposed without knowing it (cut off from the majority, still reachable by clients).",
        "Check the session in handle_request too: a retry of a request that already applied must get its cached result at once (it would also be correct to append it again; it just costs a round). And do not append a request that is already waiting in your log.",
    ],
    reference: Some(build::<Raft>),
    bugs: &[
        LabBug {
            name: "no-dedup",
            param: "bugs",
            value: r#"["no-dedup"]"#,
            breaks: &["A", "B", "C"],
        },
        LabBug {
            name: "apply-before-commit",
            param: "bugs",
            value: r#"["apply-before-commit"]"#,
            breaks: &["A", "B", "C"],
        },
    ],
    custom: None,
};
