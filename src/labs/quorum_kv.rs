//! Lab 09, quorum KV: the student writes the `cp` and `ap` modes of
//! [`crate::protocols::quorum_kv`] — ABD reads and writes over majorities
//! (tags, two phases, write-back, quorum counting that ignores duplicates and
//! replies to the other phase), and sloppy quorums with hinted handoff, read
//! repair and anti-entropy — and the grader holds `cp` to linearizability and
//! `ap` to convergence, each to the availability its side of CAP promises.
//!
//! The student's node implements [`QuorumLabNode`]: a [`Node`] with a
//! constructor from the protocol's [`Params`](crate::protocols::quorum_kv::Params) and the shared [`Ring`], and
//! read-only accessors for its replica data and its hints. The reference
//! ([`KvNode`]) implements the same trait, and the checks
//! (`protocols::quorum_kv::checks`) are written against it. Placement (which
//! nodes replicate a key) comes from the ring, never from the node. The
//! primary-backup modes and session guarantees are not part of the lab: its
//! build refuses scenarios that ask for them.

use super::Lab;
use crate::check::{CheckKind, Outcome};
use crate::protocols::quorum_kv::scenario::{params, workload, FACTS};
use crate::protocols::quorum_kv::{
    analyse, builder_made, metrics, partitioned_by_client, KvNode, Mode, Placement, Ring, Session,
};
use crate::registry::{BuildFn, ProtocolEntry};
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::Invariant;
use crate::sim::{DynSim, Node, Sim};
use std::sync::{Arc, LazyLock};

pub use crate::protocols::quorum_kv::lab::QuorumLabNode;
pub use erased::{DynQuorum, MakeNode};

mod erased;

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
/// `[workload]` parameters of `quorum-kv` (the `bugs` switches are read but only
/// the reference acts on them; `mode` must be `cp` or `ap` and `session`
/// `none`), every check and metric of the reference plus `cp-available` or
/// `ap-available` and the metric `worst-client-partitioned`.
///
/// The node runs as a [`DynQuorum`]: the simulation is compiled once, here,
/// whatever `S` is; the run and its checks are those of `S` itself.
pub fn build<S: QuorumLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    build_erased(scenario, options, DynQuorum::make::<S>())
}

/// [`build`] for nodes made by `make`.
fn build_erased(
    scenario: &Scenario,
    options: &BuildOptions,
    make: MakeNode,
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
    let b = builder_made(Arc::clone(&params), scenario.nodes, scenario.seed, make).metrics(
        move |sim| {
            let mut m = metrics(sim, &place, &shared);
            let worst = worst_client(sim).map_or("-".into(), |w| format!("{:.1}%", 100.0 * w.3));
            m.push(("worst-client-partitioned".into(), worst));
            m
        },
    );
    let b = if mode == Mode::Cp {
        b.invariant(Invariant::new(
            "cp-available",
            CheckKind::AtEnd,
            cp_available::<DynQuorum>,
        ))
    } else {
        b.invariant(Invariant::new(
            "ap-available",
            CheckKind::AtEnd,
            ap_available::<DynQuorum>,
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

/// Lab 09, as `labs/09-quorum-kv/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("09"));

/// The reference build, through the lab's generic build.
pub const REFERENCE: BuildFn = build::<KvNode>;
