//! The nemesis: random faults of chosen kinds at a chosen rate.
//!
//! Jepsen-style rhythm: inject a fault, leave it for `heal_after`, undo it,
//! wait a random interval around `every`, repeat. Each choice is drawn from the
//! simulation's fault stream.

use super::{FaultAction, PartitionSpec, Target};
use crate::base::rng::{Prng, Ratio};
use crate::base::{NodeId, SimTime};
use crate::net::PartitionShape;
use serde::{Deserialize, Serialize};

/// A kind of random fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NemesisKind {
    /// Partition; `None` picks a random shape each time.
    Partition(Option<PartitionShape>),
    /// Crash a random up node; undone by restarting it.
    Crash,
    /// Jump a random node's clock by up to ±5 s; undone by jumping back.
    ClockJump,
    /// Strobe a random node's clock for `heal_after`.
    ClockStrobe,
    /// Raise network loss to 10–50 %; undone by restoring it.
    Loss,
    /// Pause a random up node for `heal_after` (it resumes by itself).
    Pause,
    /// Slow the links to and from a random up node to 50–500 ms;
    /// undone by a network reset (every `network` change undone).
    Slow,
    /// Multiply a random up node's service times (the `slow` fault: only
    /// nodes in `[service]` take time) by a factor drawn from 2 to 20, for
    /// a time drawn from `heal_after/2` to `heal_after` (it ends by itself).
    SlowNode,
}

impl NemesisKind {
    /// The kind's name in scenario files (`partition-halves`, `crash`).
    pub fn name(self) -> &'static str {
        match self {
            NemesisKind::Partition(None) => "partition",
            NemesisKind::Partition(Some(PartitionShape::Halves)) => "partition-halves",
            NemesisKind::Partition(Some(PartitionShape::MajoritiesRing)) => "partition-ring",
            NemesisKind::Partition(Some(PartitionShape::Bridge)) => "partition-bridge",
            NemesisKind::Partition(Some(PartitionShape::IsolateOne)) => "partition-isolate",
            NemesisKind::Partition(Some(PartitionShape::Random)) => "partition-random",
            NemesisKind::Crash => "crash",
            NemesisKind::ClockJump => "clock-jump",
            NemesisKind::ClockStrobe => "clock-strobe",
            NemesisKind::Loss => "loss",
            NemesisKind::Pause => "pause",
            NemesisKind::Slow => "slow",
            NemesisKind::SlowNode => "slow-node",
        }
    }
}

/// Nemesis settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NemesisConfig {
    /// Kinds to choose from (uniformly).
    pub kinds: Vec<NemesisKind>,
    /// Mean time between the end of one fault and the start of the next.
    pub every: SimTime,
    /// How long each fault lasts before it is undone.
    pub heal_after: SimTime,
    /// When the nemesis starts.
    pub start: SimTime,
    /// When it stops (no new faults after this).
    pub stop: SimTime,
    /// Draw the mix of kinds, their weights, the rhythm and how many
    /// faults may overlap from the seed ([`super::SwarmMix`]).
    #[serde(default)]
    pub swarm: bool,
}

/// The nemesis's state between ticks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Nemesis {
    /// Faults injected so far.
    pub injected: u64,
    /// A swarm nemesis's mix, drawn when the world is built, and the
    /// configuration it makes (kinds repeated by weight, its rhythm).
    pub swarm: Option<Box<(super::SwarmMix, NemesisConfig)>>,
    /// A swarm nemesis's faults waiting for their undo.
    pub active: u32,
}

impl Nemesis {
    /// The delay before the next fault: uniform in `[every/2, 3·every/2]`.
    pub fn next_delay(config: &NemesisConfig, rng: &mut Prng) -> SimTime {
        let every = config.every.as_nanos().max(1);
        SimTime(rng.range_inclusive(every / 2, every + every / 2))
    }

    /// Choose a fault and the action that undoes it. `up` lists nodes that are
    /// up; `loss` is the configured network loss (restored by the undo).
    pub fn choose(
        &mut self,
        config: &NemesisConfig,
        rng: &mut Prng,
        up: &[NodeId],
        loss: Ratio,
    ) -> Option<(FaultAction, Option<FaultAction>)> {
        if config.kinds.is_empty() {
            return None;
        }
        let kind = config.kinds[rng.index(config.kinds.len())];
        let pick_up = |rng: &mut Prng| -> Option<NodeId> {
            (!up.is_empty()).then(|| up[rng.index(up.len())])
        };
        let chosen = match kind {
            NemesisKind::Partition(shape) => {
                let shape = shape
                    .unwrap_or_else(|| PartitionShape::ALL[rng.index(PartitionShape::ALL.len())]);
                (
                    FaultAction::Partition(PartitionSpec::Shape(shape)),
                    Some(FaultAction::Heal),
                )
            }
            NemesisKind::Crash => {
                let node = pick_up(rng)?;
                (
                    FaultAction::Crash(Target::Node(node)),
                    Some(FaultAction::Restart(Target::Node(node))),
                )
            }
            NemesisKind::ClockJump => {
                let node = pick_up(rng)?;
                let magnitude = rng.range_inclusive(100_000_000, 5_000_000_000) as i64;
                let by_ns = if rng.chance(Ratio::new(1, 2)) {
                    magnitude
                } else {
                    -magnitude
                };
                (
                    FaultAction::ClockJump {
                        node: Target::Node(node),
                        by_ns,
                    },
                    Some(FaultAction::ClockJump {
                        node: Target::Node(node),
                        by_ns: -by_ns,
                    }),
                )
            }
            NemesisKind::ClockStrobe => {
                let node = pick_up(rng)?;
                let strobe = FaultAction::ClockStrobe {
                    node: Target::Node(node),
                    delta: SimTime::from_millis(200),
                    period: SimTime::from_millis(10),
                    duration: config.heal_after,
                };
                (strobe, None)
            }
            NemesisKind::Pause => {
                let node = pick_up(rng)?;
                let pause = FaultAction::Pause {
                    node: Target::Node(node),
                    duration: config.heal_after,
                };
                (pause, None)
            }
            NemesisKind::Slow => {
                let node = pick_up(rng)?;
                let change = super::NetChange {
                    from: Some(Target::Node(node)),
                    to: None,
                    both_ways: true,
                    messages: Vec::new(),
                    latency: Some(crate::net::Latency::Uniform {
                        min: SimTime::from_millis(50),
                        max: SimTime::from_millis(500),
                    }),
                    loss: None,
                    duplicate: None,
                };
                (
                    FaultAction::Network(change),
                    Some(FaultAction::NetworkReset),
                )
            }
            NemesisKind::SlowNode => {
                let node = pick_up(rng)?;
                let factor = rng.range_inclusive(2, 20) as u32;
                let longest = config.heal_after.as_nanos().max(1);
                let duration = SimTime(rng.range_inclusive(longest / 2, longest).max(1));
                let slow = FaultAction::Slow {
                    node: Target::Node(node),
                    factor,
                    duration,
                };
                (slow, None)
            }
            NemesisKind::Loss => {
                let percent = rng.range_inclusive(10, 50);
                (
                    FaultAction::SetLoss(Ratio::new(percent, 100)),
                    Some(FaultAction::SetLoss(loss)),
                )
            }
        };
        self.injected += 1;
        Some(chosen)
    }
}
