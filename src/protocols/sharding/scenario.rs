//! Building a sharding simulation from a scenario file, and its workload:
//! Raft's `kv` operations with an optional hot range of keys.

use super::{builder, Bug, Params, Placement, Shard};
use crate::check::linearizability::Model;
use crate::protocols::replicated_kv::{self, KvWorkload};
use crate::scenario::engine::{self, configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, ParamReader, Scenario, ScenarioError};
use crate::sim::{ClientId, DynSim, Invariant, Op, Prng, Ratio, Sim, SimBuilder, SimTime};
use crate::workload::Workload;

/// What sharding offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "sharding",
    roles: &["controller", "server", "spare"],
    workloads: &["kv"],
    histories: &["linearizable"],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// Step budget of the linearizability search (as Raft's).
pub const HISTORY_STEPS: u64 = 5_000_000;

/// Sharding's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    PLACEMENT.decl,
    VNODES.decl,
    SERVERS.decl,
    JOIN_AT.decl,
    LEAVE_AT.decl,
    LEAVE.decl,
    CHURN_EVERY.decl,
    POLL.decl,
];

pub(crate) const PLACEMENT: Param<Placement> = Param::choice(
    "placement",
    "consistent-hash",
    "mod-n (hash mod servers), consistent-hash (a ring with `vnodes` points per server) or range (equal key ranges)",
);
pub(crate) const VNODES: Param<u32> = Param::integer(
    "vnodes",
    128,
    1,
    4096,
    "consistent-hash: ring points per server",
);
pub(crate) const SERVERS: Param<u32> = Param::integer(
    "servers",
    0,
    0,
    255,
    "servers in configuration 1, n1..=n{servers}; the other nodes are spares (0: every node but the controller n0)",
);
pub(crate) const JOIN_AT: Param<SimTime> = Param::duration(
    "join_at",
    SimTime::ZERO,
    "a spare joins at this time: the first numbered above the highest server, wrapping round (0: never)",
);
pub(crate) const LEAVE_AT: Param<SimTime> = Param::duration(
    "leave_at",
    SimTime::ZERO,
    "server `leave` leaves at this time (0: never)",
);
pub(crate) const LEAVE: Param<u32> =
    Param::integer("leave", 1, 1, 255, "the server that leaves at `leave_at`");
pub(crate) const CHURN_EVERY: Param<SimTime> = Param::duration(
    "churn_every",
    SimTime::ZERO,
    "every this long until `duration`, alternately the lowest-numbered server leaves and a spare joins (as `join_at` picks it) (0: no churn)",
);
pub(crate) const POLL: Param<SimTime> = Param::positive_duration(
    "poll",
    SimTime::from_millis(50),
    "servers ask the controller for the next configuration and resend unacknowledged handoffs this often",
);

/// `Some(t)`, or `None` for 0 ("never").
fn optional(t: SimTime) -> Option<SimTime> {
    (t > SimTime::ZERO).then_some(t)
}

/// Read `[protocol]` ([`PARAMS`] and `bugs`) for a run of `nodes` nodes
/// lasting `duration`, over `keys` keys.
pub fn params(scenario: &Scenario, keys: u64) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let nodes = scenario.nodes;
    if nodes < 2 {
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            format!(
                "sharding needs at least 2 nodes (n0 the controller, n1.. servers), got {nodes}"
            ),
        ));
    }
    let servers = match p.get(&SERVERS)? {
        0 => nodes - 1,
        n if n > nodes - 1 => {
            let message = format!(
                "servers ({n}) must be at most nodes - 1 ({}): n0 is the controller",
                nodes - 1
            );
            return Err(p.error_at("servers", message));
        }
        n => n,
    };
    let duration = scenario.duration;
    let before_end = |p: &mut ParamReader<'_>, param: &Param<SimTime>| {
        let at = optional(p.get(param)?);
        match at {
            Some(t) if t >= duration => Err(p.error_at(
                param.key(),
                format!(
                    "{} ({t}) must be before the end of the run (duration {duration})",
                    param.key()
                ),
            )),
            _ => Ok(at),
        }
    };
    let join_at = before_end(&mut p, &JOIN_AT)?;
    let leave_at = before_end(&mut p, &LEAVE_AT)?;
    let leave = p.get(&LEAVE)?;
    if leave_at.is_some() && leave >= nodes {
        let message = format!("leave ({leave}) must be a server, n1..=n{}", nodes - 1);
        return Err(p.error_at("leave", message));
    }
    let frees_one = leave_at.is_some_and(|l| join_at.is_some_and(|j| l < j));
    if join_at.is_some() && servers == nodes - 1 && !frees_one {
        let message = format!(
            "join_at needs a spare node to join: servers ({servers}) must be less than nodes - 1 ({})",
            nodes - 1
        );
        return Err(p.error_at("join_at", message));
    }
    let params = Params {
        placement: p.get(&PLACEMENT)?,
        vnodes: p.get(&VNODES)?,
        servers,
        join_at,
        leave_at,
        leave,
        churn_every: optional(p.get(&CHURN_EVERY)?),
        poll: p.get(&POLL)?,
        changes_until: duration,
        keys,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
    };
    p.finish()?;
    Ok(params)
}

/// The `kv` workload with a hot range: with probability `hot_ratio` an
/// operation goes to one of the first `hot_keys` keys (`k0..`), otherwise
/// to any key; drawn from the workload stream.
#[derive(Clone, Debug)]
pub struct ShardWorkload {
    /// Raft's and Paxos's operations.
    pub kv: KvWorkload,
    /// The hot range `k0..k{hot_keys-1}` (0: none).
    pub hot_keys: u64,
    /// The share of operations that go to the hot range.
    pub hot: Ratio,
}

impl Workload for ShardWorkload {
    fn next_op(&self, rng: &mut Prng, client: ClientId, sequence: u64) -> Op {
        let mut op = self.kv.next_op(rng, client, sequence);
        if self.hot_keys > 0 && rng.chance(self.hot) {
            op.key = Some(format!("k{}", rng.below(self.hot_keys)));
        }
        op
    }
}

/// Read `[workload]` (kind `kv`): Raft's keys (`keys`, the ratios,
/// `payload`), plus `hot_keys` (0..=keys, default 0) and `hot_ratio`
/// (0..=1, default 0).
pub fn workload(p: &mut ParamReader<'_>) -> Result<ShardWorkload, ScenarioError> {
    let kv = replicated_kv::workload(p)?;
    let hot_keys = p.u64_in("hot_keys", 0, 0..=kv.keys)?;
    let hot_ratio = p.f64_in("hot_ratio", 0.0, 0.0..=1.0)?;
    if hot_ratio > 0.0 && hot_keys == 0 {
        let message = "hot_ratio needs hot_keys: the size of the hot range k0..";
        return Err(p.error_at("hot_ratio", message));
    }
    Ok(ShardWorkload {
        kv,
        hot_keys,
        hot: Ratio::from_probability(hot_ratio),
    })
}

/// The configured builder (before `build`).
pub fn configured(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<SimBuilder<Shard>, ScenarioError> {
    let workload = match &scenario.workload {
        Some(w) => {
            let mut wp = w.params.reader();
            let shard = workload(&mut wp)?;
            wp.finish()?;
            Some(shard)
        }
        None => None,
    };
    let keys = workload.as_ref().map_or(20, |w| w.kv.keys);
    let params = params(scenario, keys)?;
    let history = engine::history_check(scenario, &FACTS)?;
    let has_clients = workload.is_some();
    let boxed: Option<Box<dyn Workload>> = workload.map(|w| Box::new(w) as Box<dyn Workload>);
    let b = builder(params, scenario.nodes, scenario.seed);
    let mut b = configure(b, scenario, &FACTS, boxed, options)?;
    if has_clients {
        b = b.invariant(Invariant::sometimes(
            "client-op-served",
            |sim: &Sim<Shard>| {
                sim.live_nodes()
                    .any(|(_, n)| n.server().is_some_and(|s| s.served > 0))
            },
        ));
    }
    if history.is_some() {
        b = b.invariant(Invariant::linearizable(Model::Kv, HISTORY_STEPS));
    }
    Ok(b)
}

/// `[protocol]`: [`PARAMS`] and `bugs`. `[workload] kind = "kv"` (Raft's,
/// with `hot_keys` and `hot_ratio`). `[check] history = "linearizable"`
/// checks the client history.
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    Ok(Box::new(configured(scenario, options)?.build()))
}

#[cfg(test)]
mod tests {
    use crate::scenario::{parse, Overrides};

    fn error(nodes: u32, protocol: &str, workload: &str) -> String {
        let text = format!(
            "name = \"x\"\ndescription = \"x\"\nnodes = {nodes}\nduration = \"10s\"\n\
             [protocol]\nname = \"sharding\"\n{protocol}\n[workload]\nkind = \"kv\"\n{workload}\n"
        );
        let scenario = parse("x.toml", &text, &Overrides::default()).expect("parses");
        match super::configured(&scenario, &Default::default()) {
            Ok(_) => "ok".into(),
            Err(e) => e.headline(),
        }
    }

    #[test]
    fn parameters_are_validated_with_their_place() {
        assert_eq!(error(5, "", ""), "ok");
        assert_eq!(
            error(5, "servers = 5", ""),
            "x.toml:7:11: servers (5) must be at most nodes - 1 (4): n0 is the controller"
        );
        assert_eq!(
            error(5, "join_at = \"2s\"", ""),
            "x.toml:7:11: join_at needs a spare node to join: servers (4) must be less than nodes - 1 (4)"
        );
        assert_eq!(
            error(5, "leave_at = \"12s\"", ""),
            "x.toml:7:12: leave_at (12s) must be before the end of the run (duration 10s)"
        );
        assert_eq!(
            error(5, "leave_at = \"2s\"\nleave = 5", ""),
            "x.toml:8:9: leave (5) must be a server, n1..=n4"
        );
        assert_eq!(
            error(5, "servers = 3\njoin_at = \"2s\"\nleave_at = \"3s\"", ""),
            "ok"
        );
        assert!(error(1, "", "").contains("needs at least 2 nodes"));
        assert_eq!(
            error(5, "", "keys = 10\nhot_ratio = 0.5"),
            "x.toml:11:13: hot_ratio needs hot_keys: the size of the hot range k0.."
        );
        assert!(error(5, "", "keys = 10\nhot_keys = 11").contains("hot_keys"));
        assert!(error(5, "placement = \"ring\"", "").contains("consistent-hash"));
    }
}
