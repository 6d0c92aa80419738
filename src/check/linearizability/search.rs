//! The search: Wing & Gong's backtracking with Lowe's memoization, in the
//! style of Porcupine.
//!
//! Call and return entries form a doubly linked list in history order. The
//! search walks it: a call entry whose operation the model accepts is
//! linearized (its call and return entries are *lifted* out of the list); a
//! return entry reached first means that operation cannot be placed, so the
//! search backtracks (*unlifts* the last choice). A cache of (set of
//! linearized operations, model state) prunes configurations already seen.
//! Model states are interned to `u32` ids and transitions memoized, so the hot
//! loop does no allocation.

use super::models::SeqModel;
use std::collections::hash_map::Entry;
use std::collections::HashMap; // allow-nondeterminism: FxMap below is only probed, never iterated
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Instant;

/// A small, fast, fixed (deterministic) hasher for integer keys. Maps using it
/// are never iterated.
#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        // Fold the high bits down: the table indexes by the low bits.
        let x = self.0 ^ (self.0 >> 29);
        x.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (x >> 32)
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(n as u64);
    }
}

/// A hash map with a fixed (unkeyed) hasher, for the search's interning and
/// memo tables. It is only ever probed (`get`/`insert`/`entry`), never
/// iterated, so its order cannot reach a verdict or an explanation; a
/// `BTreeMap` here would cost a log factor on the hottest loop.
pub(super) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>; // allow-nondeterminism: only probed, never iterated

const NONE: u32 = u32::MAX;

/// A model whose states are interned to ids and whose steps are memoized.
pub(super) struct Interned<M: SeqModel> {
    pub model: M,
    pub ops: Vec<M::Op>,
    pub states: Vec<M::State>,
    index: FxMap<M::State, u32>,
    /// State ids by the model's [`SeqModel::dense_id`] (`NONE`: not seen),
    /// for the states that have one; the others are in `index`.
    dense: Vec<u32>,
    memo: FxMap<u64, u32>,
    /// Per op: are its steps memoized ([`SeqModel::memoize`], asked once)?
    remember: Vec<bool>,
}

/// The id of `state`, interning it if it is new: by its dense id when the
/// model gives one, else by hashing it. (Free-standing so that a caller
/// holding a memo entry can intern.)
fn intern_in<M: SeqModel>(
    model: &M,
    states: &mut Vec<M::State>,
    index: &mut FxMap<M::State, u32>,
    dense: &mut Vec<u32>,
    state: M::State,
) -> u32 {
    let next = states.len() as u32;
    if let Some(d) = model.dense_id(&state) {
        let d = d as usize;
        if d >= dense.len() {
            dense.resize(d + 1, NONE);
        }
        if dense[d] == NONE {
            dense[d] = next;
            states.push(state);
        }
        return dense[d];
    }
    match index.entry(state) {
        Entry::Occupied(seen) => *seen.get(),
        Entry::Vacant(new) => {
            states.push(new.key().clone());
            new.insert(next);
            next
        }
    }
}

impl<M: SeqModel> Interned<M> {
    /// Wrap `model` with compiled `ops`; state id 0 is the initial state.
    pub fn new(mut model: M, ops: Vec<M::Op>) -> Self {
        let init = model.init();
        let remember = ops.iter().map(|op| model.memoize(&init, op)).collect();
        let mut this = Interned {
            model,
            ops,
            states: Vec::new(),
            index: FxMap::default(),
            dense: Vec::new(),
            memo: FxMap::default(),
            remember,
        };
        let (model, states, index, dense) = (
            &this.model,
            &mut this.states,
            &mut this.index,
            &mut this.dense,
        );
        intern_in(model, states, index, dense, init);
        this
    }

    /// Bytes allocated by the interned states and the transition memo
    /// (table capacity; what the states themselves point to is not counted).
    pub fn bytes(&self) -> usize {
        let state = std::mem::size_of::<M::State>();
        self.states.capacity() * state
            + self.index.capacity() * (state + 5)
            + self.dense.capacity() * 4
            + self.memo.capacity() * 13
    }

    /// The state after `op` from state `state`, if the model allows it.
    ///
    /// One probe of each table on a miss (`entry`, not `get` then
    /// `insert`): in a history where most steps reach a new state (appends
    /// of distinct strings) the probes were most of the search's time.
    #[inline]
    pub fn step(&mut self, state: u32, op: usize) -> Option<u32> {
        if !self.remember[op] {
            let (from, what) = (&self.states[state as usize], &self.ops[op]);
            let next = self.model.step(from, what)?;
            let (states, index, dense) = (&mut self.states, &mut self.index, &mut self.dense);
            return Some(intern_in(&self.model, states, index, dense, next));
        }
        let key = ((state as u64) << 32) | op as u64;
        let memo = match self.memo.entry(key) {
            Entry::Occupied(known) => {
                let next = *known.get();
                return (next != NONE).then_some(next);
            }
            Entry::Vacant(memo) => memo,
        };
        let next = match self.model.step(&self.states[state as usize], &self.ops[op]) {
            Some(s) => intern_in(
                &self.model,
                &mut self.states,
                &mut self.index,
                &mut self.dense,
                s,
            ),
            None => NONE,
        };
        memo.insert(next);
        (next != NONE).then_some(next)
    }
}

/// When to give up.
pub(super) struct Clock {
    pub deadline: Option<Instant>,
    pub steps_left: u64,
    pub steps: u64,
    /// The bound that stopped the search, once one did.
    pub exhausted: Option<super::Bound>,
    /// Bytes all memo tables together may occupy.
    pub memory_limit: usize,
    /// Bytes held by the other partitions' searches.
    pub memory_elsewhere: usize,
}

impl Clock {
    /// Count `steps` done.
    fn charge(&mut self, steps: u64) {
        self.steps += steps;
        self.steps_left = self.steps_left.saturating_sub(steps);
    }

    /// True (and remembered) when the wall-clock deadline has passed.
    fn out_of_time(&mut self) -> bool {
        let expired = self.deadline.is_some_and(|d| Instant::now() >= d); // allow-nondeterminism: check-history's --timeout; simulations pass no deadline
        if expired {
            self.exhausted = Some(super::Bound::Timeout);
        }
        self.exhausted.is_some()
    }
}

/// The deepest point the search reached.
#[derive(Clone, Debug, Default)]
pub(super) struct Deepest {
    /// Operations linearized, in order.
    pub order: Vec<usize>,
    /// Model state id after them.
    pub state: u32,
    /// Operations that could have gone next (invoked before `blocking` returned).
    pub candidates: Vec<usize>,
    /// The operation whose return was reached before it could be linearized.
    pub blocking: usize,
}

/// What the search found.
pub(super) enum Found {
    /// A valid order of all operations exists.
    Linearizable,
    /// No order exists; the deepest point reached.
    NotLinearizable(Deepest),
}

/// The configurations the search has entered: (set of linearized
/// operations as a bitset, model state) pairs, in one arena, with
/// *subsumption* by free operations.
///
/// A *free* operation is one whose outcome is unknown (`info`): its return
/// is placed after the whole history and the model accepts it in every
/// state. It need never be linearized: the search succeeds once every
/// operation with a known outcome (a *fixed* one) is placed, since a free
/// operation may not have happened at all (or, equally, happened after
/// everything else, where nothing observes it). So two configurations that
/// differ only in free operations, with the same model state, are related:
/// if `(S ∪ J, s)` (J free) can be completed, so can `(S, s)`, by the same
/// steps (J's unplaced calls block nothing, their returns being last). Once
/// `(S, s)` has been entered, `(S ∪ J, s)` need not be: [`Cache::insert`]
/// reports it as seen. (The search stays complete; the argument is in
/// [`Search`]'s docs.)
///
/// Entries with the same *fixed* part (the bitset without free operations)
/// and state hash alike and form one chain; a lookup walks the chain for an
/// entry whose free part is a subset of the new one. Without free
/// operations every chain has one entry and this is an exact set.
#[derive(Default)]
struct Cache {
    words: usize,
    /// The free operations' bits.
    free: Vec<u64>,
    /// Open addressing over chains: entry index + 1 of a chain's head, 0 empty.
    slots: Vec<u32>,
    /// Chains in use (the slot table's load).
    chains: usize,
    hashes: Vec<u64>,
    states: Vec<u32>,
    /// The next entry of the same chain (index + 1; 0 ends the chain).
    next: Vec<u32>,
    bits: Vec<u64>,
    /// Bytes the tables may grow to (set before each slice of work).
    budget: usize,
    /// An insert was refused because growing would pass `budget`.
    full: bool,
}

impl Cache {
    fn new(words: usize, free: Vec<u64>) -> Self {
        Cache {
            words,
            free,
            slots: vec![0; 1024],
            budget: usize::MAX,
            ..Cache::default()
        }
    }

    /// Bytes allocated by the tables.
    fn bytes(&self) -> usize {
        self.slots.capacity() * 4
            + self.hashes.capacity() * 8
            + self.states.capacity() * 4
            + self.next.capacity() * 4
            + self.bits.capacity() * 8
    }

    /// Would one more entry (and the growth it may trigger, counted at its
    /// peak: old and new slot tables together) stay within the budget?
    fn has_room(&self) -> bool {
        let mut bytes = self.bytes();
        let n = self.hashes.len();
        if n == self.hashes.capacity() {
            bytes += n.max(4) * 16;
        }
        if self.bits.len() + self.words > self.bits.capacity() {
            bytes += self.bits.capacity().max(self.words * 4) * 8;
        }
        if (self.chains + 1) * 2 > self.slots.len() {
            bytes += self.slots.len() * 8;
        }
        bytes <= self.budget
    }

    fn entry_bits(&self, e: usize) -> &[u64] {
        &self.bits[e * self.words..(e + 1) * self.words]
    }

    /// Same fixed part (the bits outside the free operations)?
    fn same_fixed(&self, e: usize, bitset: &[u64]) -> bool {
        self.entry_bits(e)
            .iter()
            .zip(bitset)
            .zip(&self.free)
            .all(|((a, b), f)| (a ^ b) & !f == 0)
    }

    /// Is entry `e`'s bitset a subset of `bitset`?
    fn subset(&self, e: usize, bitset: &[u64]) -> bool {
        self.entry_bits(e)
            .iter()
            .zip(bitset)
            .all(|(a, b)| a & !b == 0)
    }

    /// Insert the configuration (`bitset`, `state`), `hash` being the
    /// Zobrist hash of the bitset's fixed part. False if it was already
    /// present, or is subsumed by a present one (same fixed part and state,
    /// free part a subset), or the table is full (then `full` is set).
    fn insert(&mut self, bitset: &[u64], hash: u64, state: u32) -> bool {
        let hash = (hash ^ (state as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .wrapping_mul(0xff51_afd7_ed55_8ccd);
        let mask = self.slots.len() - 1;
        let mut slot = (hash >> 20) as usize & mask;
        let mut head = 0u32;
        loop {
            let entry = self.slots[slot];
            if entry == 0 {
                break;
            }
            let e = (entry - 1) as usize;
            if self.hashes[e] == hash && self.states[e] == state && self.same_fixed(e, bitset) {
                head = entry;
                break;
            }
            slot = (slot + 1) & mask;
        }
        // Walk the chain: a subset means seen; supersets of the new entry
        // are unlinked (the new entry subsumes whatever they would).
        let mut kept = 0u32;
        let mut tail: Option<usize> = None;
        let mut c = head;
        while c != 0 {
            let e = (c - 1) as usize;
            if self.subset(e, bitset) {
                return false;
            }
            let after = self.next[e];
            let superset = self
                .entry_bits(e)
                .iter()
                .zip(bitset)
                .all(|(a, b)| b & !a == 0);
            if !superset {
                match tail {
                    None => kept = c,
                    Some(t) => self.next[t] = c,
                }
                tail = Some(e);
            }
            c = after;
        }
        if let Some(t) = tail {
            self.next[t] = 0;
        }
        if !self.has_room() {
            self.full = true;
            return false;
        }
        self.hashes.push(hash);
        self.states.push(state);
        self.next.push(kept);
        self.bits.extend_from_slice(bitset);
        self.slots[slot] = self.hashes.len() as u32;
        if head == 0 {
            self.chains += 1;
            if self.chains * 2 > self.slots.len() {
                self.grow();
            }
        }
        true
    }

    /// Double the slot table, re-placing the chains' heads.
    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let mask = size - 1;
        let mut slots = vec![0u32; size];
        for &entry in self.slots.iter().filter(|&&e| e != 0) {
            let mut slot = (self.hashes[(entry - 1) as usize] >> 20) as usize & mask;
            while slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            slots[slot] = entry;
        }
        self.slots = slots;
    }
}

fn zobrist(i: usize) -> u64 {
    let mut z = (i as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The linked list of call/return entries, in history order: entry `2i+1`
/// is op `i`'s call, `2i+2` its return; entry 0 is the head. A free
/// operation's return (after the whole history) is left out: the search
/// succeeds before it could be reached (see [`Search`]).
struct Entries {
    next: Vec<u32>,
    prev: Vec<u32>,
}

const END: u32 = u32::MAX;

impl Entries {
    /// `positions[i] = (call, return)` positions in history order (all
    /// distinct); `free[i]`: op `i`'s return is left out.
    fn new(positions: &[(u64, u64)], free: &[bool]) -> Self {
        let mut order: Vec<(u64, u32)> = Vec::with_capacity(positions.len() * 2);
        for (i, &(call, ret)) in positions.iter().enumerate() {
            order.push((call, 2 * i as u32 + 1));
            if !free[i] {
                order.push((ret, 2 * i as u32 + 2));
            }
        }
        order.sort_unstable();
        let size = positions.len() * 2 + 1;
        let mut next = vec![END; size];
        let mut prev = vec![0; size];
        let mut last = 0u32;
        for &(_, e) in &order {
            next[last as usize] = e;
            prev[e as usize] = last;
            last = e;
        }
        Entries { next, prev }
    }

    #[inline]
    fn unlink(&mut self, e: u32) {
        let (p, n) = (self.prev[e as usize], self.next[e as usize]);
        self.next[p as usize] = n;
        if n != END {
            self.prev[n as usize] = p;
        }
    }

    #[inline]
    fn relink(&mut self, e: u32) {
        let (p, n) = (self.prev[e as usize], self.next[e as usize]);
        self.next[p as usize] = e;
        if n != END {
            self.prev[n as usize] = e;
        }
    }

    fn lift(&mut self, call: u32, free: bool) {
        self.unlink(call);
        if !free {
            self.unlink(call + 1);
        }
    }

    fn unlift(&mut self, call: u32, free: bool) {
        if !free {
            self.relink(call + 1);
        }
        self.relink(call);
    }
}

/// A resumable search for a linearization of one partition's operations.
///
/// **Order of candidates.** At each configuration the search tries every
/// call before the first unplaced return, fixed and free alike, in history
/// (invocation) order: Wing & Gong's order, the one the search used before
/// free operations existed. (Trying the fixed ones first, then the free
/// ones, was tried and decided fewer histories: a read that returns what
/// an `info` write wrote then first tries every fixed order without it.)
/// Only the cache's subsumption and the twin rule below prune what the
/// plain walk would enter, so the walk over a history without free
/// operations is exactly the old one.
///
/// **Success** is a configuration with every fixed operation placed (free
/// ones left over are dropped: see [`Cache`]). Every unplaced fixed
/// operation's return is in the list, so the walk meets a return before
/// the list ends while one is left.
///
/// **Completeness with subsumption.** A *completion* of a configuration is a
/// sequence of legal steps from it to one with every fixed operation
/// placed. Suppose the history is linearizable and the search ends without
/// success. Every configuration it entered was explored: each of its
/// children was entered or subsumed by an entered one (same fixed part and
/// state, fewer free operations), and a subsuming configuration has every
/// completion the subsumed one has (the same steps). Among the entered
/// configurations with a completion, take one with the most fixed
/// operations and, among those, the one with a completion whose run of
/// free operations before its first fixed one is shortest. If that
/// completion starts with a fixed operation, the child (or the entered
/// configuration subsuming it) has more fixed operations and a completion;
/// if with a free one, the child (or the one subsuming it) has the rest of
/// that completion, with a shorter run. Both contradict the choice. So the
/// search succeeds. (Soundness is plain: success is a real order.)
pub(super) struct Search<M: SeqModel> {
    /// The interned model (public for explanations).
    pub model: Interned<M>,
    entries: Entries,
    bitset: Vec<u64>,
    /// Zobrist hash of the fixed (not free) operations in `bitset`.
    hash: u64,
    cache: Cache,
    /// Each operation's Zobrist key; 0 for free operations.
    keys: Vec<u64>,
    /// Free operations (unknown outcome, return after the whole history).
    free: Vec<bool>,
    /// Fixed operations not yet linearized (0: success).
    fixed_left: usize,
    /// For a free op, the latest free op invoked before it with an equal
    /// compiled op (`NONE` if none): the search places equal free ops in
    /// invocation order only. (Swapping two equal free ops in any
    /// linearization gives one with the same states, and the earlier one
    /// is a candidate wherever the later one is: its return is last too
    /// and its call earlier. So this keeps the search complete; the
    /// completeness argument below holds for such *canonical* completions.)
    twin: Vec<u32>,
    /// Linearized calls: (call entry, state before).
    calls: Vec<(u32, u32)>,
    state: u32,
    deepest: Option<Deepest>,
    entry: u32,
}

/// Where a search stands after a slice of work.
pub(super) enum Progress {
    /// Decided.
    Done(Found),
    /// Paused after its slice; call `run` again.
    Paused,
}

impl<M: SeqModel> Search<M> {
    /// Which operations are free (`free[i]` as given to [`Search::new`]).
    pub fn free_ops(&self) -> &[bool] {
        &self.free
    }

    /// A search over ops with `positions[i]` = (call, return) positions in
    /// history order; `free[i]`: op `i`'s outcome is unknown and its return
    /// is after the whole history (the model must accept it in every state).
    pub fn new(model: Interned<M>, positions: &[(u64, u64)], free: &[bool]) -> Self {
        let n = positions.len();
        let entries = Entries::new(positions, free);
        let words = n.div_ceil(64).max(1);
        let entry = entries.next[0];
        let mut mask = vec![0u64; words];
        for (i, _) in free.iter().enumerate().filter(|(_, &f)| f) {
            mask[i / 64] |= 1 << (i % 64);
        }
        let keys = (0..n)
            .map(|i| if free[i] { 0 } else { zobrist(i) })
            .collect();
        let mut twin = vec![NONE; n];
        let by_call = {
            let mut order: Vec<usize> = (0..n).filter(|&i| free[i]).collect();
            order.sort_by_key(|&i| positions[i].0);
            order
        };
        for (k, &i) in by_call.iter().enumerate() {
            if let Some(&j) = by_call[..k]
                .iter()
                .rev()
                .find(|&&j| model.ops[j] == model.ops[i])
            {
                twin[i] = j as u32;
            }
        }
        Search {
            model,
            entries,
            bitset: vec![0u64; words],
            hash: 0,
            cache: Cache::new(words, mask),
            keys,
            free: free.to_vec(),
            fixed_left: free.iter().filter(|&&f| !f).count(),
            twin,
            calls: Vec::with_capacity(n),
            state: 0,
            deepest: None,
            entry,
        }
    }

    /// The deepest point reached so far.
    pub fn deepest(&self) -> Deepest {
        self.deepest.clone().unwrap_or_default()
    }

    /// Bytes held by this search's memo tables (cache, interned states and
    /// transitions).
    pub fn memory_bytes(&self) -> usize {
        self.cache.bytes() + self.model.bytes()
    }

    /// Free the memo tables of a finished search.
    pub fn release(&mut self) {
        self.cache = Cache::default();
    }

    /// Run about `slice` iterations (checking `clock`); `None` when the clock ran out.
    pub fn run(&mut self, slice: u64, clock: &mut Clock) -> Option<Progress> {
        let mut iterations = 0u64;
        let allowed = clock.steps_left;
        self.cache.budget = clock
            .memory_limit
            .saturating_sub(clock.memory_elsewhere)
            .saturating_sub(self.model.bytes());
        while self.fixed_left > 0 {
            if iterations >= allowed {
                clock.charge(iterations);
                clock.exhausted = Some(super::Bound::Steps);
                return None;
            }
            if self.cache.full {
                clock.charge(iterations);
                clock.exhausted = Some(super::Bound::Memory);
                return None;
            }
            iterations += 1;
            if iterations & 0x3ff == 0 {
                let limit = clock.memory_limit.saturating_sub(clock.memory_elsewhere);
                if self.memory_bytes() > limit {
                    clock.charge(iterations);
                    clock.exhausted = Some(super::Bound::Memory);
                    return None;
                }
                self.cache.budget = limit.saturating_sub(self.model.bytes());
                if clock.out_of_time() {
                    clock.charge(iterations);
                    return None;
                }
                if iterations >= slice {
                    clock.charge(iterations);
                    return Some(Progress::Paused);
                }
            }
            // `entry` is never END here: a fixed op is left, and its return
            // is in the list.
            if self.entry % 2 == 1 {
                self.try_call();
                continue;
            }
            if self
                .deepest
                .as_ref()
                .is_none_or(|d| self.calls.len() > d.order.len())
            {
                self.deepest = Some(record(&self.entries, &self.calls, self.state, self.entry));
            }
            let Some((call, previous)) = self.calls.pop() else {
                clock.charge(iterations);
                return Some(Progress::Done(Found::NotLinearizable(self.deepest())));
            };
            let op = (call as usize - 1) / 2;
            self.bitset[op / 64] &= !(1 << (op % 64));
            self.hash ^= self.keys[op];
            self.fixed_left += usize::from(!self.free[op]);
            self.state = previous;
            self.entries.unlift(call, self.free[op]);
            self.entry = self.entries.next[call as usize];
        }
        clock.charge(iterations);
        if self.cache.full {
            clock.exhausted = Some(super::Bound::Memory);
            return None;
        }
        Some(Progress::Done(Found::Linearizable))
    }

    /// Try to linearize the call at `self.entry` next; move on either way.
    #[inline]
    fn try_call(&mut self) {
        let entry = self.entry;
        let op = (entry as usize - 1) / 2;
        let twin = self.twin[op] as usize;
        let waits = twin != NONE as usize && self.bitset[twin / 64] & (1 << (twin % 64)) == 0;
        if waits {
            self.entry = self.entries.next[entry as usize];
            return;
        }
        if let Some(next) = self.model.step(self.state, op) {
            self.bitset[op / 64] |= 1 << (op % 64);
            let hash = self.hash ^ self.keys[op];
            if self.cache.insert(&self.bitset, hash, next) {
                self.hash = hash;
                self.fixed_left -= usize::from(!self.free[op]);
                self.calls.push((entry, self.state));
                self.state = next;
                self.entries.lift(entry, self.free[op]);
                self.entry = self.entries.next[0];
                return;
            }
            self.bitset[op / 64] &= !(1 << (op % 64));
        }
        self.entry = self.entries.next[entry as usize];
    }
}

/// The deepest point: the order so far, the state, the candidates (every
/// call, fixed or free, before the blocking return, in history order).
fn record(entries: &Entries, calls: &[(u32, u32)], state: u32, blocking: u32) -> Deepest {
    let mut candidates = Vec::new();
    let mut e = entries.next[0];
    while e != blocking && e != END {
        if e % 2 == 1 {
            candidates.push((e as usize - 1) / 2);
        }
        e = entries.next[e as usize];
    }
    Deepest {
        order: calls.iter().map(|&(c, _)| (c as usize - 1) / 2).collect(),
        state,
        candidates,
        blocking: (blocking as usize - 1) / 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_treats_configurations_with_more_free_operations_as_seen() {
        // Ops 0 and 1 are free, op 2 fixed.
        let mut cache = Cache::new(1, vec![0b011]);
        let fixed = zobrist(2);
        assert!(cache.insert(&[0b101], fixed, 7), "new");
        assert!(!cache.insert(&[0b101], fixed, 7), "the same again");
        assert!(
            !cache.insert(&[0b111], fixed, 7),
            "one more free op: subsumed"
        );
        assert!(cache.insert(&[0b111], fixed, 8), "another state is new");
        assert!(cache.insert(&[0b100], fixed, 7), "fewer free ops is new");
        assert!(
            !cache.insert(&[0b101], fixed, 7),
            "now subsumed by the smaller set"
        );
        assert!(cache.insert(&[0b001], 0, 7), "another fixed part is new");
    }

    #[test]
    fn without_free_operations_the_cache_is_an_exact_set() {
        let mut cache = Cache::new(1, vec![0]);
        assert!(cache.insert(&[0b01], zobrist(0), 1));
        assert!(cache.insert(&[0b11], zobrist(0) ^ zobrist(1), 1));
        assert!(!cache.insert(&[0b11], zobrist(0) ^ zobrist(1), 1));
        assert!(!cache.insert(&[0b01], zobrist(0), 1));
    }

    #[test]
    fn many_cache_entries_survive_growth() {
        let mut cache = Cache::new(1, vec![0]);
        for i in 0..5000u64 {
            assert!(cache.insert(&[i], zobrist(i as usize), 0));
        }
        for i in 0..5000u64 {
            assert!(!cache.insert(&[i], zobrist(i as usize), 0), "{i}");
        }
    }
}
