//! Faults: what can go wrong, when, and to whom.
//!
//! A scenario schedules faults at fixed times ([`ScheduledFault`]); a
//! [`Nemesis`] injects random ones of chosen kinds. Targets may be symbolic
//! (`"leader"`): the engine resolves them through [`crate::sim::Node::role`]
//! when the fault fires.

pub mod nemesis;
pub mod swarm;

pub use nemesis::{Nemesis, NemesisConfig, NemesisKind};
pub use swarm::SwarmMix;

use crate::base::rng::Ratio;
use crate::base::{ClientId, Endpoint, NodeId, SimTime};
use crate::net::{Latency, PartitionShape};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whom a fault hits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// One node by id.
    Node(NodeId),
    /// A node whose `role()` is this (`"leader"`); picked at random if several.
    Role(String),
    /// A random node that is up.
    Random,
    /// Every crashed node (for restarts).
    AllCrashed,
    /// A client (`"c1"`): only network faults (isolate, cut, partition
    /// groups) act on it; it names no node.
    Client(ClientId),
    /// `"leader+1"`: the node `offset` places after the holder of `role`
    /// in id order, wrapping round (6.5840's `(leader + 1) % servers`).
    Relative {
        /// The role whose holder the offset counts from.
        role: String,
        /// How many places after it, 1 or more.
        offset: u32,
    },
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Node(n) => n.fmt(f),
            Target::Role(r) => write!(f, "{r}"),
            Target::Random => f.write_str("random"),
            Target::AllCrashed => f.write_str("all crashed"),
            Target::Client(c) => c.fmt(f),
            Target::Relative { role, offset } => write!(f, "{role}+{offset}"),
        }
    }
}

/// How to partition the network.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartitionSpec {
    /// A named Jepsen shape, drawn from the fault stream.
    Shape(PartitionShape),
    /// Explicit groups; unnamed nodes form one more group.
    Groups(Vec<Vec<NodeId>>),
    /// Explicit groups naming clients too: the nodes split as for
    /// [`PartitionSpec::Groups`], and each named client can reach only the
    /// nodes of its own group (both ways). Clients named in no group keep
    /// reaching every node.
    Mixed(Vec<Vec<Endpoint>>),
    /// Groups whose members are targets resolved when the fault fires
    /// (`[["leader", 1], ["random"]]`): node indices and clients are
    /// placed first, then each role, relative or random member in the
    /// order written, each picking a node not placed yet (a member left
    /// with no such node is skipped, and the fault's text says so). Then
    /// as [`PartitionSpec::Mixed`].
    Targets(Vec<Vec<Target>>),
}

/// What a partial heal restores.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HealScope {
    /// Every link to and from one node (or client).
    Node(Target),
    /// The link `from` → `to` (a node or client each), and back if
    /// `both_ways`.
    Link {
        /// Sender side.
        from: Target,
        /// Receiver side.
        to: Target,
        /// Also restore `to` → `from`.
        both_ways: bool,
    },
    /// Every link between two members of the group, both ways (members
    /// resolved as [`PartitionSpec::Targets`]' are); links to nodes
    /// outside it stay as they are.
    Group(Vec<Target>),
}

/// A change to the network's link behaviour while the run goes
/// (`network = { ... }` in a scenario's `[[faults]]`): it sits on top of
/// the configured links and of loss/duplicate faults until a
/// [`FaultAction::NetworkReset`] or the settle point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetChange {
    /// Senders it applies to (`None`: every node).
    pub from: Option<Target>,
    /// Receivers it applies to (`None`: every node).
    pub to: Option<Target>,
    /// Also the links `to` → `from`.
    pub both_ways: bool,
    /// Only messages of these kinds (their variant names); empty: all.
    pub messages: Vec<String>,
    /// The new delay distribution, if it changes.
    pub latency: Option<Latency>,
    /// The new loss probability, if it changes.
    pub loss: Option<Ratio>,
    /// The new duplication probability, if it changes.
    pub duplicate: Option<Ratio>,
}

/// One fault.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultAction {
    /// Partition the network.
    Partition(PartitionSpec),
    /// Cut one node off, both ways (or a client off from every node).
    Isolate(Target),
    /// One-way cut: `from`'s messages to `to` are dropped.
    Cut {
        /// Sender whose messages are dropped.
        from: Target,
        /// Receiver that no longer hears from `from`.
        to: Target,
    },
    /// Restore every link.
    Heal,
    /// Crash a node: volatile state and timers lost.
    Crash(Target),
    /// Restart a crashed node from its storage.
    Restart(Target),
    /// Move a node's clock by a signed amount of nanoseconds.
    ClockJump {
        /// Whose clock.
        node: Target,
        /// Nanoseconds, negative to move back.
        by_ns: i64,
    },
    /// Jump a clock back and forth by `delta` every `period`, for `duration`.
    ClockStrobe {
        /// Whose clock.
        node: Target,
        /// Size of each jump.
        delta: SimTime,
        /// Time between jumps.
        period: SimTime,
        /// How long the strobe lasts.
        duration: SimTime,
    },
    /// Pause a node for `duration` (a stop-the-world GC pause, a VM
    /// migration, a SIGSTOP): no handler runs on it meanwhile, its clock
    /// keeps running, messages and requests to it wait, and timers that
    /// come due fire late, when it resumes; the node cannot tell.
    Pause {
        /// Whom.
        node: Target,
        /// How long.
        duration: SimTime,
    },
    /// Multiply a node's service times by `factor` for `duration` (a noisy
    /// neighbour, a failing disk); only nodes that take time (`[service]`)
    /// slow down.
    Slow {
        /// Whom.
        node: Target,
        /// How many times slower.
        factor: u32,
        /// How long.
        duration: SimTime,
    },
    /// Set the network-wide loss probability.
    SetLoss(Ratio),
    /// Set the network-wide duplication probability.
    SetDuplicate(Ratio),
    /// Change latency, loss or duplication of some links, maybe for some
    /// message kinds only.
    Network(NetChange),
    /// Undo every [`FaultAction::Network`] change: the links behave as
    /// configured again (loss and duplicate faults stay).
    NetworkReset,
    /// Restore some links only.
    HealPart(HealScope),
    /// The partition, isolation or cut inside, after which the messages
    /// already on the wire over a link it cut are dropped (counted as
    /// dropped, listed in the fault's text). Without this wrapper they
    /// arrive: a cut is decided when a message is sent.
    DropInFlight(Box<FaultAction>),
}

impl FaultAction {
    /// Every fault kind's name, as [`FaultAction::kind`] answers it (what a
    /// scenario's `[[check.within]] after` names).
    pub const KINDS: [&'static str; 13] = [
        "partition",
        "isolate",
        "cut",
        "heal",
        "crash",
        "restart",
        "clock-jump",
        "clock-strobe",
        "pause",
        "loss",
        "duplicate",
        "network",
        "network-reset",
    ];

    /// The fault's kind: `partition`, `heal`, `crash`, `restart`, ...
    /// (one of [`FaultAction::KINDS`]).
    pub fn kind(&self) -> &'static str {
        match self {
            FaultAction::Partition(_) => "partition",
            FaultAction::Isolate(_) => "isolate",
            FaultAction::Cut { .. } => "cut",
            FaultAction::Heal => "heal",
            FaultAction::Crash(_) => "crash",
            FaultAction::Restart(_) => "restart",
            FaultAction::ClockJump { .. } => "clock-jump",
            FaultAction::ClockStrobe { .. } => "clock-strobe",
            FaultAction::Pause { .. } => "pause",
            FaultAction::Slow { .. } => "slow",
            FaultAction::SetLoss(_) => "loss",
            FaultAction::SetDuplicate(_) => "duplicate",
            FaultAction::Network(_) => "network",
            FaultAction::NetworkReset => "network-reset",
            FaultAction::HealPart(_) => "heal",
            FaultAction::DropInFlight(inner) => inner.kind(),
        }
    }
}

impl fmt::Display for FaultAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultAction::Partition(PartitionSpec::Shape(shape)) => write!(f, "partition {shape}"),
            FaultAction::Partition(PartitionSpec::Groups(groups)) => {
                write!(f, "partition")?;
                for (i, g) in groups.iter().enumerate() {
                    let names: Vec<String> = g.iter().map(|n| n.to_string()).collect();
                    write!(
                        f,
                        "{} {{{}}}",
                        if i == 0 { "" } else { " |" },
                        names.join(" ")
                    )?;
                }
                Ok(())
            }
            FaultAction::Partition(PartitionSpec::Targets(groups)) => {
                write!(f, "partition")?;
                for (i, g) in groups.iter().enumerate() {
                    let sep = if i == 0 { "" } else { " |" };
                    write!(f, "{sep} {{{}}}", joined(g))?;
                }
                Ok(())
            }
            FaultAction::Partition(PartitionSpec::Mixed(groups)) => {
                write!(f, "partition")?;
                for (i, g) in groups.iter().enumerate() {
                    let names: Vec<String> = g.iter().map(|n| n.to_string()).collect();
                    let sep = if i == 0 { "" } else { " |" };
                    write!(f, "{sep} {{{}}}", names.join(" "))?;
                }
                Ok(())
            }
            FaultAction::Isolate(t) => write!(f, "isolate {t}"),
            FaultAction::Cut { from, to } => write!(f, "cut {from} -> {to}"),
            FaultAction::Heal => write!(f, "heal"),
            FaultAction::Crash(t) => write!(f, "crash {t}"),
            FaultAction::Restart(t) => write!(f, "restart {t}"),
            FaultAction::ClockJump { node, by_ns } => {
                let sign = if *by_ns < 0 { "-" } else { "+" };
                write!(
                    f,
                    "clock-jump {node} {sign}{}",
                    SimTime(by_ns.unsigned_abs())
                )
            }
            FaultAction::ClockStrobe {
                node,
                delta,
                period,
                duration,
            } => {
                write!(
                    f,
                    "clock-strobe {node} ±{delta} every {period} for {duration}"
                )
            }
            FaultAction::Pause { node, duration } => write!(f, "pause {node} for {duration}"),
            FaultAction::Slow {
                node,
                factor,
                duration,
            } => write!(f, "slow {node} x{factor} for {duration}"),
            FaultAction::SetLoss(r) => write!(f, "loss {r}"),
            FaultAction::SetDuplicate(r) => write!(f, "duplicate {r}"),
            FaultAction::Network(change) => write!(f, "network {change}"),
            FaultAction::NetworkReset => write!(f, "network reset"),
            FaultAction::HealPart(HealScope::Node(t)) => write!(f, "heal {t}"),
            FaultAction::HealPart(HealScope::Link {
                from,
                to,
                both_ways,
            }) => {
                let arrow = if *both_ways { "<->" } else { "->" };
                write!(f, "heal {from} {arrow} {to}")
            }
            FaultAction::HealPart(HealScope::Group(g)) => write!(f, "heal {{{}}}", joined(g)),
            FaultAction::DropInFlight(inner) => write!(f, "{inner}, in flight dropped"),
        }
    }
}

fn joined(targets: &[Target]) -> String {
    let names: Vec<String> = targets.iter().map(|t| t.to_string()).collect();
    names.join(" ")
}

impl NetChange {
    /// What it changes, without the links: `AppendEntries: latency
    /// constant 200ms, loss 0.1`.
    pub fn what(&self) -> String {
        let mut parts = Vec::new();
        if let Some(l) = &self.latency {
            parts.push(format!("latency {}", l.describe()));
        }
        if let Some(r) = self.loss {
            parts.push(format!("loss {r}"));
        }
        if let Some(r) = self.duplicate {
            parts.push(format!("duplicate {r}"));
        }
        let messages = if self.messages.is_empty() {
            "all messages".to_string()
        } else {
            self.messages.join(" ")
        };
        format!("{messages}: {}", parts.join(", "))
    }
}

impl fmt::Display for NetChange {
    /// `n0 -> n1 AppendEntries: latency constant 200ms, loss 0.1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = |t: &Option<Target>| t.as_ref().map_or("*".to_string(), |t| t.to_string());
        let arrow = if self.both_ways { "<->" } else { "->" };
        write!(
            f,
            "{} {arrow} {} {}",
            end(&self.from),
            end(&self.to),
            self.what()
        )
    }
}

/// A fault at a fixed time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledFault {
    /// When it fires (true time).
    pub at: SimTime,
    /// What it does.
    pub action: FaultAction,
}
