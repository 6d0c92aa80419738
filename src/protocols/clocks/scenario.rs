//! Building the clock protocols from scenario files, and their workloads.

use super::audit::{Audit, DeliveryRule};
use super::causal::{self, CausalParams};
use super::lamport::{self, LamportParams};
use super::store::{Scheme, StoreParams};
use super::{store_checks, Bug, ClockRules, Hooks, Reference};
use crate::check::history::Value;
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{ClientId, DynSim, Op, Prng, Ratio, SimTime};
use crate::workload::Workload;
use std::collections::BTreeSet;

/// What `lamport` offers scenarios.
pub const LAMPORT_FACTS: ProtocolFacts = ProtocolFacts {
    name: "lamport",
    roles: &[],
    workloads: &["broadcast"],
    histories: &[],
    params: LAMPORT_PARAMS,
    bugs: &[Bug::NoIncrementOnSend.decl()],
};

/// What `vclock` offers scenarios.
pub const VCLOCK_FACTS: ProtocolFacts = ProtocolFacts {
    name: "vclock",
    roles: &[],
    workloads: &["broadcast"],
    histories: &[],
    params: VCLOCK_PARAMS,
    bugs: Bug::DECLS,
};

/// What `versioned-kv` offers scenarios.
pub const STORE_FACTS: ProtocolFacts = ProtocolFacts {
    name: "versioned-kv",
    roles: &[],
    workloads: &["kv"],
    histories: &[],
    params: STORE_PARAMS,
    bugs: &[Bug::MergeMin.decl()],
};

/// `lamport`'s `[protocol]` parameters.
pub const LAMPORT_PARAMS: &[ParamDecl] = &[RETRY.decl];
/// `vclock`'s `[protocol]` parameters.
pub const VCLOCK_PARAMS: &[ParamDecl] = &[RETRY.decl];
/// `versioned-kv`'s `[protocol]` parameters.
pub const STORE_PARAMS: &[ParamDecl] = &[STORE.decl, SYNC.decl];
/// `lamport`'s parameters in a lab build (with the audit's).
pub const LAMPORT_LAB_PARAMS: &[ParamDecl] = &[RETRY.decl, LAWS.decl];
/// `vclock`'s parameters in a lab build (with the audit's).
pub const VCLOCK_LAB_PARAMS: &[ParamDecl] = &[RETRY.decl, LAWS.decl, DELIVERY_RULE.decl];

const RETRY: Param<SimTime> = Param::positive_duration(
    "retry",
    SimTime::from_millis(100),
    "resend unacknowledged link messages this often",
);
const STORE: Param<Scheme> = Param::choice(
    "store",
    "vclock",
    "the scheme clients see: vector-clock siblings, or last-writer-wins by wall clock",
);
const SYNC: Param<SimTime> =
    Param::positive_duration("sync", SimTime::from_millis(200), "anti-entropy period");
const LAWS: Param<u64> = Param::integer(
    "laws",
    10,
    0,
    10_000,
    "lab 01: generated sequences each rule is audited on at start",
);
const DELIVERY_RULE: Param<DeliveryRule> = Param::choice(
    "delivery_rule",
    "yours",
    "lab 01, vclock: whose causal-delivery rule decides (yours, or the model's)",
);

/// Clients broadcast fresh values (the operation's sequence number).
#[derive(Clone, Debug)]
pub struct BroadcastWorkload;

impl Workload for BroadcastWorkload {
    fn next_op(&self, _rng: &mut Prng, _client: ClientId, sequence: u64) -> Op {
        Op {
            f: "broadcast".into(),
            key: None,
            value: Value::Int(sequence as i64),
        }
    }
}

/// Clients `put` fresh values (the sequence number) to one of `keys` keys,
/// or `get` one.
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
            ("put", Value::Int(sequence as i64))
        };
        Op {
            f: f.into(),
            key,
            value,
        }
    }
}

fn broadcast_workload(scenario: &Scenario) -> Result<Option<Box<dyn Workload>>, ScenarioError> {
    let Some(w) = &scenario.workload else {
        return Ok(None);
    };
    w.params.reader().finish()?;
    Ok(Some(Box::new(BroadcastWorkload)))
}

/// How a build runs the clock protocols: whose rules, and whether a lab's
/// audit is on. The shipped scenarios use [`ClockBuild::SHIPPED`].
#[derive(Clone, Copy, Debug)]
pub struct ClockBuild {
    /// The rules the nodes call.
    pub hooks: Hooks,
    /// A lab build: audit the rules, and accept the lab's keys (`laws`,
    /// `delivery_rule`) and every bug name of the two protocols (the
    /// grader switches one bug on for every case of a lab).
    pub lab: bool,
}

impl ClockBuild {
    /// The reference's rules, no audit.
    pub const SHIPPED: ClockBuild = ClockBuild {
        hooks: Hooks::of::<Reference>(),
        lab: false,
    };

    /// A lab build over the rules `R`.
    pub fn lab<R: ClockRules>() -> ClockBuild {
        ClockBuild {
            hooks: Hooks::of::<R>(),
            lab: true,
        }
    }

    /// `retry`, `bugs` and, for a lab build, the audit (`laws`; for
    /// `vclock`, `delivery_rule`). A lab build accepts every bug switch
    /// of the clock protocols.
    fn read(
        &self,
        scenario: &Scenario,
        facts: &ProtocolFacts,
        lab_params: &'static [ParamDecl],
    ) -> Result<(SimTime, BTreeSet<Bug>, Option<Audit>), ScenarioError> {
        let mut p = match self.lab {
            true => scenario.protocol_params.reader_for(lab_params, Bug::DECLS),
            false => facts.reader(scenario),
        };
        let retry = p.get(&RETRY)?;
        let bugs = p.bugs::<Bug>()?.into_iter().collect();
        if !self.lab {
            p.finish()?;
            return Ok((retry, bugs, None));
        }
        let laws = p.get(&LAWS)?;
        let delivery = match lab_params.contains(&DELIVERY_RULE.decl) {
            true => p.get(&DELIVERY_RULE)?,
            false => DeliveryRule::Yours,
        };
        p.finish()?;
        Ok((retry, bugs, Some(Audit { laws, delivery })))
    }
}

/// `lamport`: `[protocol]` [`LAMPORT_PARAMS`] and `bugs`;
/// `[workload] kind = "broadcast"`.
pub fn build_lamport(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    build_lamport_with(scenario, options, ClockBuild::SHIPPED)
}

/// `lamport` built as `how` says (the lab's keys: [`ClockBuild::lab`]).
pub fn build_lamport_with(
    scenario: &Scenario,
    options: &BuildOptions,
    how: ClockBuild,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let (retry, bugs, audit) = how.read(scenario, &LAMPORT_FACTS, LAMPORT_LAB_PARAMS)?;
    let hooks = how.hooks;
    let params = LamportParams {
        retry,
        bugs,
        hooks,
        audit,
    };
    let b = lamport::builder(params, scenario.nodes, scenario.seed);
    let workload = broadcast_workload(scenario)?;
    let b = configure(b, scenario, &LAMPORT_FACTS, workload, options)?;
    Ok(Box::new(b.build()))
}

/// `vclock`: `[protocol]` [`VCLOCK_PARAMS`] and `bugs`;
/// `[workload] kind = "broadcast"`.
pub fn build_vclock(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    build_vclock_with(scenario, options, ClockBuild::SHIPPED)
}

/// `vclock` built as `how` says (the lab's keys: [`ClockBuild::lab`]).
pub fn build_vclock_with(
    scenario: &Scenario,
    options: &BuildOptions,
    how: ClockBuild,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let (retry, bugs, audit) = how.read(scenario, &VCLOCK_FACTS, VCLOCK_LAB_PARAMS)?;
    let hooks = how.hooks;
    let params = CausalParams {
        retry,
        bugs,
        hooks,
        audit,
    };
    let b = causal::builder(params, scenario.nodes, scenario.seed);
    let workload = broadcast_workload(scenario)?;
    let b = configure(b, scenario, &VCLOCK_FACTS, workload, options)?;
    Ok(Box::new(b.build()))
}

/// `versioned-kv`: `[protocol]` [`STORE_PARAMS`] and `bugs`;
/// `[workload] kind = "kv"` with `keys` (1..=1000, default 2) and
/// `read_ratio` (default 0.2).
pub fn build_store(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut p = STORE_FACTS.reader(scenario);
    let scheme = p.get(&STORE)?;
    let sync = p.get(&SYNC)?;
    let bugs = p.bugs::<Bug>()?.into_iter().collect();
    p.finish()?;
    let workload: Option<Box<dyn Workload>> = match &scenario.workload {
        Some(w) => {
            let mut wp = w.params.reader();
            let keys = wp.u64_in("keys", 2, 1..=1000)?;
            let read_ratio = Ratio::from_probability(wp.f64_in("read_ratio", 0.2, 0.0..=1.0)?);
            wp.finish()?;
            Some(Box::new(KvWorkload { keys, read_ratio }))
        }
        None => None,
    };
    let params = StoreParams { scheme, sync, bugs };
    let b = store_checks::builder(params, scenario.nodes, scenario.seed);
    let b = configure(b, scenario, &STORE_FACTS, workload, options)?;
    Ok(Box::new(b.build()))
}
