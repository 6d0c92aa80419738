//! Virtual time: nanoseconds since the start of a simulation.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::str::FromStr;

/// A point in (or span of) virtual time, in nanoseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(pub u64);

impl SimTime {
    /// Time zero.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable time.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// From nanoseconds.
    pub const fn from_nanos(ns: u64) -> Self {
        SimTime(ns)
    }
    /// From microseconds.
    pub const fn from_micros(us: u64) -> Self {
        SimTime(us * 1_000)
    }
    /// From milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms * 1_000_000)
    }
    /// From seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * 1_000_000_000)
    }
    /// As nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// As whole milliseconds (rounded down).
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }
    /// Addition that stops at [`SimTime::MAX`].
    pub const fn saturating_add(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(other.0))
    }
    /// Subtraction that stops at zero.
    pub const fn saturating_sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0 + rhs.0)
    }
}

impl AddAssign for SimTime {
    fn add_assign(&mut self, rhs: SimTime) {
        self.0 += rhs.0;
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: SimTime) -> SimTime {
        SimTime(self.0 - rhs.0)
    }
}

/// Readable form: `0s`, `1.250s`, `15ms`, `3.5ms`, `20us`, `7ns`.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        let (unit, scale) = if ns == 0 || ns >= 1_000_000_000 {
            ("s", 1_000_000_000)
        } else if ns >= 1_000_000 {
            ("ms", 1_000_000)
        } else if ns >= 1_000 {
            ("us", 1_000)
        } else {
            return write!(f, "{ns}ns");
        };
        let whole = ns / scale;
        let frac = ns % scale;
        if frac == 0 {
            return write!(f, "{whole}{unit}");
        }
        // Three decimals, trailing zeros trimmed.
        let milli = frac * 1000 / scale;
        let text = format!("{milli:03}");
        let text = text.trim_end_matches('0');
        if text.is_empty() {
            write!(f, "{whole}{unit}")
        } else {
            write!(f, "{whole}.{text}{unit}")
        }
    }
}

/// Why a duration string could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseTimeError(pub String);

impl fmt::Display for ParseTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseTimeError {}

/// Parses `250ms`, `1.5s`, `20us`, `100ns`, `2m` (minutes), `0`.
impl FromStr for SimTime {
    type Err = ParseTimeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let s = text.trim();
        if s == "0" {
            return Ok(SimTime::ZERO);
        }
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| {
                ParseTimeError(format!(
                    "expected a duration with a unit (ns, us, ms, s, m), got {text:?}"
                ))
            })?;
        let (number, unit) = s.split_at(split);
        let scale: u64 = match unit.trim() {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" | "min" => 60_000_000_000,
            other => {
                return Err(ParseTimeError(format!(
                    "unknown time unit {other:?} in {text:?} (expected ns, us, ms, s or m)"
                )))
            }
        };
        let bad = || ParseTimeError(format!("expected a number before the unit in {text:?}"));
        let (whole, frac) = match number.split_once('.') {
            Some((w, f)) => (w, f),
            None => (number, ""),
        };
        if whole.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let mut frac_ns: u64 = 0;
        let mut place = scale;
        for c in frac.chars() {
            let digit = c.to_digit(10).ok_or_else(bad)? as u64;
            place /= 10;
            frac_ns += digit * place;
        }
        whole
            .checked_mul(scale)
            .and_then(|ns| ns.checked_add(frac_ns))
            .map(SimTime)
            .ok_or_else(|| ParseTimeError(format!("duration {text:?} is too large")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_readable() {
        assert_eq!(SimTime::ZERO.to_string(), "0s");
        assert_eq!(SimTime::from_millis(1250).to_string(), "1.25s");
        assert_eq!(SimTime::from_millis(15).to_string(), "15ms");
        assert_eq!(SimTime::from_micros(3500).to_string(), "3.5ms");
        assert_eq!(SimTime::from_micros(20).to_string(), "20us");
        assert_eq!(SimTime(7).to_string(), "7ns");
        assert_eq!(SimTime::from_secs(30).to_string(), "30s");
    }

    #[test]
    fn parse_accepts_units_and_fractions() {
        assert_eq!("250ms".parse(), Ok(SimTime::from_millis(250)));
        assert_eq!("1.5s".parse(), Ok(SimTime::from_millis(1500)));
        assert_eq!("20us".parse(), Ok(SimTime::from_micros(20)));
        assert_eq!("100ns".parse(), Ok(SimTime(100)));
        assert_eq!("2m".parse(), Ok(SimTime::from_secs(120)));
        assert_eq!("0".parse(), Ok(SimTime::ZERO));
    }

    #[test]
    fn parse_rejects_garbage() {
        assert!("".parse::<SimTime>().is_err());
        assert!("ms".parse::<SimTime>().is_err());
        assert!("10".parse::<SimTime>().is_err());
        assert!("10 parsecs".parse::<SimTime>().is_err());
        assert!("1.2.3s".parse::<SimTime>().is_err());
    }

    #[test]
    fn display_round_trips_through_parse() {
        for ns in [0, 7, 20_000, 3_500_000, 15_000_000, 1_250_000_000] {
            let t = SimTime(ns);
            assert_eq!(t.to_string().parse::<SimTime>(), Ok(t));
        }
    }
}
