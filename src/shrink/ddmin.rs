//! Zeller and Hildebrandt's `ddmin`: the smallest sublist of a list that
//! still makes a test fail, found by removing chunks of halving size.
//!
//! The test answers `Some(true)` (the candidate still fails: keep it),
//! `Some(false)` (it does not) or `None` (the budget of runs is spent: stop
//! and keep what was found so far). The result is *1-minimal* when the
//! budget lasts: removing any single element makes the test pass.

/// The smallest sublist of `items` (order kept) that the test keeps, as
/// far as the budget allows. `items` itself is assumed to fail. The empty
/// list is tried first: often nothing at all is needed.
pub fn ddmin<T: Clone>(items: Vec<T>, test: &mut dyn FnMut(&[T]) -> Option<bool>) -> Vec<T> {
    let mut items = items;
    if items.is_empty() {
        return items;
    }
    match test(&[]) {
        Some(true) => return Vec::new(),
        Some(false) => {}
        None => return items,
    }
    let mut granularity = 2usize;
    while items.len() >= 2 {
        let chunks = split(items.len(), granularity);
        let mut reduced = false;
        // Each chunk alone, then each complement.
        for (start, end) in &chunks {
            let subset = items[*start..*end].to_vec();
            match test(&subset) {
                Some(true) => {
                    items = subset;
                    granularity = 2;
                    reduced = true;
                    break;
                }
                Some(false) => {}
                None => return items,
            }
        }
        if !reduced && granularity > 2 {
            for (start, end) in &chunks {
                let mut complement = items[..*start].to_vec();
                complement.extend_from_slice(&items[*end..]);
                match test(&complement) {
                    Some(true) => {
                        items = complement;
                        granularity = (granularity - 1).max(2);
                        reduced = true;
                        break;
                    }
                    Some(false) => {}
                    None => return items,
                }
            }
        }
        if !reduced {
            if granularity >= items.len() {
                break;
            }
            granularity = (granularity * 2).min(items.len());
        }
    }
    items
}

/// `len` items cut into `parts` contiguous chunks of near-equal size, as
/// `(start, end)` ranges.
fn split(len: usize, parts: usize) -> Vec<(usize, usize)> {
    let parts = parts.clamp(1, len.max(1));
    (0..parts)
        .map(|i| (len * i / parts, len * (i + 1) / parts))
        .filter(|(start, end)| start < end)
        .collect()
}

/// The first value of a scan from `low` up to (not including) `high` that
/// the test keeps, or `high` when none is (or the test answers `None`, a
/// spent budget). A range of more than `points` values is scanned at
/// `points` evenly spaced values.
///
/// Why a scan and not a binary search: with a fixed seed, a smaller value
/// (fewer operations, a shorter run) does not just remove events, it
/// changes what every later random draw decides, so "fails" is not
/// monotone in the value; a failure that shows in one seed of five shows at
/// about every fifth value of a scan, and the scan finds the smallest such
/// value it visits.
pub fn first_kept(
    low: u64,
    high: u64,
    points: u64,
    test: &mut dyn FnMut(u64) -> Option<bool>,
) -> u64 {
    let count = high.saturating_sub(low);
    let points = points.max(1);
    for k in 0..count.min(points) {
        let value = if count <= points {
            low + k
        } else {
            low + (u128::from(count) * u128::from(k) / u128::from(points)) as u64
        };
        match test(value) {
            Some(true) => return value,
            Some(false) => {}
            None => break,
        }
    }
    high
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_the_one_element_that_matters() {
        let items: Vec<u32> = (0..100).collect();
        let mut runs = 0;
        let found = ddmin(items, &mut |c: &[u32]| {
            runs += 1;
            Some(c.contains(&42))
        });
        assert_eq!(found, vec![42]);
        assert!(runs < 40, "{runs} runs");
    }

    #[test]
    fn the_empty_list_first() {
        let mut asked = Vec::new();
        let found = ddmin(vec![1, 2, 3], &mut |c: &[u32]| {
            asked.push(c.to_vec());
            Some(true)
        });
        assert_eq!(found, Vec::<u32>::new());
        assert_eq!(asked, vec![Vec::<u32>::new()]);
    }

    #[test]
    fn a_spent_budget_keeps_the_best_so_far() {
        let mut left = 3;
        let found = ddmin((0..16).collect(), &mut |c: &[u32]| {
            if left == 0 {
                return None;
            }
            left -= 1;
            Some(c.contains(&3))
        });
        // Tests: [] (no), [0..8] (yes), [0..4] (yes), then the budget runs out.
        assert_eq!(found, (0..4).collect::<Vec<u32>>());
    }

    #[test]
    fn a_scan_finds_the_first_kept_value() {
        let mut asked = Vec::new();
        let found = first_kept(1, 10, 48, &mut |v| {
            asked.push(v);
            Some(v % 4 == 0)
        });
        assert_eq!(found, 4);
        assert_eq!(asked, vec![1, 2, 3, 4]);
        assert_eq!(first_kept(5, 5, 48, &mut |_| panic!("nothing to test")), 5);
        assert_eq!(first_kept(1, 4, 48, &mut |_| Some(false)), 4);
    }

    #[test]
    fn a_long_range_is_scanned_at_evenly_spaced_points() {
        let mut asked = Vec::new();
        let found = first_kept(0, 1000, 4, &mut |v| {
            asked.push(v);
            None.or(Some(false))
        });
        assert_eq!(found, 1000);
        assert_eq!(asked, vec![0, 250, 500, 750]);
        let mut runs = 0;
        let spent = first_kept(0, 1000, 4, &mut |_| {
            runs += 1;
            None
        });
        assert_eq!((spent, runs), (1000, 1));
    }

    proptest! {
        /// For a monotone test ("the candidate holds every element of
        /// `needed`"), ddmin returns exactly `needed`, in order.
        #[test]
        fn ddmin_returns_exactly_what_a_monotone_test_needs(
            len in 1usize..40,
            picks in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            let items: Vec<usize> = (0..len).collect();
            let mut needed: Vec<usize> = picks.iter().map(|p| p.index(len)).collect();
            needed.sort_unstable();
            needed.dedup();
            let found = ddmin(items, &mut |c: &[usize]| {
                Some(needed.iter().all(|n| c.contains(n)))
            });
            prop_assert_eq!(found, needed);
        }

        /// Whatever the test, the result is a sublist of the input (order
        /// kept) that the test kept, or the input itself.
        #[test]
        fn ddmin_returns_a_kept_sublist(len in 0usize..30, seed in any::<u64>()) {
            let items: Vec<usize> = (0..len).collect();
            let keep = |c: &[usize]| {
                let mut h = seed;
                for x in c {
                    h = h.wrapping_mul(6364136223846793005).wrapping_add(*x as u64 + 1);
                }
                h % 3 == 0
            };
            let found = ddmin(items.clone(), &mut |c: &[usize]| Some(keep(c)));
            prop_assert!(found == items || keep(&found));
            prop_assert!(found.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
