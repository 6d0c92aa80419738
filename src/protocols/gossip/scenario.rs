//! Building a gossip simulation from a scenario file.

use super::{
    builder, lab_builder, Bug, GossipLabNode, GossipSetup, GossipTopology, GossipWorkload, Mode,
    Params, StopRule,
};
use crate::protocols::broadcast::Topology;
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio, SimTime};
use crate::workload::Workload;

/// What gossip offers scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "gossip",
    roles: &[],
    workloads: &["set"],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// Gossip's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    MODE.decl,
    FANOUT.decl,
    INTERVAL.decl,
    TOPOLOGY.decl,
    DEGREE.decl,
    STOP.decl,
    STOP_K.decl,
    ANTI_ENTROPY.decl,
];

pub(crate) const MODE: Param<Mode> = Param::choice(
    "mode",
    "push-pull",
    "anti-entropy (push, pull, push-pull) or rumor mongering",
);
pub(crate) const FANOUT: Param<u32> =
    Param::integer("fanout", 2, 1, 64, "neighbours contacted per round");
pub(crate) const INTERVAL: Param<SimTime> =
    Param::positive_duration("interval", SimTime::from_millis(100), "round length");
pub(crate) const TOPOLOGY: Param<&'static str> = Param::one_of(
    "topology",
    "total",
    &GossipTopology::NAMES,
    "neighbour graph (random-regular: drawn from the seed, `degree` neighbours each)",
);
pub(crate) const DEGREE: Param<u32> = Param::integer(
    "degree",
    3,
    1,
    64,
    "neighbours per node of a random-regular topology",
);
pub(crate) const STOP: Param<&'static str> = Param::one_of(
    "stop",
    "feedback",
    &["feedback", "counter"],
    "rumor stop rule: cold once everyone is known to hold it, or after `stop_k` contacts that knew it",
);
pub(crate) const STOP_K: Param<u32> = Param::integer(
    "stop_k",
    2,
    1,
    100,
    "`counter` stop rule: contacts that already knew the rumor before it goes cold",
);
pub(crate) const ANTI_ENTROPY: Param<SimTime> = Param::duration(
    "anti_entropy",
    SimTime::ZERO,
    "rumor mode: period of a push-pull backup round (0: off)",
);

/// The topology a declared `topology` name and `degree` describe.
pub(crate) fn topology(name: &str, degree: u32) -> GossipTopology {
    // Only declared names reach here; `total` stands in for none.
    GossipTopology::from_name(name, degree).unwrap_or(GossipTopology::Fixed(Topology::Total))
}

/// The stop rule a declared `stop` name and `stop_k` describe.
pub(crate) fn stop_rule(name: &str, k: u32) -> StopRule {
    if name == "counter" {
        StopRule::Counter(k)
    } else {
        StopRule::Feedback
    }
}

/// Read `[protocol]` ([`PARAMS`] and `bugs`).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let mode = p.get(&MODE)?;
    let fanout = p.get(&FANOUT)?;
    let interval = p.get(&INTERVAL)?;
    let topology_name = p.get(&TOPOLOGY)?;
    let degree = p.get(&DEGREE)?;
    let stop = p.get(&STOP)?;
    let stop_k = p.get(&STOP_K)?;
    let anti_entropy = p.get(&ANTI_ENTROPY)?;
    let bugs = p.bugs::<Bug>()?.into_iter().collect();
    p.finish()?;
    Ok(Params {
        mode,
        fanout,
        interval,
        topology: topology(topology_name, degree),
        stop: stop_rule(stop, stop_k),
        anti_entropy,
        bugs,
    })
}

/// `[workload] kind = "set"`: `read_ratio` (0..=1, default 0.2).
fn workload(scenario: &Scenario) -> Result<Option<Box<dyn Workload>>, ScenarioError> {
    let Some(w) = &scenario.workload else {
        return Ok(None);
    };
    let mut wp = w.params.reader();
    let read_ratio = wp.f64_in("read_ratio", 0.2, 0.0..=1.0)?;
    wp.finish()?;
    let read_ratio = Ratio::from_probability(read_ratio);
    Ok(Some(Box::new(GossipWorkload { read_ratio })))
}

/// Build the simulation. `[workload] kind = "set"`: `read_ratio` (0..=1,
/// default 0.2).
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

/// A lab's build with the node type `G` ([`lab_builder`]): the shipped
/// keys (only the reference reads `mode`, `stop`, `anti_entropy` and
/// `bugs`).
pub fn build_lab<G: GossipLabNode>(
    scenario: &Scenario,
    options: &BuildOptions,
    make: fn(&GossipSetup) -> G,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    let workload = workload(scenario)?;
    let b = lab_builder::<G>(params, scenario.nodes, scenario.seed, make);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}
