//! The swarm nemesis (TigerBeetle's VOPR "swarm testing"): the fault mix
//! itself is drawn from the seed, so a sweep over seeds explores many
//! mixes — a seed that only crashes, one that partitions and slows links
//! at a high rate with three faults at once, one that mostly pauses —
//! rather than one mix at many seeds.

use super::nemesis::{NemesisConfig, NemesisKind};
use crate::base::rng::{Prng, Ratio};
use crate::base::SimTime;
use std::fmt;

/// The most faults a swarm lets overlap.
pub const MAX_OVERLAP: u32 = 3;

/// The heaviest weight a drawn kind gets (weights run from 1).
pub const MAX_WEIGHT: u32 = 4;

/// What a swarm nemesis drew from the seed.
#[derive(Clone, Debug, PartialEq)]
pub struct SwarmMix {
    /// The kinds in the mix (a non-empty subset of the configured ones,
    /// in their configured order), each with its weight: a kind of weight
    /// 3 is picked three times as often as one of weight 1.
    pub kinds: Vec<(NemesisKind, u32)>,
    /// Mean time between two faults: between a quarter of the configured
    /// `every` and twice it.
    pub every: SimTime,
    /// How long each fault lasts: between half the configured
    /// `heal_after` and twice it.
    pub heal_after: SimTime,
    /// How many faults may wait for their undo at once (1 to
    /// [`MAX_OVERLAP`]); with 1 the nemesis still injects the next fault
    /// `every` after the last (it does not wait for the undo first).
    pub overlap: u32,
}

impl SwarmMix {
    /// Draw a mix for `config` from `rng` (the seed's swarm stream).
    pub fn draw(config: &NemesisConfig, rng: &mut Prng) -> SwarmMix {
        let half = Ratio::new(1, 2);
        let mut kinds: Vec<(NemesisKind, u32)> = Vec::new();
        for &kind in &config.kinds {
            let keep = rng.chance(half);
            let weight = rng.range_inclusive(1, u64::from(MAX_WEIGHT)) as u32;
            if keep {
                kinds.push((kind, weight));
            }
        }
        if kinds.is_empty() && !config.kinds.is_empty() {
            let kind = config.kinds[rng.index(config.kinds.len())];
            kinds.push((kind, 1));
        }
        let every = config.every.as_nanos().max(4);
        let heal_after = config.heal_after.as_nanos().max(2);
        SwarmMix {
            kinds,
            every: SimTime(rng.range_inclusive(every / 4, every * 2)),
            heal_after: SimTime(rng.range_inclusive(heal_after / 2, heal_after * 2)),
            overlap: rng.range_inclusive(1, u64::from(MAX_OVERLAP)) as u32,
        }
    }

    /// The configuration the nemesis runs with: each kind listed as many
    /// times as its weight (the nemesis picks uniformly from the list),
    /// the drawn rhythm, `config`'s start and stop.
    pub fn config(&self, config: &NemesisConfig) -> NemesisConfig {
        let kinds = self
            .kinds
            .iter()
            .flat_map(|&(kind, weight)| std::iter::repeat_n(kind, weight as usize))
            .collect();
        NemesisConfig {
            kinds,
            every: self.every,
            heal_after: self.heal_after,
            ..config.clone()
        }
    }
}

impl fmt::Display for SwarmMix {
    /// `crash×3 partition×1, every 1.2s, heal_after 800ms, overlap 2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds: Vec<String> = self
            .kinds
            .iter()
            .map(|(kind, weight)| format!("{}×{weight}", kind.name()))
            .collect();
        write!(
            f,
            "{}, every {}, heal_after {}, overlap {}",
            kinds.join(" "),
            self.every,
            self.heal_after,
            self.overlap
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::rng::Stream;

    fn config() -> NemesisConfig {
        NemesisConfig {
            kinds: vec![
                NemesisKind::Crash,
                NemesisKind::Partition(None),
                NemesisKind::Loss,
                NemesisKind::Pause,
            ],
            every: SimTime::from_secs(2),
            heal_after: SimTime::from_secs(1),
            start: SimTime::ZERO,
            stop: SimTime::from_secs(30),
            swarm: true,
        }
    }

    #[test]
    fn a_seed_draws_one_mix_and_seeds_draw_many() {
        let draw = |seed| SwarmMix::draw(&config(), &mut Prng::new(seed, Stream::Swarm));
        assert_eq!(draw(7), draw(7));
        let mixes: Vec<SwarmMix> = (0..40).map(draw).collect();
        for mix in &mixes {
            assert!(!mix.kinds.is_empty());
            assert!((1..=MAX_OVERLAP).contains(&mix.overlap));
            assert!(mix.every >= SimTime::from_millis(500) && mix.every <= SimTime::from_secs(4));
            let kinds: Vec<NemesisKind> = mix.kinds.iter().map(|k| k.0).collect();
            assert!(kinds.iter().all(|k| config().kinds.contains(k)));
        }
        let subsets: std::collections::BTreeSet<String> = mixes
            .iter()
            .map(|m| format!("{:?}", m.kinds.iter().map(|k| k.0).collect::<Vec<_>>()))
            .collect();
        assert!(
            subsets.len() >= 8,
            "only {} distinct kind sets",
            subsets.len()
        );
        let overlaps: std::collections::BTreeSet<u32> = mixes.iter().map(|m| m.overlap).collect();
        assert_eq!(overlaps.len(), MAX_OVERLAP as usize);
    }

    #[test]
    fn weights_repeat_kinds_in_the_config() {
        let mix = SwarmMix {
            kinds: vec![(NemesisKind::Crash, 3), (NemesisKind::Loss, 1)],
            every: SimTime::from_secs(1),
            heal_after: SimTime::from_secs(1),
            overlap: 2,
        };
        let c = mix.config(&config());
        assert_eq!(c.kinds.len(), 4);
        assert_eq!(
            c.kinds.iter().filter(|k| **k == NemesisKind::Crash).count(),
            3
        );
        assert_eq!(
            mix.to_string(),
            "crash×3 loss×1, every 1s, heal_after 1s, overlap 2"
        );
    }
}
