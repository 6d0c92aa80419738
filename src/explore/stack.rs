//! The depth-first stack of a parallel depth-first search, shared by the
//! thread that merges (the search's own) and its helpers.
//!
//! Depth first merges states one at a time, in the order of one thread
//! popping a stack, and only that order gives one thread's report. But
//! expanding a state (the costly part) needs nothing but the state: a
//! helper may expand *any* entry waiting on the stack ahead of time and
//! park what it gave in the entry's slot. The merging thread still pops
//! the entries in stack order ([`Stack::next`]): it takes a parked
//! expansion when there is one, and expands the entry itself when there is
//! none. Each entry is expanded exactly once whoever does it, so the merges
//! are the sequential ones.
//!
//! Claims: a helper takes the highest entry not yet claimed
//! ([`Stack::claim`]), which is what the merging thread needs soonest once
//! it is done with the state in hand, looking only at the top
//! [`Stack::window`] slots and only while fewer than [`Stack::most_parked`]
//! expansions are parked or being made and the parked ones hold fewer than
//! [`Stack::most_worlds`] worlds (a parked expansion holds the worlds of
//! the successors it kept). When the top entry is being expanded by a helper,
//! the merging thread does not wait: it claims the highest unclaimed entry
//! below it ([`Next::Ahead`]), parks what it gives, and looks again.
//!
//! Only the merging thread pushes and pops, and it never pops a claimed
//! entry (it waits or works ahead instead), so a claimed entry's slot keeps
//! its index until its expansion is parked. The lock is held to claim, park,
//! push and pop, never while expanding.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// What a slot holds.
enum Work<T, R> {
    /// An entry to expand.
    Ready(T),
    /// An entry a thread is expanding.
    Claimed,
    /// What expanding the entry gave, and how many worlds it holds.
    Done(R, usize),
}

/// A stack entry: what the merging thread needs to know of it when it is
/// popped (`M`), and its work.
struct Slot<M, T, R> {
    meta: M,
    work: Work<T, R>,
}

struct Inner<M, T, R, W> {
    slots: Vec<Slot<M, T, R>>,
    /// Slots claimed or done.
    parked: usize,
    /// Worlds held by the expansions parked.
    parked_worlds: usize,
    /// Helpers waiting for an entry to claim.
    idle: usize,
    /// The merging thread waits for a helper to park the top entry.
    waiting: bool,
    /// The search is over: helpers leave, parked expansions are dropped.
    stop: bool,
    /// Spare things (worlds) the merging thread passes to the helpers.
    pool: Vec<W>,
    /// Counters, for measuring (feature `dfs-stats`).
    #[cfg(feature = "dfs-stats")]
    stats: Stats,
}

/// Counters of a parallel depth-first search (feature `dfs-stats`).
#[cfg(feature = "dfs-stats")]
#[derive(Default, Debug)]
pub(super) struct Stats {
    /// Entries the merging thread popped and expanded itself.
    own: u64,
    /// Entries popped with their expansion parked.
    parked_pops: u64,
    /// Entries the merging thread expanded ahead (the top claimed).
    ahead: u64,
    /// Entries helpers claimed.
    claims: u64,
    /// The merging thread spun, then waited, for the top.
    main_spins: u64,
    main_waits: u64,
    /// A helper found nothing ready in its window / the parked bound.
    idle_none: u64,
    idle_bound: u64,
    /// A helper waited on the condition variable.
    helper_waits: u64,
    /// Things the pool could not give a helper that asked.
    pool_empty: u64,
}

/// The stack: entries `T` with what the merging thread reads when it pops
/// them (`M`: a depth and a choice), expanded into `R`; spare things `W`
/// flow from the merging thread to the helpers.
pub(super) struct Stack<M, T, R, W> {
    inner: Mutex<Inner<M, T, R, W>>,
    /// Helpers wait here for entries.
    work: Condvar,
    /// The merging thread waits here for the top entry's expansion.
    done: Condvar,
    /// Bumped whenever a waiting thread may have something to do (a push,
    /// a pop, a park), for a thread spinning before it waits.
    changes: AtomicU64,
    window: usize,
    most_parked: usize,
    most_worlds: usize,
}

/// What the merging thread gets from [`Stack::next`].
pub(super) enum Next<M, T, R> {
    /// The top entry, popped, to expand: the stack's length after it.
    Own(M, T, usize),
    /// The top entry's parked expansion, popped: the stack's length after
    /// it.
    Parked(M, R, usize),
    /// A helper is expanding the top entry: expand this one from further
    /// down ahead of time and park it at this index.
    Ahead(usize, T),
    /// The stack is empty, or the search was stopped.
    Stop,
}

/// Spare things the merging thread keeps (the rest go to the pool), a
/// helper tops up to, and the most the pool holds.
const MAIN_SPARE: usize = 8;
const HELPER_SPARE: usize = 16;
const POOL: usize = 32;

/// A thread with nothing to do checks for a change this many times,
/// spinning, then as many times more, yielding its core (to the thread it
/// waits for, when they share one), before it waits on a condition
/// variable: a wait and its wake-up cost system calls and a context
/// switch, about as long as expanding a state.
const SPIN: u32 = 256;

impl<M: Copy, T, R, W> Stack<M, T, R, W> {
    /// An empty stack whose helpers look at the top `window` slots and
    /// claim while fewer than `most_parked` slots are claimed or parked and
    /// the parked expansions hold fewer than `most_worlds` worlds.
    pub(super) fn new(window: usize, most_parked: usize, most_worlds: usize) -> Self {
        Stack {
            inner: Mutex::new(Inner {
                slots: Vec::new(),
                parked: 0,
                parked_worlds: 0,
                idle: 0,
                waiting: false,
                stop: false,
                pool: Vec::new(),
                #[cfg(feature = "dfs-stats")]
                stats: Stats::default(),
            }),
            work: Condvar::new(),
            done: Condvar::new(),
            changes: AtomicU64::new(0),
            window,
            most_parked,
            most_worlds,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<M, T, R, W>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Something changed that a spinning thread may be waiting for.
    fn changed(&self) {
        self.changes.fetch_add(1, Ordering::Release);
    }

    /// Release the lock and spin, then yield, until something changes or
    /// for `2 * SPIN` checks; then take the lock again.
    fn spin<'a>(
        &'a self,
        inner: MutexGuard<'a, Inner<M, T, R, W>>,
    ) -> MutexGuard<'a, Inner<M, T, R, W>> {
        let seen = self.changes.load(Ordering::Acquire);
        drop(inner);
        for i in 0..2 * SPIN {
            if i < SPIN {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
            if self.changes.load(Ordering::Acquire) != seen {
                break;
            }
        }
        self.lock()
    }

    /// The highest slot among the top `window` that holds an entry to
    /// expand, below `below`.
    fn highest_ready(&self, slots: &[Slot<M, T, R>], below: usize) -> Option<usize> {
        let from = below.saturating_sub(self.window);
        (from..below)
            .rev()
            .find(|&i| matches!(slots[i].work, Work::Ready(_)))
    }

    fn claim_at(inner: &mut Inner<M, T, R, W>, index: usize) -> T {
        match std::mem::replace(&mut inner.slots[index].work, Work::Claimed) {
            Work::Ready(entry) => {
                inner.parked += 1;
                entry
            }
            _ => unreachable!("only a ready slot is claimed"),
        }
    }

    /// Push entries (the first pushed is popped last), and pass spare
    /// things beyond what the merging thread keeps to the helpers' pool.
    pub(super) fn push(&self, entries: impl Iterator<Item = (M, T)>, spare: &mut Vec<W>) {
        let mut inner = self.lock();
        let before = inner.slots.len();
        inner.slots.extend(entries.map(|(meta, entry)| Slot {
            meta,
            work: Work::Ready(entry),
        }));
        while spare.len() > MAIN_SPARE && inner.pool.len() < POOL {
            inner.pool.extend(spare.pop());
        }
        if inner.slots.len() > before {
            self.changed();
            if inner.idle > 0 {
                self.work.notify_all();
            }
        }
    }

    /// The merging thread's next step: pop the top entry (to expand, or
    /// expanded), or expand one ahead while a helper expands the top. Waits
    /// only when the top entry is being expanded and none below it within
    /// the window is left to expand.
    pub(super) fn next(&self) -> Next<M, T, R> {
        let mut inner = self.lock();
        let mut spun = false;
        loop {
            if inner.stop {
                return Next::Stop;
            }
            let Some(top) = inner.slots.len().checked_sub(1) else {
                return Next::Stop;
            };
            match inner.slots[top].work {
                Work::Ready(_) => {
                    let slot = inner.slots.pop().expect("the top slot");
                    let Work::Ready(entry) = slot.work else {
                        unreachable!("the top slot is ready")
                    };
                    #[cfg(feature = "dfs-stats")]
                    {
                        inner.stats.own += 1;
                    }
                    self.wake_helpers(&inner);
                    return Next::Own(slot.meta, entry, top);
                }
                Work::Done(..) => {
                    let slot = inner.slots.pop().expect("the top slot");
                    let Work::Done(expansion, worlds) = slot.work else {
                        unreachable!("the top slot is done")
                    };
                    inner.parked -= 1;
                    inner.parked_worlds -= worlds;
                    #[cfg(feature = "dfs-stats")]
                    {
                        inner.stats.parked_pops += 1;
                    }
                    self.wake_helpers(&inner);
                    return Next::Parked(slot.meta, expansion, top);
                }
                Work::Claimed => {
                    if let Some(index) = self.highest_ready(&inner.slots, top) {
                        #[cfg(feature = "dfs-stats")]
                        {
                            inner.stats.ahead += 1;
                        }
                        return Next::Ahead(index, Self::claim_at(&mut inner, index));
                    }
                    if !spun {
                        #[cfg(feature = "dfs-stats")]
                        {
                            inner.stats.main_spins += 1;
                        }
                        inner = self.spin(inner);
                        spun = true;
                        continue;
                    }
                    spun = false;
                    #[cfg(feature = "dfs-stats")]
                    {
                        inner.stats.main_waits += 1;
                    }
                    inner.waiting = true;
                    inner = self
                        .done
                        .wait(inner)
                        .unwrap_or_else(PoisonError::into_inner);
                    inner.waiting = false;
                }
            }
        }
    }

    /// Below both parked bounds: a helper may claim.
    fn may_claim(&self, inner: &Inner<M, T, R, W>) -> bool {
        inner.parked < self.most_parked && inner.parked_worlds < self.most_worlds
    }

    /// After a pop: wake the idle helpers if they can claim now (an entry
    /// came into the window, or the parked bound is no longer reached).
    fn wake_helpers(&self, inner: &Inner<M, T, R, W>) {
        self.changed();
        if inner.idle > 0
            && self.may_claim(inner)
            && self
                .highest_ready(&inner.slots, inner.slots.len())
                .is_some()
        {
            self.work.notify_all();
        }
    }

    /// A helper's next entry to expand, with its slot's index; tops up
    /// `spare` from the pool. Waits while there is none to claim; `None`
    /// when the search is over.
    pub(super) fn claim(&self, spare: &mut Vec<W>) -> Option<(usize, T)> {
        let mut inner = self.lock();
        let mut spun = false;
        loop {
            if inner.stop {
                return None;
            }
            if self.may_claim(&inner) {
                let len = inner.slots.len();
                if let Some(index) = self.highest_ready(&inner.slots, len) {
                    while spare.len() < HELPER_SPARE {
                        let Some(thing) = inner.pool.pop() else {
                            #[cfg(feature = "dfs-stats")]
                            {
                                inner.stats.pool_empty += 1;
                            }
                            break;
                        };
                        spare.push(thing);
                    }
                    #[cfg(feature = "dfs-stats")]
                    {
                        inner.stats.claims += 1;
                    }
                    return Some((index, Self::claim_at(&mut inner, index)));
                }
            }
            #[cfg(feature = "dfs-stats")]
            if !spun {
                if self.may_claim(&inner) {
                    inner.stats.idle_none += 1;
                } else {
                    inner.stats.idle_bound += 1;
                }
            }
            if !spun {
                inner = self.spin(inner);
                spun = true;
                continue;
            }
            spun = false;
            #[cfg(feature = "dfs-stats")]
            {
                inner.stats.helper_waits += 1;
            }
            inner.idle += 1;
            inner = self
                .work
                .wait(inner)
                .unwrap_or_else(PoisonError::into_inner);
            inner.idle -= 1;
        }
    }

    /// Park the expansion of the entry claimed at `index`, holding
    /// `worlds` worlds (dropped when the search is over).
    pub(super) fn park(&self, index: usize, expansion: R, worlds: usize) {
        let mut inner = self.lock();
        if inner.stop {
            return;
        }
        inner.parked_worlds += worlds;
        inner.slots[index].work = Work::Done(expansion, worlds);
        if index + 1 == inner.slots.len() {
            self.changed();
            if inner.waiting {
                self.done.notify_one();
            }
        }
    }

    /// End the search: helpers leave (after the expansion in hand), the
    /// merging thread's next [`Stack::next`] says [`Next::Stop`].
    pub(super) fn stop(&self) {
        let mut inner = self.lock();
        inner.stop = true;
        self.changed();
        inner.slots.clear();
        inner.pool.clear();
        self.work.notify_all();
        self.done.notify_all();
    }

    /// The counters so far (feature `dfs-stats`), as text.
    #[cfg(feature = "dfs-stats")]
    pub(super) fn stats(&self) -> String {
        format!("{:?}", self.lock().stats)
    }

    /// A guard that stops the search when dropped: when the thread holding
    /// it returns or panics, no other thread waits forever.
    pub(super) fn stopper(&self) -> Stopper<'_, M, T, R, W> {
        Stopper(self)
    }
}

/// Stops the search when dropped ([`Stack::stopper`]).
pub(super) struct Stopper<'a, M: Copy, T, R, W>(&'a Stack<M, T, R, W>);

impl<M: Copy, T, R, W> Drop for Stopper<'_, M, T, R, W> {
    fn drop(&mut self) {
        self.0.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::{Next, Stack};

    type Test = Stack<u32, u32, String, u8>;

    fn push(stack: &Test, entries: &[u32]) {
        stack.push(entries.iter().map(|&e| (e, e)), &mut Vec::new());
    }

    /// A helper claims the highest ready entry within the window; the
    /// merging thread pops ready and parked entries in stack order and
    /// works ahead below a claimed top; the parked bound stops claims.
    #[test]
    fn claims_park_and_pop_in_stack_order() {
        let stack = Test::new(3, 2, 100);
        push(&stack, &[1, 2, 3, 4, 5]);
        let mut spare = Vec::new();
        // Highest first: the top.
        let (top, entry) = stack.claim(&mut spare).expect("an entry");
        assert_eq!((top, entry), (4, 5));
        let (below, entry) = stack.claim(&mut spare).expect("an entry");
        assert_eq!((below, entry), (3, 4));
        // Two parked or claimed: the bound is reached (checked without
        // waiting: the merging thread's view).
        assert_eq!(stack.lock().parked, 2);
        // The top is claimed: the merging thread works ahead on the
        // highest ready entry below it.
        match stack.next() {
            Next::Ahead(index, entry) => {
                assert_eq!((index, entry), (2, 3));
                stack.park(index, "three".to_string(), 1);
            }
            _ => panic!("expected to work ahead"),
        }
        stack.park(top, "five".to_string(), 2);
        stack.park(below, "four".to_string(), 0);
        assert_eq!(stack.lock().parked_worlds, 3);
        let mut popped = Vec::new();
        loop {
            match stack.next() {
                Next::Own(meta, entry, left) => popped.push(format!("own {meta} {entry} {left}")),
                Next::Parked(meta, expansion, left) => {
                    popped.push(format!("parked {meta} {expansion} {left}"));
                }
                Next::Ahead(..) => panic!("nothing is claimed"),
                Next::Stop => break,
            }
        }
        assert_eq!(
            popped,
            [
                "parked 5 five 4",
                "parked 4 four 3",
                "parked 3 three 2",
                "own 2 2 1",
                "own 1 1 0"
            ]
        );
        assert_eq!(stack.lock().parked, 0);
        assert_eq!(stack.lock().parked_worlds, 0);
    }

    /// The worlds bound: helpers stop claiming while the parked expansions
    /// hold that many worlds, and claim again once they are popped.
    #[test]
    fn parked_worlds_bound_the_claims() {
        let stack = Test::new(8, 8, 3);
        push(&stack, &[1, 2, 3, 4]);
        let mut spare = Vec::new();
        let (top, _) = stack.claim(&mut spare).expect("an entry");
        stack.park(top, "four".to_string(), 3);
        let inner = stack.lock();
        assert!(!stack.may_claim(&inner));
        drop(inner);
        assert!(matches!(stack.next(), Next::Parked(4, _, 3)));
        assert!(stack.may_claim(&stack.lock()));
        assert_eq!(stack.claim(&mut spare).map(|c| c.0), Some(2));
    }

    /// The window: a helper does not look past the top `window` slots.
    #[test]
    fn helpers_look_only_at_the_window() {
        let stack = Test::new(2, 10, 100);
        push(&stack, &[1, 2, 3]);
        let mut spare = Vec::new();
        assert_eq!(stack.claim(&mut spare).map(|c| c.0), Some(2));
        assert_eq!(stack.claim(&mut spare).map(|c| c.0), Some(1));
        // Slot 0 is out of the window: a helper would wait; the merging
        // thread (the top claimed) looks below the top, so it finds it.
        assert!(stack.highest_ready(&stack.lock().slots, 3).is_none());
        assert!(matches!(stack.next(), Next::Ahead(0, 1)));
    }

    /// Stopping drops what is parked, wakes the helpers (they get `None`),
    /// and the merging thread is told to stop.
    #[test]
    fn a_stop_ends_every_thread() {
        let stack = Test::new(4, 4, 100);
        push(&stack, &[1, 2]);
        let mut spare = Vec::new();
        let (index, _) = stack.claim(&mut spare).expect("an entry");
        std::thread::scope(|scope| {
            let helper = scope.spawn(|| {
                let mut spare = Vec::new();
                let mut claimed = 0;
                while stack.claim(&mut spare).is_some() {
                    claimed += 1;
                }
                claimed
            });
            // The helper claims entry 1, then waits (nothing is left).
            drop(stack.stopper());
            assert!(helper.join().expect("no panic") <= 1);
        });
        stack.park(index, "late".to_string(), 1);
        assert!(matches!(stack.next(), Next::Stop));
        assert!(stack.lock().slots.is_empty());
    }

    /// Spare things go to the pool beyond what the merging thread keeps,
    /// and a helper tops up from it when it claims.
    #[test]
    fn spare_things_flow_to_the_helpers() {
        let stack = Test::new(4, 4, 100);
        let mut mine: Vec<u8> = (0..(super::MAIN_SPARE + super::POOL + 5) as u8).collect();
        stack.push([(1, 1)].into_iter(), &mut mine);
        // The pool is full: the merging thread keeps what does not fit.
        assert_eq!(mine.len(), super::MAIN_SPARE + 5);
        let mut theirs = vec![100];
        assert!(stack.claim(&mut theirs).is_some());
        assert_eq!(theirs.len(), super::HELPER_SPARE);
        assert_eq!(
            stack.lock().pool.len(),
            super::POOL - (super::HELPER_SPARE - 1)
        );
    }
}
