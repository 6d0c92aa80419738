//! The project-owned pseudo-random number generator.
//!
//! Every random decision in a simulation comes from a [`Prng`]: one master
//! seed, and independent ChaCha8 streams derived from (seed, [`Stream`]).
//! Drawing more from one stream never perturbs another. The methods are named
//! for intent (`chance`, `range_inclusive`, `index`, `shuffle`) and use integer
//! arithmetic, so a seed replays identically on every platform. A snapshot test
//! pins the output, so a dependency upgrade cannot silently change every seed.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a random stream is used for; each purpose gets its own stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Latency, loss and duplication decisions.
    Network,
    /// Fault targets and nemesis choices.
    Faults,
    /// Client operations and their pacing.
    Workload,
    /// Initial clock offsets and drifts.
    Clocks,
    /// The node's own stream (`ctx.rng()`); survives restarts.
    Node(u32),
    /// Anything else a tool needs (scenario generators, benchmarks).
    Other(u32),
    /// The explorer's random walk number `n` (`distlab explore --walk`):
    /// which enabled choice each step takes.
    Walk(u32),
    /// A swarm nemesis's mix of faults (`[nemesis] swarm = true`), drawn
    /// once when the world is built.
    Swarm,
    /// Service times of nodes that take time (`[service]`).
    Service,
}

impl Stream {
    fn id(self) -> u64 {
        match self {
            Stream::Network => 1,
            Stream::Faults => 2,
            Stream::Workload => 3,
            Stream::Clocks => 4,
            Stream::Node(n) => (1 << 32) | u64::from(n),
            Stream::Other(n) => (2 << 32) | u64::from(n),
            Stream::Walk(n) => (3 << 32) | u64::from(n),
            Stream::Swarm => 5,
            Stream::Service => 6,
        }
    }
}

/// A probability as an exact integer ratio `numerator / denominator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ratio {
    /// The numerator (at most the denominator).
    pub numerator: u64,
    /// The denominator (never zero).
    pub denominator: u64,
}

impl Default for Ratio {
    /// Zero: never.
    fn default() -> Self {
        Ratio::ZERO
    }
}

impl Ratio {
    /// Never.
    pub const ZERO: Ratio = Ratio {
        numerator: 0,
        denominator: 1,
    };
    /// Always.
    pub const ONE: Ratio = Ratio {
        numerator: 1,
        denominator: 1,
    };

    /// `numerator / denominator`, clamped to at most one.
    pub fn new(numerator: u64, denominator: u64) -> Ratio {
        let denominator = denominator.max(1);
        Ratio {
            numerator: numerator.min(denominator),
            denominator,
        }
    }

    /// A probability given as a float (from a scenario file), kept to one part
    /// per billion. Values outside `[0, 1]` are clamped.
    pub fn from_probability(p: f64) -> Ratio {
        let billion = 1_000_000_000u64;
        let clamped = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        Ratio::new((clamped * billion as f64).round() as u64, billion)
    }

    /// True when the ratio is zero.
    pub fn is_zero(self) -> bool {
        self.numerator == 0
    }

    /// The ratio as a float, for display only.
    pub fn as_f64(self) -> f64 {
        self.numerator as f64 / self.denominator as f64
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_f64())
    }
}

/// A seeded, cloneable random stream with intent-named methods.
pub struct Prng {
    inner: ChaCha8Rng,
    /// The master seed and the stream's id it was made from, and how many
    /// 64-bit values it has drawn (every draw is one `next_u64`: two
    /// 32-bit words of the ChaCha stream): together they are the stream's
    /// whole state, compared in a few instructions ([`Prng::clone_from`]).
    seed: u64,
    stream: u64,
    draws: u64,
}

impl fmt::Debug for Prng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prng").field("inner", &self.inner).finish()
    }
}

impl Clone for Prng {
    fn clone(&self) -> Self {
        Prng {
            inner: self.inner.clone(),
            seed: self.seed,
            stream: self.stream,
            draws: self.draws,
        }
    }

    /// As `clone`, but a stream made from the same seed and stream id that
    /// has drawn as many values as `source` is left as it is: it is at the
    /// same position, so it draws what `source` draws next (a ChaCha
    /// stream's output is a function of its key, stream and position
    /// alone), and the copy (about 300 bytes) is skipped. The explorer
    /// copies worlds into recycled ones whose streams are mostly where the
    /// source's are.
    fn clone_from(&mut self, source: &Self) {
        if (self.draws, self.seed, self.stream) != (source.draws, source.seed, source.stream) {
            self.inner.clone_from(&source.inner);
            self.seed = source.seed;
            self.stream = source.stream;
            self.draws = source.draws;
        }
    }
}

impl Prng {
    /// The stream for `purpose` under the master `seed`.
    pub fn new(seed: u64, purpose: Stream) -> Prng {
        // The key is the seed expanded by splitmix64: fixed here, not by rand.
        let mut key = [0u8; 32];
        let mut state = seed;
        for chunk in key.chunks_exact_mut(8) {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
        }
        let mut inner = ChaCha8Rng::from_seed(key);
        inner.set_stream(purpose.id());
        Prng {
            inner,
            seed,
            stream: purpose.id(),
            draws: 0,
        }
    }

    /// How far the stream has been drawn, in 32-bit words: two copies of
    /// one stream at the same position draw the same numbers next (the
    /// explorer's state fingerprint includes it). Two words a draw (what
    /// the ChaCha stream's own `get_word_pos` says, checked in debug
    /// builds, at a fraction of its cost).
    pub fn position(&self) -> u128 {
        let position = 2 * u128::from(self.draws);
        debug_assert_eq!(position, self.inner.get_word_pos());
        position
    }

    /// 64 uniformly random bits: the only draw from the ChaCha stream (each
    /// other method draws through it).
    pub fn next_u64(&mut self) -> u64 {
        self.draws += 1;
        self.inner.next_u64()
    }

    /// A uniform integer in `[0, bound)`; `bound` must be positive (zero gives 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound <= 1 {
            return 0;
        }
        // Lemire's nearly-divisionless method: unbiased, integer only.
        let mut m = u128::from(self.next_u64()) * u128::from(bound);
        if (m as u64) < bound {
            let threshold = bound.wrapping_neg() % bound;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(bound);
            }
        }
        (m >> 64) as u64
    }

    /// A uniform integer in `[low, high]` (swapped if given the wrong way round).
    pub fn range_inclusive(&mut self, low: u64, high: u64) -> u64 {
        let (low, high) = if low <= high {
            (low, high)
        } else {
            (high, low)
        };
        match (high - low).checked_add(1) {
            Some(span) => low + self.below(span),
            None => self.next_u64(),
        }
    }

    /// A uniform index into a collection of `len` items (`len` > 0).
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `ratio`.
    pub fn chance(&mut self, ratio: Ratio) -> bool {
        if ratio.numerator == 0 {
            return false;
        }
        if ratio.numerator >= ratio.denominator {
            return true;
        }
        self.below(ratio.denominator) < ratio.numerator
    }

    /// Shuffle a slice in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// Pick one item by integer weight; `None` when all weights are zero.
    pub fn weighted_index(&mut self, weights: &[u64]) -> Option<usize> {
        let total: u64 = weights.iter().sum();
        if total == 0 {
            return None;
        }
        let mut pick = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if pick < w {
                return Some(i);
            }
            pick -= w;
        }
        None
    }

    /// A uniform float in `(0, 1]` with 53 random bits, for distributions that
    /// need `ln`/`exp` (computed with the pure-Rust `libm`).
    pub fn unit_open(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_independent_and_repeatable() {
        let mut a = Prng::new(7, Stream::Network);
        let mut b = Prng::new(7, Stream::Network);
        let mut c = Prng::new(7, Stream::Faults);
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    /// `clone_from` gives a stream that draws what the source draws next,
    /// whether it skips the copy (same seed, stream and draws) or not
    /// (another position, stream or seed), and `position` is the ChaCha
    /// stream's word position.
    #[test]
    fn clone_from_draws_what_the_source_draws() {
        let mut source = Prng::new(7, Stream::Node(1));
        for _ in 0..5 {
            source.next_u64();
        }
        let mut targets = vec![
            Prng::new(7, Stream::Node(1)),
            Prng::new(7, Stream::Node(2)),
            Prng::new(8, Stream::Node(1)),
        ];
        // The same key, stream and position, reached by draws of its own:
        // the copy is skipped.
        let mut same = Prng::new(7, Stream::Node(1));
        while same.position() < source.position() {
            same.next_u64();
        }
        targets.push(same);
        for (i, mut target) in targets.into_iter().enumerate() {
            target.clone_from(&source);
            let mut want = source.clone();
            let got: Vec<u64> = (0..70).map(|_| target.next_u64()).collect();
            let expect: Vec<u64> = (0..70).map(|_| want.next_u64()).collect();
            assert_eq!(got, expect, "target {i}");
            assert_eq!(target.position(), want.position(), "target {i}");
            assert_eq!(target.position(), target.inner.get_word_pos(), "target {i}");
        }
    }

    /// Pins the generator's output: if this changes, every seed changes.
    #[test]
    fn output_is_pinned() {
        let mut rng = Prng::new(42, Stream::Node(3));
        let raw: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        let below: Vec<u64> = (0..6).map(|_| rng.below(10)).collect();
        let range: Vec<u64> = (0..4).map(|_| rng.range_inclusive(100, 200)).collect();
        let chance: Vec<bool> = (0..8).map(|_| rng.chance(Ratio::new(1, 3))).collect();
        let mut items = [1, 2, 3, 4, 5, 6];
        rng.shuffle(&mut items);
        insta::assert_debug_snapshot!((raw, below, range, chance, items, rng.unit_open()));
    }

    #[test]
    fn below_stays_in_bounds_and_covers_the_range() {
        let mut rng = Prng::new(1, Stream::Other(0));
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            seen[rng.below(7) as usize] += 1;
        }
        for count in seen {
            assert!((800..1200).contains(&count), "{seen:?}");
        }
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn chance_matches_its_ratio() {
        let mut rng = Prng::new(2, Stream::Other(0));
        let hits = (0..100_000)
            .filter(|_| rng.chance(Ratio::new(1, 4)))
            .count();
        assert!((24_000..26_000).contains(&hits), "{hits}");
        assert!(!rng.chance(Ratio::ZERO));
        assert!(rng.chance(Ratio::ONE));
    }

    #[test]
    fn ratio_from_probability_is_exact_to_a_billionth() {
        assert_eq!(
            Ratio::from_probability(0.25),
            Ratio::new(250_000_000, 1_000_000_000)
        );
        let clamped = Ratio::from_probability(1.5);
        assert_eq!(clamped.numerator, clamped.denominator);
        assert!(Ratio::from_probability(-1.0).is_zero());
    }
}
