//! Durable per-node storage that survives crashes.
//!
//! A key-value store of JSON values. Reads see every write; a write becomes
//! durable only at [`Storage::sync`]. On a crash, writes not yet synced are lost
//! when the scenario says so (`[storage] lose_unsynced = true`), as on a disk
//! whose page cache dies with the process.
//!
//! A value written with [`Storage::put`] is turned into JSON at once; one
//! written with [`Storage::put_owned`] is kept as the typed value and turned
//! into JSON only when something asks for the JSON form (the explorer's
//! fingerprint, the `storage-bytes` metric, [`Storage::for_each_value`],
//! [`Storage::entries_with_prefix`], or a [`Storage::get`] as another type).
//! Both read back the same: `get::<T>` of a value stored as `T` is a clone
//! of it, which is what decoding its JSON gives for every type whose JSON
//! form round-trips (the stored records of the shipped protocols do; a
//! unit test pins two-phase commit's).

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// One stored value: JSON, or a typed value whose JSON is made on demand.
/// Behind an `Arc` either way, so that copying a storage (the explorer
/// copies a node's durable map whenever a copy of a world syncs a write)
/// copies no value.
#[derive(Clone)]
enum Stored {
    Json(Arc<JsonValue>),
    Typed(Arc<dyn TypedValue>),
}

/// A value stored as JSON, with the hash of its text (made on first use).
struct JsonValue {
    value: serde_json::Value,
    hash: OnceLock<u64>,
}

/// The hash of a JSON value, as the fingerprint takes it: of its
/// structure (each node's kind and contents, objects in key order), so two
/// values hash alike exactly when they are equal, as their JSON texts
/// are; without writing the text.
fn text_hash(json: &serde_json::Value) -> u64 {
    use std::hash::Hasher;
    let mut h = crate::base::hash::StableHasher::new();
    hash_json(json, &mut h);
    h.finish()
}

fn hash_json(json: &serde_json::Value, h: &mut crate::base::hash::StableHasher) {
    use serde_json::Value;
    use std::hash::Hash;
    match json {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, b).hash(h),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => (2u8, u).hash(h),
            (None, Some(i)) => (3u8, i).hash(h),
            (None, None) => (4u8, n.as_f64().map(f64::to_bits)).hash(h),
        },
        Value::String(text) => (5u8, text).hash(h),
        Value::Array(items) => {
            (6u8, items.len()).hash(h);
            for item in items {
                hash_json(item, h);
            }
        }
        Value::Object(map) => {
            (7u8, map.len()).hash(h);
            for (key, value) in map {
                key.hash(h);
                hash_json(value, h);
            }
        }
    }
}

impl Stored {
    /// The value's JSON form (made and kept on first use for a typed value).
    fn json(&self) -> &serde_json::Value {
        match self {
            Stored::Json(json) => &json.value,
            Stored::Typed(typed) => typed.json(),
        }
    }

    /// The hash of the value's JSON form ([`text_hash`]), made once per
    /// stored value: a storage's fingerprint hashes each key and this.
    fn text_hash(&self) -> u64 {
        match self {
            Stored::Json(json) => *json.hash.get_or_init(|| text_hash(&json.value)),
            Stored::Typed(typed) => typed.text_hash(),
        }
    }

    /// The value as `T`: a clone if it was stored as a `T`, else decoded
    /// from its JSON form (`None` if that does not decode as `T`).
    fn decode<T: DeserializeOwned + 'static>(&self) -> Option<T> {
        if let Stored::Typed(typed) = self {
            if typed.as_any().is::<T>() {
                return typed.clone_boxed().downcast::<T>().ok().map(|b| *b);
            }
        }
        T::deserialize(self.json()).ok()
    }
}

impl Stored {
    fn json_value(value: serde_json::Value) -> Stored {
        Stored::Json(Arc::new(JsonValue {
            value,
            hash: OnceLock::new(),
        }))
    }
}

impl PartialEq for Stored {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json()
    }
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.json().fmt(f)
    }
}

/// A typed stored value, behind `Arc<dyn _>` so storage stays one type.
trait TypedValue: Send + Sync {
    fn json(&self) -> &serde_json::Value;
    fn text_hash(&self) -> u64;
    fn as_any(&self) -> &dyn Any;
    fn clone_boxed(&self) -> Box<dyn Any>;
}

struct Typed<T> {
    value: T,
    json: OnceLock<serde_json::Value>,
    hash: OnceLock<u64>,
}

impl<T: Serialize + Clone + Send + Sync + 'static> TypedValue for Typed<T> {
    fn json(&self) -> &serde_json::Value {
        self.json.get_or_init(|| {
            serde_json::to_value(&self.value).expect("storage values must serialise to JSON")
        })
    }
    fn text_hash(&self) -> u64 {
        *self.hash.get_or_init(|| text_hash(self.json()))
    }
    fn as_any(&self) -> &dyn Any {
        &self.value
    }
    fn clone_boxed(&self) -> Box<dyn Any> {
        Box::new(self.value.clone())
    }
}

/// One node's storage.
///
/// The durable part is shared between clones until one of them syncs a
/// write (the explorer clones the world at every step, and most steps
/// write nothing), and its contents hash is kept with it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Storage {
    durable: Arc<Durable>,
    /// Writes since the last sync: `Some` to set, `None` to remove.
    pending: BTreeMap<Arc<str>, Option<Stored>>,
    syncs: u64,
    writes: u64,
}

/// The synced values, and their hash for the explorer's fingerprint
/// (computed on first use, forgotten at every change). Keys and values are
/// shared: a copy of the map copies its nodes, no string and no value.
#[derive(Clone, Default)]
struct Durable {
    map: BTreeMap<Arc<str>, Stored>,
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
        self.pending
            .insert(Arc::from(key), Some(Stored::json_value(json)));
    }

    /// Write `value` under `key` (unsynced until [`Storage::sync`]), kept as
    /// the typed value: the same as [`Storage::put`] for every reader, but
    /// nothing is serialised until something asks for the JSON form, and
    /// [`Storage::get`] as `T` is a clone. For a protocol that writes large
    /// or frequent records (two-phase commit writes one per decision).
    ///
    /// # Panics
    /// When the JSON form is first needed, if `value` cannot be represented
    /// as JSON (a protocol bug, not user input).
    pub fn put_owned<T>(&mut self, key: &str, value: T)
    where
        T: Serialize + Clone + Send + Sync + 'static,
    {
        self.writes += 1;
        let typed = Typed {
            value,
            json: OnceLock::new(),
            hash: OnceLock::new(),
        };
        self.pending
            .insert(Arc::from(key), Some(Stored::Typed(Arc::new(typed))));
    }

    /// Remove `key` (unsynced until [`Storage::sync`]).
    pub fn remove(&mut self, key: &str) {
        self.writes += 1;
        self.pending.insert(Arc::from(key), None);
    }

    /// The latest value under `key`, synced or not; `None` if absent or if it
    /// does not decode as `T`.
    pub fn get<T: DeserializeOwned + 'static>(&self, key: &str) -> Option<T> {
        let stored = match self.pending.get(key) {
            Some(Some(value)) => value,
            Some(None) => return None,
            None => self.durable.map.get(key)?,
        };
        stored.decode()
    }

    /// True if `key` holds a value (synced or not).
    pub fn contains(&self, key: &str) -> bool {
        match self.pending.get(key) {
            Some(entry) => entry.is_some(),
            None => self.durable.map.contains_key(key),
        }
    }

    /// Feed the contents into a hasher: durable and unsynced entries (keys
    /// and the hash of each value's JSON form, kept with the value so that
    /// it is made once), not the sync and write counters.
    pub fn hash_contents(&self, hasher: &mut crate::base::hash::StableHasher) {
        use std::hash::{Hash, Hasher};
        let durable = *self.durable.hash.get_or_init(|| {
            let mut h = crate::base::hash::StableHasher::new();
            for (key, value) in &self.durable.map {
                (&**key, value.text_hash()).hash(&mut h);
            }
            h.finish()
        });
        durable.hash(hasher);
        0xFFu8.hash(hasher);
        for (key, value) in &self.pending {
            key.hash(hasher);
            match value {
                Some(value) => (b'+', value.text_hash()).hash(hasher),
                None => b'-'.hash(hasher),
            }
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
            f(value.json());
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
                None => durable.map.remove(&*key),
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
            .filter(|k| !matches!(self.pending.get(&***k), Some(None)))
            .map(|k| k.to_string())
            .collect();
        for (key, entry) in &self.pending {
            if entry.is_some() && !self.durable.map.contains_key(&**key) {
                keys.push(key.to_string());
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
                (Some((d, _)), Some((p, _))) => (***d).cmp(&***p),
            };
            if order == std::cmp::Ordering::Equal {
                durable.next();
            }
            let take_pending = order != std::cmp::Ordering::Less;
            if take_pending {
                let (key, entry) = pending.next()?;
                if let Some(value) = entry {
                    return Some((&**key, value.json()));
                }
            } else {
                let (key, value) = durable.next()?;
                return Some((&**key, value.json()));
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
            .map(|(key, value)| key.len() as u64 + crate::base::size::serialized_size(value.json()))
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

    /// The structural hash of a JSON value tells apart values whose texts
    /// differ (kinds, nesting, number forms) and not equal ones.
    #[test]
    fn json_hash_is_its_texts() {
        let values: Vec<serde_json::Value> = [
            "null",
            "true",
            "false",
            "0",
            "1",
            "-1",
            "1.0",
            "-0.0",
            "0.0",
            "\"1\"",
            "\"\"",
            "[]",
            "{}",
            "[1,2]",
            "[[1],2]",
            "[1,[2]]",
            "[\"a\",\"b\"]",
            "[\"ab\"]",
            "{\"a\":1}",
            "{\"a\":\"1\"}",
            "{\"b\":1}",
            "{\"a\":1,\"b\":2}",
            "{\"a\":{\"b\":2}}",
            "18446744073709551615",
            "-9223372036854775808",
        ]
        .iter()
        .map(|text| serde_json::from_str(text).expect("valid JSON"))
        .collect();
        for a in &values {
            for b in &values {
                let (text_a, text_b) = (a.to_string(), b.to_string());
                let same_text = text_a == text_b;
                assert_eq!(text_hash(a) == text_hash(b), same_text, "{a} against {b}");
            }
            let copy: serde_json::Value = serde_json::from_str(&a.to_string()).expect("reads back");
            assert_eq!(text_hash(a), text_hash(&copy), "{a}");
        }
    }

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

    proptest! {
        /// A value written with `put_owned` reads, hashes, compares and
        /// sizes exactly as one written with `put`, through any mix of
        /// writes, removals, syncs and crashes.
        #[test]
        fn put_owned_is_put_for_every_reader(
            ops in proptest::collection::vec((0u8..6, 0u8..6, any::<i16>()), 0..60),
        ) {
            let names = ["a", "a/1", "a/2", "b", "b/1", "c"];
            let (mut json, mut typed) = (Storage::new(), Storage::new());
            for (op, key, value) in ops {
                let key = names[key as usize];
                let record = (value, vec![value; (value as usize) % 4], format!("v{value}"));
                match op {
                    0 | 1 => {
                        json.put(key, &record);
                        typed.put_owned(key, record);
                    }
                    2 => {
                        json.remove(key);
                        typed.remove(key);
                    }
                    3 => {
                        json.sync();
                        typed.sync();
                    }
                    4 => {
                        json.crash(value % 2 == 0);
                        typed.crash(value % 2 == 0);
                    }
                    _ => {
                        json.put(key, &value);
                        typed.put_owned(key, value);
                    }
                }
                type Record = (i16, Vec<i16>, String);
                for name in names {
                    prop_assert_eq!(json.get::<Record>(name), typed.get::<Record>(name));
                    prop_assert_eq!(json.get::<i16>(name), typed.get::<i16>(name));
                    prop_assert_eq!(
                        json.get::<serde_json::Value>(name),
                        typed.get::<serde_json::Value>(name)
                    );
                }
                prop_assert_eq!(&json, &typed);
                prop_assert_eq!(json.keys(), typed.keys());
                prop_assert_eq!(json.durable_bytes(), typed.durable_bytes());
                prop_assert_eq!(json.counts(), typed.counts());
                let hash = |s: &Storage| {
                    use std::hash::Hasher;
                    let mut h = crate::base::hash::StableHasher::new();
                    s.hash_contents(&mut h);
                    h.finish()
                };
                prop_assert_eq!(hash(&json), hash(&typed));
                let entries = |s: &Storage| -> Vec<(String, serde_json::Value)> {
                    s.entries_with_prefix("a")
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect()
                };
                prop_assert_eq!(entries(&json), entries(&typed));
            }
        }
    }

    #[test]
    fn a_typed_value_read_as_another_type_decodes_its_json() {
        let mut s = Storage::new();
        s.put_owned("n", 7u64);
        assert_eq!(s.get::<u64>("n"), Some(7));
        assert_eq!(s.get::<i32>("n"), Some(7), "decoded from JSON");
        assert_eq!(s.get::<String>("n"), None, "does not decode");
        s.put_owned("v", vec![1i64, -2]);
        s.sync();
        assert_eq!(s.get::<Vec<i64>>("v"), Some(vec![1, -2]));
        assert_eq!(s.get::<Vec<i8>>("v"), Some(vec![1, -2]));
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
