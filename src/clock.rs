//! Per-node clocks: an offset and a drift (parts per million) over virtual time.
//!
//! A node reads its *local* time; timers are set in local time. Faults jump a
//! clock (change its offset); a strobe is a series of jumps. All arithmetic is
//! integer, so clocks behave identically on every platform.

use crate::base::SimTime;
use serde::{Deserialize, Serialize};

const MILLION: i128 = 1_000_000;

/// One node's clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// Offset from true time, in nanoseconds (may be negative).
    pub offset_ns: i64,
    /// Rate error in parts per million: +100 runs 100 µs per second fast.
    /// Kept above -1_000_000 so time always moves forward.
    pub drift_ppm: i64,
}

impl Clock {
    /// A clock with the given offset and drift (drift clamped to ±100 000 ppm).
    pub fn new(offset_ns: i64, drift_ppm: i64) -> Clock {
        Clock {
            offset_ns,
            drift_ppm: drift_ppm.clamp(-100_000, 100_000),
        }
    }

    /// The local reading at true time `now` (never below zero).
    pub fn local(&self, now: SimTime) -> SimTime {
        let t = i128::from(now.as_nanos());
        // No drift: no 128-bit division (the explorer reads clocks in
        // every state it fingerprints).
        let drift = match self.drift_ppm {
            0 => 0,
            ppm => t * i128::from(ppm) / MILLION,
        };
        let local = t + drift + i128::from(self.offset_ns);
        SimTime(local.clamp(0, i128::from(u64::MAX)) as u64)
    }

    /// The true time at which the local clock first reads `local_deadline`, at
    /// or after `now`.
    pub fn true_time_of(&self, local_deadline: SimTime, now: SimTime) -> SimTime {
        if self.drift_ppm == 0 && self.offset_ns >= 0 {
            // The local reading is true time plus the offset: the deadline
            // minus the offset, with no division and no correction steps
            // (the same answer as below, which a test checks).
            let target = i128::from(local_deadline.as_nanos()) - i128::from(self.offset_ns);
            let t = target.clamp(0, i128::from(u64::MAX)) as u64;
            return SimTime(t).max(now);
        }
        self.true_time_by_search(local_deadline, now)
    }

    /// [`Clock::true_time_of`] for any clock: a division, then integer
    /// rounding corrected a tick at a time.
    fn true_time_by_search(&self, local_deadline: SimTime, now: SimTime) -> SimTime {
        let rate = MILLION + i128::from(self.drift_ppm);
        let target = i128::from(local_deadline.as_nanos()) - i128::from(self.offset_ns);
        // Smallest t with t * rate / MILLION >= target (ceil division).
        let t = if target <= 0 {
            0
        } else {
            (target * MILLION + rate - 1) / rate
        };
        let t = t.clamp(0, i128::from(u64::MAX)) as u64;
        let mut t = SimTime(t).max(now);
        // Integer rounding in `local` may leave us a tick or two off either way.
        while self.local(t) < local_deadline && t < SimTime::MAX {
            t = SimTime(t.as_nanos() + 1);
        }
        while t > now && self.local(SimTime(t.as_nanos() - 1)) >= local_deadline {
            t = SimTime(t.as_nanos() - 1);
        }
        t
    }

    /// Move the clock by `by_ns` (a clock-jump fault).
    pub fn jump(&mut self, by_ns: i64) {
        self.offset_ns = self.offset_ns.saturating_add(by_ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_and_offset_apply() {
        let fast = Clock::new(5_000_000, 100);
        let t = SimTime::from_secs(10);
        // 10 s + 1 ms of drift + 5 ms of offset.
        assert_eq!(fast.local(t), SimTime::from_millis(10_006));
        let slow = Clock::new(0, -500);
        assert_eq!(slow.local(t), SimTime::from_millis(9_995));
    }

    #[test]
    fn local_time_never_goes_below_zero() {
        let behind = Clock::new(-1_000_000_000, 0);
        assert_eq!(behind.local(SimTime::from_millis(500)), SimTime::ZERO);
    }

    #[test]
    fn true_time_of_inverts_local() {
        for clock in [
            Clock::new(0, 0),
            Clock::new(3_000, 250),
            Clock::new(-7_000, -999),
        ] {
            let now = SimTime::from_millis(3);
            for deadline_ms in [4u64, 150, 10_000] {
                let deadline = SimTime::from_millis(deadline_ms);
                let t = clock.true_time_of(deadline, now);
                assert!(clock.local(t) >= deadline);
                assert!(t == now || clock.local(SimTime(t.as_nanos() - 1)) < deadline);
            }
        }
    }

    /// Without drift and with an offset of 0 or more, the shortcut gives
    /// what the search gives, overdue and far-off deadlines included.
    #[test]
    fn true_time_without_drift_is_the_search_without_the_search() {
        let big = u64::MAX - 5;
        for offset in [0i64, 1, 3_000, i64::MAX] {
            let clock = Clock::new(offset, 0);
            for deadline in [0u64, 1, 2_999, 3_000, 3_001, 150_000, big, u64::MAX] {
                for now in [0u64, 1, 3_000, 200_000, big] {
                    let (deadline, now) = (SimTime(deadline), SimTime(now));
                    assert_eq!(
                        clock.true_time_of(deadline, now),
                        clock.true_time_by_search(deadline, now),
                        "offset {offset}, deadline {deadline:?}, now {now:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_jump_moves_the_reading() {
        let mut c = Clock::new(0, 0);
        c.jump(2_000_000_000);
        assert_eq!(c.local(SimTime::from_secs(1)), SimTime::from_secs(3));
        c.jump(-3_000_000_000);
        assert_eq!(c.local(SimTime::from_secs(1)), SimTime::ZERO);
    }
}
