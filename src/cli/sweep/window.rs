//! The seeds of a sweep, and the bounded window that puts parallel results
//! back in seed order.
//!
//! Workers claim seed *positions* (0, 1, 2, ... in the range, after sharding)
//! and finish them in any order; the window hands them on in position order,
//! so everything derived from them (FAIL lines, the failure file, the sweep
//! hash) is the same at every `--jobs`. A worker may only claim a position
//! less than `limit` ahead of the next one to hand on, so at most `limit`
//! results are ever held, whatever the length of the range: the sweep's state
//! is O(jobs + failures), never O(seeds).

use std::collections::BTreeMap;

/// The seeds `start..end` whose position in the range is `shard` modulo
/// `shards`, computed on demand (nothing is stored per seed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    /// First seed of the range.
    pub start: u64,
    /// End of the range (excluded).
    pub end: u64,
    /// This shard's index.
    pub shard: u64,
    /// Number of shards (at least 1).
    pub shards: u64,
}

impl SeedRange {
    /// Number of seeds in this shard of the range.
    pub fn len(&self) -> u64 {
        let first = self.start.saturating_add(self.shard);
        if first >= self.end {
            return 0;
        }
        (self.end - first - 1) / self.shards + 1
    }

    /// The seed at `position` (below [`SeedRange::len`]).
    pub fn seed(&self, position: u64) -> u64 {
        self.start + self.shard + position * self.shards
    }
}

/// What a worker should do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Run the seed at this position.
    Run(u64),
    /// The window is full: wait until earlier results are handed on.
    Wait,
    /// Every position is claimed, or the sweep stopped: exit.
    Done,
}

/// Results by position, handed on in position order, at most `limit` held.
#[derive(Debug)]
pub struct Window<T> {
    total: u64,
    limit: u64,
    next_claim: u64,
    frontier: u64,
    ready: BTreeMap<u64, T>,
    stopped: bool,
}

impl<T> Window<T> {
    /// A window over `total` positions holding at most `limit` (≥ 1) results.
    pub fn new(total: u64, limit: u64) -> Self {
        Window {
            total,
            limit: limit.max(1),
            next_claim: 0,
            frontier: 0,
            ready: BTreeMap::new(),
            stopped: false,
        }
    }

    /// The next position to run, if the window has room.
    pub fn claim(&mut self) -> Claim {
        if self.stopped || self.next_claim >= self.total {
            return Claim::Done;
        }
        if self.next_claim - self.frontier >= self.limit {
            return Claim::Wait;
        }
        self.next_claim += 1;
        Claim::Run(self.next_claim - 1)
    }

    /// The result of a claimed position.
    pub fn complete(&mut self, position: u64, result: T) {
        debug_assert!(position >= self.frontier && position < self.next_claim);
        self.ready.insert(position, result);
    }

    /// The next result in position order, once every earlier one was handed on.
    pub fn pop_ready(&mut self) -> Option<(u64, T)> {
        let result = self.ready.remove(&self.frontier)?;
        self.frontier += 1;
        Some((self.frontier - 1, result))
    }

    /// Stop handing out positions (Ctrl-C, or an error).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// True once [`Window::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// After a stop, every remaining result in position order, past any
    /// position that will never complete.
    pub fn drain_stopped(&mut self) -> Vec<(u64, T)> {
        let rest = std::mem::take(&mut self.ready);
        rest.into_iter().collect()
    }

    /// Every position before this one was handed on.
    pub fn frontier(&self) -> u64 {
        self.frontier
    }

    /// Results held, waiting for an earlier position (at most `limit`).
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.ready.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_computed_not_stored() {
        let all = SeedRange {
            start: 0,
            end: u64::MAX,
            shard: 0,
            shards: 1,
        };
        assert_eq!(all.len(), u64::MAX);
        assert_eq!(all.seed(u64::MAX - 1), u64::MAX - 1);
        let shard = SeedRange {
            start: 10,
            end: 20,
            shard: 1,
            shards: 4,
        };
        let seeds: Vec<u64> = (0..shard.len()).map(|i| shard.seed(i)).collect();
        assert_eq!(seeds, vec![11, 15, 19]);
        let empty = SeedRange {
            start: 0,
            end: 2,
            shard: 3,
            shards: 4,
        };
        assert_eq!(empty.len(), 0);
    }

    /// Many positions finishing out of order, one slow position holding the
    /// frontier back: the window never holds more than its limit, and hands
    /// every result on in order.
    #[test]
    fn the_window_holds_at_most_its_limit_and_hands_on_in_order() {
        let mut window = Window::new(1_000_000, 8);
        let mut handed = Vec::new();
        let mut max_held = 0;
        let slow = window.claim();
        assert_eq!(slow, Claim::Run(0));
        loop {
            match window.claim() {
                Claim::Run(p) => window.complete(p, p * 10),
                Claim::Wait => break,
                Claim::Done => unreachable!("a million positions"),
            }
            max_held = max_held.max(window.held());
        }
        assert_eq!(window.held(), 7, "the slow seed blocks the window");
        assert!(window.pop_ready().is_none());
        window.complete(0, 0);
        while let Some((p, r)) = window.pop_ready() {
            handed.push((p, r));
        }
        assert_eq!(handed.len(), 8);
        assert!(handed.iter().all(|&(p, r)| r == p * 10));
        for _ in 0..100_000 {
            match window.claim() {
                Claim::Run(p) => window.complete(p, p * 10),
                Claim::Wait => {
                    while let Some(item) = window.pop_ready() {
                        handed.push(item);
                    }
                }
                Claim::Done => break,
            }
            max_held = max_held.max(window.held());
        }
        assert!(max_held <= 8, "held {max_held}");
        assert!(handed.windows(2).all(|w| w[1].0 == w[0].0 + 1));
    }

    #[test]
    fn a_stopped_window_drains_what_completed() {
        let mut window = Window::new(100, 10);
        let claimed: Vec<u64> = (0..5)
            .map(|_| match window.claim() {
                Claim::Run(p) => p,
                other => panic!("{other:?}"),
            })
            .collect();
        window.complete(claimed[0], "a");
        window.complete(claimed[2], "c");
        window.complete(claimed[4], "e");
        assert_eq!(window.pop_ready(), Some((0, "a")));
        window.stop();
        assert_eq!(window.claim(), Claim::Done);
        assert_eq!(window.drain_stopped(), vec![(2, "c"), (4, "e")]);
        assert_eq!(window.frontier(), 1);
    }
}
