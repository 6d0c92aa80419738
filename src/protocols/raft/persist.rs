//! Durable state and its layout in the node's storage.
//!
//! | key                 | value                                   |
//! |---------------------|-----------------------------------------|
//! | `meta`              | `{term, voted_for}` (Figure 2's persistent state) |
//! | `commit`            | the commit index (so it never goes back across a restart) |
//! | `log/<index>`       | one entry `{term, command}` as JSON text (index zero-padded, so keys sort) |
//! | `snapshot`          | the last snapshot: index, term, prefix hash, state machine |
//!
//! Writes stay unsynced until the handler ends: the node syncs once, before
//! any message or reply it produced leaves (effects are applied after the
//! handler returns), so "persist before answering" holds for every answer.
//! One sync makes a handler's writes durable together, so a crash never
//! leaves half of them.

use super::kv::Kv;
use super::log::{Command, Log};
use crate::base::digits::push_decimal;
use crate::sim::NodeId;
use crate::storage::Storage;
use serde::{Deserialize, Serialize};

/// Term and vote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// Current term.
    pub term: u64,
    /// Vote in the current term.
    pub voted_for: Option<NodeId>,
}

/// A stored entry, as written.
#[derive(Serialize)]
struct StoredEntryRef<'a> {
    term: u64,
    command: &'a Command,
}

/// A stored entry (the prefix hash is recomputed on load).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
struct StoredEntry {
    term: u64,
    command: Command,
}

/// A snapshot of the state machine through `index`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Last index included.
    pub index: u64,
    /// Its term.
    pub term: u64,
    /// The prefix hash at `index` (carried: the entries are gone).
    pub hash: u64,
    /// The state machine after applying `1..=index`.
    pub kv: Kv,
    /// The configuration in force at `index`, with membership changes
    /// (membership.rs); `None` without (left out of the hash and the wire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<super::membership::Config>,
}

impl std::hash::Hash for Snapshot {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.index, self.term, self.hash, &self.kv).hash(h);
        if let Some(config) = &self.config {
            config.hash(h);
        }
    }
}

/// Everything read back at start.
#[derive(Clone, Debug, Default)]
pub struct Recovered {
    /// Term and vote.
    pub meta: Meta,
    /// Commit index.
    pub commit: u64,
    /// The snapshot, if one was taken or installed.
    pub snapshot: Option<Snapshot>,
    /// The log (after the snapshot).
    pub log: Log,
}

/// `log/` and the index zero-padded to twelve digits (more when larger):
/// what `format!("log/{index:012}")` writes ([`push_decimal`]).
fn entry_key(index: u64) -> String {
    let mut key = String::with_capacity(16);
    key.push_str("log/");
    push_decimal(&mut key, index, 12);
    key
}

/// Write term and vote.
pub fn save_meta(storage: &mut Storage, meta: Meta) {
    storage.put_owned("meta", meta);
}

/// Write the commit index.
pub fn save_commit(storage: &mut Storage, commit: u64) {
    storage.put_owned("commit", commit);
}

/// An entry as it is written: its JSON form is one JSON text (a single
/// string value, `"{\"term\":1,\"command\":…}"`) rather than a JSON tree.
/// Kept typed in storage ([`Storage::put_owned`]): the text is made only
/// when something reads the JSON form (a restart's recovery, the TUI, an
/// export), not at every write.
#[derive(Clone)]
struct EntryText {
    term: u64,
    command: Command,
}

impl Serialize for EntryText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let stored = StoredEntryRef {
            term: self.term,
            command: &self.command,
        };
        let text = serde_json::to_string(&stored).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for EntryText {
    /// From the JSON text (a string holding `{"term":…,"command":…}`).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let StoredEntry { term, command } =
            serde_json::from_str(&text).map_err(serde::de::Error::custom)?;
        Ok(EntryText { term, command })
    }
}

/// Write entries `from..=log.last_index()`, each as one JSON text
/// (`EntryText`): the same bytes on disk as a tree, a fraction of the
/// allocations in the simulator.
pub fn save_entries(storage: &mut Storage, log: &Log, from: u64) {
    for (index, e) in log.iter().skip_while(|(i, _)| *i < from) {
        let entry = EntryText {
            term: e.term,
            command: e.command.clone(),
        };
        storage.put_owned(&entry_key(index), entry);
    }
}

/// Read an entry back: a copy of it when this run wrote it (no JSON), else
/// decoded from its JSON text.
fn load_entry(storage: &Storage, key: &str) -> Option<StoredEntry> {
    let EntryText { term, command } = storage.get::<EntryText>(key)?;
    Some(StoredEntry { term, command })
}

/// Remove stored entries `from..=to`.
pub fn remove_entries(storage: &mut Storage, from: u64, to: u64) {
    for index in from..=to {
        storage.remove(&entry_key(index));
    }
}

/// Remove the stored entries at or below `index`: a tail the log kept
/// behind its snapshot (`snapshot.rs`), which recovery does not reload.
/// True if there were any.
pub fn remove_entries_through(storage: &mut Storage, index: u64) -> bool {
    let stale: Vec<String> = storage
        .keys()
        .into_iter()
        .filter(|key| {
            key.strip_prefix("log/")
                .and_then(|i| i.parse::<u64>().ok())
                .is_some_and(|i| i <= index)
        })
        .collect();
    for key in &stale {
        storage.remove(key);
    }
    !stale.is_empty()
}

/// Write a snapshot.
pub fn save_snapshot(storage: &mut Storage, snapshot: &Snapshot) {
    storage.put_owned("snapshot", snapshot.clone());
}

/// Read everything back: the snapshot, then the entries that follow it
/// contiguously (prefix hashes recomputed).
pub fn load(storage: &Storage) -> Recovered {
    let meta = storage.get::<Meta>("meta").unwrap_or_default();
    let snapshot = storage.get::<Snapshot>("snapshot");
    let mut log = match &snapshot {
        Some(s) => Log::after_snapshot(s.index, s.term, s.hash),
        None => Log::new(),
    };
    let mut next = log.last_index() + 1;
    for key in storage.keys() {
        let Some(index) = key.strip_prefix("log/").and_then(|i| i.parse::<u64>().ok()) else {
            continue;
        };
        if index != next {
            continue;
        }
        let Some(e) = load_entry(storage, &key) else {
            break;
        };
        log.append(e.term, e.command);
        next += 1;
    }
    let commit = storage.get::<u64>("commit").unwrap_or(0);
    Recovered {
        meta,
        commit,
        snapshot,
        log,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_keys_are_what_format_writes() {
        for index in [
            0,
            1,
            9,
            10,
            123,
            999_999_999_999,
            1_000_000_000_000,
            123_456_789_012_345,
            u64::MAX,
        ] {
            assert_eq!(entry_key(index), format!("log/{index:012}"), "{index}");
        }
    }

    #[test]
    fn a_stored_entry_reads_back_as_the_json_text_it_always_was() {
        let mut log = Log::new();
        log.append(3, Command::Noop);
        let mut storage = Storage::new();
        save_entries(&mut storage, &log, 1);
        storage.sync();
        let text = storage.get::<String>("log/000000000001").expect("a string");
        assert_eq!(text, r#"{"term":3,"command":"Noop"}"#);
        let recovered = load(&storage);
        assert_eq!(recovered.log.last_index(), 1);
        assert_eq!(recovered.log.iter().next().map(|(_, e)| e.term), Some(3));
        // Written as text (as a replay of an old storage would hold it):
        // read back the same.
        let mut old = Storage::new();
        old.put("log/000000000001", &text);
        old.sync();
        let again = load(&old);
        assert_eq!(again.log.last_index(), 1);
        assert!(again.log.iter().next().is_some_and(|(_, e)| e.term == 3));
    }
}
