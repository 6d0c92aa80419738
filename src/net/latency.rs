//! Latency distributions, sampled in integer nanoseconds.
//!
//! `exponential` and `lognormal` need `ln`/`exp`/`cos`; they use the pure-Rust
//! `libm`, never the platform's maths library, so a seed gives the same delays
//! on every platform.

use crate::base::rng::Prng;
use crate::base::SimTime;
use serde::{Deserialize, Serialize};

/// Upper bound on any sampled delay (an exponential tail must stay finite).
pub const MAX_LATENCY: SimTime = SimTime::from_secs(60);

/// How long a message takes on a link.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Latency {
    /// Always the same.
    Constant {
        /// The delay.
        value: SimTime,
    },
    /// Uniform in `[min, max]`.
    Uniform {
        /// Shortest delay.
        min: SimTime,
        /// Longest delay.
        max: SimTime,
    },
    /// Exponential with the given mean (capped at [`MAX_LATENCY`]).
    Exponential {
        /// Mean delay.
        mean: SimTime,
    },
    /// Log-normal: `median * exp(sigma * Z)`, Z standard normal (capped).
    #[serde(rename = "lognormal")]
    LogNormal {
        /// Median delay.
        median: SimTime,
        /// Shape: spread of the logarithm.
        sigma: f64,
    },
}

impl Default for Latency {
    /// Uniform 1–10 ms.
    fn default() -> Self {
        Latency::Uniform {
            min: SimTime::from_millis(1),
            max: SimTime::from_millis(10),
        }
    }
}

impl Latency {
    /// Draw one delay.
    #[inline]
    pub fn sample(&self, rng: &mut Prng) -> SimTime {
        match *self {
            Latency::Uniform { min, max } => {
                SimTime(rng.range_inclusive(min.as_nanos(), max.as_nanos()))
            }
            _ => self.sample_other(rng),
        }
    }

    /// [`Latency::sample`] for every kind but uniform (out of line: the
    /// uniform draw is the engine's hot path, the others call `libm`).
    #[inline(never)]
    fn sample_other(&self, rng: &mut Prng) -> SimTime {
        match *self {
            Latency::Constant { value } => value,
            Latency::Uniform { min, max } => {
                SimTime(rng.range_inclusive(min.as_nanos(), max.as_nanos()))
            }
            Latency::Exponential { mean } => {
                let scale = -libm::log(rng.unit_open());
                clamp_nanos(mean.as_nanos() as f64 * scale)
            }
            Latency::LogNormal { median, sigma } => {
                // Box–Muller with libm.
                let u1 = rng.unit_open();
                let u2 = rng.unit_open();
                let z = libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2);
                clamp_nanos(median.as_nanos() as f64 * libm::exp(sigma * z))
            }
        }
    }

    /// A short description: `uniform 1ms..10ms`.
    pub fn describe(&self) -> String {
        match self {
            Latency::Constant { value } => format!("constant {value}"),
            Latency::Uniform { min, max } => format!("uniform {min}..{max}"),
            Latency::Exponential { mean } => format!("exponential mean {mean}"),
            Latency::LogNormal { median, sigma } => {
                format!("lognormal median {median} sigma {sigma}")
            }
        }
    }
}

fn clamp_nanos(ns: f64) -> SimTime {
    if ns.is_nan() || ns < 0.0 {
        SimTime::ZERO
    } else {
        SimTime((ns.round() as u64).min(MAX_LATENCY.as_nanos()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::rng::Stream;

    fn samples(latency: Latency, n: usize) -> Vec<u64> {
        let mut rng = Prng::new(11, Stream::Network);
        let mut v: Vec<u64> = (0..n)
            .map(|_| latency.sample(&mut rng).as_nanos())
            .collect();
        v.sort_unstable();
        v
    }

    fn mean(v: &[u64]) -> f64 {
        v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64
    }

    #[test]
    fn constant_is_constant() {
        let v = samples(
            Latency::Constant {
                value: SimTime::from_millis(5),
            },
            100,
        );
        assert!(v.iter().all(|&x| x == 5_000_000));
    }

    #[test]
    fn uniform_stays_in_range_and_fills_it() {
        let v = samples(Latency::default(), 20_000);
        assert!(v[0] >= 1_000_000 && *v.last().unwrap() <= 10_000_000);
        assert!(v[0] < 1_050_000 && *v.last().unwrap() > 9_950_000);
        let m = mean(&v);
        assert!((5_400_000.0..5_600_000.0).contains(&m), "mean {m}");
        // The median sits in the middle.
        let median = v[v.len() / 2] as f64;
        assert!(
            (5_300_000.0..5_700_000.0).contains(&median),
            "median {median}"
        );
    }

    #[test]
    fn exponential_has_its_mean_and_a_long_tail() {
        let v = samples(
            Latency::Exponential {
                mean: SimTime::from_millis(4),
            },
            50_000,
        );
        let m = mean(&v);
        assert!((3_850_000.0..4_150_000.0).contains(&m), "mean {m}");
        // P(X > 3·mean) = e^-3 ≈ 4.98 %.
        let tail = v.iter().filter(|&&x| x > 12_000_000).count() as f64 / v.len() as f64;
        assert!((0.045..0.055).contains(&tail), "tail {tail}");
    }

    #[test]
    fn lognormal_has_its_median_and_spread() {
        let latency = Latency::LogNormal {
            median: SimTime::from_millis(5),
            sigma: 0.5,
        };
        let v = samples(latency, 50_000);
        let median = v[v.len() / 2] as f64;
        assert!(
            (4_850_000.0..5_150_000.0).contains(&median),
            "median {median}"
        );
        // 84th percentile ≈ median · e^sigma.
        let p84 = v[(v.len() as f64 * 0.8413) as usize] as f64;
        let expected = 5_000_000.0 * 0.5f64.exp();
        assert!(
            (p84 / expected - 1.0).abs() < 0.03,
            "p84 {p84} vs {expected}"
        );
    }
}
