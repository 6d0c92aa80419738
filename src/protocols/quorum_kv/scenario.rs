//! Building a quorum-KV simulation from a scenario file, and its workload.

use super::{builder, Bug, Conflict, Mode, Params, Session};
use crate::check::history::Value;
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, ParamReader, Scenario, ScenarioError};
use crate::sim::{ClientId, DynSim, Op, Prng, Ratio, SimTime};
use crate::workload::Workload;

/// What `quorum-kv` offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "quorum-kv",
    roles: &[],
    workloads: &["kv"],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// The store's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    MODE.decl,
    N.decl,
    R.decl,
    W.decl,
    CONFLICT.decl,
    SESSION.decl,
    DEADLINE.decl,
    SLOPPY_AFTER.decl,
    SYNC.decl,
    LAG.decl,
    VNODES.decl,
];

pub(crate) const MODE: Param<Mode> = Param::choice(
    "mode",
    "cp",
    "cp: ABD majorities; ap: sloppy quorums, hinted handoff; primary-async/-sync: a primary per key",
);
pub(crate) const N: Param<usize> = Param::integer(
    "n",
    3,
    1,
    256,
    "replicas per key; at most `nodes` (with fewer nodes the default is `nodes`)",
);
pub(crate) const R: Param<usize> = Param::integer(
    "r",
    2,
    1,
    256,
    "`ap` read quorum; at most `n` (the default too)",
);
pub(crate) const W: Param<usize> = Param::integer(
    "w",
    2,
    1,
    256,
    "`ap` write quorum; at most `n` (the default too)",
);
pub(crate) const CONFLICT: Param<Conflict> = Param::choice(
    "conflict",
    "vclock",
    "`ap` concurrent writes: vector-clock siblings, or last-writer-wins on the writer's clock",
);
pub(crate) const SESSION: Param<Session> = Param::choice(
    "session",
    "none",
    "primary modes: session guarantee kept by the coordinator (read-your-writes, monotonic reads)",
);
pub(crate) const DEADLINE: Param<SimTime> = Param::duration(
    "deadline",
    SimTime::from_millis(400),
    "operation deadline at the coordinator",
);
pub(crate) const SLOPPY_AFTER: Param<SimTime> = Param::duration(
    "sloppy_after",
    SimTime::from_millis(60),
    "`ap`: add fallback nodes after this without a quorum",
);
pub(crate) const SYNC: Param<SimTime> = Param::positive_duration(
    "sync",
    SimTime::from_millis(250),
    "anti-entropy and hinted-handoff period",
);
pub(crate) const LAG: Param<SimTime> = Param::duration(
    "lag",
    SimTime::from_millis(100),
    "`primary-async`: replication delay after the primary answers",
);
pub(crate) const VNODES: Param<u32> =
    Param::integer("vnodes", 8, 1, 64, "points per node on the hash ring");

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

/// The store's `[protocol]` parameters ([`PARAMS`] and `bugs`). `n` is at
/// most `nodes`, `r` and `w` at most `n`; their defaults shrink with them.
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let mode = p.get(&MODE)?;
    let nodes = u64::from(scenario.nodes.max(1));
    let quorum = |p: &mut ParamReader<'_>, param: &Param<usize>, most: u64| {
        let default = param.default_value() as u64;
        p.u64_in(param.key(), default.min(most), 1..=most)
            .map(|x| x as usize)
    };
    let n = quorum(&mut p, &N, nodes)?;
    let r = quorum(&mut p, &R, n as u64)?;
    let w = quorum(&mut p, &W, n as u64)?;
    let params = Params {
        mode,
        n,
        r,
        w,
        conflict: p.get(&CONFLICT)?,
        session: p.get(&SESSION)?,
        deadline: p.get(&DEADLINE)?,
        sloppy_after: p.get(&SLOPPY_AFTER)?,
        sync: p.get(&SYNC)?,
        lag: p.get(&LAG)?,
        vnodes: p.get(&VNODES)?,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
    };
    p.finish()?;
    Ok(params)
}

/// `[protocol]`: see [`params`]. `[workload] kind = "kv"`: `keys` (1..=1000,
/// default 3), `read_ratio` (default 0.5).
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
