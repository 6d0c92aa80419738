//! Lab 09, quorum KV: the student writes the `cp` and `ap` modes of
//! [`crate::protocols::quorum_kv`] — ABD reads and writes over majorities
//! (tags, two phases, write-back, quorum counting that ignores duplicates and
//! replies to the other phase), and sloppy quorums with hinted handoff, read
//! repair and anti-entropy — and the grader holds `cp` to linearizability and
//! `ap` to convergence, each to the availability its side of CAP promises.
//!
//! The student's node implements [`QuorumLabNode`]: a [`Node`] with a
//! constructor from the protocol's [`Params`] and the shared [`Ring`], and
//! read-only accessors for its replica data and its hints. The reference
//! ([`KvNode`]) implements the same trait, and the checks
//! (`protocols::quorum_kv::checks`) are written against it. Placement (which
//! nodes replicate a key) comes from the ring, never from the node. The
//! primary-backup modes and session guarantees are not part of the lab: its
//! build refuses scenarios that ask for them.

use super::{Case, Lab, LabBug, Part};
use crate::check::{CheckKind, Invariant, Outcome};
use crate::protocols::quorum_kv::scenario::{params, workload, FACTS};
use crate::protocols::quorum_kv::{
    analyse, builder_for, metrics, partitioned_by_client, KvNode, Mode, Placement, Ring, Session,
};
use crate::registry::ProtocolEntry;
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, Node, Sim};
use std::sync::Arc;

pub use crate::protocols::quorum_kv::lab::QuorumLabNode;

/// Least share of all operations a `cp` run must complete (`cp-available`).
pub const CP_AVAILABLE: f64 = 0.4;

/// Least share of all operations, and of those invoked during a partition,
/// an `ap` run must complete (`ap-available`).
pub const AP_AVAILABLE: f64 = 0.8;

/// `cp-available`: refusing without a majority is allowed, refusing with one
/// is not: at least [`CP_AVAILABLE`] of the operations succeed.
fn cp_available<S: Node>(sim: &Sim<S>) -> Outcome {
    let a = analyse(sim, Session::None);
    let share = a.ok as f64 / a.invoked.max(1) as f64;
    if a.invoked == 0 || share >= CP_AVAILABLE {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "only {} of {} operations succeeded ({:.0}%, at least {:.0}% expected: most operations reach a majority)",
            a.ok,
            a.invoked,
            100.0 * share,
            100.0 * CP_AVAILABLE
        ))
    }
}

/// Least share of the operations a client invoked during partitions that
/// must succeed (`ap-available`, for clients with at least
/// [`AP_CLIENT_MIN_OPS`] such operations).
pub const AP_CLIENT_AVAILABLE: f64 = 1.0 / 3.0;

/// Operations a client must have invoked during partitions to be judged.
pub const AP_CLIENT_MIN_OPS: usize = 5;

/// The worst client's share of successful operations among those it invoked
/// during partitions (clients with at least [`AP_CLIENT_MIN_OPS`]), with
/// its counts.
fn worst_client<S: Node>(sim: &Sim<S>) -> Option<(u64, usize, usize, f64)> {
    partitioned_by_client(sim)
        .into_iter()
        .filter(|(_, (invoked, _))| *invoked >= AP_CLIENT_MIN_OPS)
        .map(|(c, (invoked, ok))| (c, invoked, ok, ok as f64 / invoked as f64))
        .min_by(|a, b| a.3.total_cmp(&b.3).then(a.0.cmp(&b.0)))
}

/// `ap-available`: at least [`AP_AVAILABLE`] of all operations succeed, and
/// no client is left without service during a partition: each one gets at
/// least [`AP_CLIENT_AVAILABLE`] of what it asked then (a coordinator whose
/// replicas are out of reach falls back to other nodes: sloppy quorums).
/// Judged per client because a client stuck on a failing coordinator waits
/// out a deadline per operation and so invokes few of them.
fn ap_available<S: Node>(sim: &Sim<S>) -> Outcome {
    let a = analyse(sim, Session::None);
    let all = a.ok as f64 / a.invoked.max(1) as f64;
    if a.invoked > 0 && all < AP_AVAILABLE {
        return Outcome::Fail(format!(
            "only {} of {} operations succeeded ({:.0}%, at least {:.0}% expected)",
            a.ok,
            a.invoked,
            100.0 * all,
            100.0 * AP_AVAILABLE
        ));
    }
    match worst_client(sim) {
        Some((client, invoked, ok, share)) if share < AP_CLIENT_AVAILABLE => {
            Outcome::Fail(format!(
                "client {client} got only {ok} of the {invoked} operations it invoked during partitions ({:.0}%, at least {:.0}% expected: when the replicas are out of reach, fall back to other nodes)",
                100.0 * share,
                100.0 * AP_CLIENT_AVAILABLE
            ))
        }
        _ => Outcome::Pass,
    }
}

/// Build a quorum-KV simulation of `S` from a scenario: the `[protocol]` and
/// `[workload]` parameters of `quorum-kv` (a `bug` switch is read but only
/// the reference acts on it; `mode` must be `cp` or `ap` and `session`
/// `none`), every check and metric of the reference plus `cp-available` or
/// `ap-available` and the metric `worst-client-partitioned`.
pub fn build<S: QuorumLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    if params.mode.is_primary() || params.session != Session::None {
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            "lab 09 implements modes cp and ap without sessions; run primary-backup and session scenarios with the reference (`distlab run`)",
        ));
    }
    let workload = workload(scenario)?;
    let mode = params.mode;
    let params = Arc::new(params);
    let place = Placement {
        ring: Arc::new(Ring::new(scenario.nodes, params.vnodes)),
        n: params.n,
    };
    let shared = Arc::clone(&params);
    let b =
        builder_for::<S>(Arc::clone(&params), scenario.nodes, scenario.seed).metrics(move |sim| {
            let mut m = metrics(sim, &place, &shared);
            let worst = worst_client(sim).map_or("-".into(), |w| format!("{:.1}%", 100.0 * w.3));
            m.push(("worst-client-partitioned".into(), worst));
            m
        });
    let b = if mode == Mode::Cp {
        b.invariant(Invariant::new(
            "cp-available",
            CheckKind::AtEnd,
            cp_available::<S>,
        ))
    } else {
        b.invariant(Invariant::new(
            "ap-available",
            CheckKind::AtEnd,
            ap_available::<S>,
        ))
    };
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}

/// The registry entry that runs `S` under the name `quorum-kv`, so the
/// shipped `cp` and `ap` scenario files run the student's implementation.
pub fn entry<S: QuorumLabNode>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "a Dynamo-style store, modes cp (ABD) and ap (sloppy quorums) (lab 09: your implementation)",
        facts: FACTS,
        build: build::<S>,
    }
}

/// The checks of a `cp` case.
const CP: &[&str] = &[
    "linearizable",
    "writes-visible",
    "messages-flow",
    "cp-available",
];
/// The checks of an `ap` case with vector clocks.
const AP_VCLOCK: &[&str] = &[
    "replicas-converge",
    "no-lost-updates",
    "writes-visible",
    "messages-flow",
    "ap-available",
];
/// The checks of an `ap` case with last-writer-wins.
const AP_LWW: &[&str] = &[
    "replicas-converge",
    "writes-visible",
    "messages-flow",
    "ap-available",
];

/// Lab 09.
pub const LAB: Lab = Lab {
    id: "09",
    slug: "09-quorum-kv",
    title: "Quorum KV: ABD (cp) against sloppy quorums (ap)",
    package: Some("lab-09-quorum-kv"),
    protocol: "quorum-kv",
    parts: &[
        Part {
            id: "A",
            title: "cp: linearizable reads and writes (ABD), with loss and duplication",
            cases: &[
                Case {
                    scenario: "labs/09-quorum-kv/scenarios/cp-basic.toml",
                    seeds: (0, 50),
                    checks: CP,
                    points: 10,
                },
                Case {
                    scenario: "labs/09-quorum-kv/scenarios/cp-lossy.toml",
                    seeds: (0, 150),
                    checks: CP,
                    points: 20,
                },
            ],
        },
        Part {
            id: "B",
            title: "cp under partitions and crashes: the minority refuses",
            cases: &[
                Case {
                    scenario: "labs/09-quorum-kv/scenarios/cp-partitions.toml",
                    seeds: (0, 100),
                    checks: CP,
                    points: 15,
                },
                Case {
                    scenario: "scenarios/cap-partition.toml",
                    seeds: (0, 100),
                    checks: CP,
                    points: 10,
                },
                Case {
                    scenario: "scenarios/cap-minority-partition.toml",
                    seeds: (0, 100),
                    checks: CP,
                    points: 5,
                },
            ],
        },
        Part {
            id: "C",
            title: "ap: sloppy quorums, hinted handoff, repair; converge after healing",
            cases: &[
                Case {
                    scenario: "labs/09-quorum-kv/scenarios/ap-partition.toml",
                    seeds: (0, 100),
                    checks: AP_VCLOCK,
                    points: 15,
                },
                Case {
                    scenario: "labs/09-quorum-kv/scenarios/ap-sloppy.toml",
                    seeds: (0, 100),
                    checks: AP_VCLOCK,
                    points: 10,
                },
                Case {
                    scenario: "labs/09-quorum-kv/scenarios/ap-churn.toml",
                    seeds: (0, 100),
                    checks: AP_LWW,
                    points: 10,
                },
                Case {
                    scenario: "scenarios/cap-quorum-sweep.toml",
                    seeds: (0, 50),
                    checks: AP_LWW,
                    points: 5,
                },
            ],
        },
    ],
    hints: &[
        "Start with part A on a healthy network: `cargo run --release -p lab-09-quorum-kv -- tui labs/09-quorum-kv/scenarios/cp-basic.toml`. A cp write is two round trips (query a majority for the highest tag, store (seq + 1, me) at a majority); a read is two as well (query, then write the newest back).",
        "Count a quorum by distinct nodes, per phase: keep the replies of the current phase in a map keyed by sender, clear it when the phase changes, and drop a reply that belongs to the other phase. With duplication on, a single replica's two acks must not make a majority.",
        "The read's write-back is not an optimisation. Without it, a read can return a write that only one replica holds (its store still in flight, or lost), and the next read, from another majority, returns the older value: a new-old inversion that the `linearizable` check reports.",
        "In ap, set a `Timer::Sloppy(op)` when the operation starts. When it fires and the quorum is still short, send the same store to the first fallbacks (preference list after the n replicas), one per replica that has not acked, with `hint: Some(that replica)`; a fallback keeps it in `hints`, durably, and answers like a replica.",
        "Convergence needs three mechanisms: every `Timer::Sync`, hand each hint to its replica and drop it only on the matching `HandoffAck`; pick a random peer and send it the keys you both replicate (anti-entropy); and after an ap read, send the merged versions to the replicas whose answer differed (read repair).",
    ],
    reference: Some(build::<KvNode>),
    bugs: &[
        LabBug {
            name: "no-write-back",
            param: "bug",
            value: "\"no-write-back\"",
            breaks: &["A", "B"],
        },
        LabBug {
            name: "stale-quorum",
            param: "bug",
            value: "\"stale-quorum\"",
            breaks: &["A", "B"],
        },
        LabBug {
            // Not a defect of the reference but a setting that stands for
            // one: fallbacks are added only after the deadline, that is
            // never (a store without sloppy quorums).
            name: "no-sloppy",
            param: "sloppy_after",
            value: "\"1s\"",
            breaks: &["C"],
        },
        LabBug {
            name: "no-handoff",
            param: "bug",
            value: "\"no-handoff\"",
            breaks: &["C"],
        },
        LabBug {
            name: "no-repair",
            param: "bug",
            value: "\"no-repair\"",
            breaks: &["C"],
        },
    ],
    custom: None,
};
