//! Lab 03, two-phase commit: the student writes the coordinator and the
//! participants of [`crate::protocols::two_pc`] — durable votes and
//! decisions, recovery from the log, in-doubt queries — and the grader holds
//! them to atomicity, conservation of money and liveness under loss, crashes
//! and partitions.
//!
//! The student's node implements [`TwoPcLabNode`]: a [`Node`] with a
//! constructor from the protocol's [`Params`] and read-only accessors for its
//! records. The reference ([`TwoPc`]) implements the same trait, and the
//! checks (`protocols::two_pc::checks`) are written against it, so one set of
//! checks judges both. A crashed node is judged by its disk, so every
//! implementation shares one disk layout (see [`TwoPcLabNode`]).

use super::{Case, Lab, LabBug, Part};
use crate::check::{CheckKind, Invariant};
use crate::protocols::two_pc::scenario::{check_nodes, params, workload, FACTS};
use crate::protocols::two_pc::{
    attach_checks, outcomes_agree, DecisionRecord, Params, TwoPc, TxId, TxnRecord,
};
use crate::registry::ProtocolEntry;
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, Node, NodeId, SimBuilder};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a two-phase-commit node shows the grader.
///
/// Node 0 is the coordinator, nodes `1..n` the participants. The accessors
/// return what the node holds in memory; for a crashed node the checks read
/// its storage instead, in this layout (the skeleton provides the key
/// helpers):
///
/// - `decision/<tx>` on the coordinator: its [`DecisionRecord`];
/// - `txn/<tx>` on a participant: its [`TxnRecord`] (phase, yes vote);
/// - `account/<name>` on a participant: the account's committed entries
///   (`Vec<i64>`).
pub trait TwoPcLabNode: Node {
    /// A fresh node `id` of `nodes` (node 0 coordinates). Called at boot and
    /// at every restart, before `on_start`: what survives a crash comes back
    /// from storage in `on_start`.
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self;

    /// The coordinator's decisions by transaction, as in its log; `None` on
    /// a participant.
    fn decision_log(&self) -> Option<&BTreeMap<TxId, DecisionRecord>>;

    /// Transactions the coordinator is still collecting votes for (0 on a
    /// participant).
    fn collecting_votes(&self) -> usize;

    /// A participant's record of every transaction it has seen; `None` on
    /// the coordinator.
    fn txn_records(&self) -> Option<&BTreeMap<TxId, TxnRecord>>;

    /// A participant's committed entries of each account it holds; `None`
    /// on the coordinator.
    fn accounts(&self) -> Option<&BTreeMap<String, Vec<i64>>>;

    /// The transaction whose outcome this node recorded in its last handler
    /// (the coordinator decided it; a participant committed or aborted it),
    /// so the per-step checks look at it at once.
    fn last_decided(&self) -> Option<TxId>;

    /// Most locks this participant held at once (for a metric; default 0).
    fn locks_peak(&self) -> usize {
        0
    }
}

impl TwoPcLabNode for TwoPc {
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        TwoPc::new(params, id, nodes)
    }

    fn decision_log(&self) -> Option<&BTreeMap<TxId, DecisionRecord>> {
        self.coordinator().map(|c| &c.log)
    }

    fn collecting_votes(&self) -> usize {
        self.coordinator().map_or(0, |c| c.undecided())
    }

    fn txn_records(&self) -> Option<&BTreeMap<TxId, TxnRecord>> {
        self.participant().map(|p| &p.txns)
    }

    fn accounts(&self) -> Option<&BTreeMap<String, Vec<i64>>> {
        self.participant().map(|p| &p.accounts)
    }

    fn last_decided(&self) -> Option<TxId> {
        match (self.coordinator(), self.participant()) {
            (Some(c), _) => c.last_decision,
            (_, Some(p)) => p.last_outcome,
            _ => None,
        }
    }

    fn locks_peak(&self) -> usize {
        self.participant().map_or(0, |p| p.locks_peak)
    }
}

/// Build a two-phase-commit simulation of `S` from a scenario: the
/// `[protocol]` and `[workload]` parameters of `two-pc` (a `bug` switch is
/// read but only the reference acts on it), every check of the reference
/// plus `outcomes-agree`.
pub fn build<S: TwoPcLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = Arc::new(params(scenario)?);
    check_nodes(scenario)?;
    let workload = workload(scenario, &params)?;
    let factory = Arc::clone(&params);
    let b = SimBuilder::new(scenario.nodes, scenario.seed, move |id, n| {
        S::new(Arc::clone(&factory), id, n)
    });
    let b = attach_checks(b, params).invariant(Invariant::new(
        "outcomes-agree",
        CheckKind::AtEnd,
        outcomes_agree::<S>,
    ));
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}

/// The registry entry that runs `S` under the name `two-pc`, so the shipped
/// scenario files run the student's implementation.
pub fn entry<S: TwoPcLabNode>() -> ProtocolEntry {
    ProtocolEntry {
        summary: "two-phase commit over a sharded bank (lab 03: your implementation)",
        facts: FACTS,
        build: build::<S>,
    }
}

/// Every check the lab attaches, as each case lists them.
const ALL: &[&str] = &[
    "atomicity",
    "commit-needs-every-yes-vote",
    "outcomes-agree",
    "money-conserved",
    "serializable",
    "every-transaction-decided",
];

/// Lab 03.
pub const LAB: Lab = Lab {
    id: "03",
    slug: "03-two-phase-commit",
    title: "Two-phase commit: durable votes and decisions, recovery",
    package: Some("lab-03-two-phase-commit"),
    protocol: "two-pc",
    parts: &[
        Part {
            id: "A",
            title: "commit and abort: no crashes",
            cases: &[
                Case {
                    scenario: "scenarios/2pc-basic.toml",
                    seeds: (0, 40),
                    checks: ALL,
                    points: 15,
                },
                Case {
                    scenario: "labs/03-two-phase-commit/scenarios/lossy.toml",
                    seeds: (0, 50),
                    checks: ALL,
                    points: 15,
                },
            ],
        },
        Part {
            id: "B",
            title: "participants crash: durable votes",
            cases: &[
                Case {
                    scenario: "labs/03-two-phase-commit/scenarios/participant-crashes.toml",
                    seeds: (0, 50),
                    checks: ALL,
                    points: 15,
                },
                Case {
                    scenario: "scenarios/2pc-participant-crash.toml",
                    seeds: (0, 40),
                    checks: ALL,
                    points: 15,
                },
            ],
        },
        Part {
            id: "C",
            title: "the coordinator fails: durable decisions, in-doubt participants",
            cases: &[
                Case {
                    scenario: "scenarios/2pc-coordinator-crash.toml",
                    seeds: (0, 30),
                    checks: ALL,
                    points: 10,
                },
                Case {
                    scenario: "labs/03-two-phase-commit/scenarios/coordinator-crashes.toml",
                    seeds: (0, 50),
                    checks: ALL,
                    points: 15,
                },
                Case {
                    scenario: "labs/03-two-phase-commit/scenarios/partitions.toml",
                    seeds: (0, 50),
                    checks: ALL,
                    points: 15,
                },
            ],
        },
    ],
    hints: &[
        "Start with part A on a healthy network: `cargo run --release -p lab-03-two-phase-commit -- tui scenarios/2pc-basic.toml`. The coordinator commits only when every participant voted yes; anything else, including silence until vote_timeout, is an abort.",
        "Every handler must be idempotent: a prepare, a vote, a decision or an ack can arrive twice (duplication, or your own resend). A participant that already has a record of a transaction answers from the record instead of deciding again.",
        "The order of writes is the whole protocol. A participant puts its `txn/<tx>` record (phase Prepared, voted_yes) and calls `storage().sync()` before it sends the yes vote; the coordinator puts and syncs `decision/<tx>` before it sends the decision or answers the client. Send first and a crash in between loses a promise someone already acted on.",
        "Recovery happens in `on_start`, which also runs at boot: reload every `txn/` record, take the locks of the Prepared ones back and set their in-doubt timers; the coordinator reloads `decision/` records and resends the ones not every participant acknowledged.",
        "A prepared participant may never decide alone, however long it waits (that is the blocking problem). It asks the coordinator again every `retry`. The coordinator answers from its log, and a transaction it has no record of (and is not collecting votes for) was never committed: it logs a presumed abort and sends that.",
    ],
    reference: Some(build::<TwoPc>),
    bugs: &[
        LabBug {
            name: "send-before-log",
            param: "bug",
            value: "\"send-before-log\"",
            breaks: &["C"],
        },
        LabBug {
            name: "forget-prepared",
            param: "bug",
            value: "\"forget-prepared\"",
            breaks: &["B"],
        },
        LabBug {
            name: "presume-commit",
            param: "bug",
            value: "\"presume-commit\"",
            breaks: &["A", "B", "C"],
        },
        LabBug {
            name: "unilateral-abort",
            param: "bug",
            value: "\"unilateral-abort\"",
            breaks: &["C"],
        },
        LabBug {
            name: "early-unlock",
            param: "bug",
            value: "\"early-unlock\"",
            breaks: &["A", "B", "C"],
        },
    ],
    custom: None,
};
