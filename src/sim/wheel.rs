//! The event queue's keys, `(time, seq, slot)`, kept in `(time, seq)`
//! order at a cost that does not grow with the number pending.
//!
//! A small queue (the explorer's worlds, most protocol runs) is one binary
//! heap, as before. Past [`WHEEL_FROM`] keys a *timing wheel* takes over:
//!
//! - `front`, a binary heap, holds every key due before `bound`;
//! - a ring of buckets, each `2^shift` ns wide, holds the keys due in
//!   `[bound, bound + span)`, unsorted (a push is an append);
//! - `overflow`, a binary heap, holds the keys due at `bound + span` or
//!   later (the end of the run, rare timers far ahead).
//!
//! When `front` runs empty the next bucket is heapified into it and
//! `bound` moves one bucket on, pulling the keys of `overflow` that the
//! window now covers into the freed bucket. Which container a key is in
//! depends on its time alone, and the containers split time into
//! consecutive ranges, so every key in `front` comes before every key
//! elsewhere and keys of equal time are always in the same container:
//! `front`'s top is the queue's least `(time, seq)`, exactly. A push at any
//! time is allowed (before `bound` it joins `front`).
//!
//! The width is tuned to the keys (about [`PER_BUCKET`] per bucket where
//! they are densest), again whenever the count has doubled or fallen to a
//! quarter, or when refills show the width no longer fits; each tuning
//! costs one pass over the keys, paid for by at least as many operations.

use super::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// What the queue orders: the time and scheduling order of an item, and
/// the slot it waits in. 24 bytes whatever the protocol's messages are,
/// so moving keys never moves messages (moving whole events through the
/// heap was about a tenth of a Paxos churn run, in `memmove`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    pub(super) at: SimTime,
    pub(super) seq: u64,
    pub(super) slot: u32,
    /// The item is a timer reference (the only kind that can go stale):
    /// other keys are never checked against their slot.
    pub(super) timer: bool,
}

impl Entry {
    /// `(time, seq)` as one number, compared in one step: the same order
    /// as comparing the pair (time first, then seq), without the branch
    /// between the two comparisons (the heap compares keys at every level
    /// of a push and a pop).
    #[inline(always)]
    fn order(&self) -> u128 {
        (u128::from(self.at.0) << 64) | u128::from(self.seq)
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    #[inline(always)]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
    // Reversed (see `cmp`); spelled out so that the heap's `<=` is one
    // comparison of two numbers.
    #[inline(always)]
    fn lt(&self, other: &Self) -> bool {
        other.order() < self.order()
    }
    #[inline(always)]
    fn le(&self, other: &Self) -> bool {
        other.order() <= self.order()
    }
    #[inline(always)]
    fn gt(&self, other: &Self) -> bool {
        other.order() > self.order()
    }
    #[inline(always)]
    fn ge(&self, other: &Self) -> bool {
        other.order() >= self.order()
    }
}
impl Ord for Entry {
    /// Reversed, so the max-heap pops the earliest (time, seq).
    #[inline(always)]
    fn cmp(&self, other: &Self) -> Ordering {
        other.order().cmp(&self.order())
    }
}

/// Ask the processor to start loading the cache lines of `bytes` bytes
/// at `at` (at most [`PREFETCH_LINES`] lines), so that a read of them
/// later does not wait for memory. Only a hint: it reads and changes
/// nothing the program sees (no result, no fault), so it cannot change a
/// run; on targets without the instruction it does nothing.
///
/// The queue of a big run holds megabytes of pending events, written at
/// their push and read at their pop tens of thousands of events later:
/// each such read missed the caches (issue 21, item 2). The wheel knows
/// which keys come next (the front's top, the next bucket) one event or
/// one bucket ahead, time enough for the load.
#[inline(always)]
pub(super) fn prefetch<T>(at: *const T, bytes: usize) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // Every line the bytes touch (a 40-byte event often spans two).
        let first = at.cast::<i8>();
        let lines = if bytes == 0 {
            0
        } else {
            let offset = (first as usize) % 64;
            (offset + bytes).div_ceil(64).min(PREFETCH_LINES)
        };
        for line in 0..lines {
            // `wrapping_add`: no pointer arithmetic that could be UB, even
            // past the allocation (a prefetch of any address is allowed).
            let p = first.wrapping_add(line * 64);
            // SAFETY: `_mm_prefetch` is `unsafe` only because it is a
            // `#[target_feature(enable = "sse")]` function; the `cfg` above
            // compiles this call only where `sse` is enabled (every x86_64
            // target has it in its baseline). The instruction (PREFETCHT0)
            // does not access memory in the language's sense: it never
            // faults, whatever the address (null, dangling, unmapped), and
            // it writes nothing and returns nothing; so no precondition on
            // `p` is needed. `prefetch_of_any_address_is_harmless` tests
            // null, dangling and freed addresses.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p) };
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
    {
        let _ = (at, bytes);
    }
}

/// Most cache lines [`prefetch`] asks for at once.
const PREFETCH_LINES: usize = 8;

/// Keys at which the timing wheel takes over from a single heap.
pub(super) const WHEEL_FROM: usize = 512;

/// Keys at which the wheel is given up again (a single heap is cheaper).
const HEAP_BELOW: usize = 128;

/// Keys per bucket the width is tuned for.
const PER_BUCKET: u64 = 8;

/// Fewest and most buckets in the ring.
const BUCKETS_MIN: usize = 64;
const BUCKETS_MAX: usize = 1 << 16;

/// Room a copy keeps for the keys its next step pushes (a derived clone
/// has none, so an explored copy's first push reallocated).
const COPY_ROOM: usize = 4;

/// The keys of the pending events, least `(time, seq)` first.
#[derive(Debug, Default)]
pub(super) struct Keys {
    /// Every key due before the wheel's `bound` (every key, without one).
    front: BinaryHeap<Entry>,
    wheel: Option<Box<Wheel>>,
}

/// The buckets after `front` (see the module doc).
#[derive(Clone, Debug)]
struct Wheel {
    /// Each bucket is `2^shift` ns wide.
    shift: u32,
    /// `front` holds the keys before `bound` (a multiple of the width;
    /// `u128`, as the last bucket may end past `u64::MAX`).
    bound: u128,
    /// A power of two of buckets; time `t` in the window goes to bucket
    /// `(t >> shift) & (len - 1)`.
    buckets: Vec<Vec<Entry>>,
    /// Keys in the buckets.
    in_buckets: usize,
    /// Keys due at `bound + span` or later.
    overflow: BinaryHeap<Entry>,
    /// Keys when the width was chosen.
    tuned_len: usize,
    /// Operations since then (a re-tuning must be paid for).
    ops: usize,
    /// Since then: refills, and keys and empty buckets they met.
    refills: usize,
    refilled: usize,
    skipped: usize,
}

impl Clone for Keys {
    /// A copy with room to spare; the heap is copied as laid out.
    fn clone(&self) -> Self {
        let mut front = Vec::with_capacity(self.front.len() + COPY_ROOM);
        front.extend(self.front.iter().copied());
        Keys {
            // A valid heap's layout: rebuilding it moves nothing.
            front: BinaryHeap::from(front),
            wheel: self.wheel.clone(),
        }
    }

    /// As `clone`, keeping this heap's buffer (and the wheel's, if both
    /// have one).
    fn clone_from(&mut self, source: &Self) {
        self.front.clone_from(&source.front);
        self.wheel.clone_from(&source.wheel);
    }
}

impl Keys {
    /// How many keys.
    pub(super) fn len(&self) -> usize {
        self.front.len()
            + self
                .wheel
                .as_ref()
                .map_or(0, |w| w.in_buckets + w.overflow.len())
    }

    /// The least key.
    pub(super) fn peek(&self) -> Option<&Entry> {
        self.front.peek()
    }

    /// The least key, when the keys are many (on the wheel): its item is
    /// then worth loading ahead ([`prefetch`]); a small queue's items are
    /// in the caches already.
    #[inline]
    pub(super) fn peek_if_big(&self) -> Option<&Entry> {
        if self.wheel.is_some() {
            self.front.peek()
        } else {
            None
        }
    }

    /// Every key, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Entry> {
        let wheel = self.wheel.as_deref();
        self.front
            .iter()
            .chain(wheel.into_iter().flat_map(|w| w.buckets.iter().flatten()))
            .chain(wheel.into_iter().flat_map(|w| w.overflow.iter()))
    }

    #[inline]
    pub(super) fn push(&mut self, entry: Entry) {
        if self.wheel.is_none() {
            self.front.push(entry);
            if self.front.len() >= WHEEL_FROM {
                self.tune();
            }
            return;
        }
        self.push_on_wheel(entry);
    }

    /// [`Keys::push`] with the wheel on. Out of line, so that a small
    /// queue's push (the common case, the explorer's) stays a heap push.
    #[inline(never)]
    fn push_on_wheel(&mut self, entry: Entry) {
        let Some(wheel) = self.wheel.as_deref_mut() else {
            return self.front.push(entry);
        };
        wheel.ops += 1;
        if u128::from(entry.at.0) < wheel.bound {
            self.front.push(entry);
        } else {
            wheel.place(entry);
            if self.front.is_empty() {
                self.refill();
            }
        }
        self.tune_if_outgrown();
    }

    /// Take the least key out.
    pub(super) fn pop(&mut self) -> Option<Entry> {
        let entry = self.front.pop()?;
        if let Some(wheel) = self.wheel.as_deref_mut() {
            wheel.ops += 1;
            if self.front.is_empty() {
                self.refill();
            }
        }
        Some(entry)
    }

    /// Take out the first key `pick` picks (in no particular order). The
    /// explorer takes one event per transition: this allocates nothing.
    pub(super) fn take_first(&mut self, mut pick: impl FnMut(&Entry) -> bool) -> Option<Entry> {
        if let Some(i) = self.front.iter().position(&mut pick) {
            let mut entries = std::mem::take(&mut self.front).into_vec();
            let entry = entries.swap_remove(i);
            self.front = BinaryHeap::from(entries);
            if let Some(wheel) = self.wheel.as_deref_mut() {
                wheel.ops += 1;
                if self.front.is_empty() {
                    self.refill();
                }
            }
            return Some(entry);
        }
        // `front` holds a key, so taking one elsewhere leaves it as it is.
        let wheel = self.wheel.as_deref_mut()?;
        wheel.ops += 1;
        for bucket in &mut wheel.buckets {
            if let Some(i) = bucket.iter().position(&mut pick) {
                wheel.in_buckets -= 1;
                return Some(bucket.swap_remove(i));
            }
        }
        let i = wheel.overflow.iter().position(&mut pick)?;
        let mut entries = std::mem::take(&mut wheel.overflow).into_vec();
        let entry = entries.swap_remove(i);
        wheel.overflow = BinaryHeap::from(entries);
        Some(entry)
    }

    /// Take out every key `pick` picks, in no particular order.
    pub(super) fn take_where(&mut self, mut pick: impl FnMut(&Entry) -> bool) -> Vec<Entry> {
        let mut taken = Vec::new();
        let mut kept = Vec::with_capacity(self.front.len());
        for entry in std::mem::take(&mut self.front).into_vec() {
            if pick(&entry) {
                taken.push(entry);
            } else {
                kept.push(entry);
            }
        }
        self.front = BinaryHeap::from(kept);
        if let Some(wheel) = self.wheel.as_deref_mut() {
            for bucket in &mut wheel.buckets {
                let before = bucket.len();
                let mut i = 0;
                while i < bucket.len() {
                    if pick(&bucket[i]) {
                        taken.push(bucket.swap_remove(i));
                    } else {
                        i += 1;
                    }
                }
                wheel.in_buckets -= before - bucket.len();
            }
            let mut kept = Vec::with_capacity(wheel.overflow.len());
            for entry in std::mem::take(&mut wheel.overflow).into_vec() {
                if pick(&entry) {
                    taken.push(entry);
                } else {
                    kept.push(entry);
                }
            }
            wheel.overflow = BinaryHeap::from(kept);
            wheel.ops += taken.len();
            if self.front.is_empty() {
                self.refill();
            }
            self.tune_if_outgrown();
        }
        taken
    }

    /// Move the next keys into the empty `front`: the next non-empty
    /// bucket (jumping to `overflow`'s least key when the ring is empty).
    /// Out of line: a push or pop on a small queue never comes here.
    #[inline(never)]
    fn refill(&mut self) {
        let Some(wheel) = self.wheel.as_deref_mut() else {
            return;
        };
        debug_assert!(self.front.is_empty());
        loop {
            if wheel.in_buckets == 0 {
                let Some(least) = wheel.overflow.peek() else {
                    return;
                };
                wheel.bound = u128::from(least.at.0 >> wheel.shift << wheel.shift);
                wheel.pull_overflow();
                continue;
            }
            let i = wheel.index(wheel.bound);
            wheel.bound += 1u128 << wheel.shift;
            if wheel.buckets[i].is_empty() {
                wheel.skipped += 1;
                wheel.pull_overflow();
                continue;
            }
            // The emptied front's allocation becomes the bucket's.
            let spare = std::mem::take(&mut self.front).into_vec();
            let keys = std::mem::replace(&mut wheel.buckets[i], spare);
            wheel.in_buckets -= keys.len();
            wheel.refills += 1;
            wheel.refilled += keys.len();
            self.front = BinaryHeap::from(keys);
            wheel.pull_overflow();
            // The next bucket is the next refill's: start loading its keys
            // (they were appended over the last few thousand events and
            // left the caches since).
            let next = &wheel.buckets[wheel.index(wheel.bound)];
            prefetch(next.as_ptr(), std::mem::size_of_val(next.as_slice()));
            break;
        }
        if wheel.width_misfits() {
            self.tune();
        }
    }

    /// [`Keys::tune`] once the count has doubled or fallen to a quarter
    /// since the last tuning.
    fn tune_if_outgrown(&mut self) {
        if self
            .wheel
            .as_ref()
            .is_some_and(|w| w.len_outgrown(self.len()))
        {
            self.tune();
        }
    }

    /// Choose the width and ring for the keys as they are now (or give the
    /// wheel up below [`HEAP_BELOW`] keys), and lay every key out again.
    fn tune(&mut self) {
        let mut all: Vec<Entry> = Vec::with_capacity(self.len());
        all.extend(std::mem::take(&mut self.front).into_vec());
        if let Some(wheel) = self.wheel.take() {
            let wheel = *wheel;
            all.extend(wheel.buckets.into_iter().flatten());
            all.extend(wheel.overflow.into_vec());
        }
        if all.len() < HEAP_BELOW {
            self.front = BinaryHeap::from(all);
            return;
        }
        let (shift, buckets) = fit(&mut all);
        let least = all.iter().map(|e| e.at.0).min().unwrap_or(0);
        let mut wheel = Wheel {
            shift,
            bound: u128::from(least >> shift << shift),
            buckets: vec![Vec::new(); buckets],
            in_buckets: 0,
            overflow: BinaryHeap::new(),
            tuned_len: all.len(),
            ops: 0,
            refills: 0,
            refilled: 0,
            skipped: 0,
        };
        for entry in all {
            wheel.place(entry);
        }
        self.wheel = Some(Box::new(wheel));
        self.refill();
    }
}

/// The width (as a shift) and bucket count for `keys` (reordered): about
/// [`PER_BUCKET`] keys a bucket over the earlier half of the keys, and a
/// ring spanning about four times that half.
fn fit(keys: &mut [Entry]) -> (u32, usize) {
    let half = keys.len() / 2;
    let least = keys.iter().map(|e| e.at.0).min().unwrap_or(0);
    let (_, median, _) = keys.select_nth_unstable_by_key(half, |e| e.at);
    let span = median.at.0 - least;
    let width = (span / (half as u64).max(1))
        .saturating_mul(PER_BUCKET)
        .max(1);
    let shift = width.ilog2().min(48);
    let buckets = (4 * half / PER_BUCKET as usize)
        .next_power_of_two()
        .clamp(BUCKETS_MIN, BUCKETS_MAX);
    (shift, buckets)
}

impl Wheel {
    /// The bucket of time `t` (in the window).
    fn index(&self, t: u128) -> usize {
        ((t >> self.shift) as usize) & (self.buckets.len() - 1)
    }

    /// The window's length in ns.
    fn span(&self) -> u128 {
        (self.buckets.len() as u128) << self.shift
    }

    /// Put a key due at `bound` or later in its bucket or in `overflow`.
    fn place(&mut self, entry: Entry) {
        let at = u128::from(entry.at.0);
        if at - self.bound < self.span() {
            let i = self.index(at);
            self.buckets[i].push(entry);
            self.in_buckets += 1;
        } else {
            self.overflow.push(entry);
        }
    }

    /// Move the keys of `overflow` that the window now covers into their
    /// buckets.
    fn pull_overflow(&mut self) {
        let end = self.bound + self.span();
        while self
            .overflow
            .peek()
            .is_some_and(|e| u128::from(e.at.0) < end)
        {
            if let Some(entry) = self.overflow.pop() {
                let i = self.index(u128::from(entry.at.0));
                self.buckets[i].push(entry);
                self.in_buckets += 1;
            }
        }
    }

    /// Has the count moved so far from the tuned one that the width is
    /// likely wrong (doubled, or down to a quarter)?
    fn len_outgrown(&self, len: usize) -> bool {
        len >= 2 * self.tuned_len || len <= self.tuned_len / 4
    }

    /// Do the refills since the last tuning show a width that no longer
    /// fits (buckets far fuller, or far emptier, than tuned for), and have
    /// enough operations passed to pay for a re-tuning?
    fn width_misfits(&self) -> bool {
        if self.ops < self.tuned_len || self.refills < 64 {
            return false;
        }
        let per_refill = self.refilled / self.refills;
        let skipped_per_refill = self.skipped / self.refills;
        per_refill > 8 * PER_BUCKET as usize || skipped_per_refill > 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn key(at: u64, seq: u64) -> Entry {
        Entry {
            at: SimTime(at),
            seq,
            slot: seq as u32,
            timer: false,
        }
    }

    #[test]
    fn keys_compare_as_their_time_then_seq_reversed() {
        let values = [
            0,
            1,
            2,
            1 << 32,
            (1 << 63) - 1,
            1 << 63,
            u64::MAX - 1,
            u64::MAX,
        ];
        for &at1 in &values {
            for &seq1 in &values {
                for &at2 in &values {
                    for &seq2 in &values {
                        let (x, y) = (key(at1, seq1), key(at2, seq2));
                        let pair = (at2, seq2).cmp(&(at1, seq1));
                        assert_eq!(x.cmp(&y), pair, "{at1}/{seq1} against {at2}/{seq2}");
                        assert_eq!(x.partial_cmp(&y), Some(pair));
                        assert_eq!(x < y, pair.is_lt());
                        assert_eq!(x <= y, pair.is_le());
                        assert_eq!(x > y, pair.is_gt());
                        assert_eq!(x >= y, pair.is_ge());
                        assert_eq!(x == y, pair.is_eq());
                    }
                }
            }
        }
    }

    fn drain(keys: &mut Keys) -> Vec<(u64, u64)> {
        std::iter::from_fn(|| keys.pop().map(|e| (e.at.0, e.seq))).collect()
    }

    /// One step of a random workload.
    #[derive(Clone, Debug)]
    enum Op {
        /// Push at (last popped time + offset).
        Push(u64),
        /// Push at an absolute time (possibly before the last pop).
        PushAt(u64),
        Pop,
        /// Take out the key whose seq is this (mod the seqs used).
        Take(u64),
        /// Take out every key whose seq is divisible by this.
        TakeWhere(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u64..3_000).prop_map(Op::Push),
            1 => prop_oneof![Just(0), Just(u64::MAX), Just(u64::MAX - 1), 0u64..10_000]
                .prop_map(Op::PushAt),
            1 => (0u64..1u64 << 40).prop_map(Op::Push),
            6 => Just(Op::Pop),
            1 => any::<u64>().prop_map(Op::Take),
            1 => (2u64..50).prop_map(Op::TakeWhere),
        ]
    }

    /// Run `ops` on the keys and on a `BTreeSet<(time, seq)>`, checking
    /// every pop, peek and count against the model.
    fn check(prefill: usize, ops: &[Op]) {
        let mut keys = Keys::default();
        let mut model: BTreeSet<(u64, u64)> = BTreeSet::new();
        let mut seq = 0u64;
        let mut now = 0u64;
        let mut push = |keys: &mut Keys, model: &mut BTreeSet<(u64, u64)>, at: u64| {
            keys.push(key(at, seq));
            model.insert((at, seq));
            seq += 1;
        };
        for i in 0..prefill as u64 {
            push(&mut keys, &mut model, (i * 7_919) % 10_000);
        }
        for op in ops {
            match *op {
                Op::Push(offset) => push(&mut keys, &mut model, now.saturating_add(offset)),
                Op::PushAt(at) => push(&mut keys, &mut model, at),
                Op::Pop => {
                    let got = keys.pop().map(|e| (e.at.0, e.seq));
                    let want = model.pop_first();
                    assert_eq!(got, want);
                    if let Some((at, _)) = got {
                        now = at;
                    }
                }
                Op::Take(pick) => {
                    let Some(&(at, s)) = model.iter().nth(pick as usize % model.len().max(1))
                    else {
                        continue;
                    };
                    let got = keys.take_first(|e| e.seq == s).map(|e| (e.at.0, e.seq));
                    assert_eq!(got, Some((at, s)));
                    model.remove(&(at, s));
                }
                Op::TakeWhere(every) => {
                    let mut got: Vec<(u64, u64)> = keys
                        .take_where(|e| e.seq % every == 0)
                        .iter()
                        .map(|e| (e.at.0, e.seq))
                        .collect();
                    got.sort_unstable();
                    let want: Vec<(u64, u64)> =
                        model.iter().copied().filter(|e| e.1 % every == 0).collect();
                    model.retain(|e| e.1 % every != 0);
                    assert_eq!(got, want);
                }
            }
            assert_eq!(keys.len(), model.len());
            assert_eq!(keys.peek().map(|e| (e.at.0, e.seq)), model.first().copied());
            assert_eq!(keys.iter().count(), model.len());
        }
        let want: Vec<(u64, u64)> = model.into_iter().collect();
        assert_eq!(drain(&mut keys), want);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Small queues (one heap), and queues crossing into the wheel
        /// and back, pop exactly in `(time, seq)` order.
        #[test]
        fn pops_in_time_then_seq_order(
            prefill in prop_oneof![Just(0usize), Just(100), Just(600), Just(3_000)],
            ops in proptest::collection::vec(op(), 0..3_000),
        ) {
            check(prefill, &ops);
        }
    }

    /// A prefetch reads nothing and faults on nothing: valid, null,
    /// dangling and freed addresses, zero and many bytes.
    #[test]
    fn prefetch_of_any_address_is_harmless() {
        let keys: Vec<Entry> = (0..100).map(|seq| key(seq, seq)).collect();
        prefetch(keys.as_ptr(), std::mem::size_of_val(keys.as_slice()));
        prefetch(keys.as_ptr(), 0);
        prefetch(keys.as_ptr().wrapping_add(1), 100_000);
        prefetch(std::ptr::null::<Entry>(), 4_096);
        prefetch(std::ptr::dangling::<Entry>(), 64);
        prefetch(usize::MAX as *const u8, 64);
        let freed = {
            let gone = vec![0u64; 1_000];
            gone.as_ptr()
        };
        prefetch(freed, 8_000);
        assert_eq!(keys[99].seq, 99, "the data is as it was");
    }

    #[test]
    fn empty_pops_nothing() {
        let mut keys = Keys::default();
        assert!(keys.pop().is_none());
        assert!(keys.peek().is_none());
        assert_eq!(keys.len(), 0);
    }

    /// Many keys at one time (time 0, and the end of time) pop by seq,
    /// with the wheel on.
    #[test]
    fn equal_times_pop_by_seq() {
        let mut keys = Keys::default();
        let mut want = Vec::new();
        for seq in 0..2_000u64 {
            let at = if seq % 2 == 0 { 0 } else { u64::MAX };
            keys.push(key(at, seq));
            want.push((at, seq));
        }
        assert!(keys.wheel.is_some(), "2,000 keys run on the wheel");
        want.sort_unstable();
        assert_eq!(drain(&mut keys), want);
    }

    /// A pingpong-like load: keys far beyond the window (the end of the
    /// run) wait in overflow and come last; the front stays small.
    #[test]
    fn a_steady_load_keeps_the_front_small() {
        let mut keys = Keys::default();
        let mut model = BTreeSet::new();
        keys.push(key(u64::MAX, 0));
        model.insert((u64::MAX, 0));
        let mut seq = 1;
        for i in 0..5_000u64 {
            let at = 1_000_000 + (i * 7_919) % 9_000_000;
            keys.push(key(at, seq));
            model.insert((at, seq));
            seq += 1;
        }
        let mut largest_front = 0;
        for i in 0..50_000u64 {
            let popped = keys.pop().expect("keys left");
            assert_eq!(Some((popped.at.0, popped.seq)), model.pop_first());
            let at = popped.at.0 + 1_000_000 + (i * 104_729) % 9_000_000;
            keys.push(key(at, seq));
            model.insert((at, seq));
            seq += 1;
            largest_front = largest_front.max(keys.front.len());
        }
        assert!(largest_front < 200, "front grew to {largest_front}");
        let want: Vec<(u64, u64)> = model.into_iter().collect();
        assert_eq!(drain(&mut keys), want);
    }

    /// A copy pops what the original pops.
    #[test]
    fn a_copy_pops_the_same() {
        let mut keys = Keys::default();
        for seq in 0..1_000u64 {
            keys.push(key((seq * 7_919) % 5_000, seq));
        }
        let mut copy = keys.clone();
        assert_eq!(drain(&mut copy), drain(&mut keys));
    }
}
