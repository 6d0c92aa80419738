//! A small, stable 64-bit hasher for trace fingerprints.
//!
//! `std`'s `DefaultHasher` is randomly keyed per process; this one is fixed, so
//! the same trace gives the same hash in every process on every platform.

use std::fmt;
use std::hash::Hasher;

/// A fixed-key word-at-a-time hasher with a final avalanche.
#[derive(Clone, Copy, Debug)]
pub struct StableHasher {
    state: u64,
}

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl StableHasher {
    /// A hasher with the fixed starting state.
    pub const fn new() -> Self {
        StableHasher {
            state: 0xCBF2_9CE4_8422_2325,
        }
    }

    /// Mix in one 64-bit word.
    #[inline]
    pub fn mix(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER);
    }
}

/// Feed `value`'s `Debug` text (`{:?}`) into `hasher`, without building the
/// string: the fallback state hash for types that do not implement `Hash`
/// (a node's state, a monitor's memory). The text goes through a small
/// buffer, so the hash depends on the text alone, not on how `Debug` cut it
/// into pieces.
pub fn hash_debug(value: &impl fmt::Debug, hasher: &mut StableHasher) {
    let mut feed = DebugFeed::new(hasher);
    // Writing into a hasher cannot fail; a Debug impl that errors just
    // ends its text there.
    let _ = fmt::write(&mut feed, format_args!("{value:?}"));
    feed.flush();
}

/// A `fmt::Write` that hashes what is written, in 128-byte blocks.
pub struct DebugFeed<'a> {
    hasher: &'a mut StableHasher,
    buffer: [u8; 128],
    len: usize,
}

impl<'a> DebugFeed<'a> {
    /// An empty feed into `hasher`.
    pub fn new(hasher: &'a mut StableHasher) -> Self {
        DebugFeed {
            hasher,
            buffer: [0; 128],
            len: 0,
        }
    }

    /// Hash what is buffered (call once, at the end).
    pub fn flush(&mut self) {
        self.hasher.write(&self.buffer[..self.len]);
        self.len = 0;
    }
}

impl fmt::Write for DebugFeed<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut bytes = text.as_bytes();
        while !bytes.is_empty() {
            let room = self.buffer.len() - self.len;
            let take = room.min(bytes.len());
            self.buffer[self.len..self.len + take].copy_from_slice(&bytes[..take]);
            self.len += take;
            bytes = &bytes[take..];
            if self.len == self.buffer.len() {
                self.hasher.write(&self.buffer);
                self.len = 0;
            }
        }
        Ok(())
    }
}

impl Default for StableHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl Hasher for StableHasher {
    fn finish(&self) -> u64 {
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.mix(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
    /// `usize` is hashed as 64 bits on every platform.
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    #[test]
    fn hash_is_pinned() {
        let mut h = StableHasher::new();
        (1u64, "abc", vec![1u32, 2, 3]).hash(&mut h);
        assert_eq!(h.finish(), 0x5434_0764_b648_1b8d, "{:#x}", h.finish());
    }
}
