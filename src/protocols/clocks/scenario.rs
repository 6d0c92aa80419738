//! Building the clock protocols from scenario files, and their workloads.

use super::audit::{Audit, DeliveryRule};
use super::causal::{self, CausalParams};
use super::lamport::{self, LamportParams};
use super::store::{Scheme, StoreParams};
use super::{store_checks, Bug, ClockRules, Hooks, Reference};
use crate::check::history::Value;
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{ParamReader, Scenario, ScenarioError};
use crate::sim::{ClientId, DynSim, Op, Prng, Ratio, SimTime};
use crate::workload::Workload;

/// What `lamport` offers scenarios.
pub const LAMPORT_FACTS: ProtocolFacts = ProtocolFacts {
    name: "lamport",
    roles: &[],
    workloads: &["broadcast"],
    histories: &[],
};

/// What `vclock` offers scenarios.
pub const VCLOCK_FACTS: ProtocolFacts = ProtocolFacts {
    name: "vclock",
    roles: &[],
    workloads: &["broadcast"],
    histories: &[],
};

/// What `versioned-kv` offers scenarios.
pub const STORE_FACTS: ProtocolFacts = ProtocolFacts {
    name: "versioned-kv",
    roles: &[],
    workloads: &["kv"],
    histories: &[],
};

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

fn bug(p: &mut ParamReader<'_>, allowed: &[&'static str]) -> Result<Option<Bug>, ScenarioError> {
    let mut names = vec!["none"];
    names.extend_from_slice(allowed);
    let name = p.one_of("bug", "none", &names)?;
    Ok(Bug::from_name(name).flatten())
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

    /// `retry`, `bug` and, for a lab build, the audit (`laws`, default 10;
    /// for `vclock` `delivery_rule`, yours|given, default yours).
    fn read(
        &self,
        p: &mut ParamReader<'_>,
        shipped_bugs: &[&'static str],
        causal: bool,
    ) -> Result<(SimTime, Option<Bug>, Option<Audit>), ScenarioError> {
        let retry = p.positive_duration("retry", SimTime::from_millis(100))?;
        if !self.lab {
            return Ok((retry, bug(p, shipped_bugs)?, None));
        }
        let bug = bug(p, &Bug::NAMES[1..])?;
        let laws = p.u64_in("laws", 10, 0..=10_000)?;
        let delivery = match causal {
            true => p.one_of("delivery_rule", "yours", &["yours", "given"])?,
            false => "yours",
        };
        let delivery = match delivery {
            "given" => DeliveryRule::Given,
            _ => DeliveryRule::Yours,
        };
        Ok((retry, bug, Some(Audit { laws, delivery })))
    }
}

/// `lamport`: `[protocol]` `retry` (default 100ms), `bug`
/// (none|no-increment-on-send); `[workload] kind = "broadcast"`.
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
    let mut p = scenario.protocol_params.reader();
    let (retry, bug, audit) = how.read(&mut p, &["no-increment-on-send"], false)?;
    p.finish()?;
    let hooks = how.hooks;
    let params = LamportParams {
        retry,
        bug,
        hooks,
        audit,
    };
    let b = lamport::builder(params, scenario.nodes, scenario.seed);
    let workload = broadcast_workload(scenario)?;
    let b = configure(b, scenario, &LAMPORT_FACTS, workload, options)?;
    Ok(Box::new(b.build()))
}

/// `vclock`: `[protocol]` `retry` (default 100ms), `bug`
/// (none|merge-min|no-increment-on-send|no-causal-wait);
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
    let mut p = scenario.protocol_params.reader();
    let (retry, bug, audit) = how.read(&mut p, &Bug::NAMES[1..], true)?;
    p.finish()?;
    let hooks = how.hooks;
    let params = CausalParams {
        retry,
        bug,
        hooks,
        audit,
    };
    let b = causal::builder(params, scenario.nodes, scenario.seed);
    let workload = broadcast_workload(scenario)?;
    let b = configure(b, scenario, &VCLOCK_FACTS, workload, options)?;
    Ok(Box::new(b.build()))
}

/// `versioned-kv`: `[protocol]` `store` (vclock|lww, default vclock), `sync`
/// (default 200ms), `bug` (none|merge-min); `[workload] kind = "kv"` with
/// `keys` (1..=1000, default 2) and `read_ratio` (default 0.2).
pub fn build_store(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut p = scenario.protocol_params.reader();
    let store = p.one_of("store", "vclock", &["vclock", "lww"])?;
    let sync = p.positive_duration("sync", SimTime::from_millis(200))?;
    let bug = bug(&mut p, &["merge-min"])?;
    p.finish()?;
    let scheme = if store == "lww" {
        Scheme::LastWriterWins
    } else {
        Scheme::VectorClock
    };
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
    let params = StoreParams { scheme, sync, bug };
    let b = store_checks::builder(params, scenario.nodes, scenario.seed);
    let b = configure(b, scenario, &STORE_FACTS, workload, options)?;
    Ok(Box::new(b.build()))
}
