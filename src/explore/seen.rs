//! What the helpers of a parallel depth-first search may know of the
//! visited set: a small table of keys recently stored in it, with their
//! depths, that the merging thread writes and the helpers read without a
//! lock ([`Seen`]).
//!
//! A helper cannot read the visited set ([`super::visited::Visited`]: the
//! merging thread changes it), so without this it keeps every successor
//! it makes, with its world, and the merge finds most of them seen before
//! (`again`): a world built on one thread, carried to the other and freed
//! there. With it, a helper skips a successor the table says was stored
//! no deeper, as one thread does against the visited set, and keeps the
//! world to copy the next one into.
//!
//! It is only a hint, and a sound one: the table never says more than the
//! visited set. A slot holds one key and the depth the visited set held
//! for it when the merging thread wrote the slot; the visited set only
//! gains keys and its depths only get smaller, so a key the table holds at
//! depth `d` is in the visited set, at depth `d` or less, from then on. A
//! successor skipped because of it (seen no deeper, no check failed on
//! the step) is then `again` when it is merged, which happens after the
//! helper read the slot (the helper parks its expansion after, under the
//! stack's lock, and the merging thread pops it under the same lock). A
//! skip is an early form of the merge's `again`: the report is the same.
//! A slot overwritten by another key, or not written yet, only makes a
//! helper keep a successor it could have skipped.
//!
//! The table is direct-mapped (a key's slot is its low bits, and a new key
//! replaces the slot's old one), so it remembers recent keys, which is
//! what depth first meets again most. Nothing iterates it; what it holds
//! depends on timing only in which successors a helper keeps, never in
//! what the search reports.

use std::sync::atomic::{AtomicU64, Ordering};

/// Slots in the table (a power of two; 8 bytes each: 1 MiB).
const SLOTS: usize = 1 << 17;

/// The low bits of a slot's value hold the depth; the rest are the key's.
/// The key's low bits are its slot's index, so key and depth fit one word
/// (read and written whole: a reader never sees a key with another's
/// depth).
const DEPTH_BITS: u32 = 8;
const DEPTH_MASK: u64 = (1 << DEPTH_BITS) - 1;

/// Keys recently stored in the visited set, with their depths: written by
/// the merging thread, read by helpers, without a lock.
pub(super) struct Seen {
    slots: Box<[AtomicU64]>,
}

impl Seen {
    /// An empty table.
    pub(super) fn new() -> Seen {
        Seen::with_slots(SLOTS)
    }

    fn with_slots(slots: usize) -> Seen {
        debug_assert!(slots.is_power_of_two() && slots > DEPTH_MASK as usize);
        Seen {
            slots: (0..slots).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn slot(&self, key: u64) -> &AtomicU64 {
        // Truncation intended: the low bits index the table.
        &self.slots[key as usize & (self.slots.len() - 1)]
    }

    /// The visited set now holds `key` at `depth` (the merging thread,
    /// right after storing it there). A depth too deep to fit is not
    /// written (the slot keeps what it had: another key, or this key at a
    /// depth no smaller than the visited set's).
    pub(super) fn note(&self, key: u64, depth: u32) {
        if u64::from(depth) > DEPTH_MASK {
            return;
        }
        let value = (key & !DEPTH_MASK) | u64::from(depth);
        self.slot(key).store(value, Ordering::Relaxed);
    }

    /// The depth the visited set held `key` at when the table last heard
    /// of it (it holds it at that depth or less now), if the table holds
    /// it.
    pub(super) fn get(&self, key: u64) -> Option<u32> {
        let value = self.slot(key).load(Ordering::Relaxed);
        // A slot never written reads 0: no key (a key whose high bits are
        // all 0 at depth 0 is then never found, only kept).
        if value == 0 || value & !DEPTH_MASK != key & !DEPTH_MASK {
            return None;
        }
        // The mask keeps 8 bits: the cast cannot truncate.
        Some((value & DEPTH_MASK) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::{Seen, DEPTH_MASK};

    /// A key noted reads back its depth, a smaller depth noted later
    /// replaces it; another key in the same slot replaces it (and is not
    /// mistaken for it); a depth too deep is not written.
    #[test]
    fn reads_back_what_was_noted_and_no_other_key() {
        let seen = Seen::with_slots(1 << 10);
        let key = 0x1234_5678_9abc_def0_u64;
        assert_eq!(seen.get(key), None);
        seen.note(key, 7);
        assert_eq!(seen.get(key), Some(7));
        seen.note(key, 3);
        assert_eq!(seen.get(key), Some(3));
        // Same slot (same low 10 bits), other high bits.
        let other = key ^ (1 << 40);
        assert_eq!(seen.get(other), None);
        seen.note(other, 5);
        assert_eq!(seen.get(other), Some(5));
        assert_eq!(seen.get(key), None);
        // Same high bits, another slot: not the same key either.
        let near = key ^ (1 << 9);
        assert_eq!(seen.get(near), None);
        // Too deep to fit: not written, the slot keeps what it had.
        seen.note(other, 1 + DEPTH_MASK as u32);
        assert_eq!(seen.get(other), Some(5));
        // The zero key at depth 0 is never found (only kept by a helper).
        seen.note(0, 0);
        assert_eq!(seen.get(0), None);
    }

    /// Depths read back for every key of a run of keys written to a full
    /// table are the ones noted last for those keys still in their slots.
    #[test]
    fn never_reports_a_key_it_did_not_hear_of() {
        let seen = Seen::with_slots(1 << 8);
        let keys: Vec<u64> = (1..2000u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        for (i, &k) in keys.iter().enumerate() {
            seen.note(k, (i % 200) as u32);
        }
        let mut found = 0;
        for (i, &k) in keys.iter().enumerate() {
            if let Some(d) = seen.get(k) {
                assert_eq!(d, (i % 200) as u32);
                found += 1;
            }
        }
        assert!(found > 0 && found <= 1 << 8);
        for i in 0..1000u64 {
            let unseen = i.wrapping_mul(0xc2b2_ae3d_27d4_eb4f) | 1 << 63;
            if !keys.contains(&unseen) {
                assert_eq!(seen.get(unseen), None);
            }
        }
    }
}
