//! From a validated [`Scenario`] to a configured [`SimBuilder`]: the parts
//! every protocol shares (network, clocks, storage, clients, faults, nemesis,
//! check selection). Protocol parameters are the protocol's own business.

use super::spec::{self, InvariantSelection, Scenario};
use super::{BugDecl, ParamDecl, ParamReader, ScenarioError};
use crate::check::PredicateRef;
use crate::faults::{self, NemesisConfig, ScheduledFault};
use crate::net::{LinkConfig, NetConfig, PartitionShape};
use crate::sim::{Node, NodeId, Ratio, SimBuilder, SimTime, TraceLevel};
use crate::workload::{ClientConfig, Workload};

/// How to build: settings that come from the command line, not the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// Trace recording level.
    pub trace_level: TraceLevel,
}

/// What a protocol tells the shared builder about itself.
#[derive(Clone, Copy, Debug)]
pub struct ProtocolFacts {
    /// Registry name.
    pub name: &'static str,
    /// Roles `role()` can return, for symbolic fault targets.
    pub roles: &'static [&'static str],
    /// Workload kinds the protocol accepts in `[workload] kind`.
    pub workloads: &'static [&'static str],
    /// History checks the protocol offers in `[check] history`
    /// (e.g. `"linearizable"`); the protocol's `build` reads the choice with
    /// [`history_check`].
    pub histories: &'static [&'static str],
    /// The `[protocol]` parameters, each declared once (key, type,
    /// default, range, meaning): read with [`ProtocolFacts::reader`],
    /// listed by `distlab list --params`, tabled in the protocol's doc.
    pub params: &'static [ParamDecl],
    /// The bug switches `bugs = [...]` accepts, and what each breaks.
    pub bugs: &'static [BugDecl],
}

impl ProtocolFacts {
    /// A reader of the scenario's `[protocol]` table against these
    /// declarations ([`ParamTable::reader_for`](super::ParamTable::reader_for)).
    pub fn reader<'s>(&self, scenario: &'s Scenario) -> ParamReader<'s> {
        scenario.protocol_params.reader_for(self.params, self.bugs)
    }
}

/// The history check a scenario asks for (`None` for `"none"`), validated
/// against what the protocol offers.
pub fn history_check<'s>(
    scenario: &'s Scenario,
    facts: &ProtocolFacts,
) -> Result<Option<&'s str>, ScenarioError> {
    let Some(history) = &scenario.check.history else {
        return Ok(None);
    };
    let name = history.get_ref().as_str();
    if facts.histories.contains(&name) {
        return Ok(Some(name));
    }
    let expected = if facts.histories.is_empty() {
        "it offers no history check; use \"none\"".to_string()
    } else {
        format!(
            "expected \"none\" or one of: {}",
            facts.histories.join(", ")
        )
    };
    let message = format!(
        "protocol `{}` has no history check {name:?}; {expected}",
        facts.name
    );
    Err(ScenarioError::at(&scenario.source, history.span(), message))
}

fn ratio(p: spec::Probability) -> Ratio {
    Ratio::new(u64::from(p.per_billion()), 1_000_000_000)
}

/// The network configuration a scenario describes.
pub fn net_config(scenario: &Scenario) -> NetConfig {
    let n = &scenario.network;
    let default = LinkConfig {
        latency: n.latency,
        loss: ratio(n.loss),
        duplicate: ratio(n.duplicate),
    };
    let mut config = NetConfig {
        default,
        fifo: n.fifo,
        lose: n.lose.iter().map(|l| (l.from, l.to, l.nth)).collect(),
        keep_loss_draws: n.keep_loss_draws,
        clients: n.clients,
        ..NetConfig::default()
    };
    for link in &n.links {
        let mut cfg = default;
        if let Some(l) = &link.latency {
            cfg.latency = *l;
        }
        if let Some(p) = link.loss {
            cfg.loss = ratio(p);
        }
        if let Some(p) = link.duplicate {
            cfg.duplicate = ratio(p);
        }
        config
            .links
            .insert((NodeId(link.from), NodeId(link.to)), cfg);
        if link.both_ways {
            config
                .links
                .insert((NodeId(link.to), NodeId(link.from)), cfg);
        }
    }
    config
}

fn target(
    scenario: &Scenario,
    facts: &ProtocolFacts,
    t: &spec::Target,
) -> Result<faults::Target, ScenarioError> {
    Ok(match t {
        spec::Target::Node(n) => faults::Target::Node(NodeId(*n)),
        spec::Target::Client(c) => faults::Target::Client(crate::base::ClientId(*c)),
        spec::Target::Random => faults::Target::Random,
        spec::Target::Relative { role, offset } => {
            known_role(scenario, facts, role)?;
            faults::Target::Relative {
                role: role.get_ref().clone(),
                offset: *offset,
            }
        }
        spec::Target::Role(role) => {
            known_role(scenario, facts, role)?;
            faults::Target::Role(role.get_ref().clone())
        }
    })
}

/// A role the protocol's nodes can hold, or an error at its place.
fn known_role(
    scenario: &Scenario,
    facts: &ProtocolFacts,
    role: &toml::Spanned<String>,
) -> Result<(), ScenarioError> {
    if facts.roles.contains(&role.get_ref().as_str()) {
        return Ok(());
    }
    let known = if facts.roles.is_empty() {
        "it has no roles; use a node index or \"random\"".to_string()
    } else {
        format!(
            "expected a node index, \"random\" or one of: {}",
            facts.roles.join(", ")
        )
    };
    let message = format!(
        "protocol `{}` has no role {:?}; {known}",
        facts.name,
        role.get_ref()
    );
    Err(ScenarioError::at(&scenario.source, role.span(), message))
}

/// The engine's fault for a `[[faults]]` entry: its action, dropping
/// what is in flight over the cut if `in_flight = "drop"`.
fn scheduled_fault(
    scenario: &Scenario,
    facts: &ProtocolFacts,
    f: &spec::FaultSpec,
) -> Result<faults::FaultAction, ScenarioError> {
    let action = fault_action(scenario, facts, &f.action)?;
    Ok(match f.in_flight {
        spec::InFlight::Deliver => action,
        spec::InFlight::Drop => faults::FaultAction::DropInFlight(Box::new(action)),
    })
}

fn fault_action(
    scenario: &Scenario,
    facts: &ProtocolFacts,
    a: &spec::FaultAction,
) -> Result<faults::FaultAction, ScenarioError> {
    use faults::FaultAction as F;
    let t = |x: &spec::Target| target(scenario, facts, x);
    let all = |xs: &[spec::Target]| xs.iter().map(t).collect::<Result<Vec<_>, _>>();
    Ok(match a {
        spec::FaultAction::Partition(spec::PartitionSpec::Targets(groups)) => {
            F::Partition(faults::PartitionSpec::Targets(
                groups.iter().map(|g| all(g)).collect::<Result<_, _>>()?,
            ))
        }
        spec::FaultAction::HealNode(x) => F::HealPart(faults::HealScope::Node(t(x)?)),
        spec::FaultAction::HealLink {
            from,
            to,
            both_ways,
        } => F::HealPart(faults::HealScope::Link {
            from: t(from)?,
            to: t(to)?,
            both_ways: *both_ways,
        }),
        spec::FaultAction::HealGroup(members) => {
            F::HealPart(faults::HealScope::Group(all(members)?))
        }
        spec::FaultAction::NetworkReset => F::NetworkReset,
        spec::FaultAction::Network(change) => F::Network(faults::NetChange {
            from: change.from.as_ref().map(t).transpose()?,
            to: change.to.as_ref().map(t).transpose()?,
            both_ways: change.both_ways,
            messages: change.messages.clone(),
            latency: change.latency,
            loss: change.loss.map(ratio),
            duplicate: change.duplicate.map(ratio),
        }),
        spec::FaultAction::Partition(spec::PartitionSpec::Shape(s)) => {
            F::Partition(faults::PartitionSpec::Shape(*s))
        }
        spec::FaultAction::Partition(spec::PartitionSpec::Groups(groups)) => {
            F::Partition(faults::PartitionSpec::Groups(
                groups
                    .iter()
                    .map(|g| g.iter().map(|&n| NodeId(n)).collect())
                    .collect(),
            ))
        }
        spec::FaultAction::Partition(spec::PartitionSpec::Mixed(groups)) => {
            F::Partition(faults::PartitionSpec::Mixed(groups.clone()))
        }
        spec::FaultAction::Isolate(x) => F::Isolate(t(x)?),
        spec::FaultAction::Cut { from, to } => F::Cut {
            from: t(from)?,
            to: t(to)?,
        },
        spec::FaultAction::Heal => F::Heal,
        spec::FaultAction::Crash(x) => F::Crash(t(x)?),
        spec::FaultAction::Restart(x) => F::Restart(t(x)?),
        spec::FaultAction::RestartAll => F::Restart(faults::Target::AllCrashed),
        spec::FaultAction::ClockJump { node, by } => F::ClockJump {
            node: t(node)?,
            by_ns: by.as_nanos(),
        },
        spec::FaultAction::ClockStrobe {
            node,
            delta,
            period,
            duration,
        } => F::ClockStrobe {
            node: t(node)?,
            delta: *delta,
            period: *period,
            duration: *duration,
        },
        spec::FaultAction::Pause { node, duration } => F::Pause {
            node: t(node)?,
            duration: *duration,
        },
        spec::FaultAction::Slow {
            node,
            factor,
            duration,
        } => F::Slow {
            node: t(node)?,
            factor: *factor,
            duration: *duration,
        },
        spec::FaultAction::Loss(p) => F::SetLoss(ratio(*p)),
        spec::FaultAction::Duplicate(p) => F::SetDuplicate(ratio(*p)),
    })
}

fn nemesis(n: &spec::NemesisSpec) -> NemesisConfig {
    use faults::NemesisKind as K;
    let kinds = n
        .kinds
        .iter()
        .map(|k| match k {
            spec::NemesisKind::Partition => K::Partition(None),
            spec::NemesisKind::PartitionHalves => K::Partition(Some(PartitionShape::Halves)),
            spec::NemesisKind::PartitionRing => K::Partition(Some(PartitionShape::MajoritiesRing)),
            spec::NemesisKind::PartitionBridge => K::Partition(Some(PartitionShape::Bridge)),
            spec::NemesisKind::PartitionIsolate => K::Partition(Some(PartitionShape::IsolateOne)),
            spec::NemesisKind::PartitionRandom => K::Partition(Some(PartitionShape::Random)),
            spec::NemesisKind::Crash => K::Crash,
            spec::NemesisKind::ClockJump => K::ClockJump,
            spec::NemesisKind::ClockStrobe => K::ClockStrobe,
            spec::NemesisKind::Loss => K::Loss,
            spec::NemesisKind::Pause => K::Pause,
            spec::NemesisKind::Slow => K::Slow,
            spec::NemesisKind::SlowNode => K::SlowNode,
        })
        .collect();
    NemesisConfig {
        kinds,
        every: n.every,
        heal_after: n.heal_after,
        start: n.start,
        stop: n.stop,
        swarm: n.swarm,
    }
}

/// Validate the workload kind against the protocol; returns the client
/// settings (no clients without a `[workload]`).
pub fn client_config(
    scenario: &Scenario,
    facts: &ProtocolFacts,
) -> Result<ClientConfig, ScenarioError> {
    let Some(w) = &scenario.workload else {
        return Ok(ClientConfig::default());
    };
    if !facts.workloads.contains(&w.kind.get_ref().as_str()) {
        let expected = if facts.workloads.is_empty() {
            "it takes no client workload".to_string()
        } else {
            format!("expected one of: {}", facts.workloads.join(", "))
        };
        let message = format!(
            "protocol `{}` has no workload {:?}; {expected}",
            facts.name,
            w.kind.get_ref()
        );
        return Err(ScenarioError::at(&scenario.source, w.kind.span(), message));
    }
    let per_client = SimTime(
        w.rate
            .interval()
            .as_nanos()
            .saturating_mul(u64::from(w.clients.max(1))),
    );
    Ok(ClientConfig {
        clients: w.clients,
        interval: per_client,
        timeout: w.timeout,
        resend: w.resend,
        max_ops: w.ops,
        retry: w.retry,
        retries: w.retries,
        in_flight: w.in_flight,
    })
}

/// Apply everything protocol-independent in `scenario` to `builder`: name,
/// timing, network, clocks, storage, clients (with `workload`), faults,
/// nemesis, the invariant selection and the trace level.
pub fn configure<N: Node>(
    mut builder: SimBuilder<N>,
    scenario: &Scenario,
    facts: &ProtocolFacts,
    workload: Option<Box<dyn Workload>>,
    options: &BuildOptions,
) -> Result<SimBuilder<N>, ScenarioError> {
    // Read and validated once for every node type; only handing the
    // results to the builder is generic.
    let plan = plan(scenario, facts, &builder.predicate_names())?;
    builder = builder
        .name(scenario.name.clone())
        .duration(scenario.duration)
        .settle(scenario.settle)
        .network(plan.net)
        .clock_skew(scenario.clocks.offset, scenario.clocks.drift_ppm)
        .lose_unsynced(scenario.storage.lose_unsynced)
        .trace_level(options.trace_level)
        .unknown(scenario.check.unknown)
        .history_steps(scenario.check.history_steps);
    if let Some(service) = plan.service {
        builder = builder.service(service);
    }
    for expectation in &scenario.check.expect {
        builder = builder.expect(expectation.clone());
    }
    if let Some(experiment) = &scenario.experiment {
        builder = builder.experiment(experiment.clone());
    }
    for timed in plan.timed {
        builder = builder.timed_check(timed);
    }
    if let Some(workload) = workload {
        builder = builder.boxed_clients(plan.clients, workload);
    }
    for fault in plan.faults {
        builder = builder.fault(fault);
    }
    if let Some(nemesis) = plan.nemesis {
        builder = builder.nemesis(nemesis);
    }
    select_invariants(builder, scenario)
}

/// What [`configure`] hands the builder, read from the scenario.
struct Plan {
    net: NetConfig,
    service: Option<crate::sim::ServiceConfig>,
    timed: Vec<crate::check::TimedCheck>,
    clients: ClientConfig,
    faults: Vec<ScheduledFault>,
    nemesis: Option<NemesisConfig>,
}

/// Read [`configure`]'s settings from `scenario`, with its errors in the
/// order it finds them: timed checks (against the `declared` predicates),
/// the history check, the workload, the faults.
fn plan(
    scenario: &Scenario,
    facts: &ProtocolFacts,
    declared: &[(String, String)],
) -> Result<Plan, ScenarioError> {
    let net = net_config(scenario);
    let service = scenario
        .service
        .as_ref()
        .map(|service| crate::sim::ServiceConfig {
            time: service.time,
            workers: service.workers,
            nodes: service
                .nodes
                .as_ref()
                .map(|nodes| nodes.iter().map(|&n| NodeId(n)).collect()),
            requests: service.requests,
        });
    let mut timed_checks = Vec::new();
    for timed in &scenario.check.timed {
        check_predicates(declared, scenario, facts, timed)?;
        timed_checks.push(timed.check());
    }
    history_check(scenario, facts)?;
    let clients = client_config(scenario, facts)?;
    let mut faults = Vec::new();
    for fault in &scenario.faults {
        let action = scheduled_fault(scenario, facts, fault)?;
        faults.push(ScheduledFault {
            at: fault.at,
            action,
        });
    }
    Ok(Plan {
        net,
        service,
        timed: timed_checks,
        clients,
        faults,
        nemesis: scenario.nemesis.as_ref().map(nemesis),
    })
}

/// Every predicate a timed check names is declared (by the engine or the
/// protocol), every role count names a role of the protocol.
fn check_predicates(
    declared: &[(String, String)],
    scenario: &Scenario,
    facts: &ProtocolFacts,
    timed: &spec::TimedSpec,
) -> Result<(), ScenarioError> {
    let names: Vec<&str> = declared.iter().map(|(n, _)| n.as_str()).collect();
    for p in &timed.holds {
        let message = match p.get_ref() {
            PredicateRef::Named(name) if !names.contains(&name.as_str()) => {
                let hint = crate::base::suggest::closest(name, &names)
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                format!(
                    "protocol `{}` has no predicate {name:?}{hint}; expected one of: {}, or a role count like {{ role = \"leader\", count = 0 }} (distlab list --params {} says what each means)",
                    facts.name,
                    names.join(", "),
                    facts.name
                )
            }
            PredicateRef::RoleCount { role, .. } if !facts.roles.contains(&role.as_str()) => {
                let known = if facts.roles.is_empty() {
                    "it has no roles".to_string()
                } else {
                    format!("expected one of: {}", facts.roles.join(", "))
                };
                format!("protocol `{}` has no role {role:?}; {known}", facts.name)
            }
            _ => continue,
        };
        return Err(ScenarioError::at(&scenario.source, p.span(), message));
    }
    Ok(())
}

fn select_invariants<N: Node>(
    builder: SimBuilder<N>,
    scenario: &Scenario,
) -> Result<SimBuilder<N>, ScenarioError> {
    match &scenario.check.invariants {
        InvariantSelection::All => Ok(builder),
        InvariantSelection::None => Ok(builder.retain_invariants(|_| false)),
        InvariantSelection::Named(names) => {
            let known = builder.invariant_names();
            for name in names {
                if !known.iter().any(|k| k == name.get_ref()) {
                    let message = format!(
                        "protocol `{}` has no invariant {:?}; expected one of: {}",
                        scenario.protocol.get_ref(),
                        name.get_ref(),
                        known.join(", ")
                    );
                    return Err(ScenarioError::at(&scenario.source, name.span(), message));
                }
            }
            Ok(builder.retain_invariants(|n| names.iter().any(|x| x.get_ref() == n)))
        }
    }
}
