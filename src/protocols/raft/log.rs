//! The replicated log: the entries after a snapshot base, each carrying a
//! running *prefix hash* (the hash of every entry up to and including it).
//!
//! Two logs with the same prefix hash at an index hold the same entries up to
//! that index, so the checks compare one hash instead of whole logs (log
//! matching, state-machine safety, leader completeness). The hash is derived
//! data: every node computes it from its own entries — it is never copied from
//! a message — so a divergence cannot hide behind a copied hash.

use crate::sim::hash::StableHasher;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::hash::{Hash, Hasher};

/// What an entry asks the state machine to do.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Command {
    /// Appended by a new leader so that it can commit entries of earlier terms
    /// (Raft §5.4.2; it also learns its commit index this way).
    Noop,
    /// A client operation.
    Client(ClientCommand),
    /// A cluster configuration, in force from when it is appended
    /// (membership.rs).
    Config(super::membership::Config),
}

pub use crate::protocols::replicated_kv::ClientCommand;

/// One log entry.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Term of the leader that created it.
    pub term: u64,
    /// The command.
    pub command: Command,
    /// Prefix hash through this entry (recomputed by every holder).
    pub hash: u64,
    /// With `session_timeout`: the leader's clock (ns) when it appended the
    /// entry, never below the entry before it; the state machine expires
    /// sessions by these stamps, so every replica expires the same ones at
    /// the same entry (the dissertation, §6.3). 0: not stamped (and then
    /// left out of the hashes, the wire and `Debug`, as before stamps).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stamp: u64,
}

fn is_zero(stamp: &u64) -> bool {
    *stamp == 0
}

impl Hash for Entry {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.term, &self.command, self.hash).hash(h);
        if self.stamp != 0 {
            self.stamp.hash(h);
        }
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Entry");
        d.field("term", &self.term)
            .field("command", &self.command)
            .field("hash", &self.hash);
        if self.stamp != 0 {
            d.field("stamp", &self.stamp);
        }
        d.finish()
    }
}

/// The prefix hash of an entry that follows a prefix hashed `prev`.
pub fn chain(prev: u64, term: u64, command: &Command) -> u64 {
    chain_stamped(prev, term, command, 0)
}

/// [`chain`] for an entry stamped `stamp` (0: unstamped, the same hash).
pub fn chain_stamped(prev: u64, term: u64, command: &Command, stamp: u64) -> u64 {
    let mut h = StableHasher::new();
    prev.hash(&mut h);
    term.hash(&mut h);
    command.hash(&mut h);
    if stamp != 0 {
        stamp.hash(&mut h);
    }
    h.finish()
}

/// A log whose entries `1..=base_index` were compacted into a snapshot.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Log {
    base_index: u64,
    base_term: u64,
    base_hash: u64,
    entries: Vec<Entry>,
    /// Indices of the held configuration entries, ascending (derived from
    /// `entries`, kept by every change to them, so the configuration in
    /// force is a binary search rather than a scan: membership.rs).
    configs: Vec<u64>,
}

/// The entries and base only: `configs` is derived from them.
impl Hash for Log {
    fn hash<H: Hasher>(&self, h: &mut H) {
        (
            self.base_index,
            self.base_term,
            self.base_hash,
            &self.entries,
        )
            .hash(h);
    }
}

impl Log {
    /// An empty log (index 0, term 0, hash 0).
    pub fn new() -> Log {
        Log::default()
    }

    /// A log starting after a snapshot that ends at `index` (of `term`,
    /// prefix hash `hash`).
    pub fn after_snapshot(index: u64, term: u64, hash: u64) -> Log {
        Log {
            base_index: index,
            base_term: term,
            base_hash: hash,
            entries: Vec::new(),
            configs: Vec::new(),
        }
    }

    /// Last index covered by the snapshot (0 without one).
    pub fn base_index(&self) -> u64 {
        self.base_index
    }

    /// Term of the entry at the base index.
    pub fn base_term(&self) -> u64 {
        self.base_term
    }

    /// Index of the last entry (the base index when no entry follows it).
    pub fn last_index(&self) -> u64 {
        self.base_index + self.entries.len() as u64
    }

    /// Term of the last entry.
    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(self.base_term, |e| e.term)
    }

    /// Prefix hash through the last entry.
    pub fn last_hash(&self) -> u64 {
        self.entries.last().map_or(self.base_hash, |e| e.hash)
    }

    /// Number of entries held (after the base).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no entry follows the base.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry at `index`, if held (not compacted, not past the end).
    pub fn entry(&self, index: u64) -> Option<&Entry> {
        let offset = index.checked_sub(self.base_index + 1)?;
        self.entries.get(usize::try_from(offset).ok()?)
    }

    /// Term at `index`: known for the base and for held entries.
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == self.base_index {
            return Some(self.base_term);
        }
        self.entry(index).map(|e| e.term)
    }

    /// Prefix hash at `index`: known for the base and for held entries.
    pub fn hash_at(&self, index: u64) -> Option<u64> {
        if index == self.base_index {
            return Some(self.base_hash);
        }
        self.entry(index).map(|e| e.hash)
    }

    /// Append a new entry; returns its index.
    pub fn append(&mut self, term: u64, command: Command) -> u64 {
        self.append_stamped(term, command, 0)
    }

    /// Append a new entry stamped `stamp` (raised to the last entry's
    /// stamp if below it, so stamps never go back); returns its index.
    pub fn append_stamped(&mut self, term: u64, command: Command, stamp: u64) -> u64 {
        let stamp = if stamp == 0 {
            0
        } else {
            stamp.max(self.last_stamp())
        };
        self.push(term, command, stamp)
    }

    /// Append an entry as it is (a copy of the leader's), computing its
    /// prefix hash here.
    fn push(&mut self, term: u64, command: Command, stamp: u64) -> u64 {
        let hash = chain_stamped(self.last_hash(), term, &command, stamp);
        if matches!(command, Command::Config(_)) {
            self.configs.push(self.last_index() + 1);
        }
        self.entries.push(Entry {
            term,
            command,
            hash,
            stamp,
        });
        self.last_index()
    }

    /// The stamp of the last entry (0 if none is stamped, or the log is
    /// empty after its base).
    pub fn last_stamp(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.stamp)
    }

    /// Drop every entry after `index` (which must not be below the base).
    pub fn truncate_after(&mut self, index: u64) {
        let keep = index.saturating_sub(self.base_index) as usize;
        self.entries.truncate(keep);
        let configs = self.configs.partition_point(|&i| i <= index);
        self.configs.truncate(configs);
    }

    /// The index of the latest configuration entry held at or below
    /// `limit` (above the base).
    pub fn latest_config_at(&self, limit: u64) -> Option<u64> {
        let k = self.configs.partition_point(|&i| i <= limit);
        k.checked_sub(1).map(|k| self.configs[k])
    }

    /// Up to `max` entries starting at `from` (which must be past the base).
    pub fn entries_from(&self, from: u64, max: usize) -> Vec<Entry> {
        let start = from.saturating_sub(self.base_index + 1) as usize;
        let end = (start + max).min(self.entries.len());
        self.entries.get(start..end).unwrap_or(&[]).to_vec()
    }

    /// Raft's election restriction (§5.4.1): a candidate whose last entry is
    /// `(last_term, last_index)` is at least as up to date as this log.
    pub fn candidate_is_up_to_date(&self, last_index: u64, last_term: u64) -> bool {
        (last_term, last_index) >= (self.last_term(), self.last_index())
    }

    /// The first index holding `term` in the run of entries that ends at
    /// `index` (fast backtracking: the follower reports it on a conflict).
    pub fn first_index_of_term_run(&self, index: u64) -> u64 {
        let Some(term) = self.term_at(index) else {
            return index;
        };
        let mut first = index;
        while first > self.base_index + 1 && self.term_at(first - 1) == Some(term) {
            first -= 1;
        }
        first
    }

    /// The last index holding an entry of `term`, if any is held (terms never
    /// decrease along a log, so this is a binary search).
    pub fn last_index_of_term(&self, term: u64) -> Option<u64> {
        let upto = self.entries.partition_point(|e| e.term <= term);
        if upto > 0 && self.entries[upto - 1].term == term {
            return Some(self.base_index + upto as u64);
        }
        (upto == 0 && self.base_term == term && self.base_index > 0).then_some(self.base_index)
    }

    /// Merge `entries`, which follow `prev_index` in the leader's log (the
    /// caller checked that this log matches at `prev_index`, or that
    /// `prev_index` is below the base). Entries already held with the same
    /// term are kept; the first conflicting one truncates the log there (never
    /// before, so a stale, reordered message cannot delete newer entries).
    /// Returns what changed, for persistence.
    pub fn merge(&mut self, prev_index: u64, entries: Vec<Entry>) -> Merge {
        let old_last = self.last_index();
        let mut merge = Merge {
            truncated: None,
            appended_from: None,
        };
        for (k, e) in entries.into_iter().enumerate() {
            let index = prev_index + 1 + k as u64;
            if index <= self.base_index {
                continue; // covered by the snapshot: committed, so it matches
            }
            match self.term_at(index) {
                Some(t) if t == e.term => continue,
                Some(_) => {
                    self.truncate_after(index - 1);
                    merge.truncated = Some((index, old_last));
                }
                None => {}
            }
            merge.appended_from.get_or_insert(index);
            self.push(e.term, e.command, e.stamp);
        }
        merge
    }

    /// Drop the entries up to `index` (held, or the base) after a snapshot
    /// covering them; later entries stay.
    pub fn compact(&mut self, index: u64) {
        if index <= self.base_index {
            return;
        }
        let (Some(term), Some(hash)) = (self.term_at(index), self.hash_at(index)) else {
            return;
        };
        let drop = (index - self.base_index) as usize;
        self.entries.drain(..drop.min(self.entries.len()));
        let configs = self.configs.partition_point(|&i| i <= index);
        self.configs.drain(..configs);
        self.base_index = index;
        self.base_term = term;
        self.base_hash = hash;
    }

    /// Entries held, in index order, with their indices.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Entry)> {
        let base = self.base_index;
        self.entries
            .iter()
            .enumerate()
            .map(move |(k, e)| (base + 1 + k as u64, e))
    }

    /// The prefix hash at the base.
    pub fn base_hash(&self) -> u64 {
        self.base_hash
    }
}

/// What [`Log::merge`] changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Merge {
    /// Entries `from..=to` were dropped (a conflict with the leader).
    pub truncated: Option<(u64, u64)>,
    /// First index appended, if any.
    pub appended_from: Option<u64>,
}

/// Shows the base and the last few entries (a full log would flood the UI).
impl fmt::Debug for Log {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 8;
        let skipped = self.entries.len().saturating_sub(SHOWN);
        let tail: Vec<String> = self
            .iter()
            .skip(skipped)
            .map(|(i, e)| match &e.command {
                Command::Noop => format!("{i}:t{} noop", e.term),
                Command::Client(c) => {
                    let key = c.op.key.as_deref().unwrap_or("");
                    format!(
                        "{i}:t{} {}/{} {} {key} {}",
                        e.term, c.client, c.id, c.op.f, c.op.value
                    )
                }
                Command::Config(c) => format!("{i}:t{} config {c}", e.term),
            })
            .collect();
        f.debug_struct("Log")
            .field("snapshot_through", &(self.base_index, self.base_term))
            .field("last", &(self.last_index(), self.last_term()))
            .field("omitted", &skipped)
            .field("tail", &tail)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{ClientId, Op};

    fn op(v: i64) -> Command {
        Command::Client(ClientCommand {
            client: ClientId(0),
            id: v as u64,
            op: Op {
                f: "put".into(),
                key: Some("k".into()),
                value: crate::check::history::Value::Int(v),
            },
        })
    }

    fn entry(term: u64, v: i64) -> Entry {
        Entry {
            term,
            command: op(v),
            hash: 0, // never trusted: the receiver recomputes it
            stamp: 0,
        }
    }

    /// A log with entries of the given terms (values 1, 2, ...).
    fn log_of(terms: &[u64]) -> Log {
        let mut log = Log::new();
        for (i, &t) in terms.iter().enumerate() {
            log.append(t, op(i as i64 + 1));
        }
        log
    }

    #[test]
    fn append_chains_prefix_hashes() {
        let a = log_of(&[1, 1, 2]);
        let b = log_of(&[1, 1, 2]);
        let c = log_of(&[1, 1, 3]);
        assert_eq!((a.last_index(), a.last_term()), (3, 2));
        assert_eq!(a.hash_at(3), b.hash_at(3));
        assert_eq!(a.hash_at(2), c.hash_at(2));
        assert_ne!(a.hash_at(3), c.hash_at(3));
        assert_eq!(a.term_at(0), Some(0));
        assert_eq!(a.term_at(4), None);
    }

    #[test]
    fn merge_truncates_at_the_first_conflict_only() {
        // Follower holds terms [1, 1, 2, 2]; the leader sends [1, 3] after index 1.
        let mut log = log_of(&[1, 1, 2, 2]);
        let m = log.merge(1, vec![entry(1, 2), entry(3, 9)]);
        assert_eq!(m.truncated, Some((3, 4)));
        assert_eq!(m.appended_from, Some(3));
        assert_eq!(log.last_index(), 3);
        assert_eq!(log.term_at(3), Some(3));
        // The same prefix as a leader's log built directly.
        let mut leader = log_of(&[1, 1]);
        leader.append(3, op(9));
        assert_eq!(log.last_hash(), leader.last_hash());
    }

    #[test]
    fn a_stale_shorter_append_never_deletes_entries() {
        let mut log = log_of(&[1, 1, 1, 1]);
        let before = log.clone();
        // A reordered, older AppendEntries carrying only entry 2.
        let m = log.merge(1, vec![entry(1, 2)]);
        assert_eq!(
            m,
            Merge {
                truncated: None,
                appended_from: None
            }
        );
        assert_eq!(log, before);
    }

    #[test]
    fn compaction_keeps_indices_terms_and_hashes() {
        let mut log = log_of(&[1, 1, 2, 2, 3]);
        let hash4 = log.hash_at(4);
        let hash5 = log.hash_at(5);
        log.compact(4);
        assert_eq!((log.base_index(), log.base_term(), log.len()), (4, 2, 1));
        assert_eq!((log.hash_at(4), log.hash_at(5)), (hash4, hash5));
        assert_eq!(log.entry(3), None);
        assert_eq!(log.term_at(3), None);
        // Entries after a snapshot chain from the snapshot's hash.
        let mut other = Log::after_snapshot(4, 2, hash4.unwrap_or(0));
        other.append(3, op(5));
        assert_eq!(other.last_hash(), log.last_hash());
        // Merging entries covered by the snapshot skips them.
        let m = log.merge(2, vec![entry(2, 3), entry(2, 4), entry(3, 5)]);
        assert_eq!(m.truncated, None);
        assert_eq!(log.last_index(), 5);
    }

    #[test]
    fn fast_backtracking_helpers_find_term_boundaries() {
        let log = log_of(&[1, 1, 4, 4, 4, 5]);
        assert_eq!(log.first_index_of_term_run(5), 3);
        assert_eq!(log.first_index_of_term_run(2), 1);
        assert_eq!(log.last_index_of_term(4), Some(5));
        assert_eq!(log.last_index_of_term(2), None);
        assert_eq!(log.last_index_of_term(6), None);
    }

    #[test]
    fn the_vote_rule_compares_last_term_then_length() {
        let log = log_of(&[1, 2, 2]);
        assert!(log.candidate_is_up_to_date(3, 2), "same log");
        assert!(
            log.candidate_is_up_to_date(1, 3),
            "higher last term, shorter"
        );
        assert!(!log.candidate_is_up_to_date(2, 2), "same term, shorter");
        assert!(!log.candidate_is_up_to_date(9, 1), "longer but older term");
    }
}
