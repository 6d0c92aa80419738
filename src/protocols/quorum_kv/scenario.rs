//! Building a quorum-KV simulation from a scenario file, and its workload.

use super::{builder, Bug, Conflict, Mode, Params, Session};
use crate::check::history::Value;
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{ClientId, DynSim, Op, Prng, Ratio};
use crate::workload::Workload;

/// What `quorum-kv` offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "quorum-kv",
    roles: &[],
    workloads: &["kv"],
    histories: &[],
};

/// Clients `put` unique values (the operation's sequence number) to one of
/// `keys` keys, or `get` one.
#[derive(Clone, Debug)]
pub struct KvWorkload {
    /// Number of keys (`k0`, `k1`, ...).
    pub keys: u64,
    /// Share of operations that are reads.
    pub read_ratio: Ratio,
}

impl Workload for KvWorkload {
    fn next_op(&self, rng: &mut Prng, _client: ClientId, sequence: u64) -> Op {
        let key = Some(format!("k{}", rng.below(self.keys.max(1))));
        let (f, value) = if rng.chance(self.read_ratio) {
            ("get", Value::Nil)
        } else {
            ("put", Value::Int(sequence as i64 + 1))
        };
        Op {
            f: f.into(),
            key,
            value,
        }
    }
}

/// The store's `[protocol]` parameters (see [`build`]).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let d = Params::default();
    let mut p = scenario.protocol_params.reader();
    let mode = p.one_of("mode", "cp", &Mode::NAMES)?;
    let nodes = u64::from(scenario.nodes.max(1));
    let n = p.u64_in("n", 3.min(nodes), 1..=nodes)? as usize;
    let r = p.u64_in("r", 2.min(n as u64), 1..=n as u64)? as usize;
    let w = p.u64_in("w", 2.min(n as u64), 1..=n as u64)? as usize;
    let conflict = p.one_of("conflict", "vclock", &["vclock", "lww"])?;
    let session = p.one_of("session", "none", &["none", "ryw", "monotonic"])?;
    let deadline = p.duration("deadline", d.deadline)?;
    let sloppy_after = p.duration("sloppy_after", d.sloppy_after)?;
    let sync = p.positive_duration("sync", d.sync)?;
    let lag = p.duration("lag", d.lag)?;
    let vnodes = p.u64_in("vnodes", 8, 1..=64)? as u32;
    let bug = p.one_of("bug", "none", &Bug::NAMES)?;
    p.finish()?;
    Ok(Params {
        mode: Mode::from_name(mode).unwrap_or(Mode::Cp),
        n,
        r,
        w,
        conflict: if conflict == "lww" {
            Conflict::LastWriterWins
        } else {
            Conflict::VectorClock
        },
        session: match session {
            "ryw" => Session::ReadYourWrites,
            "monotonic" => Session::MonotonicReads,
            _ => Session::None,
        },
        deadline,
        sloppy_after,
        sync,
        lag,
        vnodes,
        bug: Bug::from_name(bug).flatten(),
    })
}

/// `[protocol]`: `mode` (cp|ap|primary-async|primary-sync, default cp), `n`
/// (default 3), `r`, `w` (ap quorums, default 2), `conflict` (vclock|lww),
/// `session` (none|ryw|monotonic), `deadline` (400ms), `sloppy_after`
/// (60ms), `sync` (250ms), `lag` (100ms), `vnodes` (8), `bug`
/// (none|no-write-back|stale-quorum|no-handoff|no-repair).
/// `[workload] kind = "kv"`: `keys` (1..=1000, default 3), `read_ratio`
/// (default 0.5).
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    let workload = workload(scenario)?;
    let b = builder(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}

/// The `[workload]` of a scenario: `kind = "kv"` with `keys` and
/// `read_ratio` (see [`build`]).
pub fn workload(scenario: &Scenario) -> Result<Option<Box<dyn Workload>>, ScenarioError> {
    let workload: Option<Box<dyn Workload>> = match &scenario.workload {
        Some(w) => {
            let mut wp = w.params.reader();
            let keys = wp.u64_in("keys", 3, 1..=1000)?;
            let read_ratio = Ratio::from_probability(wp.f64_in("read_ratio", 0.5, 0.0..=1.0)?);
            wp.finish()?;
            Some(Box::new(KvWorkload { keys, read_ratio }))
        }
        None => None,
    };
    Ok(workload)
}
