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
//!
//! Both vectors are kept in segments of [`SEGMENT`] slots. Doubling the
//! table moves the keys of one old segment at a time and frees it: a key's
//! new home slot is twice its old one or the next (the top bits of one
//! product), so old segment `i` fills new segments `2i` and `2i + 1`, each
//! made when it is first written. At no time do the old and the new table
//! both exist whole: the peak is the new table's size, not one and a half
//! times it.

/// The marker of an empty slot. The key 0 itself is kept beside the
/// table ([`Visited::zero`]).
const EMPTY: u64 = 0;

/// Smallest table (slots; a power of two).
const MIN_SLOTS: usize = 1 << 10;

/// Slots a segment holds at most (a power of two): 512 KiB of keys.
const SEGMENT_BITS: u32 = 16;
const SEGMENT: usize = 1 << SEGMENT_BITS;

/// A vector of `len` slots (a power of two) in segments of at most
/// [`SEGMENT`]; a segment not written yet is not allocated and reads as
/// zero.
#[derive(Clone, Debug)]
struct Segmented<T> {
    segments: Vec<Vec<T>>,
    len: usize,
}

impl<T: Copy + Default> Segmented<T> {
    fn new(len: usize) -> Self {
        debug_assert!(len.is_power_of_two());
        Segmented {
            segments: vec![Vec::new(); len.div_ceil(SEGMENT)],
            len,
        }
    }

    fn segment_len(&self) -> usize {
        self.len.min(SEGMENT)
    }

    #[inline]
    fn get(&self, slot: usize) -> T {
        let segment = &self.segments[slot >> SEGMENT_BITS];
        segment
            .get(slot & (SEGMENT - 1))
            .copied()
            .unwrap_or_default()
    }

    #[inline]
    fn set(&mut self, slot: usize, value: T) {
        let len = self.segment_len();
        let segment = &mut self.segments[slot >> SEGMENT_BITS];
        if segment.is_empty() {
            *segment = vec![T::default(); len];
        }
        segment[slot & (SEGMENT - 1)] = value;
    }

    /// The same values, each converted (a wider type).
    fn map<U>(&self, f: impl Fn(T) -> U) -> Segmented<U> {
        Segmented {
            segments: self
                .segments
                .iter()
                .map(|s| s.iter().map(|&v| f(v)).collect())
                .collect(),
            len: self.len,
        }
    }

    /// Free segment `index` (growth is done with it).
    fn free(&mut self, index: usize) {
        self.segments[index] = Vec::new();
    }
}

/// The depths of the slots, as narrow as the deepest depth stored allows.
#[derive(Clone, Debug)]
enum Depths {
    /// Depths are not kept: every stored key reads depth 0.
    Untracked,
    U8(Segmented<u8>),
    U16(Segmented<u16>),
    U32(Segmented<u32>),
}

impl Depths {
    fn get(&self, slot: usize) -> u32 {
        match self {
            Depths::Untracked => 0,
            Depths::U8(d) => u32::from(d.get(slot)),
            Depths::U16(d) => u32::from(d.get(slot)),
            Depths::U32(d) => d.get(slot),
        }
    }

    /// Store `depth` at `slot`, widening every slot first if it does not
    /// fit (never cut).
    fn set(&mut self, slot: usize, depth: u32) {
        match self {
            Depths::Untracked => {}
            Depths::U8(d) => match u8::try_from(depth) {
                Ok(v) => d.set(slot, v),
                Err(_) => {
                    *self = Depths::U16(d.map(u16::from));
                    self.set(slot, depth);
                }
            },
            Depths::U16(d) => match u16::try_from(depth) {
                Ok(v) => d.set(slot, v),
                Err(_) => {
                    *self = Depths::U32(d.map(u32::from));
                    self.set(slot, depth);
                }
            },
            Depths::U32(d) => d.set(slot, depth),
        }
    }

    /// Empty depths for `slots` slots, of this one's width.
    fn empty_like(&self, slots: usize) -> Depths {
        match self {
            Depths::Untracked => Depths::Untracked,
            Depths::U8(_) => Depths::U8(Segmented::new(slots)),
            Depths::U16(_) => Depths::U16(Segmented::new(slots)),
            Depths::U32(_) => Depths::U32(Segmented::new(slots)),
        }
    }

    /// Free segment `index` (growth is done with it).
    fn free(&mut self, index: usize) {
        match self {
            Depths::Untracked => {}
            Depths::U8(d) => d.free(index),
            Depths::U16(d) => d.free(index),
            Depths::U32(d) => d.free(index),
        }
    }
}

/// The set of visited states: key → the depth it was stored with (see the
/// module's documentation).
#[derive(Clone, Debug)]
pub(crate) struct Visited {
    /// The keys, [`EMPTY`] where a slot is free; a power of two long.
    keys: Segmented<u64>,
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
            Depths::U8(Segmented::new(MIN_SLOTS))
        } else {
            Depths::Untracked
        };
        Visited {
            keys: Segmented::new(MIN_SLOTS),
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
                if (self.filled + 1) * 5 > self.keys.len * 4 {
                    self.grow();
                    self.insert(key, depth);
                    return;
                }
                self.keys.set(free, key);
                self.filled += 1;
                free
            }
        };
        self.depths.set(slot, depth);
    }

    /// The first slot to probe for `key`: its top bits after a
    /// multiplication (the fingerprints' low bits mix less).
    fn home(&self, key: u64) -> usize {
        let bits = self.keys.len.trailing_zeros();
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    /// `Ok(slot)` holding `key` (not 0), or `Err(slot)`: the free slot
    /// where it would go.
    fn find(&self, key: u64) -> Result<usize, usize> {
        let mask = self.keys.len - 1;
        let mut slot = self.home(key);
        loop {
            match self.keys.get(slot) {
                k if k == key => return Ok(slot),
                EMPTY => return Err(slot),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Double the table and place every key again, one old segment at a
    /// time, each freed once its keys are placed (see the module doc).
    fn grow(&mut self) {
        let slots = self.keys.len * 2;
        let mut keys = std::mem::replace(&mut self.keys, Segmented::new(slots));
        let mut depths = std::mem::replace(&mut self.depths, Depths::Untracked);
        self.depths = depths.empty_like(slots);
        let per_segment = keys.segment_len();
        for index in 0..keys.segments.len() {
            for offset in 0..keys.segments[index].len() {
                let key = keys.segments[index][offset];
                if key == EMPTY {
                    continue;
                }
                let Err(free) = self.find(key) else {
                    unreachable!("a key is stored once");
                };
                self.keys.set(free, key);
                self.depths
                    .set(free, depths.get(index * per_segment + offset));
            }
            keys.free(index);
            depths.free(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Depths, Segmented, Visited, SEGMENT};

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
        let all = keys(150_000);
        for (i, &k) in all.iter().enumerate() {
            v.insert(k, (i % 200) as u32);
            assert_eq!(v.len(), i + 1);
        }
        assert!(v.keys.len > SEGMENT, "several segments");
        assert!(v.keys.len.is_power_of_two());
        assert!(v.len() * 5 <= v.keys.len * 4, "at most 4/5 full");
        for (i, &k) in all.iter().enumerate() {
            assert_eq!(v.get(k), Some((i % 200) as u32), "key {i}");
        }
        for k in keys(160_000).into_iter().skip(150_000) {
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

    /// Unwritten segments read as zero and are not allocated; a write
    /// allocates its segment only.
    #[test]
    fn segments_are_made_when_first_written() {
        let mut s: Segmented<u64> = Segmented::new(4 * SEGMENT);
        assert_eq!(s.segments.len(), 4);
        assert_eq!(s.get(3 * SEGMENT + 5), 0);
        s.set(2 * SEGMENT + 7, 9);
        assert_eq!(s.get(2 * SEGMENT + 7), 9);
        assert_eq!(s.get(2 * SEGMENT + 8), 0);
        let made: Vec<usize> = s.segments.iter().map(Vec::len).collect();
        assert_eq!(made, [0, 0, SEGMENT, 0]);
        let small: Segmented<u8> = Segmented::new(16);
        assert_eq!((small.segments.len(), small.segment_len()), (1, 16));
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
