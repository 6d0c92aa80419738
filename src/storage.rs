//! Durable per-node storage that survives crashes.
//!
//! A key-value store of JSON values. Reads see every write; a write becomes
//! durable only at [`Storage::sync`]. On a crash, writes not yet synced are lost
//! when the scenario says so (`[storage] lose_unsynced = true`), as on a disk
//! whose page cache dies with the process.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// One node's storage.
///
/// The durable part is shared between clones until one of them syncs a
/// write (the explorer clones the world at every step, and most steps
/// write nothing), and its contents hash is kept with it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Storage {
    durable: Arc<Durable>,
    /// Writes since the last sync: `Some` to set, `None` to remove.
    pending: BTreeMap<String, Option<serde_json::Value>>,
    syncs: u64,
    writes: u64,
}

/// The synced values, and their hash for the explorer's fingerprint
/// (computed on first use, forgotten at every change).
#[derive(Clone, Default)]
struct Durable {
    map: BTreeMap<String, serde_json::Value>,
    hash: OnceLock<u64>,
}

impl PartialEq for Durable {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl std::fmt::Debug for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.map.fmt(f)
    }
}

impl Storage {
    /// Empty storage.
    pub fn new() -> Self {
        Self::default()
    }

    /// Write `value` under `key` (unsynced until [`Storage::sync`]).
    ///
    /// # Panics
    /// If `value` cannot be represented as JSON (a protocol bug, not user input).
    pub fn put<T: Serialize>(&mut self, key: &str, value: &T) {
        let json = serde_json::to_value(value).expect("storage values must serialise to JSON");
        self.writes += 1;
        self.pending.insert(key.to_string(), Some(json));
    }

    /// Remove `key` (unsynced until [`Storage::sync`]).
    pub fn remove(&mut self, key: &str) {
        self.writes += 1;
        self.pending.insert(key.to_string(), None);
    }

    /// The latest value under `key`, synced or not; `None` if absent or if it
    /// does not decode as `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let raw = match self.pending.get(key) {
            Some(Some(value)) => value,
            Some(None) => return None,
            None => self.durable.map.get(key)?,
        };
        T::deserialize(raw).ok()
    }

    /// True if `key` holds a value (synced or not).
    pub fn contains(&self, key: &str) -> bool {
        match self.pending.get(key) {
            Some(entry) => entry.is_some(),
            None => self.durable.map.contains_key(key),
        }
    }

    /// Feed the contents into a hasher: durable and unsynced entries (keys
    /// and JSON text), not the sync and write counters.
    pub fn hash_contents(&self, hasher: &mut crate::base::hash::StableHasher) {
        use std::fmt::Write as _;
        use std::hash::{Hash, Hasher};
        let durable = *self.durable.hash.get_or_init(|| {
            let mut h = crate::base::hash::StableHasher::new();
            for (key, value) in &self.durable.map {
                key.hash(&mut h);
                let mut feed = crate::base::hash::DebugFeed::new(&mut h);
                let _ = write!(feed, "{value}");
                feed.flush();
            }
            h.finish()
        });
        durable.hash(hasher);
        0xFFu8.hash(hasher);
        for (key, value) in &self.pending {
            key.hash(hasher);
            let mut feed = crate::base::hash::DebugFeed::new(hasher);
            let _ = match value {
                Some(value) => write!(feed, "+{value}"),
                None => write!(feed, "-"),
            };
            feed.flush();
        }
    }

    /// Call `f` with each value (durable and unsynced).
    pub fn for_each_value(&self, mut f: impl FnMut(&serde_json::Value)) {
        for value in self
            .durable
            .map
            .values()
            .chain(self.pending.values().flatten())
        {
            f(value);
        }
    }

    /// Make every write so far durable.
    pub fn sync(&mut self) {
        self.syncs += 1;
        if self.pending.is_empty() {
            return;
        }
        let durable = Arc::make_mut(&mut self.durable);
        durable.hash = OnceLock::new();
        for (key, entry) in std::mem::take(&mut self.pending) {
            match entry {
                Some(value) => durable.map.insert(key, value),
                None => durable.map.remove(&key),
            };
        }
    }

    /// True when there are writes not yet synced.
    pub fn has_unsynced(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Apply a crash: unsynced writes are lost if `lose_unsynced`, else kept.
    pub fn crash(&mut self, lose_unsynced: bool) {
        if lose_unsynced {
            self.pending.clear();
        } else {
            self.sync();
        }
    }

    /// Keys with a value, in order (synced or not).
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .durable
            .map
            .keys()
            .filter(|k| !matches!(self.pending.get(*k), Some(None)))
            .cloned()
            .collect();
        for (key, entry) in &self.pending {
            if entry.is_some() && !self.durable.map.contains_key(key) {
                keys.push(key.clone());
            }
        }
        keys.sort();
        keys
    }

    /// The entries whose key starts with `prefix` (synced or not), in key
    /// order, without copying a key or a value: what [`Storage::keys`]
    /// followed by [`Storage::get`] gives, at a fraction of the cost (a
    /// protocol that recovers a long log at every restart reads it this way).
    pub fn entries_with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a serde_json::Value)> + 'a {
        use std::ops::Bound;
        let from = (Bound::Included(prefix), Bound::Unbounded);
        let mut durable = self
            .durable
            .map
            .range::<str, _>(from)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .peekable();
        let mut pending = self
            .pending
            .range::<str, _>(from)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .peekable();
        std::iter::from_fn(move || loop {
            // A pending entry shadows the durable one with its key.
            let order = match (durable.peek(), pending.peek()) {
                (None, None) => return None,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some((d, _)), Some((p, _))) => d.as_str().cmp(p.as_str()),
            };
            if order == std::cmp::Ordering::Equal {
                durable.next();
            }
            let take_pending = order != std::cmp::Ordering::Less;
            if take_pending {
                let (key, entry) = pending.next()?;
                if let Some(value) = entry {
                    return Some((key.as_str(), value));
                }
            } else {
                let (key, value) = durable.next()?;
                return Some((key.as_str(), value));
            }
        })
    }

    /// The size of the synced contents in bytes: each key's length plus
    /// its value's JSON text ([`serialized_size`](crate::base::size::serialized_size)).
    /// Unsynced writes are not counted: this is what a crash would leave
    /// (the `storage-bytes` metric).
    pub fn durable_bytes(&self) -> u64 {
        self.durable
            .map
            .iter()
            .map(|(key, value)| key.len() as u64 + crate::base::size::serialized_size(value))
            .sum()
    }

    /// Number of syncs and writes so far (for metrics).
    pub fn counts(&self) -> (u64, u64) {
        (self.syncs, self.writes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// `entries_with_prefix` is `keys` filtered by the prefix, each
        /// with its latest value, whatever mix of synced, unsynced,
        /// removed and re-written keys the storage holds.
        #[test]
        fn entries_with_prefix_is_keys_then_get(
            ops in proptest::collection::vec((0u8..4, 0u8..12, any::<u16>()), 0..60),
            prefix in prop_oneof![Just(""), Just("a"), Just("a/"), Just("b/1"), Just("c")],
        ) {
            let names = ["a", "a/1", "a/2", "a/10", "ab", "b/1", "b/12", "b/2", "c", "c/0", "", "b"];
            let mut s = Storage::new();
            for (op, key, value) in ops {
                let key = names[key as usize];
                match op {
                    0 | 1 => s.put(key, &value),
                    2 => s.remove(key),
                    _ => s.sync(),
                }
            }
            let want: Vec<(String, serde_json::Value)> = s
                .keys()
                .into_iter()
                .filter(|k| k.starts_with(prefix))
                .map(|k| {
                    let v = s.get::<serde_json::Value>(&k).unwrap();
                    (k, v)
                })
                .collect();
            let got: Vec<(String, serde_json::Value)> = s
                .entries_with_prefix(prefix)
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn unsynced_writes_are_lost_on_crash_when_asked() {
        let mut s = Storage::new();
        s.put("term", &3u64);
        s.sync();
        s.put("term", &4u64);
        s.put("vote", &"n1");
        assert_eq!(s.get::<u64>("term"), Some(4));
        s.crash(true);
        assert_eq!(s.get::<u64>("term"), Some(3));
        assert_eq!(s.get::<String>("vote"), None);
    }

    #[test]
    fn durable_bytes_count_synced_keys_and_json_values() {
        let mut s = Storage::new();
        s.put("term", &3u64);
        s.put("vote", &"n1");
        assert_eq!(s.durable_bytes(), 0, "nothing synced yet");
        s.sync();
        // "term" + "3", "vote" + "\"n1\"".
        assert_eq!(s.durable_bytes(), 4 + 1 + 4 + 4);
        s.put("log/1", &"x".repeat(100));
        assert_eq!(s.durable_bytes(), 13, "unsynced writes do not count");
        s.sync();
        assert_eq!(s.durable_bytes(), 13 + 5 + 102);
        s.remove("log/1");
        s.sync();
        assert_eq!(s.durable_bytes(), 13);
    }

    #[test]
    fn unsynced_writes_survive_when_the_disk_is_kind() {
        let mut s = Storage::new();
        s.put("term", &4u64);
        s.crash(false);
        assert_eq!(s.get::<u64>("term"), Some(4));
    }

    #[test]
    fn removal_is_also_a_write_that_needs_sync() {
        let mut s = Storage::new();
        s.put("k", &1u8);
        s.sync();
        s.remove("k");
        assert!(!s.contains("k"));
        assert_eq!(s.keys(), Vec::<String>::new());
        s.crash(true);
        assert!(s.contains("k"));
        assert_eq!(s.keys(), vec!["k".to_string()]);
    }
}
