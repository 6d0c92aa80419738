//! Faults: what can go wrong, when, and to whom.
//!
//! A scenario schedules faults at fixed times ([`ScheduledFault`]); a
//! [`Nemesis`] injects random ones of chosen kinds. Targets may be symbolic
//! (`"leader"`): the engine resolves them through [`crate::sim::Node::role`]
//! when the fault fires.

pub mod nemesis;

pub use nemesis::{Nemesis, NemesisConfig, NemesisKind};

use crate::base::rng::Ratio;
use crate::base::{ClientId, Endpoint, NodeId, SimTime};
use crate::net::PartitionShape;
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
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Node(n) => n.fmt(f),
            Target::Role(r) => write!(f, "{r}"),
            Target::Random => f.write_str("random"),
            Target::AllCrashed => f.write_str("all crashed"),
            Target::Client(c) => c.fmt(f),
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
    /// Set the network-wide loss probability.
    SetLoss(Ratio),
    /// Set the network-wide duplication probability.
    SetDuplicate(Ratio),
}

impl FaultAction {
    /// Every fault kind's name, as [`FaultAction::kind`] answers it (what a
    /// scenario's `[[check.within]] after` names).
    pub const KINDS: [&'static str; 11] = [
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
            FaultAction::SetLoss(_) => "loss",
            FaultAction::SetDuplicate(_) => "duplicate",
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
            FaultAction::SetLoss(r) => write!(f, "loss {r}"),
            FaultAction::SetDuplicate(r) => write!(f, "duplicate {r}"),
        }
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
