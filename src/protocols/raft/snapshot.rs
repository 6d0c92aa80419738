//! Log compaction (§7): snapshots every `snapshot_every` applied entries, and
//! InstallSnapshot for a follower that needs entries the leader dropped —
//! whole, or with `snapshot_chunk` in chunks with offsets (the paper's
//! Figure 13): the leader sends one chunk of the snapshot's serialized form
//! at a time, the next when the follower answers the last; the follower
//! appends a chunk that starts where its partial snapshot ends, discards
//! the partial snapshot on a term change or a chunk of another snapshot,
//! and installs when the last chunk completes it. A lost chunk (or answer)
//! is sent again when the snapshot is resent (`snapshot_resend`), from the
//! offset in flight.

use super::log::Log;
use super::persist::{self, Snapshot};
use super::{Bug, Flow, Msg, Raft, Role};
use crate::sim::{Ctx, NodeId, SimTime};
use std::fmt;

/// A snapshot a follower is receiving in chunks (`snapshot_chunk`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PartialSnapshot {
    /// The leader's term the chunks came in.
    pub term: u64,
    /// The snapshot's last included index.
    pub index: u64,
    /// Its term.
    pub snapshot_term: u64,
    /// The bytes received so far (`0..data.len()` of its serialized form).
    pub data: Vec<u8>,
}

impl fmt::Debug for PartialSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "through {}/{}: {} bytes (term {})",
            self.index,
            self.snapshot_term,
            self.data.len(),
            self.term
        )
    }
}

/// One received [`Msg::SnapshotChunk`], less its term.
pub(super) struct Chunk {
    pub(super) index: u64,
    pub(super) snapshot_term: u64,
    pub(super) offset: u64,
    pub(super) data: Vec<u8>,
    pub(super) done: bool,
}

impl Raft {
    /// Snapshot the state machine at the applied index once
    /// `snapshot_every` entries were applied since the last snapshot; then
    /// drop the log up to the snapshot — on a leader, no further than the
    /// compaction point ([`Raft::compaction_point`]), so the log may keep a
    /// tail behind its snapshot for a follower that still needs it.
    pub(super) fn maybe_snapshot(&mut self, ctx: &mut Ctx<Self>) {
        let every = self.params.snapshot_every;
        if every == 0 {
            return;
        }
        let last = self.snapshot.as_ref().map_or(0, |s| s.index);
        let index = self.applied;
        if index <= self.commit && index >= last.max(self.log.base_index()) + every {
            if let Some(term) = self.log.term_at(index) {
                let snapshot = Snapshot {
                    index,
                    term,
                    hash: self.applied_hash,
                    kv: self.kv.clone(),
                    config: self.snapshot_config(index),
                };
                persist::save_snapshot(ctx.storage(), &snapshot);
                self.dirty = true;
                self.snapshot = Some(snapshot);
                ctx.log(format!("snapshot through {index}"));
            }
        }
        self.trim_log(ctx);
    }

    /// Drop the log through the snapshot's index, or only through the
    /// compaction point if that is lower (durably).
    fn trim_log(&mut self, ctx: &mut Ctx<Self>) {
        let Some(snapshot) = &self.snapshot else {
            return;
        };
        let base = self.log.base_index();
        let to = snapshot.index.min(self.compaction_point(ctx.now()));
        if to <= base {
            return;
        }
        self.log.compact(to);
        persist::remove_entries(ctx.storage(), base + 1, to);
        self.dirty = true;
    }

    /// How far the log may be dropped: the applied index — on a leader
    /// with `snapshot_hold`, no further than the match index of any
    /// follower it heard from within `snapshot_hold` whose match index is
    /// still in the log (one already behind the log needs the snapshot
    /// anyway). So a live follower a few entries behind gets those entries,
    /// not a snapshot; one that fell silent (cut off, crashed) holds
    /// nothing back once `snapshot_hold` passed, which bounds the tail kept
    /// for it.
    pub(super) fn compaction_point(&self, now: SimTime) -> u64 {
        let hold = self.params.snapshot_hold;
        let ignore = self.params.has(Bug::CompactPastFollowers);
        if self.role != Role::Leader || hold == SimTime::ZERO || ignore {
            return self.applied;
        }
        let base = self.log.base_index();
        self.progress
            .values()
            .filter(|p| p.matched >= base && now.saturating_sub(p.last_heard) <= hold)
            .map(|p| p.matched)
            .fold(self.applied, u64::min)
    }

    /// InstallSnapshot: replace the state machine, keep the log suffix if it
    /// matches the snapshot's last entry, discard the log otherwise.
    pub(super) fn on_install_snapshot(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        snapshot: Snapshot,
    ) {
        if term < self.term {
            let term = self.term;
            ctx.send(
                from,
                Msg::SnapshotReply {
                    term,
                    match_index: 0,
                },
            );
            return;
        }
        self.follow(ctx, from, term);
        let index = snapshot.index;
        if index <= self.log.last_index() + self.params.max_entries as u64 {
            self.sent.near_snapshots += 1;
        }
        if index > self.commit {
            self.install(ctx, snapshot);
            self.snapshots_installed += 1;
            ctx.log(format!("installed snapshot through {index} from {from}"));
        }
        // Committed entries match the leader's, so the log matches through
        // the snapshot's index either way.
        let term = self.term;
        let msg = Msg::SnapshotReply {
            term,
            match_index: index,
        };
        ctx.send(from, msg);
    }

    /// Send `peer` the snapshot: whole, or (with `snapshot_chunk`) the
    /// chunk in flight — the first of a snapshot other than the one being
    /// sent. Counts a copy for each whole snapshot and each chunk at
    /// offset 0. False if there is no snapshot.
    pub(super) fn send_snapshot_or_chunk(&mut self, ctx: &mut Ctx<Self>, peer: NodeId) -> bool {
        let Some(snapshot) = &self.snapshot else {
            return false;
        };
        let size = self.params.snapshot_chunk;
        if size == 0 {
            let msg = Msg::InstallSnapshot {
                term: self.term,
                snapshot: Box::new(snapshot.clone()),
            };
            self.sent.snapshots += 1;
            ctx.send(peer, msg);
            return true;
        }
        let bytes = serde_json::to_vec(snapshot).expect("snapshots serialise");
        let Some(p) = self.progress.get_mut(&peer) else {
            return false;
        };
        if p.chunk.0 != snapshot.index || p.chunk.1 >= bytes.len() as u64 {
            p.chunk = (snapshot.index, 0);
        }
        let offset = p.chunk.1 as usize;
        let end = offset.saturating_add(size).min(bytes.len());
        if offset == 0 {
            self.sent.snapshots += 1;
        }
        self.sent.snapshot_chunks += 1;
        let msg = Msg::SnapshotChunk {
            term: self.term,
            index: snapshot.index,
            snapshot_term: snapshot.term,
            offset: offset as u64,
            data: bytes[offset..end].to_vec(),
            done: end == bytes.len(),
        };
        ctx.send(peer, msg);
        true
    }

    /// The follower side of a chunk: discard a partial snapshot of another
    /// term or snapshot, append the chunk if it starts where the partial
    /// snapshot ends, install once the last chunk completes it, and answer
    /// with how many bytes it holds (or, installed, its match index).
    pub(super) fn on_snapshot_chunk(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        chunk: Chunk,
    ) {
        let (index, offset) = (chunk.index, chunk.offset);
        let reply = |term, next, match_index| Msg::ChunkReply {
            term,
            index,
            offset,
            next,
            match_index,
        };
        if term < self.term {
            ctx.send(from, reply(self.term, 0, 0));
            return;
        }
        self.follow(ctx, from, term);
        let term = self.term;
        if offset == 0 && index <= self.log.last_index() + self.params.max_entries as u64 {
            self.sent.near_snapshots += 1;
        }
        if index <= self.commit {
            // Already holds it (committed entries match the leader's).
            self.partial = None;
            ctx.send(from, reply(term, 0, index));
            return;
        }
        let same = |p: &PartialSnapshot| {
            (p.term, p.index, p.snapshot_term) == (term, index, chunk.snapshot_term)
        };
        if !self.partial.as_ref().is_some_and(same) {
            self.partial = None;
        }
        let held = self.partial.as_ref().map_or(0, |p| p.data.len() as u64);
        if offset != held {
            // Out of order (a lost or duplicated chunk): ask for `held`.
            ctx.send(from, reply(term, held, 0));
            return;
        }
        let partial = self.partial.get_or_insert_with(|| PartialSnapshot {
            term,
            index,
            snapshot_term: chunk.snapshot_term,
            data: Vec::new(),
        });
        partial.data.extend_from_slice(&chunk.data);
        let held = partial.data.len() as u64;
        if !chunk.done {
            ctx.send(from, reply(term, held, 0));
            return;
        }
        let Some(partial) = self.partial.take() else {
            return;
        };
        match serde_json::from_slice::<Snapshot>(&partial.data) {
            Ok(snapshot) if snapshot.index == index => {
                self.install(ctx, snapshot);
                self.snapshots_installed += 1;
                ctx.log(format!(
                    "installed snapshot through {index} from {from} ({held} bytes in chunks)"
                ));
                ctx.send(from, reply(term, held, index));
            }
            // Not a snapshot after all: start over.
            _ => ctx.send(from, reply(term, 0, 0)),
        }
    }

    /// The leader side of a [`Msg::ChunkReply`]: an installed snapshot is
    /// a success answer; an answer to the chunk in flight sends the next
    /// one (from where the follower says it is); anything else (stale, a
    /// duplicate) is ignored — the resend covers a lost answer.
    pub(super) fn on_chunk_reply(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        (index, offset, next): (u64, u64, u64),
        match_index: u64,
    ) {
        if match_index > 0 || term != self.term || self.role != Role::Leader {
            self.on_append_reply(ctx, from, term, match_index, None);
            return;
        }
        let now = ctx.now();
        let pipeline = self.params.pipeline;
        let current = self.snapshot.as_ref().map(|s| s.index);
        let Some(p) = self.progress.get_mut(&from) else {
            return;
        };
        p.last_heard = now;
        let in_flight = p.chunk == (index, offset) && current == Some(index);
        if !in_flight || (pipeline && p.flow != Flow::Snapshot) {
            return;
        }
        p.chunk.1 = next;
        if pipeline {
            p.sent_at = Some(now);
        }
        self.send_snapshot_or_chunk(ctx, from);
    }

    /// Replace log prefix and state machine by `snapshot` (durably).
    pub(super) fn install(&mut self, ctx: &mut Ctx<Self>, snapshot: Snapshot) {
        let (base, last) = (self.log.base_index(), self.log.last_index());
        let index = snapshot.index;
        if self.log.term_at(index) == Some(snapshot.term) {
            self.log.compact(index);
            persist::remove_entries(ctx.storage(), base + 1, index);
        } else {
            self.log = Log::after_snapshot(index, snapshot.term, snapshot.hash);
            persist::remove_entries(ctx.storage(), base + 1, last);
        }
        self.kv = snapshot.kv.clone();
        self.applied = index;
        self.applied_hash = snapshot.hash;
        self.commit = index;
        persist::save_commit(ctx.storage(), index);
        persist::save_snapshot(ctx.storage(), &snapshot);
        self.snapshot = Some(snapshot);
        self.dirty = true;
    }
}
