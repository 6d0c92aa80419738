//! The scenario format's own units: [`Probability`] and [`SignedDuration`]
//! (read by `read.rs`, held by the specs in `spec.rs`).

use crate::base::SimTime;
use std::fmt;

/// A probability in `0..=1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Probability(f64);

impl Probability {
    /// Never.
    pub const ZERO: Probability = Probability(0.0);

    /// A probability, if `value` is in `0..=1` (NaN is not).
    pub fn new(value: f64) -> Option<Probability> {
        (0.0..=1.0).contains(&value).then_some(Probability(value))
    }

    /// The value in `0..=1`.
    pub fn value(self) -> f64 {
        self.0
    }

    /// The probability as an integer ratio over 1 000 000 000 (rounded), so
    /// that decisions can use integers only and replay on every platform.
    pub fn per_billion(self) -> u32 {
        // In range by construction: 0.0..=1e9.
        (self.0 * 1e9).round() as u32
    }
}

/// A signed span of time for clock jumps: `"+2s"`, `"-2s"`, `"2s"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct SignedDuration(pub i64);

impl SignedDuration {
    /// Nanoseconds; negative moves a clock back.
    pub fn as_nanos(self) -> i64 {
        self.0
    }
}

impl fmt::Display for SignedDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { '-' } else { '+' };
        write!(f, "{sign}{}", SimTime(self.0.unsigned_abs()))
    }
}
