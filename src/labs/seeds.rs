//! Which seeds a grade runs: the published ones (each case's range, the
//! same for everybody), or a held-out set derived from an instructor's
//! secret salt, so a grade cannot be won by tuning to the published seeds.
//!
//! A held-out seed is a hash of (salt, scenario path, index): the same salt
//! always gives the same seeds, each case keeps its count, and changing the
//! salt changes every seed. The salt itself is never printed or recorded,
//! only its fingerprint ([`SeedSet::label`]).

use super::integrity::{fnv1a64, fold};

/// The seed set of a grade.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SeedSet {
    /// Each case's published range (plus any extra seeds).
    #[default]
    Published,
    /// As many seeds per case, derived from this secret salt.
    HeldOut {
        /// The instructor's salt (any text).
        salt: String,
    },
}

impl SeedSet {
    /// Held-out seeds from `salt`.
    pub fn held_out(salt: &str) -> SeedSet {
        SeedSet::HeldOut {
            salt: salt.to_string(),
        }
    }

    /// The seeds of case `scenario` whose published range is `range`
    /// (`start..end`, end excluded), in grading order.
    pub fn seeds(&self, scenario: &str, range: (u64, u64)) -> Vec<u64> {
        match self {
            SeedSet::Published => (range.0..range.1).collect(),
            SeedSet::HeldOut { salt } => (0..range.1.saturating_sub(range.0))
                .map(|index| held_out_seed(salt, scenario, index))
                .collect(),
        }
    }

    /// How the scoreboard and the score record name it: `published`, or
    /// `held-out (salt #1a2b3c4d)` with the salt's fingerprint.
    pub fn label(&self) -> String {
        match self {
            SeedSet::Published => "published".into(),
            SeedSet::HeldOut { salt } => {
                format!("held-out (salt #{:08x})", fnv1a64(salt.as_bytes()) >> 32)
            }
        }
    }

    /// Whether these are the published seeds.
    pub fn is_published(&self) -> bool {
        matches!(self, SeedSet::Published)
    }
}

/// Seed `index` of `scenario` under `salt`: FNV-1a 64 over the three,
/// finished with a splitmix64 step so neighbouring indexes spread, below
/// 10^9 so a replay command stays easy to type.
pub fn held_out_seed(salt: &str, scenario: &str, index: u64) -> u64 {
    let mut h = fnv1a64(salt.as_bytes());
    h = fold(h, &[0]);
    h = fold(h, scenario.as_bytes());
    h = fold(h, &[0]);
    h = fold(h, &index.to_le_bytes());
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % 1_000_000_000
}
