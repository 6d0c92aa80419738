//! The resilience patterns as small deterministic state machines, usable by
//! any protocol: exponential backoff with jitter, a circuit breaker, a
//! bulkhead and a token-bucket rate limiter. Time is passed in (virtual, the
//! node's clock); randomness comes from the caller's [`Prng`].

use crate::sim::{Prng, SimTime};

/// How a backoff delay is randomised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly the ceiling: synchronised retries (a thundering herd).
    None,
    /// Uniform in `0..=ceiling` ("full jitter").
    Full,
    /// `ceiling/2` plus uniform in `0..=ceiling/2` ("equal jitter").
    Equal,
}

impl crate::scenario::Choice for Jitter {
    const NAMES: &'static [&'static str] = &["none", "full", "equal"];
    const ALL: &'static [Jitter] = &[Jitter::None, Jitter::Full, Jitter::Equal];
}

/// Exponential backoff: the `n`-th retry waits up to `base · 2^(n-1)`,
/// capped at `max`, randomised by `jitter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Delay ceiling of the first retry.
    pub base: SimTime,
    /// Largest delay ceiling.
    pub max: SimTime,
    /// Randomisation.
    pub jitter: Jitter,
}

impl Backoff {
    /// The delay ceiling before retry `retry` (1 for the first retry).
    pub fn ceiling(&self, retry: u32) -> SimTime {
        let doublings = retry.saturating_sub(1).min(63);
        let factor = 1u64 << doublings;
        SimTime(
            self.base
                .as_nanos()
                .saturating_mul(factor)
                .min(self.max.as_nanos()),
        )
    }

    /// The delay before retry `retry`, drawn from `rng` per the jitter.
    pub fn delay(&self, retry: u32, rng: &mut Prng) -> SimTime {
        let c = self.ceiling(retry).as_nanos();
        SimTime(match self.jitter {
            Jitter::None => c,
            Jitter::Full => rng.range_inclusive(0, c),
            Jitter::Equal => c / 2 + rng.range_inclusive(0, c - c / 2),
        })
    }
}

/// A circuit breaker's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls pass; consecutive failures are counted.
    Closed {
        /// Consecutive failures so far.
        failures: u32,
    },
    /// Calls fail fast until `until`.
    Open {
        /// When a probe may go through.
        until: SimTime,
    },
    /// A few probe calls pass; their results decide.
    HalfOpen {
        /// Probes sent and not answered yet.
        in_flight: u32,
        /// Probes that succeeded.
        successes: u32,
    },
}

/// Closed → (`failure_threshold` consecutive failures) → Open → (`open_for`
/// elapsed) → HalfOpen → (`probes` successes) → Closed, or (any failure) →
/// Open again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitBreaker {
    /// Consecutive failures that open the breaker.
    pub failure_threshold: u32,
    /// How long it stays open.
    pub open_for: SimTime,
    /// Probe calls allowed (and successes needed) when half-open.
    pub probes: u32,
    state: BreakerState,
    /// Times it opened.
    pub opened: u32,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(failure_threshold: u32, open_for: SimTime, probes: u32) -> Self {
        CircuitBreaker {
            failure_threshold: failure_threshold.max(1),
            open_for,
            probes: probes.max(1),
            state: BreakerState::Closed { failures: 0 },
            opened: 0,
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// May a call go through at `now`? (Counts it as a probe when half-open.)
    pub fn allow(&mut self, now: SimTime) -> bool {
        match self.state {
            BreakerState::Closed { .. } => true,
            BreakerState::Open { until } if now >= until => {
                self.state = BreakerState::HalfOpen {
                    in_flight: 1,
                    successes: 0,
                };
                true
            }
            BreakerState::Open { .. } => false,
            BreakerState::HalfOpen {
                in_flight,
                successes,
            } if in_flight + successes < self.probes => {
                self.state = BreakerState::HalfOpen {
                    in_flight: in_flight + 1,
                    successes,
                };
                true
            }
            BreakerState::HalfOpen { .. } => false,
        }
    }

    /// An allowed call succeeded.
    pub fn on_success(&mut self) {
        match self.state {
            BreakerState::Closed { .. } => self.state = BreakerState::Closed { failures: 0 },
            BreakerState::HalfOpen {
                in_flight,
                successes,
            } => {
                let successes = successes + 1;
                self.state = if successes >= self.probes {
                    BreakerState::Closed { failures: 0 }
                } else {
                    BreakerState::HalfOpen {
                        in_flight: in_flight.saturating_sub(1),
                        successes,
                    }
                };
            }
            BreakerState::Open { .. } => {} // a late answer from before it opened
        }
    }

    /// An allowed call failed (error or timeout) at `now`.
    pub fn on_failure(&mut self, now: SimTime) {
        match self.state {
            BreakerState::Closed { failures } if failures + 1 >= self.failure_threshold => {
                self.open(now);
            }
            BreakerState::Closed { failures } => {
                self.state = BreakerState::Closed {
                    failures: failures + 1,
                };
            }
            BreakerState::HalfOpen { .. } => self.open(now),
            BreakerState::Open { .. } => {}
        }
    }

    fn open(&mut self, now: SimTime) {
        self.opened += 1;
        self.state = BreakerState::Open {
            until: now.saturating_add(self.open_for),
        };
    }
}

/// At most `max` calls in flight to one dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bulkhead {
    /// Capacity.
    pub max: u32,
    /// Calls in flight.
    pub in_use: u32,
}

impl Bulkhead {
    /// An empty bulkhead of capacity `max`.
    pub fn new(max: u32) -> Self {
        Bulkhead { max, in_use: 0 }
    }

    /// Take a slot if one is free.
    pub fn try_acquire(&mut self) -> bool {
        let free = self.in_use < self.max;
        if free {
            self.in_use += 1;
        }
        free
    }

    /// Give a slot back.
    pub fn release(&mut self) {
        self.in_use = self.in_use.saturating_sub(1);
    }
}

/// A token bucket: one token every `interval`, at most `capacity` saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimiter {
    /// Time to earn one token.
    pub interval: SimTime,
    /// Most tokens saved up (the burst).
    pub capacity: u64,
    credit_ns: u64,
    last: SimTime,
}

impl RateLimiter {
    /// A full bucket allowing `per_second` calls per second, bursts of `capacity`.
    pub fn new(per_second: u64, capacity: u64) -> Self {
        let interval = SimTime(1_000_000_000 / per_second.max(1));
        let capacity = capacity.max(1);
        RateLimiter {
            interval,
            capacity,
            credit_ns: interval.as_nanos() * capacity,
            last: SimTime::ZERO,
        }
    }

    /// Tokens saved up as of the last call to [`RateLimiter::try_take`]
    /// (what the inspector shows).
    pub fn tokens(&self) -> u64 {
        self.credit_ns / self.interval.as_nanos().max(1)
    }

    /// Take a token at `now`, if there is one.
    pub fn try_take(&mut self, now: SimTime) -> bool {
        let cap = self.interval.as_nanos() * self.capacity;
        let earned = now.saturating_sub(self.last).as_nanos();
        self.credit_ns = self.credit_ns.saturating_add(earned).min(cap);
        self.last = now.max(self.last);
        let cost = self.interval.as_nanos();
        let ok = self.credit_ns >= cost;
        if ok {
            self.credit_ns -= cost;
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Stream;

    fn ms(n: u64) -> SimTime {
        SimTime::from_millis(n)
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let b = Backoff {
            base: ms(50),
            max: ms(1000),
            jitter: Jitter::None,
        };
        let schedule: Vec<u64> = (1..=7).map(|n| b.ceiling(n).as_millis()).collect();
        assert_eq!(schedule, [50, 100, 200, 400, 800, 1000, 1000]);
        let mut rng = Prng::new(1, Stream::Node(0));
        assert_eq!(b.delay(3, &mut rng), ms(200));
        assert_eq!(b.ceiling(200), ms(1000), "no overflow on huge retries");
    }

    #[test]
    fn jitter_stays_within_its_bounds_and_varies() {
        let mut rng = Prng::new(7, Stream::Node(0));
        for jitter in [Jitter::Full, Jitter::Equal] {
            let b = Backoff {
                base: ms(100),
                max: ms(1000),
                jitter,
            };
            let delays: Vec<SimTime> = (0..200).map(|_| b.delay(4, &mut rng)).collect();
            let low = if jitter == Jitter::Full {
                ms(0)
            } else {
                ms(400)
            };
            assert!(
                delays.iter().all(|&d| d >= low && d <= ms(800)),
                "{jitter:?}"
            );
            let first = delays[0];
            assert!(delays.iter().any(|&d| d != first), "{jitter:?} must vary");
        }
    }

    #[test]
    fn breaker_opens_after_consecutive_failures_only() {
        let mut b = CircuitBreaker::new(3, ms(500), 1);
        b.on_failure(ms(1));
        b.on_failure(ms(2));
        b.on_success();
        b.on_failure(ms(3));
        b.on_failure(ms(4));
        assert_eq!(b.state(), BreakerState::Closed { failures: 2 });
        b.on_failure(ms(5));
        assert_eq!(b.state(), BreakerState::Open { until: ms(505) });
        assert_eq!(b.opened, 1);
        assert!(!b.allow(ms(504)), "fails fast while open");
    }

    #[test]
    fn breaker_half_opens_and_a_probe_decides() {
        let mut b = CircuitBreaker::new(1, ms(100), 1);
        b.on_failure(ms(0));
        assert!(b.allow(ms(100)), "the probe passes");
        assert_eq!(
            b.state(),
            BreakerState::HalfOpen {
                in_flight: 1,
                successes: 0
            }
        );
        assert!(!b.allow(ms(101)), "only one probe at a time");
        b.on_failure(ms(150));
        assert_eq!(b.state(), BreakerState::Open { until: ms(250) });
        assert_eq!(b.opened, 2);
        assert!(b.allow(ms(250)));
        b.on_success();
        assert_eq!(b.state(), BreakerState::Closed { failures: 0 });
        assert!(b.allow(ms(251)));
    }

    #[test]
    fn breaker_needs_every_probe_to_succeed() {
        let mut b = CircuitBreaker::new(1, ms(10), 2);
        b.on_failure(ms(0));
        assert!(b.allow(ms(10)) && b.allow(ms(10)) && !b.allow(ms(10)));
        b.on_success();
        assert!(matches!(
            b.state(),
            BreakerState::HalfOpen { successes: 1, .. }
        ));
        b.on_success();
        assert_eq!(b.state(), BreakerState::Closed { failures: 0 });
        b.on_success(); // a late answer changes nothing
        assert_eq!(b.state(), BreakerState::Closed { failures: 0 });
    }

    #[test]
    fn bulkhead_bounds_concurrency() {
        let mut h = Bulkhead::new(2);
        assert!(h.try_acquire() && h.try_acquire());
        assert!(!h.try_acquire());
        h.release();
        assert!(h.try_acquire());
        h.release();
        h.release();
        h.release();
        assert_eq!(h.in_use, 0, "release never goes negative");
    }

    #[test]
    fn rate_limiter_allows_a_burst_then_the_rate() {
        let mut r = RateLimiter::new(10, 3); // a token every 100 ms, burst 3
        let t = ms(1000);
        assert!(r.try_take(t) && r.try_take(t) && r.try_take(t));
        assert!(!r.try_take(t));
        assert!(!r.try_take(ms(1099)));
        assert!(r.try_take(ms(1100)));
        assert!(!r.try_take(ms(1150)));
    }
}
