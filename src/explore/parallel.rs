//! An order-keeping parallel map: the explorer's only threads.
//!
//! Items are claimed one at a time by `jobs` threads (the calling thread
//! is one of them), so a slow item does not hold up a whole chunk; results
//! come back in item order whichever thread computed them. The function
//! applied must not depend on which thread runs it or when: the explorer
//! gives it only the item and read-only shared data, so the output is the
//! same for every `jobs`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// `items.into_iter().map(f).collect()`, on up to `jobs` threads.
pub(crate) fn map<T: Send, R: Send>(
    items: Vec<T>,
    jobs: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let total = items.len();
    let threads = jobs.min(total);
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut out = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = slots.get(i) else {
                return out;
            };
            let item = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(item) = item {
                out.push((i, f(item)));
            }
        }
    };
    // allow-nondeterminism: worker threads; each result is put back at its item's index
    let mut results = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut all = work();
        for helper in helpers {
            match helper.join() {
                Ok(part) => all.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn results_come_back_in_item_order_for_every_jobs() {
        let items: Vec<u64> = (0..1000).collect();
        let expected: Vec<u64> = items.iter().map(|i| i * i + 1).collect();
        for jobs in [1, 2, 3, 8] {
            assert_eq!(
                map(items.clone(), jobs, |i| i * i + 1),
                expected,
                "jobs {jobs}"
            );
        }
        assert!(map(Vec::<u64>::new(), 4, |i| i).is_empty());
    }
}
