//! The visited set: which states a search has met, by key (a state's
//! fingerprint, already a 64-bit hash), and at what depth.
//!
//! An open-addressing table of the keys (linear probing) with the depths
//! in a parallel vector whose width grows with the deepest depth stored:
//! one byte a slot up to depth 255, two up to 65,535, four beyond, and
//! none when the search does not need depths (no depth bound, random
//! walks). At 8 + 1 bytes a slot and at most 4/5 of the slots full, a
//! state costs 9 to 18 bytes (a `HashMap<u64, u32>` costs 17 a slot, at
//! most 7/8 full). A depth is never cut to fit: it widens the vector, so a
//! stored depth is always the depth given, and a state met again
//! shallower than it was stored is always seen as such.
//!
//! The table is probed only, never iterated: where a key lands depends
//! on the table's size, and nothing reads that order.

/// The marker of an empty slot. The key 0 itself is kept beside the
/// table ([`Visited::zero`]).
const EMPTY: u64 = 0;

/// Smallest table (slots; a power of two).
const MIN_SLOTS: usize = 1 << 10;

/// The depths of the slots, as narrow as the deepest depth stored allows.
#[derive(Clone, Debug)]
enum Depths {
    /// Depths are not kept: every stored key reads depth 0.
    Untracked,
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
}

impl Depths {
    fn get(&self, slot: usize) -> u32 {
        match self {
            Depths::Untracked => 0,
            Depths::U8(d) => u32::from(d[slot]),
            Depths::U16(d) => u32::from(d[slot]),
            Depths::U32(d) => d[slot],
        }
    }

    /// Store `depth` at `slot`, widening every slot first if it does not
    /// fit (never cut).
    fn set(&mut self, slot: usize, depth: u32) {
        match self {
            Depths::Untracked => {}
            Depths::U8(d) => match u8::try_from(depth) {
                Ok(v) => d[slot] = v,
                Err(_) => {
                    *self = Depths::U16(d.iter().map(|&v| u16::from(v)).collect());
                    self.set(slot, depth);
                }
            },
            Depths::U16(d) => match u16::try_from(depth) {
                Ok(v) => d[slot] = v,
                Err(_) => {
                    *self = Depths::U32(d.iter().map(|&v| u32::from(v)).collect());
                    self.set(slot, depth);
                }
            },
            Depths::U32(d) => d[slot] = depth,
        }
    }

    /// Empty depths for `slots` slots, of this one's width.
    fn empty_like(&self, slots: usize) -> Depths {
        match self {
            Depths::Untracked => Depths::Untracked,
            Depths::U8(_) => Depths::U8(vec![0; slots]),
            Depths::U16(_) => Depths::U16(vec![0; slots]),
            Depths::U32(_) => Depths::U32(vec![0; slots]),
        }
    }
}

/// The set of visited states: key → the depth it was stored with (see the
/// module's documentation).
#[derive(Clone, Debug)]
pub(crate) struct Visited {
    /// The keys, [`EMPTY`] where a slot is free; a power of two long.
    keys: Vec<u64>,
    depths: Depths,
    /// Keys stored in `keys` (the key 0 not counted).
    filled: usize,
    /// The key 0's depth, if it is stored.
    zero: Option<u32>,
}

impl Visited {
    /// An empty set that keeps each key's depth when `depths` (a search
    /// under a depth bound needs them), else reads every depth as 0.
    pub(crate) fn new(depths: bool) -> Visited {
        let depths = if depths {
            Depths::U8(vec![0; MIN_SLOTS])
        } else {
            Depths::Untracked
        };
        Visited {
            keys: vec![EMPTY; MIN_SLOTS],
            depths,
            filled: 0,
            zero: None,
        }
    }

    /// How many keys are stored.
    pub(crate) fn len(&self) -> usize {
        self.filled + usize::from(self.zero.is_some())
    }

    /// The depth `key` was last stored with, if it is stored (0 when
    /// depths are not kept).
    pub(crate) fn get(&self, key: u64) -> Option<u32> {
        if key == EMPTY {
            return self.zero;
        }
        match self.find(key) {
            Ok(slot) => Some(self.depths.get(slot)),
            Err(_) => None,
        }
    }

    /// Is `key` stored?
    pub(crate) fn contains(&self, key: u64) -> bool {
        self.get(key).is_some()
    }

    /// Store `key` with `depth` (replacing the depth it had, if stored).
    pub(crate) fn insert(&mut self, key: u64, depth: u32) {
        if key == EMPTY {
            self.zero = Some(if matches!(self.depths, Depths::Untracked) {
                0
            } else {
                depth
            });
            return;
        }
        let slot = match self.find(key) {
            Ok(slot) => slot,
            Err(free) => {
                if (self.filled + 1) * 5 > self.keys.len() * 4 {
                    self.grow();
                    self.insert(key, depth);
                    return;
                }
                self.keys[free] = key;
                self.filled += 1;
                free
            }
        };
        self.depths.set(slot, depth);
    }

    /// The first slot to probe for `key`: its top bits after a
    /// multiplication (the fingerprints' low bits mix less).
    fn home(&self, key: u64) -> usize {
        let bits = self.keys.len().trailing_zeros();
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    /// `Ok(slot)` holding `key` (not 0), or `Err(slot)`: the free slot
    /// where it would go.
    fn find(&self, key: u64) -> Result<usize, usize> {
        let mask = self.keys.len() - 1;
        let mut slot = self.home(key);
        loop {
            match self.keys[slot] {
                k if k == key => return Ok(slot),
                EMPTY => return Err(slot),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Double the table and place every key again.
    fn grow(&mut self) {
        let slots = self.keys.len() * 2;
        let keys = std::mem::replace(&mut self.keys, vec![EMPTY; slots]);
        let old_depths = std::mem::replace(&mut self.depths, Depths::Untracked);
        self.depths = old_depths.empty_like(slots);
        for (slot, &key) in keys.iter().enumerate() {
            if key == EMPTY {
                continue;
            }
            let Err(free) = self.find(key) else {
                unreachable!("a key is stored once");
            };
            self.keys[free] = key;
            self.depths.set(free, old_depths.get(slot));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Depths, Visited, MIN_SLOTS};

    /// Keys that spread like fingerprints, and a few that collide on their
    /// home slot (equal top bits after the multiplication are likely among
    /// consecutive multiples of a large power of two).
    fn keys(n: u64) -> Vec<u64> {
        (1..=n)
            .map(|i| i.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ (i << 40))
            .collect()
    }

    #[test]
    fn insert_then_get_reads_the_depth_back() {
        let mut v = Visited::new(true);
        assert_eq!(v.get(42), None);
        assert!(!v.contains(42));
        v.insert(42, 7);
        assert_eq!(v.get(42), Some(7));
        assert!(v.contains(42));
        assert_eq!(v.len(), 1);
        // Storing again replaces the depth, not the count.
        v.insert(42, 3);
        assert_eq!(v.get(42), Some(3));
        assert_eq!(v.len(), 1);
        assert_eq!(v.get(43), None);
    }

    #[test]
    fn the_zero_key_is_a_key_like_any_other() {
        let mut v = Visited::new(true);
        assert_eq!(v.get(0), None);
        v.insert(0, 5);
        assert_eq!(v.get(0), Some(5));
        assert_eq!(v.len(), 1);
        v.insert(0, 2);
        assert_eq!(v.get(0), Some(2));
        assert_eq!(v.len(), 1);
        v.insert(1, 9);
        assert_eq!(v.len(), 2);
        assert_eq!((v.get(0), v.get(1)), (Some(2), Some(9)));
        let mut u = Visited::new(false);
        u.insert(0, 5);
        assert_eq!(u.get(0), Some(0));
    }

    #[test]
    fn growth_keeps_every_key_and_depth() {
        let mut v = Visited::new(true);
        let all = keys(50_000);
        for (i, &k) in all.iter().enumerate() {
            v.insert(k, (i % 200) as u32);
            assert_eq!(v.len(), i + 1);
        }
        assert!(v.keys.len() > MIN_SLOTS);
        assert!(v.keys.len().is_power_of_two());
        assert!(v.len() * 5 <= v.keys.len() * 4, "at most 4/5 full");
        for (i, &k) in all.iter().enumerate() {
            assert_eq!(v.get(k), Some((i % 200) as u32), "key {i}");
        }
        for k in keys(60_000).into_iter().skip(50_000) {
            assert_eq!(v.get(k), None);
        }
    }

    #[test]
    fn keys_with_the_same_home_slot_probe_on() {
        let mut v = Visited::new(true);
        // Keys whose product with the multiplier differs only in low bits
        // share their home slot.
        let home = v.home(0x1234_5678);
        let same: Vec<u64> = (1u64..)
            .map(|i| i.wrapping_mul(0x0000_0001_0000_0001))
            .filter(|&k| k != 0 && v.home(k) == home)
            .take(5)
            .collect();
        for (d, &k) in same.iter().enumerate() {
            v.insert(k, d as u32);
        }
        for (d, &k) in same.iter().enumerate() {
            assert_eq!(v.get(k), Some(d as u32));
        }
        assert_eq!(v.len(), same.len());
    }

    #[test]
    fn deep_depths_widen_rather_than_saturate() {
        let mut v = Visited::new(true);
        v.insert(1, 200);
        assert!(matches!(v.depths, Depths::U8(_)));
        v.insert(2, 300);
        assert!(matches!(v.depths, Depths::U16(_)));
        v.insert(3, 70_000);
        assert!(matches!(v.depths, Depths::U32(_)));
        v.insert(0, u32::MAX);
        assert_eq!(
            (v.get(1), v.get(2), v.get(3), v.get(0)),
            (Some(200), Some(300), Some(70_000), Some(u32::MAX))
        );
        // Widened depths survive growth.
        for k in keys(5_000) {
            v.insert(k, 65_536);
        }
        assert_eq!(v.get(3), Some(70_000));
        assert_eq!(v.get(2), Some(300));
    }

    #[test]
    fn untracked_depths_read_zero() {
        let mut v = Visited::new(false);
        v.insert(5, 77);
        assert_eq!(v.get(5), Some(0));
        assert!(v.contains(5));
        assert!(!v.contains(6));
    }
}
