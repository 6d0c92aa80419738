//! Log compaction (§7): snapshots every `snapshot_every` applied entries, and
//! InstallSnapshot for a follower that needs entries the leader dropped.

use super::log::Log;
use super::persist::{self, Snapshot};
use super::{Msg, Raft};
use crate::sim::{Ctx, NodeId};

impl Raft {
    /// Snapshot the state machine at the applied index once
    /// `snapshot_every` entries were applied since the last snapshot.
    pub(super) fn maybe_snapshot(&mut self, ctx: &mut Ctx<Self>) {
        let every = self.params.snapshot_every;
        let base = self.log.base_index();
        if every == 0 || self.applied > self.commit || self.applied < base + every {
            return;
        }
        let index = self.applied;
        let Some(term) = self.log.term_at(index) else {
            return;
        };
        let snapshot = Snapshot {
            index,
            term,
            hash: self.applied_hash,
            kv: self.kv.clone(),
            config: self.snapshot_config(index),
        };
        self.log.compact(index);
        persist::save_snapshot(ctx.storage(), &snapshot);
        persist::remove_entries(ctx.storage(), base + 1, index);
        self.dirty = true;
        self.snapshot = Some(snapshot);
        ctx.log(format!("snapshot through {index}"));
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
