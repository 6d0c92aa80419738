//! A sorted list of distinct integers stored compactly: the form of
//! [`Value::IntSet`](super::value::Value::IntSet).
//!
//! Broadcast and g-set reads return *every* value a node holds, so a history
//! that stores each read as a `Vec` of [`Value`](super::value::Value)s
//! (32 bytes an element) grows with the square of the run's length: a
//! six-minute broadcast run took 437 MB. An [`IntSet`] keeps whichever of
//! two encodings is smaller: runs of consecutive values (a converged set of
//! values handed out in sequence is one run) or a bitmap over the set's span
//! (values handed out in sequence with gaps: one bit per value in the span).
//! A read then costs at most one bit per value handed out so far instead of
//! 32 bytes per value held; see `docs/architecture.md`, "Memory".

use std::fmt;

/// How the integers are stored.
#[derive(Clone, PartialEq, Eq)]
enum Repr {
    /// Inclusive runs `(first, last)`, each separated from the next by at
    /// least one missing value.
    Runs(Box<[(i64, i64)]>),
    /// Bit `i` of the bitmap (word `i / 64`, bit `i % 64`) is `base + i`.
    Bits { base: i64, words: Box<[u64]> },
}

/// Sorted, distinct integers, stored as runs or as a bitmap (whichever is
/// smaller). Equal sets are equal whatever their encoding.
#[derive(Clone)]
pub struct IntSet {
    repr: Repr,
    len: usize,
}

impl IntSet {
    /// The set of `values`, or `None` when they are not strictly increasing
    /// (such a list stays a plain list).
    pub fn from_sorted(values: impl IntoIterator<Item = i64>) -> Option<IntSet> {
        let mut runs: Vec<(i64, i64)> = Vec::new();
        let mut len = 0;
        for v in values {
            match runs.last_mut() {
                Some((_, last)) if v <= *last => return None,
                Some((_, last)) if *last + 1 == v => *last = v,
                _ => runs.push((v, v)),
            }
            len += 1;
        }
        let repr = match (runs.first(), runs.last()) {
            (Some(&(base, _)), Some(&(_, high))) => {
                // The span in bits, and the bitmap's size against the runs'.
                let span = (i128::from(high) - i128::from(base) + 1) as u128;
                let words = span.div_ceil(64);
                if words * 8 < runs.len() as u128 * 16 {
                    let mut bits = vec![0u64; words as usize];
                    for &(first, last) in &runs {
                        for v in first..=last {
                            let i = (i128::from(v) - i128::from(base)) as usize;
                            bits[i / 64] |= 1 << (i % 64);
                        }
                    }
                    Repr::Bits {
                        base,
                        words: bits.into_boxed_slice(),
                    }
                } else {
                    Repr::Runs(runs.into_boxed_slice())
                }
            }
            _ => Repr::Runs(Box::default()),
        };
        Some(IntSet { repr, len })
    }

    /// How many integers.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The integers, in increasing order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = i64> + '_> {
        match &self.repr {
            Repr::Runs(runs) => Box::new(runs.iter().flat_map(|&(first, last)| first..=last)),
            Repr::Bits { base, words } => {
                let base = *base;
                Box::new(words.iter().enumerate().flat_map(move |(w, &word)| {
                    let mut rest = word;
                    std::iter::from_fn(move || {
                        (rest != 0).then(|| {
                            let bit = rest.trailing_zeros();
                            rest &= rest - 1;
                            base.wrapping_add((w * 64 + bit as usize) as i64)
                        })
                    })
                }))
            }
        }
    }

    /// Bytes the encoding takes on the heap.
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Runs(runs) => runs.len() * 16,
            Repr::Bits { words, .. } => words.len() * 8,
        }
    }
}

impl PartialEq for IntSet {
    fn eq(&self, other: &IntSet) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for IntSet {}

impl Default for IntSet {
    fn default() -> IntSet {
        IntSet {
            repr: Repr::Runs(Box::default()),
            len: 0,
        }
    }
}

impl fmt::Debug for IntSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(s: &IntSet) -> Vec<i64> {
        s.iter().collect()
    }

    #[test]
    fn consecutive_values_are_runs() {
        let values: Vec<i64> = [1, 2, 3, 1000].into_iter().chain(5000..5010).collect();
        let s = IntSet::from_sorted(values.iter().copied()).expect("sorted");
        assert!(matches!(s.repr, Repr::Runs(_)));
        assert_eq!(s.len(), 14);
        assert_eq!(items(&s), values);
        // A small dense span is one word of bitmap.
        let dense = IntSet::from_sorted([1, 2, 3, 7, 9, 10]).expect("sorted");
        assert_eq!(dense.heap_bytes(), 8);
        assert_eq!(items(&dense), vec![1, 2, 3, 7, 9, 10]);
        assert!(IntSet::from_sorted([]).expect("empty").is_empty());
        let one_run = IntSet::from_sorted(0..100_000).expect("sorted");
        assert_eq!(one_run.heap_bytes(), 16);
    }

    #[test]
    fn values_with_many_gaps_are_a_bitmap() {
        // Every fifth value missing (reads take sequence numbers too).
        let values: Vec<i64> = (-7..10_000).filter(|v| v % 5 != 0).collect();
        let s = IntSet::from_sorted(values.iter().copied()).expect("sorted");
        assert!(matches!(s.repr, Repr::Bits { .. }));
        assert_eq!(s.len(), values.len());
        assert_eq!(items(&s), values);
        assert!(s.heap_bytes() <= 10_007 / 8 + 8);
        // The same set as runs is equal.
        let runs = IntSet {
            repr: Repr::Runs(
                values
                    .chunk_by(|a, b| a + 1 == *b)
                    .map(|c| (c[0], c[c.len() - 1]))
                    .collect(),
            ),
            len: values.len(),
        };
        assert_eq!(runs, s);
    }

    #[test]
    fn the_extremes_of_i64_fit() {
        let s = IntSet::from_sorted([i64::MIN, i64::MAX]).expect("sorted");
        assert_eq!(items(&s), vec![i64::MIN, i64::MAX]);
        let top: Vec<i64> = (i64::MAX - 200..=i64::MAX).step_by(3).collect();
        assert_eq!(
            items(&IntSet::from_sorted(top.clone()).expect("sorted")),
            top
        );
    }

    #[test]
    fn unsorted_or_repeated_values_are_refused() {
        assert!(IntSet::from_sorted([1, 1]).is_none());
        assert!(IntSet::from_sorted([2, 1]).is_none());
    }
}
